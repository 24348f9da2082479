/* acd_internal.h: what the ACD's files share: acd.c (the router's actions, handoffs,
 * customers leaving), acd_agent.c (sessions and console requests), acd_tenant.c (tenants,
 * queues, restart, open/close) and acd_desk.c (the assist panel, bookings from it,
 * supervisor stats). Private to the app module. */
#ifndef TANDEM_APP_ACD_INTERNAL_H
#define TANDEM_APP_ACD_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "app/acd.h"
#include "assist/assist.h"
#include "store/store.h"

struct buf;
struct tz;

#define ACD_QUEUES_MAX 16          /* queues of one tenant the ACD routes to */
#define ACD_CHAT_CAPACITY 3        /* chats one agent holds at once */
#define ACD_OFFER_MS_DEFAULT 20000 /* an offer's accept timeout */
#define ACD_HANDLE_MS 300000       /* initial average handle time for estimates */
#define ACD_WRAPUP_KEEP_MS (3600 * 1000) /* a wrap-up may come this long after release */
#define ACD_CALLBACK_ENTRY_BASE (INT64_C(1) << 40)  /* router ids of callback entries:
                                                       this plus the callback's id */
#define ACD_CALLBACK_SYNC_S 30     /* callbacks made elsewhere are routed this often */
#define ACD_ABANDON_GRACE_MS_DEFAULT 120000 /* a waiting customer away this long leaves the
                                               queue (TANDEM_ABANDON_GRACE_MS changes it) */

struct acd_tenant {
	int64_t id;
	char slug[64];
	char name[208];
	int64_t queues[ACD_QUEUES_MAX];   /* queues[0] is where handoffs go */
	char queue_names[ACD_QUEUES_MAX][64];
	size_t n_queues;
	int64_t sla_ms[ROUTE_PRIORITY_COUNT];
	json_t *escalations;              /* {reason: count} of handoffs today (owned) */
	int64_t escalations_day;          /* the start of that day in the tenant's zone (s) */
	int64_t escalations_until;        /* the start of the next day (s) */
};

struct acd_agent {
	int64_t id;
	char name[128];
	struct acd_session *sessions;
	struct acd_agent *next;
};

/* PARKED: a callback entry nobody took before its answer time; it stays on the list. */
enum conv_state { CONV_PENDING, CONV_QUEUED, CONV_ASSIGNED, CONV_RELEASED, CONV_PARKED };

/* A conversation the ACD handles: waiting for a person, or owned by one. */
struct acd_conv {
	int64_t conv_id, tenant_id, entry_id, queue_id, agent_id;
	enum conv_state state;
	enum route_priority prio;
	json_t *packet;                   /* the handoff packet (owned) */
	struct live_sub *sub;             /* events while an agent owns it */
	int64_t released_at;              /* CONV_RELEASED: when (ms); kept for the wrap-up */
	int64_t callback_id;              /* a callback's entry: the callbacks row, else 0 */
	uint32_t skills;                  /* ROUTE_SKILL_BITs the entry needs */
	int64_t queued_at;                /* when it joined the queue (ms) */
	int64_t abandon_at;               /* the customer is away: leaves at this time (ms), else 0 */
	int64_t assigned_at;              /* CONV_ASSIGNED: when the agent took it (ms), 0 unknown */
	struct acd_conv *next;
};

struct acd {
	struct app *app;
	struct route *r;
	uv_timer_t timer, stats_timer;
	int open_handles;
	struct acd_tenant *tenants;
	size_t n_tenants;
	struct acd_agent *agents;
	struct acd_conv *convs;
	int64_t offer_ms;
	int64_t abandon_grace_ms;         /* how long a waiting customer may be away */
	int64_t synced_at;                /* last callbacks sync (ms) */
	int64_t raising;                  /* the entry being raised by a new handoff, else 0 */
	bool closing;                     /* acd_close ran: late store callbacks only free */
};

/* Fills msg (msg_len bytes) with a reason and returns rc from a request handler. */
#define FAIL(rc_, ...) do { snprintf(msg, msg_len, __VA_ARGS__); return (rc_); } while (0)

/* The clock, in Unix milliseconds. */
int64_t acd__now_ms(void);
/* The agent with this user id, or NULL. */
struct acd_agent *acd__agent_find(struct acd *a, int64_t id);
/* Sends msg (borrowed) to every session of g (NULL g or msg: nothing). */
void acd__agent_send(struct acd_agent *g, const json_t *msg);
/* unix_s as ISO 8601 in zone (NULL: UTC) into out. */
void acd__iso(const struct tz *zone, int64_t unix_s, char *out, size_t n);
/* {"slug","name"} of a tenant (new reference). */
json_t *acd__tenant_json(struct acd *a, int64_t tenant_id);
/* The conversation conv_id owned by the session's agent, or NULL with msg set. */
struct acd_conv *acd__owned(struct acd *a, struct acd_session *s, int64_t conv_id, char *msg,
			    size_t msg_len);
