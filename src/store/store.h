/* store.h: the durable store: open/close, single writer with group commit, a portable
 * statement API, and tenant-scoped domain functions. SQLite now, PostgreSQL later.
 *
 * Threading model (docs/internals/store.md has the long form):
 * - One writer thread owns the write connection. Every write is a job queued with
 *   store_write_async() or store_write_sync(). The writer takes what is queued (up to
 *   256 jobs, in order), runs the batch inside one BEGIN IMMEDIATE ... COMMIT with a
 *   SAVEPOINT per job (a failing job is rolled back alone), commits once, and only then
 *   reports each job's result. Nothing is acknowledged before COMMIT has returned
 *   (synchronous=FULL in WAL mode: durable across a crash or power loss).
 * - Done callbacks of async jobs run on the libuv loop thread set by store_attach_loop().
 * - Reads use store_reader(): one read connection owned by the loop thread (or, with no
 *   loop, by the single thread that opened the store). In WAL mode readers never block
 *   the writer and see only committed data.
 * - Job functions run on the writer thread: they may touch only the connection they are
 *   given and their own argument, never loop-owned state.
 *
 * Errors: 0 or a negative errno / tandem code (base/err.h). A unique or foreign-key
 * violation is -TN_ECONFLICT, an unknown id or another tenant's id -TN_ENOTFOUND, any
 * other database failure -TN_ESTORE.
 *
 * Domain functions take a connection: read functions work on any connection (normally
 * store_reader()); write functions must run on the writer connection, i.e. inside a job
 * (the reader is query-only and refuses writes with -EPERM). Each write function is
 * atomic on its own: when it fails, nothing of it was kept, even if its job goes on.
 * Every function that touches a tenant's rows takes tenant_id and uses it in its WHERE
 * clause. Times are Unix seconds.
 * JSON results are new references owned by the caller (json_decref). Text arguments are
 * borrowed for the call only. */
#ifndef TANDEM_STORE_STORE_H
#define TANDEM_STORE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct store;       /* the store: writer thread, write connection, reader connection */
struct store_conn;  /* one database connection with its statement cache */
struct store_stmt;  /* a prepared statement borrowed from a connection's cache */

/* ---------------------------------------------------------------------------------
 * Opening and closing
 * --------------------------------------------------------------------------------- */

/* Highest schema version this binary knows (the last numbered migration). */
int store_schema_version(void);

/* Opens (creating if needed) the database at path, sets WAL mode, synchronous=FULL,
 * foreign_keys=ON and a busy timeout, applies pending migrations (each in its own
 * transaction, recorded in schema_migrations) and starts the writer thread.
 * path ":memory:" gives a fresh private in-memory database shared by the store's own
 * connections (no WAL: readers and the writer take turns). A database whose schema is
 * newer than this binary is refused with -TN_EFORMAT (a message is logged).
 * On success *out is owned by the caller (store_close). Returns 0, -EINVAL, -ENOMEM,
 * -TN_EFORMAT or -TN_ESTORE. */
int store_open(const char *path, struct store **out);

/* Opens a private in-memory copy of the database file at src_path (which is only read,
 * never changed), migrated to this binary's schema, e.g. to try conversations against
 * real configuration without touching it. Same ownership and errors as store_open;
 * -ENOENT when src_path does not exist. */
int store_open_copy(const char *src_path, struct store **out);

/* Sets the loop on whose thread async done callbacks run. Call once, from the loop
 * thread, before the first store_write_async() with a done callback. The store keeps a
 * uv_async_t on that loop (it does not keep the loop alive: the handle is unref'd).
 * Returns 0, -EINVAL (NULL or already attached) or a libuv error. */
int store_attach_loop(struct store *s, uv_loop_t *loop);

/* Finishes every queued write (their done callbacks still run, on the calling thread,
 * which must be the loop thread when a loop is attached), stops the writer thread and
 * closes both connections. When a loop is attached, its uv_async_t is closed with
 * uv_close(): run the loop once more afterwards (e.g. uv_run(loop, UV_RUN_DEFAULT)) so
 * libuv can release it. NULL is ignored. s is invalid afterwards. */
void store_close(struct store *s);

/* The read connection (borrowed; lives as long as s). Use it only on the loop thread
 * (or the opening thread when no loop is attached). Query-only. */
struct store_conn *store_reader(struct store *s);

/* ---------------------------------------------------------------------------------
 * Writes: the single writer with group commit
 * --------------------------------------------------------------------------------- */

/* A write job: runs on the writer thread inside a savepoint of the current batch, on the
 * write connection c. Returns 0 (or a positive value) to keep its changes or a negative
 * code to have them rolled back (the other jobs of the batch are not affected). It may
 * write results into its own argument; the done callback reads them. It must not run
 * transaction statements (BEGIN, COMMIT, ROLLBACK): a job that ends the batch's
 * transaction fails, with every job of the batch before it (-TN_ESTORE). */
typedef int store_job_fn(struct store_conn *c, void *arg);

/* Called on the loop thread after the job's batch has committed (result 0: durable) or
 * after the job failed (result < 0: nothing of it was kept). If COMMIT itself fails,
 * every job of the batch gets that error and nothing of the batch was kept. */
typedef void store_done_fn(int result, void *done_arg);

