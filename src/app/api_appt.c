/* api_appt.c: appointments over REST (list, book, read, change status, reschedule,
 * cancel: double booking stays impossible through the store's window claims) and each
 * technician's iCalendar feed. */
#include "app/api.h"
#include "app/app.h"
#include "app/dialog_glue.h"
#include "app/live.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"
#include "base/tz.h"
#include "http/http.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APPT_WINDOWS_MAX 48
/* How far ahead a start or an eta may be: the scheduler's own search horizon. */
#define APPT_HORIZON_SECONDS ((int64_t)SCHEDULE_HORIZON_MAX * 86400)

/* One appointment write in flight (answered after the commit). */
struct appt_op {
	struct app *app;
	struct http_request *req;
	int64_t tenant_id, id, now;
	struct live_facts *facts;    /* the business calendar (windows, zone) */
	json_t *in;                  /* the body */
	int (*run)(struct store_conn *c, struct appt_op *op);
	int status;                  /* success status */
	json_t *result;
	char msg[256];
	/* POST */
	struct store_appointment a;
	char job[24];
	int64_t start, end, tech;
	/* PATCH */
	bool has_status, has_start;
	enum schedule_job_state to;
	int64_t eta;
};

static void op_free(struct appt_op *op)
{
	live_facts_unref(op->facts);
	json_decref(op->in);
	json_decref(op->result);
	free(op);
}

/* The appointment object of the API: the store's row with start/end also in ISO 8601
 * in the business's zone (a struct tz). Returns row (an api_shape_fn). */
static json_t *appt_shape(json_t *row, const void *zone)
{
	char a[32], b[32];
	if (!row)
		return NULL;
	json_object_del(row, "slots");
	if (!tz_format_iso(zone, json_integer_value(json_object_get(row, "start_at")), a, sizeof a) &&
	    !tz_format_iso(zone, json_integer_value(json_object_get(row, "end_at")), b, sizeof b)) {
		json_object_set_new(row, "start", json_string(a));
		json_object_set_new(row, "end", json_string(b));
	}
	return row;
}

static int op_job(struct store_conn *c, void *arg)
{
	struct appt_op *op = arg;
	json_decref(op->result);
	op->result = NULL;
	return op->run(c, op);
}

static void op_done(int result, void *arg)
{
	struct appt_op *op = arg;
	if (result < 0)
		api_respond_code(op->req, result, op->msg);
	else {
		live_facts_bookings_changed(op->app, op->tenant_id);
		if (op->status == 204)
			http_respond(op->req, 204, NULL, NULL, 0);
		else
			http_respond_json(op->req, op->status, op->result);
	}
	op_free(op);
}

static int op_submit(struct appt_op *op)
{
	if (store_write_async(op->app->store, op_job, op, op_done, op)) {
		http_respond_error(op->req, 503, "unavailable", "the store is not accepting writes");
		op_free(op);
	}
	return 0;
}

/* A new op with the tenant's facts; NULL after responding. */
static struct appt_op *op_new(struct app *app, struct http_request *req,
			      const struct auth_principal *p, int status)
{
	struct appt_op *op = calloc(1, sizeof *op);
	if (!op) {
		http_respond_error(req, 500, "internal", "out of memory");
		return NULL;
	}
	op->app = app;
	op->req = req;
	op->tenant_id = p->tenant_id;
	op->now = api_now(app);
	op->status = status;
	int rc = live_facts_get(app, p->tenant_id, op->now, &op->facts);
	if (rc) {
		api_respond_code(req, rc, NULL);
		free(op);
		return NULL;
	}
	return op;
}

/* The start of every appointment write: reads the body (when with_body), makes the op
 * for item id (0: none) with its job and success status. NULL after responding. */
