/* dialog_bench.c: AI turn latency through the server's own code path: the tenant facts
 * cache (facts.c), the loop-thread half of a turn (dialog_write_prepare: state read,
 * NLU, policy, slot search, reply) and the durable half (dialog_write_job through the
 * store's single writer), over scripted conversations of the demo business.
 *
 * Two runs one turn at a time on a database file (WAL, synchronous=FULL): on tmpfs, where
 * fsync costs nothing (the whole write without the disk), and on the disk (every turn
 * waits for its own commit and fsync); then the server's asynchronous path (live.c on a
 * libuv loop) with 64 conversations in flight on disk. Prints p50/p99 of the AI half, the
 * write job and the whole turn, and turns per second. */
#include "app/api.h"
#include "app/app.h"
#include "app/dialog_glue.h"
#include "app/live.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/tz.h"
#include "nlu/nlu.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

static const char *const script_book[] = {"my AC is blowing warm air, can someone come out?",
					  "1420 providence rd charlotte 28207", "the first one",
					  "yes", NULL};
static const char *const script_faq[] = {"are you open on saturday?",
					 "how much is a service call?",
					 "do you install tankless water heaters?",
					 "thanks, that's all", NULL};
static const char *const script_emergency[] = {"water is pouring through my ceiling!",
					       "my number is 704 555 0188", NULL};
static const char *const script_area[] = {"do you cover Matthews 28105?",
					  "how much is a furnace tune-up?",
					  "I'd like to book one next week", "12 oak st matthews 28105",
					  "the second one", "yes please", NULL};
static const char *const script_person[] = {"hi there", "let me talk to a real person",
					    NULL};
static const char *const *const scripts[] = {script_book, script_faq, script_emergency,
					     script_area, script_person};
#define N_SCRIPTS (sizeof scripts / sizeof scripts[0])

struct conv_job {
	int64_t tenant_id, id, now;
};

static int conv_create(struct store_conn *c, void *arg)
{
	struct conv_job *j = arg;
	return store_conversation_create(c, j->tenant_id, 0, "chat", j->now, &j->id);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, size_t n, double p)
{
	if (!n)
		return 0;
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return (double)v[i] / 1000.0; /* microseconds */
}

struct result {
	size_t turns;
	double prep_p50, prep_p99, job_p50, job_p99, turn_p50, turn_p99, prep_mean, seconds;
	size_t booked, failed;
};

/* The write job, timed on the writer thread (its SQL work, without the commit and the
 * hand-over between threads). */
struct timed_write {
	struct dialog_write *w;
	uint64_t ns;
};

static int timed_job(struct store_conn *c, void *arg)
{
	struct timed_write *t = arg;
	uint64_t t0 = clock_mono_ns();
	int rc = dialog_write_job(c, t->w);
	t->ns += clock_mono_ns() - t0;
	return rc;
}

