/* ws_chat.c: /ws/chat, the customer's web chat (docs/api.md, "WebSocket"): hello and
 * welcome with a visitor token that resumes the conversation, replay after last_seq,
 * messages acknowledged once durable, the AI's replies and notices pushed live. */
#include "app/api.h"
#include "app/app.h"
#include "app/live.h"
#include "auth/auth.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/jsonx.h"
#include "base/log.h"
#include "http/http.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHAT_TEXT_MAX 2000          /* bytes of one customer message */
#define CHAT_CLIENT_ID_MAX 64
#define CHAT_RATE_PER_SEC 5         /* messages per second per session, sustained */
#define CHAT_RATE_BURST 10
#define CHAT_TYPING_PER_SEC 2.0   /* "typing on" indicators passed on per second ... */
#define CHAT_TYPING_BURST 4.0     /* ... after a burst of this many */
#define CHAT_SESSIONS_PER_IP 50
#define CHAT_IP_BUCKETS 4096        /* hash chains of the per-address counts (no cap) */

/* Open sessions of one client address; exists while n > 0. */
struct ip_count {
	struct ip_count *next;
	int n;
	char ip[48];
};

struct chat_ctx {
	struct app *app;
	struct ip_count *ips[CHAT_IP_BUCKETS];
};

struct pending;

struct chat_session {
	int refs;                    /* the socket, and each write in flight */
	struct app *app;
	struct ws_conn *ws;          /* NULL once closed */
	struct ip_count *ipc;        /* this session's count in chat_ctx.ips */
	int64_t tenant_id;
	char business[256];
	char phone[32];
	bool hello_seen, ready;
	char visitor[AUTH_TOKEN_SIZE];
	int64_t customer_id, conv_id, last_seq;
	struct live_sub *sub;
	struct pending *pend;        /* messages waiting for their ack */
	double tokens;               /* rate limit bucket */
	uint64_t tokens_at_ms;
	bool typing_on;              /* the typing state last passed on */
	double typing_tokens;        /* "typing on" bucket (starts full) */
	uint64_t typing_tokens_at_ms;
};

struct pending {
	struct chat_session *s;
	struct live_turn *turn;
	char client_id[CHAT_CLIENT_ID_MAX + 1];
	struct pending *prev, *next;
};

static void session_unref(struct chat_session *s)
{
	if (--s->refs == 0)
		free(s);
}


static void send_json(struct chat_session *s, json_t *v)
{
	if (!s->ws || !v) {
		json_decref(v);
		return;
	}
	struct buf b = BUF_INIT;
	if (!jsonx_dump(&b, v) && ws_send_text(s->ws, b.data, b.len) == -ENOBUFS)
		ws_close(s->ws, 1013, "too slow: reconnect and resume");
	buf_free(&b);
	json_decref(v);
}

static void send_error(struct chat_session *s, const char *code, const char *msg,
		       const char *ref)
{
	json_t *e = json_pack("{s:s,s:s,s:s}", "type", "error", "code", code, "message", msg);
	if (e && ref)
		json_object_set_new(e, "ref", json_string(ref));
	send_json(s, e);
}

/* Live events of the conversation, passed through (the customer's own typing is not
 * echoed back). */
static void on_event(void *ctx, int64_t conv_id, const json_t *ev, const char *text, size_t len)
{
	(void)conv_id;
	struct chat_session *s = ctx;
	if (!s->ws)
		return;
	const char *type = json_string_value(json_object_get(ev, "type"));
	if (type && !strcmp(type, "typing") &&
	    !strcmp(json_string_value(json_object_get(ev, "from")) ?: "", "customer"))
		return;
	if (type && !strcmp(type, "message")) {
		int64_t seq = json_integer_value(json_object_get(ev, "seq"));
		if (seq > s->last_seq)
			s->last_seq = seq;
	}
	if (ws_send_text(s->ws, text, len) == -ENOBUFS)
		ws_close(s->ws, 1013, "too slow: reconnect and resume");
}

/* ---- welcome -------------------------------------------------------------------------- */

