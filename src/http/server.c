/* server.c: the listener, connections, HTTP/1.1 parsing glue, timeouts, writes,
 * pipelining and graceful shutdown. */
#include "base/clock.h"
#include "base/log.h"
#include "http/internal.h"
#include <assert.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* While a request waits for its response, input beyond this stops reading. */
#define HTTP_MAX_BUFFERED_INPUT (256 * 1024)
#define HTTP_LINGER_MS 2000

struct wreq {
	uv_write_t req;
	struct http_conn *conn;
	size_t len;
	char data[];
};

static void conn_process(struct http_conn *c);
static void conn_fail(struct http_conn *c, int status);
static void conn_start_linger(struct http_conn *c);
static void srv_check_done(struct http_server *srv);
static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b);
static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);

struct http_config http_config_default(void)
{
	return (struct http_config){
		.host = "127.0.0.1",
		.port = 0,
		.max_header_bytes = 16 * 1024,
		.max_body_bytes = 1024 * 1024,
		.max_ws_message = 64 * 1024,
		.max_output_bytes = 4 * 1024 * 1024,
		.header_timeout_ms = 10000,
		.read_timeout_ms = 10000,
		.keepalive_timeout_ms = 5000,
		.ws_ping_interval_ms = 30000,
		.ws_ping_timeout_ms = 10000,
		.shutdown_timeout_ms = 10000,
		.max_connections = 20000,
		.web_root = NULL,
		.access_log = true,
	};
}

/* ---- small helpers -------------------------------------------------------------- */

const char *http__date(struct http_server *srv)
{
	time_t now = time(NULL);
	if (now != srv->date_sec) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(srv->date, sizeof srv->date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		srv->date_sec = now;
	}
	return srv->date;
}

/* xorshift128+: request ids need to be unique and unguessable enough for tracing,
 * not secret; the state is seeded from the system's random source. */
void http__random_hex(struct http_server *srv, char *out, size_t nhex)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;
	while (i < nhex) {
		uint64_t s1 = srv->rng[0];
		const uint64_t s0 = srv->rng[1];
		srv->rng[0] = s0;
		s1 ^= s1 << 23;
		srv->rng[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
		uint64_t v = srv->rng[1] + s0;
		for (int k = 0; k < 16 && i < nhex; k++, v >>= 4)
			out[i++] = hex[v & 15];
	}
	out[nhex] = '\0';
}

