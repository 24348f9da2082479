/* test_ws_hibernate.c: idle WebSocket sessions drop their wslay context between
 * messages and wake on input, on a send or on the server's ping timer, with the same
 * behaviour: pongs, server messages, echoes, fragmented messages split across the idle
 * point (reassembled, or refused with 1009 / 1007), and the ping timeout. */
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
static struct ws_conn *session;   /* the one open session */
static int closed_code;           /* on_close's code, 0 while open */

static int on_open(struct ws_conn *ws, struct http_request *req, void *ctx)
{
	session = ws;
	closed_code = 0;
	return 0;
}

static void on_message(struct ws_conn *ws, bool text, const void *d, size_t n, void *ctx)
{
	if (text)
		ws_send_text(ws, d, n);
	else
		ws_send_binary(ws, d, n);
}

static void on_close(struct ws_conn *ws, int code, void *ctx)
{
	closed_code = code;
	session = NULL;
}

static const struct ws_handler handler = {
	.on_open = on_open, .on_message = on_message, .on_close = on_close};

static struct http_server *server(unsigned ping_ms)
{
	struct http_config cfg = http_config_default();
	cfg.access_log = false;
	cfg.max_ws_message = 16;
	cfg.ws_ping_interval_ms = ping_ms;
	cfg.ws_ping_timeout_ms = ping_ms;
	struct http_server *srv;
	assert_int_equal(http_server_new(&loop, &cfg, &srv), 0);
	assert_int_equal(http_ws_route(srv, "/ws", &handler, NULL), 0);
	return srv;
}

static void finish(struct http_server *srv)
{
	for (int i = 0; i < 100000 && srv->nconns; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(srv->nconns, 0);
	http_server_free(srv);
}

/* Runs the loop for a few milliseconds, collecting what the server sent. */
static void pump(int fd, struct buf *got, int ms)
{
	for (int i = 0; i < ms * 10; i++) {
		uv_run(&loop, UV_RUN_NOWAIT);
		char tmp[1024];
		ssize_t n = recv(fd, tmp, sizeof tmp, MSG_DONTWAIT);
		if (n > 0)
			buf_append(got, tmp, (size_t)n);
		else
			usleep(100);
	}
}

/* Pumps until a whole (short, unmasked) server frame is there and takes it off got. */
static void take_frame(int fd, struct buf *got, uint8_t *b0, char *payload, size_t *len)
{
	for (int i = 0; i < 200 && (got->len < 2 || got->len < 2u + (got->data[1] & 0x7f)); i++)
		pump(fd, got, 5);
	assert_true(got->len >= 2);
	size_t n = (size_t)(got->data[1] & 0x7f);
	assert_true(n < 126);
	assert_true(got->len >= 2 + n);
	*b0 = (uint8_t)got->data[0];
	memcpy(payload, got->data + 2, n);
	*len = n;
	buf_consume(got, 2 + n);
}

/* Sends a masked client frame with a short payload; cut > 0 sends only that many bytes
 * of the encoded frame (the rest follows with send_rest). */
static unsigned char pending[160];
static size_t npending;

static void send_frame(int fd, uint8_t b0, const void *payload, size_t n, size_t cut)
{
	static const uint8_t mask[4] = {7, 1, 2, 9};
	assert_true(n < 126);
	unsigned char f[160];
	f[0] = b0;
	f[1] = (unsigned char)(0x80 | n);
	memcpy(f + 2, mask, 4);
	for (size_t i = 0; i < n; i++)
		f[6 + i] = ((const unsigned char *)payload)[i] ^ mask[i % 4];
	size_t total = 6 + n;
	size_t now = cut && cut < total ? cut : total;
	assert_int_equal(write(fd, f, now), (ssize_t)now);
	npending = total - now;
	memcpy(pending, f + now, npending);
}

static void send_rest(int fd)
{
	assert_int_equal(write(fd, pending, npending), (ssize_t)npending);
	npending = 0;
}

/* Opens a session and returns the client's end, with the 101 read off. */
static int open_session(struct http_server *srv, struct buf *got)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(http__conn_adopt(srv, sv[0]), 0);
	static const char req[] = "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
				  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
				  "Sec-WebSocket-Version: 13\r\n\r\n";
	assert_int_equal(write(sv[1], req, sizeof req - 1), (ssize_t)(sizeof req - 1));
	for (int i = 0; i < 200 && !(got->data && memmem(got->data, got->len, "\r\n\r\n", 4)); i++)
		pump(sv[1], got, 5);
	assert_non_null(got->data);
	assert_non_null(strstr(got->data, "HTTP/1.1 101 "));
	const char *end = memmem(got->data, got->len, "\r\n\r\n", 4);
	buf_consume(got, (size_t)(end + 4 - got->data));
	assert_non_null(session);
	return sv[1];
}