static void welcome(struct chat_session *s, int64_t last_seq)
{
	struct app *app = s->app;
	json_t *msgs = NULL;
	int rc = live_subscribe(app, s->tenant_id, s->conv_id, on_event, s, &s->sub);
	if (!rc)
		rc = live_replay(app, s->tenant_id, s->conv_id, last_seq, 10000, &msgs);
	if (rc) {
		send_error(s, "internal", "the conversation could not be opened", NULL);
		if (s->ws)
			ws_close(s->ws, 1011, "internal error");
		return;
	}
	int64_t owner = 0;
	char agent[80] = "";
	live_owner(app, s->tenant_id, s->conv_id, &owner, agent, sizeof agent);
	size_t n = json_array_size(msgs);
	if (n)
		s->last_seq = json_integer_value(json_object_get(json_array_get(msgs, n - 1), "seq"));
	json_t *w = json_pack("{s:s,s:s,s:I,s:{s:s,s:s?},s:s,s:o}", "type", "welcome", "visitor",
			      s->visitor, "conversation", (json_int_t)s->conv_id, "business", "name",
			      s->business, "phone", s->phone[0] ? s->phone : NULL, "owner",
			      owner ? "human" : "ai", "messages", msgs);
	if (w && owner)
		json_object_set_new(w, "agent", json_string(agent));
	s->ready = true;
	send_json(s, w);
}

/* A new visitor: customer, chat identity (the token's hash) and conversation in one
 * write. */
struct start_job {
	struct chat_session *s;
	char hash[AUTH_HASH_SIZE];
	int64_t tenant_id, customer_id, conv_id, now, last_seq;
	bool new_customer;
};

static int start_run(struct store_conn *c, void *arg)
{
	struct start_job *j = arg;
	int rc;
	if (j->new_customer) {
		struct store_customer cu = {0};
		if ((rc = store_customer_create(c, j->tenant_id, &cu, j->now, &j->customer_id)) ||
		    (rc = store_identity_add(c, j->tenant_id, j->customer_id, STORE_IDENTITY_CHAT,
					     j->hash)))
			return rc;
	}
	if ((rc = store_conversation_create(c, j->tenant_id, j->customer_id, "chat", j->now,
					    &j->conv_id)))
		return rc;
	return store_event_append(c, j->tenant_id, j->now, "conversation_started", j->conv_id,
				  "customer", NULL, NULL);
}

static void start_done(int result, void *arg)
{
	struct start_job *j = arg;
	struct chat_session *s = j->s;
	if (s->ws) {
		if (result < 0) {
			send_error(s, "internal", "the conversation could not be started", NULL);
			ws_close(s->ws, 1011, "internal error");
		} else {
			s->customer_id = j->customer_id;
			s->conv_id = j->conv_id;
			welcome(s, j->last_seq);
		}
	}
	session_unref(s);
	free(j);
}

static void on_hello(struct chat_session *s, const json_t *m)
{
	struct app *app = s->app;
	struct store_conn *r = store_reader(app->store);
	const char *visitor = json_string_value(json_object_get(m, "visitor"));
	const json_t *conv = json_object_get(m, "conversation");
	const json_t *ls = json_object_get(m, "last_seq");
	if ((json_object_get(m, "visitor") && !json_is_string(json_object_get(m, "visitor")) &&
	     !json_is_null(json_object_get(m, "visitor"))) ||
	    (conv && !json_is_integer(conv) && !json_is_null(conv)) ||
	    (ls && (!json_is_integer(ls) || json_integer_value(ls) < 0))) {
		send_error(s, "invalid", "hello: visitor is a string, conversation an id, last_seq >= 0",
			   NULL);
		return;
	}
	s->hello_seen = true;
	int64_t last_seq = ls ? json_integer_value(ls) : 0;
	struct start_job *j = calloc(1, sizeof *j);
	if (!j) {
		ws_close(s->ws, 1011, "out of memory");
		return;
	}
	j->s = s;
	j->tenant_id = s->tenant_id;
	j->now = api_now(app);
	j->last_seq = last_seq;
	int64_t cust = 0;
	if (visitor && strlen(visitor) == AUTH_TOKEN_SIZE - 1) {
		auth_token_hash(visitor, j->hash);
		if (store_customer_find_by_identity(r, s->tenant_id, STORE_IDENTITY_CHAT, j->hash,
						    &cust))
			cust = 0;
	}
	if (cust) { /* a returning browser */
		snprintf(s->visitor, sizeof s->visitor, "%s", visitor);
		s->customer_id = cust;
		int64_t id = json_integer_value(conv);
		json_t *row = NULL;
		if (id > 0 && !store_conversation_get(r, s->tenant_id, id, &row) &&
		    json_integer_value(json_object_get(row, "customer_id")) == cust) {
			json_decref(row);
			s->conv_id = id;
			free(j);
			welcome(s, last_seq);
			return;
		}
		json_decref(row);
		if (!store_conversation_find_open(r, s->tenant_id, cust, &id)) {
			s->conv_id = id;
			free(j);
			welcome(s, conv && json_integer_value(conv) == id ? last_seq : 0);
			return;
		}
		j->customer_id = cust;
		j->last_seq = 0;
	} else {
		auth_token_new(s->visitor);
		auth_token_hash(s->visitor, j->hash);
		j->new_customer = true;
		j->last_seq = 0;
	}
	s->refs++;
	if (store_write_async(app->store, start_run, j, start_done, j)) {
		s->refs--;
		free(j);
		send_error(s, "unavailable", "the server is not accepting conversations", NULL);
		ws_close(s->ws, 1011, "unavailable");
	}
}

