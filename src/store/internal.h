/* internal.h: what the store's own files share (connections, migrations, helpers). */
#ifndef TANDEM_STORE_INTERNAL_H
#define TANDEM_STORE_INTERNAL_H

#include "store/store.h"
#include <sqlite3.h>
#include <stdarg.h>

#define STORE__CACHE_BUCKETS 64
#define STORE__CACHE_MAX 512  /* statements kept per connection; more are not cached */

struct store_stmt {
	sqlite3_stmt *st;
	struct store_conn *conn;
	char *sql;                /* owned copy; the cache key */
	unsigned hash;
	bool cached;              /* false: finalized by store_stmt_finish */
	bool in_use;
	struct store_stmt *next;  /* bucket chain */
};

struct store_conn {
	sqlite3 *db;
	bool writer;
	bool in_read;  /* between store_read_begin and store_read_end */
	int n_cached;
	struct store_stmt *buckets[STORE__CACHE_BUCKETS];
};

/* Opens a connection on path (a filename or an SQLite URI) and applies the per-connection
 * settings (busy timeout, foreign keys, synchronous=FULL; query_only for readers). */
int store__conn_open(const char *path, bool writer, struct store_conn **out);
/* Finalizes every statement and closes. NULL is ignored. */
void store__conn_close(struct store_conn *c);
/* Resets every statement still marked in use (after a job forgot to finish one). Returns
 * how many were reset. */
int store__conn_release_all(struct store_conn *c);
/* Runs a whole script of statements without parameters (migrations). */
int store__exec_script(struct store_conn *c, const char *sql);
/* Maps an SQLite result code (extended) to a tandem error. */
int store__err(struct store_conn *c, int rc);

/* Applies pending migrations on c (the write connection). */
int store__migrate(struct store_conn *c);

/* Helpers for domain code. */
/* Runs st to completion (expecting no rows) and finishes it. */
int store__run(struct store_stmt *st);
/* Steps once: one row as a JSON object in *out (owned), or -TN_ENOTFOUND. Finishes st. */
int store__one_json(struct store_stmt *st, json_t **out);
/* All rows as a JSON array of objects in *out (owned). Finishes st. */
int store__all_json(struct store_stmt *st, json_t **out);
/* Steps once and reads column 0 as an integer; -TN_ENOTFOUND when no row. Finishes st. */
int store__one_int64(struct store_stmt *st, int64_t *out);
/* 0 when sql_exists (tenant_id, id) finds a row, -TN_ENOTFOUND when not. sql_exists is
 * one of the store's own constant statements (STORE__SQL_*_EXISTS below). */
int store__exists(struct store_conn *c, const char *sql_exists, int64_t tenant_id,
                  int64_t id);

/* Prepares sql and binds arguments by format, one character a parameter:
 *   i int64_t   I int64_t, 0 binds NULL (optional ids)   b bool (int)
 *   d double    t const char * (NULL binds NULL)          j const json_t * (NULL: NULL)
 * On failure nothing is left in use. */
int store__prep(struct store_conn *c, struct store_stmt **st, const char *sql,
                const char *fmt, ...);
/* store__prep with the arguments in a va_list. */
int store__vprep(struct store_conn *c, struct store_stmt **st, const char *sql,
                 const char *fmt, va_list ap);
/* Prepares, binds, runs to completion (no rows expected) and finishes. */
int store__execf(struct store_conn *c, const char *sql, const char *fmt, ...);
/* The JSON value of column col of the current row, as store_row_json makes it. New
 * reference, NULL on ENOMEM. */
json_t *store__col_json(struct store_stmt *st, int col);

/* One statement from SQL to result (query.c): each prepares sql, binds the arguments by
 * fmt (as store__prep), runs and finishes it; nothing is left in use. */
/* One row as a JSON object in *out (owned), or -TN_ENOTFOUND. */
int store__one_jsonf(struct store_conn *c, json_t **out, const char *sql, const char *fmt,
                     ...);
/* Every row as a JSON array of objects in *out (owned). */
int store__all_jsonf(struct store_conn *c, json_t **out, const char *sql, const char *fmt,
                     ...);
