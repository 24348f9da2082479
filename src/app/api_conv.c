/* api_conv.c: the conversations REST API: start a conversation, send a customer message
 * and get the AI's answer after it is durable, read a conversation, list them. */
#include "app/api.h"
#include "app/app.h"
#include "app/live.h"
#include "base/err.h"
#include "base/utf8.h"
#include "http/http.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONV_TEXT_MAX 2000
#define CLIENT_ID_MAX 64

static const char *const channels[] = {"chat", "sms", "voice", "email", NULL};

/* ---- POST /api/v1/conversations ------------------------------------------------------ */

/* op->s1: channel; op->in: the body (customer read from it in the job). */
static int conv_create_run(struct store_conn *c, struct api_op *op)
{
	int64_t tid = op->p.tenant_id, customer_id = 0, conv_id = 0;
	const json_t *cu = json_object_get(op->in, "customer");
	int rc;
	if (cu) {
		const char *name = json_string_value(json_object_get(cu, "name"));
		const char *phone = json_string_value(json_object_get(cu, "phone"));
		const char *email = json_string_value(json_object_get(cu, "email"));
		/* a phone or email on file names the customer; otherwise a new one */
		if (phone && store_customer_find_by_identity(c, tid, STORE_IDENTITY_PHONE, phone,
							     &customer_id))
			customer_id = 0;
		if (!customer_id && email &&
		    store_customer_find_by_identity(c, tid, STORE_IDENTITY_EMAIL, email, &customer_id))
			customer_id = 0;
		if (!customer_id) {
			struct store_customer sc = {.name = name};
			if ((rc = store_customer_create(c, tid, &sc, op->now, &customer_id)))
				return rc;
		}
		if (phone && (rc = store_identity_add(c, tid, customer_id, STORE_IDENTITY_PHONE,
						      phone)) && rc != -TN_ECONFLICT)
			return rc;
		if (email && (rc = store_identity_add(c, tid, customer_id, STORE_IDENTITY_EMAIL,
						      email)) && rc != -TN_ECONFLICT)
			return rc;
	}
	if ((rc = store_conversation_create(c, tid, customer_id, op->s1, op->now, &conv_id)) ||
	    (rc = store_event_append(c, tid, op->now, "conversation_started", conv_id,
				     op->p.via_api_key ? "api" : "user", NULL, NULL)))
		return rc;
	json_t *row = NULL;
	if ((rc = store_conversation_get(c, tid, conv_id, &row)))
		return rc;
	op->result = json_pack("{s:I,s:O,s:O,s:O,s:s,s:O}", "id", (json_int_t)conv_id, "customer_id",
			       json_object_get(row, "customer_id"), "status",
			       json_object_get(row, "status"), "channels",
			       json_object_get(row, "channels"), "owner", "ai", "created_at",
			       json_object_get(row, "created_at"));
	json_decref(row);
	return op->result ? 0 : -ENOMEM;
}

