/* test_writer.c: the single writer: group commit from a libuv loop, done callbacks on
 * the loop thread after COMMIT, a failing job rolled back alone, draining at close, and
 * concurrent double booking of one appointment window (exactly one wins). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_store.h"
#include "base/err.h"
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

#define N_JOBS 400

struct run;

struct item {
	struct run *run;
	int index;
	int64_t tenant_id;
	int job_rc;        /* what the job itself returned */
	int done_rc;       /* what the done callback received */
	bool done;
	bool on_loop;      /* the done callback ran on the loop thread */
	bool visible;      /* its row was readable when done ran */
};

struct run {
	struct store *s;
	uv_thread_t loop_thread;
	struct item items[N_JOBS];
	int n_done;
	int order[N_JOBS];
	uv_timer_t timer;
	int ticks;
};

/* Every seventh job inserts its row and then fails: its row must vanish. */
static bool should_fail(int i)
{
	return i % 7 == 3;
}

static int job_insert(struct store_conn *c, void *arg)
{
	struct item *it = arg;
	char slug[32];
	snprintf(slug, sizeof slug, "t-%d", it->index);
	int err = store_tenant_create(c, slug, "Group Commit", "UTC", NULL, &it->tenant_id);
	if (!err && should_fail(it->index))
		err = -TN_EINVAL_FIELD;
	it->job_rc = err;
	return err;
}

static void done_insert(int result, void *arg)
{
	struct item *it = arg;
	uv_thread_t self = uv_thread_self();
	it->on_loop = uv_thread_equal(&self, &it->run->loop_thread);
	it->done_rc = result;
	it->done = true;
	json_t *t = NULL;
	char slug[32];
	snprintf(slug, sizeof slug, "t-%d", it->index);
	it->visible = store_tenant_get_by_slug(store_reader(it->run->s), slug, &t) == 0;
	json_decref(t);
	it->run->order[it->run->n_done++] = it->index;
}

static void on_tick(uv_timer_t *t)
{
	struct run *r = t->data;
	if (r->n_done == N_JOBS || ++r->ticks > 6000)
		uv_close((uv_handle_t *)t, NULL);
}

static void test_group_commit_from_loop(void **state)
{
	(void)state;
	char *dir = th_tmpdir();
	char *path = th_path(dir, "w.db");
	struct run *r = calloc(1, sizeof *r);
	assert_non_null(r);
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	r->s = th_open(path);
	r->loop_thread = uv_thread_self();
	assert_int_equal(store_attach_loop(r->s, &loop), 0);
	assert_int_equal(store_attach_loop(r->s, &loop), -EINVAL);

	for (int i = 0; i < N_JOBS; i++) {
		r->items[i] = (struct item){.run = r, .index = i};
		assert_int_equal(store_write_async(r->s, job_insert, &r->items[i], done_insert,
		                                   &r->items[i]), 0);
	}
	/* Nothing is reported before the loop runs. */
	assert_int_equal(r->n_done, 0);
	uv_timer_init(&loop, &r->timer);
	r->timer.data = r;
	uv_timer_start(&r->timer, on_tick, 5, 5);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(r->n_done, N_JOBS);

	int failed = 0;
	for (int i = 0; i < N_JOBS; i++) {
		struct item *it = &r->items[i];
		assert_true(it->done);
		assert_true(it->on_loop);
		assert_int_equal(r->order[i], i);  /* FIFO */
		assert_int_equal(it->done_rc, it->job_rc);
		if (should_fail(i)) {
			assert_int_equal(it->done_rc, -TN_EINVAL_FIELD);
			assert_false(it->visible);
			failed++;
		} else {
			if (it->done_rc != 0)
				fail_msg("job %d: %d", i, it->done_rc);
			assert_true(it->visible);  /* committed before it was acknowledged */
		}
	}
	struct store_conn *c = store_reader(r->s);
	assert_int_equal(th_scalar(c, "SELECT COUNT(*) FROM tenants"), N_JOBS - failed);
	struct store_stats st;
	store_stats_get(r->s, &st);
	assert_int_equal(st.jobs, N_JOBS);
	assert_int_equal(st.failed, failed);
	assert_true(st.batches >= 2);  /* a batch holds at most 256 jobs */
	assert_true(st.batches < N_JOBS / 2);  /* jobs were grouped */

	store_close(r->s);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);

	/* All of it survived. */
	struct store *s = th_open(path);
	assert_int_equal(th_scalar(store_reader(s), "SELECT COUNT(*) FROM tenants"),
	                 N_JOBS - failed);
	store_close(s);
	free(r);
	free(path);
	th_rmdir(dir);
}

