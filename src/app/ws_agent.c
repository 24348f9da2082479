/* ws_agent.c: the /ws/agent protocol (agent console and supervisor view): session-cookie
 * handshake, message parsing and dispatch to the ACD (acd.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/acd_internal.h"
#include "app/api.h"
#include "app/app.h"
#include "app/live.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/jsonx.h"
#include "base/log.h"
#include "http/http.h"
#include "store/store.h"

#define COOKIE_NAME "tandem_session"
#define AGENT_TEXT_MAX 2000   /* bytes of one message to the customer (as /ws/chat) */

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/* Fills the session's identity and tenants from the store. 0 or an error. */
static int load_identity(struct app *app, struct acd_session *s)
{
	struct store_conn *r = store_reader(app->store);
	json_t *user = NULL, *mem = NULL;
	int rc = store_user_get(r, s->user_id, &user);
	if (!rc)
		rc = store_membership_list_for_user(r, s->user_id, &mem);
	if (rc)
		goto out;
	copy_str(s->name, sizeof s->name, json_string_value(json_object_get(user, "name")));
	copy_str(s->email, sizeof s->email, json_string_value(json_object_get(user, "email")));
	size_t i;
	json_t *m;
	json_array_foreach(mem, i, m) {
		if (s->n_tenants >= ROUTE_TENANTS_MAX)
			break;
		struct acd_membership *t = &s->tenants[s->n_tenants++];
		t->tenant_id = json_integer_value(json_object_get(m, "tenant_id"));
		copy_str(t->slug, sizeof t->slug, json_string_value(json_object_get(m, "slug")));
		copy_str(t->name, sizeof t->name, json_string_value(json_object_get(m, "name")));
		copy_str(t->role, sizeof t->role, json_string_value(json_object_get(m, "role")));
	}
out:
	json_decref(user);
	json_decref(mem);
	return rc;
}

static int on_open(struct ws_conn *ws, struct http_request *req, void *ctx)
{
	struct app *app = ctx;
	struct acd *a = acd_get(app);
	if (!a || !app->store)
		return 503;
	const char *cookie = http_header(req, "Cookie");
	char token[AUTH_TOKEN_SIZE];
	if (!cookie || !api_cookie_get(cookie, COOKIE_NAME, token, sizeof token))
		return 401;
	struct auth_principal p;
	if (auth_session_resolve(store_reader(app->store), token, clock_now(NULL), &p))
		return 401;
	struct acd_session *s = calloc(1, sizeof *s);
	if (!s)
		return 503;
	s->ws = ws;
	s->acd = a;
	s->user_id = p.user_id;
	if (load_identity(app, s) || s->n_tenants == 0) {
		/* an account in no tenant has nothing to route */
		int status = s->n_tenants == 0 ? 403 : 503;
		free(s);
		return status;
	}
	ws_set_data(ws, s);
	if (acd_session_attach(a, s)) {
		ws_set_data(ws, NULL);
		free(s);
		return 503;
	}
	return 0;
}

static void send_error(struct acd_session *s, const char *code, const char *message,
		       const json_t *ref)
{
	json_t *e = json_pack("{s:s, s:s, s:s}", "type", "error", "code", code, "message", message);
	if (!e)
		return;
	if (ref)
		json_object_set(e, "ref", (json_t *)ref);
	acd_session_send(s, e);
	json_decref(e);
}

static const char *code_of(int rc)
{
	switch (rc) {
	case -TN_ENOTFOUND:
		return "not_found";
	case -TN_ECONFLICT:
		return "conflict";
	case -ETIMEDOUT:
		return "expired";
	case -TN_EFORBIDDEN:
		return "forbidden";
	case -EINVAL:
	case -TN_EINVAL_FIELD:
		return "validation_failed";
	default:
		return "internal";
	}
}

