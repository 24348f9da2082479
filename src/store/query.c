/* query.c: one statement from SQL to result, for the domain files: a row, a list, a
 * column, an integer, a status text, an insert's id, a change that must find its row,
 * existence checks, and the lists that hang off a record. */
#include "store/internal.h"
#include "base/err.h"
#include <errno.h>
#include <string.h>

/* Prepares sql into *st with the enclosing variadic function's arguments after fmt; err
 * gets the result (as store__prep). */
#define PREP_ARGS(c, st, sql, fmt, err)                     \
	do {                                                \
		va_list ap_;                                \
		va_start(ap_, fmt);                         \
		(err) = store__vprep(c, st, sql, fmt, ap_); \
		va_end(ap_);                                \
	} while (0)

/* Column 0 of every row of st as a flat JSON array in *out (owned). Finishes st. */
static int column_json(struct store_stmt *st, json_t **out)
{
	json_t *arr = json_array();
	int rc = arr ? STORE_ROW : -ENOMEM;
	*out = NULL;
	while (rc == STORE_ROW && (rc = store_step(st)) == STORE_ROW)
		if (json_array_append_new(arr, store__col_json(st, 0)))
			rc = -ENOMEM;
	store_stmt_finish(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int store__one_jsonf(struct store_conn *c, json_t **out, const char *sql, const char *fmt,
                     ...)
{
	struct store_stmt *st;
	int err;
	PREP_ARGS(c, &st, sql, fmt, err);
	return err ? err : store__one_json(st, out);
}

int store__all_jsonf(struct store_conn *c, json_t **out, const char *sql, const char *fmt,
                     ...)
{
	struct store_stmt *st;
	int err;
	PREP_ARGS(c, &st, sql, fmt, err);
	return err ? err : store__all_json(st, out);
}

int store__column_jsonf(struct store_conn *c, json_t **out, const char *sql,
                        const char *fmt, ...)
{
	struct store_stmt *st;
	int err;
	*out = NULL;
	PREP_ARGS(c, &st, sql, fmt, err);
	return err ? err : column_json(st, out);
}

int store__one_int64f(struct store_conn *c, int64_t *out, const char *sql, const char *fmt,
                      ...)
{
	struct store_stmt *st;
	int err;
	PREP_ARGS(c, &st, sql, fmt, err);
	return err ? err : store__one_int64(st, out);
}

int store__one_textf(struct store_conn *c, char *buf, size_t n, const char *sql,
                     const char *fmt, ...)
{
	struct store_stmt *st;
	int err;
	PREP_ARGS(c, &st, sql, fmt, err);
	if (err)
		return err;
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		const char *s = store_col_text(st, 0);
		size_t len = s ? strnlen(s, n - 1) : 0;
		memcpy(buf, s ? s : "", len);
		buf[len] = '\0';
	} else {
		err = rc < 0 ? rc : -TN_ENOTFOUND;
	}
	store_stmt_finish(st);
	return err;
}

int store__insertf(struct store_conn *c, int64_t *id_out, const char *sql, const char *fmt,
                   ...)
{
	struct store_stmt *st;
	int err;
	PREP_ARGS(c, &st, sql, fmt, err);
	if (err || (err = store__run(st)))
		return err;
	if (id_out)
		*id_out = store_last_insert_id(c);
	return 0;
}

int store__changef(struct store_conn *c, const char *sql, const char *fmt, ...)
{
	struct store_stmt *st;
	int err;
	PREP_ARGS(c, &st, sql, fmt, err);
	return store__changed(c, err ? err : store__run(st));
}

int store__changed(struct store_conn *c, int err)
{
	if (!err && store_changes(c) == 0)
		err = -TN_ENOTFOUND;
	return err;
}

int store__exists(struct store_conn *c, const char *sql_exists, int64_t tenant_id,
                  int64_t id)
{
	int64_t one;
	return store__one_int64f(c, &one, sql_exists, "ii", tenant_id, id);
}

int store__tenant_exists(struct store_conn *c, int64_t tenant_id)
{
	int64_t one;
	return store__one_int64f(c, &one, "SELECT 1 FROM tenants WHERE id = ?", "i", tenant_id);
}

int store__member_exists(struct store_conn *c, int64_t tenant_id, int64_t user_id)
{
	return store__exists(c, "SELECT 1 FROM memberships WHERE tenant_id = ? AND user_id = ?",
	                     tenant_id, user_id);
}

int store__check_member(struct store_conn *c, int64_t tenant_id, int64_t user_id)
{
	int err = store__member_exists(c, tenant_id, user_id);
	return err == -TN_ENOTFOUND ? -TN_EINVAL_FIELD : err;
}

/* Sets obj[key] to the rows of sql bound with (tenant_id, id): objects, or column 0's
 * values when column. */
static int add_list(struct store_conn *c, json_t *obj, const char *key, bool column,
                    const char *sql, int64_t tenant_id, int64_t id)
{
	struct store_stmt *st;
	json_t *v = NULL;
	int err = store__prep(c, &st, sql, "ii", tenant_id, id);
	if (!err)
		err = column ? column_json(st, &v) : store__all_json(st, &v);
	if (!err && json_object_set_new(obj, key, v))
		err = -ENOMEM;
	return err;
}

int store__add_rows(struct store_conn *c, json_t *obj, const char *key, const char *sql,
                    int64_t tenant_id, int64_t id)
{
	return add_list(c, obj, key, false, sql, tenant_id, id);
}

int store__add_column(struct store_conn *c, json_t *obj, const char *key, const char *sql,
                      int64_t tenant_id, int64_t id)
{
	return add_list(c, obj, key, true, sql, tenant_id, id);
}

int store__customer_rows(struct store_conn *c, json_t **out, const char *sql,
                         int64_t tenant_id, int64_t customer_id, int limit)
{
	if (limit < 1 || limit > 1000)
		return -TN_EINVAL_FIELD;
	int err = store__exists(c, STORE__SQL_CUSTOMER_EXISTS, tenant_id, customer_id);
	return err ? err : store__all_jsonf(c, out, sql, "iii", tenant_id, customer_id,
	                                    (int64_t)limit);
}

int store__page(struct store_conn *c, json_t **out, const char *sql, int64_t tenant_id,
                int64_t after_id, int limit)
{
	if (limit < 1 || limit > 1000)
		return -TN_EINVAL_FIELD;
	return store__all_jsonf(c, out, sql, "iii", tenant_id, after_id, (int64_t)limit);
}

int store__drop_on_error(json_t **out, int err)
{
	if (err) {
		json_decref(*out);
		*out = NULL;
	}
	return err;
}
