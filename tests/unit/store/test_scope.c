/* test_scope.c: tenant scoping. Tenant B, holding the ids of tenant A's rows, cannot
 * read, update or delete them through any domain function: -TN_ENOTFOUND, and every one
 * of A's rows is byte-for-byte unchanged afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_store.h"
#include "base/buf.h"
#include "base/err.h"
#include <stdlib.h>
#include <string.h>

#define RC_MAX 64

struct fx {
	int64_t a, b;                 /* tenants */
	int64_t user, service, key, tech, customer, conv, appt, kb, bcustomer;
	int rc[RC_MAX];
	int n;
};

#define R(expr) (f->rc[f->n++] = (expr))

TH_JOB(job_seed_a, fx,
	int err;
	if ((err = store_tenant_create(c, "alpha", "Alpha", "UTC", NULL, &f->a)) ||
	    (err = store_tenant_create(c, "bravo", "Bravo", "UTC", NULL, &f->b)))
		return err;
	struct store_hours h[] = {{1, 480, 1020}};
	const char *zips[] = {"28202"};
	struct store_service svc = {"ac_tuneup", "AC tune-up", "hvac", 12900, STORE_PRICE_FIXED, 1,
	                            NULL};
	struct store_technician t = {"Marcus Bell", NULL, NULL, true};
	struct store_customer cu = {"Linda Smith", NULL, "28202", NULL};
	struct store_message m = {"customer", 0, "chat", "hello", "m-1", NULL, NULL};
	const char *trades[] = {"hvac"};
	int64_t slot = 1800000000;
	if ((err = store_hours_set(c, f->a, h, 1)) ||
	    (err = store_holiday_add(c, f->a, "2026-07-04", "Independence Day")) ||
	    (err = store_zips_set(c, f->a, zips, 1)) ||
	    (err = store_service_create(c, f->a, &svc, &f->service)) ||
	    (err = store_user_create(c, "a@example.com", "A Agent", NULL, false, 1, &f->user)) ||
	    (err = store_membership_set(c, f->a, f->user, STORE_ROLE_AGENT)) ||
	    (err = store_api_key_create(c, f->a, "crm", "tnd_a", "hash-a", 1, &f->key)) ||
	    (err = store_technician_create(c, f->a, &t, &f->tech)) ||
	    (err = store_technician_trades_set(c, f->a, f->tech, trades, 1)) ||
	    (err = store_technician_hours_set(c, f->a, f->tech, h, 1)) ||
	    (err = store_technician_zips_set(c, f->a, f->tech, zips, 1)) ||
	    (err = store_customer_create(c, f->a, &cu, 1, &f->customer)) ||
	    (err = store_identity_add(c, f->a, f->customer, STORE_IDENTITY_PHONE, "+17045550182")) ||
	    (err = store_conversation_create(c, f->a, f->customer, "chat", 1, &f->conv)) ||
	    (err = store_message_append(c, f->a, f->conv, &m, 2, NULL)) ||
	    (err = store_event_append(c, f->a, 3, "message.in", f->conv, "customer", NULL, NULL)) ||
	    (err = store_kb_create(c, f->a, "Hours", "Mon-Fri", NULL, 1, &f->kb)))
		return err;
	struct store_appointment ap = {f->customer, f->tech, "ac_tuneup", "hvac", slot, slot + 7200,
	                               "J-1", NULL, NULL};
	return store_appointment_book(c, f->a, &ap, &slot, 1, &f->appt);)