/* Queues job(c, job_arg). done(result, done_arg) runs later on the loop thread; done may
 * be NULL (fire and forget). job_arg and done_arg are borrowed and must stay valid until
 * done has run (or, with done NULL, until the job has run: free it in the job itself).
 * A done callback is required to need an attached loop. Callable from any thread but the
 * writer's. Returns 0 when queued (done will be called exactly once), -EINVAL (bad
 * arguments, done without a loop, or the store closing) or -ENOMEM; when it fails,
 * neither job nor done is ever called. */
int store_write_async(struct store *s, store_job_fn *job, void *job_arg,
                      store_done_fn *done, void *done_arg);

/* Runs job(c, arg) through the same writer and waits until its batch has committed.
 * Returns the job's result (0 only once durable), the commit error, or -EDEADLK when
 * called from the writer thread (from inside a job). Blocks the calling thread: meant
 * for start-up, the command line and tests, not for the loop thread in steady state. */
int store_write_sync(struct store *s, store_job_fn *job, void *arg);

/* Counters for monitoring and tests (read from any thread; approximate while busy). */
struct store_stats {
	uint64_t jobs;     /* jobs run */
	uint64_t batches;  /* COMMITs issued */
	uint64_t failed;   /* jobs that returned an error or whose batch failed */
	uint64_t checkpoints; /* WAL checkpoints run by the checkpointer thread */
};
void store_stats_get(struct store *s, struct store_stats *out);

/* ---------------------------------------------------------------------------------
 * Statements: a small portable API so no other module touches the database library.
 * SQL uses ? placeholders (a PostgreSQL backend rewrites them to $n).
 * --------------------------------------------------------------------------------- */

enum { STORE_DONE = 0, STORE_ROW = 1 };

/* Prepares sql on c, reusing a cached statement with the same text. The statement comes
 * back reset with no bindings; it is borrowed and must be released with
 * store_stmt_finish() before the connection is used from another thread or closed (a
 * statement left unfinished keeps its read snapshot open). Preparing the same text again
 * while the first is in use yields a separate, uncached statement. Returns 0, -EINVAL
 * (bad SQL: logged), -ENOMEM or -TN_ESTORE. */
int store_prepare(struct store_conn *c, const char *sql, struct store_stmt **out);

/* Bind by 1-based index. Text and blobs are copied. Return 0, -EINVAL (bad index or
 * NULL pointer where not allowed) or -TN_ESTORE. store_bind_text with s NULL binds NULL;
 * len < 0 means strlen(s). */
int store_bind_int64(struct store_stmt *st, int idx, int64_t v);
int store_bind_double(struct store_stmt *st, int idx, double v);
int store_bind_text(struct store_stmt *st, int idx, const char *s, int len);
int store_bind_blob(struct store_stmt *st, int idx, const void *p, size_t len);
int store_bind_null(struct store_stmt *st, int idx);
/* Binds a JSON value as its compact text (NULL binds SQL NULL). 0, -ENOMEM, ... */
int store_bind_json(struct store_stmt *st, int idx, const json_t *v);

/* Runs one step: STORE_ROW when a row is available, STORE_DONE when finished, or
 * -TN_ECONFLICT (constraint), -EPERM (write on a query-only connection), -TN_ESTORE. */
int store_step(struct store_stmt *st);

/* Column getters for the current row (0-based column index). Text and blob pointers are
 * borrowed until the next step or finish. store_col_text returns NULL for SQL NULL. */
int store_col_count(struct store_stmt *st);
bool store_col_is_null(struct store_stmt *st, int col);
int64_t store_col_int64(struct store_stmt *st, int col);
double store_col_double(struct store_stmt *st, int col);
const char *store_col_text(struct store_stmt *st, int col);
const void *store_col_blob(struct store_stmt *st, int col, size_t *len);
const char *store_col_name(struct store_stmt *st, int col);

/* The current row as a JSON object keyed by column name: integers, reals, text, null;
 * columns declared BOOLEAN become true/false and columns declared JSON are parsed.
 * Returns a new object (owned) or NULL on ENOMEM. */
json_t *store_row_json(struct store_stmt *st);

/* Releases a statement from store_prepare (reset, bindings cleared). NULL is ignored. */
void store_stmt_finish(struct store_stmt *st);

/* Convenience: prepare, run to completion and finish a statement without parameters. */
int store_exec(struct store_conn *c, const char *sql);

/* Groups several reads on the reader connection into one consistent snapshot (e.g. to
 * build a handoff packet from several tables): reads between begin and end see the
 * database as of the first of them. Not for the write connection (jobs already run in a
 * transaction): -EINVAL, as is a nested begin. end finishes any statement left in use
 * and never fails; keep the span short (it holds back WAL checkpoints; on a ":memory:"
 * store, which has no WAL, it makes the writer wait until it ends). */
int store_read_begin(struct store_conn *c);
void store_read_end(struct store_conn *c);

/* Rowid of the last successful INSERT on c; rows changed by the last statement on c. */
int64_t store_last_insert_id(struct store_conn *c);
int store_changes(struct store_conn *c);

/* ---------------------------------------------------------------------------------
 * Domain: tenants and their configuration
 * --------------------------------------------------------------------------------- */

/* Creates a tenant. slug: [a-z0-9-], 1..63; tz_name an IANA name (its shape is checked, not its existence);
 * settings a JSON object or NULL ({}). *id_out (may be NULL) gets the new id.
 * 0, -TN_EINVAL_FIELD, -TN_ECONFLICT (slug taken), -TN_ESTORE. */
int store_tenant_create(struct store_conn *c, const char *slug, const char *name,
                        const char *tz_name, const json_t *settings, int64_t *id_out);
