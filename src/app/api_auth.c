/* api_auth.c: authentication of /api/v1 requests (session cookie + CSRF, or API key),
 * tenant selection, the login/logout/me endpoints and the shared write plumbing. */
#include "app/api.h"
#include "app/app.h"
#include "app/live.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/jsonx.h"
#include "base/log.h"
#include "base/str.h"
#include "http/http.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COOKIE_NAME "tandem_session"
/* A session's last_seen and expiry are refreshed at most this often (seconds). */
#define TOUCH_EVERY 300

struct api_auth_ctx {
	struct auth_ratelimit *login_rl;
	bool secure_cookie;
	int64_t last_purge;  /* when expired sessions were last deleted */
};

/* Expired sessions are deleted now and then, piggybacking on sign-ins (no timer). */
#define PURGE_EVERY 3600

static int purge_run(struct store_conn *c, void *arg)
{
	int64_t *now = arg;
	int rc = store_session_purge(c, *now, NULL);
	free(now);
	return rc;
}

/* Also held here so the context stays reachable (not reported as a leak) if the app is
 * torn down without api_auth_free; one app per process. */
static struct api_auth_ctx *current_ctx;

static struct api_auth_ctx *ctx_of(struct app *app)
{
	return app->auth;
}

int64_t api_now(struct app *app)
{
	(void)app;
	return clock_now(NULL);
}

/* ---- responses ------------------------------------------------------------------- */

void api_respond_code(struct http_request *req, int rc, const char *msg)
{
	switch (rc) {
	case -TN_ENOTFOUND:
		http_respond_error(req, 404, "not_found", msg && *msg ? msg : "not found");
		break;
	case -TN_ECONFLICT:
		http_respond_error(req, 409, "conflict",
				   msg && *msg ? msg : "conflicts with an existing record");
		break;
	case -TN_EINVAL_FIELD:
		http_respond_error(req, 400, "validation_failed",
				   msg && *msg ? msg : "a field failed validation");
		break;
	case -TN_EFORBIDDEN:
		http_respond_error(req, 403, "forbidden", msg && *msg ? msg : "not allowed");
		break;
	case -TN_EAUTH:
		http_respond_error(req, 401, "unauthorized", msg && *msg ? msg : "not signed in");
		break;
	default:
		log_error("request %s failed: %s", http_request_id(req), tn_strerror(rc));
		http_respond_error(req, 500, "internal", "the request could not be completed");
	}
}

json_t *api_body_json(struct http_request *req)
{
	size_t len;
	const char *body = http_body(req, &len);
	char err[160];
	if (!body || !len) {
		http_respond_error(req, 400, "invalid_json", "the request body must be a JSON object");
		return NULL;
	}
	json_t *v = jsonx_parse(body, len, true, err, sizeof err);
	if (!v)
		http_respond_error(req, 400, "invalid_json", err);
	return v;
}

int api_param_id(struct http_request *req, const char *name, int64_t *id)
{
	if (str_to_i64(http_param(req, name), 1, INT64_MAX, id)) {
		http_respond_error(req, 404, "not_found", "not found");
		return -TN_ENOTFOUND;
	}
	return 0;
}

/* ---- asynchronous writes ----------------------------------------------------------- */

struct api_op *api_op_new(struct app *app, struct http_request *req,
			  const struct auth_principal *p, api_op_fn *run, int status)
{
	struct api_op *op = calloc(1, sizeof *op);
	if (!op) {
		http_respond_error(req, 500, "internal", "out of memory");
		return NULL;
	}
	op->app = app;
	op->req = req;
	if (p)
		op->p = *p;
	op->now = api_now(app);
	op->run = run;
	op->status = status;
	return op;
}

void api_op_free(struct api_op *op)
{
	if (!op)
		return;
	json_decref(op->in);
	json_decref(op->result);
	tenant_config_free(&op->cfg);
	tech_input_free(&op->tech);
	kb_input_free(&op->kb);
	live_facts_unref(op->facts);
	free(op->ext);
	memset(op->secret, 0, sizeof op->secret);
	free(op);
}