static struct appt_op *op_start(struct app *app, struct http_request *req,
				const struct auth_principal *p, bool with_body, int64_t id,
				int (*run)(struct store_conn *c, struct appt_op *op), int status)
{
	json_t *in = NULL;
	if (with_body && !(in = api_body_json(req)))
		return NULL;
	struct appt_op *op = op_new(app, req, p, status);
	if (!op) {
		json_decref(in);
		return NULL;
	}
	op->in = in;
	op->id = id;
	op->run = run;
	return op;
}

/* Answers a write whose request failed validation with the reason and drops the op.
 * Returns 0. */
static int op_refuse(struct appt_op *op, const char *why)
{
	api_respond_code(op->req, -TN_EINVAL_FIELD, why);
	op_free(op);
	return 0;
}

/* Reads a time: ISO 8601 (an offset, or the business's zone) or Unix seconds. */
static int time_field(const json_t *v, const struct tz *zone, int64_t *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return *out > 0 ? 0 : -EINVAL;
	}
	if (json_is_string(v))
		return tz_parse_iso(json_string_value(v), zone, out);
	return -EINVAL;
}

/* The end of a job of `windows` appointment windows starting at start (0 windows: to
 * the last window of the day). -EINVAL when start is not a window start. */
static int job_end(const struct schedule_business *biz, int64_t start, int windows, int64_t *end)
{
	int32_t off = tz_offset_at(biz->zone, start);
	int64_t local = start + off;
	int minute = (int)(((local % 86400) + 86400) % 86400 / 60);
	for (size_t i = 0; i < biz->n_windows; i++)
		if (biz->windows[i].start == minute) {
			size_t last = windows <= 0 ? biz->n_windows - 1 : i + (size_t)windows - 1;
			if (last >= biz->n_windows)
				return -EINVAL;
			*end = start + (int64_t)(biz->windows[last].end - minute) * 60;
			return 0;
		}
	return -EINVAL;
}

/* ---- reads ------------------------------------------------------------------------- */

static int h_list(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	if (api_require(app, req, AUTH_PERM_CONVERSATIONS_HANDLE, &p))
		return 0;
	struct live_facts *f = NULL;
	int rc = live_facts_get(app, p.tenant_id, api_now(app), &f);
	if (rc)
		return api_respond_code(req, rc, NULL), 0;
	const struct tz *zone = f->t->biz.zone;
	const char *status = http_query(req, "status"), *q;
	int64_t tech = 0, cust = 0, from = 0, to = 0;
	enum store_appt_status sx;
	const char *bad = NULL;
	if (status && store_appt_status_parse(status, &sx))
		bad = "status must be scheduled, en_route, on_site, completed or cancelled";
	if ((q = http_query(req, "technician_id")) && (str_to_i64(q, 1, INT64_MAX, &tech)))
		bad = "technician_id must be a positive integer";
	if ((q = http_query(req, "customer_id")) && (str_to_i64(q, 1, INT64_MAX, &cust)))
		bad = "customer_id must be a positive integer";
	if ((q = http_query(req, "from")) && tz_parse_iso(q, zone, &from))
		bad = "from must be an ISO 8601 time";
	if ((q = http_query(req, "to")) && tz_parse_iso(q, zone, &to))
		bad = "to must be an ISO 8601 time";
	if (bad) {
		live_facts_unref(f);
		return api_respond_code(req, -TN_EINVAL_FIELD, bad), 0;
	}
	struct store_stmt *st;
	rc = store_prepare(store_reader(app->store),
			   "SELECT id, customer_id, technician_id, conversation_id, service_code, "
			   "trade, start_at, end_at, status, job_number, address, eta, notes, "
			   "created_at, updated_at FROM appointments WHERE tenant_id = ? "
			   "AND (? IS NULL OR status = ?) AND (? = 0 OR technician_id = ?) "
			   "AND (? = 0 OR customer_id = ?) AND (? = 0 OR end_at > ?) "
			   "AND (? = 0 OR start_at < ?) ORDER BY start_at, id LIMIT 1000", &st);
	if (rc) {
		live_facts_unref(f);
		return api_respond_code(req, rc, NULL), 0;
	}
	store_bind_int64(st, 1, p.tenant_id);
	store_bind_text(st, 2, status, -1);
	store_bind_text(st, 3, status, -1);
	int64_t v[] = {tech, cust, from, to};
	for (int i = 0; i < 4; i++) {
		store_bind_int64(st, 4 + 2 * i, v[i]);
		store_bind_int64(st, 5 + 2 * i, v[i]);
	}
	api_respond_rows(req, st, "appointments", appt_shape, zone);
	live_facts_unref(f);
	return 0;
}

