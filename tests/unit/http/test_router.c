/* test_router.c: route patterns, matching and parameters, 405 Allow lists,
 * percent-decoding, query and header lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/internal.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int h_a(struct http_request *req, void *ctx) { return 0; }
static int h_b(struct http_request *req, void *ctx) { return 0; }

static struct http_server *server(void)
{
	struct http_config cfg = http_config_default();
	struct http_server *srv = NULL;
	assert_int_equal(http_server_new(uv_default_loop(), &cfg, &srv), 0);
	return srv;
}

static struct http_request *request(struct http_server *srv, const char *method, const char *path,
				    const char *query)
{
	struct http_request *req = calloc(1, sizeof *req);
	assert_non_null(req);
	req->srv = srv;
	snprintf(req->method, sizeof req->method, "%s", method);
	req->head = !strcmp(method, "HEAD");
	req->path = strdup(path);
	req->query = strdup(query ? query : "");
	return req;
}

static enum route_match find(struct http_server *srv, const char *method, const char *path,
			     const char **name, char *allow, size_t allow_len,
			     char *param, size_t param_len, const char *pname)
{
	struct http_request *req = request(srv, method, path, NULL);
	struct route *r = NULL;
	struct buf a = BUF_INIT;
	enum route_match m = http__route_find(srv, req, &r, &a);
	if (name)
		*name = m == MATCH_OK ? r->name : NULL;
	if (allow)
		snprintf(allow, allow_len, "%s", a.data ? a.data : "");
	if (param) {
		const char *v = http_param(req, pname);
		snprintf(param, param_len, "%s", v ? v : "(null)");
	}
	buf_free(&a);
	http__request_free(req);
	return m;
}

static void test_patterns_validated(void **state)
{
	struct http_server *srv = server();
	assert_int_equal(http_route(srv, "GET", "no-slash", h_a, NULL, "x"), -EINVAL);
	assert_int_equal(http_route(srv, "GET", "/a/{b", h_a, NULL, "x"), -EINVAL);
	assert_int_equal(http_route(srv, "GET", "/a/{}", h_a, NULL, "x"), -EINVAL);
	assert_int_equal(http_route(srv, "GET", "/a/{rest*}/b", h_a, NULL, "x"), -EINVAL);
	assert_int_equal(http_route(srv, "get", "/a", h_a, NULL, "x"), -EINVAL);
	assert_int_equal(http_route(srv, "GET", "/a", NULL, NULL, "x"), -EINVAL);
	assert_int_equal(http_route(srv, "GET", "/a/{id}", h_a, NULL, "x"), 0);
	assert_int_equal(http_route(srv, "GET", "/a/{id}", h_b, NULL, "y"), -EEXIST);
	assert_int_equal(http_route(srv, "GET", "/healthz", h_b, NULL, "y"), -EEXIST);
	http_server_free(srv);
}

static void test_matching_and_params(void **state)
{
	struct http_server *srv = server();
	assert_int_equal(http_route(srv, "GET", "/api/v1/technicians/{id}", h_a, NULL, "tech_get"), 0);
	assert_int_equal(http_route(srv, "GET", "/api/v1/technicians/me", h_b, NULL, "tech_me"), 0);
	assert_int_equal(http_route(srv, "PUT", "/api/v1/technicians/{id}", h_a, NULL, "tech_put"), 0);
	assert_int_equal(http_route(srv, "POST", "/hooks/{rest*}", h_a, NULL, "hooks"), 0);
	assert_int_equal(http_route(srv, "GET", "/", h_a, NULL, "root"), 0);
	const char *name;
	char p[64];

	assert_int_equal(find(srv, "GET", "/api/v1/technicians/42", &name, NULL, 0, p, sizeof p, "id"),
			 MATCH_OK);
	assert_string_equal(name, "tech_get");
	assert_string_equal(p, "42");
	/* a literal segment wins over a parameter */
	assert_int_equal(find(srv, "GET", "/api/v1/technicians/me", &name, NULL, 0, NULL, 0, NULL),
			 MATCH_OK);
	assert_string_equal(name, "tech_me");
	/* HEAD uses GET routes */
	assert_int_equal(find(srv, "HEAD", "/api/v1/technicians/7", &name, NULL, 0, NULL, 0, NULL),
			 MATCH_OK);
	assert_string_equal(name, "tech_get");
	/* the rest parameter takes everything, including nothing */
	assert_int_equal(find(srv, "POST", "/hooks/sms/inbound", &name, NULL, 0, p, sizeof p, "rest"),
			 MATCH_OK);
	assert_string_equal(p, "sms/inbound");
	assert_int_equal(find(srv, "POST", "/hooks", &name, NULL, 0, p, sizeof p, "rest"), MATCH_OK);
	assert_string_equal(p, "");
	assert_int_equal(find(srv, "GET", "/", &name, NULL, 0, NULL, 0, NULL), MATCH_OK);
	assert_string_equal(name, "root");
	/* no partial, longer, trailing-slash or empty-parameter matches */
	assert_int_equal(find(srv, "GET", "/api/v1/technicians", NULL, NULL, 0, NULL, 0, NULL), MATCH_NONE);
	assert_int_equal(find(srv, "GET", "/api/v1/technicians/4/x", NULL, NULL, 0, NULL, 0, NULL), MATCH_NONE);
	assert_int_equal(find(srv, "GET", "/api/v1/technicians/", NULL, NULL, 0, NULL, 0, NULL), MATCH_NONE);
	assert_int_equal(find(srv, "GET", "/api/v1/technicians/4/", NULL, NULL, 0, NULL, 0, NULL), MATCH_NONE);
	assert_int_equal(find(srv, "GET", "/apix", NULL, NULL, 0, NULL, 0, NULL), MATCH_NONE);
	http_server_free(srv);
}