static const struct {
	int code;
	const char *text;
} reasons[] = {
	{100, "Continue"}, {101, "Switching Protocols"}, {200, "OK"}, {201, "Created"},
	{202, "Accepted"}, {204, "No Content"}, {206, "Partial Content"},
	{301, "Moved Permanently"}, {302, "Found"}, {303, "See Other"},
	{304, "Not Modified"}, {307, "Temporary Redirect"}, {308, "Permanent Redirect"},
	{400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"}, {404, "Not Found"},
	{405, "Method Not Allowed"}, {406, "Not Acceptable"}, {408, "Request Timeout"},
	{409, "Conflict"}, {410, "Gone"}, {411, "Length Required"},
	{412, "Precondition Failed"}, {413, "Content Too Large"}, {414, "URI Too Long"},
	{415, "Unsupported Media Type"}, {422, "Unprocessable Content"},
	{426, "Upgrade Required"}, {428, "Precondition Required"},
	{429, "Too Many Requests"}, {431, "Request Header Fields Too Large"},
	{500, "Internal Server Error"}, {501, "Not Implemented"}, {502, "Bad Gateway"},
	{503, "Service Unavailable"}, {504, "Gateway Timeout"},
};

static const char *reason(int code)
{
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (reasons[i].code == code)
			return reasons[i].text;
	return "Unknown";
}

int http__head(struct http_request *req, struct buf *out, int status, const char *ctype,
	       size_t content_length, bool has_length)
{
	struct http_server *srv = req->srv;
	if (srv->shutting_down || !req->keep_alive)
		req->want_close = true;
	int rc = buf_printf(out, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status, reason(status),
			    http__date(srv));
	if (!rc && ctype)
		rc = buf_printf(out, "Content-Type: %s\r\n", ctype);
	if (!rc && has_length)
		rc = buf_printf(out, "Content-Length: %zu\r\n", content_length);
	if (!rc)
		rc = buf_printf(out, "X-Request-Id: %s\r\n", req->id);
	if (!rc && req->want_close)
		rc = buf_puts(out, "Connection: close\r\n");
	else if (!rc && req->http_minor == 0)
		rc = buf_puts(out, "Connection: keep-alive\r\n");
	if (!rc && req->resp_hdr.len)
		rc = buf_append(out, req->resp_hdr.data, req->resp_hdr.len);
	if (!rc)
		rc = buf_puts(out, "\r\n");
	return rc;
}

/* ---- timers --------------------------------------------------------------------- */

static void conn_timer_cb(uv_timer_t *t)
{
	struct http_conn *c = t->data;
	enum conn_timer kind = c->timer_kind;
	c->timer_kind = TIMER_NONE;
	switch (kind) {
	case TIMER_IDLE:
	case TIMER_LINGER:
		http__conn_close(c);
		break;
	case TIMER_HEADER:
	case TIMER_BODY:
		conn_fail(c, 408);
		break;
	case TIMER_WS:
		http__ws_timer(c);
		break;
	case TIMER_NONE:
		break;
	}
}

void http__timer_set(struct http_conn *c, enum conn_timer kind, uint64_t ms)
{
	if (c->state == CONN_CLOSING)
		return;
	if (kind == TIMER_NONE) {
		if (c->timer_kind != TIMER_NONE)
			uv_timer_stop(&c->timer);
		c->timer_kind = TIMER_NONE;
		return;
	}
	c->timer_kind = kind;
	uv_timer_start(&c->timer, conn_timer_cb, ms ? ms : 1, 0);
}

/* ---- requests ------------------------------------------------------------------- */

static struct http_request *request_new(struct http_conn *c)
{
	struct http_request *req = calloc(1, sizeof *req);
	if (!req)
		return NULL;
	req->conn = c;
	req->srv = c->srv;
	req->keep_alive = true;
	req->http_major = 1;
	req->http_minor = 1;
	req->start_ns = clock_mono_ns();
	req->route_name = "unmatched";
	memcpy(req->remote, c->remote, sizeof req->remote);
	http__random_hex(c->srv, req->id, 16);
	return req;
}

void http__request_free(struct http_request *req)
{
	if (!req)
		return;
	if (req->data_free)
		req->data_free(req->data);
	buf_free(&req->url);
	buf_free(&req->hdr);
	buf_free(&req->body);
	buf_free(&req->resp_hdr);
	buf_free(&req->qcache);
	for (size_t i = 0; i < req->nqvals; i++)
		free(req->qvals[i]);
	free(req->qvals);
	for (int i = 0; i < req->nparam; i++)
		free(req->param_val[i]);
	free(req->hdr_off);
	free(req->path);
	free(req->query);
	free(req);
}

void http__request_done(struct http_request *req)
{
	struct http_server *srv = req->srv;
	struct http_conn *c = req->conn;
	uint64_t dur = clock_mono_ns() - req->start_ns;
	http__metrics_record(srv, req->route_name, req->status, dur);
	if (srv->cfg.access_log)
		http__access_log(req, dur);
	bool close = req->want_close || !req->keep_alive || srv->shutting_down;
	http__request_free(req);
	if (!c)
		return;
	assert(c->active == req);
	c->active = NULL;
	if (c->state != CONN_HTTP)
		return;
	if (close || c->close_after_write) {
		c->close_after_write = true;
		if (c->out_pending == 0)
			conn_start_linger(c);
		return;
	}
	conn_process(c);
}

/* ---- writing -------------------------------------------------------------------- */

static void write_cb(uv_write_t *w, int status)
{
	struct wreq *wr = (struct wreq *)w;
	struct http_conn *c = wr->conn;
	c->out_pending -= wr->len;
	free(wr);
	if (c->state == CONN_CLOSING)
		return;
	if (status < 0) {
		http__conn_close(c);
		return;
	}
	if (c->file_req) {
		http__static_continue(c);
		return;
	}
	if (c->state == CONN_WS) {
		http__ws_writable(c);
		return;
	}
	if (c->out_pending == 0 && c->close_after_write && c->state == CONN_HTTP && !c->active)
		conn_start_linger(c);
}

int http__conn_write(struct http_conn *c, const uv_buf_t *bufs, unsigned nbufs)
{
	if (c->state == CONN_CLOSING)
		return -EPIPE;
	size_t total = 0, written = 0;
	for (unsigned i = 0; i < nbufs; i++)
		total += bufs[i].len;
	if (total == 0)
		return 0;
	if (c->out_pending == 0) {
		int r = uv_try_write((uv_stream_t *)&c->tcp, bufs, nbufs);
		if (r >= 0 && (size_t)r == total)
			return 0;
		if (r < 0 && r != UV_EAGAIN) {
			http__conn_close(c);
			return -EPIPE;
		}
		if (r > 0)
			written = (size_t)r;
	}
	size_t rest = total - written;
	/* WebSocket output is bounded by ws.c (a high-water mark and -ENOBUFS) instead */
	if (c->state != CONN_WS && c->out_pending > 0 &&
	    c->out_pending + rest > c->srv->cfg.max_output_bytes) {
		log_warn("http: %s exceeded the output limit; connection cut", c->remote);
		http__conn_close(c);
		return -EPIPE;
	}
	struct wreq *wr = malloc(sizeof *wr + rest);
	if (!wr) {
		http__conn_close(c);
		return -EPIPE;
	}
	wr->conn = c;
	wr->len = rest;
	size_t skip = written, at = 0;
	for (unsigned i = 0; i < nbufs; i++) {
		size_t n = bufs[i].len;
		if (skip >= n) {
			skip -= n;
			continue;
		}
		memcpy(wr->data + at, bufs[i].base + skip, n - skip);
		at += n - skip;
		skip = 0;
	}
	uv_buf_t b = uv_buf_init(wr->data, (unsigned)rest);
	int rc = uv_write(&wr->req, (uv_stream_t *)&c->tcp, &b, 1, write_cb);
	if (rc < 0) {
		free(wr);
		http__conn_close(c);
		return -EPIPE;
	}
	c->out_pending += rest;
	return 0;
}

/* ---- closing -------------------------------------------------------------------- */

static void conn_handle_closed(uv_handle_t *h)
{
	struct http_conn *c = h->data;
	if (--c->open_handles > 0)
		return;
	struct http_server *srv = c->srv;
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->nconns--;
	if (c->ws)
		http__ws_closed(c);
	buf_free(&c->in);
	free(c);
	srv_check_done(srv);
}

void http__conn_close(struct http_conn *c)
{
	if (c->state == CONN_CLOSING)
		return;
	c->state = CONN_CLOSING;
	if (c->file_req) {
		if (c->file_fd >= 0)
			close(c->file_fd);
		c->file_fd = -1;
		if (c->active == c->file_req)
			c->active = NULL;
		struct http_request *r = c->file_req;
		c->file_req = NULL;
		r->conn = NULL;
		http__request_done(r);
	}
	if (c->active) {
		/* the application still holds it: it stays valid until responded to */
		c->active->conn = NULL;
		c->active->aborted = true;
		c->active = NULL;
	}
	http__request_free(c->ready);
	c->ready = NULL;
	http__request_free(c->cur);
	c->cur = NULL;
	c->timer_kind = TIMER_NONE;
	uv_close((uv_handle_t *)&c->timer, conn_handle_closed);
	uv_close((uv_handle_t *)&c->tcp, conn_handle_closed);
}

static void shutdown_cb(uv_shutdown_t *s, int status)
{
	free(s);
}

/* The response is out and the connection is to close: stop sending, read and discard
 * until the client closes (or a short timeout), so that a client still sending its
 * body reads our answer instead of a reset. */
static void conn_start_linger(struct http_conn *c)
{
	if (c->state != CONN_HTTP)
		return;
	c->state = CONN_LINGER;
	buf_free(&c->in);
	uv_shutdown_t *s = malloc(sizeof *s);
	if (!s || uv_shutdown(s, (uv_stream_t *)&c->tcp, shutdown_cb) < 0) {
		free(s);
		http__conn_close(c);
		return;
	}
	if (!c->reading) {
		http__conn_close(c);
		return;
	}
	http__timer_set(c, TIMER_LINGER, HTTP_LINGER_MS);
}

/* ---- parser callbacks ----------------------------------------------------------- */

static int count_header_bytes(struct http_conn *c, size_t n)
{
	struct http_request *req = c->cur;
	req->header_bytes += n;
	if (req->header_bytes > c->srv->cfg.max_header_bytes) {
		c->error_status = 431;
		return -1;
	}
	return 0;
}

static int on_message_begin(http_parser *p)
{
	struct http_conn *c = p->data;
	http__request_free(c->cur);
	c->cur = request_new(c);
	if (!c->cur) {
		c->error_status = 503;
		return -1;
	}
	http__timer_set(c, TIMER_HEADER, c->srv->cfg.header_timeout_ms);
	return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
	struct http_conn *c = p->data;
	if (count_header_bytes(c, n))
		return -1;
	return buf_append(&c->cur->url, at, n) ? -1 : 0;
}

static int hdr_push(struct http_request *req)
{
	if (req->nhdr == req->hdr_cap) {
		size_t cap = req->hdr_cap ? req->hdr_cap * 2 : 16;
		size_t *o = realloc(req->hdr_off, cap * sizeof *o);
		if (!o)
			return -1;
		req->hdr_off = o;
		req->hdr_cap = cap;
	}
	req->hdr_off[req->nhdr++] = req->hdr.len;
	return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
	struct http_conn *c = p->data;
	struct http_request *req = c->cur;
	if (count_header_bytes(c, n + 4))
		return -1;
	if (c->last_was_value || req->nhdr == 0) {
		if (c->last_was_value && buf_putc(&req->hdr, '\0'))
			return -1;
		if (hdr_push(req))
			return -1;
		c->last_was_value = false;
	}
	return buf_append(&req->hdr, at, n) ? -1 : 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
	struct http_conn *c = p->data;
	struct http_request *req = c->cur;
	if (count_header_bytes(c, n))
		return -1;
	if (!c->last_was_value) {
		if (buf_putc(&req->hdr, '\0'))
			return -1;
		c->last_was_value = true;
	}
	return buf_append(&req->hdr, at, n) ? -1 : 0;
}

static int on_headers_complete(http_parser *p)
{
	struct http_conn *c = p->data;
	struct http_request *req = c->cur;
	struct http_server *srv = c->srv;
	if (c->last_was_value && buf_putc(&req->hdr, '\0'))
		return -1;
	if (req->nhdr == 0 && buf_putc(&req->hdr, '\0'))
		return -1;
	c->last_was_value = false;
	snprintf(req->method, sizeof req->method, "%s", http_method_str(p->method));
	req->head = p->method == HTTP_HEAD;
	req->http_major = p->http_major;
	req->http_minor = p->http_minor;
	req->keep_alive = http_should_keep_alive(p);
	req->upgrade = p->upgrade;
	const char *url = req->url.data ? req->url.data : "";
	const char *q = strchr(url, '?');
	size_t plen = q ? (size_t)(q - url) : req->url.len;
	const char *hash = memchr(url, '#', plen);
	if (hash)
		plen = (size_t)(hash - url);
	req->path = http__pct_decode(url, plen, false);
	req->query = strdup(q ? q + 1 : "");
	if (!req->path || req->path[0] != '/' || !req->query) {
		c->error_status = 400;
		return -1;
	}
	if ((p->flags & F_CONTENTLENGTH) && p->content_length > srv->cfg.max_body_bytes) {
		c->error_status = 413;
		return -1;
	}
	if (p->flags & (F_CONTENTLENGTH | F_CHUNKED)) {
		const char *expect = http_header(req, "Expect");
		if (expect && !strcasecmp(expect, "100-continue")) {
			static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
			uv_buf_t b = uv_buf_init((char *)cont, sizeof cont - 1);
			http__conn_write(c, &b, 1);
		}
		http__timer_set(c, TIMER_BODY, srv->cfg.read_timeout_ms);
	}
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
	struct http_conn *c = p->data;
	struct http_request *req = c->cur;
	if (req->body.len + n > c->srv->cfg.max_body_bytes) {
		c->error_status = 413;
		return -1;
	}
	if (buf_append(&req->body, at, n))
		return -1;
	return 0;
}

static int on_message_complete(http_parser *p)
{
	struct http_conn *c = p->data;
	http__timer_set(c, TIMER_NONE, 0);
	if (!c->cur->body.data && buf_reserve(&c->cur->body, 0))
		return -1;
	c->ready = c->cur;
	c->cur = NULL;
	/* one request at a time: the rest of the input waits until it is answered */
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings parser_settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

/* ---- dispatch ------------------------------------------------------------------- */

static void dispatch(struct http_conn *c, struct http_request *req)
{
	struct http_server *srv = c->srv;
	c->active = req;
	if (srv->shutting_down)
		req->want_close = true;
	struct route *r = NULL;
	struct buf allow = BUF_INIT;
	enum route_match m = http__route_find(srv, req, &r, &allow);
	if (m == MATCH_OK) {
		req->route_name = r->name;
		if (r->is_ws) {
			if (req->upgrade) {
				http__ws_upgrade(req, r);
			} else {
				http_set_header(req, "Upgrade", "websocket");
				http_respond_error(req, 426, "upgrade_required",
						   "this endpoint speaks WebSocket only");
			}
		} else {
			if (req->upgrade)
				req->want_close = true;
			int rc = r->handler(req, r->ctx);
			if (rc < 0 && c->active == req && !req->responded)
				http_respond_error(req, 500, "internal", "internal error");
		}
	} else if (m == MATCH_METHOD) {
		req->route_name = "method_not_allowed";
		http_set_header(req, "Allow", allow.data ? allow.data : "");
		http_respond_error(req, 405, "method_not_allowed",
				   "method not allowed on this path");
	} else {
		int rc = -ENOENT;
		if ((!strcmp(req->method, "GET") || req->head) && srv->cfg.web_root) {
			req->route_name = "static";
			rc = http__static_serve(req);
		}
		if (rc == -ENOENT) {
			req->route_name = "not_found";
			http_respond_error(req, 404, "not_found", "no such resource");
		}
	}
	buf_free(&allow);
}

static void conn_fail(struct http_conn *c, int status)
{
	if (c->state != CONN_HTTP)
		return;
	http__timer_set(c, TIMER_NONE, 0);
	struct http_request *req = c->cur;
	c->cur = NULL;
	if (!req)
		req = request_new(c);
	if (!req) {
		http__conn_close(c);
		return;
	}
	if (c->active) {
		/* an earlier request is still being handled: just drop the input */
		http__request_free(req);
		c->close_after_write = true;
		buf_reset(&c->in);
		return;
	}
	if (!req->method[0])
		snprintf(req->method, sizeof req->method, "%s", "-");
	req->want_close = true;
	c->active = req;
	c->close_after_write = true;
	buf_reset(&c->in);
	req->route_name = "error";
	switch (status) {
	case 408:
		http_respond_error(req, 408, "timeout", "request not received in time");
		break;
	case 413:
		http_respond_error(req, 413, "too_large", "request body too large");
		break;
	case 431:
		http_respond_error(req, 431, "headers_too_large", "request headers too large");
		break;
	case 503:
		http_respond_error(req, 503, "unavailable", "out of memory");
		break;
	default:
		http_respond_error(req, 400, "bad_request", "malformed HTTP request");
		break;
	}
}

static void conn_process(struct http_conn *c)
{
	if (c->processing)
		return;
	c->processing = true;
	while (c->state == CONN_HTTP && !c->active && !c->close_after_write) {
		if (c->ready) {
			struct http_request *req = c->ready;
			c->ready = NULL;
			dispatch(c, req);
			continue;
		}
		if (c->in.len == 0)
			break;
		size_t n = http_parser_execute(&c->parser, &parser_settings, c->in.data, c->in.len);
		enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
		if (e == HPE_PAUSED) {
			http_parser_pause(&c->parser, 0);
			buf_consume(&c->in, n);
			continue;
		}
		if (e != HPE_OK) {
			int st = c->error_status ? c->error_status : 400;
			conn_fail(c, st);
			break;
		}
		buf_consume(&c->in, n);
		if (c->parser.upgrade)
			break;
	}
	c->processing = false;
	if (c->state == CONN_WS) {
		if (c->in.len) {
			struct buf rest = c->in;
			c->in = (struct buf)BUF_INIT;
			http__ws_read(c, rest.data, rest.len);
			buf_free(&rest);
		} else {
			buf_free(&c->in);
		}
		return;
	}
	if (c->state != CONN_HTTP || c->active || c->close_after_write)
		return;
	if (c->srv->shutting_down && !c->cur) {
		http__conn_close(c);
		return;
	}
	if (!c->cur)
		http__timer_set(c, TIMER_IDLE, c->srv->cfg.keepalive_timeout_ms);
	if (!c->reading && uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) == 0)
		c->reading = true;
}

/* ---- reading -------------------------------------------------------------------- */

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct http_conn *c = h->data;
	/* libuv calls read_cb right after alloc_cb, so one shared buffer is enough */
	*b = uv_buf_init(c->srv->rbuf, sizeof c->srv->rbuf);
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct http_conn *c = s->data;
	if (nread == 0)
		return;
	if (nread < 0) {
		if (c->state == CONN_HTTP && nread == UV_EOF && !c->active && c->out_pending) {
			/* half-closed while its answer is being written: finish writing, then
			 * close. A client gone while its request is still being handled counts as
			 * an abort (the request is detached; see http_request_aborted). */
			uv_read_stop(s);
			c->reading = false;
			c->close_after_write = true;
			return;
		}
		http__conn_close(c);
		return;
	}
	switch (c->state) {
	case CONN_LINGER:
		return;
	case CONN_WS:
		http__ws_read(c, b->base, (size_t)nread);
		return;
	case CONN_CLOSING:
		return;
	case CONN_HTTP:
		break;
	}
	if (c->close_after_write)
		return; /* an answer that ends the connection is on its way */
	if (buf_append(&c->in, b->base, (size_t)nread)) {
		http__conn_close(c);
		return;
	}
	if (c->active) {
		if (c->in.len > HTTP_MAX_BUFFERED_INPUT + c->srv->cfg.max_body_bytes) {
			uv_read_stop(s);
			c->reading = false;
		}
		return;
	}
	if (c->timer_kind == TIMER_BODY)
		http__timer_set(c, TIMER_BODY, c->srv->cfg.read_timeout_ms);
	else if (c->timer_kind == TIMER_IDLE)
		http__timer_set(c, TIMER_NONE, 0);
	conn_process(c);
}

