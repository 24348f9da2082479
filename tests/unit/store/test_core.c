/* test_core.c: opening, migrations, refusing a newer schema, durability across reopen,
 * connection settings and the statement API (cache, binding, errors, JSON rows). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_store.h"
#include "base/err.h"
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

static const char *const expected_tables[] = {
	"tenants", "business_hours", "holidays", "service_zips", "services", "users",
	"memberships", "sessions", "api_keys", "login_attempts", "customers",
	"customer_identities", "conversations", "messages", "handoffs", "agent_skills", "queues",
	"queue_entries", "callbacks", "technicians", "technician_trades", "technician_hours",
	"technician_zips", "time_off", "oncall_shifts", "appointments", "appointment_slots",
	"invoices", "kb_articles", "events", "outbox",
};

static int64_t table_exists(struct store_conn *c, const char *name)
{
	struct store_stmt *st;
	assert_int_equal(store_prepare(c,
		"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", &st), 0);
	assert_int_equal(store_bind_text(st, 1, name, -1), 0);
	assert_int_equal(store_step(st), STORE_ROW);
	int64_t n = store_col_int64(st, 0);
	store_stmt_finish(st);
	return n;
}

/* Lookups on hot paths go through their own index, never a walk of the tenant's rows:
 * a customer's identities (every AI turn) and a conversation's callback. */
static void plan_uses(struct store_conn *r, const char *sql, const char *index)
{
	struct store_stmt *st;
	assert_int_equal(store_prepare(r, sql, &st), 0);
	bool via_index = false, sorts = false;
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		const char *detail = store_col_text(st, 3);
		if (detail && strstr(detail, index))
			via_index = true;
		if (detail && strstr(detail, "TEMP B-TREE"))
			sorts = true;
	}
	assert_int_equal(rc, STORE_DONE);
	store_stmt_finish(st);
	if (!via_index || sorts)
		fail_msg("%s: plan does not use %s alone", sql, index);
}

static void test_identity_lookup_uses_customer_index(void **state)
{
	(void)state;
	struct store *s = th_open(":memory:");
	struct store_conn *r = store_reader(s);
	plan_uses(r, "EXPLAIN QUERY PLAN SELECT kind, value FROM customer_identities "
		     "WHERE tenant_id = ? AND customer_id = ? ORDER BY kind, value",
		  "customer_identities_customer");
	plan_uses(r, "EXPLAIN QUERY PLAN SELECT id FROM callbacks "
		     "WHERE tenant_id = ? AND conversation_id = ?",
		  "callbacks_conversation");
	store_close(s);
}

static void test_migrate_from_empty_and_reopen(void **state)
{
	(void)state;
	char *dir = th_tmpdir();
	char *path = th_path(dir, "t.db");
	struct store *s = th_open(path);
	struct store_conn *r = store_reader(s);
	for (size_t i = 0; i < sizeof expected_tables / sizeof expected_tables[0]; i++) {
		if (table_exists(r, expected_tables[i]) != 1)
			fail_msg("table %s missing", expected_tables[i]);
	}
	assert_int_equal(th_scalar(r, "SELECT MAX(version) FROM schema_migrations"),
	                 store_schema_version());
	int64_t applied = th_scalar(r, "SELECT COUNT(*) FROM schema_migrations");
	assert_int_equal(applied, store_schema_version());
	store_close(s);

	/* Re-opening applies nothing twice. */
	s = th_open(path);
	r = store_reader(s);
	assert_int_equal(th_scalar(r, "SELECT COUNT(*) FROM schema_migrations"), applied);
	assert_int_equal(table_exists(r, "tenants"), 1);
	store_close(s);
	free(path);
	th_rmdir(dir);
}

struct fx {
	int64_t version;
	int64_t id;
	int64_t sync, fk, journal_ok;
	int rc;
};

TH_JOB(job_future, fx,
	struct store_stmt *st;
	int err = store_prepare(c,
		"INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)", &st);
	if (err)
		return err;
	store_bind_int64(st, 1, f->version);
	err = store_step(st);
	store_stmt_finish(st);
	return err < 0 ? err : 0;)

struct opener {
	const char *path;
	uv_barrier_t *barrier;
	struct store *s;
	int rc;
};

static void opener_main(void *arg)
{
	struct opener *o = arg;
	uv_barrier_wait(o->barrier);
	o->rc = store_open(o->path, &o->s);
}

/* Two processes (here: two stores) opening one new file at once apply each migration
 * exactly once and both end up usable. */
