/* app.c: 'tandem serve' start-up, signal handling and graceful shutdown. */
#include "app/app.h"
#include <signal.h>
#include "base/buf.h"
#include "base/err.h"
#include "base/jsonx.h"
#include "base/log.h"
#include "base/str.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void app_config_default(struct app_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->http = http_config_default();
	cfg->db_path = "var/tandem.db";
}

/* ---- endpoints for tests and benchmarks (enabled by environment variables) ---- */

static void ws_echo_message(struct ws_conn *ws, bool is_text, const void *data, size_t len,
			    void *ctx)
{
	int rc = is_text ? ws_send_text(ws, data, len) : ws_send_binary(ws, data, len);
	if (rc == -ENOBUFS)
		ws_close(ws, 1013, "slow reader");
}

static const struct ws_handler ws_echo = {.on_message = ws_echo_message};

/* POST /test/echo: describes the request it received. */
static int test_echo(struct http_request *req, void *ctx)
{
	size_t len;
	const char *body = http_body(req, &len);
	json_t *o = json_object();
	if (!o)
		return -ENOMEM;
	json_object_set_new(o, "method", json_string(http_method(req)));
	json_object_set_new(o, "path", json_string(http_path(req)));
	json_object_set_new(o, "length", json_integer((json_int_t)len));
	json_object_set_new(o, "body", json_stringn(body, len));
	const char *q = http_query(req, "q");
	json_object_set_new(o, "q", q ? json_string(q) : json_null());
	const char *ct = http_header(req, "content-type");
	json_object_set_new(o, "content_type", ct ? json_string(ct) : json_null());
	int rc = http_respond_json(req, 200, o);
	json_decref(o);
	return rc;
}

/* GET /test/items/{id}: a path parameter. */
static int test_item(struct http_request *req, void *ctx)
{
	json_t *o = json_pack("{s:s}", "id", http_param(req, "id"));
	if (!o)
		return -ENOMEM;
	http_set_header(req, "Set-Cookie", "a=1; Path=/");
	http_set_header(req, "Set-Cookie", "b=2; Path=/");
	int rc = http_respond_json(req, 200, o);
	json_decref(o);
	return rc;
}

struct delayed {
	uv_timer_t timer;
	struct http_request *req;
};

static void delayed_free(uv_handle_t *h)
{
	free(h->data);
}

static void delayed_fire(uv_timer_t *t)
{
	struct delayed *d = t->data;
	static const char body[] = "{\"delayed\":true}";
	http_respond(d->req, 200, "application/json", body, sizeof body - 1);
	uv_close((uv_handle_t *)&d->timer, delayed_free);
}

/* GET /test/delay?ms=N: answers later, from a timer (an asynchronous response). */
static int test_delay(struct http_request *req, void *ctx)
{
	struct app *app = ctx;
	int64_t ms = 100;
	const char *q = http_query(req, "ms");
	if (q && str_to_i64(q, 0, 60000, &ms))
		return http_respond_error(req, 400, "bad_request", "ms must be 0..60000");
	struct delayed *d = calloc(1, sizeof *d);
	if (!d)
		return -ENOMEM;
	d->req = req;
	uv_timer_init(&app->loop, &d->timer);
	d->timer.data = d;
	uv_timer_start(&d->timer, delayed_fire, (uint64_t)ms, 0);
	return 0;
}

static int register_test_routes(struct app *app)
{
	int rc = 0;
	const char *echo = getenv("TANDEM_WS_ECHO");
	if (app->cfg.ws_echo || (echo && !strcmp(echo, "1")))
		rc = http_ws_route(app->http, "/ws/echo", &ws_echo, app);
	const char *t = getenv("TANDEM_TEST_ROUTES");
	if (!rc && t && !strcmp(t, "1")) {
		rc = http_route(app->http, "POST", "/test/echo", test_echo, app, "test_echo");
		if (!rc)
			rc = http_route(app->http, "PUT", "/test/echo", test_echo, app, "test_echo");
		if (!rc)
			rc = http_route(app->http, "GET", "/test/items/{id}", test_item, app,
					"test_item");
		if (!rc)
			rc = http_route(app->http, "GET", "/test/delay", test_delay, app,
					"test_delay");
	}
	return rc;
}

/* ---- life cycle ------------------------------------------------------------------- */

static void handle_closed(uv_handle_t *h) {}

static void on_http_done(void *arg)
{
	struct app *app = arg;
	app_on_shutdown(app);
	uv_close((uv_handle_t *)&app->sigint, handle_closed);
	uv_close((uv_handle_t *)&app->sigterm, handle_closed);
	log_info("stopped");
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct app *app = s->data;
	if (app->stopping) {
		log_warn("second signal %d: exiting without finishing requests", signum);
		exit(1);
	}
	app->stopping = true;
	log_info("signal %d: shutting down", signum);
	http_server_shutdown(app->http, on_http_done, app);
}

static void walk_close(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

int app_run(const struct app_config *cfg)
{
	struct app *app = calloc(1, sizeof *app);
	if (!app) {
		log_error("out of memory");
		return 1;
	}
	app->cfg = *cfg;
	app->exit_code = 1;
	/* A peer that closes mid-write (a browser tab closed during a reply) must make that
	 * write fail, not kill the process with SIGPIPE. */
	struct sigaction ignore = {.sa_handler = SIG_IGN};
	sigemptyset(&ignore.sa_mask);
	sigaction(SIGPIPE, &ignore, NULL);
	bool modules_open = false;
	int rc = uv_loop_init(&app->loop);
	if (rc < 0) {
		log_error("cannot create the event loop: %s", uv_strerror(rc));
		free(app);
		return 1;
	}
	/* The server first: it checks its own configuration (the web root) before the
	 * database is touched. */
	rc = http_server_new(&app->loop, &app->cfg.http, &app->http);
	if (rc) {
		log_error("cannot create the HTTP server: %s", tn_strerror(rc));
		goto out;
	}
	rc = app_modules_open(app);
	if (rc) {
		log_error("start-up failed: %s", tn_strerror(rc));
		goto out;
	}
	modules_open = true;
	rc = app_register_routes(app);
	if (!rc)
		rc = register_test_routes(app);
	if (rc) {
		log_error("cannot register routes: %s", tn_strerror(rc));
		goto out;
	}
	rc = http_server_listen(app->http);
	if (rc) {
		log_error("cannot listen on %s:%d: %s", app->cfg.http.host, app->cfg.http.port,
			  tn_strerror(rc));
		goto out;
	}
	uv_signal_init(&app->loop, &app->sigint);
	uv_signal_init(&app->loop, &app->sigterm);
	app->sigint.data = app;
	app->sigterm.data = app;
	uv_signal_start(&app->sigint, on_signal, SIGINT);
	uv_signal_start(&app->sigterm, on_signal, SIGTERM);
	log_info("listening on http://%s:%d", app->cfg.http.host, http_server_port(app->http));
	http_set_ready(app->http, true);
	uv_run(&app->loop, UV_RUN_DEFAULT);
	modules_open = false; /* app_on_shutdown ran in on_http_done */
	app->exit_code = 0;
out:
	if (app->http && !app->stopping) {
		http_server_shutdown(app->http, NULL, NULL);
		uv_run(&app->loop, UV_RUN_DEFAULT);
	}
	if (modules_open)
		app_on_shutdown(app);
	http_server_free(app->http);
	uv_walk(&app->loop, walk_close, NULL);
	uv_run(&app->loop, UV_RUN_DEFAULT);
	uv_loop_close(&app->loop);
	int code = app->exit_code;
	free(app);
	return code;
}