/* ---- accepting ------------------------------------------------------------------ */

static struct http_conn *conn_new(struct http_server *srv)
{
	struct http_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->srv = srv;
	c->file_fd = -1;
	uv_tcp_init(srv->loop, &c->tcp);
	uv_timer_init(srv->loop, &c->timer);
	c->tcp.data = c;
	c->timer.data = c;
	c->open_handles = 2;
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	c->state = CONN_HTTP;
	return c;
}

static void conn_start(struct http_conn *c)
{
	struct http_server *srv = c->srv;
	if (srv->nconns > srv->cfg.max_connections) {
		srv->rejected_total++;
		http__conn_close(c);
		return;
	}
	srv->accepted_total++;
	uv_tcp_nodelay(&c->tcp, 1);
	struct sockaddr_storage ss;
	int len = sizeof ss;
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET6)
			uv_ip6_name((struct sockaddr_in6 *)&ss, c->remote, sizeof c->remote);
		else if (ss.ss_family == AF_INET)
			uv_ip4_name((struct sockaddr_in *)&ss, c->remote, sizeof c->remote);
	}
	http_parser_init(&c->parser, HTTP_REQUEST);
	c->parser.data = c;
	if (uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) < 0) {
		http__conn_close(c);
		return;
	}
	c->reading = true;
	http__timer_set(c, TIMER_IDLE, srv->cfg.keepalive_timeout_ms);
}

