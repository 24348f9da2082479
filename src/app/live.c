/* live.c: the live conversation service: per-conversation owner, subscribers and a
 * queue of turns run one at a time; AI turns prepared on the loop thread and persisted
 * by an asynchronous store job; every stored message fanned out with its seq. */
#include "app/live.h"
#include "app/api.h"
#include "app/app.h"
#include "app/dialog_glue.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/jsonx.h"
#include "base/log.h"
#include "base/tz.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIVE_BUCKETS_MIN 256

struct live_conv;

struct live_sub {
	struct live_conv *conv;
	live_event_fn *fn;
	void *ctx;
	struct live_sub *prev, *next;
};

enum turn_kind { TURN_CUSTOMER, TURN_AGENT };

struct live_turn {
	struct app *app;
	struct live_conv *conv;
	struct live_turn *next;
	enum turn_kind kind;
	char *text;
	char *client_id;
	char channel[16];
	int64_t user_id;          /* TURN_AGENT: the person */
	char name[80];
	live_turn_fn *cb;
	void *ctx;
	int64_t now;
	/* an AI turn in flight */
	struct dialog_out out;
	struct dialog_write *w;
	struct live_facts *facts;
	bool retried;
	/* a plain message write */
	json_t *nlu;
	int64_t seq;
	bool duplicate;
	/* the first message of a conversation that its own write makes */
	dialog_start_fn *start;
	void *start_arg;
	live_started_fn *started;
	int64_t start_customer;   /* whom it is for (0: a new customer) */
	int64_t made_conv_id;     /* the conversation start made or found (writer, then loop) */
};

struct live_conv {
	int64_t tenant_id, conv_id;
	int64_t owner_user_id;       /* 0: the AI */
	char owner_name[80];
	struct live_sub *subs;
	struct live_turn *head, *tail;
	bool busy;                   /* head is running */
	int pins;                    /* owner writes in flight */
	int broadcasting;
	struct live_conv *hnext;
};

struct live {
	struct app *app;
	struct live_conv **buckets;
	size_t n_buckets, n;
	live_agents_fn *agents_fn;
	void *agents_ctx;
	live_handoff_fn *handoff_fn;
	void *handoff_ctx;
};

/* ---- the conversation table ------------------------------------------------------- */

static size_t bucket_of(const struct live *lv, int64_t tenant_id, int64_t conv_id)
{
	uint64_t h = (uint64_t)conv_id * 0x9E3779B97F4A7C15ull ^ (uint64_t)tenant_id;
	return (size_t)(h >> 17) % lv->n_buckets;
}

static void table_grow(struct live *lv)
{
	size_t nb = lv->n_buckets * 2;
	struct live_conv **b = calloc(nb, sizeof *b);
	if (!b)
		return; /* keep the longer chains */
	struct live_conv **old = lv->buckets;
	size_t on = lv->n_buckets;
	lv->buckets = b;
	lv->n_buckets = nb;
	for (size_t i = 0; i < on; i++)
		for (struct live_conv *c = old[i], *nx; c; c = nx) {
			nx = c->hnext;
			size_t k = bucket_of(lv, c->tenant_id, c->conv_id);
			c->hnext = b[k];
			b[k] = c;
		}
	free(old);
}

static struct live_conv *conv_lookup(struct live *lv, int64_t tenant_id, int64_t conv_id)
{
	for (struct live_conv *c = lv->buckets[bucket_of(lv, tenant_id, conv_id)]; c; c = c->hnext)
		if (c->conv_id == conv_id && c->tenant_id == tenant_id)
			return c;
	return NULL;
}

/* The person's display name ("" when unknown). */
static void user_name(struct app *app, int64_t user_id, char *out, size_t n)
{
	json_t *u = NULL;
	out[0] = '\0';
	if (!store_user_get(store_reader(app->store), user_id, &u))
		snprintf(out, n, "%s", json_string_value(json_object_get(u, "name")) ?: "");
	json_decref(u);
}

/* The live state of a conversation, loaded from the store on first use (so a restart
 * gets owners back). 0, -TN_ENOTFOUND or an error. */
