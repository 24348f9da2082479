/* dialog_load.c: loads a tenant's facts and a customer's jobs from the store into the
 * plain structs the dialog engine reads. */
#include "app/api.h"
#include "app/dialog_glue.h"
#include "base/err.h"
#include "base/jsonx.h"
#include "base/tz.h"
#include "kb/kb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int keep(struct dialog_tenant *t, json_t *doc)
{
	if (!doc)
		return -ENOMEM;
	return json_array_append_new(t->docs, doc) ? -ENOMEM : 0;
}

static void fill_day(struct schedule_day *d, int start, int end)
{
	if (d->n < SCHEDULE_RANGES_MAX)
		d->range[d->n++] = (struct schedule_range){start, end};
}

static int parse_date(const char *s, struct schedule_date *d)
{
	if (!s || sscanf(s, "%4d-%2d-%2d", &d->year, &d->month, &d->day) != 3)
		return -EINVAL;
	return 0;
}

static int load_query(struct store_conn *c, const char *sql, int64_t a, int64_t b,
		      json_t **out)
{
	struct store_stmt *st;
	int rc = store_prepare(c, sql, &st);
	if (rc)
		return rc;
	json_t *arr = json_array();
	if (!arr) {
		store_stmt_finish(st);
		return -ENOMEM;
	}
	store_bind_int64(st, 1, a);
	store_bind_int64(st, 2, b);
	while ((rc = store_step(st)) == STORE_ROW)
		if (json_array_append_new(arr, store_row_json(st))) {
			rc = -ENOMEM;
			break;
		}
	store_stmt_finish(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

static int settings_int(const json_t *o, const char *key, int def)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (int)json_integer_value(v) : def;
}

static double settings_num(const json_t *o, const char *key, double def)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : def;
}

int dialog_tenant_load(struct store_conn *c, int64_t tenant_id, int64_t now,
		       struct dialog_tenant *t)
{
	json_t *tenant = NULL, *hours = NULL, *hol = NULL, *zips = NULL, *svcs = NULL,
	       *techs = NULL, *books = NULL, *kb = NULL;
	int rc;
	memset(t, 0, sizeof *t);
	t->tenant_id = tenant_id;
	t->docs = json_array();
	if (!t->docs)
		return -ENOMEM;
	if ((rc = store_tenant_get(c, tenant_id, &tenant)) || (rc = keep(t, tenant)) ||
	    (rc = store_hours_get(c, tenant_id, &hours)) || (rc = keep(t, hours)) ||
	    (rc = store_holiday_list(c, tenant_id, &hol)) || (rc = keep(t, hol)) ||
	    (rc = store_zips_get(c, tenant_id, &zips)) || (rc = keep(t, zips)) ||
	    (rc = store_service_list(c, tenant_id, &svcs)) || (rc = keep(t, svcs)) ||
	    (rc = store_technician_list(c, tenant_id, &techs)) || (rc = keep(t, techs)) ||
	    (rc = store_kb_list(c, tenant_id, &kb)) || (rc = keep(t, kb)))
		goto fail;
	if ((rc = load_query(c,
			     "SELECT technician_id, start_at, end_at, status FROM appointments "
			     "WHERE tenant_id = ? AND end_at > ? AND status <> 'cancelled' "
			     "AND technician_id IS NOT NULL ORDER BY start_at",
			     tenant_id, now, &books)) ||
	    (rc = keep(t, books)))
		goto fail;

	const json_t *settings = json_object_get(tenant, "settings");
	t->name = json_string_value(json_object_get(tenant, "name"));
	t->phone = json_string_value(json_object_get(settings, "phone"));
	t->portal_url = json_string_value(json_object_get(settings, "portal_url"));
	const char *zone = json_string_value(json_object_get(tenant, "timezone"));
	if ((rc = tz_get(zone ? zone : "UTC", &t->biz.zone)))
		goto fail;

