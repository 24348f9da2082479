/* metrics.c: request counters and latency histogram, the access log, and the built-in
 * /healthz, /readyz and /metrics endpoints. */
#include "base/jsonx.h"
#include "base/log.h"
#include "http/internal.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const double lat_bounds[HTTP_LAT_BUCKETS] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
	0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
};

static size_t count_slot(const char *route, int status, size_t cap)
{
	uintptr_t h = (uintptr_t)route * 31u + (uintptr_t)status;
	h ^= h >> 7;
	return (size_t)(h % cap);
}

static int counts_grow(struct http_server *srv)
{
	size_t cap = srv->ncounts_cap ? srv->ncounts_cap * 2 : 64;
	struct status_count *n = calloc(cap, sizeof *n);
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < srv->ncounts_cap; i++) {
		struct status_count *o = &srv->counts[i];
		if (!o->route)
			continue;
		size_t j = count_slot(o->route, o->status, cap);
		while (n[j].route)
			j = (j + 1) % cap;
		n[j] = *o;
	}
	free(srv->counts);
	srv->counts = n;
	srv->ncounts_cap = cap;
	return 0;
}

void http__metrics_record(struct http_server *srv, const char *route, int status,
			  uint64_t dur_ns)
{
	double s = (double)dur_ns / 1e9;
	int b = 0;
	while (b < HTTP_LAT_BUCKETS && s > lat_bounds[b])
		b++;
	srv->lat_buckets[b]++;
	srv->lat_sum += s;
	srv->lat_count++;
	if (!srv->ncounts_cap && counts_grow(srv))
		return;
	size_t i = count_slot(route, status, srv->ncounts_cap);
	while (srv->counts[i].route &&
	       !(srv->counts[i].route == route && srv->counts[i].status == status))
		i = (i + 1) % srv->ncounts_cap;
	if (srv->counts[i].route) {
		srv->counts[i].count++;
		return;
	}
	if ((srv->ncounts_used + 1) * 2 > srv->ncounts_cap) {
		if (counts_grow(srv))
			return;
		i = count_slot(route, status, srv->ncounts_cap);
		while (srv->counts[i].route)
			i = (i + 1) % srv->ncounts_cap;
	}
	srv->counts[i] = (struct status_count){route, status, 1};
	srv->ncounts_used++;
}

void http__metrics_free(struct http_server *srv)
{
	free(srv->counts);
	srv->counts = NULL;
	srv->ncounts_cap = 0;
}

void http__access_log(struct http_request *req, uint64_t dur_ns)
{
	struct buf line = BUF_INIT;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char when[64];
	snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 ts.tv_nsec / 1000000);
	const char *path = req->path ? req->path : "";
	int rc = buf_printf(&line, "{\"ts\":\"%s\",\"level\":\"info\",\"msg\":\"request\","
			    "\"request_id\":\"%s\",\"method\":", when, req->id);
	if (!rc)
		rc = jsonx_quote(&line, req->method, strlen(req->method));
	if (!rc)
		rc = buf_puts(&line, ",\"path\":");
	if (!rc)
		rc = jsonx_quote(&line, path, strlen(path));
	if (!rc)
		rc = buf_printf(&line, ",\"route\":");
	if (!rc)
		rc = jsonx_quote(&line, req->route_name, strlen(req->route_name));
	if (!rc)
		rc = buf_printf(&line, ",\"status\":%d,\"bytes\":%zu,\"duration_us\":%llu,"
				"\"remote\":\"%s\"%s}", req->status, req->bytes_out,
				(unsigned long long)(dur_ns / 1000),
				req->remote,
				req->aborted ? ",\"aborted\":true" : "");
	if (!rc)
		log_json_line(line.data);
	buf_free(&line);
}

static int healthz(struct http_request *req, void *ctx)
{
	static const char ok[] = "{\"status\":\"ok\"}";
	return http_respond(req, 200, "application/json", ok, sizeof ok - 1);
}