/* Everything tenant B tries against A's rows. */
TH_JOB(job_b_attacks, fx,
	int64_t b = f->b;
	struct store_hours h[] = {{2, 600, 700}};
	const char *zips[] = {"99999"};
	struct store_service svc = {"ac_tuneup", "Stolen", "hvac", 1, STORE_PRICE_FIXED, 1, NULL};
	struct store_technician t = {"Mallory", NULL, NULL, false};
	struct store_customer cu = {"Mallory", NULL, NULL, NULL};
	struct store_message m = {"agent", 0, "chat", "injected", NULL, NULL, NULL};
	const char *trades[] = {"plumbing"};
	int64_t slot = 1800000000;
	struct store_appointment ap = {f->customer, f->tech, "ac_tuneup", "hvac", slot, slot + 7200,
	                               "J-1", NULL, NULL};
	json_t *state = json_pack("{s:b}", "hijacked", 1);
	R(store_holiday_remove(c, b, "2026-07-04"));
	R(store_service_update(c, b, f->service, &svc));
	R(store_service_delete(c, b, f->service));
	R(store_membership_remove(c, b, f->user));
	R(store_api_key_revoke(c, b, f->key, 5));
	R(store_technician_update(c, b, f->tech, &t));
	R(store_technician_delete(c, b, f->tech));
	R(store_technician_trades_set(c, b, f->tech, trades, 1));
	R(store_technician_hours_set(c, b, f->tech, h, 1));
	R(store_technician_zips_set(c, b, f->tech, zips, 1));
	R(store_appointment_book(c, b, &ap, &slot, 1, NULL));
	R(store_appointment_cancel(c, b, f->appt));
	R(store_kb_update(c, b, f->kb, "x", "y", NULL, 9));
	R(store_kb_delete(c, b, f->kb));
	R(store_event_append(c, b, 9, "x", f->conv, NULL, NULL, NULL));
	R(store_customer_update(c, b, f->customer, &cu, 9));
	R(store_identity_add(c, b, f->customer, STORE_IDENTITY_EMAIL, "m@example.com"));
	R(store_conversation_create(c, b, f->customer, "chat", 9, NULL));
	R(store_conversation_update(c, b, f->conv, STORE_CONV_CLOSED, NULL, 0, state, 9));
	R(store_message_append(c, b, f->conv, &m, 9, NULL));
	json_decref(state);
	/* B's own replace-all sets and same-named rows leave A's alone. */
	R(store_hours_set(c, b, h, 1));
	R(store_zips_set(c, b, zips, 1));
	R(store_service_create(c, b, &svc, NULL));  /* codes are unique per tenant only */
	R(store_customer_create(c, b, &cu, 9, &f->bcustomer));
	R(store_identity_add(c, b, f->bcustomer, STORE_IDENTITY_PHONE, "+17045550182"));
	return 0;)

static const char *const scoped_tables[] = {
	"business_hours", "holidays", "service_zips", "services", "memberships", "api_keys",
	"customers", "customer_identities", "conversations", "messages", "technicians",
	"technician_trades", "technician_hours", "technician_zips", "appointments",
	"appointment_slots", "kb_articles", "events",
};

/* Every row of tenant a, as one string. */
static char *snapshot(struct store_conn *c, int64_t a)
{
	struct buf out = BUF_INIT;
	for (size_t i = 0; i < sizeof scoped_tables / sizeof scoped_tables[0]; i++) {
		struct buf sql = BUF_INIT;
		assert_int_equal(buf_printf(&sql, "SELECT * FROM %s WHERE tenant_id = ? ORDER BY rowid",
		                            scoped_tables[i]), 0);
		struct store_stmt *st;
		assert_int_equal(store_prepare(c, sql.data, &st), 0);
		assert_int_equal(store_bind_int64(st, 1, a), 0);
		int rows = 0, rc;
		buf_printf(&out, "%s:", scoped_tables[i]);
		while ((rc = store_step(st)) == STORE_ROW) {
			json_t *row = store_row_json(st);
			char *s = th_dump(row);
			buf_puts(&out, s);
			free(s);
			json_decref(row);
			rows++;
		}
		assert_int_equal(rc, STORE_DONE);
		store_stmt_finish(st);
		if (rows == 0)
			fail_msg("seed left %s empty for tenant A", scoped_tables[i]);
		buf_free(&sql);
	}
	struct store_stmt *st;
	assert_int_equal(store_prepare(c, "SELECT * FROM tenants WHERE id = ?", &st), 0);
	assert_int_equal(store_bind_int64(st, 1, a), 0);
	assert_int_equal(store_step(st), STORE_ROW);
	json_t *row = store_row_json(st);
	char *s = th_dump(row);
	buf_puts(&out, s);
	free(s);
	json_decref(row);
	store_stmt_finish(st);
	return buf_take(&out);
}

