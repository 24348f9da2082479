/* router.c: route registration, path matching with parameters, percent-decoding. */
#include "http/internal.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *http__pct_decode(const char *s, size_t n, bool plus_space)
{
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '%') {
			if (i + 2 >= n)
				goto bad;
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				goto bad;
			ch = (char)(hi * 16 + lo);
			i += 2;
			if (ch == '\0')
				goto bad;
		} else if (ch == '+' && plus_space) {
			ch = ' ';
		} else if (ch == '\0') {
			goto bad;
		}
		out[j++] = ch;
	}
	out[j] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

static void route_free(struct route *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nseg; i++) {
		free(r->seg[i]);
		free(r->pname ? r->pname[i] : NULL);
	}
	free(r->seg);
	free(r->pname);
	free(r->pattern);
	free(r);
}

void http__routes_free(struct http_server *srv)
{
	while (srv->routes) {
		struct route *r = srv->routes;
		srv->routes = r->next;
		route_free(r);
	}
}

static bool seg_is_param(const char *s) { return s[0] == '{'; }
static bool seg_is_rest(const char *s) { size_t n = strlen(s); return n > 3 && s[n - 2] == '*'; }

/* Splits pattern "/a/{b}/c" into segments; validates parameters. */
static int route_parse(struct route *r, const char *pattern)
{
	if (pattern[0] != '/')
		return -EINVAL;
	r->pattern = strdup(pattern);
	if (!r->pattern)
		return -ENOMEM;
	int cap = 1;
	for (const char *p = pattern; *p; p++)
		cap += *p == '/';
	r->seg = calloc((size_t)cap, sizeof *r->seg);
	r->pname = calloc((size_t)cap, sizeof *r->pname);
	if (!r->seg || !r->pname)
		return -ENOMEM;
	const char *p = pattern + 1;
	int nparams = 0;
	if (*p == '\0')
		return 0; /* "/" has no segments */
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		char *s = malloc(n + 1);
		if (!s)
			return -ENOMEM;
		memcpy(s, p, n);
		s[n] = '\0';
		r->seg[r->nseg++] = s;
		if (n && (s[0] == '{') != (s[n - 1] == '}'))
			return -EINVAL;
		if (seg_is_param(s)) {
			if (n < 3 || ++nparams > HTTP_MAX_PARAMS)
				return -EINVAL;
			if (seg_is_rest(s) && slash)
				return -EINVAL;
			size_t pn = n - (seg_is_rest(s) ? 3 : 2);
			r->pname[r->nseg - 1] = malloc(pn + 1);
			if (!r->pname[r->nseg - 1])
				return -ENOMEM;
			memcpy(r->pname[r->nseg - 1], s + 1, pn);
			r->pname[r->nseg - 1][pn] = '\0';
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	return 0;
}

static int route_add(struct http_server *srv, const char *method, const char *pattern,
		     const char *name, struct route **out)
{
	if (!method || !pattern || !*method || strlen(method) >= sizeof((struct route *)0)->method)
		return -EINVAL;
	for (const char *m = method; *m; m++)
		if (*m < 'A' || *m > 'Z')
			return -EINVAL;
	for (struct route *r = srv->routes; r; r = r->next)
		if (!strcmp(r->method, method) && !strcmp(r->pattern, pattern))
			return -EEXIST;
	struct route *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	int rc = route_parse(r, pattern);
	if (rc) {
		route_free(r);
		return rc;
	}
	memcpy(r->method, method, strlen(method) + 1);
	r->name = name ? name : r->pattern;
	/* append so that registration order is kept */
	struct route **tail = &srv->routes;
	while (*tail)
		tail = &(*tail)->next;
	*tail = r;
	*out = r;
	return 0;
}

int http_route(struct http_server *srv, const char *method, const char *pattern,
	       http_handler_fn handler, void *ctx, const char *name)
{
	if (!srv || !handler)
		return -EINVAL;
	struct route *r;
	int rc = route_add(srv, method, pattern, name, &r);
	if (rc)
		return rc;
	r->handler = handler;
	r->ctx = ctx;
	return 0;
}

int http_ws_route(struct http_server *srv, const char *pattern, const struct ws_handler *h,
		  void *ctx)
{
	if (!srv || !h || !h->on_message)
		return -EINVAL;
	struct route *r;
	int rc = route_add(srv, "GET", pattern, NULL, &r);
	if (rc)
		return rc;
	r->is_ws = true;
	r->ws = *h;
	r->ctx = ctx;
	return 0;
}

/* Matches path against r. On success fills score (higher = more specific: literal
 * segments earlier win) and, when req is given, the parameters. */
static bool route_match(const struct route *r, const char *path, struct http_request *req,
			uint64_t *score)
{
	/* p is the rest of the path after a '/', or NULL once the path is exhausted */
	const char *p = path[1] ? path + 1 : NULL;
	uint64_t sc = 0;
	for (int i = 0; i < r->nseg; i++) {
		const char *s = r->seg[i];
		bool param = seg_is_param(s);
		if (param && seg_is_rest(s)) {
			sc = sc * 4 + 1;
			if (req) {
				char *v = strdup(p ? p : "");
				if (!v)
					return false;
				req->param_name[req->nparam] = r->pname[i];
				req->param_val[req->nparam++] = v;
			}
			*score = sc;
			return true;
		}
		if (!p)
			return false;
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (param) {
			if (n == 0)
				return false;
			sc = sc * 4 + 2;
			if (req) {
				char *v = malloc(n + 1);
				if (!v)
					return false;
				memcpy(v, p, n);
				v[n] = '\0';
				req->param_name[req->nparam] = r->pname[i];
				req->param_val[req->nparam++] = v;
			}
		} else {
			if (strlen(s) != n || memcmp(s, p, n))
				return false;
			sc = sc * 4 + 3;
		}
		p = slash ? slash + 1 : NULL;
	}
	if (p)
		return false;
	*score = sc;
	return true;
}

static void params_clear(struct http_request *req)
{
	for (int i = 0; i < req->nparam; i++)
		free(req->param_val[i]);
	req->nparam = 0;
}

enum route_match http__route_find(struct http_server *srv, struct http_request *req,
				  struct route **out, struct buf *allow)
{
	const char *method = req->head ? "GET" : req->method;
	struct route *best = NULL;
	uint64_t best_score = 0;
	bool path_known = false;
	for (struct route *r = srv->routes; r; r = r->next) {
		uint64_t sc;
		if (!route_match(r, req->path, NULL, &sc))
			continue;
		path_known = true;
		if (strcmp(r->method, method))
			continue;
		if (!best || sc > best_score) {
			best = r;
			best_score = sc;
		}
	}
	if (best) {
		uint64_t sc;
		params_clear(req);
		route_match(best, req->path, req, &sc);
		*out = best;
		return MATCH_OK;
	}
	if (!path_known)
		return MATCH_NONE;
	for (struct route *r = srv->routes; r; r = r->next) {
		uint64_t sc;
		if (!route_match(r, req->path, NULL, &sc))
			continue;
		const char *m = r->method;
		bool dup = false;
		if (allow->data) {
			size_t ml = strlen(m);
			for (const char *p = allow->data; (p = strstr(p, m)); p += ml)
				if ((p == allow->data || p[-1] == ' ') && (p[ml] == ',' || p[ml] == '\0'))
					dup = true;
		}
		if (dup)
			continue;
		if (allow->len)
			buf_puts(allow, ", ");
		buf_puts(allow, m);
		if (!strcmp(m, "GET"))
			buf_puts(allow, ", HEAD");
	}
	return MATCH_METHOD;
}
