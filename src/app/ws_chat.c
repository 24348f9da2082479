/* ws_chat.c: /ws/chat, the customer's web chat (docs/api.md, "WebSocket"): hello and
 * welcome with a visitor token that resumes the conversation, replay after last_seq,
 * messages acknowledged once durable, the AI's replies and notices pushed live. A new
 * visitor costs nothing in the store until their first message: the customer, the chat
 * identity and the conversation are written then, in that message's own write job
 * (start_make, through live_customer_first_message), so the first turn takes one commit. */
#include "app/acd.h"
#include "app/api.h"
#include "app/app.h"
#include "app/dialog_glue.h"
#include "app/live.h"
#include "auth/auth.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/jsonx.h"
#include "base/log.h"
#include "http/http.h"
#include "nlu/extract.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHAT_TEXT_MAX 2000          /* bytes of one customer message */
#define CHAT_CLIENT_ID_MAX 64
#define CHAT_RATE_PER_SEC 5         /* messages per second per session, sustained */
#define CHAT_RATE_BURST 10
#define CHAT_TYPING_PER_SEC 2       /* "typing on" indicators passed on per second ... */
#define CHAT_TYPING_BURST 4         /* ... after a burst of this many */
#define CHAT_SESSIONS_PER_IP 50
#define CHAT_NEW_CUSTOMERS_PER_IP 30          /* customers created through chat ... */
#define CHAT_NEW_CUSTOMER_WINDOW_MS 600000u   /* ... per address in 10 minutes */
#define CHAT_IP_BUCKETS 4096        /* hash chains of the per-address counts (no cap) */
#define CHAT_CONV_BUCKETS 1024      /* hash chains of the per-conversation session counts */
#define CHAT_PAGE 200               /* messages in welcome's replay and in one history page */
#define CHAT_KEY_SIZE 32            /* the visitor token's digest, raw (hex in the store) */
#define MILLI 1000                  /* the token buckets count thousandths of a token */

/* One client address: its open sessions and the customers it created lately. Exists
 * while it has a session or a new-customer window that has not run out. */
struct ip_count {
	struct ip_count *next;
	uint64_t window_ms;          /* when the current new-customer window started */
	uint16_t n;                  /* open sessions */
	uint16_t created;            /* customers created in the window */
	char ip[48];
};

/* The open sessions following one conversation; exists while n > 0. The customer is
 * present (acd_customer_presence) while there is one. */
struct conv_count {
	struct conv_count *next;
	int64_t tenant_id, conv_id;
	uint32_t n;
};

struct chat_ctx {
	struct app *app;
	struct ip_count *ips[CHAT_IP_BUCKETS];
	struct conv_count *convs[CHAT_CONV_BUCKETS];
};

struct pending;

/* One open /ws/chat socket. Kept small: thousands of idle ones are the usual load. The
 * visitor token itself is not kept (it is sent once, in welcome); a visitor who has no
 * customer yet keeps the token's digest to create one with the first message. */
struct chat_session {
	struct app *app;
	struct ws_conn *ws;          /* NULL once closed */
	struct ip_count *ipc;        /* this session's count in chat_ctx.ips */
	struct live_sub *sub;        /* set once the conversation exists */
	struct pending *pend;        /* messages waiting for their ack (newest first) */
	int64_t tenant_id;
	int64_t conv_id;             /* 0 until the first message starts the conversation */
	union {                      /* whom the first message starts a conversation for */
		int64_t customer_id;         /* has_customer */
		uint8_t key[CHAT_KEY_SIZE];  /* otherwise: a new customer with this identity */
	} who;
	uint32_t tokens_at;          /* loop clock (ms, wrapping) of the last refill ... */
	uint32_t typing_at;          /* ... of each bucket */
	uint16_t tokens;             /* message bucket, thousandths (at most the burst) */
	uint16_t typing_tokens;      /* "typing on" bucket, thousandths (starts full) */
	uint8_t refs;                /* the socket and the start write in flight */
	bool hello_seen : 1;
	bool ready : 1;              /* welcome sent */
	bool has_customer : 1;
	bool starting : 1;           /* the first message (which starts it) is in flight */
	bool typing_on : 1;          /* the typing state last passed on */
};

