/* ws.c: WebSocket sessions (RFC 6455) over wslay's event API: handshake, messages,
 * UTF-8 and size checks, pings, close handshake, output back-pressure, and hibernation
 * (an idle session keeps no wslay context between messages). */
#include "base/log.h"
#include "base/utf8.h"
#include "http/internal.h"
#include <errno.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wslay/wslay.h>

/* Frames are handed to the socket while less than this (or half the output limit) is
 * unsent; the rest waits in wslay's queue (and counts toward ws_output_pending). */
#define WS_SOCKET_HIGH_WATER (128 * 1024)
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* Hibernation: wslay's event context (two fixed buffers of about 4 KiB each) holds state
 * only while a frame is half read, a message is half reassembled, output is queued in it
 * or a close handshake is under way. Between messages none of that exists, so the
 * context is freed after every flush that leaves the session at a message boundary and
 * made anew (same callbacks, same limits) when input arrives or something is sent. The
 * session tracks frame boundaries itself (wslay does not expose them); wslay still
 * parses and checks every byte. */
struct ws_param {
	const char *name;       /* the route's, borrowed */
	char *val;              /* owned */
};

struct ws_conn {
	struct http_conn *conn;
	struct wslay_event_context *ctx;  /* NULL while hibernating */
	const struct route *route;
	void *data;
	struct ws_param *params; /* the route's path parameters (NULL when none) */
	int nparam;
	const char *rx;         /* input being fed to wslay_event_recv */
	size_t rx_len;
	uint64_t last_rx;       /* loop time of the last input */
	bool handshaking;       /* 101 not yet written: hold frames */
	bool in_recv;           /* inside wslay_event_recv: no flushing */
	bool ping_sent;
	bool closing;           /* we started the close handshake */
	/* input framing as seen so far, to know when wslay holds no partial input */
	bool fragmented;        /* a data message whose final frame has not arrived */
	uint8_t hdr_len;        /* bytes of the current frame header seen */
	uint8_t hdr[14];
	uint64_t pay_left;      /* payload bytes of the current frame not yet seen */
};

/* Header size once enough of it is known (0 = not yet). */
static size_t frame_header_size(const uint8_t *h, size_t n)
{
	if (n < 2)
		return 0;
	size_t len7 = h[1] & 0x7f;
	return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((h[1] & 0x80) ? 4 : 0);
}

static void frame_done(struct ws_conn *ws)
{
	unsigned op = ws->hdr[0] & 0x0f;
	bool fin = ws->hdr[0] & 0x80;
	if (op == WSLAY_TEXT_FRAME || op == WSLAY_BINARY_FRAME)
		ws->fragmented = !fin;
	else if (op == WSLAY_CONTINUATION_FRAME && fin)
		ws->fragmented = false;
}

/* Follows frame boundaries over received bytes (wslay validates them; this only
 * counts). */
static void track_input(struct ws_conn *ws, const uint8_t *p, size_t n)
{
	while (n) {
		if (ws->pay_left) {
			size_t k = n < ws->pay_left ? n : (size_t)ws->pay_left;
			ws->pay_left -= k;
			p += k;
			n -= k;
			if (!ws->pay_left) {
				frame_done(ws);
				ws->hdr_len = 0;
			}
			continue;
		}
		ws->hdr[ws->hdr_len++] = *p++;
		n--;
		size_t need = frame_header_size(ws->hdr, ws->hdr_len);
		if (!need || ws->hdr_len < need)
			continue;
		size_t len7 = ws->hdr[1] & 0x7f;
		uint64_t len = len7;
		if (len7 >= 126) {
			len = 0;
			for (size_t i = 0; i < (len7 == 126 ? 2u : 8u); i++)
				len = len << 8 | ws->hdr[2 + i];
		}
		ws->pay_left = len;
		if (!len) {
			frame_done(ws);
			ws->hdr_len = 0;
		}
	}
}

static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
		       void *user)
{
	struct ws_conn *ws = user;
	if (ws->rx_len == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	size_t n = len < ws->rx_len ? len : ws->rx_len;
	memcpy(buf, ws->rx, n);
	ws->rx += n;
	ws->rx_len -= n;
	return (ssize_t)n;
}

static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
		       int flags, void *user)
{
	struct ws_conn *ws = user;
	struct buf *out = &ws->conn->srv->ws_out;
	size_t high = ws->conn->srv->cfg.max_output_bytes / 2;
	if (high > WS_SOCKET_HIGH_WATER)
		high = WS_SOCKET_HIGH_WATER;
	if (ws->conn->out_pending + out->len >= high) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (buf_append(out, data, len)) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)len;
}