static int h_get(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	int64_t id;
	if (api_require_item(app, req, AUTH_PERM_CONVERSATIONS_HANDLE, &p, &id))
		return 0;
	struct live_facts *f = NULL;
	json_t *row = NULL;
	int rc = live_facts_get(app, p.tenant_id, api_now(app), &f);
	if (!rc)
		rc = store_appointment_get(store_reader(app->store), p.tenant_id, id, &row);
	if (!rc)
		appt_shape(row, f->t->biz.zone);
	api_respond_read(req, rc, row);
	live_facts_unref(f);
	return 0;
}

/* ---- POST /api/v1/appointments ------------------------------------------------------- */

static int create_run(struct store_conn *c, struct appt_op *op)
{
	int64_t slots[APPT_WINDOWS_MAX], id = 0;
	const struct schedule_business *biz = &op->facts->t->biz;
	int n = schedule_slot_windows(biz, op->start, op->end, slots, APPT_WINDOWS_MAX);
	if (n <= 0) {
		snprintf(op->msg, sizeof op->msg, "start must be an appointment window");
		return -TN_EINVAL_FIELD;
	}
	int rc = store_appointment_book(c, op->tenant_id, &op->a, slots, (size_t)n, &id);
	if (rc) {
		if (rc == -TN_ECONFLICT)
			snprintf(op->msg, sizeof op->msg, "that window is already booked");
		return rc;
	}
	json_t *row = NULL;
	if ((rc = store_appointment_get(c, op->tenant_id, id, &row)))
		return rc;
	op->result = appt_shape(row, biz->zone);
	json_t *data = json_pack("{s:I,s:s}", "id", (json_int_t)id, "job", op->job);
	rc = store_event_append(c, op->tenant_id, op->now, "appointment_booked", 0, "api", data, NULL);
	json_decref(data);
	return rc;
}

static const struct dialog_service *service_find(const struct dialog_tenant *t, const char *code)
{
	for (size_t i = 0; code && i < t->n_services; i++)
		if (!strcmp(t->services[i].code, code))
			return &t->services[i];
	return NULL;
}

