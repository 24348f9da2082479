/* http.h: the HTTP/1.1 and WebSocket server on a libuv loop: router, static files,
 * limits, health and metrics endpoints. Everything here runs on the loop thread. */
#ifndef TANDEM_HTTP_HTTP_H
#define TANDEM_HTTP_HTTP_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct buf;
struct http_server;
struct http_request;
struct ws_conn;

/* Server settings. Start from http_config_default() and change what you need.
 * Strings are borrowed: they must outlive the server. */
struct http_config {
	const char *host;              /* IPv4/IPv6 literal (or "localhost") to bind;
	                                  default "127.0.0.1" */
	int port;                      /* 0 picks a free port (see http_server_port) */
	size_t max_header_bytes;       /* request line + headers; over -> 431. 16 KiB */
	size_t max_body_bytes;         /* request body; over -> 413 and close. 1 MiB */
	size_t max_ws_message;         /* one WebSocket message; over -> close 1009. 64 KiB */
	size_t max_output_bytes;       /* queued, unsent output per connection; over -> the
	                                  connection is cut (HTTP) or sends fail (WebSocket,
	                                  see ws_send_text). 4 MiB */
	unsigned header_timeout_ms;    /* whole header must arrive within; else 408. 10 s */
	unsigned read_timeout_ms;      /* longest pause while a body arrives; else 408. 10 s */
	unsigned keepalive_timeout_ms; /* idle keep-alive connections closed after. 5 s */
	unsigned ws_ping_interval_ms;  /* server ping on idle WebSockets; 0 = never. 30 s */
	unsigned ws_ping_timeout_ms;   /* no pong (or any frame) within -> close. 10 s */
	unsigned shutdown_timeout_ms;  /* graceful shutdown forces closes after. 10 s */
	unsigned max_connections;      /* accepted sockets beyond are closed at once. 20000 */
	const char *web_root;          /* static files directory; NULL serves none */
	bool access_log;               /* one JSON line per request via log_json_line. on */
};

/* Returns the defaults listed above. */
struct http_config http_config_default(void);

/* ---- server life cycle --------------------------------------------------------- */

/* Creates a server on loop with a copy of *cfg (strings still borrowed). Registers the
 * built-in routes /healthz, /readyz and /metrics. Does not listen yet.
 * *out is owned by the caller (http_server_free). 0, -EINVAL or -ENOMEM. */
int http_server_new(uv_loop_t *loop, const struct http_config *cfg, struct http_server **out);

/* Binds and starts accepting. 0 or a negative errno (e.g. -EADDRINUSE). */
int http_server_listen(struct http_server *srv);

/* The bound port (useful with port 0), or -ENOTCONN before http_server_listen. */
int http_server_port(const struct http_server *srv);

/* The loop the server runs on (borrowed). */
uv_loop_t *http_server_loop(const struct http_server *srv);

/* Called once when a graceful shutdown has finished. */
typedef void (*http_done_fn)(void *arg);

/* Graceful shutdown: stops accepting, marks the server not ready, lets requests in
 * flight get their responses, closes WebSockets with 1001 and idle keep-alive
 * connections, then (when every handle is closed) calls done(arg) on the loop thread.
 * After shutdown_timeout_ms the remaining connections are closed by force. Requests the
 * application still holds stay valid until it responds (the response is dropped).
 * Calling it twice has no further effect. */
void http_server_shutdown(struct http_server *srv, http_done_fn done, void *arg);

/* Frees the server. Only after the shutdown's done callback ran, or if the server never
 * listened. Requests still held by the application must have been responded to. */
void http_server_free(struct http_server *srv);

/* Sets what /readyz answers: 200 {"status":"ready"} or 503 {"status":"not ready"}.
 * A new server is not ready; shutdown makes it not ready again. */
void http_set_ready(struct http_server *srv, bool ready);

/* Appends the application's own lines of Prometheus text to out on each /metrics. */
typedef void (*http_metrics_fn)(struct buf *out, void *ctx);

/* Registers fn (at most 8 hooks; -ENOSPC beyond). 0 on success. */
int http_metrics_hook(struct http_server *srv, http_metrics_fn fn, void *ctx);

/* ---- routing ------------------------------------------------------------------- */

/* A route handler. It must make exactly one http_respond* call for req, either before
 * returning or later (e.g. after a store write completes), always on the loop thread.
 * Returning a negative errno without having responded makes the server answer 500.
 * Returning 0 without responding means "I will respond later". */
typedef int (*http_handler_fn)(struct http_request *req, void *ctx);

/* Registers handler for method ("GET", "POST", ...) and pattern, a path whose segments
 * are literal text, "{name}" (one segment, read with http_param) or, last only,
 * "{name*}" (the rest of the path, possibly empty). name labels the route in metrics
 * and the access log (borrowed string). Literal segments win over parameters.
 * An unknown path answers 404 (after static files for GET/HEAD); a known path with
 * another method answers 405 with an Allow header. HEAD uses the GET handler with the
 * body left out. 0, -EINVAL (bad pattern/method), -EEXIST, -ENOMEM. */
int http_route(struct http_server *srv, const char *method, const char *pattern,
	       http_handler_fn handler, void *ctx, const char *name);