static int conv_get(struct app *app, int64_t tenant_id, int64_t conv_id, struct live_conv **out)
{
	struct live *lv = app->live;
	if (!lv)
		return -EINVAL;
	struct live_conv *c = conv_lookup(lv, tenant_id, conv_id);
	if (c) {
		*out = c;
		return 0;
	}
	json_t *row = NULL;
	int rc = store_conversation_get(store_reader(app->store), tenant_id, conv_id, &row);
	if (rc)
		return rc;
	c = calloc(1, sizeof *c);
	if (!c) {
		json_decref(row);
		return -ENOMEM;
	}
	c->tenant_id = tenant_id;
	c->conv_id = conv_id;
	const char *kind = json_string_value(json_object_get(row, "owner_kind"));
	if (kind && !strcmp(kind, "human")) {
		c->owner_user_id = json_integer_value(json_object_get(row, "owner_user_id"));
		user_name(app, c->owner_user_id, c->owner_name, sizeof c->owner_name);
	}
	json_decref(row);
	if (lv->n >= lv->n_buckets * 2)
		table_grow(lv);
	size_t k = bucket_of(lv, tenant_id, conv_id);
	c->hnext = lv->buckets[k];
	lv->buckets[k] = c;
	lv->n++;
	*out = c;
	return 0;
}

/* Drops the live state of an idle conversation nobody watches (the store has it all). */
static void conv_maybe_evict(struct live *lv, struct live_conv *c)
{
	if (c->subs || c->head || c->busy || c->pins || c->broadcasting)
		return;
	struct live_conv **pp = &lv->buckets[bucket_of(lv, c->tenant_id, c->conv_id)];
	while (*pp && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp) {
		*pp = c->hnext;
		lv->n--;
	}
	free(c);
}

/* ---- fan-out ---------------------------------------------------------------------- */

static void broadcast(struct live_conv *c, const json_t *ev)
{
	if (!c->subs || !ev)
		return;
	struct buf b = {0};
	if (jsonx_dump(&b, ev) == 0) {
		c->broadcasting++;
		for (struct live_sub *s = c->subs, *nx; s; s = nx) {
			nx = s->next;
			s->fn(s->ctx, c->conv_id, ev, b.data, b.len);
		}
		c->broadcasting--;
	}
	buf_free(&b);
}

/* "2026-12-03T14:19:37Z". */
static void iso_utc(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, n, "%lld", (long long)t);
}

json_t *live_message_event(const json_t *row)
{
	char at[32];
	iso_utc(json_integer_value(json_object_get(row, "created_at")), at, sizeof at);
	json_t *ev = json_pack("{s:s,s:O,s:O,s:O,s:s}", "type", "message", "seq",
			       json_object_get(row, "seq"), "from", json_object_get(row, "sender"),
			       "text", json_object_get(row, "text"), "at", at);
	if (!ev)
		return NULL;
	const json_t *v = json_object_get(row, "client_msg_id");
	if (json_is_string(v))
		json_object_set(ev, "client_id", (json_t *)v);
	v = json_object_get(row, "name");
	if (json_is_string(v))
		json_object_set(ev, "name", (json_t *)v);
	v = json_object_get(row, "quick_replies");
	if (json_array_size(v))
		json_object_set(ev, "quick_replies", (json_t *)v);
	return ev;
}

static json_t *message_row(int64_t seq, const char *from, const char *name, const char *text,
			   const char *client_id, int64_t at)
{
	json_t *row = json_pack("{s:I,s:s,s:s,s:I}", "seq", (json_int_t)seq, "sender", from, "text",
				text, "created_at", (json_int_t)at);
	if (row && client_id)
		json_object_set_new(row, "client_msg_id", json_string(client_id));
	if (row && name && *name)
		json_object_set_new(row, "name", json_string(name));
	return row;
}

static void broadcast_message(struct live_conv *c, const json_t *row)
{
	json_t *ev = live_message_event(row);
	broadcast(c, ev);
	json_decref(ev);
}

void live_typing(struct app *app, int64_t tenant_id, int64_t conv_id, const char *from, bool on)
{
	if (!app->live)
		return;
	struct live_conv *c = conv_lookup(app->live, tenant_id, conv_id);
	if (!c || !c->subs)
		return;
	json_t *ev = json_pack("{s:s,s:s,s:b}", "type", "typing", "from", from, "on", on);
	broadcast(c, ev);
	json_decref(ev);
}

void live_notify(struct app *app, int64_t tenant_id, int64_t conv_id, const json_t *ev)
{
	if (!app->live)
		return;
	struct live_conv *c = conv_lookup(app->live, tenant_id, conv_id);
	if (c)
		broadcast(c, ev);
}

/* Whether seq is the conversation's latest message (its quick replies still apply). */
static bool latest_message(struct app *app, int64_t tenant_id, int64_t conv_id, int64_t seq)
{
	struct store_stmt *st;
	bool latest = false;
	if (store_prepare(store_reader(app->store), "SELECT last_seq FROM conversations WHERE "
			  "tenant_id = ? AND id = ?", &st))
		return false;
	store_bind_int64(st, 1, tenant_id);
	store_bind_int64(st, 2, conv_id);
	if (store_step(st) == STORE_ROW)
		latest = store_col_int64(st, 0) == seq;
	store_stmt_finish(st);
	return latest;
}