static int op_job(struct store_conn *c, void *arg)
{
	struct api_op *op = arg;
	json_decref(op->result);
	op->result = NULL;
	return op->run(c, op);
}

static void op_done(int result, void *arg)
{
	struct api_op *op = arg;
	if (!result && op->committed)
		op->committed(op);
	if (result)
		api_respond_code(op->req, result, op->msg);
	else if (op->status == 204 || !op->result)
		http_respond(op->req, op->status == 204 ? 204 : op->status, NULL, NULL, 0);
	else
		http_respond_json(op->req, op->status, op->result);
	api_op_free(op);
}

int api_op_submit(struct api_op *op)
{
	int rc = store_write_async(op->app->store, op_job, op, op_done, op);
	if (rc) {
		http_respond_error(op->req, 503, "unavailable", "the store is not accepting writes");
		api_op_free(op);
	}
	return 0;
}

static void prework_run(uv_work_t *w)
{
	struct api_op *op = w->data;
	op->work_rc = op->work_fn(op);
}

static void prework_after(uv_work_t *w, int status)
{
	struct api_op *op = w->data;
	if (status || op->work_rc) {
		api_respond_code(op->req, status ? -EIO : op->work_rc, op->msg);
		api_op_free(op);
		return;
	}
	api_op_submit(op);
}

int api_op_prework(struct api_op *op, int (*work)(struct api_op *op))
{
	op->work_fn = work;
	op->work.data = op;
	int rc = uv_queue_work(&op->app->loop, &op->work, prework_run, prework_after);
	if (rc) {
		http_respond_error(op->req, 500, "internal", "could not queue the work");
		api_op_free(op);
	}
	return 0;
}

/* ---- authentication ------------------------------------------------------------- */

int api_routes_add(struct app *app, const struct api_route *routes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc = http_route(app->http, routes[i].method, routes[i].path, routes[i].fn, app,
				    routes[i].name);
		if (rc)
			return rc;
	}
	return 0;
}

bool api_cookie_get(const char *header, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	const char *p = header;
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > nl && !strncmp(p, name, nl) && p[nl] == '=') {
			size_t vl = len - nl - 1;
			while (vl && p[nl + 1 + vl - 1] == ' ')
				vl--;
			if (vl == 0 || vl >= n)
				return false;
			memcpy(out, p + nl + 1, vl);
			out[vl] = '\0';
			return true;
		}
		p = end;
	}
	return false;
}

struct touch_job {
	char hash[AUTH_HASH_SIZE];
	int64_t now, expires;
};

static int touch_run(struct store_conn *c, void *arg)
{
	struct touch_job *t = arg;
	int rc = store_session_touch(c, t->hash, t->now, t->expires);
	free(t);
	return rc;
}

static void session_cookie(struct app *app, struct http_request *req, const char *token,
			   int64_t max_age)
{
	char cookie[256];
	snprintf(cookie, sizeof cookie, COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict; "
		 "Max-Age=%lld%s", token, (long long)max_age,
		 ctx_of(app)->secure_cookie ? "; Secure" : "");
	http_set_header(req, "Set-Cookie", cookie);
}

/* Sliding expiry, written at most every few minutes and never waited for; the cookie's
 * lifetime is renewed with it. */
static void session_touch(struct app *app, struct http_request *req, const char *token,
			  const struct auth_principal *p, int64_t now)
{
	if (now - p->session_last_seen < TOUCH_EVERY)
		return;
	struct touch_job *t = calloc(1, sizeof *t);
	if (!t)
		return;
	memcpy(t->hash, p->session_hash, sizeof t->hash);
	t->now = now;
	t->expires = now + AUTH_SESSION_TTL;
	if (store_write_async(app->store, touch_run, t, NULL, NULL))
		free(t);
	else
		session_cookie(app, req, token, AUTH_SESSION_TTL);
}