/* ---- requests (borrowed pointers, valid until the request is responded to) -------- */

/* "GET", "POST", ... */
const char *http_method(const struct http_request *req);
/* The path, percent-decoded, without the query string. */
const char *http_path(const struct http_request *req);
/* The raw query string without '?' ("" when none). */
const char *http_query_string(const struct http_request *req);
/* The first value of query parameter key, percent-decoded ('+' is a space), "" for a
 * key without value, NULL when absent. */
const char *http_query(struct http_request *req, const char *key);
/* The value of a path parameter of the matched route, NULL if the route has none. */
const char *http_param(const struct http_request *req, const char *name);
/* The first header named name (case-insensitive), NULL when absent. */
const char *http_header(const struct http_request *req, const char *name);
/* The request body (NUL-terminated for convenience; may contain NULs) and its length. */
const char *http_body(const struct http_request *req, size_t *len);
/* The peer address as text ("127.0.0.1"). */
const char *http_remote_addr(const struct http_request *req);
/* A random id for this request (16 hex digits); also sent as X-Request-Id. */
const char *http_request_id(const struct http_request *req);
/* The name of the matched route, or "static", "not_found"... */
const char *http_route_name(const struct http_request *req);
/* The server the request arrived on. */
struct http_server *http_request_server(const struct http_request *req);
/* True once the client has gone away; a later response is then dropped. */
bool http_request_aborted(const struct http_request *req);

/* One slot for the application (e.g. the authenticated principal). free_fn, if not
 * NULL, is called with data when the request is freed. Replacing frees the old data. */
void http_set_data(struct http_request *req, void *data, void (*free_fn)(void *));
void *http_data(const struct http_request *req);

/* ---- responses: exactly one per request ----------------------------------------- */

/* Adds a response header (copied; may repeat, e.g. Set-Cookie). Must precede the
 * response. -EINVAL for CR/LF or empty name, -EALREADY after responding. */
int http_set_header(struct http_request *req, const char *name, const char *value);

/* Sends status with body (copied; len bytes) and Content-Type content_type (NULL sends
 * none). Content-Length, Date, X-Request-Id and Connection are added by the server.
 * After this call req must not be used: it is freed (now or once the response is
 * written). -EALREADY if a response was already sent (a bug in the caller). */
int http_respond(struct http_request *req, int status, const char *content_type,
		 const void *body, size_t len);

/* Sends v (borrowed; the caller keeps its reference) as application/json. */
int http_respond_json(struct http_request *req, int status, const json_t *v);

/* Sends {"error":{"code":code,"message":message}} as application/json. */
int http_respond_error(struct http_request *req, int status, const char *code,
		       const char *message);

/* ---- WebSocket (RFC 6455) ------------------------------------------------------- */

/* Callbacks of a WebSocket endpoint. ctx is the pointer given to http_ws_route. */
struct ws_handler {
	/* The handshake arrived (req is valid only during the call: read cookies, query,
	 * params here). Return 0 to accept, or an HTTP status 400..599 to refuse (the
	 * client gets that status with a JSON error body; any other value refuses with
	 * 403). Messages sent here go out right after the 101. May be NULL (accept all). */
	int (*on_open)(struct ws_conn *ws, struct http_request *req, void *ctx);
	/* One complete message (text is valid UTF-8; data is valid during the call). */
	void (*on_message)(struct ws_conn *ws, bool is_text, const void *data, size_t len,
			   void *ctx);
	/* The session ended (close code received or sent; 1006 when the socket dropped).
	 * Called once for every accepted session; ws must not be used after it returns. */
	void (*on_close)(struct ws_conn *ws, int code, void *ctx);
};

/* Serves WebSocket upgrades on pattern (same syntax as http_route) with handler
 * (copied) and ctx. Plain GETs on that path get 426. 0, -EINVAL, -EEXIST, -ENOMEM. */
int http_ws_route(struct http_server *srv, const char *pattern, const struct ws_handler *h,
		  void *ctx);

/* Queues a text (must be valid UTF-8: -EINVAL otherwise) or binary message (data
 * copied). Returns -ENOBUFS, sending nothing, when the connection's unsent output is
 * over max_output_bytes (back-pressure: the caller decides to drop, wait or close);
 * -EPIPE once closing. 0 on success. */
int ws_send_text(struct ws_conn *ws, const char *data, size_t len);
int ws_send_binary(struct ws_conn *ws, const void *data, size_t len);

/* Bytes queued but not yet written to the socket. */
size_t ws_output_pending(const struct ws_conn *ws);

/* Starts the close handshake with code and reason (<= 123 bytes, may be NULL). The
 * session's on_close follows. -EINVAL for a code that may not be sent (outside
 * 1000..4999, or 1005/1006/1015), -EPIPE if already closing. */
int ws_close(struct ws_conn *ws, int code, const char *reason);

/* One slot for the application's session data (not freed by the server). */
void ws_set_data(struct ws_conn *ws, void *data);
void *ws_data(const struct ws_conn *ws);

/* The peer address as text; a path parameter captured at the handshake; NULL if none. */
const char *ws_remote_addr(const struct ws_conn *ws);
const char *ws_param(const struct ws_conn *ws, const char *name);

#endif