static void on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
		   void *user)
{
	struct ws_conn *ws = user;
	bool text = arg->opcode == WSLAY_TEXT_FRAME;
	if (!text && arg->opcode != WSLAY_BINARY_FRAME)
		return; /* control frames: wslay answers pings and closes itself */
	if (text && !utf8_valid((const char *)arg->msg, arg->msg_length)) {
		static const char why[] = "invalid UTF-8";
		wslay_event_queue_close(ctx, WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA,
					(const uint8_t *)why, sizeof why - 1);
		return;
	}
	if (wslay_event_get_close_sent(ctx) || ws->conn->state != CONN_WS)
		return;
	ws->route->ws.on_message(ws, text, arg->msg, arg->msg_length, ws->route->ctx);
}

static const struct wslay_event_callbacks callbacks = {
	.recv_callback = recv_cb,
	.send_callback = send_cb,
	.on_msg_recv_callback = on_msg,
};

static void ws_free(struct ws_conn *ws)
{
	if (!ws)
		return;
	if (ws->ctx)
		wslay_event_context_free(ws->ctx);
	for (int i = 0; i < ws->nparam; i++)
		free(ws->params[i].val);
	free(ws->params);
	free(ws);
}

/* Makes sure the session has a wslay context. 0 or -ENOMEM. */
static int ws_wake(struct ws_conn *ws)
{
	if (ws->ctx)
		return 0;
	if (wslay_event_context_server_init(&ws->ctx, &callbacks, ws)) {
		ws->ctx = NULL;
		return -ENOMEM;
	}
	wslay_event_config_set_max_recv_msg_length(ws->ctx, ws->conn->srv->cfg.max_ws_message);
	return 0;
}

/* Frees the wslay context when it holds nothing a fresh one would not: no partial frame
 * or message, no queued or half-sent output, no close sent or received. */
static void ws_sleep(struct ws_conn *ws)
{
	struct wslay_event_context *ctx = ws->ctx;
	if (!ctx || ws->in_recv || ws->handshaking || ws->closing ||
	    ws->conn->state != CONN_WS || ws->hdr_len || ws->pay_left || ws->fragmented)
		return;
	if (wslay_event_want_write(ctx) || wslay_event_get_queued_msg_count(ctx) ||
	    !wslay_event_get_read_enabled(ctx) || !wslay_event_get_write_enabled(ctx) ||
	    wslay_event_get_close_sent(ctx) || wslay_event_get_close_received(ctx))
		return;
	wslay_event_context_free(ctx);
	ws->ctx = NULL;
}

bool http__ws_hibernating(const struct http_conn *c)
{
	return c->ws && !c->ws->ctx;
}

/* Hands queued frames to the socket; closes the connection once both sides closed;
 * hibernates the session when it is left idle. */
static void ws_flush(struct ws_conn *ws)
{
	struct http_conn *c = ws->conn;
	if (ws->handshaking || ws->in_recv || c->state != CONN_WS || !ws->ctx)
		return;
	if (wslay_event_want_write(ws->ctx)) {
		struct buf *out = &c->srv->ws_out;
		buf_reset(out);
		int rc = wslay_event_send(ws->ctx);
		if (out->len) {
			uv_buf_t b = uv_buf_init(out->data, (unsigned)out->len);
			int wr = http__conn_write(c, &b, 1);
			buf_reset(out);
			if (out->cap > 256 * 1024)
				buf_free(out);
			if (wr < 0)
				return;
		}
		if (rc != 0) {
			http__conn_close(c);
			return;
		}
	}
	if (!wslay_event_want_read(ws->ctx) && !wslay_event_want_write(ws->ctx)) {
		if (c->out_pending == 0)
			http__conn_close(c);
		else
			c->close_after_write = true;
		return;
	}
	ws_sleep(ws);
}

void http__ws_writable(struct http_conn *c)
{
	struct ws_conn *ws = c->ws;
	if (!ws)
		return;
	if (c->close_after_write && c->out_pending == 0) {
		http__conn_close(c);
		return;
	}
	ws_flush(ws);
}

void http__ws_read(struct http_conn *c, const char *data, size_t len)
{
	struct ws_conn *ws = c->ws;
	if (!ws || c->state != CONN_WS)
		return;
	ws->last_rx = uv_now(c->srv->loop);
	ws->ping_sent = false;
	if (ws_wake(ws)) {
		http__conn_close(c);
		return;
	}
	track_input(ws, (const uint8_t *)data, len);
	ws->rx = data;
	ws->rx_len = len;
	ws->in_recv = true;
	int rc = wslay_event_recv(ws->ctx);
	ws->in_recv = false;
	ws->rx_len = 0;
	if (rc != 0) {
		http__conn_close(c);
		return;
	}
	ws_flush(ws);
}

