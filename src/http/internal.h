/* internal.h: structures and functions shared between the http module's files. */
#ifndef TANDEM_HTTP_INTERNAL_H
#define TANDEM_HTTP_INTERNAL_H
#include "base/buf.h"
#include "http/http.h"
#include <http_parser.h>
#include <stdint.h>
#include <sys/types.h>

#define HTTP_MAX_PARAMS 8
#define HTTP_MAX_HOOKS 8
#define HTTP_LAT_BUCKETS 14

struct wslay_event_context;
struct static_cache;

struct route {
	struct route *next;
	char method[12];
	char *pattern;          /* owned copy */
	const char *name;       /* borrowed */
	http_handler_fn handler;
	void *ctx;
	struct ws_handler ws;   /* used when is_ws */
	bool is_ws;
	int nseg;
	char **seg;             /* owned; "{x}" -> param, "{x*}" -> rest */
	char **pname;           /* owned; the parameter name of each segment, or NULL */
};

struct status_count {
	const char *route;  /* borrowed route name; NULL = empty slot */
	int status;
	uint64_t count;
};

struct http_server {
	uv_loop_t *loop;
	struct http_config cfg;
	uv_tcp_t listener;
	uv_timer_t force_timer;
	bool listening, listener_closed, shutting_down, force_closed, done_called, ready;
	int handles_open;           /* listener + force timer not yet closed */
	int port;
	struct http_conn *conns;    /* doubly linked list of open connections */
	unsigned nconns;
	unsigned nws;
	struct route *routes;
	http_done_fn done;
	void *done_arg;
	struct { http_metrics_fn fn; void *ctx; } hooks[HTTP_MAX_HOOKS];
	int nhooks;
	/* metrics */
	struct status_count *counts;
	size_t ncounts_cap, ncounts_used;
	uint64_t lat_buckets[HTTP_LAT_BUCKETS + 1];
	double lat_sum;
	uint64_t lat_count;
	uint64_t accepted_total, rejected_total;
	/* scratch */
	char rbuf[65536];           /* shared read buffer: connections copy out what they keep */
	struct buf ws_out;          /* WebSocket frames of one flush, written at once */
	char date[40];              /* cached Date header value */
	time_t date_sec;
	uint64_t rng[2];
	char *root_real;            /* realpath of web_root, owned */
	size_t root_len;
	struct static_cache *cache;
};

enum conn_state {
	CONN_HTTP,      /* reading requests */
	CONN_WS,        /* WebSocket session */
	CONN_LINGER,    /* response sent, discarding input until EOF or timeout */
	CONN_CLOSING,   /* uv_close called */
};

enum conn_timer {
	TIMER_NONE, TIMER_IDLE, TIMER_HEADER, TIMER_BODY, TIMER_LINGER, TIMER_WS,
};

struct http_conn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	struct http_server *srv;
	struct http_conn *prev, *next;
	http_parser parser;
	enum conn_state state;
	enum conn_timer timer_kind;
	int open_handles;
	struct buf in;                 /* received, not yet parsed */
	struct http_request *cur;      /* being parsed */
	struct http_request *ready;    /* parsed, waiting to be dispatched */
	struct http_request *active;   /* dispatched, awaiting its response */
	size_t out_pending;            /* bytes handed to uv_write, not yet written */
	int error_status;              /* status to answer when a parser callback fails */
	bool processing;               /* inside conn_process (no re-entry) */
	bool reading;
	bool close_after_write;
	bool last_was_value;           /* header parsing: last callback was a value */
	char remote[48];
	/* WebSocket */
	struct ws_conn *ws;
	/* streaming a large static file */
	int file_fd;
	off_t file_off, file_end;
	struct http_request *file_req;
};