/* A customer message waiting for its ack. text is set (owned) while the message waits
 * for the start write; it is handed to live once the conversation exists. */
struct pending {
	struct chat_session *s;
	struct live_turn *turn;
	char *text;
	struct pending *prev, *next;
	char client_id[CHAT_CLIENT_ID_MAX + 1];
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
	if (ws_send_text(s->ws, text, len) == -ENOBUFS)
		ws_close(s->ws, 1013, "too slow: reconnect and resume");
}

/* ---- the visitor's key ----------------------------------------------------------------- */

static bool token_well_formed(const char *v)
{
	if (!v || strlen(v) != AUTH_TOKEN_SIZE - 1)
		return false;
	return strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
	       AUTH_TOKEN_SIZE - 1;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The token's hex digest (auth_token_hash) kept as its raw bytes. */
static void key_from_hash(uint8_t key[CHAT_KEY_SIZE], const char *hash)
{
	for (size_t i = 0; i < CHAT_KEY_SIZE; i++)
		key[i] = (uint8_t)(hex_val(hash[2 * i]) << 4 | hex_val(hash[2 * i + 1]));
}

static void key_to_hash(const uint8_t key[CHAT_KEY_SIZE], char hash[AUTH_HASH_SIZE])
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < CHAT_KEY_SIZE; i++) {
		hash[2 * i] = digits[key[i] >> 4];
		hash[2 * i + 1] = digits[key[i] & 15];
	}
	hash[2 * CHAT_KEY_SIZE] = '\0';
}

/* ---- welcome -------------------------------------------------------------------------- */

/* {"name","phone"} of the business, from the tenant's cached facts (read now rather than
 * kept per session), or from its row when the facts cannot be loaded. */
static json_t *business_json(struct app *app, int64_t tenant_id)
{
	struct live_facts *f = NULL;
	json_t *row = NULL;
	const char *name = "", *phone = NULL;
	if (!live_facts_get(app, tenant_id, api_now(app), &f) && f->t) {
		name = f->t->name;
		phone = f->t->phone;
	} else if (!store_tenant_get(store_reader(app->store), tenant_id, &row)) {
		name = json_string_value(json_object_get(row, "name"));
		phone = json_string_value(json_object_get(json_object_get(row, "settings"), "phone"));
	}
	json_t *b = json_pack("{s:s,s:s?}", "name", name ? name : "", "phone",
			      phone && *phone ? phone : NULL);
	live_facts_unref(f);
	json_decref(row);
	return b;
}

static struct conv_count **conv_slot(struct chat_ctx *cc, int64_t tenant_id, int64_t conv_id)
{
	uint64_t h = ((uint64_t)conv_id * 0x9e3779b97f4a7c15ull) ^ (uint64_t)tenant_id;
	struct conv_count **pp = &cc->convs[(h >> 32) % CHAT_CONV_BUCKETS];
	while (*pp && ((*pp)->conv_id != conv_id || (*pp)->tenant_id != tenant_id))
		pp = &(*pp)->next;
	return pp;
}

/* Follows the session's conversation from now on; the first session of a conversation
 * tells the ACD the customer is present. 0 or an error. */
static int conv_attach(struct chat_session *s)
{
	struct chat_ctx *cc = s->app->ws_chat;
	struct conv_count **pp = conv_slot(cc, s->tenant_id, s->conv_id), *e = *pp;
	if (!e) {
		if (!(e = calloc(1, sizeof *e)))
			return -ENOMEM;
		e->tenant_id = s->tenant_id;
		e->conv_id = s->conv_id;
	}
	int rc = live_subscribe(s->app, s->tenant_id, s->conv_id, on_event, s, &s->sub);
	if (rc) {
		if (!*pp)
			free(e);
		return rc;
	}
	if (!*pp)
		*pp = e;
	if (e->n++ == 0)
		acd_customer_presence(s->app, s->tenant_id, s->conv_id, true);
	return 0;
}