static int h_create(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	struct appt_op *op;
	if (api_require(app, req, AUTH_PERM_CONVERSATIONS_HANDLE, &p) ||
	    !(op = op_start(app, req, &p, true, 0, create_run, 201)))
		return 0;
	const json_t *in = op->in;
	const struct dialog_tenant *t = op->facts->t;
	static const char *const keys[] = {"customer_id", "service", "technician_id", "start",
					   "address", "notes", NULL};
	const char *key = api_unknown_key(in, keys), *bad = NULL;
	char buf[128];
	if (key) {
		snprintf(buf, sizeof buf, "%s is not a known field", key);
		bad = buf;
	}
	const struct dialog_service *svc = service_find(t, json_string_value(json_object_get(in, "service")));
	const json_t *cu = json_object_get(in, "customer_id"), *te = json_object_get(in, "technician_id");
	const json_t *addr = json_object_get(in, "address"), *notes = json_object_get(in, "notes");
	const struct schedule_technician *tech = NULL;
	for (size_t i = 0; json_is_integer(te) && i < t->n_techs; i++)
		if (t->techs[i].id == json_integer_value(te))
			tech = &t->techs[i];
	enum schedule_trade trade;
	if (bad)
		;
	else if (!json_is_integer(cu) || json_integer_value(cu) <= 0)
		bad = "customer_id must be a customer's id";
	else if (!svc)
		bad = "service must be the code of one of the business's services";
	else if (!tech)
		bad = "technician_id must be an active technician's id";
	else if (!schedule_trade_parse(svc->trade, &trade) &&
		 !(tech->trades & SCHEDULE_TRADE_BIT(trade)))
		bad = "the technician does not work that service's trade";
	else if (time_field(json_object_get(in, "start"), t->biz.zone, &op->start) ||
		 job_end(&t->biz, op->start, svc->windows, &op->end))
		bad = "start must be the start of an appointment window (ISO 8601)";
	else if (op->start <= op->now)
		bad = "start must be in the future";
	else if (op->start > op->now + APPT_HORIZON_SECONDS)
		bad = "start must be within 366 days";
	else if ((addr && (!json_is_string(addr) || json_string_length(addr) > 300)) ||
		 (notes && (!json_is_string(notes) || json_string_length(notes) > 2000)))
		bad = "address and notes must be strings (at most 300 and 2000 bytes)";
	if (bad)
		return op_refuse(op, bad);
	snprintf(op->job, sizeof op->job, "J-%lld",
		 (long long)live_facts_job_number(app, p.tenant_id, true));
	op->a = (struct store_appointment){
		.customer_id = json_integer_value(cu), .technician_id = tech->id,
		.service_code = svc->code, .trade = svc->trade, .start_at = op->start,
		.end_at = op->end, .job_number = op->job, .address = json_string_value(addr),
		.notes = json_string_value(notes)};
	return op_submit(op);
}

/* ---- PATCH and DELETE /api/v1/appointments/{id} ----------------------------------------- */

static int patch_run(struct store_conn *c, struct appt_op *op)
{
	json_t *row = NULL;
	int rc = store_appointment_get(c, op->tenant_id, op->id, &row);
	if (rc)
		return rc;
	enum schedule_job_state from;
	if (schedule_job_state_parse(json_string_value(json_object_get(row, "status")), &from)) {
		json_decref(row);
		return -TN_ESTORE;
	}
	int64_t s0 = json_integer_value(json_object_get(row, "start_at"));
	int64_t e0 = json_integer_value(json_object_get(row, "end_at"));
	int64_t tech = json_integer_value(json_object_get(row, "technician_id"));
	enum schedule_trade trade;
	bool trade_known = !schedule_trade_parse(json_string_value(json_object_get(row, "trade")),
						 &trade);
	json_decref(row);
	if (op->has_start && op->tech && op->tech != tech && trade_known) {
		const struct dialog_tenant *t = op->facts->t;
		bool works = false;
		for (size_t i = 0; i < t->n_techs; i++)
			if (t->techs[i].id == op->tech)
				works = t->techs[i].trades & SCHEDULE_TRADE_BIT(trade);
		if (!works) {
			snprintf(op->msg, sizeof op->msg, "the technician does not work that service's trade");
			return -TN_EINVAL_FIELD;
		}
	}
	if (op->has_start) {
		int64_t slots[APPT_WINDOWS_MAX];
		int64_t end = op->start + (e0 - s0);
		int n = schedule_slot_windows(&op->facts->t->biz, op->start, end, slots,
					      APPT_WINDOWS_MAX);
		if (from != SCHEDULE_JOB_SCHEDULED) {
			snprintf(op->msg, sizeof op->msg, "only a scheduled appointment can be moved");
			return -TN_ECONFLICT;
		}
		if (n <= 0) {
			snprintf(op->msg, sizeof op->msg, "start must be an appointment window");
			return -TN_EINVAL_FIELD;
		}
		rc = store_appointment_reschedule(c, op->tenant_id, op->id, op->tech ? op->tech : tech,
						  op->start, end, slots, (size_t)n);
		if (rc == -TN_ECONFLICT)
			snprintf(op->msg, sizeof op->msg, "that window is already booked");
		if (rc)
			return rc;
	}
	if (op->has_status && op->to == from && from == SCHEDULE_JOB_CANCELLED) {
		snprintf(op->msg, sizeof op->msg, "the appointment is already cancelled");
		return -TN_ECONFLICT;
	}
	if (op->has_status && op->to != from) {
		if (!schedule_job_transition_ok(from, op->to)) {
			snprintf(op->msg, sizeof op->msg, "an appointment cannot go from %s to %s",
				 schedule_job_state_name(from), schedule_job_state_name(op->to));
			return -TN_ECONFLICT;
		}
		if (op->to == SCHEDULE_JOB_CANCELLED)
			rc = store_appointment_cancel(c, op->tenant_id, op->id);
		else {
			enum store_appt_status st;
			store_appt_status_parse(schedule_job_state_name(op->to), &st);
			rc = store_appointment_set_status(c, op->tenant_id, op->id, st, op->eta);
		}
		if (rc)
			return rc;
	}
	json_t *data = json_pack("{s:I}", "id", (json_int_t)op->id);
	rc = store_event_append(c, op->tenant_id, op->now,
				op->has_start ? "appointment_rescheduled" : "appointment_updated", 0,
				"api", data, NULL);
	json_decref(data);
	if (rc || op->status == 204)
		return rc;
	if ((rc = store_appointment_get(c, op->tenant_id, op->id, &row)))
		return rc;
	op->result = appt_shape(row, op->facts->t->biz.zone);
	return 0;
}

