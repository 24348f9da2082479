/* conn.c: SQLite connections, the per-connection statement cache and the statement API. */
#include "store/internal.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/jsonx.h"
#include "base/log.h"
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define BUSY_TIMEOUT_MS 10000

int store__err(struct store_conn *c, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_CONSTRAINT:
		switch (rc) {
		case SQLITE_CONSTRAINT_CHECK:
		case SQLITE_CONSTRAINT_NOTNULL:
			return -TN_EINVAL_FIELD;
		default:
			return -TN_ECONFLICT;
		}
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
		return -EPERM;
	case SQLITE_MISUSE:
	case SQLITE_RANGE:
		return -EINVAL;
	default:
		log_error("store: database error %d: %s", rc,
		          c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		return -TN_ESTORE;
	}
}

static int pragma(struct store_conn *c, const char *sql)
{
	return store_exec(c, sql);
}

int store__conn_open(const char *path, bool writer, struct store_conn **out)
{
	int err = 0;
	struct store_conn *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->writer = writer;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
	            SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(path, &c->db, flags, NULL);
	if (rc != SQLITE_OK) {
		log_error("store: cannot open database '%s': %s", path,
		          c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		err = rc == SQLITE_NOMEM ? -ENOMEM : -TN_ESTORE;
		goto out;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	if ((err = pragma(c, "PRAGMA foreign_keys=ON")) ||
	    (err = pragma(c, "PRAGMA synchronous=FULL")))
		goto out;
	if (!writer && (err = pragma(c, "PRAGMA query_only=ON")))
		goto out;
out:
	if (err) {
		store__conn_close(c);
		c = NULL;
	}
	*out = c;
	return err;
}

void store__conn_close(struct store_conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < STORE__CACHE_BUCKETS; i++) {
		struct store_stmt *st = c->buckets[i];
		while (st) {
			struct store_stmt *next = st->next;
			sqlite3_finalize(st->st);
			free(st->sql);
			free(st);
			st = next;
		}
	}
	if (c->db && sqlite3_close(c->db) != SQLITE_OK)
		log_error("store: close failed: %s", sqlite3_errmsg(c->db));
	free(c);
}

int store__conn_release_all(struct store_conn *c)
{
	int n = 0;
	for (int i = 0; i < STORE__CACHE_BUCKETS; i++)
		for (struct store_stmt *st = c->buckets[i]; st; st = st->next)
			if (st->in_use) {
				sqlite3_reset(st->st);
				sqlite3_clear_bindings(st->st);
				st->in_use = false;
				n++;
			}
	return n;
}

int store__exec_script(struct store_conn *c, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		log_error("store: script failed: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return store__err(NULL, rc) == -ENOMEM ? -ENOMEM : -TN_ESTORE;
	}
	return 0;
}

static unsigned hash_sql(const char *s)
{
	unsigned h = 2166136261u;  /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int store_prepare(struct store_conn *c, const char *sql, struct store_stmt **out)
{
	*out = NULL;
	if (!c || !sql)
		return -EINVAL;
	unsigned h = hash_sql(sql);
	struct store_stmt **bucket = &c->buckets[h % STORE__CACHE_BUCKETS];
	bool cache = true;
	for (struct store_stmt *st = *bucket; st; st = st->next) {
		if (st->hash == h && !strcmp(st->sql, sql)) {
			if (!st->in_use) {
				st->in_use = true;
				*out = st;
				return 0;
			}
			cache = false;  /* nested use of the same text */
			break;
		}
	}
	if (c->n_cached >= STORE__CACHE_MAX)
		cache = false;  /* bounded: SQL built at run time must not grow the cache forever */
	struct store_stmt *st = calloc(1, sizeof *st);
	if (!st)
		return -ENOMEM;
	st->sql = strdup(sql);
	if (!st->sql) {
		free(st);
		return -ENOMEM;
	}
	int rc = sqlite3_prepare_v3(c->db, sql, -1, cache ? SQLITE_PREPARE_PERSISTENT : 0,
	                            &st->st, NULL);
	if (rc != SQLITE_OK) {
		log_error("store: cannot prepare '%s': %s", sql, sqlite3_errmsg(c->db));
		free(st->sql);
		free(st);
		return rc == SQLITE_NOMEM ? -ENOMEM : -EINVAL;
	}
	st->conn = c;
	st->hash = h;
	st->cached = cache;
	st->in_use = true;
	if (cache) {
		st->next = *bucket;
		*bucket = st;
		c->n_cached++;
	}
	*out = st;
	return 0;
}

void store_stmt_finish(struct store_stmt *st)
{
	if (!st)
		return;
	if (!st->cached) {
		sqlite3_finalize(st->st);
		free(st->sql);
		free(st);
		return;
	}
	sqlite3_reset(st->st);
	sqlite3_clear_bindings(st->st);
	st->in_use = false;
}

static int bind_rc(struct store_stmt *st, int rc)
{
	return rc == SQLITE_OK ? 0 : store__err(st->conn, rc);
}

int store_bind_int64(struct store_stmt *st, int idx, int64_t v)
{
	return bind_rc(st, sqlite3_bind_int64(st->st, idx, v));
}

int store_bind_double(struct store_stmt *st, int idx, double v)
{
	return bind_rc(st, sqlite3_bind_double(st->st, idx, v));
}

int store_bind_text(struct store_stmt *st, int idx, const char *s, int len)
{
	if (!s)
		return store_bind_null(st, idx);
	return bind_rc(st, sqlite3_bind_text(st->st, idx, s, len, SQLITE_TRANSIENT));
}

int store_bind_blob(struct store_stmt *st, int idx, const void *p, size_t len)
{
	if (!p && len)
		return -EINVAL;
	return bind_rc(st, sqlite3_bind_blob64(st->st, idx, p ? p : "", len, SQLITE_TRANSIENT));
}

int store_bind_null(struct store_stmt *st, int idx)
{
	return bind_rc(st, sqlite3_bind_null(st->st, idx));
}

int store_bind_json(struct store_stmt *st, int idx, const json_t *v)
{
	if (!v)
		return store_bind_null(st, idx);
	struct buf b = BUF_INIT;
	int err = jsonx_dump(&b, v);
	if (!err)
		err = store_bind_text(st, idx, b.data ? b.data : "null", (int)b.len);
	buf_free(&b);
	return err;
}

int store_step(struct store_stmt *st)
{
	int rc = sqlite3_step(st->st);
	if (rc == SQLITE_ROW)
		return STORE_ROW;
	if (rc == SQLITE_DONE)
		return STORE_DONE;
	/* Constraint failures are ordinary outcomes (a taken slug, a booked slot). */
	int err = store__err(st->conn, rc);
	sqlite3_reset(st->st);
	return err;
}

int store_col_count(struct store_stmt *st)
{
	return sqlite3_column_count(st->st);
}

bool store_col_is_null(struct store_stmt *st, int col)
{
	return sqlite3_column_type(st->st, col) == SQLITE_NULL;
}

int64_t store_col_int64(struct store_stmt *st, int col)
{
	return sqlite3_column_int64(st->st, col);
}

double store_col_double(struct store_stmt *st, int col)
{
	return sqlite3_column_double(st->st, col);
}

const char *store_col_text(struct store_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st->st, col);
}

const void *store_col_blob(struct store_stmt *st, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(st->st, col);
	if (len)
		*len = (size_t)sqlite3_column_bytes(st->st, col);
	return p;
}

const char *store_col_name(struct store_stmt *st, int col)
{
	return sqlite3_column_name(st->st, col);
}

json_t *store__col_json(struct store_stmt *st, int col)
{
	const char *decl = sqlite3_column_decltype(st->st, col);
	int type = sqlite3_column_type(st->st, col);
	if (type == SQLITE_NULL)
		return json_null();
	if (decl && !strcmp(decl, "BOOLEAN"))
		return json_boolean(sqlite3_column_int64(st->st, col) != 0);
	if (decl && !strcmp(decl, "JSON")) {
		const char *s = (const char *)sqlite3_column_text(st->st, col);
		int n = sqlite3_column_bytes(st->st, col);
		json_t *v = s ? json_loadb(s, (size_t)n, JSON_DECODE_ANY, NULL) : NULL;
		if (v)
			return v;
		/* Stored text that is not JSON: hand it back as a string, never lose it. */
	}
	switch (type) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st->st, col));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st->st, col));
	default: {
		const char *s = (const char *)sqlite3_column_text(st->st, col);
		int n = sqlite3_column_bytes(st->st, col);
		return json_stringn_nocheck(s ? s : "", (size_t)n);
	}
	}
}