int live_replay(struct app *app, int64_t tenant_id, int64_t conv_id, int64_t after_seq,
		int limit, json_t **out)
{
	json_t *rows = NULL;
	int rc = store_message_list(store_reader(app->store), tenant_id, conv_id, after_seq,
				    limit, &rows);
	if (rc)
		return rc;
	json_t *arr = json_array();
	size_t i;
	json_t *r;
	char name[80];
	int64_t name_of = 0;
	json_array_foreach(rows, i, r) {
		/* only the latest message's quick replies still apply */
		if (json_array_size(json_object_get(r, "quick_replies")) &&
		    (i + 1 < json_array_size(rows) ||
		     !latest_message(app, tenant_id, conv_id,
				     json_integer_value(json_object_get(r, "seq")))))
			json_object_del(r, "quick_replies");
		int64_t uid = json_integer_value(json_object_get(r, "sender_user_id"));
		if (uid > 0) {
			if (uid != name_of) {
				user_name(app, uid, name, sizeof name);
				name_of = uid;
			}
			json_object_set_new(r, "name", json_string(name));
		}
		json_array_append_new(arr, live_message_event(r));
	}
	json_decref(rows);
	*out = arr;
	return 0;
}

/* ---- blank text --------------------------------------------------------------------- */

static bool blank_cp(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 ||
	       cp == 0x1680 || cp == 0x180E || (cp >= 0x2000 && cp <= 0x200D) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x2060 || cp == 0x3000 ||
	       cp == 0xFEFF;
}

bool live_text_blank(const char *text, size_t n)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		size_t len;
		if (p[i] < 0x80) {
			cp = p[i];
			len = 1;
		} else if ((p[i] & 0xE0) == 0xC0 && i + 1 < n) {
			cp = (uint32_t)(p[i] & 0x1F) << 6 | (p[i + 1] & 0x3F);
			len = 2;
		} else if ((p[i] & 0xF0) == 0xE0 && i + 2 < n) {
			cp = (uint32_t)(p[i] & 0x0F) << 12 | (uint32_t)(p[i + 1] & 0x3F) << 6 |
			     (p[i + 2] & 0x3F);
			len = 3;
		} else {
			return false; /* four-byte sequences (and anything else) are visible */
		}
		if (!blank_cp(cp))
			return false;
		i += len;
	}
	return true;
}

/* ---- subscriptions ------------------------------------------------------------------ */

int live_subscribe(struct app *app, int64_t tenant_id, int64_t conv_id, live_event_fn *fn,
		   void *ctx, struct live_sub **out)
{
	struct live_conv *c;
	int rc = conv_get(app, tenant_id, conv_id, &c);
	if (rc)
		return rc;
	struct live_sub *s = calloc(1, sizeof *s);
	if (!s) {
		conv_maybe_evict(app->live, c);
		return -ENOMEM;
	}
	s->conv = c;
	s->fn = fn;
	s->ctx = ctx;
	s->next = c->subs;
	if (c->subs)
		c->subs->prev = s;
	c->subs = s;
	*out = s;
	return 0;
}

static struct live *the_live;  /* one app per process; for unsubscribe's eviction */

void live_unsubscribe(struct live_sub *s)
{
	if (!s)
		return;
	struct live_conv *c = s->conv;
	if (s->prev)
		s->prev->next = s->next;
	else
		c->subs = s->next;
	if (s->next)
		s->next->prev = s->prev;
	free(s);
	if (the_live)
		conv_maybe_evict(the_live, c);
}

/* ---- answers ---------------------------------------------------------------------- */

/* The REST answer of a customer turn from the stored pieces: the customer message row,
 * the reply row (NULL: none), the NLU result with its turn summary, and the handoff
 * packet (NULL: none). New reference. */