static int h_patch(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	int64_t id;
	struct appt_op *op;
	if (api_require_item(app, req, AUTH_PERM_CONVERSATIONS_HANDLE, &p, &id) ||
	    !(op = op_start(app, req, &p, true, id, patch_run, 200)))
		return 0;
	const struct dialog_tenant *t = op->facts->t;
	const char *key, *bad = NULL;
	json_t *v;
	char buf[128];
	json_object_foreach(op->in, key, v) {
		if (!strcmp(key, "status")) {
			op->has_status = true;
			if (schedule_job_state_parse(json_string_value(v), &op->to))
				bad = "status must be scheduled, en_route, on_site, completed or cancelled";
		} else if (!strcmp(key, "eta")) {
			if (time_field(v, t->biz.zone, &op->eta) || op->eta < op->now - 86400 ||
			    op->eta > op->now + APPT_HORIZON_SECONDS)
				bad = "eta must be an ISO 8601 time within 366 days";
		} else if (!strcmp(key, "start")) {
			op->has_start = true;
			if (time_field(v, t->biz.zone, &op->start) || op->start <= op->now ||
			    op->start > op->now + APPT_HORIZON_SECONDS)
				bad = "start must be a future ISO 8601 time within 366 days";
		} else if (!strcmp(key, "technician_id")) {
			op->tech = json_integer_value(v);
			bool found = false;
			for (size_t i = 0; i < t->n_techs; i++)
				found |= json_is_integer(v) && t->techs[i].id == op->tech;
			if (!found)
				bad = "technician_id must be an active technician's id";
		} else {
			snprintf(buf, sizeof buf, "%s is not a known field", key);
			bad = buf;
		}
		if (bad)
			break;
	}
	if (!bad && !op->has_status && !op->has_start)
		bad = "nothing to change: send status, start (with technician_id) or eta with status";
	if (!bad && op->tech && !op->has_start)
		bad = "technician_id goes with start";
	if (bad)
		return op_refuse(op, bad);
	return op_submit(op);
}

static int h_delete(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	int64_t id;
	struct appt_op *op;
	if (api_require_item(app, req, AUTH_PERM_CONVERSATIONS_HANDLE, &p, &id) ||
	    !(op = op_start(app, req, &p, false, id, patch_run, 204)))
		return 0;
	op->has_status = true;
	op->to = SCHEDULE_JOB_CANCELLED;
	return op_submit(op);
}

/* ---- GET /api/v1/technicians/{id}/calendar.ics ------------------------------------------ */

