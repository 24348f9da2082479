/* writer.c: opening the store, the single writer thread with group commit, and the
 * hand-back of results to the loop thread. See docs/internals/store.md. */
#include "store/internal.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A batch is cut at this many jobs so the first job of a burst is acknowledged after one
 * short commit, not after the whole burst. */
#define STORE_BATCH_MAX 256

/* WAL checkpoints run on their own thread and connection, so a commit does not wait for
 * one: the writer wakes the checkpointer each time the WAL has grown by this many pages
 * (SQLite's own default for its automatic checkpoint) ... */
#define STORE_CKPT_PAGES 1000
/* ... and when the checkpointer has not kept up (readers held old snapshots, or writes
 * outran it) and the WAL reaches this many pages, the writer checkpoints the whole WAL
 * itself between two commits, as SQLite would, so the file cannot grow without bound. */
#define STORE_CKPT_PAGES_LIMIT 8000

struct job {
	store_job_fn *fn;
	void *arg;
	store_done_fn *done;
	void *done_arg;
	int result;
	bool sync;         /* a store_write_sync waiter owns this job (on its stack) */
	bool finished;     /* sync only: set under the lock when result is final */
	struct job *next;
};

struct job_list {
	struct job *head, *tail;
};

struct store {
	struct store_conn *writer;
	struct store_conn *reader;
	uv_thread_t thread;
	bool thread_started;

	uv_mutex_t lock;      /* guards everything below */
	uv_cond_t wake;       /* the writer waits for jobs on it */
	uv_cond_t synced;     /* sync callers wait for their job on it */
	struct job_list queue;
	struct job_list done; /* finished async jobs waiting for the loop */
	bool stopping;

	uv_async_t *async;    /* owned; freed in its close callback */

	/* the checkpointer (disk databases only) */
	struct store_conn *ckpt;
	uv_thread_t ckpt_thread;
	bool ckpt_started;
	uv_cond_t ckpt_wake;  /* under lock */
	bool ckpt_wanted;     /* under lock */
	int ckpt_mark;        /* writer thread only: the WAL's size at the last request */
	int full_mark;        /* writer thread only: ... at the writer's last own checkpoint */

	_Atomic uint64_t n_jobs, n_batches, n_failed, n_ckpt;
};

static void list_push(struct job_list *l, struct job *j)
{
	j->next = NULL;
	if (l->tail)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
}

static struct job *list_take(struct job_list *l)
{
	struct job *h = l->head;
	l->head = l->tail = NULL;
	return h;
}

/* Takes at most max jobs from the front of l. */
static struct job *list_take_n(struct job_list *l, int max)
{
	struct job *h = l->head, *last = h;
	if (!h)
		return NULL;
	for (int i = 1; i < max && last->next; i++)
		last = last->next;
	l->head = last->next;
	if (!l->head)
		l->tail = NULL;
	last->next = NULL;
	return h;
}

/* ---- the writer thread ---- */

/* Runs one job inside its own savepoint. */
static int run_job(struct store *s, struct job *j)
{
	struct store_conn *c = s->writer;
	int err = store_exec(c, "SAVEPOINT job");
	if (err)
		return err;
	int r = j->fn(c, j->arg);
	int leaked = store__conn_release_all(c);
	if (leaked)
		log_warn("store: a write job left %d statement(s) unfinished", leaked);
	if (sqlite3_get_autocommit(c->db))
		return r < 0 ? r : -TN_ESTORE;  /* the library rolled the whole batch back */
	if (r < 0) {
		store_exec(c, "ROLLBACK TO job");
		store_exec(c, "RELEASE job");
		return r;
	}
	err = store_exec(c, "RELEASE job");
	return err ? err : r;
}

static void fail_all(struct job *from, struct job *to, int err)
{
	for (struct job *j = from; j != to; j = j->next)
		if (j->result >= 0)
			j->result = err;
}

/* Runs a batch as one transaction and sets each job's result. */
static void run_batch(struct store *s, struct job *batch)
{
	struct store_conn *c = s->writer;
	struct job *start = batch;  /* first job of the current transaction */
	int err = store_exec(c, "BEGIN IMMEDIATE");
	if (err) {
		fail_all(batch, NULL, err);
		return;
	}
	for (struct job *j = batch; j; j = j->next) {
		j->result = run_job(s, j);
		if (sqlite3_get_autocommit(c->db)) {
			/* The transaction is gone (I/O error, out of memory, ...): everything of it
			 * is lost. Fail those jobs honestly and start over for the rest. */
			fail_all(start, j->next, j->result < 0 ? j->result : -TN_ESTORE);
			start = j->next;
			if (start && (err = store_exec(c, "BEGIN IMMEDIATE"))) {
				fail_all(start, NULL, err);
				return;
			}
		}
	}
	if (!start)
		return;
	atomic_fetch_add(&s->n_batches, 1);
	if ((err = store_exec(c, "COMMIT"))) {
		log_error("store: COMMIT failed: %s", tn_strerror(err));
		if (!sqlite3_get_autocommit(c->db))
			store_exec(c, "ROLLBACK");
		fail_all(start, NULL, err);
	}
}

