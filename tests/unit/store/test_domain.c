/* test_domain.c: round trips through the domain functions: tenants and configuration,
 * services, users and access, technicians, appointments, knowledge base, events,
 * customers, conversations and messages; unique constraints become -TN_ECONFLICT. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_store.h"
#include "base/err.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RC_MAX 48

struct fx {
	struct store *s;
	int64_t tenant, tenant2;
	int64_t ids[16];
	int rc[RC_MAX];
	int n;
	char *hash;
	bool flag;
	int64_t seq[8];
};

/* Records a result inside a job (asserting is for the test thread). */
#define R(expr) (f->rc[f->n++] = (expr))

static void expect(struct fx *f, const int *want, int n)
{
	assert_int_equal(f->n, n);
	for (int i = 0; i < n; i++)
		if (f->rc[i] != want[i])
			fail_msg("step %d: got %d (%s), want %d", i, f->rc[i], tn_strerror(f->rc[i]),
			         want[i]);
	f->n = 0;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->s = th_open(":memory:");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->s);
	free(f->hash);
	free(f);
	return 0;
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	if (!s)
		fail_msg("no string field %s", k);
	return s;
}

static int64_t num(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	if (!json_is_integer(v))
		fail_msg("no integer field %s", k);
	return json_integer_value(v);
}

/* ---- tenants and configuration ---- */

TH_JOB(job_tenants, fx,
	json_t *settings = json_pack("{s:f}", "frustration_threshold", 0.7);
	R(store_tenant_create(c, "brightline", "Brightline Heating", "America/New_York", settings,
	                      &f->tenant));
	R(store_tenant_create(c, "brightline", "Copy", "UTC", NULL, NULL));      /* taken */
	R(store_tenant_create(c, "Bad Slug", "X", "UTC", NULL, NULL));           /* invalid */
	R(store_tenant_create(c, "ok", "X", "../etc/passwd", NULL, NULL));       /* invalid */
	R(store_tenant_create(c, "other", "Other Co", "America/Chicago", NULL, &f->tenant2));
	json_decref(settings);
	settings = json_pack("{s:i}", "sla_seconds", 90);
	R(store_tenant_update(c, f->tenant, "Brightline HVAC", NULL, settings));
	R(store_tenant_update(c, 9999, "Nobody", NULL, NULL));
	json_decref(settings);
	struct store_hours h[] = {{1, 420, 1080}, {2, 420, 1080}, {6, 480, 840}};
	R(store_hours_set(c, f->tenant, h, 3));
	struct store_hours bad[] = {{1, 600, 500}};
	R(store_hours_set(c, f->tenant, bad, 1));                                /* kept old */
	R(store_holiday_add(c, f->tenant, "2026-12-25", "Christmas Day"));
	R(store_holiday_add(c, f->tenant, "2026-12-25", "Again"));
	R(store_holiday_add(c, f->tenant, "2026-13-01", "Nope"));
	R(store_holiday_add(c, f->tenant, "2026-11-26", "Thanksgiving"));
	R(store_holiday_remove(c, f->tenant, "2026-11-26"));
	R(store_holiday_remove(c, f->tenant, "2026-11-26"));
	const char *zips[] = {"28202", "28105", "28202"};
	R(store_zips_set(c, f->tenant, zips, 3));
	const char *badzips[] = {"28202", "2810"};
	R(store_zips_set(c, f->tenant, badzips, 2));
	R(store_tenant_update(c, f->tenant2, NULL, "not a zone!", NULL));
	R(store_tenant_update(c, f->tenant2, NULL, "America/Denver", NULL));
	return 0;)