json_t *store_row_json(struct store_stmt *st)
{
	json_t *obj = json_object();
	if (!obj)
		return NULL;
	int n = sqlite3_column_count(st->st);
	for (int i = 0; i < n; i++) {
		json_t *v = store__col_json(st, i);
		if (!v || json_object_set_new(obj, sqlite3_column_name(st->st, i), v)) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

int store_exec(struct store_conn *c, const char *sql)
{
	struct store_stmt *st;
	int err = store_prepare(c, sql, &st);
	if (err)
		return err;
	int rc;
	while ((rc = store_step(st)) == STORE_ROW)
		;
	store_stmt_finish(st);
	return rc < 0 ? rc : 0;
}

int store_read_begin(struct store_conn *c)
{
	if (!c || c->writer || c->in_read)
		return -EINVAL;
	int err = store_exec(c, "BEGIN");
	if (!err)
		c->in_read = true;
	return err;
}

void store_read_end(struct store_conn *c)
{
	if (!c || !c->in_read)
		return;
	store__conn_release_all(c);
	if (store_exec(c, "COMMIT"))
		store_exec(c, "ROLLBACK");
	c->in_read = false;
}

int64_t store_last_insert_id(struct store_conn *c)
{
	return sqlite3_last_insert_rowid(c->db);
}

int store_changes(struct store_conn *c)
{
	return sqlite3_changes(c->db);
}

/* ---- helpers for the domain files ---- */

int store__run(struct store_stmt *st)
{
	int rc;
	while ((rc = store_step(st)) == STORE_ROW)
		;
	store_stmt_finish(st);
	return rc < 0 ? rc : 0;
}

int store__one_json(struct store_stmt *st, json_t **out)
{
	*out = NULL;
	int rc = store_step(st);
	int err = 0;
	if (rc == STORE_ROW) {
		*out = store_row_json(st);
		if (!*out)
			err = -ENOMEM;
	} else {
		err = rc < 0 ? rc : -TN_ENOTFOUND;
	}
	store_stmt_finish(st);
	return err;
}

int store__all_json(struct store_stmt *st, json_t **out)
{
	int err = 0, rc;
	json_t *arr = json_array();
	*out = NULL;
	if (!arr) {
		err = -ENOMEM;
		goto out;
	}
	while ((rc = store_step(st)) == STORE_ROW) {
		json_t *row = store_row_json(st);
		if (!row || json_array_append_new(arr, row)) {
			err = -ENOMEM;
			goto out;
		}
	}
	if (rc < 0)
		err = rc;
out:
	store_stmt_finish(st);
	if (err)
		json_decref(arr);
	else
		*out = arr;
	return err;
}

int store__one_int64(struct store_stmt *st, int64_t *out)
{
	int rc = store_step(st);
	int err = 0;
	if (rc == STORE_ROW)
		*out = store_col_int64(st, 0);
	else
		err = rc < 0 ? rc : -TN_ENOTFOUND;
	store_stmt_finish(st);
	return err;
}

static int bind_va(struct store_stmt *st, const char *fmt, va_list ap)
{
	int err = 0;
	for (int i = 0; fmt[i] && !err; i++) {
		int idx = i + 1;
		switch (fmt[i]) {
		case 'i':
			err = store_bind_int64(st, idx, va_arg(ap, int64_t));
			break;
		case 'I': {
			int64_t v = va_arg(ap, int64_t);
			err = v ? store_bind_int64(st, idx, v) : store_bind_null(st, idx);
			break;
		}
		case 'b':
			err = store_bind_int64(st, idx, va_arg(ap, int) ? 1 : 0);
			break;
		case 'd':
			err = store_bind_double(st, idx, va_arg(ap, double));
			break;
		case 't':
			err = store_bind_text(st, idx, va_arg(ap, const char *), -1);
			break;
		case 'j':
			err = store_bind_json(st, idx, va_arg(ap, const json_t *));
			break;
		default:
			err = -EINVAL;
		}
	}
	return err;
}

int store__vprep(struct store_conn *c, struct store_stmt **st, const char *sql,
                 const char *fmt, va_list ap)
{
	int err = store_prepare(c, sql, st);
	if (err)
		return err;
	if ((err = bind_va(*st, fmt, ap))) {
		store_stmt_finish(*st);
		*st = NULL;
	}
	return err;
}

int store__prep(struct store_conn *c, struct store_stmt **st, const char *sql,
                const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int err = store__vprep(c, st, sql, fmt, ap);
	va_end(ap);
	return err;
}

int store__execf(struct store_conn *c, const char *sql, const char *fmt, ...)
{
	struct store_stmt *st;
	va_list ap;
	va_start(ap, fmt);
	int err = store__vprep(c, &st, sql, fmt, ap);
	va_end(ap);
	return err ? err : store__run(st);
}

int store__sp_begin(struct store_conn *c)
{
	return store_exec(c, "SAVEPOINT domain");
}

int store__sp_end(struct store_conn *c, int err)
{
	if (err < 0) {
		store_exec(c, "ROLLBACK TO domain");
		store_exec(c, "RELEASE domain");
		return err;
	}
	int e = store_exec(c, "RELEASE domain");
	return e ? e : err;
}

bool store__valid_zip(const char *zip)
{
	if (!zip || strlen(zip) != 5)
		return false;
	for (int i = 0; i < 5; i++)
		if (zip[i] < '0' || zip[i] > '9')
			return false;
	return true;
}

bool store__valid_text(const char *s, size_t max)
{
	return s && *s && strlen(s) <= max;
}