static json_t *answer_build(const json_t *msg, const json_t *reply, const json_t *nlu,
			    const json_t *packet)
{
	const json_t *turn = json_object_get(nlu, "turn");
	json_t *mev = live_message_event(msg);
	json_t *rev = reply ? live_message_event(reply) : json_null();
	json_t *signals = json_pack("{s:O?,s:O?,s:O?,s:O?,s:O?}", "sentiment",
				    json_object_get(nlu, "sentiment"), "frustration",
				    json_object_get(nlu, "frustration"), "urgency",
				    json_object_get(nlu, "urgency"), "human_request",
				    json_object_get(nlu, "human_request"), "entities",
				    json_object_get(nlu, "entities"));
	json_t *a = json_pack("{s:o,s:o,s:o}", "message", mev ? mev : json_null(), "reply",
			      rev ? rev : json_null(), "signals", signals ? signals : json_object());
	if (!a)
		return NULL;
	if (turn) {
		const char *keys[] = {"intent", "confidence", "escalation", "outcome", "appointment",
				      "callback"};
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			if (json_object_get(turn, keys[i]))
				json_object_set(a, keys[i], json_object_get(turn, keys[i]));
	} else {
		/* a person owns the conversation: the AI only read the message */
		json_object_set(a, "intent", json_object_get(nlu, "intent"));
		json_object_set(a, "confidence", json_object_get(nlu, "confidence"));
		json_object_set_new(a, "escalation", json_pack("{s:b,s:n,s:[]}", "escalate", 0,
								 "priority", "reasons"));
		json_object_set_new(a, "outcome", json_string("handoff"));
		json_object_set_new(a, "owner", json_string("human"));
	}
	if (packet)
		json_object_set(a, "handoff", (json_t *)packet);
	return a;
}

/* The first answer of a client id seen before, rebuilt from the store. 1 and *out when
 * found, 0 when not, or an error. */
static int answer_stored(struct app *app, struct live_conv *c, const char *client_id,
			 json_t **out)
{
	struct store_conn *r = store_reader(app->store);
	struct store_stmt *st;
	int rc = store_prepare(r, "SELECT seq FROM messages WHERE tenant_id = ? AND "
				  "conversation_id = ? AND client_msg_id = ?", &st);
	if (rc)
		return rc;
	store_bind_int64(st, 1, c->tenant_id);
	store_bind_int64(st, 2, c->conv_id);
	store_bind_text(st, 3, client_id, -1);
	int64_t seq = 0;
	if ((rc = store_step(st)) == STORE_ROW)
		seq = store_col_int64(st, 0);
	store_stmt_finish(st);
	if (rc < 0)
		return rc;
	if (!seq)
		return 0;
	json_t *rows = NULL, *packet = NULL;
	if ((rc = store_message_list(r, c->tenant_id, c->conv_id, seq - 1, 2, &rows)))
		return rc;
	json_t *msg = json_array_get(rows, 0), *reply = json_array_get(rows, 1);
	const char *rs = json_string_value(json_object_get(reply, "sender"));
	if (!rs || strcmp(rs, "ai"))
		reply = NULL;
	const json_t *nlu = json_object_get(msg, "nlu");
	const json_t *turn = json_object_get(nlu, "turn");
	json_t *h = NULL;
	if (json_is_true(json_object_get(turn, "handoff")) &&
	    !store_handoff_latest(r, c->tenant_id, c->conv_id, &h))
		packet = json_object_get(h, "packet");
	if (!turn)
		reply = NULL;
	*out = answer_build(msg, reply, nlu, packet);
	json_decref(h);
	json_decref(rows);
	return *out ? 1 : -ENOMEM;
}

/* ---- turns ------------------------------------------------------------------------ */

static void conv_next(struct app *app, struct live_conv *c);

static void turn_free(struct live_turn *t)
{
	if (t->w)
		dialog_write_free(t->w);
	dialog_out_free(&t->out);
	live_facts_unref(t->facts);
	json_decref(t->nlu);
	free(t->text);
	free(t->client_id);
	free(t);
}

/* Ends the running turn of c: answers its caller and frees it. */
static void turn_pop(struct live_turn *t, int rc, int64_t seq, bool duplicate,
		     const json_t *answer)
{
	struct live_conv *c = t->conv;
	c->head = t->next;
	if (!c->head)
		c->tail = NULL;
	c->busy = false;
	if (t->cb) {
		struct live_turn_result r = {.seq = seq, .duplicate = duplicate, .answer = answer,
					     .conv_id = c->conv_id ? c->conv_id : t->made_conv_id};
		t->cb(rc, &r, t->ctx);
	}
	turn_free(t);
}

/* A conversation made by its first message's write: from now on it is found by its id.
 * Then the caller of live_customer_first_message hears of it (and subscribes) before
 * the turn's messages are sent out. */
static void conv_made(struct app *app, struct live_turn *t, int64_t conv_id)
{
	struct live *lv = app->live;
	struct live_conv *c = t->conv;
	if (conv_lookup(lv, c->tenant_id, conv_id))
		log_error("live: conversation %lld is already live", (long long)conv_id);
	c->conv_id = conv_id;
	size_t k = bucket_of(lv, c->tenant_id, conv_id);
	c->hnext = lv->buckets[k];
	lv->buckets[k] = c;
	lv->n++;
	if (lv->n > lv->n_buckets)
		table_grow(lv);
	if (t->started && t->cb)
		t->started(t->ctx, conv_id);
}