/* {id, slug, name, timezone, settings, created_at}. 0 or -TN_ENOTFOUND. */
int store_tenant_get(struct store_conn *c, int64_t tenant_id, json_t **out);
int store_tenant_get_by_slug(struct store_conn *c, const char *slug, json_t **out);
/* Array of tenant objects ordered by id. */
int store_tenant_list(struct store_conn *c, json_t **out);
/* Updates the given fields; NULL leaves a field unchanged. settings replaces the whole
 * object. 0, -TN_ENOTFOUND, -TN_EINVAL_FIELD. */
int store_tenant_update(struct store_conn *c, int64_t tenant_id, const char *name,
                        const char *tz_name, const json_t *settings);

/* Business hours: one interval per row, minutes since local midnight. */
struct store_hours {
	int weekday;    /* 0 = Sunday .. 6 = Saturday */
	int open_min;   /* 0..1439 */
	int close_min;  /* open_min < close_min <= 1440 */
};
/* Replaces the tenant's whole set (n may be 0: closed every day). -TN_EINVAL_FIELD on a
 * bad interval (nothing changed), -TN_ENOTFOUND for an unknown tenant. */
int store_hours_set(struct store_conn *c, int64_t tenant_id, const struct store_hours *h,
                    size_t n);
/* Array of {weekday, open_min, close_min} ordered by weekday, open_min. */
int store_hours_get(struct store_conn *c, int64_t tenant_id, json_t **out);

/* Holidays: date is "YYYY-MM-DD" in the tenant's zone. Adding an existing date is
 * -TN_ECONFLICT. */
int store_holiday_add(struct store_conn *c, int64_t tenant_id, const char *date,
                      const char *name);
int store_holiday_remove(struct store_conn *c, int64_t tenant_id, const char *date);
/* Array of {date, name} ordered by date. */
int store_holiday_list(struct store_conn *c, int64_t tenant_id, json_t **out);

/* Service area: 5-digit ZIP codes. Replaces the whole set; -TN_EINVAL_FIELD if any is
 * not 5 digits (nothing changed). */
int store_zips_set(struct store_conn *c, int64_t tenant_id, const char *const *zips,
                   size_t n);
/* Array of strings, sorted. */
int store_zips_get(struct store_conn *c, int64_t tenant_id, json_t **out);
/* 1 when zip is served, 0 when not, or a negative error. */
int store_zip_served(struct store_conn *c, int64_t tenant_id, const char *zip);

/* Services. price_kind names; the enum and its names come from one list. */
#define STORE_PRICE_KINDS(X) X(FIXED, "fixed") X(FROM, "from") X(MONTHLY, "monthly") \
	X(ESTIMATE, "estimate")
#define STORE_ENUM_MEMBER(name, str) STORE_PRICE_##name,
enum store_price_kind { STORE_PRICE_KINDS(STORE_ENUM_MEMBER) STORE_PRICE__COUNT };
#undef STORE_ENUM_MEMBER
const char *store_price_kind_name(enum store_price_kind k);
int store_price_kind_parse(const char *s, enum store_price_kind *out);  /* 0 or -EINVAL */

struct store_service {
	const char *code;         /* unique per tenant, e.g. "ac_tuneup" */
	const char *name;
	const char *trade;        /* "hvac", "plumbing", "electrical", ... */
	int64_t price_cents;      /* ignored (stored 0) for "estimate" */
	enum store_price_kind price_kind;
	int duration_windows;     /* appointment windows it takes; 0 = a full day */
	const char *description;  /* may be NULL */
};
/* 0, -TN_EINVAL_FIELD, -TN_ECONFLICT (code taken), -TN_ENOTFOUND (tenant). */
int store_service_create(struct store_conn *c, int64_t tenant_id,
                         const struct store_service *svc, int64_t *id_out);
/* Replaces every field of the service with this id (code may change). */
int store_service_update(struct store_conn *c, int64_t tenant_id, int64_t service_id,
                         const struct store_service *svc);
int store_service_delete(struct store_conn *c, int64_t tenant_id, int64_t service_id);
/* {id, code, name, trade, price_cents, price_kind, duration_windows, description}. */
int store_service_get(struct store_conn *c, int64_t tenant_id, int64_t service_id,
                      json_t **out);
int store_service_get_by_code(struct store_conn *c, int64_t tenant_id, const char *code,
                              json_t **out);
int store_service_list(struct store_conn *c, int64_t tenant_id, json_t **out);

/* ---------------------------------------------------------------------------------
 * Domain: users, memberships, sessions, API keys, login attempts
 * --------------------------------------------------------------------------------- */

#define STORE_ROLES(X) X(ADMIN, "admin") X(SUPERVISOR, "supervisor") X(AGENT, "agent")
#define STORE_ENUM_MEMBER(name, str) STORE_ROLE_##name,
enum store_role { STORE_ROLES(STORE_ENUM_MEMBER) STORE_ROLE__COUNT };
#undef STORE_ENUM_MEMBER
const char *store_role_name(enum store_role r);
int store_role_parse(const char *s, enum store_role *out);  /* 0 or -EINVAL */

/* Users are global (not tenant rows); tenants reach them through memberships. email is
 * stored lower-cased and unique (-TN_ECONFLICT); password_hash is an already computed
 * hash string (may be NULL: no password login). created_at = now. */
int store_user_create(struct store_conn *c, const char *email, const char *name,
                      const char *password_hash, bool is_platform_admin, int64_t now,
                      int64_t *id_out);