/* ---- messages -------------------------------------------------------------------------- */

static void pending_remove(struct pending *p)
{
	struct chat_session *s = p->s;
	if (p->prev)
		p->prev->next = p->next;
	else
		s->pend = p->next;
	if (p->next)
		p->next->prev = p->prev;
	free(p);
}

static void on_turn(int rc, const struct live_turn_result *r, void *ctx)
{
	struct pending *p = ctx;
	struct chat_session *s = p->s;
	if (rc)
		send_error(s, rc == -TN_EPARSE || rc == -TN_ELIMIT ? "invalid" : "internal",
			   "the message was not stored; send it again", p->client_id);
	else
		send_json(s, json_pack("{s:s,s:s,s:I}", "type", "ack", "client_id", p->client_id,
				       "seq", (json_int_t)r->seq));
	pending_remove(p);
}

/* Token bucket: true when the session may send one more message now. */
static bool rate_ok(struct chat_session *s)
{
	uint64_t now = uv_now(&s->app->loop);
	s->tokens += (double)(now - s->tokens_at_ms) * CHAT_RATE_PER_SEC / 1000.0;
	if (s->tokens > CHAT_RATE_BURST)
		s->tokens = CHAT_RATE_BURST;
	s->tokens_at_ms = now;
	if (s->tokens < 1)
		return false;
	s->tokens -= 1;
	return true;
}

static void on_customer_message(struct chat_session *s, const json_t *m)
{
	const json_t *cid = json_object_get(m, "client_id"), *text = json_object_get(m, "text");
	const char *ref = json_string_value(cid);
	if (!json_is_string(cid) || json_string_length(cid) == 0 ||
	    json_string_length(cid) > CHAT_CLIENT_ID_MAX || strlen(ref) != json_string_length(cid)) {
		send_error(s, "invalid", "client_id must be a string of 1 to 64 bytes", NULL);
		return;
	}
	if (!json_is_string(text) || json_string_length(text) == 0 ||
	    strlen(json_string_value(text)) != json_string_length(text)) {
		send_error(s, "invalid", "text must be a non-empty string", ref);
		return;
	}
	if (json_string_length(text) > CHAT_TEXT_MAX) {
		send_error(s, "too_long", "text must be at most 2000 bytes", ref);
		return;
	}
	if (live_text_blank(json_string_value(text), json_string_length(text))) {
		send_error(s, "invalid", "text must not be blank (only spaces or line breaks)", ref);
		return;
	}
	if (!rate_ok(s)) {
		send_error(s, "rate_limited", "too many messages; wait a moment", ref);
		return;
	}
	struct pending *p = calloc(1, sizeof *p);
	if (!p) {
		send_error(s, "internal", "out of memory", ref);
		return;
	}
	p->s = s;
	snprintf(p->client_id, sizeof p->client_id, "%s", ref);
	/* linked first: a repeated client id is answered before the call returns */
	p->next = s->pend;
	if (s->pend)
		s->pend->prev = p;
	s->pend = p;
	int rc = live_customer_message(s->app, s->tenant_id, s->conv_id, json_string_value(text),
				       p->client_id, "chat", on_turn, p, &p->turn);
	if (rc) {
		pending_remove(p);
		send_error(s, "internal", "the message was not stored; send it again", ref);
	}
}