struct closefx {
	int n_done;
	int n_ok;
	uv_thread_t me;
	bool all_on_me;
};

struct close_item {
	struct closefx *fx;
	int index;
};

static int job_close(struct store_conn *c, void *arg)
{
	struct close_item *it = arg;
	char slug[32];
	snprintf(slug, sizeof slug, "c-%d", it->index);
	return store_tenant_create(c, slug, "Closing", "UTC", NULL, NULL);
}

static void done_close(int result, void *arg)
{
	struct close_item *it = arg;
	uv_thread_t self = uv_thread_self();
	if (!uv_thread_equal(&self, &it->fx->me))
		it->fx->all_on_me = false;
	it->fx->n_done++;
	if (result == 0)
		it->fx->n_ok++;
}

static void test_close_drains_queue(void **state)
{
	(void)state;
	char *dir = th_tmpdir();
	char *path = th_path(dir, "c.db");
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	struct store *s = th_open(path);
	assert_int_equal(store_attach_loop(s, &loop), 0);
	struct closefx fx = {.me = uv_thread_self(), .all_on_me = true};
	static struct close_item items[200];
	for (int i = 0; i < 200; i++) {
		items[i] = (struct close_item){&fx, i};
		assert_int_equal(store_write_async(s, job_close, &items[i], done_close, &items[i]), 0);
	}
	store_close(s);  /* without running the loop: close finishes and reports everything */
	assert_int_equal(fx.n_done, 200);
	assert_int_equal(fx.n_ok, 200);
	assert_true(fx.all_on_me);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);

	s = th_open(path);
	assert_int_equal(th_scalar(store_reader(s), "SELECT COUNT(*) FROM tenants"), 200);
	store_close(s);
	free(path);
	th_rmdir(dir);
}

struct nestfx {
	struct store *s;
	int inner;
};

static int job_noop(struct store_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	return 0;
}

static int job_nested(struct store_conn *c, void *arg)
{
	(void)c;
	struct nestfx *f = arg;
	f->inner = store_write_sync(f->s, job_noop, NULL);
	return 0;
}

static int job_leaves_stmt_open(struct store_conn *c, void *arg)
{
	(void)arg;
	struct store_stmt *st;
	int err = store_prepare(c, "SELECT id FROM tenants", &st);
	if (err)
		return err;
	store_step(st);
	/* forgot store_stmt_finish: the writer cleans up after the job */
	return store_tenant_create(c, "after-leak", "Leaky", "UTC", NULL, NULL);
}

