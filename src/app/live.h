/* live.h: the live conversation service of 'tandem serve': per-tenant facts cached on
 * the loop thread, per-conversation live state (owner, subscribers, serialised turns),
 * asynchronous AI turns (prepared on the loop, persisted by the store's writer, answered
 * after the commit) and the fan-out of every stored message. Everything here runs on the
 * loop thread (docs/internals/live.md). */
#ifndef TANDEM_APP_LIVE_H
#define TANDEM_APP_LIVE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/dialog_glue.h"

struct app;
struct dialog_tenant;
struct live;

/* ---- the tenant facts cache (facts.c) ------------------------------------------- */

/* One tenant's loaded facts, shared by the turns that use them. Reference counted: a
 * turn in flight keeps its snapshot alive even after an admin write replaced it. */
struct live_facts {
	int refs;
	int64_t tenant_id;
	uint64_t gen;                /* the cache generation it was loaded at */
	bool bookings_stale;         /* an appointment changed: reload bookings before use */
	int64_t next_job_seq;        /* a new booking's job number is J-<1000 + this> */
	struct dialog_tenant *t;     /* owned */
};

/* The cached facts of tenant_id, loaded (or reloaded, when an admin write or a booking
 * made them stale) through the app's reader at now. *out is a new reference: release it
 * with live_facts_unref. 0, -TN_ENOTFOUND, or a store/tz error. Loop thread only. */
int live_facts_get(struct app *app, int64_t tenant_id, int64_t now, struct live_facts **out);
/* Takes/drops a reference; the last drop frees the facts. NULL is ignored. */
struct live_facts *live_facts_ref(struct live_facts *f);
void live_facts_unref(struct live_facts *f);

/* Says that tenant_id's settings, technicians or knowledge base are being changed by a
 * write just queued on the store: the cached facts are dropped now and again once that
 * write has committed (a barrier job queued behind it), so no turn keeps facts read
 * before the commit. Call it right after queuing the write. Loop thread only. */
void live_facts_changed(struct app *app, int64_t tenant_id);

/* Says that tenant_id's appointments changed (booked, moved, cancelled, status): the
 * next turn reloads the bookings (one query), not the rest of the facts. */
void live_facts_bookings_changed(struct app *app, int64_t tenant_id);

/* The job number counter of tenant_id (loaded once from the store, then kept on the
 * loop thread so parallel bookings never pick the same number): returns the next number
 * (J-<n>), and with consume moves past it. 0 when it cannot be loaded. */
int64_t live_facts_job_number(struct app *app, int64_t tenant_id, bool consume);

/* Frees the cache (app_on_shutdown). */
void live_facts_free_all(struct app *app);

/* ---- the live service (live.c) --------------------------------------------------- */

/* Creates the service in app->live. Also makes the process ignore SIGPIPE, so a peer
 * that resets its connection while a reply is written costs that write (EPIPE), never
 * the server. 0 or -ENOMEM. */
int live_open(struct app *app);
/* Frees it: pending turns get their callbacks with -ECANCELED (none are left once the
 * store has been closed). */
void live_close(struct app *app);

/* A subscriber's callback: one protocol event of conversation conv_id, as JSON (ev,
 * borrowed) and as its compact text (borrowed, len bytes), e.g. {"type":"message",
 * "seq":3,"from":"ai","text":...}, {"type":"typing",...}, {"type":"handoff",...},
 * {"type":"callback",...} (the /ws/chat protocol of docs/api.md). */
typedef void live_event_fn(void *ctx, int64_t conv_id, const json_t *ev, const char *text,
			   size_t len);

struct live_sub;

/* Subscribes fn(ctx, ...) to every event of tenant_id's conversation conv_id from now
 * on. *out (owned: live_unsubscribe) identifies the subscription. 0, -TN_ENOTFOUND (no
 * such conversation of that tenant) or -ENOMEM. */
int live_subscribe(struct app *app, int64_t tenant_id, int64_t conv_id, live_event_fn *fn,
		   void *ctx, struct live_sub **out);
/* Ends a subscription (no callback after this returns). NULL is ignored. */
void live_unsubscribe(struct live_sub *sub);

/* What a customer turn produced. Borrowed during the callback. */
struct live_turn_result {
	int64_t conv_id;         /* the conversation (for a first message: made, or found) */
	int64_t seq;             /* the customer message's seq */
	bool duplicate;          /* the client id was seen before: nothing new was stored */
	const json_t *answer;    /* the REST answer {message, reply, intent, confidence,
	                            signals, escalation, outcome, appointment?, handoff?};
	                            reply is null when a person owns the conversation */
};

/* Called once per customer message, after its write committed (rc 0) or failed. */
typedef void live_turn_fn(int rc, const struct live_turn_result *r, void *ctx);

struct live_turn;

/* A customer message for tenant_id's conversation conv_id: text (UTF-8, copied),
 * client_id (idempotency key up to 64 bytes, or NULL), channel ("chat", ...). Turns of
 * one conversation run one after the other. When the AI owns the conversation it
 * answers (dialog_turn with the cached facts; messages, state and effects written in
 * one asynchronous job); when a person owns it, only the message is stored. Every
 * stored message is sent to the subscribers, then cb(rc, result, ctx) runs. A client id
 * seen before answers the first answer and stores nothing; that answer, or an early
 * failure, may call cb before this function returns. *handle (may be NULL) lets
 * the caller cancel the callback (live_turn_cancel) if ctx goes away first. 0 when
 * queued (cb will run unless cancelled), -TN_ENOTFOUND, -EINVAL or -ENOMEM (cb never
 * runs). */