static void on_connection(uv_stream_t *ls, int status)
{
	struct http_server *srv = ls->data;
	if (status < 0 || srv->shutting_down)
		return;
	struct http_conn *c = conn_new(srv);
	if (!c)
		return;
	if (uv_accept(ls, (uv_stream_t *)&c->tcp) < 0) {
		http__conn_close(c);
		return;
	}
	conn_start(c);
}

int http__conn_adopt(struct http_server *srv, uv_os_sock_t fd)
{
	if (srv->shutting_down)
		return -ESHUTDOWN;
	struct http_conn *c = conn_new(srv);
	if (!c)
		return -ENOMEM;
	int rc = uv_tcp_open(&c->tcp, fd);
	if (rc < 0) {
		http__conn_close(c);
		return rc;
	}
	conn_start(c);
	return 0;
}

/* ---- server --------------------------------------------------------------------- */

int http_server_new(uv_loop_t *loop, const struct http_config *cfg, struct http_server **out)
{
	if (!loop || !cfg || !out || !cfg->host || cfg->port < 0 || cfg->port > 65535)
		return -EINVAL;
	if (sodium_init() < 0)
		return -ENOMEM;
	struct http_server *srv = calloc(1, sizeof *srv);
	if (!srv)
		return -ENOMEM;
	srv->loop = loop;
	srv->cfg = *cfg;
	srv->port = -ENOTCONN;
	randombytes_buf(srv->rng, sizeof srv->rng);
	srv->rng[0] |= 1;
	int rc = -ENOMEM;
	if (cfg->web_root) {
		srv->root_real = realpath(cfg->web_root, NULL);
		if (!srv->root_real) {
			rc = -errno;
			log_error("http: web root %s: %s", cfg->web_root, strerror(errno));
			goto out;
		}
		srv->root_len = strlen(srv->root_real);
	}
	rc = http__builtin_routes(srv);
	if (rc)
		goto out;
	*out = srv;
	return 0;
out:
	http_server_free(srv);
	return rc;
}

