/* test_server.c: the server in-process over socket pairs: metrics hooks, readiness,
 * requests answered after their client left, handler errors, shutdown's done callback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/internal.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uv_loop_t loop;
static struct http_request *held;   /* a request a handler keeps for later */

static int hold(struct http_request *req, void *ctx)
{
	held = req;
	return 0;
}

static int failing(struct http_request *req, void *ctx)
{
	return -EIO;
}

static void hook(struct buf *out, void *ctx)
{
	buf_printf(out, "app_widgets %d\n", *(int *)ctx);
}

/* Opens a client socket served by srv; returns the client's end. */
static int client(struct http_server *srv)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(http__conn_adopt(srv, sv[0]), 0);
	return sv[1];
}

/* Sends req and runs the loop until a complete response (by Content-Length) arrives. */
static char *exchange(int fd, const char *req)
{
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	struct buf got = BUF_INIT;
	for (int i = 0; i < 100000; i++) {
		uv_run(&loop, UV_RUN_NOWAIT);
		char tmp[4096];
		ssize_t n = recv(fd, tmp, sizeof tmp, MSG_DONTWAIT);
		if (n > 0)
			buf_append(&got, tmp, (size_t)n);
		if (n == 0)
			break;
		const char *end = got.data ? strstr(got.data, "\r\n\r\n") : NULL;
		const char *cl = got.data ? strstr(got.data, "Content-Length: ") : NULL;
		if (end && cl) {
			long len = strtol(cl + 16, NULL, 10);
			if ((size_t)(end + 4 - got.data) + (size_t)len <= got.len)
				break;
		}
	}
	return got.data ? buf_take(&got) : strdup("");
}

static struct http_server *server(void)
{
	struct http_config cfg = http_config_default();
	cfg.access_log = false;
	struct http_server *srv;
	assert_int_equal(http_server_new(&loop, &cfg, &srv), 0);
	return srv;
}

static void done_cb(void *arg) { (*(int *)arg)++; }