static void test_tenant_b_cannot_touch_tenant_a(void **state)
{
	(void)state;
	struct store *s = th_open(":memory:");
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	assert_int_equal(store_write_sync(s, job_seed_a, f), 0);
	struct store_conn *c = store_reader(s);
	char *before = snapshot(c, f->a);

	assert_int_equal(store_write_sync(s, job_b_attacks, f), 0);
	assert_int_equal(f->n, 25);
	for (int i = 0; i < 20; i++)
		if (f->rc[i] != -TN_ENOTFOUND)
			fail_msg("write %d by tenant B on A's row gave %d, want -TN_ENOTFOUND", i, f->rc[i]);
	for (int i = 20; i < 25; i++)
		if (f->rc[i] != 0)
			fail_msg("B's own write %d gave %d", i, f->rc[i]);

	/* Reads by B of A's ids. */
	json_t *v = NULL;
	int64_t id = 0;
	enum store_role role;
	assert_int_equal(store_service_get(c, f->b, f->service, &v), -TN_ENOTFOUND);
	assert_int_equal(store_technician_get(c, f->b, f->tech, &v), -TN_ENOTFOUND);
	assert_int_equal(store_appointment_get(c, f->b, f->appt, &v), -TN_ENOTFOUND);
	assert_int_equal(store_kb_get(c, f->b, f->kb, &v), -TN_ENOTFOUND);
	assert_int_equal(store_customer_get(c, f->b, f->customer, &v), -TN_ENOTFOUND);
	assert_int_equal(store_conversation_get(c, f->b, f->conv, &v), -TN_ENOTFOUND);
	assert_int_equal(store_message_list(c, f->b, f->conv, 0, 10, &v), -TN_ENOTFOUND);
	assert_int_equal(store_membership_role(c, f->b, f->user, &role), -TN_ENOTFOUND);
	assert_null(v);
	/* B's phone identity is B's customer, not A's. */
	assert_int_equal(store_customer_find_by_identity(c, f->b, STORE_IDENTITY_PHONE,
	                                                 "+17045550182", &id), 0);
	assert_int_equal(id, f->bcustomer);
	/* B's lists hold none of A's rows. */
	json_t *lists[8] = {0};
	assert_int_equal(store_service_list(c, f->b, &lists[0]), 0);
	assert_int_equal(store_technician_list(c, f->b, &lists[1]), 0);
	assert_int_equal(store_kb_list(c, f->b, &lists[2]), 0);
	assert_int_equal(store_event_list(c, f->b, 0, 100, &lists[3]), 0);
	assert_int_equal(store_conversation_list_open(c, f->b, &lists[4]), 0);
	assert_int_equal(store_api_key_list(c, f->b, &lists[5]), 0);
	assert_int_equal(store_user_list_by_tenant(c, f->b, &lists[6]), 0);
	assert_int_equal(store_holiday_list(c, f->b, &lists[7]), 0);
	assert_int_equal(json_array_size(lists[0]), 1);  /* B's own service */
	assert_string_equal(json_string_value(json_object_get(json_array_get(lists[0], 0), "name")),
	                    "Stolen");
	for (int i = 1; i < 8; i++)
		if (json_array_size(lists[i]) != 0)
			fail_msg("list %d of tenant B shows %zu rows", i, json_array_size(lists[i]));
	for (int i = 0; i < 8; i++)
		json_decref(lists[i]);
	assert_int_equal(store_zip_served(c, f->b, "28202"), 0);

	char *after = snapshot(c, f->a);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(f);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tenant_b_cannot_touch_tenant_a),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