bool ws_chat_customer_present(struct app *app, int64_t tenant_id, int64_t conv_id)
{
	struct chat_ctx *cc = app->ws_chat;
	return cc && *conv_slot(cc, tenant_id, conv_id) != NULL;
}

/* Stops following; the last session of a conversation tells the ACD the customer left. */
static void conv_detach(struct chat_session *s)
{
	if (!s->sub)
		return;
	live_unsubscribe(s->sub);
	s->sub = NULL;
	struct chat_ctx *cc = s->app->ws_chat;
	struct conv_count **pp = conv_slot(cc, s->tenant_id, s->conv_id), *e = *pp;
	if (!e || --e->n > 0)
		return;
	*pp = e->next;
	free(e);
	acd_customer_presence(s->app, s->tenant_id, s->conv_id, false);
}

/* The seq of the conversation's latest message (messages are numbered 1, 2, 3, ...
 * with no gaps, so this is also their count). 0 or a store error. */
static int conv_last_seq(struct chat_session *s, int64_t *out)
{
	struct store_stmt *st;
	int rc = store_prepare(store_reader(s->app->store),
			       "SELECT last_seq FROM conversations WHERE tenant_id = ? AND id = ?", &st);
	if (rc)
		return rc;
	store_bind_int64(st, 1, s->tenant_id);
	store_bind_int64(st, 2, s->conv_id);
	rc = store_step(st);
	if (rc == STORE_ROW)
		*out = store_col_int64(st, 0);
	store_stmt_finish(st);
	return rc == STORE_ROW ? 0 : rc == STORE_DONE ? -TN_ENOTFOUND : rc;
}

/* The page of at most limit messages just before seq `before` (seq < before), oldest
 * first, in *out; *more says whether older ones exist. Relies on seqs without gaps. */
static int page_before(struct chat_session *s, int64_t before, int64_t limit, json_t **out,
		       bool *more)
{
	int64_t last = 0;
	int rc = conv_last_seq(s, &last);
	if (rc)
		return rc;
	if (before > last + 1)
		before = last + 1;
	int64_t after = before - 1 - limit > 0 ? before - 1 - limit : 0;
	*more = after > 0;
	if (before - 1 <= after) {
		*out = json_array();
		return *out ? 0 : -ENOMEM;
	}
	return live_replay(s->app, s->tenant_id, s->conv_id, after, (int)(before - 1 - after), out);
}

/* Sends welcome: the visitor token, the conversation (null before the first message) and
 * the messages after last_seq, at most the latest CHAT_PAGE of them (more: true when
 * some after last_seq were left out; history fetches them). */
static void welcome(struct chat_session *s, const char *visitor, int64_t last_seq)
{
	struct app *app = s->app;
	json_t *msgs = NULL;
	int64_t owner = 0, last = 0;
	char agent[80] = "";
	bool more = false;
	int rc = 0;
	if (s->conv_id) {
		rc = conv_attach(s);
		if (!rc)
			rc = conv_last_seq(s, &last);
		if (!rc && last - last_seq > CHAT_PAGE)
			rc = page_before(s, last + 1, CHAT_PAGE, &msgs, &more);
		else if (!rc)
			rc = live_replay(app, s->tenant_id, s->conv_id, last_seq, CHAT_PAGE, &msgs);
		if (!rc)
			live_owner(app, s->tenant_id, s->conv_id, &owner, agent, sizeof agent);
	} else {
		msgs = json_array();
	}
	if (rc) {
		json_decref(msgs);
		send_error(s, "internal", "the conversation could not be opened", NULL);
		if (s->ws)
			ws_close(s->ws, 1011, "internal error");
		return;
	}
	json_t *w = json_pack("{s:s,s:s,s:o,s:o,s:s,s:o,s:b}", "type", "welcome", "visitor",
			      visitor, "conversation",
			      s->conv_id ? json_integer(s->conv_id) : json_null(), "business",
			      business_json(app, s->tenant_id), "owner", owner ? "human" : "ai",
			      "messages", msgs, "more", more);
	if (w && owner)
		json_object_set_new(w, "agent", json_string(agent));
	s->ready = true;
	send_json(s, w);
}

