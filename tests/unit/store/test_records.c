/* test_records.c: scheduling reads and changes (lists, taken windows, status,
 * reschedule, time off, on-call), routing records (queues, entries, callbacks, handoffs,
 * skills), the outbox, invoices and customer lists; with tenant scoping for each. */
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

#define RC_MAX 64
#define T0 INT64_C(1800000000)
#define W INT64_C(7200)

struct fx {
	struct store *s;
	int64_t a, b;
	int64_t cust, tech, tech2, appt, appt2, conv, user, queue, entry, cb, out1, out2, inv, toff,
		shift, bcust;
	int rc[RC_MAX];
	int n;
};

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
	free(f);
	return 0;
}

TH_JOB(job_base, fx,
	int err;
	struct store_customer cu = {"Linda Smith", "1420 Providence Rd", "28207", NULL};
	struct store_customer cu2 = {"Bob Jones", NULL, NULL, NULL};
	struct store_technician dana = {"Dana Whitfield", NULL, NULL, true};
	struct store_technician luis = {"Luis Ortega", NULL, NULL, true};
	if ((err = store_tenant_create(c, "alpha", "Alpha", "UTC", NULL, &f->a)) ||
	    (err = store_tenant_create(c, "bravo", "Bravo", "UTC", NULL, &f->b)) ||
	    (err = store_customer_create(c, f->a, &cu, 1, &f->cust)) ||
	    (err = store_customer_create(c, f->a, &cu2, 1, NULL)) ||
	    (err = store_customer_create(c, f->b, &cu2, 1, &f->bcust)) ||
	    (err = store_technician_create(c, f->a, &dana, &f->tech)) ||
	    (err = store_technician_create(c, f->a, &luis, &f->tech2)) ||
	    (err = store_user_create(c, "agent@example.com", "Agent", NULL, false, 1, &f->user)) ||
	    (err = store_membership_set(c, f->a, f->user, STORE_ROLE_AGENT)) ||
	    (err = store_conversation_create(c, f->a, f->cust, "chat", 1, &f->conv)))
		return err;
	int64_t s1[] = {T0, T0 + W};
	struct store_appointment a = {f->cust, f->tech, "water_heater_repair", "plumbing", T0,
	                              T0 + 2 * W, "J-100", NULL, NULL};
	if ((err = store_appointment_book(c, f->a, &a, s1, 2, &f->appt)))
		return err;
	int64_t s2 = T0 + 86400;
	struct store_appointment b = {f->cust, f->tech2, "outlet_repair", "electrical", s2, s2 + W,
	                              "J-101", NULL, NULL};
	return store_appointment_book(c, f->a, &b, &s2, 1, &f->appt2);)

/* ---- scheduling ---- */

TH_JOB(job_sched, fx,
	R(store_appointment_set_status(c, f->a, f->appt, STORE_APPT_EN_ROUTE, T0 - 600));
	R(store_appointment_set_status(c, f->a, f->appt, STORE_APPT_CANCELLED, 0));  /* use cancel */
	R(store_appointment_set_status(c, f->b, f->appt, STORE_APPT_ON_SITE, 0));    /* scoping */
	int64_t taken = T0 + 86400;                                                  /* appt2's */
	R(store_appointment_reschedule(c, f->a, f->appt2, f->tech2, taken, taken + W, &taken, 1));
	/* appt is en route now, so it cannot be moved */
	int64_t nw = T0 + 3 * W;
	R(store_appointment_reschedule(c, f->a, f->appt, 0, nw, nw + W, &nw, 1));
	/* appt2 moves to Dana at T0 + W: that window is appt's: refused, nothing changes */
	int64_t clash = T0 + W;
	R(store_appointment_reschedule(c, f->a, f->appt2, f->tech, clash, clash + W, &clash, 1));
	/* appt2 moves to Dana at T0 + 4W */
	int64_t ok = T0 + 4 * W;
	R(store_appointment_reschedule(c, f->a, f->appt2, f->tech, ok, ok + W, &ok, 1));
	R(store_appointment_reschedule(c, f->b, f->appt2, 0, ok, ok + W, &ok, 1));  /* scoping */
	R(store_time_off_add(c, f->a, f->tech2, T0, T0 + 86400, "vacation", &f->toff));
	R(store_time_off_add(c, f->a, f->tech2, T0 + 10, T0, NULL, NULL));          /* backwards */
	R(store_time_off_add(c, f->b, f->tech2, T0, T0 + 10, NULL, NULL));          /* scoping */
	R(store_oncall_add(c, f->a, f->tech, "plumbing", T0, T0 + 7 * 86400, &f->shift));
	R(store_oncall_add(c, f->b, f->tech, NULL, T0, T0 + 10, NULL));             /* scoping */
	R(store_time_off_remove(c, f->b, f->toff));
	R(store_oncall_remove(c, f->b, f->shift));
	R(store_appointment_set_status(c, f->a, f->appt, STORE_APPT_COMPLETED, 0));
	R(store_appointment_set_status(c, f->a, f->appt, STORE_APPT_ON_SITE, 0));   /* finished */
	return 0;)

