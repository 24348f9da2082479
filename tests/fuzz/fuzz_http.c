/* fuzz_http.c: libFuzzer target for the HTTP glue and WebSocket framing: arbitrary bytes
 * are sent to a live server connection (a socket pair) that has routes with synchronous
 * and asynchronous responses and a WebSocket echo; the connection must end cleanly. */
#include "http/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uv_loop_t loop;
static struct http_server *srv;

static int echo(struct http_request *req, void *ctx)
{
	size_t len;
	const char *body = http_body(req, &len);
	http_query(req, "q");
	http_header(req, "Cookie");
	http_set_header(req, "X-Path", http_path(req));
	return http_respond(req, 200, "text/plain", body, len);
}

struct later {
	uv_timer_t t;
	struct http_request *req;
};

static void later_free(uv_handle_t *h) { free(h->data); }

static void later_fire(uv_timer_t *t)
{
	struct later *l = t->data;
	http_respond_error(l->req, 202, "later", http_param(l->req, "id"));
	uv_close((uv_handle_t *)&l->t, later_free);
}

static int async(struct http_request *req, void *ctx)
{
	struct later *l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	l->req = req;
	uv_timer_init(&loop, &l->t);
	l->t.data = l;
	uv_timer_start(&l->t, later_fire, 0, 0);
	return 0;
}

static void ws_msg(struct ws_conn *ws, bool text, const void *d, size_t n, void *ctx)
{
	if (n > 0 && ((const char *)d)[0] == 'c')
		ws_close(ws, 1000, "bye");
	else if (text)
		ws_send_text(ws, d, n);
	else
		ws_send_binary(ws, d, n);
}

static const struct ws_handler ws_h = {.on_message = ws_msg};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	uv_loop_init(&loop);
	struct http_config cfg = http_config_default();
	cfg.access_log = false;
	cfg.max_header_bytes = 2048;
	cfg.max_body_bytes = 4096;
	cfg.max_ws_message = 1024;
	cfg.max_output_bytes = 65536;
	if (http_server_new(&loop, &cfg, &srv) ||
	    http_route(srv, "POST", "/echo", echo, NULL, "echo") ||
	    http_route(srv, "GET", "/echo/{x}", echo, NULL, "echo_get") ||
	    http_route(srv, "GET", "/async/{id}", async, NULL, "async") ||
	    http_route(srv, "PUT", "/rest/{all*}", echo, NULL, "rest") ||
	    http_ws_route(srv, "/ws", &ws_h, NULL)) {
		fprintf(stderr, "fuzz_http: server set-up failed\n");
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	if (http__conn_adopt(srv, sv[0]) < 0)
		abort();
	/* the payload fits in the socket buffer for the sizes libFuzzer uses */
	size_t off = 0;
	while (off < size) {
		ssize_t n = write(sv[1], data + off, size - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	shutdown(sv[1], SHUT_WR);
	char sink[65536];
	for (int i = 0; i < 10000 && srv->nconns > 0; i++) {
		uv_run(&loop, UV_RUN_NOWAIT);
		ssize_t n = recv(sv[1], sink, sizeof sink, MSG_DONTWAIT);
		if (n == 0)
			break;
	}
	close(sv[1]);
	for (int i = 0; i < 10000 && srv->nconns > 0; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	if (srv->nconns != 0) {
		fprintf(stderr, "fuzz_http: a connection outlived its client\n");
		abort();
	}
	return 0;
}