static void test_concurrent_open_migrates_once(void **state)
{
	(void)state;
	for (int round = 0; round < 5; round++) {
		char *dir = th_tmpdir();
		char *path = th_path(dir, "race.db");
		uv_barrier_t barrier;
		uv_barrier_init(&barrier, 2);
		struct opener a = {path, &barrier, NULL, 1}, b = {path, &barrier, NULL, 1};
		uv_thread_t ta, tb;
		assert_int_equal(uv_thread_create(&ta, opener_main, &a), 0);
		assert_int_equal(uv_thread_create(&tb, opener_main, &b), 0);
		uv_thread_join(&ta);
		uv_thread_join(&tb);
		uv_barrier_destroy(&barrier);
		assert_int_equal(a.rc, 0);
		assert_int_equal(b.rc, 0);
		assert_int_equal(th_scalar(store_reader(a.s), "SELECT COUNT(*) FROM schema_migrations"),
		                 store_schema_version());
		assert_int_equal(table_exists(store_reader(b.s), "events"), 1);
		store_close(a.s);
		store_close(b.s);
		free(path);
		th_rmdir(dir);
	}
}

static void test_refuses_newer_database(void **state)
{
	(void)state;
	char *dir = th_tmpdir();
	char *path = th_path(dir, "t.db");
	struct store *s = th_open(path);
	struct fx f = {.version = store_schema_version() + 1};
	assert_int_equal(store_write_sync(s, job_future, &f), 0);
	store_close(s);

	s = (struct store *)1;
	assert_int_equal(store_open(path, &s), -TN_EFORMAT);
	assert_null(s);
	free(path);
	th_rmdir(dir);
}

TH_JOB(job_tenant, fx,
	return store_tenant_create(c, "durable", "Durable Co", "America/New_York", NULL, &f->id);)

TH_JOB(job_pragmas, fx,
	struct store_stmt *st;
	int err = store_prepare(c, "PRAGMA synchronous", &st);
	if (err)
		return err;
	f->sync = store_step(st) == STORE_ROW ? store_col_int64(st, 0) : -1;
	store_stmt_finish(st);
	if ((err = store_prepare(c, "PRAGMA foreign_keys", &st)))
		return err;
	f->fk = store_step(st) == STORE_ROW ? store_col_int64(st, 0) : -1;
	store_stmt_finish(st);
	if ((err = store_prepare(c, "PRAGMA journal_mode", &st)))
		return err;
	f->journal_ok = store_step(st) == STORE_ROW && !strcmp(store_col_text(st, 0), "wal");
	store_stmt_finish(st);
	return 0;)

static void test_durable_across_reopen_and_settings(void **state)
{
	(void)state;
	char *dir = th_tmpdir();
	char *path = th_path(dir, "t.db");
	struct store *s = th_open(path);
	struct fx f = {0};
	assert_int_equal(store_write_sync(s, job_tenant, &f), 0);
	assert_true(f.id > 0);
	assert_int_equal(store_write_sync(s, job_pragmas, &f), 0);
	assert_int_equal(f.sync, 2);  /* FULL */
	assert_int_equal(f.fk, 1);
	assert_int_equal(f.journal_ok, 1);
	store_close(s);

	s = th_open(path);
	json_t *t = NULL;
	assert_int_equal(store_tenant_get_by_slug(store_reader(s), "durable", &t), 0);
	assert_int_equal(json_integer_value(json_object_get(t, "id")), f.id);
	assert_string_equal(json_string_value(json_object_get(t, "name")), "Durable Co");
	json_decref(t);
	store_close(s);
	free(path);
	th_rmdir(dir);
}

static void test_memory_store_is_private(void **state)
{
	(void)state;
	struct store *a = th_open(":memory:");
	struct store *b = th_open(":memory:");
	struct fx f = {0};
	assert_int_equal(store_write_sync(a, job_tenant, &f), 0);
	json_t *t = NULL;
	/* The reader of a sees the writer's commit; b is another database. */
	assert_int_equal(store_tenant_get_by_slug(store_reader(a), "durable", &t), 0);
	json_decref(t);
	assert_int_equal(store_tenant_get_by_slug(store_reader(b), "durable", &t), -TN_ENOTFOUND);
	assert_null(t);
	store_close(a);
	store_close(b);
}