TH_JOB(job_sched_remove, fx,
	R(store_time_off_remove(c, f->a, f->toff));
	R(store_oncall_remove(c, f->a, f->shift));
	R(store_oncall_remove(c, f->a, f->shift));
	return 0;)

static void test_scheduling(void **state)
{
	struct fx *f = *state;
	assert_int_equal(store_write_sync(f->s, job_base, f), 0);
	struct store_conn *c = store_reader(f->s);
	json_t *v = NULL;

	assert_int_equal(store_slots_taken(c, f->a, T0, T0 + 2 * 86400, &v), 0);
	char *s = th_dump(v);
	char want_slots[256];
	snprintf(want_slots, sizeof want_slots,
	         "[{\"technician_id\":%lld,\"slot_start\":%lld,\"appointment_id\":%lld},"
	         "{\"technician_id\":%lld,\"slot_start\":%lld,\"appointment_id\":%lld},"
	         "{\"technician_id\":%lld,\"slot_start\":%lld,\"appointment_id\":%lld}]",
	         (long long)f->tech, (long long)T0, (long long)f->appt, (long long)f->tech,
	         (long long)(T0 + W), (long long)f->appt, (long long)f->tech2,
	         (long long)(T0 + 86400), (long long)f->appt2);
	assert_string_equal(s, want_slots);
	free(s);
	json_decref(v);
	assert_int_equal(store_slots_taken(c, f->b, T0, T0 + 2 * 86400, &v), 0);
	assert_int_equal(json_array_size(v), 0);
	json_decref(v);

	assert_int_equal(store_appointment_list_range(c, f->a, 0, T0 + W, T0 + 86400 + 1, &v), 0);
	assert_int_equal(json_array_size(v), 2);  /* overlap, not containment */
	json_decref(v);
	assert_int_equal(store_appointment_list_range(c, f->a, f->tech2, T0, T0 + 86400, &v), 0);
	assert_int_equal(json_array_size(v), 0);
	json_decref(v);
	assert_int_equal(store_appointment_list_for_customer(c, f->a, f->cust, 10, &v), 0);
	assert_int_equal(json_array_size(v), 2);
	assert_string_equal(str(json_array_get(v, 0), "job_number"), "J-101");  /* latest first */
	json_decref(v);
	assert_int_equal(store_appointment_list_for_customer(c, f->b, f->cust, 10, &v),
	                 -TN_ENOTFOUND);
	assert_int_equal(store_appointment_get_by_job(c, f->a, "J-100", &v), 0);
	assert_int_equal(json_array_size(json_object_get(v, "slots")), 2);
	json_decref(v);
	assert_int_equal(store_appointment_get_by_job(c, f->b, "J-100", &v), -TN_ENOTFOUND);

	assert_int_equal(store_write_sync(f->s, job_sched, f), 0);
	const int want[] = {0, -TN_EINVAL_FIELD, -TN_ENOTFOUND, 0, -TN_ECONFLICT, -TN_ECONFLICT, 0,
	                    -TN_ENOTFOUND, 0, -TN_EINVAL_FIELD, -TN_ENOTFOUND, 0, -TN_ENOTFOUND,
	                    -TN_ENOTFOUND, -TN_ENOTFOUND, 0, -TN_ECONFLICT};
	expect(f, want, sizeof want / sizeof want[0]);

	assert_int_equal(store_appointment_get(c, f->a, f->appt, &v), 0);
	assert_string_equal(str(v, "status"), "completed");
	assert_int_equal(num(v, "eta"), T0 - 600);
	json_decref(v);
	assert_int_equal(store_appointment_get(c, f->a, f->appt2, &v), 0);
	assert_int_equal(num(v, "technician_id"), f->tech);
	assert_int_equal(num(v, "start_at"), T0 + 4 * W);
	s = th_dump(json_object_get(v, "slots"));
	char want_one[64];
	snprintf(want_one, sizeof want_one, "[%lld]", (long long)(T0 + 4 * W));
	assert_string_equal(s, want_one);
	free(s);
	json_decref(v);

	assert_int_equal(store_time_off_list(c, f->a, T0 + 100, T0 + 200, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	assert_string_equal(str(json_array_get(v, 0), "reason"), "vacation");
	json_decref(v);
	assert_int_equal(store_time_off_list(c, f->b, T0, T0 + 86400, &v), 0);
	assert_int_equal(json_array_size(v), 0);
	json_decref(v);
	assert_int_equal(store_oncall_list(c, f->a, T0 + 86400, T0 + 86401, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	assert_string_equal(str(json_array_get(v, 0), "trade"), "plumbing");
	json_decref(v);
	assert_int_equal(store_oncall_list(c, f->a, T0 + 8 * 86400, T0 + 9 * 86400, &v), 0);
	assert_int_equal(json_array_size(v), 0);
	json_decref(v);

	assert_int_equal(store_write_sync(f->s, job_sched_remove, f), 0);
	const int want2[] = {0, 0, -TN_ENOTFOUND};
	expect(f, want2, 3);
	assert_int_equal(store_time_off_list(c, f->a, T0, T0 + 86400, &v), 0);
	assert_int_equal(json_array_size(v), 0);
	json_decref(v);

	enum store_appt_status st;
	assert_int_equal(store_appt_status_parse("en_route", &st), 0);
	assert_int_equal(st, STORE_APPT_EN_ROUTE);
	assert_int_equal(store_appt_status_parse("driving", &st), -EINVAL);
}

/* ---- routing records ---- */

TH_JOB(job_route, fx,
	R(store_queue_create(c, f->a, "plumbing", "plumbing", 120, 1, &f->queue));
	R(store_queue_create(c, f->a, "plumbing", NULL, 60, 0, NULL));               /* taken */
	R(store_queue_create(c, f->a, "bad", NULL, 0, 0, NULL));
	R(store_queue_create(c, f->b, "plumbing", NULL, 60, 0, NULL));               /* B's own */
	R(store_queue_entry_add(c, f->a, f->queue, f->conv, 1, "emergency", 100, 220, &f->entry));
	R(store_queue_entry_add(c, f->a, f->queue, f->conv, 2, NULL, 101, 0, NULL)); /* live */
	R(store_queue_entry_add(c, f->b, f->queue, f->conv, 2, NULL, 101, 0, NULL)); /* scoping */
	R(store_queue_entry_update(c, f->a, f->entry, STORE_ENTRY_OFFERED, f->user, 110));
	R(store_queue_entry_update(c, f->a, f->entry, STORE_ENTRY_ASSIGNED, 0, 115));
	R(store_queue_entry_update(c, f->b, f->entry, STORE_ENTRY_DONE, 0, 116));    /* scoping */
	R(store_queue_entry_update(c, f->a, f->entry, STORE_ENTRY_ASSIGNED, 424242, 116));
	struct store_callback cb = {f->cust, f->conv, "+17045550182", "after hours leak", 5000,
	                            NULL};
	R(store_callback_create(c, f->a, &cb, 200, &f->cb));
	struct store_callback bcb = {f->cust, 0, NULL, NULL, 5000, NULL};
	R(store_callback_create(c, f->b, &bcb, 200, NULL));                           /* scoping */
	struct store_callback later = {0, 0, "+17045550100", NULL, 4000, NULL};
	R(store_callback_create(c, f->a, &later, 201, NULL));
	R(store_callback_update(c, f->a, f->cb, STORE_CALLBACK_IN_PROGRESS, f->user, "calling", 300));
	R(store_callback_update(c, f->b, f->cb, STORE_CALLBACK_DONE, 0, NULL, 301)); /* scoping */
	json_t *packet = json_pack("{s:s,s:i}", "summary", "leak in kitchen", "urgency", 2);
	json_t *reasons = json_pack("[s]", "emergency");
	R(store_handoff_create(c, f->a, f->conv, 1, reasons, packet, 400, NULL));
	json_object_set_new(packet, "summary", json_string("second look"));
	R(store_handoff_create(c, f->a, f->conv, 2, NULL, packet, 410, NULL));
	R(store_handoff_create(c, f->b, f->conv, 2, NULL, packet, 410, NULL));       /* scoping */
	R(store_handoff_create(c, f->a, f->conv, 2, NULL, reasons, 410, NULL));      /* not obj */
	json_decref(packet);
	json_decref(reasons);
	R(store_agent_skill_set(c, f->a, f->user, "plumbing", 8));
	R(store_agent_skill_set(c, f->a, f->user, "spanish", 5));
	R(store_agent_skill_set(c, f->a, f->user, "plumbing", 9));
	R(store_agent_skill_set(c, f->a, f->user, "spanish", 0));
	R(store_agent_skill_set(c, f->b, f->user, "hvac", 3));                       /* scoping */
	return 0;)

TH_JOB(job_route_end, fx,
	R(store_queue_entry_update(c, f->a, f->entry, STORE_ENTRY_DONE, 0, 500));
	R(store_queue_entry_update(c, f->a, f->entry, STORE_ENTRY_WAITING, 0, 501)); /* finished */
	R(store_queue_entry_add(c, f->a, f->queue, f->conv, 2, "again", 502, 0, NULL));
	R(store_callback_update(c, f->a, f->cb, STORE_CALLBACK_DONE, 0, NULL, 600));
	return 0;)

/* An entry moved by the router (a raised class, an overflow to another queue). */
static int64_t move_entry, move_queue;
TH_JOB(job_route_move, fx,
	R(store_queue_create(c, f->a, "overflow", NULL, 60, 0, &move_queue));
	R(store_queue_entry_move(c, f->a, move_entry, move_queue, 1));
	R(store_queue_entry_move(c, f->a, move_entry, 0, 4));         /* no such class */
	R(store_queue_entry_move(c, f->b, move_entry, 0, 1));         /* another tenant's */
	R(store_queue_entry_move(c, f->a, move_entry, 999999, 0));    /* no such queue */
	R(store_queue_entry_move(c, f->a, f->entry, 0, 1));           /* finished */
	return 0;)

static void test_routing_records(void **state)
{
	struct fx *f = *state;
	assert_int_equal(store_write_sync(f->s, job_base, f), 0);
	assert_int_equal(store_write_sync(f->s, job_route, f), 0);
	const int want[] = {0, -TN_ECONFLICT, -TN_EINVAL_FIELD, 0, 0, -TN_ECONFLICT, -TN_ENOTFOUND,
	                    0, 0, -TN_ENOTFOUND, -TN_EINVAL_FIELD, 0, -TN_ENOTFOUND, 0, 0,
	                    -TN_ENOTFOUND, 0, 0, -TN_ENOTFOUND, -TN_EINVAL_FIELD, 0, 0, 0, 0,
	                    -TN_ENOTFOUND};
	expect(f, want, sizeof want / sizeof want[0]);
	struct store_conn *c = store_reader(f->s);
	json_t *v = NULL;

	assert_int_equal(store_queue_list(c, f->a, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	assert_int_equal(num(json_array_get(v, 0), "sla_seconds"), 120);
	json_decref(v);
	assert_int_equal(store_queue_entry_list_live(c, f->a, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	json_t *e = json_array_get(v, 0);
	assert_string_equal(str(e, "status"), "assigned");
	assert_int_equal(num(e, "assigned_user_id"), f->user);
	assert_int_equal(num(e, "assigned_at"), 115);
	assert_int_equal(num(e, "sla_deadline"), 220);
	json_decref(v);
	assert_int_equal(store_queue_entry_list_live(c, f->b, &v), 0);
	assert_int_equal(json_array_size(v), 0);
	json_decref(v);

	assert_int_equal(store_callback_list_open(c, f->a, &v), 0);
	assert_int_equal(json_array_size(v), 2);
	assert_int_equal(num(json_array_get(v, 0), "promised_at"), 4000);  /* soonest first */
	e = json_array_get(v, 1);
	assert_string_equal(str(e, "status"), "in_progress");
	assert_string_equal(str(e, "notes"), "calling");
	assert_string_equal(str(e, "phone"), "+17045550182");
	json_decref(v);

	assert_int_equal(store_handoff_latest(c, f->a, f->conv, &v), 0);
	assert_int_equal(num(v, "priority"), 2);
	assert_string_equal(str(json_object_get(v, "packet"), "summary"), "second look");
	assert_int_equal(json_array_size(json_object_get(v, "reasons")), 0);
	json_decref(v);
	assert_int_equal(store_handoff_latest(c, f->b, f->conv, &v), -TN_ENOTFOUND);

	assert_int_equal(store_agent_skill_list(c, f->a, 0, &v), 0);
	char *s = th_dump(v);
	char want_sk[128];
	snprintf(want_sk, sizeof want_sk, "[{\"user_id\":%lld,\"skill\":\"plumbing\",\"level\":9}]",
	         (long long)f->user);
	assert_string_equal(s, want_sk);
	free(s);
	json_decref(v);

	assert_int_equal(store_write_sync(f->s, job_route_end, f), 0);
	const int want2[] = {0, -TN_ECONFLICT, 0, 0};
	expect(f, want2, 4);
	assert_int_equal(store_callback_list_open(c, f->a, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	json_decref(v);
	assert_int_equal(store_queue_entry_list_live(c, f->a, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	assert_string_equal(str(json_array_get(v, 0), "reason"), "again");
	move_entry = num(json_array_get(v, 0), "id");
	json_decref(v);

	assert_int_equal(store_write_sync(f->s, job_route_move, f), 0);
	const int want3[] = {0, 0, -TN_EINVAL_FIELD, -TN_ENOTFOUND, -TN_ENOTFOUND, -TN_ECONFLICT};
	expect(f, want3, 6);
	assert_int_equal(store_queue_entry_list_live(c, f->a, &v), 0);
	assert_int_equal(num(json_array_get(v, 0), "queue_id"), move_queue);
	assert_int_equal(num(json_array_get(v, 0), "priority"), 1);
	json_decref(v);
}

/* ---- outbox, invoices, customers ---- */

TH_JOB(job_outbox, fx,
	R(store_outbox_add(c, f->a, "sms", "+17045550182", NULL, "Dana is on her way", 100,
	                   &f->out1));
	R(store_outbox_add(c, f->b, "email", "b@example.com", "Receipt", "Thanks", 90, &f->out2));
	R(store_outbox_add(c, f->a, "sms", "", NULL, "x", 100, NULL));
	R(store_outbox_failed(c, f->a, f->out1, "provider 503", 160));
	R(store_outbox_sent(c, f->a, f->out2, 170));                                 /* scoping */
	R(store_outbox_sent(c, f->b, f->out2, 170));
	R(store_outbox_sent(c, f->b, f->out2, 171));                                 /* not pending */
	R(store_invoice_create(c, f->a, f->cust, f->appt, "INV-2001", 18900, 1000, 2000, &f->inv));
	R(store_invoice_create(c, f->a, f->cust, 0, "INV-2001", 100, 1000, 0, NULL)); /* taken */
	R(store_invoice_create(c, f->b, f->cust, 0, "INV-9", 100, 1000, 0, NULL));   /* scoping */
	R(store_invoice_create(c, f->b, f->bcust, f->appt, "INV-9", 100, 1000, 0, NULL));
	R(store_invoice_create(c, f->a, f->cust, 0, "INV-2002", 5000, 1100, 0, NULL));
	R(store_invoice_set_status(c, f->a, f->inv, "paid", 1500));
	R(store_invoice_set_status(c, f->b, f->inv, "void", 1500));                  /* scoping */
	R(store_invoice_set_status(c, f->a, f->inv, "lost", 1500));
	return 0;)

TH_JOB(job_outbox_give_up, fx,
	R(store_outbox_failed(c, f->a, f->out1, "bad number", 0));
	return 0;)

static void test_outbox_invoices_customers(void **state)
{
	struct fx *f = *state;
	assert_int_equal(store_write_sync(f->s, job_base, f), 0);
	assert_int_equal(store_write_sync(f->s, job_outbox, f), 0);
	const int want[] = {0, 0, -TN_EINVAL_FIELD, 0, -TN_ENOTFOUND, 0, -TN_ENOTFOUND, 0,
	                    -TN_ECONFLICT, -TN_ENOTFOUND, -TN_ENOTFOUND, 0, 0, -TN_ENOTFOUND,
	                    -TN_EINVAL_FIELD};
	expect(f, want, sizeof want / sizeof want[0]);
	struct store_conn *c = store_reader(f->s);
	json_t *v = NULL;

	assert_int_equal(store_outbox_due(c, 150, 10, &v), 0);
	assert_int_equal(json_array_size(v), 0);  /* retry is due at 160; the other was sent */
	json_decref(v);
	assert_int_equal(store_outbox_due(c, 160, 10, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	assert_int_equal(num(json_array_get(v, 0), "tenant_id"), f->a);
	assert_int_equal(num(json_array_get(v, 0), "attempts"), 1);
	json_decref(v);
	assert_int_equal(store_outbox_get(c, f->b, f->out2, &v), 0);
	assert_string_equal(str(v, "status"), "sent");
	assert_int_equal(num(v, "sent_at"), 170);
	json_decref(v);
	assert_int_equal(store_outbox_get(c, f->b, f->out1, &v), -TN_ENOTFOUND);
	assert_int_equal(store_write_sync(f->s, job_outbox_give_up, f), 0);
	const int want2[] = {0};
	expect(f, want2, 1);
	assert_int_equal(store_outbox_get(c, f->a, f->out1, &v), 0);
	assert_string_equal(str(v, "status"), "failed");
	assert_string_equal(str(v, "last_error"), "bad number");
	assert_int_equal(num(v, "attempts"), 2);
	json_decref(v);
	assert_int_equal(store_outbox_due(c, 10000, 10, &v), 0);
	assert_int_equal(json_array_size(v), 0);
	json_decref(v);

	assert_int_equal(store_invoice_get_by_number(c, f->a, "INV-2001", &v), 0);
	assert_string_equal(str(v, "status"), "paid");
	assert_int_equal(num(v, "paid_at"), 1500);
	assert_int_equal(num(v, "amount_cents"), 18900);
	assert_int_equal(num(v, "appointment_id"), f->appt);
	json_decref(v);
	assert_int_equal(store_invoice_get_by_number(c, f->b, "INV-2001", &v), -TN_ENOTFOUND);
	assert_int_equal(store_invoice_list_for_customer(c, f->a, f->cust, &v), 0);
	assert_int_equal(json_array_size(v), 2);
	assert_string_equal(str(json_array_get(v, 0), "number"), "INV-2002");
	json_decref(v);
	assert_int_equal(store_invoice_list_for_customer(c, f->b, f->cust, &v), -TN_ENOTFOUND);

	assert_int_equal(store_customer_list(c, f->a, 0, 1, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	int64_t first = num(json_array_get(v, 0), "id");
	json_decref(v);
	assert_int_equal(store_customer_list(c, f->a, first, 100, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	assert_string_equal(str(json_array_get(v, 0), "name"), "Bob Jones");
	json_decref(v);
	assert_int_equal(store_customer_list(c, f->b, 0, 100, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	assert_int_equal(num(json_array_get(v, 0), "id"), f->bcust);
	json_decref(v);
}

/* ---- one customer across channels ---- */

struct mfx {
	int64_t a, b, x, y, conv_x, conv_y, conv_x2, appt, inv, cb;
	int rc[16];
	int n;
};

TH_JOB(job_merge_setup, mfx,
	int err;
	struct store_customer cx = {"Linda Smith", NULL, NULL, NULL};
	struct store_customer cy = {NULL, "1420 Providence Rd", "28207", "gate code 12"};
	struct store_technician t = {"Dana Whitfield", NULL, NULL, true};
	int64_t tech = 0;
	if ((err = store_tenant_create(c, "alpha", "Alpha", "UTC", NULL, &f->a)) ||
	    (err = store_tenant_create(c, "bravo", "Bravo", "UTC", NULL, &f->b)) ||
	    (err = store_customer_create(c, f->a, &cx, 10, &f->x)) ||
	    (err = store_customer_create(c, f->a, &cy, 10, &f->y)) ||
	    (err = store_identity_add(c, f->a, f->x, STORE_IDENTITY_PHONE, "+17045550182")) ||
	    (err = store_identity_add(c, f->a, f->x, STORE_IDENTITY_CHAT, "visitor-9f2")) ||
	    (err = store_identity_add(c, f->a, f->y, STORE_IDENTITY_EMAIL, "linda@example.com")) ||
	    (err = store_conversation_create(c, f->a, f->x, "chat", 100, &f->conv_x)) ||
	    (err = store_conversation_create(c, f->a, f->y, "email", 50, &f->conv_y)) ||
	    (err = store_conversation_update(c, f->a, f->conv_y, STORE_CONV_CLOSED, NULL, 0, NULL,
	                                     60)) ||
	    (err = store_technician_create(c, f->a, &t, &tech)))
		return err;
	struct store_appointment ap = {f->y, tech, "drain_cleaning", "plumbing", T0, T0 + W, "J-7",
	                               NULL, NULL};
	struct store_callback cb = {f->y, f->conv_y, NULL, "email back", 500, NULL};
	if ((err = store_appointment_book(c, f->a, &ap, NULL, 0, &f->appt)) ||
	    (err = store_invoice_create(c, f->a, f->y, f->appt, "INV-7", 14900, 70, 0, &f->inv)) ||
	    (err = store_callback_create(c, f->a, &cb, 80, &f->cb)))
		return err;
	return 0;)

TH_JOB(job_merge, mfx,
	R(store_customer_merge(c, f->b, f->x, f->y, 200));                          /* scoping */
	R(store_customer_merge(c, f->a, f->x, f->x, 200));
	R(store_identity_remove(c, f->b, STORE_IDENTITY_PHONE, "+17045550182"));    /* scoping */
	R(store_customer_merge(c, f->a, f->x, f->y, 200));
	R(store_customer_merge(c, f->a, f->x, f->y, 201));                          /* gone */
	R(store_conversation_create(c, f->a, f->x, "voice", 300, &f->conv_x2));
	R(store_identity_remove(c, f->a, STORE_IDENTITY_CHAT, "visitor-9f2"));
	R(store_identity_remove(c, f->a, STORE_IDENTITY_CHAT, "visitor-9f2"));
	return 0;)

static void test_one_customer_across_channels(void **state)
{
	(void)state;
	struct store *s = th_open(":memory:");
	struct mfx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	assert_int_equal(store_write_sync(s, job_merge_setup, f), 0);
	struct store_conn *c = store_reader(s);
	int64_t id = 0;
	assert_int_equal(store_conversation_find_open(c, f->a, f->x, &id), 0);
	assert_int_equal(id, f->conv_x);
	assert_int_equal(store_conversation_find_open(c, f->a, f->y, &id), -TN_ENOTFOUND);
	assert_int_equal(store_conversation_find_open(c, f->b, f->x, &id), -TN_ENOTFOUND);

	assert_int_equal(store_write_sync(s, job_merge, f), 0);
	const int want[] = {-TN_ENOTFOUND, -TN_EINVAL_FIELD, -TN_ENOTFOUND, 0, -TN_ENOTFOUND, 0, 0,
	                    -TN_ENOTFOUND};
	assert_int_equal(f->n, 8);
	for (int i = 0; i < 8; i++)
		if (f->rc[i] != want[i])
			fail_msg("step %d: got %d, want %d", i, f->rc[i], want[i]);

	json_t *v = NULL;
	assert_int_equal(store_customer_get(c, f->a, f->y, &v), -TN_ENOTFOUND);
	assert_int_equal(store_customer_get(c, f->a, f->x, &v), 0);
	assert_string_equal(str(v, "name"), "Linda Smith");          /* kept */
	assert_string_equal(str(v, "address"), "1420 Providence Rd"); /* filled in */
	assert_string_equal(str(v, "notes"), "gate code 12");
	assert_int_equal(num(v, "updated_at"), 200);
	char *d = th_dump(json_object_get(v, "identities"));
	assert_string_equal(d, "[{\"kind\":\"email\",\"value\":\"linda@example.com\"},"
	                       "{\"kind\":\"phone\",\"value\":\"+17045550182\"}]");
	free(d);
	json_decref(v);
	assert_int_equal(store_customer_find_by_identity(c, f->a, STORE_IDENTITY_EMAIL,
	                                                 "linda@example.com", &id), 0);
	assert_int_equal(id, f->x);
	assert_int_equal(store_customer_find_by_identity(c, f->a, STORE_IDENTITY_CHAT,
	                                                 "visitor-9f2", &id), -TN_ENOTFOUND);
	assert_int_equal(store_conversation_list_for_customer(c, f->a, f->x, 10, &v), 0);
	assert_int_equal(json_array_size(v), 3);
	assert_int_equal(num(json_array_get(v, 0), "id"), f->conv_x2);  /* latest first */
	json_decref(v);
	assert_int_equal(store_conversation_list_for_customer(c, f->b, f->x, 10, &v),
	                 -TN_ENOTFOUND);
	assert_int_equal(store_conversation_find_open(c, f->a, f->x, &id), 0);
	assert_int_equal(id, f->conv_x2);
	assert_int_equal(store_appointment_get(c, f->a, f->appt, &v), 0);
	assert_int_equal(num(v, "customer_id"), f->x);
	json_decref(v);
	assert_int_equal(store_invoice_list_for_customer(c, f->a, f->x, &v), 0);
	assert_int_equal(json_array_size(v), 1);
	json_decref(v);
	assert_int_equal(store_callback_list_open(c, f->a, &v), 0);
	assert_int_equal(num(json_array_get(v, 0), "customer_id"), f->x);
	json_decref(v);
	free(f);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scheduling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_routing_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox_invoices_customers, setup, teardown),
		cmocka_unit_test(test_one_customer_across_channels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