/* {id, email, name, is_platform_admin, disabled, created_at} (never the hash). */
int store_user_get(struct store_conn *c, int64_t user_id, json_t **out);
int store_user_get_by_email(struct store_conn *c, const char *email, json_t **out);
/* For login: the user's id, disabled flag and password hash (owned copy in *hash_out,
 * free(); NULL when the user has no password). -TN_ENOTFOUND for an unknown email. */
int store_user_credentials(struct store_conn *c, const char *email, int64_t *id_out,
                           bool *disabled_out, char **hash_out);
/* Users with a membership in tenant_id: array of user objects each with "role". */
int store_user_list_by_tenant(struct store_conn *c, int64_t tenant_id, json_t **out);
int store_user_set_password_hash(struct store_conn *c, int64_t user_id,
                                 const char *password_hash);
/* Sets or clears the disabled flag. Disabling also deletes the user's sessions. */
int store_user_set_disabled(struct store_conn *c, int64_t user_id, bool disabled);

/* Adds or changes the user's role in tenant_id. -TN_ENOTFOUND for unknown user/tenant. */
int store_membership_set(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                         enum store_role role);
int store_membership_remove(struct store_conn *c, int64_t tenant_id, int64_t user_id);
/* Array of {tenant_id, slug, name, role} for the user. */
int store_membership_list_for_user(struct store_conn *c, int64_t user_id, json_t **out);
/* The user's role in tenant_id; -TN_ENOTFOUND when not a member. */
int store_membership_role(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                          enum store_role *out);

/* Sessions. token_hash is the hex hash of the cookie token (the token itself is never
 * stored). -TN_ECONFLICT on a duplicate hash. */
int store_session_create(struct store_conn *c, const char *token_hash, int64_t user_id,
                         const char *csrf_token, int64_t now, int64_t expires_at);
/* {user_id, csrf_token, created_at, expires_at, last_seen} for an unexpired session of
 * an enabled user (expired at or before now, or disabled user: -TN_ENOTFOUND). */
int store_session_lookup(struct store_conn *c, const char *token_hash, int64_t now,
                         json_t **out);
/* Sets last_seen = now and, when expires_at > 0, the new expiry. */
int store_session_touch(struct store_conn *c, const char *token_hash, int64_t now,
                        int64_t expires_at);
int store_session_delete(struct store_conn *c, const char *token_hash);
/* Deletes every session expired at or before now; *purged (may be NULL) gets the count. */
int store_session_purge(struct store_conn *c, int64_t now, int *purged);

/* API keys: prefix is the short public part shown in lists, key_hash the hex hash of the
 * full key. */
int store_api_key_create(struct store_conn *c, int64_t tenant_id, const char *name,
                         const char *prefix, const char *key_hash, int64_t now,
                         int64_t *id_out);
/* {id, tenant_id, name, prefix, created_at} of an unrevoked key; -TN_ENOTFOUND otherwise.
 * (Not tenant-scoped: the key decides the tenant.) */
int store_api_key_lookup(struct store_conn *c, const char *key_hash, json_t **out);
/* Array of {id, name, prefix, created_at, revoked_at} (never the hash). */
int store_api_key_list(struct store_conn *c, int64_t tenant_id, json_t **out);
/* Sets revoked_at = now; -TN_ENOTFOUND for another tenant's or an already revoked key. */
int store_api_key_revoke(struct store_conn *c, int64_t tenant_id, int64_t key_id,
                         int64_t now);

/* Login attempts for rate limiting, keyed by any string ("ip:1.2.3.4", "email:x@y"). */
int store_login_attempt_record(struct store_conn *c, const char *key, bool success,
                               int64_t now);
/* Number of failed attempts for key at or after since. Returns the count (>= 0) or a
 * negative error. */
int store_login_attempt_count(struct store_conn *c, const char *key, int64_t since);
/* Deletes attempts older than before. */
int store_login_attempt_purge(struct store_conn *c, int64_t before);

/* ---------------------------------------------------------------------------------
 * Domain: technicians
 * --------------------------------------------------------------------------------- */

struct store_technician {
	const char *name;
	const char *phone;   /* E.164 or NULL */
	const char *email;   /* or NULL */
	bool active;
};
int store_technician_create(struct store_conn *c, int64_t tenant_id,
                            const struct store_technician *t, int64_t *id_out);
int store_technician_update(struct store_conn *c, int64_t tenant_id, int64_t tech_id,
                            const struct store_technician *t);
/* Deleting also removes trades, hours, zips and time off (not appointments: a
 * technician with appointments is -TN_ECONFLICT; deactivate instead). */
int store_technician_delete(struct store_conn *c, int64_t tenant_id, int64_t tech_id);
/* {id, name, phone, email, active, trades:[..], zips:[..],
 *  hours:[{weekday,start_min,end_min}]}. */
int store_technician_get(struct store_conn *c, int64_t tenant_id, int64_t tech_id,
                         json_t **out);
/* Array of technician objects (same shape) ordered by id. */
int store_technician_list(struct store_conn *c, int64_t tenant_id, json_t **out);
/* Replace the technician's trades / working hours / ZIPs. -TN_ENOTFOUND for a
 * technician of another tenant; -TN_EINVAL_FIELD for bad values (nothing changed). */
int store_technician_trades_set(struct store_conn *c, int64_t tenant_id, int64_t tech_id,
                                const char *const *trades, size_t n);