static void test_tenants_and_configuration(void **state)
{
	struct fx *f = *state;
	assert_int_equal(store_write_sync(f->s, job_tenants, f), 0);
	const int want[] = {0, -TN_ECONFLICT, -TN_EINVAL_FIELD, -TN_EINVAL_FIELD, 0, 0,
	                    -TN_ENOTFOUND, 0, -TN_EINVAL_FIELD, 0, -TN_ECONFLICT, -TN_EINVAL_FIELD,
	                    0, 0, -TN_ENOTFOUND, 0, -TN_EINVAL_FIELD, -TN_EINVAL_FIELD, 0};
	expect(f, want, sizeof want / sizeof want[0]);

	struct store_conn *c = store_reader(f->s);
	json_t *t = NULL, *list = NULL;
	assert_int_equal(store_tenant_get(c, f->tenant2, &t), 0);
	assert_string_equal(str(t, "timezone"), "America/Denver");
	assert_string_equal(str(t, "name"), "Other Co");
	json_decref(t);
	assert_int_equal(store_tenant_get(c, f->tenant, &t), 0);
	assert_string_equal(str(t, "slug"), "brightline");
	assert_string_equal(str(t, "name"), "Brightline HVAC");
	assert_string_equal(str(t, "timezone"), "America/New_York");
	assert_int_equal(num(json_object_get(t, "settings"), "sla_seconds"), 90);
	assert_true(num(t, "created_at") > 0);
	json_decref(t);
	assert_int_equal(store_tenant_get_by_slug(c, "other", &t), 0);
	assert_int_equal(num(t, "id"), f->tenant2);
	json_decref(t);
	assert_int_equal(store_tenant_get_by_slug(c, "missing", &t), -TN_ENOTFOUND);
	assert_int_equal(store_tenant_get(c, 424242, &t), -TN_ENOTFOUND);
	assert_int_equal(store_tenant_list(c, &list), 0);
	assert_int_equal(json_array_size(list), 2);
	json_decref(list);

	assert_int_equal(store_hours_get(c, f->tenant, &list), 0);
	char *s = th_dump(list);
	assert_string_equal(s, "[{\"weekday\":1,\"open_min\":420,\"close_min\":1080},"
	                       "{\"weekday\":2,\"open_min\":420,\"close_min\":1080},"
	                       "{\"weekday\":6,\"open_min\":480,\"close_min\":840}]");
	free(s);
	json_decref(list);
	assert_int_equal(store_holiday_list(c, f->tenant, &list), 0);
	s = th_dump(list);
	assert_string_equal(s, "[{\"date\":\"2026-12-25\",\"name\":\"Christmas Day\"}]");
	free(s);
	json_decref(list);
	assert_int_equal(store_zips_get(c, f->tenant, &list), 0);
	s = th_dump(list);
	assert_string_equal(s, "[\"28105\",\"28202\"]");
	free(s);
	json_decref(list);
	assert_int_equal(store_zip_served(c, f->tenant, "28105"), 1);
	assert_int_equal(store_zip_served(c, f->tenant, "28999"), 0);
	assert_int_equal(store_zip_served(c, f->tenant2, "28105"), 0);
	assert_int_equal(store_zip_served(c, f->tenant, "junk"), 0);
}

/* ---- services ---- */

TH_JOB(job_services, fx,
	R(store_tenant_create(c, "svc", "Svc Co", "UTC", NULL, &f->tenant));
	struct store_service tune = {"ac_tuneup", "AC tune-up", "hvac", 12900, STORE_PRICE_FIXED, 1,
	                             "Cleaning and check"};
	struct store_service drain = {"drain_cleaning", "Drain cleaning", "plumbing", 14900,
	                              STORE_PRICE_FROM, 1, NULL};
	struct store_service panel = {"panel_upgrade", "Panel upgrade", "electrical", 99999,
	                              STORE_PRICE_ESTIMATE, 0, NULL};
	R(store_service_create(c, f->tenant, &tune, &f->ids[0]));
	R(store_service_create(c, f->tenant, &drain, &f->ids[1]));
	R(store_service_create(c, f->tenant, &panel, &f->ids[2]));
	R(store_service_create(c, f->tenant, &tune, NULL));                       /* code taken */
	struct store_service bad = tune;
	bad.code = "Has Space";
	R(store_service_create(c, f->tenant, &bad, NULL));
	bad = tune;
	bad.price_kind = (enum store_price_kind)17;
	R(store_service_create(c, f->tenant, &bad, NULL));
	drain.price_cents = 15900;
	drain.description = "Main line extra";
	R(store_service_update(c, f->tenant, f->ids[1], &drain));
	R(store_service_update(c, f->tenant, f->ids[1], &tune));                  /* code taken */
	R(store_service_delete(c, f->tenant, f->ids[0]));
	R(store_service_delete(c, f->tenant, f->ids[0]));
	return 0;)