static struct http_conn *conn_of(struct http_server *srv)
{
	assert_int_equal(srv->nconns, 1);
	return srv->conns;
}

static void test_idle_session_wakes_for_everything(void **state)
{
	struct http_server *srv = server(0);
	struct buf got = BUF_INIT;
	int fd = open_session(srv, &got);
	struct http_conn *c = conn_of(srv);
	assert_true(http__ws_hibernating(c));
	assert_int_equal(ws_output_pending(session), 0);

	/* a ping from the client is answered, and the session goes back to sleep */
	uint8_t b0;
	char p[128];
	size_t n;
	send_frame(fd, 0x89, "ping?", 5, 0);
	take_frame(fd, &got, &b0, p, &n);
	assert_int_equal(b0, 0x8a);
	assert_int_equal(n, 5);
	assert_memory_equal(p, "ping?", 5);
	assert_true(http__ws_hibernating(c));

	/* a message from the server */
	assert_int_equal(ws_send_text(session, "news", 4), 0);
	take_frame(fd, &got, &b0, p, &n);
	assert_int_equal(b0, 0x81);
	assert_int_equal(n, 4);
	assert_memory_equal(p, "news", 4);
	assert_true(http__ws_hibernating(c));
	assert_int_equal(ws_send_text(session, "\xff", 1), -EINVAL);

	/* an echo */
	send_frame(fd, 0x82, "\x00\x01\xff", 3, 0);
	take_frame(fd, &got, &b0, p, &n);
	assert_int_equal(b0, 0x82);
	assert_int_equal(n, 3);
	assert_memory_equal(p, "\x00\x01\xff", 3);
	assert_true(http__ws_hibernating(c));

	/* half a frame header: the session stays awake until the frame is whole */
	send_frame(fd, 0x81, "split", 5, 1);
	pump(fd, &got, 5);
	assert_false(http__ws_hibernating(c));
	assert_int_equal(got.len, 0);
	send_rest(fd);
	take_frame(fd, &got, &b0, p, &n);
	assert_int_equal(b0, 0x81);
	assert_memory_equal(p, "split", 5);
	assert_true(http__ws_hibernating(c));

	/* a fragmented message with a ping between its fragments and a pause after each:
	 * reassembled; a character split between fragments is still valid UTF-8 */
	send_frame(fd, 0x01, "caf\xc3", 4, 0);
	pump(fd, &got, 5);
	assert_false(http__ws_hibernating(c));
	send_frame(fd, 0x89, "", 0, 0);
	take_frame(fd, &got, &b0, p, &n);
	assert_int_equal(b0, 0x8a);
	assert_int_equal(n, 0);
	assert_false(http__ws_hibernating(c));
	send_frame(fd, 0x00, "\xa9 ", 2, 0);
	pump(fd, &got, 5);
	assert_int_equal(got.len, 0);
	assert_false(http__ws_hibernating(c));
	send_frame(fd, 0x80, "ok", 2, 0);
	take_frame(fd, &got, &b0, p, &n);
	assert_int_equal(b0, 0x81);
	assert_int_equal(n, 8);
	assert_memory_equal(p, "caf\xc3\xa9 ok", 8);
	assert_true(http__ws_hibernating(c));

	/* a continuation frame with no message started is a protocol error: 1002 */
	send_frame(fd, 0x80, "x", 1, 0);
	take_frame(fd, &got, &b0, p, &n);
	assert_int_equal(b0, 0x88);
	assert_true(n >= 2);
	assert_int_equal(((uint8_t)p[0] << 8) | (uint8_t)p[1], 1002);
	close(fd);
	buf_free(&got);
	finish(srv);
}