int http_server_listen(struct http_server *srv)
{
	struct sockaddr_storage ss;
	const char *host = strcmp(srv->cfg.host, "localhost") ? srv->cfg.host : "127.0.0.1";
	int rc = uv_ip4_addr(host, srv->cfg.port, (struct sockaddr_in *)&ss);
	if (rc < 0)
		rc = uv_ip6_addr(host, srv->cfg.port, (struct sockaddr_in6 *)&ss);
	if (rc < 0)
		return -EINVAL;
	if (srv->listening || srv->shutting_down)
		return -EALREADY;
	rc = uv_tcp_init(srv->loop, &srv->listener);
	if (rc < 0)
		return rc;
	srv->listener.data = srv;
	srv->listening = true;
	srv->handles_open++;
	rc = uv_tcp_bind(&srv->listener, (const struct sockaddr *)&ss, 0);
	if (!rc)
		rc = uv_listen((uv_stream_t *)&srv->listener, 1024, on_connection);
	if (rc < 0)
		return rc;
	int len = sizeof ss;
	rc = uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&ss, &len);
	if (rc < 0)
		return rc;
	srv->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						   : ((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

int http_server_port(const struct http_server *srv)
{
	return srv->port;
}

uv_loop_t *http_server_loop(const struct http_server *srv)
{
	return srv->loop;
}

void http_set_ready(struct http_server *srv, bool ready)
{
	srv->ready = ready && !srv->shutting_down;
}

int http_metrics_hook(struct http_server *srv, http_metrics_fn fn, void *ctx)
{
	if (!fn)
		return -EINVAL;
	if (srv->nhooks == HTTP_MAX_HOOKS)
		return -ENOSPC;
	srv->hooks[srv->nhooks].fn = fn;
	srv->hooks[srv->nhooks].ctx = ctx;
	srv->nhooks++;
	return 0;
}

static void srv_handle_closed(uv_handle_t *h)
{
	struct http_server *srv = h->data;
	srv->handles_open--;
	srv_check_done(srv);
}

static void srv_check_done(struct http_server *srv)
{
	if (!srv->shutting_down || srv->done_called || srv->nconns > 0)
		return;
	if (!srv->force_closed) {
		srv->force_closed = true;
		uv_close((uv_handle_t *)&srv->force_timer, srv_handle_closed);
		return;
	}
	if (srv->handles_open > 0)
		return;
	srv->done_called = true;
	if (srv->done)
		srv->done(srv->done_arg);
}

static void force_cb(uv_timer_t *t)
{
	struct http_server *srv = t->data;
	log_warn("http: shutdown timeout; closing %u connections", srv->nconns);
	for (struct http_conn *c = srv->conns, *next; c; c = next) {
		next = c->next;
		http__conn_close(c);
	}
}

void http_server_shutdown(struct http_server *srv, http_done_fn done, void *arg)
{
	if (srv->shutting_down)
		return;
	srv->shutting_down = true;
	srv->ready = false;
	srv->done = done;
	srv->done_arg = arg;
	if (srv->listening && !srv->listener_closed) {
		srv->listener_closed = true;
		uv_close((uv_handle_t *)&srv->listener, srv_handle_closed);
	}
	uv_timer_init(srv->loop, &srv->force_timer);
	srv->force_timer.data = srv;
	srv->handles_open++;
	uv_timer_start(&srv->force_timer, force_cb, srv->cfg.shutdown_timeout_ms, 0);
	uv_unref((uv_handle_t *)&srv->force_timer);
	for (struct http_conn *c = srv->conns, *next; c; c = next) {
		next = c->next;
		if (c->state == CONN_WS)
			http__ws_going_away(c);
		else if (c->state == CONN_HTTP && !c->active && !c->ready && !c->cur)
			http__conn_close(c);
	}
	srv_check_done(srv);
}

void http_server_free(struct http_server *srv)
{
	if (!srv)
		return;
	http__routes_free(srv);
	http__static_free(srv);
	http__metrics_free(srv);
	buf_free(&srv->ws_out);
	free(srv->root_real);
	free(srv);
}