static void test_services(void **state)
{
	struct fx *f = *state;
	assert_int_equal(store_write_sync(f->s, job_services, f), 0);
	const int want[] = {0, 0, 0, 0, -TN_ECONFLICT, -TN_EINVAL_FIELD, -TN_EINVAL_FIELD, 0,
	                    -TN_ECONFLICT, 0, -TN_ENOTFOUND};
	expect(f, want, sizeof want / sizeof want[0]);
	struct store_conn *c = store_reader(f->s);
	json_t *v = NULL;
	assert_int_equal(store_service_get(c, f->tenant, f->ids[1], &v), 0);
	assert_string_equal(str(v, "code"), "drain_cleaning");
	assert_string_equal(str(v, "price_kind"), "from");
	assert_int_equal(num(v, "price_cents"), 15900);
	assert_string_equal(str(v, "description"), "Main line extra");
	json_decref(v);
	assert_int_equal(store_service_get_by_code(c, f->tenant, "panel_upgrade", &v), 0);
	assert_int_equal(num(v, "price_cents"), 0);  /* estimates carry no price */
	assert_int_equal(num(v, "duration_windows"), 0);
	assert_true(json_is_null(json_object_get(v, "description")));
	json_decref(v);
	assert_int_equal(store_service_get(c, f->tenant, f->ids[0], &v), -TN_ENOTFOUND);
	assert_int_equal(store_service_list(c, f->tenant, &v), 0);
	assert_int_equal(json_array_size(v), 2);
	json_decref(v);

	enum store_price_kind k;
	assert_int_equal(store_price_kind_parse("monthly", &k), 0);
	assert_int_equal(k, STORE_PRICE_MONTHLY);
	assert_string_equal(store_price_kind_name(STORE_PRICE_ESTIMATE), "estimate");
	assert_int_equal(store_price_kind_parse("weekly", &k), -EINVAL);
}

/* ---- users and access ---- */

TH_JOB(job_users, fx,
	R(store_tenant_create(c, "acme", "Acme", "UTC", NULL, &f->tenant));
	R(store_user_create(c, "Dana@Example.COM", "Dana", "$argon2id$v=19$hash", false, 100,
	                    &f->ids[0]));
	R(store_user_create(c, "dana@example.com", "Dup", NULL, false, 100, NULL));
	R(store_user_create(c, "not-an-email", "X", NULL, false, 100, NULL));
	R(store_user_create(c, "root@example.com", "Root", NULL, true, 100, &f->ids[1]));
	R(store_membership_set(c, f->tenant, f->ids[0], STORE_ROLE_AGENT));
	R(store_membership_set(c, f->tenant, f->ids[0], STORE_ROLE_SUPERVISOR));  /* change */
	R(store_membership_set(c, f->tenant, 777, STORE_ROLE_AGENT));
	R(store_session_create(c, "tokhash1", f->ids[0], "csrf1", 1000, 2000));
	R(store_session_create(c, "tokhash1", f->ids[0], "csrf2", 1000, 2000));
	R(store_session_create(c, "tokhash2", f->ids[0], "csrf2", 1000, 1500));
	R(store_session_touch(c, "tokhash1", 1100, 2600));
	R(store_session_touch(c, "nothing", 1100, 0));
	int purged = -1;
	R(store_session_purge(c, 1600, &purged));
	f->ids[2] = purged;
	R(store_api_key_create(c, f->tenant, "crm", "tnd_ab12", "keyhash1", 1000, &f->ids[3]));
	R(store_api_key_create(c, f->tenant, "dup", "tnd_ab13", "keyhash1", 1000, NULL));
	R(store_api_key_create(c, f->tenant, "old", "tnd_cd34", "keyhash2", 1000, &f->ids[4]));
	R(store_api_key_revoke(c, f->tenant, f->ids[4], 1200));
	R(store_api_key_revoke(c, f->tenant, f->ids[4], 1300));
	R(store_login_attempt_record(c, "ip:10.0.0.1", false, 1000));
	R(store_login_attempt_record(c, "ip:10.0.0.1", false, 1010));
	R(store_login_attempt_record(c, "ip:10.0.0.1", true, 1020));
	R(store_login_attempt_record(c, "ip:10.0.0.1", false, 900));
	R(store_login_attempt_record(c, "ip:10.0.0.2", false, 1000));
	R(store_user_set_password_hash(c, f->ids[0], "$argon2id$v=19$new"));
	return 0;)