void http__ws_timer(struct http_conn *c)
{
	struct ws_conn *ws = c->ws;
	const struct http_config *cfg = &c->srv->cfg;
	if (!ws)
		return;
	if (ws->closing || ws->ping_sent) {
		/* no answer to our close or ping in time */
		http__conn_close(c);
		return;
	}
	if (!cfg->ws_ping_interval_ms)
		return;
	uint64_t now = uv_now(c->srv->loop);
	uint64_t idle = now - ws->last_rx;
	if (idle + 5 >= cfg->ws_ping_interval_ms) {
		struct wslay_event_msg ping = {WSLAY_PING, NULL, 0};
		if (ws_wake(ws)) {
			http__conn_close(c);
			return;
		}
		if (wslay_event_queue_msg(ws->ctx, &ping) == 0) {
			ws->ping_sent = true;
			http__timer_set(c, TIMER_WS, cfg->ws_ping_timeout_ms);
			ws_flush(ws);
			return;
		}
	}
	http__timer_set(c, TIMER_WS, cfg->ws_ping_interval_ms - idle);
}

void http__ws_closed(struct http_conn *c)
{
	struct ws_conn *ws = c->ws;
	c->ws = NULL;
	if (!ws)
		return;
	int code = 1006;   /* a hibernating session has neither sent nor received a close */
	if (ws->ctx && wslay_event_get_close_received(ws->ctx)) {
		code = wslay_event_get_status_code_received(ws->ctx);
		if (code == 0 || code == WSLAY_CODE_NO_STATUS_RCVD)
			code = 1005;
	} else if (ws->ctx && wslay_event_get_close_sent(ws->ctx)) {
		code = wslay_event_get_status_code_sent(ws->ctx);
	}
	c->srv->nws--;
	if (ws->route->ws.on_close)
		ws->route->ws.on_close(ws, code, ws->route->ctx);
	ws_free(ws);
}

static int ws_start_close(struct ws_conn *ws, int code, const char *reason)
{
	struct http_conn *c = ws->conn;
	if ((c->state != CONN_WS && !ws->handshaking) || ws->closing ||
	    (ws->ctx && wslay_event_get_close_sent(ws->ctx)))
		return -EPIPE;
	if (ws_wake(ws))
		return -ENOMEM;
	size_t rlen = reason ? strlen(reason) : 0;
	if (rlen > 123)
		rlen = 123;
	if (wslay_event_queue_close(ws->ctx, (uint16_t)code, (const uint8_t *)reason, rlen))
		return -EPIPE;
	ws->closing = true;
	unsigned t = c->srv->cfg.ws_ping_timeout_ms ? c->srv->cfg.ws_ping_timeout_ms : 5000;
	http__timer_set(c, TIMER_WS, t);
	ws_flush(ws);
	return 0;
}

void http__ws_going_away(struct http_conn *c)
{
	if (c->ws)
		ws_start_close(c->ws, 1001, "server shutting down");
}