static void test_method_not_allowed(void **state)
{
	struct http_server *srv = server();
	assert_int_equal(http_route(srv, "GET", "/t/{id}", h_a, NULL, "g"), 0);
	assert_int_equal(http_route(srv, "PUT", "/t/{id}", h_a, NULL, "p"), 0);
	assert_int_equal(http_route(srv, "DELETE", "/t/{id}", h_a, NULL, "d"), 0);
	char allow[64];
	assert_int_equal(find(srv, "POST", "/t/1", NULL, allow, sizeof allow, NULL, 0, NULL), MATCH_METHOD);
	assert_string_equal(allow, "GET, HEAD, PUT, DELETE");
	assert_int_equal(find(srv, "POST", "/healthz", NULL, allow, sizeof allow, NULL, 0, NULL), MATCH_METHOD);
	assert_string_equal(allow, "GET, HEAD");
	http_server_free(srv);
}

static void test_pct_decode(void **state)
{
	char *s = http__pct_decode("/a%20b/c%2Fd+e", 14, false);
	assert_string_equal(s, "/a b/c/d+e");
	free(s);
	s = http__pct_decode("x+y%3d%C3%A9", 12, true);
	assert_string_equal(s, "x y=\xc3\xa9");
	free(s);
	assert_null(http__pct_decode("%zz", 3, false));
	assert_null(http__pct_decode("ab%2", 4, false));
	assert_null(http__pct_decode("ab%", 3, false));
	assert_null(http__pct_decode("a%00b", 5, false));
	s = http__pct_decode("abc", 2, false);
	assert_string_equal(s, "ab");
	free(s);
}

static void test_query_and_headers(void **state)
{
	struct http_server *srv = server();
	struct http_request *req = request(srv, "GET", "/", "a=1&b=x+y&flag&c=%E2%9C%93&a=2&d=");
	assert_string_equal(http_query(req, "a"), "1");
	assert_string_equal(http_query(req, "b"), "x y");
	assert_string_equal(http_query(req, "flag"), "");
	assert_string_equal(http_query(req, "c"), "\xe2\x9c\x93");
	assert_string_equal(http_query(req, "d"), "");
	assert_null(http_query(req, "zz"));
	assert_string_equal(http_query_string(req), "a=1&b=x+y&flag&c=%E2%9C%93&a=2&d=");
	/* headers are name\0value\0 pairs */
	static const char hdrs[] = "Content-Type\0application/json\0Cookie\0sid=abc\0";
	buf_append(&req->hdr, hdrs, sizeof hdrs - 1);
	req->hdr_off = calloc(2, sizeof *req->hdr_off);
	req->hdr_off[0] = 0;
	req->hdr_off[1] = strlen("Content-Type") + 1 + strlen("application/json") + 1;
	req->nhdr = req->hdr_cap = 2;
	assert_string_equal(http_header(req, "content-type"), "application/json");
	assert_string_equal(http_header(req, "COOKIE"), "sid=abc");
	assert_null(http_header(req, "Accept"));
	/* response headers refuse injection */
	assert_int_equal(http_set_header(req, "X-A", "1\r\nX-B: 2"), -EINVAL);
	assert_int_equal(http_set_header(req, "Bad Name", "v"), -EINVAL);
	assert_int_equal(http_set_header(req, "", "v"), -EINVAL);
	assert_int_equal(http_set_header(req, "Set-Cookie", "a=1"), 0);
	assert_int_equal(http_set_header(req, "Set-Cookie", "b=2"), 0);
	assert_string_equal(req->resp_hdr.data, "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n");
	http__request_free(req);
	http_server_free(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns_validated),
		cmocka_unit_test(test_matching_and_params),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_pct_decode),
		cmocka_unit_test(test_query_and_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
