/* facts.c: each tenant's dialog facts (settings, hours, technicians, services, knowledge
 * base index, bookings) loaded once and reused by every turn on the loop thread. */
#include "app/app.h"
#include "app/dialog_glue.h"
#include "app/acd.h"
#include "app/live.h"
#include "base/err.h"
#include "base/log.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

/* One tenant's cache slot. The slot outlives its facts: it keeps the job counter. */
struct facts_slot {
	int64_t tenant_id;
	struct live_facts *f;       /* NULL: load on next use */
	bool bookings_stale;
	bool have_job_seq;
	int64_t next_job;           /* the next booking's job number (J-<next_job>) */
};

struct live_facts_cache {
	struct facts_slot **slots;
	size_t n, cap;
	uint64_t gen;
};

struct live_facts *live_facts_ref(struct live_facts *f)
{
	if (f)
		f->refs++;
	return f;
}

void live_facts_unref(struct live_facts *f)
{
	if (!f || --f->refs > 0)
		return;
	if (f->t) {
		dialog_tenant_free(f->t);
		free(f->t);
	}
	free(f);
}

static struct facts_slot *slot_find(struct app *app, int64_t tenant_id, bool create)
{
	struct live_facts_cache *c = app->facts;
	if (!c) {
		if (!create || !(c = calloc(1, sizeof *c)))
			return NULL;
		app->facts = c;
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->slots[i]->tenant_id == tenant_id)
			return c->slots[i];
	if (!create)
		return NULL;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		struct facts_slot **v = realloc(c->slots, cap * sizeof *v);
		if (!v)
			return NULL;
		c->slots = v;
		c->cap = cap;
	}
	struct facts_slot *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->tenant_id = tenant_id;
	c->slots[c->n++] = s;
	return s;
}

/* Replaces the bookings of t with the active ones ending after now: one range scan of
 * the (tenant, technician, start) index per technician, from a day before now (no job
 * is longer than a day), so the cost follows the future bookings, not the history. */
static int bookings_reload(struct store_conn *r, struct dialog_tenant *t, int64_t now)
{
	size_t n = 0, cap = t->n_bookings + 16;
	struct schedule_booking *v = calloc(cap, sizeof *v);
	if (!v)
		return -ENOMEM;
	int rc = 0;
	for (size_t k = 0; k < t->n_techs && rc >= 0; k++) {
		struct store_stmt *st;
		if ((rc = store_prepare(r, "SELECT start_at, end_at, status FROM appointments "
					   "WHERE tenant_id = ? AND technician_id = ? AND start_at > ? "
					   "AND end_at > ? AND status <> 'cancelled' ORDER BY start_at",
					&st)))
			break;
		store_bind_int64(st, 1, t->tenant_id);
		store_bind_int64(st, 2, t->techs[k].id);
		store_bind_int64(st, 3, now - 86400);
		store_bind_int64(st, 4, now);
		while ((rc = store_step(st)) == STORE_ROW) {
			if (n == cap) {
				struct schedule_booking *w = realloc(v, cap * 2 * sizeof *v);
				if (!w) {
					rc = -ENOMEM;
					break;
				}
				v = w;
				cap *= 2;
			}
			struct schedule_booking *b = &v[n++];
			memset(b, 0, sizeof *b);
			b->technician_id = t->techs[k].id;
			b->start = store_col_int64(st, 0);
			b->end = store_col_int64(st, 1);
			if (schedule_job_state_parse(store_col_text(st, 2), &b->status))
				b->status = SCHEDULE_JOB_SCHEDULED;
		}
		store_stmt_finish(st);
	}
	if (rc < 0) {
		free(v);
		return rc;
	}
	free(t->bookings);
	t->bookings = v;
	t->n_bookings = n;
	t->cal.bookings = v;
	t->cal.n_bookings = n;
	return 0;
}