static void test_misuse_is_refused(void **state)
{
	(void)state;
	struct store *s = th_open(":memory:");
	struct nestfx f = {.s = s, .inner = 1};
	assert_int_equal(store_write_sync(s, job_nested, &f), 0);
	assert_int_equal(f.inner, -EDEADLK);
	/* A done callback needs a loop to run on. */
	assert_int_equal(store_write_async(s, job_noop, NULL, done_close, NULL), -EINVAL);
	assert_int_equal(store_write_async(s, NULL, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(store_write_sync(s, NULL, NULL), -EINVAL);
	/* Fire and forget works without a loop. */
	assert_int_equal(store_write_async(s, job_noop, NULL, NULL, NULL), 0);
	/* A job that forgets to finish a statement does not wedge the writer. */
	assert_int_equal(store_write_sync(s, job_leaves_stmt_open, NULL), 0);
	assert_int_equal(store_write_sync(s, job_noop, NULL), 0);
	assert_int_equal(th_scalar(store_reader(s), "SELECT COUNT(*) FROM tenants"), 1);
	store_close(s);
}

/* ---- a job that breaks the batch's transaction ---- */

struct broken {
	uv_sem_t gate;
	uv_sem_t entered;
	int rc[4];
	int n_done;
	int64_t ids[4];
};

struct broken_item {
	struct broken *b;
	int index;
};

static int job_gate(struct store_conn *c, void *arg)
{
	(void)c;
	struct broken_item *it = arg;
	uv_sem_post(&it->b->entered);
	uv_sem_wait(&it->b->gate);  /* hold the writer until the next batch is queued */
	return 0;
}

static int job_broken(struct store_conn *c, void *arg)
{
	struct broken_item *it = arg;
	if (it->index == 2)
		return store_exec(c, "ROLLBACK");  /* misuse: ends the whole transaction */
	char slug[16];
	snprintf(slug, sizeof slug, "brk-%d", it->index);
	return store_tenant_create(c, slug, "Broken", "UTC", NULL, &it->b->ids[it->index]);
}

static void done_broken(int result, void *arg)
{
	struct broken_item *it = arg;
	it->b->rc[it->index] = result;
	it->b->n_done++;
}

static void test_job_ending_transaction_fails_its_batch_only(void **state)
{
	(void)state;
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	struct store *s = th_open(":memory:");
	assert_int_equal(store_attach_loop(s, &loop), 0);
	struct broken b = {.rc = {1, 1, 1, 1}};
	assert_int_equal(uv_sem_init(&b.gate, 0), 0);
	assert_int_equal(uv_sem_init(&b.entered, 0), 0);
	struct broken_item items[4] = {{&b, 0}, {&b, 1}, {&b, 2}, {&b, 3}};
	assert_int_equal(store_write_async(s, job_gate, &items[0], done_broken, &items[0]), 0);
	uv_sem_wait(&b.entered);  /* the gate job's batch has started without the others */
	/* Jobs 1, 2 and 3 queue up behind the gate and run as one batch. */
	for (int i = 1; i < 4; i++)
		assert_int_equal(store_write_async(s, job_broken, &items[i], done_broken, &items[i]), 0);
	uv_sem_post(&b.gate);
	store_close(s);  /* drains and reports */
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	uv_sem_destroy(&b.gate);
	uv_sem_destroy(&b.entered);
	assert_int_equal(b.n_done, 4);
	assert_int_equal(b.rc[0], 0);
	assert_int_equal(b.rc[1], -TN_ESTORE);  /* lost with the transaction: never reported ok */
	assert_int_equal(b.rc[2], -TN_ESTORE);
	assert_int_equal(b.rc[3], 0);           /* the rest of the batch went on */
}

static void test_job_ending_transaction_rows(void **state)
{
	(void)state;
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	struct store *s = th_open(":memory:");
	assert_int_equal(store_attach_loop(s, &loop), 0);
	struct broken b = {.rc = {1, 1, 1, 1}};
	assert_int_equal(uv_sem_init(&b.gate, 0), 0);
	assert_int_equal(uv_sem_init(&b.entered, 0), 0);
	struct broken_item items[4] = {{&b, 0}, {&b, 1}, {&b, 2}, {&b, 3}};
	assert_int_equal(store_write_async(s, job_gate, &items[0], done_broken, &items[0]), 0);
	uv_sem_wait(&b.entered);  /* the gate job's batch has started without the others */
	for (int i = 1; i < 4; i++)
		assert_int_equal(store_write_async(s, job_broken, &items[i], done_broken, &items[i]), 0);
	uv_sem_post(&b.gate);
	/* A sync job queued last runs after all of them. */
	assert_int_equal(store_write_sync(s, job_noop, NULL), 0);
	struct store_conn *c = store_reader(s);
	json_t *t = NULL;
	assert_int_equal(store_tenant_get_by_slug(c, "brk-1", &t), -TN_ENOTFOUND);
	assert_int_equal(store_tenant_get_by_slug(c, "brk-3", &t), 0);
	json_decref(t);
	store_close(s);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	uv_sem_destroy(&b.gate);
	uv_sem_destroy(&b.entered);
	assert_int_equal(b.n_done, 4);
}

/* ---- double booking ---- */

struct booking_setup {
	int64_t tenant, customer, tech;
};

TH_JOB(job_setup_booking, booking_setup,
	int err = store_tenant_create(c, "book", "Booking Co", "America/New_York", NULL, &f->tenant);
	struct store_customer cu = {.name = "Linda Smith", .zip = "28207"};
	struct store_technician t = {.name = "Dana Whitfield", .active = true};
	if (!err)
		err = store_customer_create(c, f->tenant, &cu, 1000, &f->customer);
	if (!err)
		err = store_technician_create(c, f->tenant, &t, &f->tech);
	return err;)

struct racer {
	struct store *s;
	struct booking_setup *setup;
	uv_barrier_t *barrier;
	int round;
	int who;
	int rc;
};

static int job_book(struct store_conn *c, void *arg)
{
	struct racer *r = arg;
	char job[32];
	snprintf(job, sizeof job, "J-%d%d", r->round, r->who);
	int64_t slot = 1800000000 + (int64_t)r->round * 7200;
	struct store_appointment a = {
		.customer_id = r->setup->customer, .technician_id = r->setup->tech,
		.service_code = "drain_cleaning", .trade = "plumbing", .start_at = slot,
		.end_at = slot + 7200, .job_number = job,
	};
	return store_appointment_book(c, r->setup->tenant, &a, &slot, 1, NULL);
}

static void racer_main(void *arg)
{
	struct racer *r = arg;
	uv_barrier_wait(r->barrier);
	r->rc = store_write_sync(r->s, job_book, r);
}

static void race(struct store *s1, struct store *s2, struct booking_setup *setup, int rounds)
{
	for (int round = 0; round < rounds; round++) {
		uv_barrier_t barrier;
		uv_barrier_init(&barrier, 2);
		struct racer a = {s1, setup, &barrier, round, 1, 1};
		struct racer b = {s2, setup, &barrier, round, 2, 1};
		uv_thread_t ta, tb;
		assert_int_equal(uv_thread_create(&ta, racer_main, &a), 0);
		assert_int_equal(uv_thread_create(&tb, racer_main, &b), 0);
		uv_thread_join(&ta);
		uv_thread_join(&tb);
		uv_barrier_destroy(&barrier);
		int wins = (a.rc == 0) + (b.rc == 0);
		if (wins != 1 || (a.rc != 0 && a.rc != -TN_ECONFLICT) ||
		    (b.rc != 0 && b.rc != -TN_ECONFLICT))
			fail_msg("round %d: rc %d and %d", round, a.rc, b.rc);
	}
}

static void test_double_booking_one_store(void **state)
{
	(void)state;
	struct store *s = th_open(":memory:");
	struct booking_setup setup = {0};
	assert_int_equal(store_write_sync(s, job_setup_booking, &setup), 0);
	race(s, s, &setup, 25);
	struct store_conn *c = store_reader(s);
	assert_int_equal(th_scalar(c, "SELECT COUNT(*) FROM appointments"), 25);
	assert_int_equal(th_scalar(c, "SELECT COUNT(*) FROM appointment_slots"), 25);
	store_close(s);
}

/* Two stores on one file stand for two processes (or nodes) sharing the database: the
 * window's primary key still lets exactly one of them win. */
static void test_double_booking_two_writers(void **state)
{
	(void)state;
	char *dir = th_tmpdir();
	char *path = th_path(dir, "b.db");
	struct store *s1 = th_open(path);
	struct store *s2 = th_open(path);
	struct booking_setup setup = {0};
	assert_int_equal(store_write_sync(s1, job_setup_booking, &setup), 0);
	race(s1, s2, &setup, 25);
	assert_int_equal(th_scalar(store_reader(s2), "SELECT COUNT(*) FROM appointments"), 25);
	assert_int_equal(th_scalar(store_reader(s1), "SELECT COUNT(*) FROM appointment_slots"), 25);
	store_close(s1);
	store_close(s2);
	free(path);
	th_rmdir(dir);
}

/* Checkpoints run on their own thread: a long run of large writes keeps the WAL file
 * bounded (without any checkpoint it would hold every page written), and every row is
 * there after a reopen. */
static int job_scratch_table(struct store_conn *c, void *arg)
{
	(void)arg;
	return store_exec(c, "CREATE TABLE IF NOT EXISTS scratch (x BLOB NOT NULL)");
}

static int job_big_row(struct store_conn *c, void *arg)
{
	(void)arg;
	return store_exec(c, "INSERT INTO scratch VALUES (randomblob(65536))");
}

static void test_checkpoints_keep_wal_bounded(void **state)
{
	(void)state;
	char *dir = th_tmpdir();
	char *path = th_path(dir, "w.db");
	char *wal = th_path(dir, "w.db-wal");
	struct store *s = th_open(path);
	assert_int_equal(store_write_sync(s, job_scratch_table, NULL), 0);
	enum { ROWS = 1200 }; /* about 77 MiB of pages through the WAL */
	long max_wal = 0;
	for (int i = 0; i < ROWS; i++) {
		assert_int_equal(store_write_sync(s, job_big_row, NULL), 0);
		struct stat st;
		if (stat(wal, &st) == 0 && st.st_size > max_wal)
			max_wal = st.st_size;
	}
	struct store_stats stats;
	store_stats_get(s, &stats);
	assert_true(stats.checkpoints > 0);
	/* the writer's own limit: 8,000 frames of a 4 KiB page and its 24-byte header, plus
	 * a few commits' frames (without checkpoints: 1,200 rows of 17 frames, 84 MB) */
	assert_true(max_wal <= 8100L * (4096 + 24) + 32);
	store_close(s);
	s = th_open(path);
	assert_int_equal(th_scalar(store_reader(s), "SELECT COUNT(*) FROM scratch"), ROWS);
	store_close(s);
	free(wal);
	free(path);
	th_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_commit_from_loop),
		cmocka_unit_test(test_close_drains_queue),
		cmocka_unit_test(test_misuse_is_refused),
		cmocka_unit_test(test_job_ending_transaction_fails_its_batch_only),
		cmocka_unit_test(test_job_ending_transaction_rows),
		cmocka_unit_test(test_double_booking_one_store),
		cmocka_unit_test(test_checkpoints_keep_wal_bounded),
		cmocka_unit_test(test_double_booking_two_writers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