int store_technician_hours_set(struct store_conn *c, int64_t tenant_id, int64_t tech_id,
                               const struct store_hours *h, size_t n);
int store_technician_zips_set(struct store_conn *c, int64_t tenant_id, int64_t tech_id,
                              const char *const *zips, size_t n);

/* ---------------------------------------------------------------------------------
 * Domain: appointments (double booking is made impossible by a unique
 * (tenant, technician, slot_start) row per window booked)
 * --------------------------------------------------------------------------------- */

struct store_appointment {
	int64_t customer_id;
	int64_t technician_id;
	const char *service_code;
	const char *trade;
	int64_t start_at;        /* Unix seconds */
	int64_t end_at;          /* > start_at */
	const char *job_number;  /* "J-48213"; unique per tenant */
	const char *address;     /* may be NULL */
	const char *notes;       /* may be NULL */
};
/* Books an appointment (status "scheduled") and claims each window start in
 * slot_starts[0..n) for the technician. If any window is already held the whole booking
 * fails with -TN_ECONFLICT and nothing is written. -TN_ENOTFOUND if the customer or
 * technician is not this tenant's. */
int store_appointment_book(struct store_conn *c, int64_t tenant_id,
                           const struct store_appointment *a, const int64_t *slot_starts,
                           size_t n, int64_t *id_out);
/* {id, customer_id, technician_id, service_code, trade, start_at, end_at, status,
 *  job_number, address, eta, notes, slots:[...]}. */
int store_appointment_get(struct store_conn *c, int64_t tenant_id, int64_t appt_id,
                          json_t **out);
/* Cancels (status "cancelled") and releases its windows. */
int store_appointment_cancel(struct store_conn *c, int64_t tenant_id, int64_t appt_id);

/* ---------------------------------------------------------------------------------
 * Domain: knowledge base, events
 * --------------------------------------------------------------------------------- */

/* tags: a JSON array of strings or NULL ([]). updated_at = now. */
int store_kb_create(struct store_conn *c, int64_t tenant_id, const char *title,
                    const char *body, const json_t *tags, int64_t now, int64_t *id_out);
int store_kb_update(struct store_conn *c, int64_t tenant_id, int64_t article_id,
                    const char *title, const char *body, const json_t *tags, int64_t now);
int store_kb_delete(struct store_conn *c, int64_t tenant_id, int64_t article_id);
/* {id, title, body, tags, updated_at}. */
int store_kb_get(struct store_conn *c, int64_t tenant_id, int64_t article_id,
                 json_t **out);
int store_kb_list(struct store_conn *c, int64_t tenant_id, json_t **out);

/* Appends to the event log (append-only). conversation_id 0 = none; actor may be NULL
 * ("ai", "user:12", "system"); data a JSON object or NULL. */
int store_event_append(struct store_conn *c, int64_t tenant_id, int64_t at,
                       const char *kind, int64_t conversation_id, const char *actor,
                       const json_t *data, int64_t *id_out);
/* Events of a tenant with id > after_id, oldest first, at most limit (1..1000):
 * array of {id, at, kind, conversation_id, actor, data}. */
int store_event_list(struct store_conn *c, int64_t tenant_id, int64_t after_id, int limit,
                     json_t **out);

/* ---------------------------------------------------------------------------------
 * Domain: customers, identities, conversations, messages
 * --------------------------------------------------------------------------------- */

#define STORE_IDENTITY_KINDS(X) X(PHONE, "phone") X(EMAIL, "email") X(CHAT, "chat") \
	X(PORTAL, "portal")
#define STORE_ENUM_MEMBER(name, str) STORE_IDENTITY_##name,
enum store_identity_kind { STORE_IDENTITY_KINDS(STORE_ENUM_MEMBER) STORE_IDENTITY__COUNT };
#undef STORE_ENUM_MEMBER
const char *store_identity_kind_name(enum store_identity_kind k);
int store_identity_kind_parse(const char *s, enum store_identity_kind *out);

struct store_customer {
	const char *name;     /* may be NULL */
	const char *address;  /* may be NULL */
	const char *zip;      /* may be NULL */
	const char *notes;    /* may be NULL */
};
int store_customer_create(struct store_conn *c, int64_t tenant_id,
                          const struct store_customer *cu, int64_t now, int64_t *id_out);
/* Replaces name/address/zip/notes (NULL fields become NULL). */
int store_customer_update(struct store_conn *c, int64_t tenant_id, int64_t customer_id,
                          const struct store_customer *cu, int64_t now);
/* {id, name, address, zip, notes, created_at, updated_at,
 *  identities:[{kind, value}]}. */
int store_customer_get(struct store_conn *c, int64_t tenant_id, int64_t customer_id,
                       json_t **out);
/* Links an identity (value already normalised: E.164 phone, lower-case email...) to a
 * customer. -TN_ECONFLICT when the identity already belongs to a customer. */
int store_identity_add(struct store_conn *c, int64_t tenant_id, int64_t customer_id,
                       enum store_identity_kind kind, const char *value);
/* The customer id owning the identity; -TN_ENOTFOUND when none. */
int store_customer_find_by_identity(struct store_conn *c, int64_t tenant_id,
                                    enum store_identity_kind kind, const char *value,
                                    int64_t *customer_id_out);

#define STORE_CONV_STATUSES(X) X(OPEN, "open") X(WAITING, "waiting") \
	X(CLOSED, "closed")