	size_t i;
	json_t *v;
	json_array_foreach(hours, i, v) {
		int wd = (int)json_integer_value(json_object_get(v, "weekday"));
		if (wd >= 0 && wd < 7)
			fill_day(&t->biz.hours[wd], (int)json_integer_value(json_object_get(v, "open_min")),
				 (int)json_integer_value(json_object_get(v, "close_min")));
	}
	t->holidays = calloc(json_array_size(hol) + 1, sizeof *t->holidays);
	t->zips = calloc(json_array_size(zips) + 1, sizeof *t->zips);
	t->techs = calloc(json_array_size(techs) + 1, sizeof *t->techs);
	t->tech_phones = calloc(json_array_size(techs) + 1, sizeof *t->tech_phones);
	t->bookings = calloc(json_array_size(books) + 1, sizeof *t->bookings);
	t->services = calloc(json_array_size(svcs) + 1, sizeof *t->services);
	if (!t->holidays || !t->zips || !t->techs || !t->tech_phones || !t->bookings ||
	    !t->services) {
		rc = -ENOMEM;
		goto fail;
	}
	t->holiday_names = calloc(json_array_size(hol) + 1, sizeof *t->holiday_names);
	if (!t->holiday_names) {
		rc = -ENOMEM;
		goto fail;
	}
	json_array_foreach(hol, i, v)
		if (!parse_date(json_string_value(json_object_get(v, "date")),
				&t->holidays[t->biz.n_holidays]))
			t->holiday_names[t->biz.n_holidays++] =
				json_string_value(json_object_get(v, "name"));
	t->biz.holidays = t->holidays;
	json_array_foreach(zips, i, v)
		t->zips[t->biz.n_zips++] = json_string_value(v);
	t->biz.zips = t->zips;
	json_t *wins = json_object_get(settings, "appointment_windows");
	json_array_foreach(wins, i, v) {
		int a, b;
		if (t->biz.n_windows < 48 &&
		    !api_parse_hhmm(json_string_value(json_array_get(v, 0)), false, &a) &&
		    !api_parse_hhmm(json_string_value(json_array_get(v, 1)), true, &b))
			t->windows[t->biz.n_windows++] = (struct schedule_range){a, b};
	}
	if (!t->biz.n_windows) /* the product's default windows */
		for (int h = 8; h < 18; h += 2)
			t->windows[t->biz.n_windows++] = (struct schedule_range){h * 60, h * 60 + 120};
	t->biz.windows = t->windows;

	json_array_foreach(techs, i, v) {
		struct schedule_technician *tc = &t->techs[t->n_techs];
		if (json_is_false(json_object_get(v, "active")))
			continue;
		tc->id = json_integer_value(json_object_get(v, "id"));
		tc->name = json_string_value(json_object_get(v, "name"));
		t->tech_phones[t->n_techs] = json_string_value(json_object_get(v, "phone"));
		size_t k;
		json_t *x;
		json_array_foreach(json_object_get(v, "trades"), k, x) {
			enum schedule_trade tr;
			if (!schedule_trade_parse(json_string_value(x), &tr))
				tc->trades |= SCHEDULE_TRADE_BIT(tr);
		}
		json_t *th = json_object_get(v, "hours");
		json_array_foreach(th, k, x) {
			int wd = (int)json_integer_value(json_object_get(x, "weekday"));
			if (wd >= 0 && wd < 7)
				fill_day(&tc->hours[wd], (int)json_integer_value(json_object_get(x, "start_min")),
					 (int)json_integer_value(json_object_get(x, "end_min")));
		}
		if (!json_array_size(th)) /* no hours of their own: the business's */
			memcpy(tc->hours, t->biz.hours, sizeof tc->hours);
		json_t *tz = json_object_get(v, "zips");
		if (json_array_size(tz)) {
			const char **zz = calloc(json_array_size(tz), sizeof *zz);
			if (!zz) {
				rc = -ENOMEM;
				goto fail;
			}
			json_array_foreach(tz, k, x)
				zz[tc->n_zips++] = json_string_value(x);
			tc->zips = zz;
		}
		t->n_techs++;
	}
	json_array_foreach(books, i, v) {
		struct schedule_booking *b = &t->bookings[t->n_bookings++];
		b->technician_id = json_integer_value(json_object_get(v, "technician_id"));
		b->start = json_integer_value(json_object_get(v, "start_at"));
		b->end = json_integer_value(json_object_get(v, "end_at"));
		if (schedule_job_state_parse(json_string_value(json_object_get(v, "status")), &b->status))
			b->status = SCHEDULE_JOB_SCHEDULED;
	}
	t->cal = (struct schedule_calendar){&t->biz, t->techs, t->n_techs, t->bookings, t->n_bookings};