int live_customer_message(struct app *app, int64_t tenant_id, int64_t conv_id,
			  const char *text, const char *client_id, const char *channel,
			  live_turn_fn *cb, void *ctx, struct live_turn **handle);
/* The conversation a first message made: called on the loop after its write committed
 * and before the turn's messages go to subscribers, so ctx can subscribe and get them. */
typedef void live_started_fn(void *ctx, int64_t conv_id);
/* The first customer message of a conversation that does not exist yet (a new chat
 * visitor, or a returning customer with no open conversation): as live_customer_message,
 * but start (dialog_glue.h) makes the conversation inside the turn's own write, so the
 * conversation and its first turn take one commit. customer_id: whom it is for (0: a
 * customer that start makes). started(ctx, id) runs before the broadcast and cb. When
 * start found an open conversation instead (another tab started one a moment before),
 * nothing is written and cb gets -EEXIST with result->conv_id naming it: send the message
 * again with live_customer_message. Cancelling the callback also cancels started. */
int live_customer_first_message(struct app *app, int64_t tenant_id, int64_t customer_id,
				dialog_start_fn *start, void *start_arg, live_started_fn *started,
				const char *text, const char *client_id, const char *channel,
				live_turn_fn *cb, void *ctx, struct live_turn **handle);
/* The callback of a queued turn will not run (the turn itself still completes). */
void live_turn_cancel(struct live_turn *t);

/* Ownership (for the agent console). owner_user_id 0 gives the conversation back to the
 * AI; otherwise the named person owns it (name borrowed, copied) and the AI stops
 * replying. Written to the store asynchronously; subscribers get {"type":"handoff",
 * "state":"assigned","agent":NAME} or {"type":"handoff","state":"ai"} once durable.
 * 0 or an error. */
int live_set_owner(struct app *app, int64_t tenant_id, int64_t conv_id,
		   int64_t owner_user_id, const char *name);
/* The current owner: *user_id 0 for the AI; the person's name copied into name (n
 * bytes; "" for the AI). 0 or -TN_ENOTFOUND. */
int live_owner(struct app *app, int64_t tenant_id, int64_t conv_id, int64_t *user_id,
	       char *name, size_t n);

/* Stores a message from person user_id (name shown to the customer) in the conversation
 * with client_id idempotency, then fans it out and calls cb like live_customer_message
 * (answer: {"message":{...}}). */
int live_post_agent_message(struct app *app, int64_t tenant_id, int64_t conv_id,
			    int64_t user_id, const char *name, const char *text,
			    const char *client_id, live_turn_fn *cb, void *ctx,
			    struct live_turn **handle);

/* Sends a typing indicator {"type":"typing","from":from,"on":on} to the subscribers
 * (nothing is stored). */
void live_typing(struct app *app, int64_t tenant_id, int64_t conv_id, const char *from,
		 bool on);

/* Sends any protocol event ev (borrowed JSON object, e.g. {"type":"handoff","state":
 * "queued","position":2,"wait_seconds":90}) to the conversation's subscribers. Nothing is
 * stored. */
void live_notify(struct app *app, int64_t tenant_id, int64_t conv_id, const json_t *ev);

/* People who can take a handoff now, per tenant (the ACD sets this hook; without one
 * the AI sees nobody online and queues callbacks). */
typedef int live_agents_fn(void *ctx, int64_t tenant_id);
void live_set_agents_hook(struct app *app, live_agents_fn *fn, void *ctx);

/* Called after a turn's handoff was stored (packet borrowed), so the ACD can queue the
 * conversation. */
typedef void live_handoff_fn(void *ctx, int64_t tenant_id, int64_t conv_id, int priority,
			     const json_t *packet);
void live_set_handoff_hook(struct app *app, live_handoff_fn *fn, void *ctx);

/* A stored message row (store_message_list) as a protocol message event (new
 * reference): {"type":"message","seq","from","name"?,"text","at","client_id"?,
 * "quick_replies"?}. */
json_t *live_message_event(const json_t *row);

/* Reads the conversation's messages with seq > after_seq (at most limit) as protocol
 * message events. New array in *out. 0 or a store error. */
int live_replay(struct app *app, int64_t tenant_id, int64_t conv_id, int64_t after_seq,
		int limit, json_t **out);

/* True when text (n bytes of valid UTF-8) has nothing to read: empty, or only white
 * space and invisible format characters (spaces, tabs, line breaks, no-break and
 * ideographic spaces, zero-width spaces and joiners, the byte order mark). Customer
 * messages like that are refused at the edges (REST, /ws/chat) before anything is
 * stored. */
bool live_text_blank(const char *text, size_t n);

/* ---- routes ------------------------------------------------------------------------ */

/* POST/GET /api/v1/conversations... (api_conv.c). */
int api_conv_register(struct app *app);
/* /api/v1/appointments and /api/v1/technicians/{id}/calendar.ics (api_appt.c). */
int api_appt_register(struct app *app);
/* /ws/chat (ws_chat.c). */
int ws_chat_register(struct app *app);
/* True while a /ws/chat session of the customer follows conv_id (the presence the ACD
 * is told about with acd_customer_presence). */
bool ws_chat_customer_present(struct app *app, int64_t tenant_id, int64_t conv_id);
void ws_chat_free(struct app *app);

#endif