TH_JOB(job_users_later, fx,
	R(store_login_attempt_purge(c, 1005));
	R(store_user_set_disabled(c, f->ids[0], true));
	R(store_user_set_disabled(c, 31337, true));
	R(store_membership_remove(c, f->tenant, f->ids[0]));
	R(store_membership_remove(c, f->tenant, f->ids[0]));
	R(store_session_delete(c, "tokhash1"));
	return 0;)

static void test_users_and_access(void **state)
{
	struct fx *f = *state;
	assert_int_equal(store_write_sync(f->s, job_users, f), 0);
	const int want[] = {0, 0, -TN_ECONFLICT, -TN_EINVAL_FIELD, 0, 0, 0, -TN_ENOTFOUND, 0,
	                    -TN_ECONFLICT, 0, 0, -TN_ENOTFOUND, 0, 0, -TN_ECONFLICT, 0, 0,
	                    -TN_ENOTFOUND, 0, 0, 0, 0, 0, 0};
	expect(f, want, sizeof want / sizeof want[0]);
	assert_int_equal(f->ids[2], 1);  /* tokhash2 expired at 1500 */
	struct store_conn *c = store_reader(f->s);
	json_t *v = NULL;

	assert_int_equal(store_user_get_by_email(c, "DANA@example.com", &v), 0);
	assert_int_equal(num(v, "id"), f->ids[0]);
	assert_string_equal(str(v, "email"), "dana@example.com");
	assert_true(json_is_false(json_object_get(v, "is_platform_admin")));
	assert_null(json_object_get(v, "password_hash"));
	json_decref(v);
	assert_int_equal(store_user_get(c, f->ids[1], &v), 0);
	assert_true(json_is_true(json_object_get(v, "is_platform_admin")));
	json_decref(v);
	int64_t uid = 0;
	bool disabled = true;
	assert_int_equal(store_user_credentials(c, "dana@example.com", &uid, &disabled, &f->hash), 0);
	assert_int_equal(uid, f->ids[0]);
	assert_false(disabled);
	assert_string_equal(f->hash, "$argon2id$v=19$new");
	free(f->hash);
	f->hash = NULL;
	assert_int_equal(store_user_credentials(c, "root@example.com", &uid, &disabled, &f->hash), 0);
	assert_null(f->hash);
	assert_int_equal(store_user_credentials(c, "who@example.com", &uid, &disabled, &f->hash),
	                 -TN_ENOTFOUND);

	enum store_role role;
	assert_int_equal(store_membership_role(c, f->tenant, f->ids[0], &role), 0);
	assert_int_equal(role, STORE_ROLE_SUPERVISOR);
	assert_int_equal(store_membership_role(c, f->tenant, f->ids[1], &role), -TN_ENOTFOUND);
	assert_int_equal(store_membership_list_for_user(c, f->ids[0], &v), 0);
	assert_int_equal(json_array_size(v), 1);
	assert_string_equal(str(json_array_get(v, 0), "slug"), "acme");
	assert_string_equal(str(json_array_get(v, 0), "role"), "supervisor");
	json_decref(v);
	assert_int_equal(store_user_list_by_tenant(c, f->tenant, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	assert_string_equal(str(json_array_get(v, 0), "role"), "supervisor");
	json_decref(v);

	assert_int_equal(store_session_lookup(c, "tokhash1", 2500, &v), 0);
	assert_int_equal(num(v, "user_id"), f->ids[0]);
	assert_string_equal(str(v, "csrf_token"), "csrf1");
	assert_int_equal(num(v, "expires_at"), 2600);
	assert_int_equal(num(v, "last_seen"), 1100);
	json_decref(v);
	assert_int_equal(store_session_lookup(c, "tokhash1", 2600, &v), -TN_ENOTFOUND);
	assert_int_equal(store_session_lookup(c, "tokhash2", 1000, &v), -TN_ENOTFOUND);

	assert_int_equal(store_api_key_lookup(c, "keyhash1", &v), 0);
	assert_int_equal(num(v, "tenant_id"), f->tenant);
	assert_string_equal(str(v, "prefix"), "tnd_ab12");
	json_decref(v);
	assert_int_equal(store_api_key_lookup(c, "keyhash2", &v), -TN_ENOTFOUND);  /* revoked */
	assert_int_equal(store_api_key_list(c, f->tenant, &v), 0);
	assert_int_equal(json_array_size(v), 2);
	assert_null(json_object_get(json_array_get(v, 0), "key_hash"));
	assert_int_equal(num(json_array_get(v, 1), "revoked_at"), 1200);
	json_decref(v);

	assert_int_equal(store_login_attempt_count(c, "ip:10.0.0.1", 950), 2);
	assert_int_equal(store_login_attempt_count(c, "ip:10.0.0.1", 0), 3);
	assert_int_equal(store_login_attempt_count(c, "ip:10.0.0.9", 0), 0);

	assert_int_equal(store_write_sync(f->s, job_users_later, f), 0);
	const int want2[] = {0, 0, -TN_ENOTFOUND, 0, -TN_ENOTFOUND, -TN_ENOTFOUND};
	expect(f, want2, sizeof want2 / sizeof want2[0]);
	/* Purged before 1005; disabling the user removed the session. */
	assert_int_equal(store_login_attempt_count(c, "ip:10.0.0.1", 0), 1);
	assert_int_equal(store_user_get(c, f->ids[0], &v), 0);
	assert_true(json_is_true(json_object_get(v, "disabled")));
	json_decref(v);
	assert_int_equal(th_scalar(c, "SELECT COUNT(*) FROM sessions"), 0);

	assert_int_equal(store_role_parse("admin", &role), 0);
	assert_int_equal(role, STORE_ROLE_ADMIN);
	assert_int_equal(store_role_parse("owner", &role), -EINVAL);
}

/* ---- technicians and appointments ---- */

TH_JOB(job_techs, fx,
	R(store_tenant_create(c, "techco", "Tech Co", "UTC", NULL, &f->tenant));
	struct store_technician marcus = {"Marcus Bell", "+17045550101", "marcus@example.com", true};
	struct store_technician priya = {"Priya Raman", NULL, NULL, true};
	R(store_technician_create(c, f->tenant, &marcus, &f->ids[0]));
	R(store_technician_create(c, f->tenant, &priya, &f->ids[1]));
	const char *trades[] = {"hvac", "electrical"};
	R(store_technician_trades_set(c, f->tenant, f->ids[0], trades, 2));
	struct store_hours h[] = {{1, 480, 1080}, {3, 480, 720}};
	R(store_technician_hours_set(c, f->tenant, f->ids[0], h, 2));
	const char *zips[] = {"28207", "28105"};
	R(store_technician_zips_set(c, f->tenant, f->ids[0], zips, 2));
	const char *badzips[] = {"2820"};
	R(store_technician_zips_set(c, f->tenant, f->ids[0], badzips, 1));
	priya.active = false;
	priya.phone = "+17045550102";
	R(store_technician_update(c, f->tenant, f->ids[1], &priya));
	struct store_customer cu = {"Linda Smith", "1420 Providence Rd", "28207", NULL};
	R(store_customer_create(c, f->tenant, &cu, 1000, &f->ids[2]));
	int64_t slots[] = {1800000000, 1800007200};
	struct store_appointment a = {f->ids[2], f->ids[0], "ac_repair", "hvac", 1800000000,
	                              1800014400, "J-48213", "1420 Providence Rd", "gate code 12"};
	R(store_appointment_book(c, f->tenant, &a, slots, 2, &f->ids[3]));
	/* Overlapping one window: the whole booking fails. */
	int64_t slots2[] = {1800007200, 1800014400};
	struct store_appointment b = a;
	b.job_number = "J-48214";
	R(store_appointment_book(c, f->tenant, &b, slots2, 2, NULL));
	b.job_number = "J-48213";                                            /* number taken */
	R(store_appointment_book(c, f->tenant, &b, slots2 + 1, 1, NULL));
	R(store_technician_delete(c, f->tenant, f->ids[0]));                 /* has bookings */
	R(store_technician_delete(c, f->tenant, f->ids[1]));
	return 0;)

TH_JOB(job_cancel, fx,
	R(store_appointment_cancel(c, f->tenant, f->ids[3]));
	R(store_appointment_cancel(c, f->tenant, f->ids[3]));
	int64_t slot = 1800007200;
	struct store_appointment b = {f->ids[2], f->ids[0], "ac_repair", "hvac", 1800007200,
	                              1800014400, "J-50000", NULL, NULL};
	R(store_appointment_book(c, f->tenant, &b, &slot, 1, NULL));         /* window free */
	return 0;)

static void test_technicians_and_appointments(void **state)
{
	struct fx *f = *state;
	assert_int_equal(store_write_sync(f->s, job_techs, f), 0);
	const int want[] = {0, 0, 0, 0, 0, 0, -TN_EINVAL_FIELD, 0, 0, 0, -TN_ECONFLICT,
	                    -TN_ECONFLICT, -TN_ECONFLICT, 0};
	expect(f, want, sizeof want / sizeof want[0]);
	struct store_conn *c = store_reader(f->s);
	json_t *v = NULL;
	assert_int_equal(store_technician_get(c, f->tenant, f->ids[0], &v), 0);
	char *s = th_dump(v);
	assert_string_equal(s, "{\"id\":1,\"name\":\"Marcus Bell\",\"phone\":\"+17045550101\","
	                       "\"email\":\"marcus@example.com\",\"active\":true,"
	                       "\"trades\":[\"electrical\",\"hvac\"],\"zips\":[\"28105\",\"28207\"],"
	                       "\"hours\":[{\"weekday\":1,\"start_min\":480,\"end_min\":1080},"
	                       "{\"weekday\":3,\"start_min\":480,\"end_min\":720}]}");
	free(s);
	json_decref(v);
	assert_int_equal(store_technician_get(c, f->tenant, f->ids[1], &v), -TN_ENOTFOUND);
	assert_int_equal(store_technician_list(c, f->tenant, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	json_decref(v);

	assert_int_equal(store_appointment_get(c, f->tenant, f->ids[3], &v), 0);
	assert_string_equal(str(v, "status"), "scheduled");
	assert_string_equal(str(v, "job_number"), "J-48213");
	assert_string_equal(str(v, "notes"), "gate code 12");
	s = th_dump(json_object_get(v, "slots"));
	assert_string_equal(s, "[1800000000,1800007200]");
	free(s);
	json_decref(v);
	assert_int_equal(th_scalar(c, "SELECT COUNT(*) FROM appointments"), 1);

	assert_int_equal(store_write_sync(f->s, job_cancel, f), 0);
	const int want2[] = {0, -TN_ENOTFOUND, 0};
	expect(f, want2, sizeof want2 / sizeof want2[0]);
	assert_int_equal(store_appointment_get(c, f->tenant, f->ids[3], &v), 0);
	assert_string_equal(str(v, "status"), "cancelled");
	assert_int_equal(json_array_size(json_object_get(v, "slots")), 0);
	json_decref(v);
}

/* ---- knowledge base and events ---- */

TH_JOB(job_kb, fx,
	R(store_tenant_create(c, "kbco", "KB Co", "UTC", NULL, &f->tenant));
	json_t *tags = json_pack("[ss]", "billing", "payments");
	R(store_kb_create(c, f->tenant, "How to pay", "Pay online or by phone.", tags, 500,
	                  &f->ids[0]));
	R(store_kb_create(c, f->tenant, "Warranty", "One year on parts.", NULL, 500, &f->ids[1]));
	json_decref(tags);
	tags = json_pack("[i]", 5);
	R(store_kb_create(c, f->tenant, "Bad tags", "x", tags, 500, NULL));
	json_decref(tags);
	R(store_kb_update(c, f->tenant, f->ids[1], "Warranty", "Two years on parts.", NULL, 600));
	R(store_kb_delete(c, f->tenant, f->ids[0]));
	R(store_kb_delete(c, f->tenant, f->ids[0]));
	json_t *data = json_pack("{s:s}", "intent", "book_service");
	R(store_event_append(c, f->tenant, 700, "message.in", 0, "customer", data, &f->ids[2]));
	R(store_event_append(c, f->tenant, 701, "escalated", 0, NULL, NULL, &f->ids[3]));
	R(store_event_append(c, f->tenant, 702, "bad", 12345, NULL, NULL, NULL));  /* no such conv */
	json_decref(data);
	return 0;)

static void test_kb_and_events(void **state)
{
	struct fx *f = *state;
	assert_int_equal(store_write_sync(f->s, job_kb, f), 0);
	const int want[] = {0, 0, 0, -TN_EINVAL_FIELD, 0, 0, -TN_ENOTFOUND, 0, 0, -TN_ENOTFOUND};
	expect(f, want, sizeof want / sizeof want[0]);
	struct store_conn *c = store_reader(f->s);
	json_t *v = NULL;
	assert_int_equal(store_kb_get(c, f->tenant, f->ids[1], &v), 0);
	assert_string_equal(str(v, "body"), "Two years on parts.");
	assert_int_equal(num(v, "updated_at"), 600);
	assert_true(json_is_array(json_object_get(v, "tags")));
	json_decref(v);
	assert_int_equal(store_kb_list(c, f->tenant, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	json_decref(v);
	assert_int_equal(store_event_list(c, f->tenant, 0, 10, &v), 0);
	assert_int_equal(json_array_size(v), 2);
	json_t *e = json_array_get(v, 0);
	assert_string_equal(str(e, "kind"), "message.in");
	assert_string_equal(str(json_object_get(e, "data"), "intent"), "book_service");
	assert_true(json_is_null(json_object_get(e, "conversation_id")));
	json_decref(v);
	assert_int_equal(store_event_list(c, f->tenant, f->ids[2], 10, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	json_decref(v);
	assert_int_equal(store_event_list(c, f->tenant, 0, 0, &v), -TN_EINVAL_FIELD);
}

/* ---- customers, conversations, messages ---- */

TH_JOB(job_conv, fx,
	R(store_tenant_create(c, "convco", "Conv Co", "UTC", NULL, &f->tenant));
	R(store_user_create(c, "agent@example.com", "Agent", NULL, false, 1, &f->ids[5]));
	R(store_membership_set(c, f->tenant, f->ids[5], STORE_ROLE_AGENT));
	struct store_customer cu = {"Linda Smith", NULL, "28207", NULL};
	R(store_customer_create(c, f->tenant, &cu, 1000, &f->ids[0]));
	R(store_identity_add(c, f->tenant, f->ids[0], STORE_IDENTITY_PHONE, "+17045550182"));
	R(store_identity_add(c, f->tenant, f->ids[0], STORE_IDENTITY_EMAIL, "linda@example.com"));
	R(store_customer_create(c, f->tenant, &cu, 1000, &f->ids[1]));
	R(store_identity_add(c, f->tenant, f->ids[1], STORE_IDENTITY_PHONE, "+17045550182"));
	cu.address = "1420 Providence Rd";
	R(store_customer_update(c, f->tenant, f->ids[0], &cu, 1100));
	R(store_conversation_create(c, f->tenant, f->ids[0], "chat", 1200, &f->ids[2]));
	R(store_conversation_create(c, f->tenant, 0, "pigeon", 1200, NULL));
	struct store_message m = {"customer", 0, "chat", "my AC is blowing warm air", "c-1", NULL, NULL};
	R(store_message_append(c, f->tenant, f->ids[2], &m, 1201, &f->seq[0]));
	R(store_message_append(c, f->tenant, f->ids[2], &m, 1202, &f->seq[1]));  /* retry */
	json_t *nlu = json_pack("{s:s,s:f}", "intent", "book_service", "confidence", 0.93);
	struct store_message ai = {"ai", 0, "chat", "I can book that.", NULL, nlu, NULL};
	R(store_message_append(c, f->tenant, f->ids[2], &ai, 1203, &f->seq[2]));
	json_decref(nlu);
	struct store_message sms = {"customer", 0, "sms", "any time tomorrow", "s-1", NULL, NULL};
	R(store_message_append(c, f->tenant, f->ids[2], &sms, 1204, &f->seq[3]));
	struct store_message bad = {"robot", 0, "chat", "x", NULL, NULL, NULL};
	R(store_message_append(c, f->tenant, f->ids[2], &bad, 1205, NULL));
	json_t *st = json_pack("{s:s}", "step", "offer_slots");
	R(store_conversation_update(c, f->tenant, f->ids[2], STORE_CONV_WAITING, "human", f->ids[5],
	                            st, 1300));
	R(store_conversation_update(c, f->tenant, f->ids[2], -1, "human", 999, NULL, 1300));
	json_decref(st);
	R(store_conversation_create(c, f->tenant, f->ids[0], "voice", 1400, &f->ids[3]));
	R(store_conversation_update(c, f->tenant, f->ids[3], STORE_CONV_CLOSED, NULL, 0, NULL,
	                            1500));
	return 0;)

static void test_customers_conversations_messages(void **state)
{
	struct fx *f = *state;
	assert_int_equal(store_write_sync(f->s, job_conv, f), 0);
	const int want[] = {0, 0, 0, 0, 0, 0, 0, -TN_ECONFLICT, 0, 0, -TN_EINVAL_FIELD, 0, 1, 0,
	                    0, -TN_EINVAL_FIELD, 0, -TN_EINVAL_FIELD, 0, 0};
	expect(f, want, sizeof want / sizeof want[0]);
	assert_int_equal(f->seq[0], 1);
	assert_int_equal(f->seq[1], 1);  /* the retry is the same message */
	assert_int_equal(f->seq[2], 2);
	assert_int_equal(f->seq[3], 3);

	struct store_conn *c = store_reader(f->s);
	json_t *v = NULL;
	int64_t cid = 0;
	assert_int_equal(store_customer_find_by_identity(c, f->tenant, STORE_IDENTITY_PHONE,
	                                                 "+17045550182", &cid), 0);
	assert_int_equal(cid, f->ids[0]);
	assert_int_equal(store_customer_find_by_identity(c, f->tenant, STORE_IDENTITY_EMAIL,
	                                                 "+17045550182", &cid), -TN_ENOTFOUND);
	assert_int_equal(store_customer_get(c, f->tenant, f->ids[0], &v), 0);
	assert_string_equal(str(v, "address"), "1420 Providence Rd");
	assert_int_equal(num(v, "updated_at"), 1100);
	assert_int_equal(json_array_size(json_object_get(v, "identities")), 2);
	json_decref(v);

	assert_int_equal(store_conversation_get(c, f->tenant, f->ids[2], &v), 0);
	char *s = th_dump(json_object_get(v, "channels"));
	assert_string_equal(s, "[\"chat\",\"sms\"]");
	free(s);
	assert_string_equal(str(v, "status"), "waiting");
	assert_string_equal(str(v, "owner_kind"), "human");
	assert_int_equal(num(v, "owner_user_id"), f->ids[5]);
	assert_string_equal(str(json_object_get(v, "state"), "step"), "offer_slots");
	assert_int_equal(num(v, "updated_at"), 1300);
	json_decref(v);

	assert_int_equal(store_message_list(c, f->tenant, f->ids[2], 0, 100, &v), 0);
	assert_int_equal(json_array_size(v), 3);
	json_t *m1 = json_array_get(v, 0), *m2 = json_array_get(v, 1);
	assert_int_equal(num(m1, "seq"), 1);
	assert_string_equal(str(m1, "text"), "my AC is blowing warm air");
	assert_string_equal(str(m1, "client_msg_id"), "c-1");
	assert_int_equal(num(m1, "created_at"), 1201);
	assert_string_equal(str(json_object_get(m2, "nlu"), "intent"), "book_service");
	json_decref(v);
	assert_int_equal(store_message_list(c, f->tenant, f->ids[2], 2, 100, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	assert_string_equal(str(json_array_get(v, 0), "channel"), "sms");
	json_decref(v);

	assert_int_equal(store_conversation_list_open(c, f->tenant, &v), 0);
	assert_int_equal(json_array_size(v), 1);  /* the closed one is not listed */
	assert_int_equal(num(json_array_get(v, 0), "id"), f->ids[2]);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tenants_and_configuration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_services, setup, teardown),
		cmocka_unit_test_setup_teardown(test_users_and_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_technicians_and_appointments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kb_and_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_customers_conversations_messages, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