/* turn_pop, then the next turn of the conversation starts. */
static void turn_finish(struct live_turn *t, int rc, int64_t seq, bool duplicate,
			const json_t *answer)
{
	struct live_conv *c = t->conv;
	struct app *app = t->app;
	turn_pop(t, rc, seq, duplicate, answer);
	conv_next(app, c);
}

static int agents_online(struct live *lv, int64_t tenant_id)
{
	return lv->agents_fn ? lv->agents_fn(lv->agents_ctx, tenant_id) : 0;
}

static void ai_done(int result, void *arg);

static void ai_notices(struct live_turn *t, const json_t *effects)
{
	struct live_conv *c = t->conv;
	const json_t *cb = json_object_get(effects, "callback");
	const json_t *packet = json_object_get(effects, "handoff");
	if (cb && json_object_get(cb, "promised_at")) {
		int64_t due = 0;
		char iso[32];
		tz_parse_iso(json_string_value(json_object_get(cb, "promised_at")), NULL, &due);
		iso_utc(due, iso, sizeof iso);
		json_t *ev = json_pack("{s:s,s:s}", "type", "callback", "due", iso);
		const json_t *ph = json_object_get(cb, "phone");
		if (ev && json_is_string(ph) && *json_string_value(ph))
			json_object_set(ev, "phone", (json_t *)ph);
		broadcast(c, ev);
		json_decref(ev);
	} else if (packet) {
		json_t *ev = json_pack("{s:s,s:s}", "type", "handoff", "state", "queued");
		broadcast(c, ev);
		json_decref(ev);
	}
	struct live *lv = t->app->live;
	if (packet && !cb && lv->handoff_fn) {
		const char *pr = json_string_value(json_object_get(packet, "priority"));
		lv->handoff_fn(lv->handoff_ctx, c->tenant_id, c->conv_id,
			       pr && pr[0] == 'P' ? pr[1] - '0' : 2, packet);
	}
}

static void ai_done(int result, void *arg)
{
	struct live_turn *t = arg;
	struct app *app = t->app;
	struct live_conv *c = t->conv;
	if (result < 0 && !t->retried && dialog_write_fallback(t->w, result)) {
		t->retried = true;
		if (!store_write_async(app->store, dialog_write_job, t->w, ai_done, t))
			return;
	}
	if (!c->conv_id && result >= 0)
		conv_made(app, t, dialog_write_conv_id(t->w)); /* its follower sees what follows */
	live_typing(app, c->tenant_id, c->conv_id, "ai", false);
	if (result < 0) {
		if (result == -EEXIST && !c->conv_id)
			t->made_conv_id = dialog_write_conv_id(t->w); /* found, not made: use it */
		turn_finish(t, result, 0, false, NULL);
		return;
	}
	int64_t seq, reply_seq;
	bool dup;
	dialog_write_seqs(t->w, &seq, &reply_seq, &dup);
	json_t *answer = NULL;
	if (dup) { /* raced with the same client id: answer the stored turn */
		int rc = answer_stored(app, c, t->client_id, &answer);
		turn_finish(t, rc < 0 ? rc : 0, seq, true, answer);
		json_decref(answer);
		return;
	}
	const json_t *effects = dialog_write_effects(t->w);
	if (json_object_get(effects, "appointment"))
		live_facts_bookings_changed(app, c->tenant_id);
	json_t *msg = message_row(seq, "customer", NULL, t->text, t->client_id, t->now);
	json_t *reply = message_row(reply_seq, "ai", NULL, t->out.reply.data ? t->out.reply.data : "",
				    NULL, t->now);
	if (reply && t->out.n_quick)
		json_object_set_new(reply, "quick_replies", dialog_quick_json(&t->out));
	broadcast_message(c, msg);
	broadcast_message(c, reply);
	ai_notices(t, effects);
	json_t *nlu = json_deep_copy(dialog_write_nlu(t->w));
	if (nlu && dialog_write_turn(t->w))
		json_object_set(nlu, "turn", (json_t *)dialog_write_turn(t->w));
	answer = nlu ? answer_build(msg, reply, nlu, json_object_get(effects, "handoff")) : NULL;
	json_decref(nlu);
	json_decref(msg);
	json_decref(reply);
	turn_finish(t, answer ? 0 : -ENOMEM, seq, false, answer);
	json_decref(answer);
}