/* Finds the conversation a returning customer's hello resumes: the one it names when it
 * is theirs, else their latest open one, else none (0: the first message starts one).
 * *replay_from is last_seq when the conversation is the one named, else 0. */
static int64_t resume_conv(struct store_conn *r, int64_t tenant_id, int64_t cust,
			   const json_t *conv, int64_t last_seq, int64_t *replay_from)
{
	int64_t id = json_integer_value(conv);
	json_t *row = NULL;
	*replay_from = 0;
	if (id > 0 && !store_conversation_get(r, tenant_id, id, &row) &&
	    json_integer_value(json_object_get(row, "customer_id")) == cust) {
		json_decref(row);
		*replay_from = last_seq;
		return id;
	}
	json_decref(row);
	if (store_conversation_find_open(r, tenant_id, cust, &id))
		return 0;
	if (conv && json_integer_value(conv) == id)
		*replay_from = last_seq;
	return id;
}

static void on_hello(struct chat_session *s, const json_t *m)
{
	struct store_conn *r = store_reader(s->app->store);
	const json_t *vis = json_object_get(m, "visitor");
	const json_t *conv = json_object_get(m, "conversation");
	const json_t *ls = json_object_get(m, "last_seq");
	if ((vis && !json_is_string(vis) && !json_is_null(vis)) ||
	    (conv && !json_is_integer(conv) && !json_is_null(conv)) ||
	    (ls && (!json_is_integer(ls) || json_integer_value(ls) < 0))) {
		send_error(s, "invalid", "hello: visitor is a string, conversation an id, last_seq >= 0",
			   NULL);
		return;
	}
	s->hello_seen = true;
	const char *given = json_string_value(vis);
	char visitor[AUTH_TOKEN_SIZE], hash[AUTH_HASH_SIZE];
	bool kept = token_well_formed(given); /* kept, whether or not it has a customer yet */
	if (kept)
		snprintf(visitor, sizeof visitor, "%s", given);
	else
		auth_token_new(visitor);
	auth_token_hash(visitor, hash);
	int64_t cust = 0, replay_from = 0;
	if (kept &&
	    store_customer_find_by_identity(r, s->tenant_id, STORE_IDENTITY_CHAT, hash, &cust))
		cust = 0;
	if (cust) { /* a returning customer */
		s->has_customer = true;
		s->who.customer_id = cust;
		s->conv_id = resume_conv(r, s->tenant_id, cust, conv,
					 ls ? json_integer_value(ls) : 0, &replay_from);
	} else {
		key_from_hash(s->who.key, hash);
	}
	welcome(s, visitor, replay_from);
}

/* ---- starting the conversation with the first message ---------------------------------- */

/* Customer (for a new visitor), chat identity and conversation, written first in the
 * first message's own write job (live_customer_first_message). Idempotent against
 * another tab of the same visitor starting at the same moment: an identity written
 * meanwhile is used, and an open conversation found means nothing is made (the message
 * then goes to that conversation). */
struct start_job {
	int64_t tenant_id, customer_id, conv_id, now;
	char hash[AUTH_HASH_SIZE];   /* "" when customer_id is known */
};

/* The first message of a session that has no conversation yet, in flight. */
struct first {
	struct chat_session *s;      /* held (refs) until the turn is answered */
	struct start_job job;        /* filled by the writer, read after the commit */
	char *text;                  /* kept to send again when another tab started first */
	char client_id[CHAT_CLIENT_ID_MAX + 1];
};