static void test_memory_copy_leaves_source_alone(void **state)
{
	(void)state;
	char *dir = th_tmpdir();
	char *path = th_path(dir, "src.db");
	struct store *src = th_open(path);
	struct fx f = {0};
	assert_int_equal(store_write_sync(src, job_tenant, &f), 0);
	store_close(src);

	struct store *copy = NULL;
	assert_int_equal(store_open_copy(path, &copy), 0);
	json_t *t = NULL;
	assert_int_equal(store_tenant_get_by_slug(store_reader(copy), "durable", &t), 0);
	json_decref(t);
	/* Writing to the copy... */
	assert_int_equal(store_write_sync(copy, job_future, &(struct fx){.version = 0}), 0);
	struct fx f2 = {0};
	assert_int_equal(store_write_sync(copy, job_tenant, &f2), -TN_ECONFLICT);
	store_close(copy);
	/* ...changes nothing in the file. */
	src = th_open(path);
	assert_int_equal(th_scalar(store_reader(src), "SELECT COUNT(*) FROM schema_migrations"),
	                 store_schema_version());
	store_close(src);

	assert_int_equal(store_open_copy(dir, &copy), -TN_ESTORE);  /* a directory */
	char *missing = th_path(dir, "missing.db");
	assert_int_equal(store_open_copy(missing, &copy), -ENOENT);
	assert_null(copy);
	free(missing);
	free(path);
	th_rmdir(dir);
}

static void test_open_bad_arguments(void **state)
{
	(void)state;
	struct store *s = NULL;
	assert_int_equal(store_open("", &s), -EINVAL);
	assert_int_equal(store_open("/nonexistent-dir-for-tandem/x/y.db", &s), -TN_ESTORE);
	assert_null(s);
	store_close(NULL);
}

/* ---- statements ---- */

TH_JOB(job_stmt_table, fx,
	return store_exec(c, "CREATE TABLE t (i INTEGER, d REAL, s TEXT, b BLOB, n TEXT,"
	                     " flag BOOLEAN, j JSON, u TEXT UNIQUE)");)

struct rowfx {
	int rc[8];
	int64_t id;
};

