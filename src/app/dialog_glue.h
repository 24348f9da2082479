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

/* Runs one customer turn of conversation conv_id: reads its state, runs dialog_turn
 * with model m at now (agents_online people available), then in one write job stores
 * the customer message (with its NLU result), the AI reply, the new state, and the
 * actions' effects. *out (initialised by the caller) gets the turn; *effects (may be
 * NULL) a new JSON object describing what was done: {"appointment":{...}?,
 * "handoff":{packet}?, "callback":{...}?, "outbox":[...]}. 0 or a negative error. */
int dialog_session_turn(struct store *st, const struct nlu_model *m, int64_t tenant_id,
			int64_t conv_id, const char *text, int64_t now, int agents_online,
			struct dialog_out *out, json_t **effects);

#endif
