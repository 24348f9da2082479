/* cmd_init.c: 'tandem init': creates or migrates the database; --demo seeds the demo
 * business with its accounts (passwords printed once). */
#include "app/api.h"
#include "app/cli.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_DB "var/tandem.db"

static void init_usage(FILE *f)
{
	fprintf(f,
		"usage: tandem init [--db PATH] [--demo [--seed FILE]]\n\n"
		"Creates the database (or applies pending migrations to it).\n\n"
		"  --db PATH   the database file (default $TANDEM_DB, else " DEFAULT_DB ")\n"
		"  --demo      also seed the demo business (Brightline Heating, Cooling &\n"
		"              Plumbing) with a tenant admin, two agents and a platform admin;\n"
		"              their passwords are printed once. Running it again changes nothing.\n"
		"  --seed FILE with --demo: seed the business described by FILE (same shape as\n"
		"              data/demo/brightline.json) instead of the built-in demo\n"
		"  --help      this text\n");
}

/* Creates the directories leading to path (like mkdir -p of its dirname). */
static void make_parent_dirs(const char *path)
{
	char dir[4096];
	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
		return;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
}

const char *cli_db_path(const char *given)
{
	if (given && *given)
		return given;
	const char *env = getenv("TANDEM_DB");
	return env && *env ? env : DEFAULT_DB;
}

/* The demo's accounts: emails are fixed, passwords random and printed once. */
static const struct {
	const char *email, *name, *role;
	bool platform;
} demo_accounts[] = {
	{"admin@brightline.example", "Brightline Admin", "admin", false},
	{"agent1@brightline.example", "Avery Agent", "agent", false},
	{"agent2@brightline.example", "Blake Agent", "agent", false},
	{"platform@tandem.example", "Platform Admin", NULL, true},
};
#define N_DEMO (sizeof demo_accounts / sizeof demo_accounts[0])

/* Reads a seed document from a file. New reference or NULL with a reason printed. */
static json_t *read_seed(const char *path)
{
	json_error_t je;
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		fprintf(stderr, "tandem init: %s: %s (line %d)\n", path, je.text, je.line);
	else if (!json_is_object(doc)) {
		fprintf(stderr, "tandem init: %s: not a JSON object\n", path);
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

static int seed_demo(struct store *s, const char *seed_path)
{
	struct api_verr e = {{0}};
	json_t *doc = seed_path ? read_seed(seed_path) : seed_demo_document(&e), *existing = NULL;
	char passwords[N_DEMO][24];
	char hashes[N_DEMO][AUTH_PWHASH_SIZE];
	struct seed_account acc[N_DEMO];
	int rc = 1;
	if (!doc) {
		if (!seed_path)
			fprintf(stderr, "tandem init: %s\n", e.msg);
		return 1;
	}
	const char *slug = json_string_value(json_object_get(doc, "slug"));
	if (slug && store_tenant_get_by_slug(store_reader(s), slug, &existing) == 0) {
		printf("the demo business '%s' already exists; nothing changed\n", slug);
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < N_DEMO; i++) {
		auth_password_generate(passwords[i], sizeof passwords[i], 16);
		if (auth_password_hash(passwords[i], hashes[i])) {
			fprintf(stderr, "tandem: could not hash a password\n");
			goto out;
		}
		acc[i] = (struct seed_account){demo_accounts[i].email, demo_accounts[i].name,
					       hashes[i], demo_accounts[i].role,
					       demo_accounts[i].platform, false};
	}
	int64_t tenant_id;
	int err = seed_apply(s, doc, acc, N_DEMO, clock_now(NULL), &tenant_id, &e);
	if (err) {
		fprintf(stderr, "tandem init: %s\n", e.msg[0] ? e.msg : tn_strerror(err));
		goto out;
	}
	printf("demo business '%s' created: %s\n", slug,
	       json_string_value(json_object_get(doc, "name")));
	for (size_t i = 0; i < N_DEMO; i++) {
		const char *what = acc[i].platform_admin ? "platform admin" : acc[i].role;
		if (acc[i].created)
			printf("logins: %s %s (%s)\n", acc[i].email, passwords[i], what);
		else
			printf("logins: %s (existing account, password unchanged) (%s)\n",
			       acc[i].email, what);
	}
	printf("these passwords are shown only now; change one with "
	       "'tandem user passwd --email EMAIL'\n");
	rc = 0;
out:
	memset(passwords, 0, sizeof passwords);
	json_decref(existing);
	json_decref(doc);
	return rc;
}

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"demo", no_argument, NULL, 'D'},
		{"seed", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *db = NULL, *seed = NULL;
	bool demo = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'D': demo = true; break;
		case 's': seed = optarg; break;
		case 'h': init_usage(stdout); return 0;
		default:
			fprintf(stderr, "tandem init: unknown or incomplete option '%s' (see --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tandem init: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}
	if (seed && !demo) {
		fprintf(stderr, "tandem init: --seed goes with --demo\n");
		return 2;
	}
	db = cli_db_path(db);
	if (auth_init()) {
		fprintf(stderr, "tandem init: the crypto library failed to start\n");
		return 1;
	}
	if (strcmp(db, ":memory:"))
		make_parent_dirs(db);
	struct store *s = NULL;
	int rc = store_open(db, &s);
	if (rc) {
		fprintf(stderr, "tandem init: cannot open the database %s: %s\n", db, tn_strerror(rc));
		return 1;
	}
	printf("database ready: %s (schema version %d)\n", db, store_schema_version());
	int status = demo ? seed_demo(s, seed) : 0;
	store_close(s);
	return status;
}
