/* api.h: shared pieces of the REST API (/api/v1): authentication of a request, the
 * validated shapes of the tenant administration documents, and route registration.
 * Everything here runs on the loop thread unless a comment says otherwise. */
#ifndef TANDEM_APP_API_H
#define TANDEM_APP_API_H

#include "auth/auth.h"
#include "store/store.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app;
struct http_request;
struct live_facts;

/* ---- validation errors ---------------------------------------------------------- */

/* The first problem found in a document: the field's path ("hours.mon[0]") and why. */
struct api_verr {
	char msg[256];
};

/* Formats e->msg and returns -TN_EINVAL_FIELD (so a validator can `return verr(...)`). */
int api_verr_set(struct api_verr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- field validators (pure; 0 or -TN_EINVAL_FIELD with e filled) ------------------ */

/* "HH:MM" to minutes since midnight; "24:00" only when allow_24. */
int api_parse_hhmm(const char *s, bool allow_24, int *minutes);
/* A real calendar date "YYYY-MM-DD". */
bool api_valid_date(const char *s);
/* Five ASCII digits. */
bool api_valid_zip(const char *s);
/* E.164: '+', a non-zero digit, 7 to 14 more digits. */
bool api_valid_e164(const char *s);
/* A tenant slug: [a-z0-9-], 1..63 characters, not starting or ending with '-'. */
bool api_valid_slug(const char *s);

/* Parses a week of hours {"mon":[["07:00","18:00"]],...,"sun":[]} into at most max
 * intervals (weekday 0 = Sunday). Days may be missing (closed); unknown keys, bad times,
 * open >= close and overlapping intervals of one day are refused; field names the
 * document path for messages. */
int api_parse_week(const json_t *week, const char *field, struct store_hours *out,
		   size_t max, size_t *n, struct api_verr *e);
/* The reverse: a week object from an array of {weekday, open_min|start_min,
 * close_min|end_min} rows. New reference, or NULL on ENOMEM. */
json_t *api_week_json(const json_t *rows);

/* ---- the tenant's settings document ---------------------------------------------- */

/* A validated settings document (the shape of GET /api/v1/settings and of the demo seed
 * without slug/technicians/kb). has_* says which parts were present. Borrowed strings
 * point into `doc`, which the struct holds a reference to. */
struct tenant_config {
	json_t *doc;            /* owned reference to the input */
	const char *name;       /* NULL when absent */
	const char *timezone;   /* NULL when absent */
	bool has_hours, has_holidays, has_zips, has_services;
	struct store_hours hours[7 * 16];
	size_t n_hours;
	const char **zips;      /* owned array of borrowed strings */
	size_t n_zips;
	struct store_service *services;  /* owned array; strings borrowed */
	size_t n_services;
	json_t *extra;          /* owned: the keys kept in the tenant's settings JSON
	                           (phone, email, portal_url, brands, appointment_windows,
	                           oncall, escalation) that were present */
};

/* Validates doc (borrowed; a reference is taken) into cfg. Unknown keys are refused.
 * When full, name and timezone are required (PUT and the seed); otherwise every key is
 * optional (PATCH). ignore lists keys to skip silently (NULL-terminated, may be NULL),
 * for the seed's slug/technicians/kb. 0 or -TN_EINVAL_FIELD / -ENOMEM; on failure cfg
 * needs no freeing. */
int tenant_config_parse(const json_t *doc, bool full, const char *const *ignore,
			struct tenant_config *cfg, struct api_verr *e);
void tenant_config_free(struct tenant_config *cfg);

/* Writes cfg to tenant_id on the writer connection c (inside a store job). With replace,
 * absent parts are cleared (PUT); otherwise only present parts change (PATCH). 0 or a
 * store error. Writer thread only. */
int tenant_config_apply(struct store_conn *c, int64_t tenant_id,
			const struct tenant_config *cfg, bool replace);

/* Builds the settings document of tenant_id from connection c (new reference in *out).
 * 0 or a store error. */
int tenant_config_load(struct store_conn *c, int64_t tenant_id, json_t **out);

/* ---- technicians and articles ----------------------------------------------------- */

struct tech_input {
	json_t *doc;                  /* owned reference */
	struct store_technician t;    /* strings borrowed from doc */
	bool has_trades, has_hours, has_zips;
	const char **trades;          /* owned array */
	size_t n_trades;
	struct store_hours hours[7 * 16];
	size_t n_hours;
	const char **zips;            /* owned array */
	size_t n_zips;
};
/* Validates a technician document {name, trades, phone, email, hours, zips, active}.
 * name is required; active defaults to true. Unknown keys are refused. */
int tech_input_parse(const json_t *doc, struct tech_input *ti, struct api_verr *e);
void tech_input_free(struct tech_input *ti);
/* Creates (id 0, *id_out set) or replaces (id > 0) the technician on the writer
 * connection. Writer thread only. */
int tech_input_apply(struct store_conn *c, int64_t tenant_id, int64_t id,
		     const struct tech_input *ti, int64_t *id_out);

struct kb_input {
	json_t *doc;            /* owned reference */
	const char *title, *body;
	json_t *tags;           /* borrowed from doc, or NULL */
};
/* Validates an article {title, body, tags}. title and body are required. */
int kb_input_parse(const json_t *doc, struct kb_input *ki, struct api_verr *e);
void kb_input_free(struct kb_input *ki);

/* ---- the demo seed ---------------------------------------------------------------- */

/* An account created together with a seeded business. */
struct seed_account {
	const char *email;          /* lower case */
	const char *name;
	const char *password_hash;  /* from auth_password_hash */
	const char *role;           /* role in the seeded tenant, or NULL for none */
	bool platform_admin;
	bool created;               /* out: a new account (false: it existed and was kept) */
};

/* Seeds the business described by seed (the demo document) into s in one transaction:
 * the tenant with its settings, technicians and articles, then the accounts (an existing
 * email keeps its account and password and only gains the membership). Fails with
 * -TN_ECONFLICT, changing nothing, when the slug exists. *tenant_id (may be NULL) gets
 * the new id. Invalid documents fail with -TN_EINVAL_FIELD and the reason in e. Blocks
 * (a synchronous write): for the command line. */
int seed_apply(struct store *s, const json_t *seed, struct seed_account *accounts,
	       size_t n_accounts, int64_t now, int64_t *tenant_id, struct api_verr *e);

/* The demo document compiled into the binary (new reference), or NULL with a reason in
 * e when it does not parse. */
json_t *seed_demo_document(struct api_verr *e);

/* ---- asynchronous writes ----------------------------------------------------------- */

struct api_op;
/* The write itself: runs on the writer thread inside a savepoint with the writer
 * connection. Fills op->result (owned) on success; may write a reason in op->msg. */
typedef int api_op_fn(struct store_conn *c, struct api_op *op);

/* One write request in flight: created by a handler, run by the store's writer, answered
 * by its done callback on the loop thread only after COMMIT (or the failure). */
struct api_op {
	struct app *app;
	struct http_request *req;
	struct auth_principal p;
	int64_t id;             /* the {id} of the path, when there is one */
	int64_t now;
	json_t *in;             /* owned: the request body */
	struct tenant_config cfg;
	struct tech_input tech;
	struct kb_input kb;
	char s1[256], s2[256];  /* handler-specific strings (email, name, role...) */
	char secret[AUTH_PWHASH_SIZE];  /* a generated password or key, shown once */
	char hash[AUTH_PWHASH_SIZE];    /* a password hash computed before the write */
	int64_t n1;
	struct live_facts *facts;  /* owned reference, or NULL: the tenant's facts the request
	                              was checked against (live_facts_get) */
	void *ext;              /* owned (free()), or NULL: a handler family's own fields */
	/* Run on the loop thread after a successful commit, before the response (to tell a
	 * cache what changed); NULL: nothing. */
	void (*committed)(struct api_op *op);
	uv_work_t work;         /* for api_op_prework */
	int (*work_fn)(struct api_op *op);
	int work_rc;
	api_op_fn *run;
	int status;             /* the success status (200, 201, 204) */
	json_t *result;         /* owned: the success body (NULL with 204) */
	char msg[256];          /* the failure message */
};

/* A new op for req (zeroed, app, req, principal and now filled). NULL on ENOMEM (after
 * responding 500). */
struct api_op *api_op_new(struct app *app, struct http_request *req,
			  const struct auth_principal *p, api_op_fn *run, int status);
/* Queues op on the store's writer; the response follows after the commit and op is
 * freed. On a queueing failure responds 500 and frees op. Always returns 0 (for the
 * handler to return). */
int api_op_submit(struct api_op *op);
/* Runs work(op) on libuv's thread pool (for password hashing), then api_op_submit.
 * work returns 0 or an error code (which is answered with api_respond_code). */
int api_op_prework(struct api_op *op, int (*work)(struct api_op *op));
/* Frees op and everything it owns, facts and ext included (without responding). */
void api_op_free(struct api_op *op);

/* Checks a write's request body (op->in) and reads it into op. 0, or -TN_EINVAL_FIELD
 * with the reason in e (or another error code). */
typedef int api_parse_fn(struct api_op *op, struct api_verr *e);

/* One kind of write: how its body is read and checked, the job, and the answer. */
struct api_write {
	const char *verb;           /* names the route where a table builds the names */
	api_parse_fn *parse;        /* NULL: the request has no body */
	api_op_fn *run;             /* the job on the writer thread */
	int (*submit)(struct api_op *op);  /* queues the parsed op; NULL: api_op_submit */
	int status;                 /* the success status (200, 201, 204) */
};

/* Starts write w on item id (0: none) for an authorised principal: reads the body when w
 * has a parser, makes the op, parses it and queues it; the answer follows the commit.
 * 0 once the op went to its submit function (which answers a queueing failure itself);
 * a negative code when the request was already answered with the error (bad JSON, a
 * field that failed, out of memory) and nothing was queued. */
int api_write_start(struct app *app, struct http_request *req, const struct auth_principal *p,
		    const struct api_write *w, int64_t id);

/* The database path for a command: given (--db) when set, else $TANDEM_DB, else
 * "var/tandem.db". Borrowed. Defined in cmd_init.c. */
const char *cli_db_path(const char *given);

/* ---- authentication --------------------------------------------------------------- */

/* Authenticates req: a tandem_session cookie or an "Authorization: Bearer tk_..." API
 * key; checks X-CSRF-Token for cookie requests that change state; chooses the tenant
 * (the key's; for users the X-Tenant slug, or their only tenant). When need_tenant and no
 * tenant could be chosen, that is an error. On failure it has already responded
 * (401/403/400/404) and returns a negative code: the handler must return 0 and do
 * nothing more. On success fills *p and returns 0. */
int api_authenticate(struct app *app, struct http_request *req, bool need_tenant,
		     struct auth_principal *p);

/* api_authenticate, then a permission check (403 forbidden when missing). */
int api_require(struct app *app, struct http_request *req, enum auth_perm perm,
		struct auth_principal *p);

/* api_require, then the {id} path parameter (api_param_id): the common start of a
 * handler of one item. On failure it has already responded and returns a negative code. */
int api_require_item(struct app *app, struct http_request *req, enum auth_perm perm,
		     struct auth_principal *p, int64_t *id);

/* Finds name=value in a Cookie header (may be NULL) and copies the value into out (n
 * bytes). False when the cookie is absent, empty or does not fit. */
bool api_cookie_get(const char *header, const char *name, char *out, size_t n);

/* One REST route: method, path pattern, handler and the route's metrics name. */
struct api_route {
	const char *method;
	const char *path;
	int (*fn)(struct http_request *req, void *arg);
	const char *name;
};

/* Registers n routes on app->http, each handler called with app as its argument.
 * 0, or the first http_route error. */
int api_routes_add(struct app *app, const struct api_route *routes, size_t n);

/* Parses the request body as a JSON object; on failure responds 400 invalid_json and
 * returns NULL. New reference. */
json_t *api_body_json(struct http_request *req);

/* Responds with the error matching a store/validation code (404 not_found, 409 conflict,
 * 400 validation_failed with msg, 500 internal). */
void api_respond_code(struct http_request *req, int rc, const char *msg);

/* True when s (may be NULL: false) is one of set (NULL-terminated). */
bool api_in_set(const char *s, const char *const *set);

/* The first key of object o not in keys (NULL-terminated), or NULL. */
const char *api_unknown_key(const json_t *o, const char *const *keys);

/* Answers a read: 200 with v, or the error matching rc. Consumes v. Returns 0 (for the
 * handler to return). */
int api_respond_read(struct http_request *req, int rc, json_t *v);

/* Makes the API shape of a stored row. Consumes row; returns a new reference. */
typedef json_t *api_shape_fn(json_t *row, const void *ctx);

/* Answers a listing: steps the bound statement st to its end (and finishes it), shaping
 * each row with shape(row, ctx) (NULL: rows as read), and responds 200 {"<key>": [...]}
 * or the error of a failed step. Returns 0. */
int api_respond_rows(struct http_request *req, struct store_stmt *st, const char *key,
		     api_shape_fn *shape, const void *ctx);

/* Parses the {id} path parameter; responds 404 and returns a negative code when it is
 * not a positive integer. */
int api_param_id(struct http_request *req, const char *name, int64_t *id);

/* The current time in Unix seconds (the app's clock). */
int64_t api_now(struct app *app);

/* Route registration, called from app_register_routes (routes.c). 0 or a negative errno.
 * api_auth_register also creates the auth context (rate limiter) in app->auth;
 * api_auth_free releases it (app_on_shutdown). */
int api_auth_register(struct app *app);
void api_auth_free(struct app *app);
int api_admin_register(struct app *app);

#endif