/* "user:<id>" into out. */
void acd__actor_of(int64_t user_id, char *out, size_t n);

/* ---- acd.c ---- */

/* Lookups: the tenant, the conversation by router entry id or by conversation id
 * (NULL when unknown). */
struct acd_tenant *acd__tenant_find(struct acd *a, int64_t id);
struct acd_conv *acd__conv_by_entry(struct acd *a, int64_t entry_id);
struct acd_conv *acd__conv_find(struct acd *a, int64_t conv_id);
/* Unlinks and frees c (its live subscription too). */
void acd__conv_drop(struct acd *a, struct acd_conv *c);
bool acd__session_has_tenant(const struct acd_session *s, int64_t tenant_id);
/* "P1", "P2", "P3". */
const char *acd__prio_label(enum route_priority p);
/* Sends the agent's sessions their status and state. */
void acd__send_state(struct acd *a, int64_t agent_id);
/* Queues one durable record: a queue-entry status change (status >= 0 and a queue entry
 * id) and/or an event (kind non-empty); data is borrowed (copied). Failures are logged. */
void acd__record(struct acd *a, int64_t tenant_id, int64_t entry_id, int status, int64_t user_id,
		 int64_t conv_id, const char *kind, const char *actor, const json_t *data);
/* Executes the router's pending actions, then re-arms the timer. */
void acd__run_actions(struct acd *a);
/* Arms the timer for the router's next deadline or the next abandon grace to end. */
void acd__arm_timer(struct acd *a);
/* live's events of a conversation an agent owns (ctx: the ACD). */
void acd__on_conv_event(void *ctx, int64_t conv_id, const json_t *ev, const char *text,
			size_t len);
/* {conversation, tenant, priority, state, packet} for hello (new reference). */
json_t *acd__conv_summary(struct acd *a, const struct acd_conv *c);
/* Sends "assigned" with the packet and transcript to one session, or the owner's all. */
void acd__send_assigned(struct acd *a, struct acd_conv *c, struct acd_session *only);
/* A callback's status change and its event. */
void acd__callback_status(struct acd *a, const struct acd_conv *c, enum store_callback_status st,
			  int64_t user_id);
/* The skills an entry of the conversation needs (language and trade, see acd.md). */
uint32_t acd__entry_skills(struct acd *a, int64_t tenant_id, int64_t conv_id,
			   const json_t *packet);
/* Queues the conversation (packet borrowed) in queue_id with class prio. 0 or an error. */
int acd__enqueue(struct acd *a, int64_t tenant_id, int64_t conv_id, int64_t queue_id,
		 enum route_priority prio, const json_t *packet, const char *reason);
/* live's hooks: available agents of a tenant, and a stored handoff (ctx: the ACD). */
int acd__agents_hook(void *ctx, int64_t tenant_id);
void acd__handoff_hook(void *ctx, int64_t tenant_id, int64_t conv_id, int priority,
		       const json_t *packet);

/* ---- acd_agent.c ---- */

/* Sends every session of the tenant's agents a fresh callbacks list. */
void acd__callbacks_changed(struct acd *a, int64_t tenant_id);

/* ---- acd_tenant.c ---- */

/* The tenant, loaded on first use when it was created after start-up. 0 or an error. */
int acd__tenant_ensure(struct acd *a, int64_t tenant_id, struct acd_tenant **out);
/* Counts a handoff's reasons (a JSON array of names, borrowed) in the tenant's
 * escalations of today, starting a new day when now_s has passed into one. */
void acd__escalations_count(struct acd *a, struct acd_tenant *t, const json_t *reasons,
			    int64_t now_s);

/* ---- acd_desk.c ---- */

/* A protocol "from" to an assist speaker. 0 or -EINVAL. */
int acd__speaker_of(const char *from, enum assist_speaker *out);
/* Sends the owner of c the assist panel for the conversation so far. */
void acd__send_assist(struct acd *a, struct acd_conv *c);
/* The /metrics hook (ctx: the app): queue and agent gauges in Prometheus text. */
void acd__metrics(struct buf *out, void *ctx);
/* Routes the tenant's open callbacks of a conversation that the router does not hold
 * yet: pending ones wait until their promised time, then are offered like any entry (P3);
 * in-progress ones stay with their agent. */
void acd__sync_callbacks(struct acd *a, struct acd_tenant *t);
/* Forgets released conversations whose wrap-up never came (after ACD_WRAPUP_KEEP_MS). */
void acd__sweep(struct acd *a, int64_t now);
/* The stats timer: sends "stats" to subscribed supervisors, once a second. */
void acd__on_stats(uv_timer_t *timer);

#endif
