/* acd.h: the router (route/) inside 'tandem serve': one struct route per process on the
 * loop thread, queues per tenant from the store, agents who connect to /ws/agent, the
 * timer driven by route_next_deadline(), and the execution of the router's actions
 * (offers to agents' sockets, ownership through live, events, customer notices,
 * callbacks). ws_agent.c speaks the /ws/agent protocol on top of it. Loop thread only.
 * docs/internals/acd.md has the long form. */
#ifndef TANDEM_APP_ACD_H
#define TANDEM_APP_ACD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "route/route.h"

struct app;
struct ws_conn;
struct acd;

/* The ACD lives in this spare slot of struct app (app->ext[ACD_EXT_SLOT]). */
#define ACD_EXT_SLOT 0

/* One tenant an agent belongs to. */
struct acd_membership {
	int64_t tenant_id;
	char slug[64];
	char name[208];
	char role[16];             /* "admin", "supervisor", "agent" */
};

/* One /ws/agent connection. Owned by ws_agent.c; the ACD keeps a pointer while it is
 * attached (acd_session_attach .. acd_session_detach). */
struct acd_session {
	struct ws_conn *ws;
	struct acd *acd;
	int64_t user_id;
	char name[128];
	char email[256];
	struct acd_membership tenants[ROUTE_TENANTS_MAX];
	size_t n_tenants;
	bool supervisor;           /* subscribed to stats */
	bool attached;
	struct acd_session *next;  /* the ACD's list of sessions of this agent */
};

/* Creates the ACD in app->ext[ACD_EXT_SLOT]: loads every tenant (creating its default
 * queue "default" when it has none), rebuilds the router from the store's live queue
 * entries (waiting and offered ones wait again; assigned ones stay with their owner),
 * hooks itself into live (agents online, handoffs) and starts its timers. Call after
 * live_open. 0 or a negative errno. */
int acd_open(struct app *app);
/* Stops the timers and frees the ACD (sessions must be gone: the HTTP server has
 * closed every WebSocket first). NULL slot is fine. */
void acd_close(struct app *app);
/* The ACD of app, or NULL before acd_open. */
struct acd *acd_get(struct app *app);

/* Sends msg (borrowed) to one session; a full output buffer closes it (1008). */
void acd_session_send(struct acd_session *s, const json_t *msg);

/* Attaches a session: the agent joins the router (offline) on their first session, with
 * their skills from the store and their tenants; sends "hello". 0 or an error. */
int acd_session_attach(struct acd *a, struct acd_session *s);
/* Detaches a session; the agent's last session sets them offline (an outstanding offer
 * goes to the next agent; conversations they own stay theirs). */
void acd_session_detach(struct acd *a, struct acd_session *s);

/* The /ws/agent requests (see docs/api.md). Each returns 0, or a negative code with a
 * reason in msg (msg_len bytes) for the "error" reply. ref is the client's id. */
int acd_set_status(struct acd *a, struct acd_session *s, const char *status, char *msg,
		   size_t msg_len);
int acd_accept(struct acd *a, struct acd_session *s, int64_t offer_id, char *msg, size_t msg_len);
int acd_decline(struct acd *a, struct acd_session *s, int64_t offer_id, char *msg, size_t msg_len);
int acd_agent_message(struct acd *a, struct acd_session *s, int64_t conv_id, const char *text,
		      const char *client_id, char *msg, size_t msg_len);
int acd_agent_typing(struct acd *a, struct acd_session *s, int64_t conv_id, bool on);
int acd_handback(struct acd *a, struct acd_session *s, int64_t conv_id, char *msg, size_t msg_len);
int acd_transfer(struct acd *a, struct acd_session *s, int64_t conv_id, int64_t queue_id,
		 char *msg, size_t msg_len);
int acd_release(struct acd *a, struct acd_session *s, int64_t conv_id, char *msg, size_t msg_len);
int acd_wrapup(struct acd *a, struct acd_session *s, int64_t conv_id, const char *summary,
	       const char *disposition, char *msg, size_t msg_len);
/* Books from the assist panel through the store's booking path (a taken window is
 * refused: double booking is impossible); the answer ("booked" or an error with ref
 * client_id) is sent to the session after the commit. */
int acd_book(struct acd *a, struct acd_session *s, const json_t *req, char *msg, size_t msg_len);
int acd_subscribe(struct acd *a, struct acd_session *s, const char *topic, char *msg,
		  size_t msg_len);
/* Sends the session the callbacks list of its tenants. */
void acd_send_callbacks(struct acd *a, struct acd_session *s);

/* The customer's presence on a conversation, from ws_chat.c: present is false when the
 * last customer session of conv_id closes and true when one opens again. A conversation
 * still waiting in a queue whose customer stays away for the abandon grace leaves the
 * queue (see docs/internals/acd.md). Safe for any conversation, queued or not, and before
 * acd_open (ignored). */
void acd_customer_presence(struct app *app, int64_t tenant_id, int64_t conv_id, bool present);
/* The customer of a conversation waiting for a person takes a callback instead (the
 * surge notice's offer): the entry leaves the queue as a callback due when current
 * staffing can keep it, to phone (E.164) or, when NULL, the phone on file; the customer
 * is told with a "callback" notice once it is stored. 0, -TN_ECONFLICT when the
 * conversation is not waiting in a queue, -TN_EINVAL_FIELD when no phone is known (a
 * reason in msg, msg_len bytes, for both). */
int acd_customer_callback(struct app *app, int64_t tenant_id, int64_t conv_id, const char *phone,
			  char *msg, size_t msg_len);

/* The tenant's settings changed (call after the write committed): its queues take the
 * current answer times and queue settings at once, the clocks of waiting entries
 * included (see docs/internals/acd.md). Unknown tenants and calls before acd_open are
 * ignored. */
void acd_tenant_changed(struct app *app, int64_t tenant_id);

/* ---- /ws/agent (ws_agent.c) ---- */

/* Registers /ws/agent. 0 or a negative errno. */
int ws_agent_register(struct app *app);

#endif
