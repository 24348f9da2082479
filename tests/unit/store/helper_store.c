/* helper_store.c: shared helpers for the store's unit tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_store.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/jsonx.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *th_tmpdir(void)
{
	char tmpl[] = "/tmp/tandem-store-test-XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	char *out = strdup(d);
	assert_non_null(out);
	return out;
}

void th_rmdir(char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char *p = th_path(dir, e->d_name);
			unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

char *th_path(const char *dir, const char *name)
{
	struct buf b = BUF_INIT;
	assert_int_equal(buf_printf(&b, "%s/%s", dir, name), 0);
	return buf_take(&b);
}

struct store *th_open(const char *path)
{
	struct store *s = NULL;
	int rc = store_open(path, &s);
	if (rc)
		fail_msg("store_open(%s) = %d (%s)", path, rc, tn_strerror(rc));
	assert_non_null(s);
	return s;
}

char *th_dump(const json_t *v)
{
	struct buf b = BUF_INIT;
	if (v)
		assert_int_equal(jsonx_dump(&b, v), 0);
	else
		buf_puts(&b, "");
	char *s = buf_take(&b);
	assert_non_null(s);
	return s;
}

int64_t th_scalar(struct store_conn *c, const char *sql)
{
	struct store_stmt *st = NULL;
	assert_int_equal(store_prepare(c, sql, &st), 0);
	int rc = store_step(st);
	assert_true(rc >= 0);
	int64_t v = rc == STORE_ROW ? store_col_int64(st, 0) : -1;
	store_stmt_finish(st);
	return v;
}
