/* acd_internal.h: what acd.c (the router glue) and acd_desk.c (the agent's assist
 * panel, bookings from it, supervisor stats) share. Private to the app module. */
#ifndef TANDEM_APP_ACD_INTERNAL_H
#define TANDEM_APP_ACD_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "app/acd.h"
#include "assist/assist.h"

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
	json_t *escalations;              /* {reason: count} since start-up (owned) */
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

/* acd_desk.c: a protocol "from" to an assist speaker. 0 or -EINVAL. */
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