int api_authenticate(struct app *app, struct http_request *req, bool need_tenant,
		     struct auth_principal *p)
{
	memset(p, 0, sizeof *p);
	if (!app->store) {
		http_respond_error(req, 503, "unavailable", "the store is not open");
		return -EAGAIN;
	}
	struct store_conn *r = store_reader(app->store);
	int64_t now = api_now(app);
	const char *authz = http_header(req, "Authorization");
	char token[AUTH_TOKEN_SIZE] = "";
	int rc;
	if (authz && *authz) {
		if (strncasecmp(authz, "Bearer ", 7)) {
			http_respond_error(req, 401, "unauthorized",
					   "Authorization must be \"Bearer tk_...\"");
			return -TN_EAUTH;
		}
		const char *key = authz + 7;
		while (*key == ' ')
			key++;
		if ((rc = auth_apikey_resolve(r, key, p))) {
			api_respond_code(req, rc, "the API key is not valid");
			return rc;
		}
	} else {
		const char *cookie = http_header(req, "Cookie");
		if (!cookie || !api_cookie_get(cookie, COOKIE_NAME, token, sizeof token)) {
			http_respond_error(req, 401, "unauthorized", "not signed in");
			return -TN_EAUTH;
		}
		if ((rc = auth_session_resolve(r, token, now, p))) {
			api_respond_code(req, rc, "not signed in (or the session expired)");
			return rc;
		}
	}
	if (!auth_csrf_ok(p, http_method(req), http_header(req, "X-CSRF-Token"))) {
		http_respond_error(req, 403, "csrf_failed",
				   "X-CSRF-Token is missing or does not match the session");
		return -TN_EFORBIDDEN;
	}
	rc = auth_tenant_choose(r, p, http_header(req, "X-Tenant"), need_tenant);
	if (rc == -TN_ENOTFOUND) {
		http_respond_error(req, 404, "not_found", "no such tenant");
		return rc;
	}
	if (rc == -TN_EINVAL_FIELD) {
		http_respond_error(req, 400, "tenant_required",
				   "name the tenant with the X-Tenant header (you belong to "
				   "several, or to none)");
		return rc;
	}
	if (rc) {
		api_respond_code(req, rc, NULL);
		return rc;
	}
	if (!p->via_api_key && strcmp(http_route_name(req), "auth_logout"))
		session_touch(app, req, token, p, now);
	return 0;
}

int api_require(struct app *app, struct http_request *req, enum auth_perm perm,
		struct auth_principal *p)
{
	bool platform = perm == AUTH_PERM_TENANTS_MANAGE;
	int rc = api_authenticate(app, req, !platform, p);
	if (rc)
		return rc;
	if (!auth_principal_can(p, perm)) {
		http_respond_error(req, 403, "forbidden", "your role does not allow this");
		return -TN_EFORBIDDEN;
	}
	return 0;
}

/* ---- login ----------------------------------------------------------------------- */

struct login_op {
	uv_work_t work;
	struct app *app;
	struct http_request *req;
	char email[256];
	char password[AUTH_PASSWORD_MAX + 1];
	char rlkey[320];
	char *hash;            /* owned; NULL for an unknown email or a user without one */
	int64_t user_id;
	bool usable;           /* the user exists and is enabled */
	int verify_rc;
	struct auth_session_new sess;
	json_t *resp;
};

static void login_free(struct login_op *l)
{
	free(l->hash);
	json_decref(l->resp);
	memset(l, 0, sizeof *l);  /* the password and the session token */
	free(l);
}

static void login_verify(uv_work_t *w)
{
	struct login_op *l = w->data;
	if (l->usable && l->hash) {
		l->verify_rc = auth_password_verify(l->hash, l->password);
	} else {
		auth_password_burn();  /* an unknown email costs the same time */
		l->verify_rc = -TN_EAUTH;
	}
}

static int session_create_run(struct store_conn *c, void *arg)
{
	struct login_op *l = arg;
	return store_session_create(c, l->sess.token_hash, l->user_id, l->sess.csrf,
				    l->sess.created, l->sess.expires);
}


static void session_created(int result, void *arg)
{
	struct login_op *l = arg;
	if (result) {
		api_respond_code(l->req, result, NULL);
	} else {
		session_cookie(l->app, l->req, l->sess.token, AUTH_SESSION_TTL);
		http_respond_json(l->req, 200, l->resp);
	}
	login_free(l);
}