/* A customer message while a person owns the conversation, or an agent's message. */
static int plain_run(struct store_conn *c, void *arg)
{
	struct live_turn *t = arg;
	struct store_message m = {
		.sender = t->kind == TURN_AGENT ? "agent" : "customer",
		.sender_user_id = t->kind == TURN_AGENT ? t->user_id : 0,
		.channel = t->channel, .text = t->text, .client_msg_id = t->client_id,
		.nlu = t->nlu};
	t->duplicate = false;
	int64_t conv_id = t->conv->conv_id;
	if (t->start) {
		int64_t cust = 0;
		int rc = t->start(c, t->start_arg, &t->made_conv_id, &cust);
		if (rc < 0)
			return rc;
		if (rc == 1)
			return -EEXIST; /* found, not made: the turn runs again on it */
		conv_id = t->made_conv_id;
	}
	int rc = store_message_append(c, t->conv->tenant_id, conv_id, &m, t->now, &t->seq);
	if (rc == 1)
		t->duplicate = true;
	return rc < 0 ? rc : 0;
}

static void plain_done(int result, void *arg)
{
	struct live_turn *t = arg;
	struct live_conv *c = t->conv;
	if (result < 0) {
		turn_finish(t, result, 0, false, NULL);
		return;
	}
	if (!c->conv_id)
		conv_made(t->app, t, t->made_conv_id);
	json_t *msg = message_row(t->seq, t->kind == TURN_AGENT ? "agent" : "customer",
				  t->kind == TURN_AGENT ? t->name : NULL, t->text, t->client_id,
				  t->now);
	if (!t->duplicate)
		broadcast_message(c, msg);
	json_t *answer;
	if (t->kind == TURN_AGENT)
		answer = json_pack("{s:o}", "message", live_message_event(msg));
	else
		answer = answer_build(msg, NULL, t->nlu ? t->nlu : json_object(), NULL);
	json_decref(msg);
	turn_finish(t, answer ? 0 : -ENOMEM, t->seq, t->duplicate, answer);
	json_decref(answer);
}

/* Starts the AI half of a customer turn. 0 when the write is queued. */
static int ai_start(struct app *app, struct live_turn *t)
{
	struct live_conv *c = t->conv;
	int rc = live_facts_get(app, c->tenant_id, t->now, &t->facts);
	if (rc)
		return rc;
	int64_t job = live_facts_job_number(app, c->tenant_id, false);
	int online = agents_online(app->live, c->tenant_id);
	if (c->conv_id)
		rc = dialog_write_prepare(store_reader(app->store), app->nlu, t->facts->t, c->conv_id,
					  t->text, t->client_id, t->now, online, job, &t->out, &t->w);
	else /* a conversation its first message's write makes */
		rc = dialog_write_prepare_new(store_reader(app->store), app->nlu, t->facts->t,
					      t->start_customer, t->text, t->client_id, t->now,
					      online, job, t->start, t->start_arg, &t->out, &t->w);
	if (rc)
		return rc;
	for (size_t k = 0; k < t->out.n_actions; k++)
		if (t->out.actions[k].kind == DIALOG_ACT_BOOK) {
			live_facts_job_number(app, c->tenant_id, true);
			break;
		}
	live_typing(app, c->tenant_id, c->conv_id, "ai", true);
	return store_write_async(app->store, dialog_write_job, t->w, ai_done, t);
}

static int plain_start(struct app *app, struct live_turn *t)
{
	if (t->kind == TURN_CUSTOMER && app->nlu) {
		/* the person's assist panel still gets the AI's reading of the message */
		struct live_facts *f = NULL;
		struct nlu_result r;
		const struct tz *zone = NULL;
		if (!live_facts_get(app, t->conv->tenant_id, t->now, &f))
			zone = f->t->biz.zone;
		if (!nlu_analyze(app->nlu, t->text, strlen(t->text), t->now, zone, &r))
			nlu_result_to_json(&r, zone, &t->nlu);
		live_facts_unref(f);
	}
	return store_write_async(app->store, plain_run, t, plain_done, t);
}

static void conv_next(struct app *app, struct live_conv *c)
{
	while (c->head && !c->busy) {
		struct live_turn *t = c->head;
		c->busy = true;
		t->now = api_now(app);
		json_t *answer = NULL;
		int rc = 0;
		if (t->client_id && c->conv_id &&
		    (rc = answer_stored(app, c, t->client_id, &answer)) != 0) {
			/* seen before (1: the first answer again), or the lookup failed */
			int64_t seq = json_integer_value(json_object_get(json_object_get(answer, "message"),
									 "seq"));
			turn_pop(t, rc < 0 ? rc : 0, seq, rc == 1, answer);
			json_decref(answer);
			continue;
		}
		if (t->kind == TURN_CUSTOMER && c->owner_user_id == 0 && app->nlu)
			rc = ai_start(app, t);
		else
			rc = plain_start(app, t);
		if (rc) {
			turn_pop(t, rc, 0, false, NULL);
			continue;
		}
		return;
	}
	if (!c->head)
		conv_maybe_evict(app->live, c);
}