static void writer_main(void *arg)
{
	struct store *s = arg;
	for (;;) {
		uv_mutex_lock(&s->lock);
		while (!s->queue.head && !s->stopping)
			uv_cond_wait(&s->wake, &s->lock);
		struct job *batch = list_take_n(&s->queue, STORE_BATCH_MAX);
		uv_mutex_unlock(&s->lock);
		if (!batch)
			break;  /* stopping and drained */

		run_batch(s, batch);

		/* Hand results back only now that COMMIT has returned. */
		bool notify = false;
		uv_mutex_lock(&s->lock);
		struct job *j = batch;
		while (j) {
			struct job *next = j->next;
			atomic_fetch_add(&s->n_jobs, 1);
			if (j->result < 0)
				atomic_fetch_add(&s->n_failed, 1);
			if (j->sync) {
				j->finished = true;
			} else if (j->done) {
				list_push(&s->done, j);
				notify = true;
			} else {
				if (j->result < 0)
					log_warn("store: write job failed: %s", tn_strerror(j->result));
				free(j);
			}
			j = next;
		}
		uv_cond_broadcast(&s->synced);
		if (notify && s->async)
			uv_async_send(s->async);
		uv_mutex_unlock(&s->lock);
	}
}

/* ---- checkpoints ---- */

/* SQLite calls this on the writer thread after each commit with the WAL's page count
 * (it replaces the automatic checkpoint, which would run inside the commit). */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)name;
	struct store *s = arg;
	/* a WAL that started over is below the marks of the last requests */
	if (pages < s->ckpt_mark)
		s->ckpt_mark = 0;
	if (pages < s->full_mark)
		s->full_mark = 0;
	if (pages >= STORE_CKPT_PAGES_LIMIT && pages >= s->full_mark + STORE_CKPT_PAGES) {
		/* FULL waits (busy handler) for a checkpoint in progress, then copies every
		 * frame: the next write starts the WAL from its beginning again (unless a
		 * reader still holds an old snapshot: then again after more growth) */
		s->full_mark = s->ckpt_mark = pages;
		int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_FULL, NULL, NULL);
		atomic_fetch_add(&s->n_ckpt, 1);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warn("store: checkpoint failed: %s", sqlite3_errmsg(db));
		return SQLITE_OK;
	}
	/* one request per STORE_CKPT_PAGES of growth, not one per commit: each checkpoint
	 * flushes the database file, and the writer's own flushes share the disk */
	if (pages < s->ckpt_mark + STORE_CKPT_PAGES)
		return SQLITE_OK;
	s->ckpt_mark = pages;
	uv_mutex_lock(&s->lock);
	if (!s->ckpt_wanted) {
		s->ckpt_wanted = true;
		uv_cond_signal(&s->ckpt_wake);
	}
	uv_mutex_unlock(&s->lock);
	return SQLITE_OK;
}

static void ckpt_main(void *arg)
{
	struct store *s = arg;
	for (;;) {
		uv_mutex_lock(&s->lock);
		while (!s->ckpt_wanted && !s->stopping)
			uv_cond_wait(&s->ckpt_wake, &s->lock);
		bool stop = s->stopping;
		s->ckpt_wanted = false;
		uv_mutex_unlock(&s->lock);
		if (stop)
			break;
		/* PASSIVE never waits for the writer or for readers */
		int rc = sqlite3_wal_checkpoint_v2(s->ckpt->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
		                                   NULL, NULL);
		atomic_fetch_add(&s->n_ckpt, 1);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warn("store: checkpoint failed: %s", sqlite3_errmsg(s->ckpt->db));
	}
}

/* Starts the checkpointer: its own connection, and the writer's hook that wakes it. */
static int ckpt_start(struct store *s, const char *name)
{
	int err = store__conn_open(name, false, &s->ckpt);
	if (err)
		return err;
	if (uv_cond_init(&s->ckpt_wake))
		return -ENOMEM;
	sqlite3_wal_hook(s->writer->db, wal_hook, s);
	if (uv_thread_create(&s->ckpt_thread, ckpt_main, s)) {
		sqlite3_wal_autocheckpoint(s->writer->db, STORE_CKPT_PAGES);
		uv_cond_destroy(&s->ckpt_wake);
		return -ENOMEM;
	}
	s->ckpt_started = true;
	return 0;
}

