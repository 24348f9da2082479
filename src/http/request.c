/* request.c: request accessors and the response functions. */
#include "base/jsonx.h"
#include "base/log.h"
#include "http/internal.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *http_method(const struct http_request *req) { return req->method; }
const char *http_path(const struct http_request *req) { return req->path ? req->path : "/"; }
const char *http_query_string(const struct http_request *req) { return req->query ? req->query : ""; }
const char *http_remote_addr(const struct http_request *req) { return req->remote; }
const char *http_request_id(const struct http_request *req) { return req->id; }
const char *http_route_name(const struct http_request *req) { return req->route_name; }
struct http_server *http_request_server(const struct http_request *req) { return req->srv; }
bool http_request_aborted(const struct http_request *req) { return req->aborted; }
void *http_data(const struct http_request *req) { return req->data; }

const char *http_body(const struct http_request *req, size_t *len)
{
	if (len)
		*len = req->body.len;
	return req->body.data ? req->body.data : "";
}

void http_set_data(struct http_request *req, void *data, void (*free_fn)(void *))
{
	if (req->data_free && req->data != data)
		req->data_free(req->data);
	req->data = data;
	req->data_free = free_fn;
}

const char *http_param(const struct http_request *req, const char *name)
{
	for (int i = 0; i < req->nparam; i++)
		if (!strcmp(req->param_name[i], name))
			return req->param_val[i];
	return NULL;
}

const char *http_header(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->nhdr; i++) {
		const char *n = req->hdr.data + req->hdr_off[i];
		if (!strcasecmp(n, name))
			return n + strlen(n) + 1;
	}
	return NULL;
}

const char *http_query(struct http_request *req, const char *key)
{
	const char *q = req->query;
	if (!q || !key)
		return NULL;
	size_t klen = strlen(key);
	while (*q) {
		const char *end = strchr(q, '&');
		size_t n = end ? (size_t)(end - q) : strlen(q);
		const char *eq = memchr(q, '=', n);
		size_t kn = eq ? (size_t)(eq - q) : n;
		char *k = http__pct_decode(q, kn, true);
		bool hit = k && strlen(k) == klen && !memcmp(k, key, klen);
		free(k);
		if (hit) {
			char *v = eq ? http__pct_decode(eq + 1, n - kn - 1, true) : strdup("");
			if (!v)
				return NULL;
			char **vs = realloc(req->qvals, (req->nqvals + 1) * sizeof *vs);
			if (!vs) {
				free(v);
				return NULL;
			}
			req->qvals = vs;
			req->qvals[req->nqvals++] = v;
			return v;
		}
		if (!end)
			break;
		q = end + 1;
	}
	return NULL;
}

static bool header_ok(const char *s, bool name)
{
	if (!s || (name && !*s))
		return false;
	for (; *s; s++) {
		if (*s == '\r' || *s == '\n')
			return false;
		if (name && (*s == ':' || *s == ' '))
			return false;
	}
	return true;
}

int http_set_header(struct http_request *req, const char *name, const char *value)
{
	if (req->responded)
		return -EALREADY;
	if (!header_ok(name, true) || !header_ok(value, false))
		return -EINVAL;
	return buf_printf(&req->resp_hdr, "%s: %s\r\n", name, value);
}

int http_respond(struct http_request *req, int status, const char *content_type,
		 const void *body, size_t len)
{
	if (!req || req->responded)
		return -EALREADY;
	if (status < 100 || status > 599)
		status = 500;
	req->responded = true;
	req->status = status;
	struct http_conn *c = req->conn;
	if (!c || c->state != CONN_HTTP) {
		if (c && c->active == req)
			c->active = NULL;
		req->conn = NULL;
		req->aborted = true;
		http__request_done(req);
		return 0;
	}
	bool no_body = status == 204 || status == 304 || status < 200;
	struct buf head = BUF_INIT;
	int rc = http__head(req, &head, status, content_type, len, !no_body);
	if (rc) {
		req->want_close = true;
		http__conn_close(c);
		req->conn = NULL;
		http__request_done(req);
		buf_free(&head);
		return rc;
	}
	uv_buf_t bufs[2] = {uv_buf_init(head.data, (unsigned)head.len),
			    uv_buf_init((char *)body, (unsigned)len)};
	unsigned n = (no_body || req->head || !len) ? 1 : 2;
	req->bytes_out = head.len + (n == 2 ? len : 0);
	http__conn_write(c, bufs, n);
	buf_free(&head);
	if (c->state == CONN_CLOSING)
		req->conn = NULL;
	http__request_done(req);
	return 0;
}

int http_respond_json(struct http_request *req, int status, const json_t *v)
{
	struct buf b = BUF_INIT;
	int rc = jsonx_dump(&b, v);
	if (rc) {
		buf_free(&b);
		return http_respond_error(req, 500, "internal", "out of memory");
	}
	rc = http_respond(req, status, "application/json", b.data, b.len);
	buf_free(&b);
	return rc;
}

int http_respond_error(struct http_request *req, int status, const char *code,
		       const char *message)
{
	struct buf b = BUF_INIT;
	int rc = buf_puts(&b, "{\"error\":{\"code\":");
	if (!rc)
		rc = jsonx_quote(&b, code, strlen(code));
	if (!rc)
		rc = buf_puts(&b, ",\"message\":");
	if (!rc)
		rc = jsonx_quote(&b, message, strlen(message));
	if (!rc)
		rc = buf_puts(&b, "}}");
	if (rc) {
		buf_free(&b);
		return http_respond(req, 500, NULL, NULL, 0);
	}
	rc = http_respond(req, status, "application/json", b.data, b.len);
	buf_free(&b);
	return rc;
}
