/* query.c: one statement from SQL to result, for the domain files: a row, a list, a
 * column, an insert's id, a change that must find its row, existence checks. */
#include "store/internal.h"
#include "base/err.h"
#include <errno.h>
#include <string.h>

int store__one_jsonf(struct store_conn *c, json_t **out, const char *sql, const char *fmt,
                     ...)
{
	struct store_stmt *st;
	va_list ap;
	va_start(ap, fmt);
	int err = store__vprep(c, &st, sql, fmt, ap);
	va_end(ap);
	return err ? err : store__one_json(st, out);
}

int store__all_jsonf(struct store_conn *c, json_t **out, const char *sql, const char *fmt,
                     ...)
{
	struct store_stmt *st;
	va_list ap;
	va_start(ap, fmt);
	int err = store__vprep(c, &st, sql, fmt, ap);
	va_end(ap);
	return err ? err : store__all_json(st, out);
}

int store__column_jsonf(struct store_conn *c, json_t **out, const char *sql,
                        const char *fmt, ...)
{
	struct store_stmt *st;
	*out = NULL;
	va_list ap;
	va_start(ap, fmt);
	int err = store__vprep(c, &st, sql, fmt, ap);
	va_end(ap);
	if (err)
		return err;
	json_t *arr = json_array();
	int rc = arr ? STORE_ROW : -ENOMEM;
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

int store__one_int64f(struct store_conn *c, int64_t *out, const char *sql, const char *fmt,
                      ...)
{
	struct store_stmt *st;
	va_list ap;
	va_start(ap, fmt);
	int err = store__vprep(c, &st, sql, fmt, ap);
	va_end(ap);
	return err ? err : store__one_int64(st, out);
}

int store__one_textf(struct store_conn *c, char *buf, size_t n, const char *sql,
                     const char *fmt, ...)
{
	struct store_stmt *st;
	va_list ap;
	va_start(ap, fmt);
	int err = store__vprep(c, &st, sql, fmt, ap);
	va_end(ap);
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
	va_list ap;
	va_start(ap, fmt);
	int err = store__vprep(c, &st, sql, fmt, ap);
	va_end(ap);
	if (err || (err = store__run(st)))
		return err;
	if (id_out)
		*id_out = store_last_insert_id(c);
	return 0;
}

int store__changef(struct store_conn *c, const char *sql, const char *fmt, ...)
{
	struct store_stmt *st;
	va_list ap;
	va_start(ap, fmt);
	int err = store__vprep(c, &st, sql, fmt, ap);
	va_end(ap);
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

int store__drop_on_error(json_t **out, int err)
{
	if (err) {
		json_decref(*out);
		*out = NULL;
	}
	return err;
}