/* Stops the checkpointer (s->stopping must be set) and closes its connection. The
 * writer's close checkpoints what is left. */
static void ckpt_stop(struct store *s)
{
	if (s->ckpt_started) {
		uv_mutex_lock(&s->lock);
		s->stopping = true;
		uv_cond_signal(&s->ckpt_wake);
		uv_mutex_unlock(&s->lock);
		uv_thread_join(&s->ckpt_thread);
		uv_cond_destroy(&s->ckpt_wake);
		s->ckpt_started = false;
	}
	store__conn_close(s->ckpt);
	s->ckpt = NULL;
}

/* ---- done callbacks on the loop thread ---- */

static void deliver_done(struct store *s)
{
	uv_mutex_lock(&s->lock);
	struct job *j = list_take(&s->done);
	uv_mutex_unlock(&s->lock);
	while (j) {
		struct job *next = j->next;
		j->done(j->result, j->done_arg);
		free(j);
		j = next;
	}
}

static void on_async(uv_async_t *h)
{
	deliver_done(h->data);
}

static void on_async_closed(uv_handle_t *h)
{
	free(h);
}

/* ---- public ---- */

static _Atomic unsigned mem_counter;

/* Copies the database file at src into the (empty, in-memory) connection c. The file is
 * read through its own connection (so a WAL file is read consistently), its image is
 * marked as a rollback-journal database (an in-memory database cannot use WAL) and
 * copied in with the backup API. */
static int copy_from(struct store_conn *c, const char *src)
{
	if (access(src, R_OK))
		return -errno;
	sqlite3 *from = NULL, *tmp = NULL;
	unsigned char *image = NULL;
	sqlite3_int64 size = 0;
	int err = 0;
	int rc = sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK)
		goto out;
	sqlite3_busy_timeout(from, 10000);
	image = sqlite3_serialize(from, "main", &size, 0);
	if (!image || size < 100) {
		rc = image ? SQLITE_NOTADB : sqlite3_errcode(from);
		if (rc == SQLITE_OK)
			rc = SQLITE_NOTADB;
		goto out;
	}
	image[18] = 1;  /* file format write version: legacy (not WAL) */
	image[19] = 1;  /* read version */
	if ((rc = sqlite3_open_v2(":memory:", &tmp, SQLITE_OPEN_READWRITE, NULL)) != SQLITE_OK)
		goto out;
	rc = sqlite3_deserialize(tmp, "main", image, size, size,
	                         SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
	image = NULL;  /* owned by tmp now, even on failure */
	if (rc != SQLITE_OK)
		goto out;
	sqlite3_backup *b = sqlite3_backup_init(c->db, "main", tmp, "main");
	if (!b) {
		rc = sqlite3_errcode(c->db);
		goto out;
	}
	rc = sqlite3_backup_step(b, -1);
	int fin = sqlite3_backup_finish(b);
	rc = rc == SQLITE_DONE ? fin : rc;
out:
	if (rc != SQLITE_OK) {
		log_error("store: cannot copy '%s' into memory: %s", src,
		          tmp ? sqlite3_errmsg(tmp) : from ? sqlite3_errmsg(from) : sqlite3_errstr(rc));
		err = rc == SQLITE_NOMEM ? -ENOMEM : -TN_ESTORE;
	}
	sqlite3_free(image);
	sqlite3_close(tmp);
	sqlite3_close(from);
	return err;
}

static int open_store(const char *path, const char *copy_src, struct store **out)
{
	int err = 0;
	char *uri = NULL;
	struct store *s = NULL;
	*out = NULL;
	if (!path || !*path)
		return -EINVAL;
	bool memory = !strcmp(path, ":memory:");
	struct buf b = BUF_INIT;
	if (memory) {
		/* A named in-memory database shared by this store's two connections only. */
		if (buf_printf(&b, "file:/tandem-mem-%ld-%u?vfs=memdb", (long)getpid(),
		               atomic_fetch_add(&mem_counter, 1))) {
			err = -ENOMEM;
			goto out;
		}
		uri = buf_take(&b);
		if (!uri) {
			err = -ENOMEM;
			goto out;
		}
	}
	const char *name = memory ? uri : path;

	s = calloc(1, sizeof *s);
	if (!s) {
		err = -ENOMEM;
		goto out;
	}
	if (uv_mutex_init(&s->lock)) {
		free(s);
		s = NULL;
		err = -ENOMEM;
		goto out;
	}
	uv_cond_init(&s->wake);
	uv_cond_init(&s->synced);

	if ((err = store__conn_open(name, true, &s->writer)))
		goto out;
	if (copy_src && (err = copy_from(s->writer, copy_src)))
		goto out;
	if (!memory) {
		struct store_stmt *st;
		if ((err = store_prepare(s->writer, "PRAGMA journal_mode=WAL", &st)))
			goto out;
		const char *mode = store_step(st) == STORE_ROW ? store_col_text(st, 0) : NULL;
		bool wal = mode && !strcmp(mode, "wal");
		store_stmt_finish(st);
		if (!wal) {
			log_error("store: cannot switch '%s' to WAL mode", path);
			err = -TN_ESTORE;
			goto out;
		}
	}
	if ((err = store__migrate(s->writer)))
		goto out;
	if ((err = store__conn_open(name, false, &s->reader)))
		goto out;
	if (!memory && (err = ckpt_start(s, name)))
		goto out;
	if (uv_thread_create(&s->thread, writer_main, s)) {
		err = -ENOMEM;
		goto out;
	}
	s->thread_started = true;
out:
	free(uri);
	if (err && s) {
		ckpt_stop(s);
		store__conn_close(s->reader);
		store__conn_close(s->writer);
		uv_cond_destroy(&s->synced);
		uv_cond_destroy(&s->wake);
		uv_mutex_destroy(&s->lock);
		free(s);
		s = NULL;
	}
	*out = s;
	return err;
}