#define STORE_ENUM_MEMBER(name, str) STORE_CONV_##name,
enum store_conv_status { STORE_CONV_STATUSES(STORE_ENUM_MEMBER) STORE_CONV__COUNT };
#undef STORE_ENUM_MEMBER
const char *store_conv_status_name(enum store_conv_status s);
int store_conv_status_parse(const char *s, enum store_conv_status *out);

/* Creates an open conversation owned by the AI. channel: first channel used ("chat",
 * "sms", "voice", "email"). customer_id 0 = not yet known. */
int store_conversation_create(struct store_conn *c, int64_t tenant_id, int64_t customer_id,
                              const char *channel, int64_t now, int64_t *id_out);
/* {id, customer_id, status, owner_kind, owner_user_id, channels:[..], state,
 *  created_at, updated_at}. */
int store_conversation_get(struct store_conn *c, int64_t tenant_id, int64_t conv_id,
                           json_t **out);
/* Updates status, owner ("ai" with user 0, or "human" with a user id) and/or state
 * (NULL / negative leaves a field alone: status < 0, owner_kind NULL, state NULL). */
int store_conversation_update(struct store_conn *c, int64_t tenant_id, int64_t conv_id,
                              int status, const char *owner_kind, int64_t owner_user_id,
                              const json_t *state, int64_t now);
/* Open (not closed) conversations of a tenant, oldest first: array of conversation
 * objects. For rebuilding live state after a restart. */
int store_conversation_list_open(struct store_conn *c, int64_t tenant_id, json_t **out);

struct store_message {
	const char *sender;         /* "customer", "ai", "agent", "system" */
	int64_t sender_user_id;     /* the agent's user id, else 0 */
	const char *channel;        /* "chat", "sms", "voice", "email" */
	const char *text;
	const char *client_msg_id;  /* idempotency key from the client, or NULL */
	const json_t *nlu;          /* NLU result object or NULL */
	const json_t *quick_replies; /* the AI's quick replies: array of 1..8 non-empty
	                                strings of at most 160 bytes, or NULL (none) */
};
/* Appends a message with the conversation's next seq (1, 2, ...) atomically, adds the
 * channel to the conversation's channels and bumps updated_at. When client_msg_id is set
 * and a message with it exists in this conversation, nothing is written, *seq_out gets
 * the existing seq and the result is 1 (a duplicate), otherwise 0. -TN_ENOTFOUND for
 * another tenant's conversation, -TN_EINVAL_FIELD for a bad sender. */
int store_message_append(struct store_conn *c, int64_t tenant_id, int64_t conv_id,
                         const struct store_message *m, int64_t now, int64_t *seq_out);
/* Messages with seq > after_seq, in order, at most limit (1..10000): array of
 * {seq, sender, sender_user_id, channel, text, client_msg_id, nlu, quick_replies,
 * created_at} (quick_replies null when none). */
int store_message_list(struct store_conn *c, int64_t tenant_id, int64_t conv_id,
                       int64_t after_seq, int limit, json_t **out);

/* ---------------------------------------------------------------------------------
 * Domain: scheduling beyond booking (reads for availability, status, reschedule,
 * time off, on-call)
 * --------------------------------------------------------------------------------- */

#define STORE_APPT_STATUSES(X) X(SCHEDULED, "scheduled") X(EN_ROUTE, "en_route") \
	X(ON_SITE, "on_site") X(COMPLETED, "completed") X(CANCELLED, "cancelled")
#define STORE_ENUM_MEMBER(name, str) STORE_APPT_##name,
enum store_appt_status { STORE_APPT_STATUSES(STORE_ENUM_MEMBER) STORE_APPT__COUNT };
#undef STORE_ENUM_MEMBER
const char *store_appt_status_name(enum store_appt_status s);
int store_appt_status_parse(const char *s, enum store_appt_status *out);

/* The appointment with this job number (same shape as store_appointment_get). */
int store_appointment_get_by_job(struct store_conn *c, int64_t tenant_id,
                                 const char *job_number, json_t **out);
/* A customer's appointments, latest start first, at most limit (1..1000): array of
 * appointment objects without "slots". */
int store_appointment_list_for_customer(struct store_conn *c, int64_t tenant_id,
                                        int64_t customer_id, int limit, json_t **out);
/* Appointments that are not cancelled and overlap [from, to), by start time;
 * technician_id 0 means every technician. Same object shape, without "slots". */
int store_appointment_list_range(struct store_conn *c, int64_t tenant_id,
                                 int64_t technician_id, int64_t from, int64_t to,
                                 json_t **out);
/* Windows already booked with slot_start in [from, to): array of
 * {technician_id, slot_start, appointment_id} ordered by technician, start. */
int store_slots_taken(struct store_conn *c, int64_t tenant_id, int64_t from, int64_t to,
                      json_t **out);
/* Sets the status (not "cancelled": use store_appointment_cancel) and, when eta > 0,
 * the expected arrival. A cancelled or completed appointment cannot change:
 * -TN_ECONFLICT. */
int store_appointment_set_status(struct store_conn *c, int64_t tenant_id, int64_t appt_id,
                                 enum store_appt_status status, int64_t eta);
/* Moves a scheduled appointment to technician_id (0 keeps the current one), new start
 * and end, releasing its windows and claiming slot_starts[0..n) in one step. A taken
 * window is -TN_ECONFLICT and nothing changes. */