/* A new turn of conversation c (not yet linked), or NULL on ENOMEM. */
static struct live_turn *turn_new(struct app *app, struct live_conv *c, enum turn_kind kind,
				  const char *text, const char *client_id, const char *channel,
				  int64_t user_id, const char *name, live_turn_fn *cb, void *ctx)
{
	struct live_turn *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	dialog_out_init(&t->out);
	t->app = app;
	t->conv = c;
	t->kind = kind;
	t->text = strdup(text);
	t->client_id = client_id && *client_id ? strdup(client_id) : NULL;
	if (!t->text || (client_id && *client_id && !t->client_id)) {
		turn_free(t);
		return NULL;
	}
	snprintf(t->channel, sizeof t->channel, "%s", channel ? channel : "chat");
	t->user_id = user_id;
	snprintf(t->name, sizeof t->name, "%s", name ? name : "");
	t->cb = cb;
	t->ctx = ctx;
	return t;
}

static int turn_queue(struct app *app, int64_t tenant_id, int64_t conv_id, enum turn_kind kind,
		      const char *text, const char *client_id, const char *channel,
		      int64_t user_id, const char *name, live_turn_fn *cb, void *ctx,
		      struct live_turn **handle)
{
	if (!app->live || !text || (client_id && strlen(client_id) > 64))
		return -EINVAL;
	struct live_conv *c;
	int rc = conv_get(app, tenant_id, conv_id, &c);
	if (rc)
		return rc;
	struct live_turn *t = turn_new(app, c, kind, text, client_id, channel, user_id, name, cb,
				       ctx);
	if (!t) {
		conv_maybe_evict(app->live, c);
		return -ENOMEM;
	}
	if (c->tail)
		c->tail->next = t;
	else
		c->head = t;
	c->tail = t;
	if (handle)
		*handle = t;
	conv_next(app, c);
	return 0;
}

int live_customer_message(struct app *app, int64_t tenant_id, int64_t conv_id,
			  const char *text, const char *client_id, const char *channel,
			  live_turn_fn *cb, void *ctx, struct live_turn **handle)
{
	return turn_queue(app, tenant_id, conv_id, TURN_CUSTOMER, text, client_id, channel, 0,
			  NULL, cb, ctx, handle);
}

int live_customer_first_message(struct app *app, int64_t tenant_id, int64_t customer_id,
				dialog_start_fn *start, void *start_arg, live_started_fn *started,
				const char *text, const char *client_id, const char *channel,
				live_turn_fn *cb, void *ctx, struct live_turn **handle)
{
	if (!app->live || !start || !text || (client_id && strlen(client_id) > 64))
		return -EINVAL;
	/* not in the table until its write has made it and given it an id */
	struct live_conv *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->tenant_id = tenant_id;
	struct live_turn *t = turn_new(app, c, TURN_CUSTOMER, text, client_id, channel, 0, NULL, cb,
				       ctx);
	if (!t) {
		free(c);
		return -ENOMEM;
	}
	t->start = start;
	t->start_arg = start_arg;
	t->started = started;
	t->start_customer = customer_id;
	c->head = c->tail = t;
	if (handle)
		*handle = t;
	conv_next(app, c);
	return 0;
}

int live_post_agent_message(struct app *app, int64_t tenant_id, int64_t conv_id,
			    int64_t user_id, const char *name, const char *text,
			    const char *client_id, live_turn_fn *cb, void *ctx,
			    struct live_turn **handle)
{
	if (user_id <= 0)
		return -EINVAL;
	return turn_queue(app, tenant_id, conv_id, TURN_AGENT, text, client_id, "chat", user_id,
			  name, cb, ctx, handle);
}

void live_turn_cancel(struct live_turn *t)
{
	if (t)
		t->cb = NULL;
}

/* ---- ownership ---------------------------------------------------------------------- */

struct owner_job {
	struct app *app;
	struct live_conv *conv;
	int64_t user_id;
	char name[80];
	int64_t now;
};