static json_t *tenants_json(const json_t *ms)
{
	json_t *arr = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(ms, i, m)
		json_array_append_new(arr, json_pack("{sOsOsO}", "slug", json_object_get(m, "slug"),
						     "name", json_object_get(m, "name"),
						     "role", json_object_get(m, "role")));
	return arr;
}

static json_t *user_json(const json_t *u)
{
	return json_pack("{sOsOsOsb}", "id", json_object_get(u, "id"),
			 "email", json_object_get(u, "email"), "name", json_object_get(u, "name"),
			 "is_platform_admin", json_is_true(json_object_get(u, "is_platform_admin")));
}

static void login_verified(uv_work_t *w, int status)
{
	struct login_op *l = w->data;
	struct api_auth_ctx *ctx = ctx_of(l->app);
	struct store_conn *r = store_reader(l->app->store);
	json_t *u = NULL, *ms = NULL;
	if (status || l->verify_rc) {
		auth_ratelimit_fail(ctx->login_rl, l->rlkey, api_now(l->app));
		http_respond_error(l->req, 401, "unauthorized", "wrong email or password");
		goto fail;
	}
	auth_ratelimit_clear(ctx->login_rl, l->rlkey);
	int64_t now = api_now(l->app);
	if (now - ctx->last_purge >= PURGE_EVERY) {
		int64_t *arg = malloc(sizeof *arg);
		if (arg) {
			*arg = now;
			if (store_write_async(l->app->store, purge_run, arg, NULL, NULL))
				free(arg);
			else
				ctx->last_purge = now;
		}
	}
	if (store_user_get(r, l->user_id, &u) ||
	    store_membership_list_for_user(r, l->user_id, &ms)) {
		api_respond_code(l->req, -TN_ESTORE, NULL);
		goto fail;
	}
	auth_session_make(&l->sess, api_now(l->app), AUTH_SESSION_TTL);
	l->resp = json_pack("{sososs}", "user", user_json(u), "tenants", tenants_json(ms),
			    "csrf_token", l->sess.csrf);
	json_decref(u);
	json_decref(ms);
	if (!l->resp || store_write_async(l->app->store, session_create_run, l, session_created, l)) {
		http_respond_error(l->req, 503, "unavailable", "could not start a session");
		login_free(l);
	}
	return;
fail:
	json_decref(u);
	json_decref(ms);
	login_free(l);
}

static int h_login(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct api_auth_ctx *ctx = ctx_of(app);
	if (!app->store)
		return http_respond_error(req, 503, "unavailable", "the store is not open"), 0;
	json_t *in = api_body_json(req);
	if (!in)
		return 0;
	struct login_op *l = NULL;
	const char *email = NULL, *password = NULL;
	if (jsonx_get_str(in, "email", &email) || !*email || strlen(email) > 254) {
		http_respond_error(req, 400, "validation_failed", "email is required");
		goto out;
	}
	if (jsonx_get_str(in, "password", &password) || strlen(password) > AUTH_PASSWORD_MAX) {
		http_respond_error(req, 400, "validation_failed", "password is required");
		goto out;
	}
	l = calloc(1, sizeof *l);
	if (!l) {
		http_respond_error(req, 500, "internal", "out of memory");
		goto out;
	}
	l->app = app;
	l->req = req;
	snprintf(l->email, sizeof l->email, "%s", email);
	snprintf(l->password, sizeof l->password, "%s", password);
	bool shaped = auth_email_normalize(l->email) == 0;
	auth_ratelimit_key(l->email, http_remote_addr(req), l->rlkey, sizeof l->rlkey);
	int64_t wait = 0;
	if (auth_ratelimit_check(ctx->login_rl, l->rlkey, api_now(app), &wait)) {
		char v[32];
		snprintf(v, sizeof v, "%lld", (long long)wait);
		http_set_header(req, "Retry-After", v);
		http_respond_error(req, 429, "rate_limited",
				   "too many failed sign-ins; try again later");
		login_free(l);
		l = NULL;
		goto out;
	}
	bool disabled = false;
	if (shaped && store_user_credentials(store_reader(app->store), l->email, &l->user_id,
					     &disabled, &l->hash) == 0)
		l->usable = !disabled;
	l->work.data = l;
	if (uv_queue_work(&app->loop, &l->work, login_verify, login_verified)) {
		http_respond_error(req, 500, "internal", "could not queue the sign-in");
		login_free(l);
	}
	l = NULL;
out:
	json_decref(in);
	return 0;
}