static void expect_close(int fd, struct buf *got, int code)
{
	uint8_t b0;
	char p[128];
	size_t n;
	take_frame(fd, got, &b0, p, &n);
	assert_int_equal(b0, 0x88);
	assert_true(n >= 2);
	assert_int_equal(((uint8_t)p[0] << 8) | (uint8_t)p[1], code);
}

static void test_fragments_refused_across_idle_point(void **state)
{
	struct http_server *srv = server(0);
	struct buf got = BUF_INIT;

	/* too long in total (the limit is 16 bytes): 1009, and the server stops reading */
	int fd = open_session(srv, &got);
	send_frame(fd, 0x01, "0123456789", 10, 0);
	pump(fd, &got, 5);
	assert_false(http__ws_hibernating(conn_of(srv)));
	send_frame(fd, 0x80, "0123456789", 10, 0);
	expect_close(fd, &got, 1009);
	for (int i = 0; i < 200 && session; i++)
		pump(fd, &got, 5);
	assert_null(session);
	assert_int_equal(closed_code, 1009);
	close(fd);
	buf_free(&got);

	/* invalid UTF-8 once the fragments are joined: 1007 */
	got = (struct buf)BUF_INIT;
	fd = open_session(srv, &got);
	send_frame(fd, 0x01, "ab\xc3", 3, 0);
	pump(fd, &got, 5);
	send_frame(fd, 0x80, "z", 1, 0);
	expect_close(fd, &got, 1007);
	for (int i = 0; i < 200 && session; i++)
		pump(fd, &got, 5);
	assert_null(session);
	assert_int_equal(closed_code, 1007);
	close(fd);
	buf_free(&got);
	finish(srv);
}

static void test_server_ping_and_timeout_while_idle(void **state)
{
	struct http_server *srv = server(40);
	struct buf got = BUF_INIT;
	int fd = open_session(srv, &got);
	struct http_conn *c = conn_of(srv);
	assert_true(http__ws_hibernating(c));
	/* the server pings an idle session; a pong keeps it open */
	uint8_t b0;
	char p[128];
	size_t n;
	take_frame(fd, &got, &b0, p, &n);
	assert_int_equal(b0, 0x89);
	assert_true(http__ws_hibernating(c));
	send_frame(fd, 0x8a, "", 0, 0);
	take_frame(fd, &got, &b0, p, &n);
	assert_int_equal(b0, 0x89);   /* the next ping, after a whole interval */
	assert_non_null(session);
	assert_int_equal(srv->nws, 1);
	/* no pong this time: the session is dropped after the timeout */
	for (int i = 0; i < 200 && session; i++)
		pump(fd, &got, 5);
	assert_null(session);
	assert_int_equal(closed_code, 1006);
	assert_int_equal(srv->nws, 0);
	close(fd);
	buf_free(&got);
	finish(srv);
}

int main(void)
{
	uv_loop_init(&loop);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_session_wakes_for_everything),
		cmocka_unit_test(test_fragments_refused_across_idle_point),
		cmocka_unit_test(test_server_ping_and_timeout_while_idle),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (rc == 0) {  /* a failed test leaves its server behind: do not wait for it */
		uv_run(&loop, UV_RUN_DEFAULT);
		uv_loop_close(&loop);
	}
	return rc;
}