/* Column 0 of every row as a flat JSON array in *out (owned): ["hvac", "plumbing"]. */
int store__column_jsonf(struct store_conn *c, json_t **out, const char *sql,
                        const char *fmt, ...);
/* Column 0 of the first row as an integer in *out, or -TN_ENOTFOUND. */
int store__one_int64f(struct store_conn *c, int64_t *out, const char *sql, const char *fmt,
                      ...);
/* Column 0 of the first row as text in buf (n bytes, cut short if longer; "" for NULL),
 * or -TN_ENOTFOUND. For status columns read back into an enum with its _parse(). */
int store__one_textf(struct store_conn *c, char *buf, size_t n, const char *sql,
                     const char *fmt, ...);
/* Runs an INSERT; on success *id_out (when not NULL) gets the new row's id. */
int store__insertf(struct store_conn *c, int64_t *id_out, const char *sql, const char *fmt,
                   ...);
/* Runs an UPDATE or DELETE of rows that must be there: -TN_ENOTFOUND when it changed none. */
int store__changef(struct store_conn *c, const char *sql, const char *fmt, ...);
/* err, or -TN_ENOTFOUND when err is 0 and the last statement on c changed no row. */
int store__changed(struct store_conn *c, int err);

/* Existence checks: 0, -TN_ENOTFOUND, or a store error. */
int store__tenant_exists(struct store_conn *c, int64_t tenant_id);
/* user_id is a member of tenant_id. */
int store__member_exists(struct store_conn *c, int64_t tenant_id, int64_t user_id);
/* A user named in a record (an owner, an assignee) must be a member of the tenant: 0, or
 * -TN_EINVAL_FIELD when not, or a store error. */
int store__check_member(struct store_conn *c, int64_t tenant_id, int64_t user_id);
/* The store__exists statements of rows that other rows point at. */
#define STORE__SQL_CUSTOMER_EXISTS "SELECT 1 FROM customers WHERE tenant_id = ? AND id = ?"
#define STORE__SQL_CONVERSATION_EXISTS \
	"SELECT 1 FROM conversations WHERE tenant_id = ? AND id = ?"
#define STORE__SQL_TECHNICIAN_EXISTS "SELECT 1 FROM technicians WHERE tenant_id = ? AND id = ?"
#define STORE__SQL_QUEUE_EXISTS "SELECT 1 FROM queues WHERE tenant_id = ? AND id = ?"

/* The lists that hang off a record: obj[key] becomes the rows of sql bound with
 * (tenant_id, id), as objects (add_rows) or as column 0's values (add_column). 0 or an
 * error (obj may then lack key: drop it). */
int store__add_rows(struct store_conn *c, json_t *obj, const char *key, const char *sql,
                    int64_t tenant_id, int64_t id);
int store__add_column(struct store_conn *c, json_t *obj, const char *key, const char *sql,
                      int64_t tenant_id, int64_t id);
/* For a read that fills *out in several steps: when err is not 0, drops *out and sets it
 * to NULL. Returns err. */
int store__drop_on_error(json_t **out, int err);

/* A customer's records into *out: sql binds (tenant_id, customer_id, limit).
 * -TN_EINVAL_FIELD for a limit outside 1..1000, -TN_ENOTFOUND when the customer is not
 * the tenant's. */
int store__customer_rows(struct store_conn *c, json_t **out, const char *sql,
                         int64_t tenant_id, int64_t customer_id, int limit);
/* A page of the tenant's rows after after_id into *out: sql binds (tenant_id, after_id,
 * limit). -TN_EINVAL_FIELD for a limit outside 1..1000. */
int store__page(struct store_conn *c, json_t **out, const char *sql, int64_t tenant_id,
                int64_t after_id, int limit);

/* A nested savepoint around a multi-statement domain write, so the function is atomic
 * even when its job goes on after it failed. end() releases on err == 0 (or > 0), else
 * rolls back; it returns err. */
int store__sp_begin(struct store_conn *c);
int store__sp_end(struct store_conn *c, int err);

/* Validation shared by the domain files. */
bool store__valid_zip(const char *zip);
bool store__valid_text(const char *s, size_t max);  /* non-empty, at most max bytes */

#endif