/* dialog_start_fn (writer thread). */
static int start_make(struct store_conn *c, void *arg, int64_t *conv_id, int64_t *customer_id)
{
	struct start_job *j = &((struct first *)arg)->job;
	int rc;
	if (!j->customer_id) {
		rc = store_customer_find_by_identity(c, j->tenant_id, STORE_IDENTITY_CHAT, j->hash,
						     &j->customer_id);
		if (rc == -TN_ENOTFOUND) {
			struct store_customer cu = {0};
			if ((rc = store_customer_create(c, j->tenant_id, &cu, j->now, &j->customer_id)) ||
			    (rc = store_identity_add(c, j->tenant_id, j->customer_id,
						     STORE_IDENTITY_CHAT, j->hash)))
				return rc;
		} else if (rc) {
			return rc;
		}
	}
	*customer_id = j->customer_id;
	rc = store_conversation_find_open(c, j->tenant_id, j->customer_id, &j->conv_id);
	if (rc == 0) {
		*conv_id = j->conv_id;
		return 1; /* found: the caller sends the message to it */
	}
	if (rc != -TN_ENOTFOUND)
		return rc;
	if ((rc = store_conversation_create(c, j->tenant_id, j->customer_id, "chat", j->now,
					    &j->conv_id)))
		return rc;
	*conv_id = j->conv_id;
	return store_event_append(c, j->tenant_id, j->now, "conversation_started", j->conv_id,
				  "customer", NULL, NULL);
}

static void pending_remove(struct pending *p)
{
	struct chat_session *s = p->s;
	if (p->prev)
		p->prev->next = p->next;
	else
		s->pend = p->next;
	if (p->next)
		p->next->prev = p->prev;
	free(p->text);
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
		send_json(s, json_pack("{s:s,s:s,s:I,s:I}", "type", "ack", "client_id",
				       p->client_id, "seq", (json_int_t)r->seq, "conversation",
				       (json_int_t)s->conv_id));
	pending_remove(p);
}

/* Hands a linked pending message to live. 0, or an error (answered, p removed). */
static int submit(struct chat_session *s, struct pending *p, const char *text)
{
	int rc = live_customer_message(s->app, s->tenant_id, s->conv_id, text, p->client_id,
				       "chat", on_turn, p, &p->turn);
	if (rc) {
		send_error(s, "internal", "the message was not stored; send it again", p->client_id);
		pending_remove(p);
	}
	return rc;
}

/* The messages that waited for the start write, oldest first. */
static void submit_waiting(struct chat_session *s)
{
	struct pending *p = s->pend;
	while (p && p->next)
		p = p->next;
	while (p && s->ws) {
		struct pending *older = p->prev; /* p may be answered and freed at once */
		char *text = p->text;
		if (text) {
			p->text = NULL;
			submit(s, p, text);
			free(text);
		}
		p = older;
	}
}

/* The oldest message waiting with that client id (the list is newest first; the first
 * message was linked before any other one waited, and the same id may follow it). */
static struct pending *pending_oldest(struct chat_session *s, const char *client_id)
{
	struct pending *found = NULL;
	for (struct pending *p = s->pend; p; p = p->next)
		if (!strcmp(p->client_id, client_id))
			found = p;
	return found;
}

/* Every message still waiting is answered with an error (the conversation could not be
 * started; the client sends them again). */
static void fail_waiting(struct chat_session *s)
{
	s->conv_id = 0;
	while (s->pend) {
		send_error(s, "internal", "the message was not stored; send it again",
			   s->pend->client_id);
		pending_remove(s->pend);
	}
}

/* live_started_fn: the first message's write made the conversation; follow it before
 * its messages are sent out. */
static void first_started(void *ctx, int64_t conv_id)
{
	struct first *f = ctx;
	struct chat_session *s = f->s;
	s->has_customer = true;
	s->who.customer_id = f->job.customer_id;
	s->conv_id = conv_id;
	if (s->ws && conv_attach(s))
		log_warn("chat: cannot follow conversation %lld", (long long)conv_id);
}