struct http_request {
	struct http_conn *conn;        /* NULL once the client has gone */
	struct http_server *srv;
	char method[12];
	bool head, responded, keep_alive, upgrade, aborted, want_close;
	unsigned short http_major, http_minor;
	struct buf url;                /* raw request target */
	char *path;                    /* decoded, owned */
	char *query;                   /* raw query, owned ("" when none) */
	struct buf hdr;                /* name\0value\0 pairs */
	size_t *hdr_off;               /* offsets of names, values follow their name */
	size_t nhdr, hdr_cap;
	size_t header_bytes;
	struct buf body;
	const char *param_name[HTTP_MAX_PARAMS];
	char *param_val[HTTP_MAX_PARAMS];
	int nparam;
	struct buf qcache;             /* decoded query values handed out: key\0value\0 */
	char **qvals;                  /* owned strings returned by http_query */
	size_t nqvals;
	struct buf resp_hdr;           /* "Name: value\r\n" lines set by the application */
	void *data;
	void (*data_free)(void *);
	const char *route_name;
	char id[17];
	char remote[48];               /* copied: the connection may go first */
	uint64_t start_ns;
	int status;
	size_t bytes_out;
};

/* server.c */
/* Serves an already connected stream socket fd (the server takes it over; closed with
 * the connection). For tests and fuzzing. 0 or a negative errno. */
int http__conn_adopt(struct http_server *srv, uv_os_sock_t fd);
void http__conn_close(struct http_conn *c);
/* Queues bytes for writing (copied if not written at once). 0, or -EPIPE if the
 * connection is closing or was cut for exceeding its output limit. */
int http__conn_write(struct http_conn *c, const uv_buf_t *bufs, unsigned nbufs);
void http__timer_set(struct http_conn *c, enum conn_timer kind, uint64_t ms);
void http__request_free(struct http_request *req);
/* Finishes a request whose response has been fully queued: logs, counts, frees, and
 * lets the connection go on with the next request (or close). */
void http__request_done(struct http_request *req);
/* Builds the status line and headers for req into out. */
int http__head(struct http_request *req, struct buf *out, int status, const char *ctype,
	       size_t content_length, bool has_length);
const char *http__date(struct http_server *srv);
void http__random_hex(struct http_server *srv, char *out, size_t nhex);

/* router.c */
enum route_match { MATCH_NONE, MATCH_OK, MATCH_METHOD };
/* Finds the route for req's method and path and fills its params. On MATCH_METHOD,
 * allow gets the comma-separated methods that would match. */
enum route_match http__route_find(struct http_server *srv, struct http_request *req,
				  struct route **out, struct buf *allow);
void http__routes_free(struct http_server *srv);
/* Percent-decodes s[0..n) into a new string; plus_space turns '+' into ' '.
 * NULL on bad escapes, a NUL byte or ENOMEM. */
char *http__pct_decode(const char *s, size_t n, bool plus_space);

/* static.c */
/* Serves req (GET/HEAD) from the web root. Returns 0 when it responded, -ENOENT when no
 * such file (nothing sent). */
int http__static_serve(struct http_request *req);
void http__static_free(struct http_server *srv);
/* Sends the next chunk of a large file; called after each write completes. */
void http__static_continue(struct http_conn *c);

/* ws.c */
/* Handles a WebSocket upgrade request on route r: responds (101 or an error). */
void http__ws_upgrade(struct http_request *req, struct route *r);
/* Feeds received bytes to the session. */
void http__ws_read(struct http_conn *c, const char *data, size_t len);
/* Called when a write completed: lets the session send more. */
void http__ws_writable(struct http_conn *c);
void http__ws_timer(struct http_conn *c);
/* The connection has closed (from its close callback, never inside a session callback):
 * reports on_close and frees the session. */
void http__ws_closed(struct http_conn *c);
/* Starts the close handshake with 1001 (server going away). */
void http__ws_going_away(struct http_conn *c);
/* True when c is a WebSocket session that holds no wslay context right now (idle at a
 * message boundary; one is made again when input arrives or something is sent). */
bool http__ws_hibernating(const struct http_conn *c);

/* metrics.c */
void http__metrics_record(struct http_server *srv, const char *route, int status,
			  uint64_t dur_ns);
void http__access_log(struct http_request *req, uint64_t dur_ns);
int http__builtin_routes(struct http_server *srv);
void http__metrics_free(struct http_server *srv);

#endif
