/* internal.h: what the store's own files share (connections, migrations, helpers). */
#ifndef TANDEM_STORE_INTERNAL_H
#define TANDEM_STORE_INTERNAL_H

#include "store/store.h"
#include <sqlite3.h>

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
/* 0 when the row (tenant_id, id) exists in table, -TN_ENOTFOUND when not. table must be
 * one of the store's own constant table names. */
int store__exists(struct store_conn *c, const char *sql_exists, int64_t tenant_id,
                  int64_t id);

/* Prepares sql and binds arguments by format, one character a parameter:
 *   i int64_t   I int64_t, 0 binds NULL (optional ids)   b bool (int)
 *   d double    t const char * (NULL binds NULL)          j const json_t * (NULL: NULL)
 * On failure nothing is left in use. */
int store__prep(struct store_conn *c, struct store_stmt **st, const char *sql,
                const char *fmt, ...);
/* Prepares, binds, runs to completion (no rows expected) and finishes. */
int store__execf(struct store_conn *c, const char *sql, const char *fmt, ...);
/* A nested savepoint around a multi-statement domain write, so the function is atomic
 * even when its job goes on after it failed. end() releases on err == 0 (or > 0), else
 * rolls back; it returns err. */
int store__sp_begin(struct store_conn *c);
int store__sp_end(struct store_conn *c, int err);

/* Validation shared by the domain files. */
bool store__valid_zip(const char *zip);
bool store__valid_text(const char *s, size_t max);  /* non-empty, at most max bytes */

#endif