/* live_turn_fn of the first message. */
static void first_done(int rc, const struct live_turn_result *r, void *ctx)
{
	struct first *f = ctx;
	struct chat_session *s = f->s;
	struct pending *p = pending_oldest(s, f->client_id);
	s->starting = false;
	if (rc && s->ws && s->app->nlu) /* the "on" sent at the start had no conversation */
		send_json(s, json_pack("{s:s,s:s,s:b}", "type", "typing", "from", "ai", "on", 0));
	if (rc == -EEXIST && s->ws) {
		/* another tab started the conversation a moment before: join it */
		s->has_customer = true;
		s->who.customer_id = f->job.customer_id;
		s->conv_id = r->conv_id;
		if (conv_attach(s)) {
			fail_waiting(s);
		} else {
			if (p)
				submit(s, p, f->text);
			submit_waiting(s);
		}
	} else if (rc == 0) {
		if (p) {
			send_json(s, json_pack("{s:s,s:s,s:I,s:I}", "type", "ack", "client_id",
					       p->client_id, "seq", (json_int_t)r->seq, "conversation",
					       (json_int_t)r->conv_id));
			pending_remove(p);
		}
		if (s->ws)
			submit_waiting(s);
	} else if (s->ws) {
		if (rc != -EEXIST)
			log_warn("chat: a conversation could not be started: %s", tn_strerror(rc));
		fail_waiting(s);
	}
	free(f->text);
	free(f);
	session_unref(s);
}

/* Counts one more customer created from the session's address: false when the address
 * has created CHAT_NEW_CUSTOMERS_PER_IP in the current window. */
static bool new_customer_ok(struct chat_session *s)
{
	struct ip_count *e = s->ipc;
	uint64_t now = uv_now(&s->app->loop);
	if (!e)
		return false;
	if (!e->created || now - e->window_ms >= CHAT_NEW_CUSTOMER_WINDOW_MS) {
		e->window_ms = now;
		e->created = 0;
	}
	if (e->created >= CHAT_NEW_CUSTOMERS_PER_IP)
		return false;
	e->created++;
	return true;
}

/* Sends the session's first message p: its write makes the conversation (and the
 * customer, for a new visitor) and stores the turn in one commit. 0, or an error (p is
 * left for the caller). */
static int start_conversation(struct chat_session *s, struct pending *p, const char *text)
{
	struct first *f = calloc(1, sizeof *f);
	if (!f || !(f->text = strdup(text))) {
		free(f);
		return -ENOMEM;
	}
	f->s = s;
	f->job.tenant_id = s->tenant_id;
	f->job.now = api_now(s->app);
	if (s->has_customer)
		f->job.customer_id = s->who.customer_id;
	else
		key_to_hash(s->who.key, f->job.hash);
	snprintf(f->client_id, sizeof f->client_id, "%s", p->client_id);
	s->refs++;
	s->starting = true;
	int rc = live_customer_first_message(s->app, s->tenant_id, f->job.customer_id, start_make, f,
					     first_started, text, p->client_id, "chat", first_done, f,
					     NULL);
	if (!rc && s->app->nlu && s->starting)
		/* the AI is at work; the conversation's own "off" follows once it is made */
		send_json(s, json_pack("{s:s,s:s,s:b}", "type", "typing", "from", "ai", "on", 1));
	if (rc) {
		s->refs--;
		s->starting = false;
		free(f->text);
		free(f);
	}
	return rc;
}

/* ---- messages -------------------------------------------------------------------------- */

/* Token bucket in thousandths: true when one more may go now. */
static bool bucket_take(struct chat_session *s, uint16_t *tokens, uint32_t *at,
			uint32_t per_sec, uint32_t burst)
{
	uint32_t now = (uint32_t)uv_now(&s->app->loop);
	uint64_t level = *tokens + (uint64_t)(uint32_t)(now - *at) * per_sec;
	if (level > burst * MILLI)
		level = burst * MILLI;
	*at = now;
	if (level < MILLI) {
		*tokens = (uint16_t)level;
		return false;
	}
	*tokens = (uint16_t)(level - MILLI);
	return true;
}

static bool rate_ok(struct chat_session *s)
{
	return bucket_take(s, &s->tokens, &s->tokens_at, CHAT_RATE_PER_SEC, CHAT_RATE_BURST);
}

/* The text of a message, or NULL after answering the error. */
static const char *message_text(struct chat_session *s, const json_t *text, const char *ref)
{
	if (!json_is_string(text) || json_string_length(text) == 0 ||
	    strlen(json_string_value(text)) != json_string_length(text)) {
		send_error(s, "invalid", "text must be a non-empty string", ref);
		return NULL;
	}
	if (json_string_length(text) > CHAT_TEXT_MAX) {
		send_error(s, "too_long", "text must be at most 2000 bytes", ref);
		return NULL;
	}
	if (live_text_blank(json_string_value(text), json_string_length(text))) {
		send_error(s, "invalid", "text must not be blank (only spaces or line breaks)", ref);
		return NULL;
	}
	return json_string_value(text);
}