TH_JOB(job_stmt_insert, rowfx,
	struct store_stmt *st;
	int err = store_prepare(c, "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (err)
		return err;
	store_bind_int64(st, 1, INT64_C(-9000000000));
	store_bind_double(st, 2, 2.5);
	store_bind_text(st, 3, "h\xc3\xa9llo", -1);
	store_bind_blob(st, 4, "\0\1\2", 3);
	store_bind_null(st, 5);
	store_bind_int64(st, 6, 1);
	json_t *j = json_pack("{s:i,s:[s]}", "a", 1, "b", "x");
	store_bind_json(st, 7, j);
	json_decref(j);
	store_bind_text(st, 8, "uniq", 4);
	f->rc[0] = store_step(st);
	store_stmt_finish(st);
	f->id = store_last_insert_id(c);
	f->rc[1] = store_changes(c);
	/* Same text again: the unique column conflicts. */
	if ((err = store_prepare(c, "INSERT INTO t (u) VALUES (?)", &st)))
		return err;
	store_bind_text(st, 1, "uniq", -1);
	f->rc[2] = store_step(st);
	f->rc[3] = store_bind_int64(st, 99, 1) == 0 ? 0 : -1;
	store_stmt_finish(st);
	return 0;)

static void test_statement_api(void **state)
{
	(void)state;
	struct store *s = th_open(":memory:");
	struct fx f = {0};
	struct rowfx r = {0};
	assert_int_equal(store_write_sync(s, job_stmt_table, &f), 0);
	assert_int_equal(store_write_sync(s, job_stmt_insert, &r), 0);
	assert_int_equal(r.rc[0], STORE_DONE);
	assert_int_equal(r.id, 1);
	assert_int_equal(r.rc[1], 1);
	assert_int_equal(r.rc[2], -TN_ECONFLICT);
	assert_int_equal(r.rc[3], -1);  /* a bad index is refused */

	struct store_conn *c = store_reader(s);
	struct store_stmt *st = NULL, *st2 = NULL, *st3 = NULL;
	const char *sql = "SELECT i, d, s, b, n, flag, j FROM t WHERE u = ?";
	assert_int_equal(store_prepare(c, sql, &st), 0);
	assert_int_equal(store_bind_text(st, 1, "uniq", -1), 0);
	assert_int_equal(store_step(st), STORE_ROW);
	assert_int_equal(store_col_count(st), 7);
	assert_int_equal(store_col_int64(st, 0), INT64_C(-9000000000));
	assert_true(store_col_double(st, 1) == 2.5);
	assert_string_equal(store_col_text(st, 2), "h\xc3\xa9llo");
	size_t len = 0;
	const unsigned char *blob = store_col_blob(st, 3, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(blob, "\0\1\2", 3);
	assert_true(store_col_is_null(st, 4));
	assert_null(store_col_text(st, 4));
	assert_string_equal(store_col_name(st, 5), "flag");

	/* While in use, the same text gives a separate statement. */
	assert_int_equal(store_prepare(c, sql, &st2), 0);
	assert_ptr_not_equal(st, st2);
	assert_int_equal(store_bind_text(st2, 1, "nope", -1), 0);
	assert_int_equal(store_step(st2), STORE_DONE);
	store_stmt_finish(st2);

	json_t *row = store_row_json(st);
	assert_non_null(row);
	assert_true(json_is_true(json_object_get(row, "flag")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(row, "j"), "a")), 1);
	assert_true(json_is_null(json_object_get(row, "n")));
	assert_string_equal(json_string_value(json_object_get(row, "s")), "h\xc3\xa9llo");
	json_decref(row);
	assert_int_equal(store_step(st), STORE_DONE);
	store_stmt_finish(st);

	/* Finished, the cached statement comes back (reset, unbound). */
	assert_int_equal(store_prepare(c, sql, &st3), 0);
	assert_ptr_equal(st3, st);
	assert_int_equal(store_step(st3), STORE_DONE);  /* u = NULL matches nothing */
	store_stmt_finish(st3);

	/* Bad SQL and writes on the query-only reader are refused. */
	assert_int_equal(store_prepare(c, "SELEC nonsense", &st), -EINVAL);
	assert_null(st);
	assert_int_equal(store_exec(c, "INSERT INTO t (u) VALUES ('x')"), -EPERM);
	assert_int_equal(th_scalar(c, "SELECT COUNT(*) FROM t"), 1);
	store_close(s);
}

TH_JOB(job_rename, fx,
	return store_tenant_update(c, f->id, f->version ? "Renamed Twice" : "Renamed", NULL, NULL);)

static const char *tenant_name(struct store *s, json_t **hold)
{
	json_decref(*hold);
	*hold = NULL;
	assert_int_equal(store_tenant_get_by_slug(store_reader(s), "durable", hold), 0);
	return json_string_value(json_object_get(*hold, "name"));
}

static void test_read_snapshot(void **state)
{
	(void)state;
	char *dir = th_tmpdir();
	char *path = th_path(dir, "r.db");
	struct store *s = th_open(path);
	struct store_conn *r = store_reader(s);
	struct fx f = {0};
	json_t *hold = NULL;
	assert_int_equal(store_write_sync(s, job_tenant, &f), 0);

	assert_int_equal(store_read_begin(r), 0);
	assert_int_equal(store_read_begin(r), -EINVAL);  /* not nested */
	assert_string_equal(tenant_name(s, &hold), "Durable Co");
	/* A commit during the snapshot is not seen by it (WAL: the writer is not blocked)... */
	assert_int_equal(store_write_sync(s, job_rename, &f), 0);
	assert_string_equal(tenant_name(s, &hold), "Durable Co");
	store_read_end(r);
	/* ...and is seen afterwards. */
	assert_string_equal(tenant_name(s, &hold), "Renamed");
	store_read_end(r);  /* harmless */
	json_decref(hold);
	store_close(s);
	free(path);
	th_rmdir(dir);
}

static void test_statement_cache_is_bounded(void **state)
{
	(void)state;
	struct store *s = th_open(":memory:");
	struct store_conn *r = store_reader(s);
	char sql[64];
	/* Many distinct texts: all work; past the cap they are simply not cached. */
	for (int i = 0; i < 700; i++) {
		snprintf(sql, sizeof sql, "SELECT %d", i);
		if (th_scalar(r, sql) != i)
			fail_msg("SELECT %d", i);
	}
	struct store_stmt *a = NULL, *b = NULL;
	assert_int_equal(store_prepare(r, "SELECT 1", &a), 0);  /* cached early */
	store_stmt_finish(a);
	assert_int_equal(store_prepare(r, "SELECT 1", &b), 0);
	assert_ptr_equal(a, b);
	store_stmt_finish(b);
	assert_int_equal(store_prepare(r, "SELECT 699", &a), 0);  /* not cached */
	assert_int_equal(store_step(a), STORE_ROW);
	assert_int_equal(store_col_int64(a, 0), 699);
	store_stmt_finish(a);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_from_empty_and_reopen),
		cmocka_unit_test(test_identity_lookup_uses_customer_index),
		cmocka_unit_test(test_concurrent_open_migrates_once),
		cmocka_unit_test(test_refuses_newer_database),
		cmocka_unit_test(test_durable_across_reopen_and_settings),
		cmocka_unit_test(test_memory_store_is_private),
		cmocka_unit_test(test_memory_copy_leaves_source_alone),
		cmocka_unit_test(test_open_bad_arguments),
		cmocka_unit_test(test_statement_api),
		cmocka_unit_test(test_read_snapshot),
		cmocka_unit_test(test_statement_cache_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