static int64_t int_field(const json_t *m, const char *key)
{
	json_t *v = json_object_get(m, key);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static void on_message(struct ws_conn *ws, bool is_text, const void *data, size_t len, void *ctx)
{
	(void)ctx;
	struct acd_session *s = ws_data(ws);
	if (!s)
		return;
	if (!is_text) {
		send_error(s, "invalid_message", "messages are JSON text", NULL);
		return;
	}
	char perr[160];
	json_t *m = jsonx_parse(data, len, true, perr, sizeof perr);
	if (!m) {
		send_error(s, "invalid_json", perr, NULL);
		return;
	}
	const json_t *ref = json_object_get(m, "client_id");
	if (!ref)
		ref = json_object_get(m, "offer_id");
	const char *type = json_string_value(json_object_get(m, "type"));
	char msg[256] = "";
	int rc = 0;
	struct acd *a = s->acd;
	int64_t conv = int_field(m, "conversation");
	if (!type) {
		rc = -EINVAL;
		snprintf(msg, sizeof msg, "type is required");
	} else if (!strcmp(type, "status")) {
		rc = acd_set_status(a, s, json_string_value(json_object_get(m, "status")), msg, sizeof msg);
	} else if (!strcmp(type, "accept")) {
		rc = acd_accept(a, s, int_field(m, "offer_id"), msg, sizeof msg);
	} else if (!strcmp(type, "decline")) {
		rc = acd_decline(a, s, int_field(m, "offer_id"), msg, sizeof msg);
	} else if (!strcmp(type, "message")) {
		const json_t *tv = json_object_get(m, "text");
		const char *text = json_string_value(tv);
		const char *cid = json_string_value(json_object_get(m, "client_id"));
		if (!text || !*text || !cid || !*cid || strlen(cid) > 64) {
			rc = -EINVAL;
			snprintf(msg, sizeof msg, "message needs conversation, client_id (1-64 bytes) "
				 "and text");
		} else if (json_string_length(tv) > AGENT_TEXT_MAX) {
			send_error(s, "too_long", "text must be at most 2000 bytes", ref);
		} else if (strlen(text) != json_string_length(tv) ||
			   live_text_blank(text, json_string_length(tv))) {
			send_error(s, "invalid", "text must not be blank (only spaces or line breaks)",
				   ref);
		} else {
			rc = acd_agent_message(a, s, conv, text, cid, msg, sizeof msg);
		}
	} else if (!strcmp(type, "typing")) {
		rc = acd_agent_typing(a, s, conv, json_is_true(json_object_get(m, "on")));
	} else if (!strcmp(type, "handback")) {
		rc = acd_handback(a, s, conv, msg, sizeof msg);
	} else if (!strcmp(type, "transfer")) {
		rc = acd_transfer(a, s, conv, int_field(m, "queue"), msg, sizeof msg);
	} else if (!strcmp(type, "release")) {
		rc = acd_release(a, s, conv, msg, sizeof msg);
	} else if (!strcmp(type, "wrapup")) {
		rc = acd_wrapup(a, s, conv, json_string_value(json_object_get(m, "summary")),
				json_string_value(json_object_get(m, "disposition")), msg, sizeof msg);
	} else if (!strcmp(type, "book")) {
		rc = acd_book(a, s, m, msg, sizeof msg);
	} else if (!strcmp(type, "subscribe")) {
		rc = acd_subscribe(a, s, json_string_value(json_object_get(m, "topic")), msg, sizeof msg);
	} else if (!strcmp(type, "callbacks")) {
		acd_send_callbacks(a, s);
	} else if (!strcmp(type, "ping")) {
		json_t *pong = json_pack("{s:s}", "type", "pong");
		if (pong)
			acd_session_send(s, pong);
		json_decref(pong);
	} else {
		rc = -EINVAL;
		snprintf(msg, sizeof msg, "unknown message type '%.64s'", type);
	}
	if (rc)
		send_error(s, code_of(rc), *msg ? msg : tn_strerror(rc), ref);
	json_decref(m);
}

static void on_close(struct ws_conn *ws, int code, void *ctx)
{
	(void)code;
	(void)ctx;
	struct acd_session *s = ws_data(ws);
	if (!s)
		return;
	ws_set_data(ws, NULL);
	if (s->attached)
		acd_session_detach(s->acd, s);
	free(s);
}

int ws_agent_register(struct app *app)
{
	static const struct ws_handler h = {on_open, on_message, on_close};
	int rc = http_ws_route(app->http, "/ws/agent", &h, app);
	if (!rc)
		rc = http_metrics_hook(app->http, acd__metrics, app);
	return rc;
}
