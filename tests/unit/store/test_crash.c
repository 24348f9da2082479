/* test_crash.c: the acknowledgement rule under a crash. A child process appends
 * messages through store_write_async and reports each acknowledged one over a pipe from
 * its done callback; the parent kills it with SIGKILL mid-stream, reopens the database
 * and checks that every acknowledged message is there and that the conversation's
 * sequence counter agrees with its messages (no half-applied job). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_store.h"
#include "base/err.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#define IN_FLIGHT 64
#define CHILD_MAX 200000
#define KILL_AFTER 400

struct child {
	struct store *s;
	int fd;
	int64_t tenant, conv;
	int next;
};

struct msg_job {
	struct child *ch;
	int index;
	char id[24];
};

static int job_setup(struct store_conn *c, void *arg)
{
	struct child *ch = arg;
	int err = store_tenant_create(c, "crash", "Crash Co", "UTC", NULL, &ch->tenant);
	if (!err)
		err = store_conversation_create(c, ch->tenant, 0, "chat", 1, &ch->conv);
	return err;
}

static int job_append(struct store_conn *c, void *arg)
{
	struct msg_job *m = arg;
	struct store_message msg = {"customer", 0, "chat", "water is pouring through my ceiling",
	                            m->id, NULL, NULL};
	return store_message_append(c, m->ch->tenant, m->ch->conv, &msg, 1000 + m->index, NULL);
}

static void queue_next(struct child *ch);

static void done_append(int result, void *arg)
{
	struct msg_job *m = arg;
	struct child *ch = m->ch;
	if (result == 0) {
		int32_t idx = m->index;
		if (write(ch->fd, &idx, sizeof idx) != (ssize_t)sizeof idx)
			_exit(3);
	}
	free(m);
	queue_next(ch);
}

static void queue_next(struct child *ch)
{
	if (ch->next >= CHILD_MAX)
		return;
	struct msg_job *m = calloc(1, sizeof *m);
	if (!m)
		_exit(4);
	m->ch = ch;
	m->index = ch->next++;
	snprintf(m->id, sizeof m->id, "m-%d", m->index);
	if (store_write_async(ch->s, job_append, m, done_append, m))
		_exit(5);
}

static void keep_alive(uv_timer_t *t)
{
	(void)t;
}

static void child_main(const char *path, int fd)
{
	struct child ch = {.fd = fd};
	uv_loop_t loop;
	if (uv_loop_init(&loop) || store_open(path, &ch.s) || store_attach_loop(ch.s, &loop) ||
	    store_write_sync(ch.s, job_setup, &ch))
		_exit(2);
	for (int i = 0; i < IN_FLIGHT; i++)
		queue_next(&ch);
	/* Keep the loop alive while jobs are in flight (the store's handle is unref'd). */
	uv_timer_t keep;
	uv_timer_init(&loop, &keep);
	uv_timer_start(&keep, keep_alive, 1000, 1000);
	uv_run(&loop, UV_RUN_DEFAULT);
	_exit(0);
}

static void test_acknowledged_writes_survive_kill(void **state)
{
	(void)state;
	char *dir = th_tmpdir();
	char *path = th_path(dir, "crash.db");
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		child_main(path, fds[1]);
	}
	close(fds[1]);

	size_t cap = CHILD_MAX, n = 0;
	int32_t *acked = calloc(cap, sizeof *acked);
	assert_non_null(acked);
	bool killed = false;
	for (;;) {
		int32_t idx;
		ssize_t r = read(fds[0], &idx, sizeof idx);
		if (r == 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		assert_int_equal(r, sizeof idx);
		assert_true(n < cap);
		acked[n++] = idx;
		if (!killed && n == KILL_AFTER) {
			assert_int_equal(kill(pid, SIGKILL), 0);
			killed = true;
		}
	}
	close(fds[0]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_true(n >= KILL_AFTER);

	struct store *s = th_open(path);
	struct store_conn *c = store_reader(s);
	struct store_stmt *st;
	assert_int_equal(store_prepare(c,
		"SELECT 1 FROM messages WHERE client_msg_id = ?", &st), 0);
	for (size_t i = 0; i < n; i++) {
		char id[24];
		snprintf(id, sizeof id, "m-%d", (int)acked[i]);
		assert_int_equal(store_bind_text(st, 1, id, -1), 0);
		if (store_step(st) != STORE_ROW)
			fail_msg("acknowledged message %s is missing after the crash", id);
		store_stmt_finish(st);
		assert_int_equal(store_prepare(c, "SELECT 1 FROM messages WHERE client_msg_id = ?", &st),
		                 0);
	}
	store_stmt_finish(st);
	int64_t stored = th_scalar(c, "SELECT COUNT(*) FROM messages");
	assert_true(stored >= (int64_t)n);
	assert_int_equal(th_scalar(c, "SELECT last_seq FROM conversations"), stored);
	assert_int_equal(th_scalar(c, "SELECT MAX(seq) FROM messages"), stored);
	store_close(s);
	free(acked);
	free(path);
	th_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acknowledged_writes_survive_kill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