static int owner_run(struct store_conn *c, void *arg)
{
	struct owner_job *o = arg;
	int rc = store_conversation_update(c, o->conv->tenant_id, o->conv->conv_id,
					   o->user_id ? STORE_CONV_OPEN : -1,
					   o->user_id ? "human" : "ai", o->user_id, NULL, o->now);
	if (rc)
		return rc;
	json_t *data = json_pack("{s:s,s:I}", "owner", o->user_id ? "human" : "ai", "user_id",
				 (json_int_t)o->user_id);
	rc = store_event_append(c, o->conv->tenant_id, o->now,
				o->user_id ? "owner_human" : "owner_ai", o->conv->conv_id,
				o->user_id ? "system" : "system", data, NULL);
	json_decref(data);
	return rc;
}

static void owner_done(int result, void *arg)
{
	struct owner_job *o = arg;
	struct live_conv *c = o->conv;
	c->pins--;
	if (result < 0)
		log_error("conversation %lld: the owner change was not stored: %s",
			  (long long)c->conv_id, tn_strerror(result));
	else {
		json_t *ev = o->user_id
			? json_pack("{s:s,s:s,s:s}", "type", "handoff", "state", "assigned", "agent", o->name)
			: json_pack("{s:s,s:s}", "type", "handoff", "state", "ai");
		broadcast(c, ev);
		json_decref(ev);
	}
	struct live *lv = o->app->live;
	free(o);
	if (!c->busy && !c->head)
		conv_maybe_evict(lv, c);
}

int live_set_owner(struct app *app, int64_t tenant_id, int64_t conv_id, int64_t owner_user_id,
		   const char *name)
{
	struct live_conv *c;
	int rc = conv_get(app, tenant_id, conv_id, &c);
	if (rc)
		return rc;
	struct owner_job *o = calloc(1, sizeof *o);
	if (!o) {
		conv_maybe_evict(app->live, c);
		return -ENOMEM;
	}
	o->app = app;
	o->conv = c;
	o->user_id = owner_user_id > 0 ? owner_user_id : 0;
	snprintf(o->name, sizeof o->name, "%s", name ? name : "");
	o->now = api_now(app);
	/* from this instant the AI says nothing more (a turn already running finishes) */
	c->owner_user_id = o->user_id;
	snprintf(c->owner_name, sizeof c->owner_name, "%s", o->name);
	c->pins++;
	if ((rc = store_write_async(app->store, owner_run, o, owner_done, o))) {
		c->pins--;
		free(o);
		conv_maybe_evict(app->live, c);
	}
	return rc;
}

int live_owner(struct app *app, int64_t tenant_id, int64_t conv_id, int64_t *user_id,
	       char *name, size_t n)
{
	struct live_conv *c;
	int rc = conv_get(app, tenant_id, conv_id, &c);
	if (rc)
		return rc;
	*user_id = c->owner_user_id;
	snprintf(name, n, "%s", c->owner_user_id ? c->owner_name : "");
	conv_maybe_evict(app->live, c); /* a read keeps nothing in memory */
	return 0;
}

void live_set_agents_hook(struct app *app, live_agents_fn *fn, void *ctx)
{
	if (app->live) {
		app->live->agents_fn = fn;
		app->live->agents_ctx = ctx;
	}
}

void live_set_handoff_hook(struct app *app, live_handoff_fn *fn, void *ctx)
{
	if (app->live) {
		app->live->handoff_fn = fn;
		app->live->handoff_ctx = ctx;
	}
}

/* ---- life cycle --------------------------------------------------------------------- */

int live_open(struct app *app)
{
	struct live *lv = calloc(1, sizeof *lv);
	if (!lv)
		return -ENOMEM;
	lv->n_buckets = LIVE_BUCKETS_MIN;
	lv->buckets = calloc(lv->n_buckets, sizeof *lv->buckets);
	if (!lv->buckets) {
		free(lv);
		return -ENOMEM;
	}
	lv->app = app;
	app->live = lv;
	the_live = lv;
	return 0;
}

void live_close(struct app *app)
{
	struct live *lv = app->live;
	if (!lv)
		return;
	for (size_t i = 0; i < lv->n_buckets; i++)
		for (struct live_conv *c = lv->buckets[i], *nx; c; c = nx) {
			nx = c->hnext;
			while (c->subs) {
				struct live_sub *s = c->subs;
				c->subs = s->next;
				free(s);
			}
			for (struct live_turn *t = c->head, *tn; t; t = tn) {
				tn = t->next;
				if (t->cb) {
					struct live_turn_result r = {0};
					t->cb(-ECANCELED, &r, t->ctx);
				}
				turn_free(t);
			}
			free(c);
		}
	free(lv->buckets);
	free(lv);
	app->live = NULL;
	the_live = NULL;
	live_facts_free_all(app);
}
