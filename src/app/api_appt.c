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

/* What an appointment write carries beside the shared op (op->ext); the op also holds
 * the tenant's facts (op->facts: the business calendar, windows and zone) the request
 * was checked against. */
struct appt_write {
	/* POST */
	struct store_appointment a;  /* strings borrowed from op->in and job */
	char job[24];
	int64_t start, end, tech;
	/* PATCH */
	bool has_status, has_start;
	enum schedule_job_state to;
	int64_t eta;
};

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

/* op->committed of every appointment write: the next turn reloads the bookings. */
static void bookings_changed(struct api_op *op)
{
	live_facts_bookings_changed(op->app, op->p.tenant_id);
}

/* Makes op an appointment write: its own fields (op->ext), the tenant's facts it is
 * checked against (op->facts) and, once committed, the bookings marked changed. 0 or an
 * error code. */
static int appt_prepare(struct api_op *op)
{
	if (!(op->ext = calloc(1, sizeof(struct appt_write))))
		return -ENOMEM;
	op->committed = bookings_changed;
	return live_facts_get(op->app, op->p.tenant_id, op->now, &op->facts);
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

static int create_run(struct store_conn *c, struct api_op *op)
{
	struct appt_write *x = op->ext;
	int64_t slots[APPT_WINDOWS_MAX], id = 0, tenant = op->p.tenant_id;
	const struct schedule_business *biz = &op->facts->t->biz;
	int n = schedule_slot_windows(biz, x->start, x->end, slots, APPT_WINDOWS_MAX);
	if (n <= 0) {
		snprintf(op->msg, sizeof op->msg, "start must be an appointment window");
		return -TN_EINVAL_FIELD;
	}
	int rc = store_appointment_book(c, tenant, &x->a, slots, (size_t)n, &id);
	if (rc) {
		if (rc == -TN_ECONFLICT)
			snprintf(op->msg, sizeof op->msg, "that window is already booked");
		return rc;
	}
	json_t *row = NULL;
	if ((rc = store_appointment_get(c, tenant, id, &row)))
		return rc;
	op->result = appt_shape(row, biz->zone);
	json_t *data = json_pack("{s:I,s:s}", "id", (json_int_t)id, "job", x->job);
	rc = store_event_append(c, tenant, op->now, "appointment_booked", 0, "api", data, NULL);
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

/* Checks a booking {customer_id, service, technician_id, start, address, notes} against
 * the tenant's facts and, when it is good, gives it the next job number. */
static int create_parse(struct api_op *op, struct api_verr *e)
{
	int rc = appt_prepare(op);
	if (rc)
		return rc;
	struct appt_write *x = op->ext;
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
	else if (time_field(json_object_get(in, "start"), t->biz.zone, &x->start) ||
		 job_end(&t->biz, x->start, svc->windows, &x->end))
		bad = "start must be the start of an appointment window (ISO 8601)";
	else if (x->start <= op->now)
		bad = "start must be in the future";
	else if (x->start > op->now + APPT_HORIZON_SECONDS)
		bad = "start must be within 366 days";
	else if ((addr && (!json_is_string(addr) || json_string_length(addr) > 300)) ||
		 (notes && (!json_is_string(notes) || json_string_length(notes) > 2000)))
		bad = "address and notes must be strings (at most 300 and 2000 bytes)";
	if (bad)
		return api_verr_set(e, "%s", bad);
	snprintf(x->job, sizeof x->job, "J-%lld",
		 (long long)live_facts_job_number(op->app, op->p.tenant_id, true));
	x->a = (struct store_appointment){
		.customer_id = json_integer_value(cu), .technician_id = tech->id,
		.service_code = svc->code, .trade = svc->trade, .start_at = x->start,
		.end_at = x->end, .job_number = x->job, .address = json_string_value(addr),
		.notes = json_string_value(notes)};
	return 0;
}

static const struct api_write create_write = {
	.verb = "create", .parse = create_parse, .run = create_run, .status = 201};

static int h_create(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	if (!api_require(app, req, AUTH_PERM_CONVERSATIONS_HANDLE, &p))
		api_write_start(app, req, &p, &create_write, 0);
	return 0;
}

/* ---- PATCH and DELETE /api/v1/appointments/{id} ----------------------------------------- */

static int patch_run(struct store_conn *c, struct api_op *op)
{
	struct appt_write *x = op->ext;
	int64_t tenant = op->p.tenant_id;
	json_t *row = NULL;
	int rc = store_appointment_get(c, tenant, op->id, &row);
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
	if (x->has_start && x->tech && x->tech != tech && trade_known) {
		const struct dialog_tenant *t = op->facts->t;
		bool works = false;
		for (size_t i = 0; i < t->n_techs; i++)
			if (t->techs[i].id == x->tech)
				works = t->techs[i].trades & SCHEDULE_TRADE_BIT(trade);
		if (!works) {
			snprintf(op->msg, sizeof op->msg, "the technician does not work that service's trade");
			return -TN_EINVAL_FIELD;
		}
	}
	if (x->has_start) {
		int64_t slots[APPT_WINDOWS_MAX];
		int64_t end = x->start + (e0 - s0);
		int n = schedule_slot_windows(&op->facts->t->biz, x->start, end, slots,
					      APPT_WINDOWS_MAX);
		if (from != SCHEDULE_JOB_SCHEDULED) {
			snprintf(op->msg, sizeof op->msg, "only a scheduled appointment can be moved");
			return -TN_ECONFLICT;
		}
		if (n <= 0) {
			snprintf(op->msg, sizeof op->msg, "start must be an appointment window");
			return -TN_EINVAL_FIELD;
		}
		rc = store_appointment_reschedule(c, tenant, op->id, x->tech ? x->tech : tech,
						  x->start, end, slots, (size_t)n);
		if (rc == -TN_ECONFLICT)
			snprintf(op->msg, sizeof op->msg, "that window is already booked");
		if (rc)
			return rc;
	}
	if (x->has_status && x->to == from && from == SCHEDULE_JOB_CANCELLED) {
		snprintf(op->msg, sizeof op->msg, "the appointment is already cancelled");
		return -TN_ECONFLICT;
	}
	if (x->has_status && x->to != from) {
		if (!schedule_job_transition_ok(from, x->to)) {
			snprintf(op->msg, sizeof op->msg, "an appointment cannot go from %s to %s",
				 schedule_job_state_name(from), schedule_job_state_name(x->to));
			return -TN_ECONFLICT;
		}
		if (x->to == SCHEDULE_JOB_CANCELLED)
			rc = store_appointment_cancel(c, tenant, op->id);
		else {
			enum store_appt_status st;
			store_appt_status_parse(schedule_job_state_name(x->to), &st);
			rc = store_appointment_set_status(c, tenant, op->id, st, x->eta);
		}
		if (rc)
			return rc;
	}
	json_t *data = json_pack("{s:I}", "id", (json_int_t)op->id);
	rc = store_event_append(c, tenant, op->now,
				x->has_start ? "appointment_rescheduled" : "appointment_updated", 0,
				"api", data, NULL);
	json_decref(data);
	if (rc || op->status == 204)
		return rc;
	if ((rc = store_appointment_get(c, tenant, op->id, &row)))
		return rc;
	op->result = appt_shape(row, op->facts->t->biz.zone);
	return 0;
}

/* Checks a change {status, eta, start, technician_id} against the tenant's facts. */
static int patch_parse(struct api_op *op, struct api_verr *e)
{
	int rc = appt_prepare(op);
	if (rc)
		return rc;
	struct appt_write *x = op->ext;
	const struct dialog_tenant *t = op->facts->t;
	const char *key, *bad = NULL;
	json_t *v;
	char buf[128];
	json_object_foreach(op->in, key, v) {
		if (!strcmp(key, "status")) {
			x->has_status = true;
			if (schedule_job_state_parse(json_string_value(v), &x->to))
				bad = "status must be scheduled, en_route, on_site, completed or cancelled";
		} else if (!strcmp(key, "eta")) {
			if (time_field(v, t->biz.zone, &x->eta) || x->eta < op->now - 86400 ||
			    x->eta > op->now + APPT_HORIZON_SECONDS)
				bad = "eta must be an ISO 8601 time within 366 days";
		} else if (!strcmp(key, "start")) {
			x->has_start = true;
			if (time_field(v, t->biz.zone, &x->start) || x->start <= op->now ||
			    x->start > op->now + APPT_HORIZON_SECONDS)
				bad = "start must be a future ISO 8601 time within 366 days";
		} else if (!strcmp(key, "technician_id")) {
			x->tech = json_integer_value(v);
			bool found = false;
			for (size_t i = 0; i < t->n_techs; i++)
				found |= json_is_integer(v) && t->techs[i].id == x->tech;
			if (!found)
				bad = "technician_id must be an active technician's id";
		} else {
			snprintf(buf, sizeof buf, "%s is not a known field", key);
			bad = buf;
		}
		if (bad)
			break;
	}
	if (!bad && !x->has_status && !x->has_start)
		bad = "nothing to change: send status, start (with technician_id) or eta with status";
	if (!bad && x->tech && !x->has_start)
		bad = "technician_id goes with start";
	return bad ? api_verr_set(e, "%s", bad) : 0;
}

/* DELETE has no body: it is the change of status to cancelled, answered 204. */
static int cancel_submit(struct api_op *op)
{
	int rc = appt_prepare(op);
	if (rc) {
		api_respond_code(op->req, rc, NULL);
		api_op_free(op);
		return 0;
	}
	struct appt_write *x = op->ext;
	x->has_status = true;
	x->to = SCHEDULE_JOB_CANCELLED;
	return api_op_submit(op);
}

static const struct api_write patch_write = {
	.verb = "patch", .parse = patch_parse, .run = patch_run, .status = 200};
static const struct api_write delete_write = {
	.verb = "delete", .run = patch_run, .submit = cancel_submit, .status = 204};

/* PATCH and DELETE /api/v1/appointments/{id}. */
static int item_write(struct http_request *req, struct app *app, const struct api_write *w)
{
	struct auth_principal p;
	int64_t id;
	if (!api_require_item(app, req, AUTH_PERM_CONVERSATIONS_HANDLE, &p, &id))
		api_write_start(app, req, &p, w, id);
	return 0;
}

static int h_patch(struct http_request *req, void *arg)
{
	return item_write(req, arg, &patch_write);
}

static int h_delete(struct http_request *req, void *arg)
{
	return item_write(req, arg, &delete_write);
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