int store_appointment_reschedule(struct store_conn *c, int64_t tenant_id, int64_t appt_id,
                                 int64_t technician_id, int64_t start_at, int64_t end_at,
                                 const int64_t *slot_starts, size_t n);

/* Time off: [start_at, end_at) when the technician is unavailable. */
int store_time_off_add(struct store_conn *c, int64_t tenant_id, int64_t tech_id,
                       int64_t start_at, int64_t end_at, const char *reason, int64_t *id_out);
int store_time_off_remove(struct store_conn *c, int64_t tenant_id, int64_t time_off_id);
/* Time off overlapping [from, to): array of {id, technician_id, start_at, end_at, reason}. */
int store_time_off_list(struct store_conn *c, int64_t tenant_id, int64_t from, int64_t to,
                        json_t **out);

/* On-call shifts; trade NULL means any trade. */
int store_oncall_add(struct store_conn *c, int64_t tenant_id, int64_t tech_id,
                     const char *trade, int64_t start_at, int64_t end_at, int64_t *id_out);
int store_oncall_remove(struct store_conn *c, int64_t tenant_id, int64_t shift_id);
/* Shifts overlapping [from, to): array of {id, technician_id, trade, start_at, end_at}. */
int store_oncall_list(struct store_conn *c, int64_t tenant_id, int64_t from, int64_t to,
                      json_t **out);

/* ---------------------------------------------------------------------------------
 * Domain: routing records (queues, queue entries, callbacks, handoffs, agent skills)
 * These are the durable facts a restart rebuilds live routing state from.
 * --------------------------------------------------------------------------------- */

/* name unique per tenant (-TN_ECONFLICT); skill may be NULL; sla_seconds > 0. */
int store_queue_create(struct store_conn *c, int64_t tenant_id, const char *name,
                       const char *skill, int sla_seconds, int priority, int64_t *id_out);
/* Array of {id, name, skill, sla_seconds, priority, settings} ordered by id. */
int store_queue_list(struct store_conn *c, int64_t tenant_id, json_t **out);

#define STORE_ENTRY_STATUSES(X) X(WAITING, "waiting") X(OFFERED, "offered") \
	X(ASSIGNED, "assigned") X(ABANDONED, "abandoned") X(DONE, "done")
#define STORE_ENUM_MEMBER(name, str) STORE_ENTRY_##name,
enum store_entry_status { STORE_ENTRY_STATUSES(STORE_ENUM_MEMBER) STORE_ENTRY__COUNT };
#undef STORE_ENUM_MEMBER
const char *store_entry_status_name(enum store_entry_status s);
int store_entry_status_parse(const char *s, enum store_entry_status *out);

/* Puts a conversation in a queue (status waiting). A conversation is live in at most one
 * queue: -TN_ECONFLICT while it has a waiting/offered/assigned entry. sla_deadline 0 =
 * none. reason may be NULL. */
int store_queue_entry_add(struct store_conn *c, int64_t tenant_id, int64_t queue_id,
                          int64_t conv_id, int priority, const char *reason,
                          int64_t entered_at, int64_t sla_deadline, int64_t *id_out);
/* Moves an entry to status. assigned_user_id (a member of the tenant) is recorded for
 * offered/assigned (0 leaves it); assigned_at is set on "assigned", ended_at on
 * "abandoned"/"done". A finished entry (abandoned/done) cannot change: -TN_ECONFLICT. */
int store_queue_entry_update(struct store_conn *c, int64_t tenant_id, int64_t entry_id,
                             enum store_entry_status status, int64_t assigned_user_id,
                             int64_t now);
/* Moves a live entry (waiting, offered, assigned) to queue_id (0 keeps its queue) and
 * priority (1..3, 0 keeps it): a raised class or an overflow survives a restart.
 * -TN_ECONFLICT for a finished entry, -TN_ENOTFOUND for an unknown entry or another
 * tenant's queue, -TN_EINVAL_FIELD for a priority out of range. */
int store_queue_entry_move(struct store_conn *c, int64_t tenant_id, int64_t entry_id,
                           int64_t queue_id, int priority);
/* Live entries (waiting, offered, assigned), oldest first: array of {id, queue_id,
 * conversation_id, priority, reason, status, entered_at, sla_deadline, assigned_user_id,
 * assigned_at}. */
int store_queue_entry_list_live(struct store_conn *c, int64_t tenant_id, json_t **out);

#define STORE_CALLBACK_STATUSES(X) X(PENDING, "pending") X(IN_PROGRESS, "in_progress") \
	X(DONE, "done") X(CANCELLED, "cancelled") X(FAILED, "failed")
#define STORE_ENUM_MEMBER(name, str) STORE_CALLBACK_##name,
enum store_callback_status { STORE_CALLBACK_STATUSES(STORE_ENUM_MEMBER) STORE_CALLBACK__COUNT };
#undef STORE_ENUM_MEMBER
const char *store_callback_status_name(enum store_callback_status s);
int store_callback_status_parse(const char *s, enum store_callback_status *out);

struct store_callback {
	int64_t customer_id;      /* 0 = unknown */
	int64_t conversation_id;  /* 0 = none */
	const char *phone;        /* E.164, or NULL when the callback is by another channel */
	const char *reason;       /* may be NULL */
	int64_t promised_at;      /* when we promised to call back */
	const char *notes;        /* may be NULL */
};
int store_callback_create(struct store_conn *c, int64_t tenant_id,
                          const struct store_callback *cb, int64_t now, int64_t *id_out);