static int h_ical(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	int64_t id;
	if (api_require_item(app, req, AUTH_PERM_TECHNICIANS_READ, &p, &id))
		return 0;
	struct store_conn *r = store_reader(app->store);
	struct live_facts *f = NULL;
	json_t *tech = NULL, *rows = NULL;
	struct schedule_booking *b = NULL;
	struct buf out = BUF_INIT;
	int64_t now = api_now(app);
	int rc = live_facts_get(app, p.tenant_id, now, &f);
	if (rc || (rc = store_technician_get(r, p.tenant_id, id, &tech)))
		goto out;
	struct store_stmt *st;
	if ((rc = store_prepare(r, "SELECT a.id, a.start_at, a.end_at, a.status, a.address, "
				   "a.job_number, a.service_code, c.name FROM appointments a LEFT JOIN "
				   "customers c ON c.tenant_id = a.tenant_id AND c.id = a.customer_id "
				   "WHERE a.tenant_id = ? AND a.technician_id = ? AND a.end_at > ? "
				   "ORDER BY a.start_at LIMIT 5000", &st)))
		goto out;
	store_bind_int64(st, 1, p.tenant_id);
	store_bind_int64(st, 2, id);
	store_bind_int64(st, 3, now - 90 * 86400);
	rows = json_array();
	while ((rc = store_step(st)) == STORE_ROW)
		json_array_append_new(rows, store_row_json(st));
	store_stmt_finish(st);
	if (rc < 0)
		goto out;
	size_t n = json_array_size(rows);
	b = calloc(n + 1, sizeof *b);
	char (*uids)[64] = calloc(n + 1, 64);
	char (*sums)[200] = calloc(n + 1, 200);
	if (!b || !uids || !sums) {
		free(uids);
		free(sums);
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *row = json_array_get(rows, i);
		b[i].technician_id = id;
		b[i].start = json_integer_value(json_object_get(row, "start_at"));
		b[i].end = json_integer_value(json_object_get(row, "end_at"));
		if (schedule_job_state_parse(json_string_value(json_object_get(row, "status")),
					     &b[i].status))
			b[i].status = SCHEDULE_JOB_SCHEDULED;
		snprintf(uids[i], 64, "appt-%lld-t%lld@tandem",
			 (long long)json_integer_value(json_object_get(row, "id")), (long long)p.tenant_id);
		const char *who = json_string_value(json_object_get(row, "name"));
		snprintf(sums[i], 200, "%s %s%s%s",
			 json_string_value(json_object_get(row, "job_number")) ?: "",
			 json_string_value(json_object_get(row, "service_code")) ?: "service",
			 who ? " - " : "", who ? who : "");
		b[i].uid = uids[i];
		b[i].summary = sums[i];
		b[i].location = json_string_value(json_object_get(row, "address"));
	}
	rc = schedule_ical_render(json_string_value(json_object_get(tech, "name")), b, n,
				  f->t->biz.zone, now, &out);
	free(uids);
	free(sums);
out:
	if (rc)
		api_respond_code(req, rc, NULL);
	else
		http_respond(req, 200, "text/calendar; charset=utf-8", out.data, out.len);
	buf_free(&out);
	free(b);
	json_decref(rows);
	json_decref(tech);
	live_facts_unref(f);
	return 0;
}

int api_appt_register(struct app *app)
{
	static const struct api_route routes[] = {
		{"GET", "/api/v1/appointments", h_list, "appointments_list"},
		{"POST", "/api/v1/appointments", h_create, "appointments_create"},
		{"GET", "/api/v1/appointments/{id}", h_get, "appointments_get"},
		{"PATCH", "/api/v1/appointments/{id}", h_patch, "appointments_patch"},
		{"DELETE", "/api/v1/appointments/{id}", h_delete, "appointments_delete"},
		{"GET", "/api/v1/technicians/{id}/calendar.ics", h_ical, "technician_calendar"},
	};
	return api_routes_add(app, routes, sizeof routes / sizeof routes[0]);
}