/* Runs `turns` scripted turns on the database file at path. */
static int run(const char *path, size_t turns, const struct nlu_model *m, struct result *res)
{
	struct store *st = NULL;
	struct api_verr ve;
	int64_t tenant = 0;
	int64_t now;
	tz_parse_iso("2026-12-07T09:00:00-05:00", NULL, &now); /* a Monday morning */
	int rc = store_open(path, &st);
	if (rc) {
		fprintf(stderr, "store_open %s: %s\n", path, tn_strerror(rc));
		return rc;
	}
	json_t *seed = seed_demo_document(&ve);
	if (!seed || seed_apply(st, seed, NULL, 0, now, &tenant, &ve)) {
		fprintf(stderr, "seed: %s\n", ve.msg);
		json_decref(seed);
		store_close(st);
		return -EINVAL;
	}
	json_decref(seed);
	struct app app;
	memset(&app, 0, sizeof app);
	app.store = st;
	app.nlu = (struct nlu_model *)m;
	uint64_t *prep = calloc(turns, sizeof *prep), *whole = calloc(turns, sizeof *whole);
	uint64_t *job = calloc(turns, sizeof *job);
	if (!prep || !whole || !job) {
		free(prep);
		free(whole);
		free(job);
		store_close(st);
		return -ENOMEM;
	}
	memset(res, 0, sizeof *res);
	size_t done = 0, script = 0;
	uint64_t t_start = clock_mono_ns();
	while (done < turns) {
		/* a new conversation every simulated 2 hours keeps the calendar realistic */
		now += 2 * 3600;
		struct conv_job cj = {.tenant_id = tenant, .now = now};
		if ((rc = store_write_sync(st, conv_create, &cj)))
			break;
		const char *const *s = scripts[script++ % N_SCRIPTS];
		for (size_t k = 0; s[k] && done < turns; k++, done++) {
			int64_t at = now + (int64_t)k * 20;
			struct dialog_out out;
			struct dialog_write *w = NULL;
			struct live_facts *f = NULL;
			dialog_out_init(&out);
			uint64_t t0 = clock_mono_ns();
			rc = live_facts_get(&app, tenant, at, &f);
			if (!rc)
				rc = dialog_write_prepare(store_reader(st), m, f->t, cj.id, s[k], NULL, at, 0,
							  live_facts_job_number(&app, tenant, false), &out, &w);
			bool books = false;
			for (size_t a = 0; !rc && a < out.n_actions; a++)
				books |= out.actions[a].kind == DIALOG_ACT_BOOK;
			if (books)
				live_facts_job_number(&app, tenant, true);
			uint64_t t1 = clock_mono_ns();
			struct timed_write tw = {.w = w};
			if (!rc) {
				rc = store_write_sync(st, timed_job, &tw);
				if (rc && dialog_write_fallback(w, rc))
					rc = store_write_sync(st, timed_job, &tw);
			}
			job[done] = tw.ns;
			uint64_t t2 = clock_mono_ns();
			if (!rc && json_object_get(dialog_write_effects(w), "appointment")) {
				res->booked++;
				live_facts_bookings_changed(&app, tenant);
			}
			if (rc)
				res->failed++;
			prep[done] = t1 - t0;
			whole[done] = t2 - t0;
			dialog_write_free(w);
			dialog_out_free(&out);
			live_facts_unref(f);
			rc = 0;
		}
	}
	res->seconds = (double)(clock_mono_ns() - t_start) / 1e9;
	res->turns = done;
	double sum = 0;
	for (size_t i = 0; i < done; i++)
		sum += (double)prep[i];
	res->prep_mean = done ? sum / (double)done / 1000.0 : 0;
	qsort(prep, done, sizeof *prep, cmp_u64);
	qsort(whole, done, sizeof *whole, cmp_u64);
	qsort(job, done, sizeof *job, cmp_u64);
	res->job_p50 = pct(job, done, 0.50);
	res->job_p99 = pct(job, done, 0.99);
	res->prep_p50 = pct(prep, done, 0.50);
	res->prep_p99 = pct(prep, done, 0.99);
	res->turn_p50 = pct(whole, done, 0.50);
	res->turn_p99 = pct(whole, done, 0.99);
	free(prep);
	free(whole);
	free(job);
	live_facts_free_all(&app);
	store_close(st);
	return rc;
}

static void print(const char *label, const struct result *r)
{
	printf("%-22s turns %zu (booked %zu, failed %zu): AI half p50 %.1f us p99 %.1f us; "
	       "write job p50 %.1f us p99 %.1f us; whole turn with commit p50 %.1f us p99 %.1f us; "
	       "%.0f turns/s end to end, %.0f turns/s of AI work on one core\n",
	       label, r->turns, r->booked, r->failed, r->prep_p50, r->prep_p99, r->job_p50,
	       r->job_p99, r->turn_p50, r->turn_p99, (double)r->turns / r->seconds,
	       1e6 / r->prep_mean);
}

/* ---- the server's asynchronous path: live.c with many conversations in flight ----- */

struct client;

struct live_run {
	struct app *app;
	int64_t tenant;
	size_t target, sent, done, failed;
	uint64_t *lat;
	struct client *clients;
	size_t n_clients;
	size_t script;
};

struct client {
	struct live_run *lr;
	int64_t conv;
	const char *const *s;
	size_t k;
	uint64_t t0;
	char cid[32];
};

static void client_next(struct client *cl);

static void on_turn(int rc, const struct live_turn_result *r, void *ctx)
{
	(void)r;
	struct client *cl = ctx;
	struct live_run *lr = cl->lr;
	if (rc)
		lr->failed++;
	lr->lat[lr->done++] = clock_mono_ns() - cl->t0;
	cl->k++;
	client_next(cl);
}

struct new_conv {
	struct conv_job cj;
	struct client *cl;
};

static void new_conv_done(int result, void *arg)
{
	struct new_conv *nc = arg;
	struct client *cl = nc->cl;
	if (result) {
		cl->lr->failed++;
		free(nc);
		return;
	}
	cl->conv = nc->cj.id;
	cl->k = 0;
	free(nc);
	client_next(cl);
}

static void client_next(struct client *cl)
{
	struct live_run *lr = cl->lr;
	if (lr->sent >= lr->target)
		return;
	if (!cl->s || !cl->s[cl->k]) {
		struct new_conv *nc = calloc(1, sizeof *nc);
		if (!nc)
			return;
		nc->cl = cl;
		nc->cj = (struct conv_job){.tenant_id = lr->tenant, .now = clock_now(NULL)};
		cl->s = scripts[lr->script++ % N_SCRIPTS];
		cl->conv = 0;
		if (store_write_async(lr->app->store, conv_create, &nc->cj, new_conv_done, nc))
			free(nc);
		return;
	}
	lr->sent++;
	snprintf(cl->cid, sizeof cl->cid, "c%zu", lr->sent);
	cl->t0 = clock_mono_ns();
	if (live_customer_message(lr->app, lr->tenant, cl->conv, cl->s[cl->k], cl->cid, "chat",
				  on_turn, cl, NULL)) {
		lr->failed++;
		lr->done++;
	}
}