/* Passes the customer's typing indicator on, but not a flood of them: "off" only after
 * an "on" (so what is dropped can never leave the indicator stuck on), a repeated "on"
 * never, and a new "on" from a bucket of CHAT_TYPING_PER_SEC with a burst of
 * CHAT_TYPING_BURST, so a person who starts typing again is always shown. */
static void on_typing(struct chat_session *s, bool on)
{
	if (on == s->typing_on)
		return;
	if (on) {
		uint64_t now = uv_now(&s->app->loop);
		if (!s->typing_tokens_at_ms)
			s->typing_tokens = CHAT_TYPING_BURST;
		else
			s->typing_tokens += (double)(now - s->typing_tokens_at_ms) *
					    CHAT_TYPING_PER_SEC / 1000.0;
		if (s->typing_tokens > CHAT_TYPING_BURST)
			s->typing_tokens = CHAT_TYPING_BURST;
		s->typing_tokens_at_ms = now ? now : 1;
		if (s->typing_tokens < 1)
			return;
		s->typing_tokens -= 1;
	}
	s->typing_on = on;
	live_typing(s->app, s->tenant_id, s->conv_id, "customer", on);
}

static void on_message(struct ws_conn *ws, bool is_text, const void *data, size_t len, void *ctx)
{
	(void)ctx;
	struct chat_session *s = ws_data(ws);
	if (!s || !s->ws)
		return;
	char err[128];
	json_t *m = is_text ? jsonx_parse(data, len, true, err, sizeof err) : NULL;
	if (!m) {
		send_error(s, "invalid_json", "messages are JSON objects", NULL);
		return;
	}
	const char *type = json_string_value(json_object_get(m, "type"));
	if (!type)
		send_error(s, "invalid", "a message needs a type", NULL);
	else if (!strcmp(type, "hello")) {
		if (s->hello_seen)
			send_error(s, "invalid", "hello was already sent", NULL);
		else
			on_hello(s, m);
	} else if (!s->ready)
		send_error(s, "hello_required", "send hello first (and wait for welcome)",
			   json_string_value(json_object_get(m, "client_id")));
	else if (!strcmp(type, "message"))
		on_customer_message(s, m);
	else if (!strcmp(type, "typing"))
		on_typing(s, json_is_true(json_object_get(m, "on")));
	else
		send_error(s, "unknown_type", "unknown message type",
			   json_string_value(json_object_get(m, "client_id")));
	json_decref(m);
}

/* ---- open and close -------------------------------------------------------------------- */

static size_t ip_bucket(const char *ip)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)ip; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (size_t)(h % CHAT_IP_BUCKETS);
}

/* Counts one more session of ip: 0 and *out, -EBUSY when the address already has
 * CHAT_SESSIONS_PER_IP, -ENOMEM. */
static int ip_take(struct chat_ctx *cc, const char *ip, struct ip_count **out)
{
	size_t k = ip_bucket(ip);
	struct ip_count *e = cc->ips[k];
	while (e && strncmp(e->ip, ip, sizeof e->ip - 1))
		e = e->next;
	if (e) {
		if (e->n >= CHAT_SESSIONS_PER_IP)
			return -EBUSY;
		e->n++;
		*out = e;
		return 0;
	}
	if (!(e = calloc(1, sizeof *e)))
		return -ENOMEM;
	snprintf(e->ip, sizeof e->ip, "%s", ip);
	e->n = 1;
	e->next = cc->ips[k];
	cc->ips[k] = e;
	*out = e;
	return 0;
}