	json_array_foreach(svcs, i, v) {
		struct dialog_service *s = &t->services[t->n_services++];
		s->code = json_string_value(json_object_get(v, "code"));
		s->name = json_string_value(json_object_get(v, "name"));
		s->trade = json_string_value(json_object_get(v, "trade"));
		s->price_cents = json_integer_value(json_object_get(v, "price_cents"));
		s->price_kind = json_string_value(json_object_get(v, "price_kind"));
		s->windows = (int)json_integer_value(json_object_get(v, "duration_windows"));
		s->description = json_string_value(json_object_get(v, "description"));
	}
	json_t *brands = json_object_get(settings, "brands");
	t->brands = calloc(json_array_size(brands) + 1, sizeof *t->brands);
	if (!t->brands) {
		rc = -ENOMEM;
		goto fail;
	}
	json_array_foreach(brands, i, v)
		t->brands[t->n_brands++] = json_string_value(v);

	/* on-call rotation: names to technician ids */
	json_t *oc = json_object_get(settings, "oncall");
	json_t *rot = json_object_get(oc, "rotation");
	if (json_array_size(rot)) {
		t->oncall_members = calloc(json_array_size(rot), sizeof *t->oncall_members);
		if (!t->oncall_members) {
			rc = -ENOMEM;
			goto fail;
		}
		size_t n = 0;
		json_array_foreach(rot, i, v)
			for (size_t k = 0; k < t->n_techs; k++)
				if (t->techs[k].name && json_string_value(v) &&
				    !strcmp(t->techs[k].name, json_string_value(v)))
					t->oncall_members[n++] = t->techs[k].id;
		const char *starts = json_string_value(json_object_get(oc, "starts"));
		const char *handover = json_string_value(json_object_get(oc, "handover"));
		static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
		t->oncall = (struct schedule_oncall){.zone = t->biz.zone, .members = t->oncall_members,
						     .n_members = n, .handover_wday = 1,
						     .handover_minute = 8 * 60};
		if (parse_date(starts, &t->oncall.start))
			t->oncall.start = (struct schedule_date){2026, 1, 5};
		if (handover && strlen(handover) == 9) {
			for (int d = 0; d < 7; d++)
				if (!strncmp(handover, days[d], 3))
					t->oncall.handover_wday = d;
			int m;
			if (!api_parse_hhmm(handover + 4, false, &m))
				t->oncall.handover_minute = m;
		}
		t->has_oncall = n > 0;
	}

	json_t *esc = json_object_get(settings, "escalation");
	dialog_thresholds_default(&t->thresholds);
	t->thresholds.frustration = settings_num(esc, "frustration_threshold", t->thresholds.frustration);
	t->thresholds.low_confidence = settings_num(esc, "low_confidence", t->thresholds.low_confidence);
	t->thresholds.low_confidence_turns = settings_int(esc, "low_confidence_turns", t->thresholds.low_confidence_turns);
	t->thresholds.repeat_failures = settings_int(esc, "repeat_failures", t->thresholds.repeat_failures);
	json_t *sla = json_object_get(esc, "sla_seconds");
	t->sla_seconds[1] = settings_int(sla, "P1", 60);
	t->sla_seconds[2] = settings_int(sla, "P2", 300);
	t->sla_seconds[3] = settings_int(sla, "P3", 1800);

	if ((rc = kb_index_new(&t->kb)))
		goto fail;
	json_array_foreach(kb, i, v) {
		char id[32], tags[KB_TAGS_MAX] = "";
		snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(v, "id")));
		size_t k, used = 0;
		json_t *x;
		json_array_foreach(json_object_get(v, "tags"), k, x)
			if (used + 80 < sizeof tags)
				used += (size_t)snprintf(tags + used, sizeof tags - used, "%s%s",
							 used ? "," : "", json_string_value(x));
		/* an article the index refuses (too long, bad text) is skipped, not fatal */
		(void)kb_index_add(t->kb, id, json_string_value(json_object_get(v, "title")),
				   json_string_value(json_object_get(v, "body")), tags);
	}
	return 0;
fail:
	dialog_tenant_free(t);
	return rc;
}

