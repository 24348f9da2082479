/* dialog_glue.h: runs the dialog engine against the store: loads a tenant's facts and a
 * customer's jobs into the engine's plain structs, runs one turn of a conversation and
 * performs the turn's actions (appointments, outbox, callbacks, handoffs, events) in
 * one durable write together with the messages and the new conversation state. Used by
 * 'tandem converse', 'tandem chat' and the server. */
#ifndef TANDEM_APP_DIALOG_GLUE_H
#define TANDEM_APP_DIALOG_GLUE_H

#include "dialog/dialog.h"
#include "store/store.h"

/* A tenant's facts as the engine reads them. Everything is owned by the struct. */
struct dialog_tenant {
	int64_t tenant_id;
	json_t *docs;                       /* owned JSON the borrowed strings point into */
	const char *name, *phone, *portal_url;
	struct schedule_business biz;
	struct schedule_date *holidays;
	const char **holiday_names;         /* parallel to holidays */
	struct schedule_range windows[48];
	const char **zips;
	struct schedule_technician *techs;
	const char **tech_phones;
	size_t n_techs;
	struct schedule_booking *bookings;
	size_t n_bookings;
	struct schedule_calendar cal;
	struct schedule_oncall oncall;
	int64_t *oncall_members;
	bool has_oncall;
	struct dialog_service *services;
	size_t n_services;
	const char **brands;
	size_t n_brands;
	struct kb_index *kb;
	struct dialog_thresholds thresholds;
	int sla_seconds[4];
};

/* Loads tenant_id's settings, hours, holidays, zips, services, technicians, active
 * bookings from now on, on-call rotation and knowledge base from connection c into t
 * (caller-owned struct, overwritten). 0, -TN_ENOTFOUND, a tz error, or a store error;
 * on error t needs no freeing. */
int dialog_tenant_load(struct store_conn *c, int64_t tenant_id, int64_t now,
		       struct dialog_tenant *t);
/* Frees what t owns; t is zeroed. */
void dialog_tenant_free(struct dialog_tenant *t);

/* A customer's identity and jobs (with invoices). Owned by the struct. */
struct dialog_customer_facts {
	json_t *docs;
	struct dialog_customer customer;
	struct dialog_job *jobs;
	size_t n_jobs;
};
/* Loads customer_id (0: nobody: customer.id stays 0). 0 or a store error. */
int dialog_customer_load(struct store_conn *c, int64_t tenant_id, int64_t customer_id,
			 struct dialog_customer_facts *f);
/* Frees what f owns; f is zeroed. */
void dialog_customer_free(struct dialog_customer_facts *f);

/* ---- one turn in two halves: the server prepares on the loop thread and queues the
 * write asynchronously (src/app/live.c); dialog_session_turn runs both synchronously. */

struct dialog_write;

/* The loop-thread half of a customer turn of conversation conv_id of t's tenant: reads
 * the conversation's state and customer through rd, runs dialog_turn with model m and
 * the facts t at now (agents_online people free; next_job_seq the job number a booking
 * gets, 0 to count the tenant's appointments), and prepares the durable half. text and
 * client_id (may be NULL) are copied. t must stay unchanged until the write is freed (the
 * job reads its business calendar). *out (initialised by the caller) gets the turn and
 * must outlive *w. 0 with *w owned (dialog_write_free), or a store/dialog error. */
int dialog_write_prepare(struct store_conn *rd, const struct nlu_model *m,
			 const struct dialog_tenant *t, int64_t conv_id, const char *text,
			 const char *client_id, int64_t now, int agents_online,
			 int64_t next_job_seq, struct dialog_out *out, struct dialog_write **w);
/* Makes the conversation a first message starts, inside that message's write job
 * (writer thread): sets *conv_id and *customer_id and returns 0; returns 1 (nothing
 * written) when it found an open conversation to use instead, or an error. */
typedef int dialog_start_fn(struct store_conn *c, void *arg, int64_t *conv_id,
			    int64_t *customer_id);
/* dialog_write_prepare for a conversation that does not exist yet: a fresh state for
 * customer_id (0: a new customer); the write job runs start first and the turn goes into
 * the conversation it makes, all in one commit. When start finds one instead, the job
 * fails with -EEXIST, writing nothing, and dialog_write_conv_id names the one it found:
 * prepare the turn again on it. */
int dialog_write_prepare_new(struct store_conn *rd, const struct nlu_model *m,
			     const struct dialog_tenant *t, int64_t customer_id, const char *text,
			     const char *client_id, int64_t now, int agents_online,
			     int64_t next_job_seq, dialog_start_fn *start, void *start_arg,
			     struct dialog_out *out, struct dialog_write **w);
/* The conversation of the write (after a dialog_write_prepare_new job: the one made, or
 * found). */
int64_t dialog_write_conv_id(const struct dialog_write *w);
/* The durable half, a store job (arg: the struct dialog_write): stores the customer
 * message (NLU result, client id), the AI reply with its quick replies, the actions'
 * effects, the turn summary and the new state. When the client id was stored before it
 * writes nothing and marks the write a duplicate. 0 or an error (then nothing was kept). Writer thread only. */
int dialog_write_job(struct store_conn *c, void *arg);
/* After the job failed with rc: when the turn had actions (a window was taken
 * meanwhile...), turns the write into an apology that keeps the earlier state and
 * returns true: queue the job again. false: the failure stands. */
bool dialog_write_fallback(struct dialog_write *w, int rc);
/* After the job: {"appointment"?, "handoff"?, "callback"?, "outbox":[...], "error"?}
 * (borrowed, or taken), the turn summary {intent, confidence, escalation:{escalate,
 * priority, reasons}, outcome, appointment?, callback?, handoff: bool} (borrowed; NULL
 * for a duplicate), the NLU result (borrowed) and the stored seqs. */
const json_t *dialog_write_effects(const struct dialog_write *w);
json_t *dialog_write_take_effects(struct dialog_write *w);
const json_t *dialog_write_turn(const struct dialog_write *w);
const json_t *dialog_write_nlu(const struct dialog_write *w);
void dialog_write_seqs(const struct dialog_write *w, int64_t *seq, int64_t *reply_seq,
		       bool *duplicate);
void dialog_write_free(struct dialog_write *w);

/* Runs one customer turn of conversation conv_id: reads its state, runs dialog_turn
 * with model m at now (agents_online people available), then in one write job stores
 * the customer message (with its NLU result), the AI reply, the new state, and the
 * actions' effects (dialog_write_prepare, then dialog_write_job through
 * store_write_sync). *out (initialised by the caller) gets the turn; *effects (may be
 * NULL) a new JSON object describing what was done: {"appointment":{...}?,
 * "handoff":{packet}?, "callback":{...}?, "outbox":[...]}. 0 or a negative error. */
int dialog_session_turn(struct store *st, const struct nlu_model *m, int64_t tenant_id,
			int64_t conv_id, const char *text, int64_t now, int agents_online,
			struct dialog_out *out, json_t **effects);

#endif