static void on_customer_message(struct chat_session *s, const json_t *m)
{
	const json_t *cid = json_object_get(m, "client_id");
	const char *ref = json_string_value(cid);
	if (!json_is_string(cid) || json_string_length(cid) == 0 ||
	    json_string_length(cid) > CHAT_CLIENT_ID_MAX || strlen(ref) != json_string_length(cid)) {
		send_error(s, "invalid", "client_id must be a string of 1 to 64 bytes", NULL);
		return;
	}
	const char *text = message_text(s, json_object_get(m, "text"), ref);
	if (!text)
		return;
	if (!rate_ok(s)) {
		send_error(s, "rate_limited", "too many messages; wait a moment", ref);
		return;
	}
	bool first = !s->conv_id && !s->starting;
	if (first && !s->has_customer && !new_customer_ok(s)) {
		send_error(s, "rate_limited",
			   "too many new conversations from this address; try again later", ref);
		return;
	}
	struct pending *p = calloc(1, sizeof *p);
	if (!p || (s->starting && !(p->text = strdup(text)))) {
		free(p);
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
	if (first) {
		if (start_conversation(s, p, text)) {
			send_error(s, "unavailable", "the server is not accepting conversations", ref);
			pending_remove(p);
		}
	} else if (!s->starting) {
		submit(s, p, text);
	}
}

/* {"type":"history","before":SEQ,"limit":N?}: the page of messages before SEQ. */
static void on_history(struct chat_session *s, const json_t *m)
{
	const json_t *b = json_object_get(m, "before"), *l = json_object_get(m, "limit");
	if (!json_is_integer(b) || json_integer_value(b) < 1 ||
	    (l && (!json_is_integer(l) || json_integer_value(l) < 1 ||
		   json_integer_value(l) > CHAT_PAGE))) {
		send_error(s, "invalid", "history: before is a seq >= 1, limit 1 to 200", NULL);
		return;
	}
	if (!rate_ok(s)) {
		send_error(s, "rate_limited", "too many requests; wait a moment", NULL);
		return;
	}
	json_t *msgs = NULL;
	bool more = false;
	if (!s->conv_id)
		msgs = json_array();
	else if (page_before(s, json_integer_value(b), l ? json_integer_value(l) : CHAT_PAGE,
			     &msgs, &more)) {
		send_error(s, "internal", "the history could not be read", NULL);
		return;
	}
	send_json(s, json_pack("{s:s,s:I,s:o,s:b}", "type", "history", "before",
			       (json_int_t)json_integer_value(b), "messages", msgs, "more", more));
}

/* The customer takes the callback a surge notice offered instead of waiting in the
 * chat. The phone may be written any usual way; it is read as the AI reads one. */
static void on_callback(struct chat_session *s, const json_t *m)
{
	const char *cid = json_string_value(json_object_get(m, "client_id"));
	const json_t *ph = json_object_get(m, "phone");
	if (!cid || !*cid || strlen(cid) > CHAT_CLIENT_ID_MAX ||
	    (ph && !json_is_string(ph) && !json_is_null(ph))) {
		send_error(s, "invalid", "callback: a client_id, and the phone as text", cid);
		return;
	}
	if (!rate_ok(s)) {
		send_error(s, "rate_limited", "too many requests; wait a moment", cid);
		return;
	}
	char phone[32] = "";
	if (json_is_string(ph) && json_string_length(ph) > 0) {
		struct nlu_entities ents;
		size_t n = json_string_length(ph);
		if (n <= 40 && !nlu_extract_entities(json_string_value(ph), n, 0, NULL, &ents))
			for (size_t i = 0; i < ents.count && !phone[0]; i++) {
				if (ents.items[i].type != NLU_ENT_PHONE)
					continue;
				int w = snprintf(phone, sizeof phone, "%s", ents.items[i].value);
				if (w < 0 || (size_t)w >= sizeof phone)
					phone[0] = '\0'; /* not a phone number that fits E.164 */
			}
		if (!phone[0]) {
			send_error(s, "invalid", "phone: a phone number such as (704) 555-0100", cid);
			return;
		}
	}
	char msg[160] = "";
	int rc = s->conv_id ? acd_customer_callback(s->app, s->tenant_id, s->conv_id,
						    phone[0] ? phone : NULL, msg, sizeof msg)
			    : -TN_ECONFLICT;
	if (rc == -TN_ECONFLICT)
		send_error(s, "conflict", msg[0] ? msg : "nobody is waiting for a person here", cid);
	else if (rc == -TN_EINVAL_FIELD)
		send_error(s, "phone_required", msg, cid);
	else if (rc)
		send_error(s, "internal", "the callback could not be queued; try again", cid);
}

/* Passes the customer's typing indicator on, but not a flood of them: "off" only after
 * an "on" (so what is dropped can never leave the indicator stuck on), a repeated "on"
 * never, and a new "on" from a bucket of CHAT_TYPING_PER_SEC with a burst of
 * CHAT_TYPING_BURST, so a person who starts typing again is always shown. Nothing is
 * passed on before the conversation exists (nobody could see it). */
static void on_typing(struct chat_session *s, bool on)
{
	if (on == s->typing_on || !s->conv_id)
		return;
	if (on && !bucket_take(s, &s->typing_tokens, &s->typing_at, CHAT_TYPING_PER_SEC,
			       CHAT_TYPING_BURST))
		return;
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
	else if (!strcmp(type, "history"))
		on_history(s, m);
	else if (!strcmp(type, "callback"))
		on_callback(s, m);
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

/* An entry with no session whose new-customer window has run out is not needed. */
static bool ip_idle(const struct ip_count *e, uint64_t now)
{
	return e->n == 0 && (!e->created || now - e->window_ms >= CHAT_NEW_CUSTOMER_WINDOW_MS);
}

/* Counts one more session of ip: 0 and *out, -EBUSY when the address already has
 * CHAT_SESSIONS_PER_IP, -ENOMEM. Idle entries met on the way are freed. */
static int ip_take(struct chat_ctx *cc, const char *ip, struct ip_count **out)
{
	uint64_t now = uv_now(&cc->app->loop);
	struct ip_count **pp = &cc->ips[ip_bucket(ip)], *e;
	while ((e = *pp) && strncmp(e->ip, ip, sizeof e->ip - 1)) {
		if (ip_idle(e, now)) {
			*pp = e->next;
			free(e);
		} else {
			pp = &e->next;
		}
	}
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
	e->next = *pp;
	*pp = e;
	*out = e;
	return 0;
}

/* Counts one session of e less; the entry goes when nothing in it is needed any more. */
static void ip_release(struct chat_ctx *cc, struct ip_count *e)
{
	if (!e || --e->n > 0 || !ip_idle(e, uv_now(&cc->app->loop)))
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
	s->tokens = CHAT_RATE_BURST * MILLI;
	s->typing_tokens = CHAT_TYPING_BURST * MILLI;
	s->tokens_at = s->typing_at = (uint32_t)uv_now(&app->loop);
	ws_set_data(ws, s);
	const char *slug = http_query(req, "tenant");
	json_t *t = NULL;
	if (!slug || store_tenant_get_by_slug(store_reader(app->store), slug, &t)) {
		ws_close(ws, 1008, "unknown tenant");
		return 0;
	}
	s->tenant_id = json_integer_value(json_object_get(t, "id"));
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
	conv_detach(s);
	while (s->pend) { /* the writes complete; nobody is told (the client sends again) */
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
	for (size_t i = 0; cc && i < CHAT_CONV_BUCKETS; i++)
		for (struct conv_count *e = cc->convs[i], *nx; e; e = nx) {
			nx = e->next;
			free(e);
		}
	free(app->ws_chat);
	app->ws_chat = NULL;
}