/* Sec-WebSocket-Accept: base64(SHA-1(key + GUID)). */
static int accept_key(const char *key, char out[32])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char in[128];
	int n = snprintf(in, sizeof in, "%s%s", key, WS_GUID);
	if (n < 0 || (size_t)n >= sizeof in)
		return -EINVAL;
	if (!EVP_Digest(in, (size_t)n, md, &mdlen, EVP_sha1(), NULL) || mdlen != 20)
		return -EIO;
	sodium_bin2base64(out, 32, md, 20, sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

/* True when the comma-separated header value contains token (case-insensitive). */
static bool has_token(const char *v, const char *token)
{
	size_t tl = strlen(token);
	while (v && *v) {
		while (*v == ' ' || *v == ',' || *v == '\t')
			v++;
		const char *e = v;
		while (*e && *e != ',')
			e++;
		const char *t = e;
		while (t > v && (t[-1] == ' ' || t[-1] == '\t'))
			t--;
		if ((size_t)(t - v) == tl && !strncasecmp(v, token, tl))
			return true;
		v = e;
	}
	return false;
}

void http__ws_upgrade(struct http_request *req, struct route *r)
{
	struct http_conn *c = req->conn;
	struct http_server *srv = req->srv;
	const char *key = http_header(req, "Sec-WebSocket-Key");
	const char *ver = http_header(req, "Sec-WebSocket-Version");
	unsigned char raw[32];
	size_t rawlen = 0;
	char accept[32];
	if (!has_token(http_header(req, "Upgrade"), "websocket") ||
	    !has_token(http_header(req, "Connection"), "upgrade") || strcmp(req->method, "GET")) {
		http_respond_error(req, 400, "bad_handshake", "not a WebSocket upgrade");
		return;
	}
	if (!ver || strcmp(ver, "13")) {
		http_set_header(req, "Sec-WebSocket-Version", "13");
		http_respond_error(req, 426, "upgrade_required", "WebSocket version 13 required");
		return;
	}
	if (!key || strlen(key) != 24 ||
	    sodium_base642bin(raw, sizeof raw, key, 24, NULL, &rawlen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) || rawlen != 16 ||
	    accept_key(key, accept)) {
		http_respond_error(req, 400, "bad_handshake", "bad Sec-WebSocket-Key");
		return;
	}
	if (srv->shutting_down) {
		http_respond_error(req, 503, "unavailable", "server shutting down");
		return;
	}
	struct ws_conn *ws = calloc(1, sizeof *ws);
	if (ws && req->nparam && !(ws->params = calloc((size_t)req->nparam, sizeof *ws->params))) {
		free(ws);
		ws = NULL;
	}
	if (!ws) {
		http_respond_error(req, 503, "unavailable", "out of memory");
		return;
	}
	ws->conn = c;
	ws->route = r;
	ws->handshaking = true;
	/* the wslay context is made when the session first sends or receives */
	for (int i = 0; i < req->nparam; i++) {
		ws->params[i].name = req->param_name[i];
		ws->params[i].val = req->param_val[i];
		req->param_val[i] = NULL;
	}
	ws->nparam = req->nparam;
	req->nparam = 0;
	c->ws = ws;
	if (r->ws.on_open) {
		int st = r->ws.on_open(ws, req, r->ctx);
		if (st != 0) {
			c->ws = NULL;
			ws_free(ws);
			if (st < 400 || st > 599)
				st = 403;
			http_respond_error(req, st, "refused", "WebSocket connection refused");
			return;
		}
	}
	struct buf head = BUF_INIT;
	int rc = buf_printf(&head,
			    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			    "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
			    "X-Request-Id: %s\r\n",
			    accept, req->id);
	if (!rc && req->resp_hdr.len)
		rc = buf_append(&head, req->resp_hdr.data, req->resp_hdr.len);
	if (!rc)
		rc = buf_puts(&head, "\r\n");
	req->responded = true;
	req->status = 101;
	c->state = CONN_WS;
	srv->nws++;
	if (rc) {
		buf_free(&head);
		http__conn_close(c);
		http__request_done(req);
		return;
	}
	uv_buf_t b = uv_buf_init(head.data, (unsigned)head.len);
	req->bytes_out = head.len;
	http__conn_write(c, &b, 1);
	buf_free(&head);
	http__request_done(req);
	if (c->state != CONN_WS)
		return;
	ws->handshaking = false;
	ws->last_rx = uv_now(srv->loop);
	/* input after the handshake still in c->in is fed to the session by conn_process */
	if (srv->cfg.ws_ping_interval_ms)
		http__timer_set(c, TIMER_WS, srv->cfg.ws_ping_interval_ms);
	else
		http__timer_set(c, TIMER_NONE, 0);
	ws_flush(ws);
}

/* ---- public session API ---------------------------------------------------------- */

static int ws_send(struct ws_conn *ws, uint8_t opcode, const void *data, size_t len)
{
	struct http_conn *c = ws->conn;
	if ((c->state != CONN_WS && !ws->handshaking) || ws->closing ||
	    (ws->ctx && wslay_event_get_close_sent(ws->ctx)))
		return -EPIPE;
	if (ws_output_pending(ws) > c->srv->cfg.max_output_bytes)
		return -ENOBUFS;
	if (ws_wake(ws))
		return -ENOMEM;
	struct wslay_event_msg m = {opcode, data, len};
	int rc = wslay_event_queue_msg(ws->ctx, &m);
	if (rc == WSLAY_ERR_NOMEM)
		return -ENOMEM;
	if (rc)
		return -EPIPE;
	ws_flush(ws);
	return 0;
}

int ws_send_text(struct ws_conn *ws, const char *data, size_t len)
{
	if (!utf8_valid(data, len))
		return -EINVAL;
	return ws_send(ws, WSLAY_TEXT_FRAME, data, len);
}

int ws_send_binary(struct ws_conn *ws, const void *data, size_t len)
{
	return ws_send(ws, WSLAY_BINARY_FRAME, data, len);
}

size_t ws_output_pending(const struct ws_conn *ws)
{
	size_t queued = ws->ctx ? wslay_event_get_queued_msg_length(ws->ctx) : 0;
	return queued + ws->conn->out_pending;
}

int ws_close(struct ws_conn *ws, int code, const char *reason)
{
	if (code < 1000 || code > 4999 || code == 1005 || code == 1006 || code == 1015)
		return -EINVAL;
	return ws_start_close(ws, code, reason);
}

void ws_set_data(struct ws_conn *ws, void *data) { ws->data = data; }
void *ws_data(const struct ws_conn *ws) { return ws->data; }
const char *ws_remote_addr(const struct ws_conn *ws) { return ws->conn->remote; }

const char *ws_param(const struct ws_conn *ws, const char *name)
{
	for (int i = 0; i < ws->nparam; i++)
		if (!strcmp(ws->params[i].name, name))
			return ws->params[i].val;
	return NULL;
}