/* turns customer messages through live.c (facts cache, serialised turns, asynchronous
 * writes with group commit) with n_clients conversations in flight at once. */
static int run_live(const char *dir, size_t turns, size_t n_clients, const struct nlu_model *m,
		    struct result *res)
{
	char path[512];
	snprintf(path, sizeof path, "%s/dialog-bench-live-%d.db", dir, (int)getpid());
	struct app *app = calloc(1, sizeof *app);
	struct live_run lr = {0};
	struct api_verr ve;
	int rc = -ENOMEM;
	if (!app)
		return rc;
	uv_loop_init(&app->loop);
	if ((rc = store_open(path, &app->store)) || (rc = store_attach_loop(app->store, &app->loop)))
		goto out;
	json_t *seed = seed_demo_document(&ve);
	rc = seed ? seed_apply(app->store, seed, NULL, 0, clock_now(NULL), &lr.tenant, &ve) : -EINVAL;
	json_decref(seed);
	if (rc || (rc = live_open(app)))
		goto out;
	app->nlu = (struct nlu_model *)m;
	lr.app = app;
	lr.target = turns;
	lr.lat = calloc(turns, sizeof *lr.lat);
	lr.clients = calloc(n_clients, sizeof *lr.clients);
	lr.n_clients = n_clients;
	if (!lr.lat || !lr.clients) {
		rc = -ENOMEM;
		goto out;
	}
	/* the store's handle does not keep the loop alive: this one does while we wait */
	uv_async_t keep;
	uv_async_init(&app->loop, &keep, NULL);
	uint64_t t_start = clock_mono_ns();
	for (size_t i = 0; i < n_clients; i++) {
		lr.clients[i].lr = &lr;
		client_next(&lr.clients[i]);
	}
	while (lr.done < turns && uv_run(&app->loop, UV_RUN_ONCE))
		;
	/* let the last writes finish */
	lr.target = lr.sent;
	while (lr.done < lr.sent && uv_run(&app->loop, UV_RUN_ONCE))
		;
	uv_close((uv_handle_t *)&keep, NULL);
	memset(res, 0, sizeof *res);
	res->seconds = (double)(clock_mono_ns() - t_start) / 1e9;
	res->turns = lr.done;
	res->failed = lr.failed;
	qsort(lr.lat, lr.done, sizeof *lr.lat, cmp_u64);
	res->turn_p50 = pct(lr.lat, lr.done, 0.50);
	res->turn_p99 = pct(lr.lat, lr.done, 0.99);
	rc = 0;
out:
	if (app->store) {
		store_close(app->store);
		uv_run(&app->loop, UV_RUN_DEFAULT);
	}
	app->store = NULL;
	live_close(app);
	uv_loop_close(&app->loop);
	free(lr.lat);
	free(lr.clients);
	free(app);
	char side[600];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	return rc;
}

static int run_file(const char *dir, size_t turns, const struct nlu_model *m, struct result *r)
{
	char path[512], side[600];
	snprintf(path, sizeof path, "%s/dialog-bench-%d.db", dir, (int)getpid());
	int rc = run(path, turns, m, r);
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	return rc;
}

int main(int argc, char **argv)
{
	size_t turns = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	size_t fsync_turns = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;
	const char *dir = argc > 3 ? argv[3] : ".";
	const char *mem_dir = argc > 4 ? argv[4] : "/dev/shm";
	size_t live_turns = argc > 5 ? strtoul(argv[5], NULL, 10) : 20000;
	char err[256];
	struct nlu_model *m = NULL;
	if (nlu_model_builtin(&m, err, sizeof err)) {
		fprintf(stderr, "model: %s\n", err);
		return 1;
	}
	/* the same database file code on tmpfs, where fsync costs nothing: the whole write
	 * without the disk; then on the real disk with fsync */
	struct result shm, disk, live;
	int rc = run_file(mem_dir, turns, m, &shm);
	if (!rc)
		rc = run_file(dir, fsync_turns, m, &disk);
	if (!rc)
		rc = run_live(dir, live_turns, 64, m, &live);
	nlu_model_free(m);
	if (rc)
		return 1;
	print("write on tmpfs", &shm);
	print("write on disk (fsync)", &disk);
	printf("%-22s turns %zu (failed %zu), 64 conversations at once through live.c, group "
	       "commit: message to answer p50 %.1f us p99 %.1f us; %.0f turns/s\n",
	       "server path on disk", live.turns, live.failed, live.turn_p50, live.turn_p99,
	       (double)live.turns / live.seconds);
	return 0;
}