int store_open(const char *path, struct store **out)
{
	return open_store(path, NULL, out);
}

int store_open_copy(const char *src_path, struct store **out)
{
	*out = NULL;
	if (!src_path || !*src_path || !strcmp(src_path, ":memory:"))
		return -EINVAL;
	return open_store(":memory:", src_path, out);
}

int store_attach_loop(struct store *s, uv_loop_t *loop)
{
	if (!s || !loop || s->async)
		return -EINVAL;
	uv_async_t *a = calloc(1, sizeof *a);
	if (!a)
		return -ENOMEM;
	int err = uv_async_init(loop, a, on_async);
	if (err) {
		free(a);
		return err;
	}
	a->data = s;
	uv_unref((uv_handle_t *)a);
	uv_mutex_lock(&s->lock);
	s->async = a;
	uv_mutex_unlock(&s->lock);
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	uv_mutex_lock(&s->lock);
	s->stopping = true;
	uv_cond_signal(&s->wake);
	uv_mutex_unlock(&s->lock);
	if (s->thread_started)
		uv_thread_join(&s->thread);
	ckpt_stop(s);
	deliver_done(s);
	if (s->async) {
		s->async->data = NULL;
		uv_close((uv_handle_t *)s->async, on_async_closed);
	}
	store__conn_close(s->reader);
	if (s->writer)
		store_exec(s->writer, "PRAGMA optimize");  /* refresh planner statistics */
	store__conn_close(s->writer);
	uv_cond_destroy(&s->synced);
	uv_cond_destroy(&s->wake);
	uv_mutex_destroy(&s->lock);
	free(s);
}

struct store_conn *store_reader(struct store *s)
{
	return s ? s->reader : NULL;
}

static bool on_writer_thread(struct store *s)
{
	uv_thread_t self = uv_thread_self();
	return s->thread_started && uv_thread_equal(&self, &s->thread);
}

int store_write_async(struct store *s, store_job_fn *job, void *job_arg,
                      store_done_fn *done, void *done_arg)
{
	if (!s || !job || on_writer_thread(s))
		return -EINVAL;
	struct job *j = calloc(1, sizeof *j);
	if (!j)
		return -ENOMEM;
	j->fn = job;
	j->arg = job_arg;
	j->done = done;
	j->done_arg = done_arg;
	int err = 0;
	uv_mutex_lock(&s->lock);
	if (s->stopping || (done && !s->async)) {
		err = -EINVAL;
	} else {
		list_push(&s->queue, j);
		uv_cond_signal(&s->wake);
	}
	uv_mutex_unlock(&s->lock);
	if (err)
		free(j);
	return err;
}

int store_write_sync(struct store *s, store_job_fn *job, void *arg)
{
	if (!s || !job)
		return -EINVAL;
	if (on_writer_thread(s))
		return -EDEADLK;
	struct job j = {.fn = job, .arg = arg, .sync = true};
	uv_mutex_lock(&s->lock);
	if (s->stopping) {
		uv_mutex_unlock(&s->lock);
		return -EINVAL;
	}
	list_push(&s->queue, &j);
	uv_cond_signal(&s->wake);
	while (!j.finished)
		uv_cond_wait(&s->synced, &s->lock);
	uv_mutex_unlock(&s->lock);
	return j.result;
}

void store_stats_get(struct store *s, struct store_stats *out)
{
	out->jobs = atomic_load(&s->n_jobs);
	out->batches = atomic_load(&s->n_batches);
	out->failed = atomic_load(&s->n_failed);
	out->checkpoints = atomic_load(&s->n_ckpt);
}