/* Counts one session of e less; the entry goes when none is left. */
static void ip_release(struct chat_ctx *cc, struct ip_count *e)
{
	if (!e || --e->n > 0)
		return;
	struct ip_count **pp = &cc->ips[ip_bucket(e->ip)];
	while (*pp && *pp != e)
		pp = &(*pp)->next;
	if (*pp)
		*pp = e->next;
	free(e);
}

static bool addr_is_loopback(const char *ip)
{
	return !strncmp(ip, "127.", 4) || !strcmp(ip, "::1") || !strncmp(ip, "::ffff:127.", 11);
}

/* The visitor's address for the per-address limit. Behind the reverse proxy of
 * docs/operations.md every session arrives from loopback, so from a loopback peer the
 * last X-Forwarded-For entry (the address the proxy itself saw; earlier entries are the
 * client's say) names the visitor. Anything else uses the peer address. */
static void client_addr(struct http_request *req, char *out, size_t n)
{
	const char *ip = http_remote_addr(req);
	const char *xff = http_header(req, "X-Forwarded-For");
	snprintf(out, n, "%s", ip ? ip : "?");
	if (!ip || !xff || !addr_is_loopback(ip))
		return;
	const char *last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	while (*last == ' ' || *last == '\t')
		last++;
	size_t len = strcspn(last, " \t");
	if (len == 0 || len >= n || strspn(last, "0123456789abcdefABCDEF.:") < len)
		return;
	snprintf(out, n, "%.*s", (int)len, last);
}

static int on_open(struct ws_conn *ws, struct http_request *req, void *ctx)
{
	struct chat_ctx *cc = ctx;
	struct app *app = cc->app;
	char ip[48];
	client_addr(req, ip, sizeof ip);
	struct ip_count *ipc = NULL;
	int rc = ip_take(cc, ip, &ipc);
	if (rc)
		return rc == -EBUSY ? 429 : 503;
	struct chat_session *s = calloc(1, sizeof *s);
	if (!s) {
		ip_release(cc, ipc);
		return 503;
	}
	s->refs = 1;
	s->app = app;
	s->ws = ws;
	s->ipc = ipc;
	s->tokens = CHAT_RATE_BURST;
	s->tokens_at_ms = uv_now(&app->loop);
	ws_set_data(ws, s);
	const char *slug = http_query(req, "tenant");
	json_t *t = NULL;
	if (!slug || store_tenant_get_by_slug(store_reader(app->store), slug, &t)) {
		ws_close(ws, 1008, "unknown tenant");
		return 0;
	}
	s->tenant_id = json_integer_value(json_object_get(t, "id"));
	snprintf(s->business, sizeof s->business, "%s",
		 json_string_value(json_object_get(t, "name")) ?: "");
	const char *phone = json_string_value(json_object_get(json_object_get(t, "settings"), "phone"));
	snprintf(s->phone, sizeof s->phone, "%s", phone ? phone : "");
	json_decref(t);
	return 0;
}

static void on_close(struct ws_conn *ws, int code, void *ctx)
{
	(void)code;
	struct chat_ctx *cc = ctx;
	struct chat_session *s = ws_data(ws);
	if (!s)
		return;
	ws_set_data(ws, NULL);
	s->ws = NULL;
	ip_release(cc, s->ipc);
	s->ipc = NULL;
	live_unsubscribe(s->sub);
	s->sub = NULL;
	while (s->pend) { /* the writes complete; nobody is told */
		live_turn_cancel(s->pend->turn);
		pending_remove(s->pend);
	}
	session_unref(s);
}

static const struct ws_handler chat_handler = {on_open, on_message, on_close};

int ws_chat_register(struct app *app)
{
	struct chat_ctx *cc = calloc(1, sizeof *cc);
	if (!cc)
		return -ENOMEM;
	cc->app = app;
	app->ws_chat = cc;
	return http_ws_route(app->http, "/ws/chat", &chat_handler, cc);
}

void ws_chat_free(struct app *app)
{
	struct chat_ctx *cc = app->ws_chat;
	for (size_t i = 0; cc && i < CHAT_IP_BUCKETS; i++)
		for (struct ip_count *e = cc->ips[i], *nx; e; e = nx) {
			nx = e->next;
			free(e);
		}
	free(app->ws_chat);
	app->ws_chat = NULL;
}