static int readyz(struct http_request *req, void *ctx)
{
	static const char ready[] = "{\"status\":\"ready\"}";
	static const char not_ready[] = "{\"status\":\"not ready\"}";
	if (req->srv->ready)
		return http_respond(req, 200, "application/json", ready, sizeof ready - 1);
	return http_respond(req, 503, "application/json", not_ready, sizeof not_ready - 1);
}

static int put_label(struct buf *b, const char *s)
{
	int rc = 0;
	for (; *s && !rc; s++) {
		if (*s == '"' || *s == '\\')
			rc = buf_putc(b, '\\');
		if (!rc)
			rc = *s == '\n' ? buf_puts(b, "\\n") : buf_putc(b, *s);
	}
	return rc;
}

static int metrics(struct http_request *req, void *ctx)
{
	struct http_server *srv = req->srv;
	struct buf b = BUF_INIT;
	int rc = buf_puts(&b, "# HELP tandem_http_requests_total HTTP requests by route and status.\n"
			      "# TYPE tandem_http_requests_total counter\n");
	for (size_t i = 0; !rc && i < srv->ncounts_cap; i++) {
		const struct status_count *e = &srv->counts[i];
		if (!e->route)
			continue;
		rc = buf_puts(&b, "tandem_http_requests_total{route=\"");
		if (!rc)
			rc = put_label(&b, e->route);
		if (!rc)
			rc = buf_printf(&b, "\",status=\"%d\"} %llu\n", e->status,
					(unsigned long long)e->count);
	}
	if (!rc)
		rc = buf_puts(&b, "# HELP tandem_http_request_duration_seconds Time from the first "
				  "byte of a request to its response.\n"
				  "# TYPE tandem_http_request_duration_seconds histogram\n");
	uint64_t cum = 0;
	for (int i = 0; !rc && i < HTTP_LAT_BUCKETS; i++) {
		cum += srv->lat_buckets[i];
		rc = buf_printf(&b, "tandem_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
				lat_bounds[i], (unsigned long long)cum);
	}
	cum += srv->lat_buckets[HTTP_LAT_BUCKETS];
	if (!rc)
		rc = buf_printf(&b,
				"tandem_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
				"tandem_http_request_duration_seconds_sum %.6f\n"
				"tandem_http_request_duration_seconds_count %llu\n"
				"# HELP tandem_http_connections Open HTTP and WebSocket connections.\n"
				"# TYPE tandem_http_connections gauge\n"
				"tandem_http_connections %u\n"
				"# HELP tandem_http_connections_accepted_total Connections accepted.\n"
				"# TYPE tandem_http_connections_accepted_total counter\n"
				"tandem_http_connections_accepted_total %llu\n"
				"# HELP tandem_http_connections_rejected_total Connections refused "
				"over the limit.\n"
				"# TYPE tandem_http_connections_rejected_total counter\n"
				"tandem_http_connections_rejected_total %llu\n"
				"# HELP tandem_ws_sessions Open WebSocket sessions.\n"
				"# TYPE tandem_ws_sessions gauge\n"
				"tandem_ws_sessions %u\n",
				(unsigned long long)cum, srv->lat_sum, (unsigned long long)srv->lat_count,
				srv->nconns, (unsigned long long)srv->accepted_total,
				(unsigned long long)srv->rejected_total, srv->nws);
	for (int i = 0; !rc && i < srv->nhooks; i++)
		srv->hooks[i].fn(&b, srv->hooks[i].ctx);
	if (rc) {
		buf_free(&b);
		return http_respond_error(req, 500, "internal", "out of memory");
	}
	rc = http_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
	buf_free(&b);
	return rc;
}

int http__builtin_routes(struct http_server *srv)
{
	int rc = http_route(srv, "GET", "/healthz", healthz, NULL, "healthz");
	if (!rc)
		rc = http_route(srv, "GET", "/readyz", readyz, NULL, "readyz");
	if (!rc)
		rc = http_route(srv, "GET", "/metrics", metrics, NULL, "metrics");
	return rc;
}