static void finish(struct http_server *srv)
{
	int done = 0;
	http_server_shutdown(srv, done_cb, &done);
	http_server_shutdown(srv, done_cb, &done);  /* a second call changes nothing */
	for (int i = 0; i < 100000 && !done; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(done, 1);
	assert_int_equal(srv->nconns, 0);
	http_server_free(srv);
}

static void test_metrics_hook_and_ready(void **state)
{
	struct http_server *srv = server();
	int widgets = 42;
	assert_int_equal(http_metrics_hook(srv, hook, &widgets), 0);
	int fd = client(srv);
	char *r = exchange(fd, "GET /readyz HTTP/1.1\r\n\r\n");
	assert_non_null(strstr(r, "HTTP/1.1 503 "));
	free(r);
	http_set_ready(srv, true);
	r = exchange(fd, "GET /readyz HTTP/1.1\r\n\r\n");
	assert_non_null(strstr(r, "HTTP/1.1 200 "));
	free(r);
	r = exchange(fd, "GET /metrics HTTP/1.1\r\n\r\n");
	assert_non_null(strstr(r, "\napp_widgets 42\n"));
	assert_non_null(strstr(r, "tandem_http_requests_total{route=\"readyz\",status=\"503\"} 1\n"));
	assert_non_null(strstr(r, "tandem_http_requests_total{route=\"readyz\",status=\"200\"} 1\n"));
	free(r);
	close(fd);
	finish(srv);
}

static void test_response_after_client_left(void **state)
{
	struct http_server *srv = server();
	assert_int_equal(http_route(srv, "GET", "/hold", hold, NULL, "hold"), 0);
	held = NULL;
	int fd = client(srv);
	const char *req = "GET /hold?x=1 HTTP/1.1\r\nX-Thing: yes\r\n\r\n";
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	for (int i = 0; i < 1000 && !held; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	assert_non_null(held);
	assert_false(http_request_aborted(held));
	close(fd);
	for (int i = 0; i < 1000 && srv->nconns; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(srv->nconns, 0);
	/* still valid: fields readable, the response is accepted and dropped */
	assert_true(http_request_aborted(held));
	assert_string_equal(http_path(held), "/hold");
	assert_string_equal(http_query(held, "x"), "1");
	assert_string_equal(http_header(held, "x-thing"), "yes");
	assert_int_equal(http_respond_error(held, 200, "ok", "late"), 0);
	held = NULL;
	finish(srv);
}

static void test_handler_error_gives_500(void **state)
{
	struct http_server *srv = server();
	assert_int_equal(http_route(srv, "POST", "/fail", failing, NULL, "fail"), 0);
	int fd = client(srv);
	char *r = exchange(fd, "POST /fail HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi");
	assert_non_null(strstr(r, "HTTP/1.1 500 "));
	assert_non_null(strstr(r, "{\"error\":{\"code\":\"internal\",\"message\":\"internal error\"}}"));
	free(r);
	close(fd);
	finish(srv);
}

static void test_shutdown_waits_for_held_request(void **state)
{
	struct http_server *srv = server();
	assert_int_equal(http_route(srv, "GET", "/hold", hold, NULL, "hold"), 0);
	held = NULL;
	int fd = client(srv);
	const char *req = "GET /hold HTTP/1.1\r\n\r\n";
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	for (int i = 0; i < 1000 && !held; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	assert_non_null(held);
	int done = 0;
	http_server_shutdown(srv, done_cb, &done);
	for (int i = 0; i < 1000; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(done, 0);   /* the request is still in flight */
	assert_int_equal(http_respond(held, 200, "text/plain", "bye", 3), 0);
	held = NULL;
	struct buf got = BUF_INIT;
	for (int i = 0; i < 100000 && !done; i++) {
		uv_run(&loop, UV_RUN_NOWAIT);
		char tmp[1024];
		ssize_t n = recv(fd, tmp, sizeof tmp, MSG_DONTWAIT);
		if (n > 0)
			buf_append(&got, tmp, (size_t)n);
		if (n == 0)
			close(fd), fd = -1;
	}
	assert_int_equal(done, 1);
	assert_non_null(strstr(got.data, "Connection: close\r\n"));
	assert_non_null(strstr(got.data, "\r\n\r\nbye"));
	buf_free(&got);
	if (fd >= 0)
		close(fd);
	http_server_free(srv);
}

static int ws_open(struct ws_conn *ws, struct http_request *req, void *ctx)
{
	const char *who = http_query(req, "who");
	if (!who || strcmp(who, "friend"))
		return 401;
	ws_set_data(ws, (void *)"friend");
	/* a greeting queued during the handshake goes out after the 101 */
	return ws_send_text(ws, "hi", 2);
}

static void ws_msg(struct ws_conn *ws, bool text, const void *d, size_t n, void *ctx)
{
	char reply[64];
	int len = snprintf(reply, sizeof reply, "%s/%s:%.*s", (const char *)ws_data(ws),
			   ws_param(ws, "room"), (int)n, (const char *)d);
	ws_send_text(ws, reply, (size_t)len);
}

static const struct ws_handler ws_h = {.on_open = ws_open, .on_message = ws_msg};

static void test_ws_open_refuse_and_params(void **state)
{
	struct http_server *srv = server();
	assert_int_equal(http_ws_route(srv, "/ws/{room}", &ws_h, NULL), 0);
	static const char hs[] = "Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
				 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
				 "Sec-WebSocket-Version: 13\r\n\r\n";
	char req[512];
	int fd = client(srv);
	snprintf(req, sizeof req, "GET /ws/lobby?who=stranger HTTP/1.1\r\n%s", hs);
	char *r = exchange(fd, req);
	assert_non_null(strstr(r, "HTTP/1.1 401 "));
	free(r);
	close(fd);

	fd = client(srv);
	snprintf(req, sizeof req, "GET /ws/lobby?who=friend HTTP/1.1\r\n%s", hs);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	/* a masked text frame "yo" */
	const unsigned char frame[] = {0x81, 0x82, 1, 2, 3, 4, 'y' ^ 1, 'o' ^ 2};
	assert_int_equal(write(fd, frame, sizeof frame), (ssize_t)sizeof frame);
	struct buf got = BUF_INIT;
	for (int i = 0; i < 100000; i++) {
		uv_run(&loop, UV_RUN_NOWAIT);
		char tmp[1024];
		ssize_t n = recv(fd, tmp, sizeof tmp, MSG_DONTWAIT);
		if (n > 0)
			buf_append(&got, tmp, (size_t)n);
		if (got.data && memmem(got.data, got.len, "friend/lobby:yo", 15))
			break;
	}
	assert_non_null(got.data);
	assert_non_null(strstr(got.data, "HTTP/1.1 101 Switching Protocols\r\n"));
	assert_non_null(strstr(got.data, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
	const char *body = strstr(got.data, "\r\n\r\n") + 4;
	assert_true(got.len - (size_t)(body - got.data) >= 21);
	/* first the greeting, then the reply, both unmasked text frames */
	assert_memory_equal(body, "\x81\x02hi", 4);
	assert_memory_equal(body + 4, "\x81\x0f" "friend/lobby:yo", 17);
	assert_int_equal(srv->nws, 1);
	buf_free(&got);
	close(fd);
	for (int i = 0; i < 100000 && srv->nconns; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(srv->nws, 0);
	finish(srv);
}

int main(void)
{
	uv_loop_init(&loop);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_hook_and_ready),
		cmocka_unit_test(test_response_after_client_left),
		cmocka_unit_test(test_handler_error_gives_500),
		cmocka_unit_test(test_shutdown_waits_for_held_request),
		cmocka_unit_test(test_ws_open_refuse_and_params),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	return rc;
}