/* Sets status; assigned_user_id 0 leaves it; notes NULL leaves them; completed_at = now
 * when the status is done/cancelled/failed. */
int store_callback_update(struct store_conn *c, int64_t tenant_id, int64_t callback_id,
                          enum store_callback_status status, int64_t assigned_user_id,
                          const char *notes, int64_t now);
/* Open callbacks (pending, in_progress) by promised time: array of {id, customer_id,
 * conversation_id, phone, reason, promised_at, status, assigned_user_id, notes,
 * created_at, completed_at}. */
int store_callback_list_open(struct store_conn *c, int64_t tenant_id, json_t **out);

/* Records a handoff packet (the JSON object the human sees). priority 1..4; reasons a
 * JSON array of strings or NULL. */
int store_handoff_create(struct store_conn *c, int64_t tenant_id, int64_t conv_id,
                         int priority, const json_t *reasons, const json_t *packet,
                         int64_t now, int64_t *id_out);
/* The latest handoff of a conversation: {id, conversation_id, priority, reasons, packet,
 * created_at}; -TN_ENOTFOUND when none. */
int store_handoff_latest(struct store_conn *c, int64_t tenant_id, int64_t conv_id,
                         json_t **out);

/* Sets an agent's (member's) skill level 1..10; level 0 removes the skill. */
int store_agent_skill_set(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                          const char *skill, int level);
/* Array of {user_id, skill, level}; user_id 0 = every agent of the tenant. */
int store_agent_skill_list(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                           json_t **out);

/* ---------------------------------------------------------------------------------
 * Domain: outbox (messages to send through outside providers) and invoices
 * --------------------------------------------------------------------------------- */

/* Queues an outgoing message (status pending, due now). channel "sms" or "email" (or
 * any short name an adapter knows); subject may be NULL. */
int store_outbox_add(struct store_conn *c, int64_t tenant_id, const char *channel,
                     const char *recipient, const char *subject, const char *body,
                     int64_t now, int64_t *id_out);
/* Pending messages due at or before now, across all tenants (the sender is one worker
 * for the process), oldest due first, at most limit (1..1000): array of {id, tenant_id,
 * channel, recipient, subject, body, attempts, next_attempt_at, created_at}. */
int store_outbox_due(struct store_conn *c, int64_t now, int limit, json_t **out);
/* Marks a pending message sent. -TN_ENOTFOUND if it is not this tenant's pending one. */
int store_outbox_sent(struct store_conn *c, int64_t tenant_id, int64_t msg_id, int64_t now);
/* Records a failed attempt (attempts + 1, last_error). retry_at > 0 schedules the next
 * attempt; retry_at 0 gives up (status failed). */
int store_outbox_failed(struct store_conn *c, int64_t tenant_id, int64_t msg_id,
                        const char *error, int64_t retry_at);
/* A message: {id, channel, recipient, subject, body, status, attempts, next_attempt_at,
 * last_error, created_at, sent_at}. */
int store_outbox_get(struct store_conn *c, int64_t tenant_id, int64_t msg_id, json_t **out);

/* Invoices: number "INV-..." unique per tenant; appointment_id 0 = none; due_at 0 = none. */
int store_invoice_create(struct store_conn *c, int64_t tenant_id, int64_t customer_id,
                         int64_t appointment_id, const char *number, int64_t amount_cents,
                         int64_t issued_at, int64_t due_at, int64_t *id_out);
/* {id, customer_id, appointment_id, number, amount_cents, status, issued_at, due_at,
 *  paid_at}. */
int store_invoice_get_by_number(struct store_conn *c, int64_t tenant_id, const char *number,
                                json_t **out);
/* A customer's invoices, newest first. */
int store_invoice_list_for_customer(struct store_conn *c, int64_t tenant_id,
                                    int64_t customer_id, json_t **out);
/* status "open", "paid" (paid_at = now) or "void". */
int store_invoice_set_status(struct store_conn *c, int64_t tenant_id, int64_t invoice_id,
                             const char *status, int64_t now);

/* Customers of a tenant with id > after_id, by id, at most limit (1..1000): array of
 * customer objects without identities. */
int store_customer_list(struct store_conn *c, int64_t tenant_id, int64_t after_id, int limit,
                        json_t **out);

/* ---------------------------------------------------------------------------------
 * Domain: one customer across channels
 * --------------------------------------------------------------------------------- */

/* Unlinks an identity (e.g. an old phone number). -TN_ENOTFOUND when the tenant has no
 * such identity. */
int store_identity_remove(struct store_conn *c, int64_t tenant_id,
                          enum store_identity_kind kind, const char *value);
/* The customer's most recently updated conversation that is not closed, so a customer
 * who moves from chat to a call stays in one conversation. -TN_ENOTFOUND when none. */
int store_conversation_find_open(struct store_conn *c, int64_t tenant_id,
                                 int64_t customer_id, int64_t *conv_id_out);
/* A customer's conversations, most recently updated first, at most limit (1..1000). */
int store_conversation_list_for_customer(struct store_conn *c, int64_t tenant_id,
                                         int64_t customer_id, int limit, json_t **out);
/* Merges customer merge_id into keep_id (both this tenant's, different): identities,
 * conversations, appointments, invoices and callbacks move to keep_id, empty fields of
 * keep_id are filled from merge_id, and merge_id is deleted. Atomic. */
int store_customer_merge(struct store_conn *c, int64_t tenant_id, int64_t keep_id,
                         int64_t merge_id, int64_t now);

#endif