static int validate_customer(const json_t *cu, struct api_verr *e)
{
	static const char *const keys[] = {"name", "phone", "email", NULL};
	if (!json_is_object(cu))
		return api_verr_set(e, "customer must be an object");
	const char *k = api_unknown_key(cu, keys);
	if (k)
		return api_verr_set(e, "customer.%s is not a known field", k);
	const json_t *v;
	if ((v = json_object_get(cu, "name")) &&
	    (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > 200))
		return api_verr_set(e, "customer.name must be a string of 1 to 200 bytes");
	if ((v = json_object_get(cu, "phone")) &&
	    (!json_is_string(v) || !api_valid_e164(json_string_value(v))))
		return api_verr_set(e, "customer.phone must be E.164 (+17045550123)");
	if ((v = json_object_get(cu, "email"))) {
		const char *s = json_string_value(v);
		const char *at = s ? strchr(s, '@') : NULL;
		if (!s || !at || at == s || !at[1] || strlen(s) > 254)
			return api_verr_set(e, "customer.email must be an address");
		for (const char *p = s; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				return api_verr_set(e, "customer.email must be lower case");
	}
	return 0;
}

/* op->in: {channel, customer}; the channel goes to op->s1. */
static int conv_create_parse(struct api_op *op, struct api_verr *e)
{
	static const char *const keys[] = {"channel", "customer", NULL};
	const json_t *in = op->in;
	const char *k = api_unknown_key(in, keys);
	const char *ch = json_string_value(json_object_get(in, "channel"));
	int rc = 0;
	if (k)
		return api_verr_set(e, "%s is not a known field", k);
	if (json_object_get(in, "channel") && !api_in_set(ch, channels))
		return api_verr_set(e, "channel must be chat, sms, voice or email");
	if (json_object_get(in, "customer") &&
	    (rc = validate_customer(json_object_get(in, "customer"), e)))
		return rc;
	snprintf(op->s1, sizeof op->s1, "%s", ch ? ch : "chat");
	return 0;
}

static int h_conv_create(struct http_request *req, void *arg)
{
	static const struct api_write create = {"create", conv_create_parse, conv_create_run,
						NULL, 201};
	struct app *app = arg;
	struct auth_principal p;
	if (api_require(app, req, AUTH_PERM_CONVERSATIONS_HANDLE, &p))
		return 0;
	api_write_start(app, req, &p, &create, 0);
	return 0;
}

/* ---- POST /api/v1/conversations/{id}/messages ----------------------------------------- */

static void message_answered(int rc, const struct live_turn_result *r, void *ctx)
{
	struct http_request *req = ctx;
	if (rc == -TN_EPARSE || rc == -TN_ELIMIT)
		http_respond_error(req, 400, "validation_failed", "text is not usable");
	else if (rc == -ECANCELED)
		http_respond_error(req, 503, "unavailable", "the server is shutting down");
	else if (rc)
		api_respond_code(req, rc, NULL);
	else
		http_respond_json(req, 200, r->answer);
}

static int h_conv_message(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	int64_t id;
	if (api_require_item(app, req, AUTH_PERM_CONVERSATIONS_HANDLE, &p, &id))
		return 0;
	json_t *in = api_body_json(req);
	if (!in)
		return 0;
	static const char *const keys[] = {"text", "client_id", NULL};
	const char *k = api_unknown_key(in, keys);
	const json_t *text = json_object_get(in, "text"), *cid = json_object_get(in, "client_id");
	const char *msg = NULL;
	char buf[128];
	if (k) {
		snprintf(buf, sizeof buf, "%s is not a known field", k);
		msg = buf;
	} else if (!json_is_string(text) || json_string_length(text) == 0)
		msg = "text must be a non-empty string";
	else if (json_string_length(text) > CONV_TEXT_MAX)
		msg = "text must be at most 2000 bytes";
	else if (strlen(json_string_value(text)) != json_string_length(text))
		msg = "text must not contain NUL";
	else if (live_text_blank(json_string_value(text), json_string_length(text)))
		msg = "text must not be blank (only spaces or line breaks)";
	else if (cid && (!json_is_string(cid) || json_string_length(cid) == 0 ||
			 json_string_length(cid) > CLIENT_ID_MAX))
		msg = "client_id must be a string of 1 to 64 bytes";
	if (msg) {
		json_decref(in);
		return api_respond_code(req, -TN_EINVAL_FIELD, msg), 0;
	}
	int rc = live_customer_message(app, p.tenant_id, id, json_string_value(text),
				       json_string_value(cid), NULL, message_answered, req, NULL);
	json_decref(in);
	if (rc)
		api_respond_code(req, rc, NULL);
	return 0;
}

/* ---- GET /api/v1/conversations/{id} ----------------------------------------------------- */

static int h_conv_get(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	int64_t id;
	if (api_require_item(app, req, AUTH_PERM_CONVERSATIONS_HANDLE, &p, &id))
		return 0;
	struct store_conn *r = store_reader(app->store);
	json_t *conv = NULL, *msgs = NULL, *h = NULL, *cust = NULL;
	int rc = store_read_begin(r);
	if (rc)
		return api_respond_code(req, rc, NULL), 0;
	if ((rc = store_conversation_get(r, p.tenant_id, id, &conv)))
		goto out;
	int64_t cid = json_integer_value(json_object_get(conv, "customer_id"));
	if (cid > 0 && store_customer_get(r, p.tenant_id, cid, &cust))
		cust = NULL;
	int hrc = store_handoff_latest(r, p.tenant_id, id, &h);
	if (hrc && hrc != -TN_ENOTFOUND) {
		rc = hrc;
		goto out;
	}
	store_read_end(r);
	if ((rc = live_replay(app, p.tenant_id, id, 0, 10000, &msgs)))
		goto out2;
	int64_t owner_id = 0;
	char owner_name[80];
	if (live_owner(app, p.tenant_id, id, &owner_id, owner_name, sizeof owner_name))
		owner_name[0] = '\0';
	json_t *owner = owner_id
		? json_pack("{s:s,s:I,s:s}", "kind", "human", "user_id", (json_int_t)owner_id, "name",
			    owner_name)
		: json_pack("{s:s}", "kind", "ai");
	json_t *doc = json_pack("{s:I,s:O,s:o,s:O,s:O,s:o,s:O,s:O,s:O,s:O}", "id", (json_int_t)id,
				"status", json_object_get(conv, "status"), "owner", owner,
				"channels", json_object_get(conv, "channels"), "state",
				json_object_get(conv, "state"), "customer",
				cust ? json_incref(cust) : json_null(), "messages", msgs,
				"handoff", h ? json_object_get(h, "packet") : json_null(),
				"created_at", json_object_get(conv, "created_at"), "updated_at",
				json_object_get(conv, "updated_at"));
	if (doc && h)
		json_object_set(doc, "handoff_priority", json_object_get(h, "priority"));
	if (doc)
		http_respond_json(req, 200, doc);
	else
		http_respond_error(req, 500, "internal", "out of memory");
	json_decref(doc);
	goto out2;
out:
	store_read_end(r);
	api_respond_code(req, rc, NULL);
out2:
	json_decref(conv);
	json_decref(msgs);
	json_decref(h);
	json_decref(cust);
	return 0;
}

/* ---- GET /api/v1/conversations?status=&limit= -------------------------------------------- */

static int h_conv_list(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	if (api_require(app, req, AUTH_PERM_CONVERSATIONS_HANDLE, &p))
		return 0;
	static const char *const statuses[] = {"open", "waiting", "closed", NULL};
	const char *status = http_query(req, "status");
	const char *lim = http_query(req, "limit");
	long limit = 100;
	if (status && !api_in_set(status, statuses))
		return api_respond_code(req, -TN_EINVAL_FIELD,
					"status must be open, waiting or closed"), 0;
	if (lim) {
		char *end;
		limit = strtol(lim, &end, 10);
		if (!*lim || *end || limit < 1 || limit > 1000)
			return api_respond_code(req, -TN_EINVAL_FIELD, "limit must be 1..1000"), 0;
	}
	struct store_stmt *st;
	int rc = store_prepare(store_reader(app->store),
			       "SELECT id, customer_id, status, owner_kind, owner_user_id, channels, "
			       "last_seq, created_at, updated_at FROM conversations WHERE tenant_id = ? "
			       "AND (? IS NULL OR status = ?) ORDER BY updated_at DESC, id DESC LIMIT ?",
			       &st);
	if (rc)
		return api_respond_code(req, rc, NULL), 0;
	store_bind_int64(st, 1, p.tenant_id);
	store_bind_text(st, 2, status, -1);
	store_bind_text(st, 3, status, -1);
	store_bind_int64(st, 4, limit);
	return api_respond_rows(req, st, "conversations", NULL, NULL);
}

int api_conv_register(struct app *app)
{
	static const struct api_route routes[] = {
		{"POST", "/api/v1/conversations", h_conv_create, "conversations_create"},
		{"GET", "/api/v1/conversations", h_conv_list, "conversations_list"},
		{"GET", "/api/v1/conversations/{id}", h_conv_get, "conversations_get"},
		{"POST", "/api/v1/conversations/{id}/messages", h_conv_message,
		 "conversations_message"},
	};
	return api_routes_add(app, routes, sizeof routes / sizeof routes[0]);
}