void dialog_tenant_free(struct dialog_tenant *t)
{
	for (size_t i = 0; t->techs && i < t->n_techs; i++)
		free((void *)t->techs[i].zips);
	free(t->holidays);
	free((void *)t->holiday_names);
	free((void *)t->zips);
	free(t->techs);
	free((void *)t->tech_phones);
	free(t->bookings);
	free(t->services);
	free((void *)t->brands);
	free(t->oncall_members);
	kb_index_free(t->kb);
	json_decref(t->docs);
	memset(t, 0, sizeof *t);
}

int dialog_customer_load(struct store_conn *c, int64_t tenant_id, int64_t customer_id,
			 struct dialog_customer_facts *f)
{
	json_t *cust = NULL, *jobs = NULL;
	int rc;
	memset(f, 0, sizeof *f);
	if (!customer_id)
		return 0;
	f->docs = json_array();
	if (!f->docs)
		return -ENOMEM;
	if ((rc = store_customer_get(c, tenant_id, customer_id, &cust)))
		goto fail;
	json_array_append_new(f->docs, cust);
	if ((rc = load_query(c,
			     "SELECT a.id, a.job_number, a.service_code, a.trade, a.technician_id, "
			     "t.name AS technician, a.start_at, a.end_at, a.status, a.eta, a.address, "
			     "i.number AS invoice_number, i.amount_cents, i.status AS invoice_status "
			     "FROM appointments a LEFT JOIN technicians t ON t.tenant_id = a.tenant_id "
			     "AND t.id = a.technician_id LEFT JOIN invoices i ON i.tenant_id = a.tenant_id "
			     "AND i.appointment_id = a.id WHERE a.tenant_id = ? AND a.customer_id = ? "
			     "ORDER BY a.start_at",
			     tenant_id, customer_id, &jobs)))
		goto fail;
	json_array_append_new(f->docs, jobs);
	f->customer.id = customer_id;
	f->customer.name = json_string_value(json_object_get(cust, "name"));
	f->customer.address = json_string_value(json_object_get(cust, "address"));
	f->customer.zip = json_string_value(json_object_get(cust, "zip"));
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(cust, "identities"), i, v) {
		const char *kind = json_string_value(json_object_get(v, "kind"));
		const char *val = json_string_value(json_object_get(v, "value"));
		if (kind && !strcmp(kind, "phone") && !f->customer.phone)
			f->customer.phone = val;
		else if (kind && !strcmp(kind, "email") && !f->customer.email)
			f->customer.email = val;
	}
	f->jobs = calloc(json_array_size(jobs) + 1, sizeof *f->jobs);
	if (!f->jobs) {
		rc = -ENOMEM;
		goto fail;
	}
	json_array_foreach(jobs, i, v) {
		struct dialog_job *j = &f->jobs[f->n_jobs++];
		j->id = json_integer_value(json_object_get(v, "id"));
		j->job_number = json_string_value(json_object_get(v, "job_number"));
		j->service_code = json_string_value(json_object_get(v, "service_code"));
		j->trade = json_string_value(json_object_get(v, "trade"));
		j->technician_id = json_integer_value(json_object_get(v, "technician_id"));
		j->technician = json_string_value(json_object_get(v, "technician"));
		j->start = json_integer_value(json_object_get(v, "start_at"));
		j->end = json_integer_value(json_object_get(v, "end_at"));
		if (schedule_job_state_parse(json_string_value(json_object_get(v, "status")), &j->status))
			j->status = SCHEDULE_JOB_SCHEDULED;
		j->eta = json_integer_value(json_object_get(v, "eta"));
		j->address = json_string_value(json_object_get(v, "address"));
		j->invoice_number = json_string_value(json_object_get(v, "invoice_number"));
		j->invoice_cents = json_integer_value(json_object_get(v, "amount_cents"));
		const char *ist = json_string_value(json_object_get(v, "invoice_status"));
		j->invoice_paid = ist && !strcmp(ist, "paid");
	}
	return 0;
fail:
	dialog_customer_free(f);
	return rc;
}

void dialog_customer_free(struct dialog_customer_facts *f)
{
	free(f->jobs);
	json_decref(f->docs);
	memset(f, 0, sizeof *f);
}