/* The next free job number: past both the count and the highest J-number in use. */
static int job_seq_load(struct store_conn *r, int64_t tenant_id, int64_t *out)
{
	struct store_stmt *st;
	int rc = store_prepare(r, "SELECT COUNT(*), MAX(CAST(SUBSTR(job_number, 3) AS INTEGER)) "
				  "FROM appointments WHERE tenant_id = ? AND job_number LIKE 'J-%'",
			       &st);
	if (rc)
		return rc;
	store_bind_int64(st, 1, tenant_id);
	int64_t next = 1001;
	if ((rc = store_step(st)) == STORE_ROW) {
		int64_t count = store_col_int64(st, 0), max = store_col_int64(st, 1);
		next = 1000 + count + 1;
		if (max >= next)
			next = max + 1;
		rc = 0;
	}
	store_stmt_finish(st);
	if (rc < 0)
		return rc;
	*out = next;
	return 0;
}

int live_facts_get(struct app *app, int64_t tenant_id, int64_t now, struct live_facts **out)
{
	struct facts_slot *s = slot_find(app, tenant_id, true);
	if (!s)
		return -ENOMEM;
	struct store_conn *r = store_reader(app->store);
	int rc;
	if (!s->have_job_seq) {
		if ((rc = job_seq_load(r, tenant_id, &s->next_job)))
			return rc;
		s->have_job_seq = true;
	}
	if (!s->f) {
		struct live_facts *f = calloc(1, sizeof *f);
		struct dialog_tenant *t = calloc(1, sizeof *t);
		if (!f || !t) {
			free(f);
			free(t);
			return -ENOMEM;
		}
		if ((rc = dialog_tenant_load(r, tenant_id, now, t))) {
			free(f);
			free(t);
			return rc;
		}
		f->refs = 1;
		f->tenant_id = tenant_id;
		f->gen = ++app->facts->gen;
		f->t = t;
		s->f = f;
		s->bookings_stale = false;
	} else if (s->bookings_stale) {
		if ((rc = bookings_reload(r, s->f->t, now)))
			return rc;
		s->bookings_stale = false;
	}
	s->f->next_job_seq = s->next_job;
	*out = live_facts_ref(s->f);
	return 0;
}

int64_t live_facts_job_number(struct app *app, int64_t tenant_id, bool consume)
{
	struct facts_slot *s = slot_find(app, tenant_id, false);
	if (!s || !s->have_job_seq) {
		int64_t n = 0;
		if (!(s = slot_find(app, tenant_id, true)) ||
		    job_seq_load(store_reader(app->store), tenant_id, &n))
			return 0;
		s->next_job = n;
		s->have_job_seq = true;
	}
	return consume ? s->next_job++ : s->next_job;
}

static void slot_drop(struct app *app, int64_t tenant_id)
{
	struct facts_slot *s = slot_find(app, tenant_id, false);
	if (s && s->f) {
		live_facts_unref(s->f);
		s->f = NULL;
	}
}

struct barrier {
	struct app *app;
	int64_t tenant_id;
};

static int barrier_job(struct store_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	return 0;
}

static void barrier_done(int result, void *arg)
{
	(void)result;
	struct barrier *b = arg;
	slot_drop(b->app, b->tenant_id);
	acd_tenant_changed(b->app, b->tenant_id);  /* the router takes the new queue settings */
	free(b);
}

void live_facts_changed(struct app *app, int64_t tenant_id)
{
	slot_drop(app, tenant_id);
	struct barrier *b = malloc(sizeof *b);
	if (!b)
		return;
	*b = (struct barrier){app, tenant_id};
	if (store_write_async(app->store, barrier_job, b, barrier_done, b))
		free(b);
}

void live_facts_bookings_changed(struct app *app, int64_t tenant_id)
{
	struct facts_slot *s = slot_find(app, tenant_id, false);
	if (s)
		s->bookings_stale = true;
}

void live_facts_free_all(struct app *app)
{
	struct live_facts_cache *c = app->facts;
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		live_facts_unref(c->slots[i]->f);
		free(c->slots[i]);
	}
	free(c->slots);
	free(c);
	app->facts = NULL;
}
