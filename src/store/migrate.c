/* migrate.c: numbered schema migrations, embedded in the binary and applied at open. */
#include "store/internal.h"
#include "base/err.h"
#include "base/log.h"
#include <errno.h>
#include <stddef.h>
#include <time.h>

/* Generated from src/store/migrations/NNNN_name.sql (see cmake/embedded.cmake). */
extern const unsigned char store_migration_0001[];
extern const size_t store_migration_0001_len;
extern const unsigned char store_migration_0002[];
extern const size_t store_migration_0002_len;
extern const unsigned char store_migration_0003[];
extern const size_t store_migration_0003_len;
extern const unsigned char store_migration_0004[];
extern const size_t store_migration_0004_len;

struct migration {
	int version;
	const char *name;
	const unsigned char *sql;
};

/* In order; a new migration is a new file, a line in cmake/embedded.cmake and a row
 * here. Applied migrations are never edited. */
static const struct migration migrations[] = {
	{1, "init", store_migration_0001},
	{2, "identity_by_customer", store_migration_0002},
	{3, "callbacks_by_conversation", store_migration_0003},
	{4, "message_quick_replies", store_migration_0004},
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int store_schema_version(void)
{
	return migrations[N_MIGRATIONS - 1].version;
}

static int current_version(struct store_conn *c, int64_t *out)
{
	struct store_stmt *st;
	int err = store_prepare(c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &st);
	if (err)
		return err;
	return store__one_int64(st, out);
}

static int record(struct store_conn *c, const struct migration *m)
{
	struct store_stmt *st;
	int err = store_prepare(c,
		"INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", &st);
	if (err)
		return err;
	if ((err = store_bind_int64(st, 1, m->version)) ||
	    (err = store_bind_text(st, 2, m->name, -1)) ||
	    (err = store_bind_int64(st, 3, (int64_t)time(NULL)))) {
		store_stmt_finish(st);
		return err;
	}
	return store__run(st);
}

/* Applies one migration in its own transaction. Re-checks the version inside the
 * transaction so two processes opening one new file at once cannot both apply it. */
static int apply(struct store_conn *c, const struct migration *m)
{
	int err = store_exec(c, "BEGIN IMMEDIATE");
	if (err)
		return err;
	int64_t v = 0;
	if ((err = current_version(c, &v)))
		goto out;
	if (v >= m->version)
		goto out;
	if ((err = store__exec_script(c, (const char *)m->sql)) || (err = record(c, m)))
		goto out;
	log_info("store: applied migration %04d_%s", m->version, m->name);
out:
	if (err) {
		log_error("store: migration %04d_%s failed: %s", m->version, m->name,
		          tn_strerror(err));
		store_exec(c, "ROLLBACK");
		return err;
	}
	return store_exec(c, "COMMIT");
}

int store__migrate(struct store_conn *c)
{
	int err = store_exec(c,
		"CREATE TABLE IF NOT EXISTS schema_migrations ("
		" version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
	if (err)
		return err;
	int64_t v = 0;
	if ((err = current_version(c, &v)))
		return err;
	if (v > store_schema_version()) {
		log_error("store: the database schema is version %lld but this tandem knows only "
		          "up to %d; refusing to open it (upgrade tandem)", (long long)v,
		          store_schema_version());
		return -TN_EFORMAT;
	}
	for (int i = 0; i < N_MIGRATIONS; i++) {
		if (migrations[i].version <= v)
			continue;
		if ((err = apply(c, &migrations[i])))
			return err;
	}
	return 0;
}