/* ---- logout and me ---------------------------------------------------------------- */

static int logout_run(struct store_conn *c, struct api_op *op)
{
	int rc = store_session_delete(c, op->s1);
	return rc == -TN_ENOTFOUND ? 0 : rc;
}

static int h_logout(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	if (api_authenticate(app, req, false, &p))
		return 0;
	session_cookie(app, req, "", 0);
	if (p.via_api_key)
		return http_respond(req, 204, NULL, NULL, 0), 0;
	struct api_op *op = api_op_new(app, req, &p, logout_run, 204);
	if (!op)
		return 0;
	char token[AUTH_TOKEN_SIZE];
	if (api_cookie_get(http_header(req, "Cookie"), COOKIE_NAME, token, sizeof token))
		auth_token_hash(token, op->s1);
	return api_op_submit(op);
}

static int h_me(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	if (api_authenticate(app, req, false, &p))
		return 0;
	struct store_conn *r = store_reader(app->store);
	json_t *out = NULL, *u = NULL, *ms = NULL, *t = NULL;
	int rc = 0;
	if (p.has_tenant && (rc = store_tenant_get(r, p.tenant_id, &t)))
		goto out;
	if (p.via_api_key) {
		out = json_pack("{s{sI}sOss}", "api_key", "id", (json_int_t)p.api_key_id,
				"tenant", json_object_get(t, "slug"), "role", "admin");
	} else {
		if ((rc = store_user_get(r, p.user_id, &u)) ||
		    (rc = store_membership_list_for_user(r, p.user_id, &ms)))
			goto out;
		out = json_pack("{sosososs}", "user", user_json(u), "tenants", tenants_json(ms),
				"tenant", t ? json_incref(json_object_get(t, "slug")) : json_null(),
				"csrf_token", p.csrf);
		if (out && p.has_tenant)
			json_object_set_new(out, "role", json_string(auth_role_name(p.role)));
	}
	if (!out)
		rc = -ENOMEM;
out:
	if (rc)
		api_respond_code(req, rc, NULL);
	else
		http_respond_json(req, 200, out);
	json_decref(out);
	json_decref(u);
	json_decref(ms);
	json_decref(t);
	return 0;
}

int api_auth_register(struct app *app)
{
	int rc = auth_init();
	if (rc)
		return rc;
	struct api_auth_ctx *ctx = calloc(1, sizeof *ctx);
	if (!ctx)
		return -ENOMEM;
	ctx->login_rl = auth_ratelimit_new(AUTH_LOGIN_MAX_FAILURES, AUTH_LOGIN_WINDOW, 10000);
	const char *secure = getenv("TANDEM_SECURE_COOKIE");
	ctx->secure_cookie = secure && !strcmp(secure, "1");
	if (!ctx->login_rl) {
		free(ctx);
		return -ENOMEM;
	}
	app->auth = ctx;
	current_ctx = ctx;
	if ((rc = http_route(app->http, "POST", "/api/v1/auth/login", h_login, app, "auth_login")) ||
	    (rc = http_route(app->http, "POST", "/api/v1/auth/logout", h_logout, app, "auth_logout")) ||
	    (rc = http_route(app->http, "GET", "/api/v1/auth/me", h_me, app, "auth_me")))
		return rc;
	return 0;
}

void api_auth_free(struct app *app)
{
	struct api_auth_ctx *ctx = app->auth;
	if (!ctx)
		return;
	auth_ratelimit_free(ctx->login_rl);
	free(ctx);
	app->auth = NULL;
	if (current_ctx == ctx)
		current_ctx = NULL;
}
