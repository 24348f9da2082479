/* cmd_user.c: 'tandem user': add accounts, list them, change a password. */
#include "app/api.h"
#include "app/cli.h"
#include "base/clock.h"
#include "base/err.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void user_usage(FILE *f)
{
	fprintf(f,
		"usage: tandem user add --email E --name N [--tenant SLUG [--role ROLE]]\n"
		"                       [--platform-admin] [--password-stdin | --password P]\n"
		"       tandem user list [--tenant SLUG]\n"
		"       tandem user passwd --email E [--password-stdin | --password P]\n\n"
		"  add      creates an account (or, for an existing email with --tenant, adds it\n"
		"           to that tenant). ROLE is admin, supervisor or agent (default agent).\n"
		"           Without a password option a random one is generated and printed.\n"
		"  list     lists accounts (of one tenant with --tenant)\n"
		"  passwd   sets a new password (generated and printed when none is given) and\n"
		"           signs the account out everywhere\n\n"
		"  --db PATH          the database (default $TANDEM_DB, else var/tandem.db)\n"
		"  --password-stdin   read the password from the first line of standard input\n"
		"  --help             this text\n");
}

struct user_args {
	const char *db, *email, *name, *tenant, *role, *password;
	bool platform_admin, password_stdin;
};

enum { O_DB = 1, O_EMAIL, O_NAME, O_TENANT, O_ROLE, O_PLATFORM, O_PASSWORD, O_STDIN, O_HELP };

/* Parses options after the subcommand. 0, 1 for --help (printed), or 2 (reason printed). */
static int parse_args(int argc, char **argv, const char *sub, struct user_args *a)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, O_DB},
		{"email", required_argument, NULL, O_EMAIL},
		{"name", required_argument, NULL, O_NAME},
		{"tenant", required_argument, NULL, O_TENANT},
		{"role", required_argument, NULL, O_ROLE},
		{"platform-admin", no_argument, NULL, O_PLATFORM},
		{"password", required_argument, NULL, O_PASSWORD},
		{"password-stdin", no_argument, NULL, O_STDIN},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_DB: a->db = optarg; break;
		case O_EMAIL: a->email = optarg; break;
		case O_NAME: a->name = optarg; break;
		case O_TENANT: a->tenant = optarg; break;
		case O_ROLE: a->role = optarg; break;
		case O_PLATFORM: a->platform_admin = true; break;
		case O_PASSWORD: a->password = optarg; break;
		case O_STDIN: a->password_stdin = true; break;
		case O_HELP: user_usage(stdout); return 1;
		default:
			fprintf(stderr, "tandem user %s: unknown or incomplete option '%s' (see --help)\n",
				sub, argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tandem user %s: unexpected argument '%s'\n", sub, argv[optind]);
		return 2;
	}
	if (a->password && a->password_stdin) {
		fprintf(stderr, "tandem user %s: give --password or --password-stdin, not both\n", sub);
		return 2;
	}
	return 0;
}

/* Fills pw (n bytes) from the arguments, stdin, or a generated one (*generated). 0, or 2
 * with a reason printed. */
static int get_password(const struct user_args *a, const char *sub, char *pw, size_t n,
			bool *generated)
{
	*generated = false;
	if (a->password_stdin) {
		if (!fgets(pw, (int)n, stdin)) {
			fprintf(stderr, "tandem user %s: no password on standard input\n", sub);
			return 2;
		}
		pw[strcspn(pw, "\r\n")] = '\0';
	} else if (a->password) {
		if (snprintf(pw, n, "%s", a->password) >= (int)n) {
			fprintf(stderr, "tandem user %s: the password is too long\n", sub);
			return 2;
		}
	} else {
		auth_password_generate(pw, n, 16);
		*generated = true;
	}
	if (auth_password_check(pw)) {
		fprintf(stderr, "tandem user %s: a password must be %d to %d bytes of UTF-8\n", sub,
			AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
		return 2;
	}
	return 0;
}

struct add_job {
	const struct user_args *a;
	char email[256];
	char hash[AUTH_PWHASH_SIZE];
	int64_t tenant_id;
	enum store_role role;
	int64_t now;
	bool existed;
	char msg[256];
};

static int add_run(struct store_conn *c, void *arg)
{
	struct add_job *j = arg;
	json_t *u = NULL;
	int64_t uid;
	int rc = store_user_get_by_email(c, j->email, &u);
	if (rc == 0) {
		uid = json_integer_value(json_object_get(u, "id"));
		json_decref(u);
		if (!j->tenant_id) {
			snprintf(j->msg, sizeof j->msg, "an account with %.120s exists (add --tenant to "
				 "give it a role there, or use 'tandem user passwd')", j->email);
			return -TN_ECONFLICT;
		}
		j->existed = true;
	} else if (rc == -TN_ENOTFOUND) {
		if ((rc = store_user_create(c, j->email, j->a->name, j->hash, j->a->platform_admin,
					    j->now, &uid)))
			return rc;
	} else {
		return rc;
	}
	if (j->tenant_id)
		return store_membership_set(c, j->tenant_id, uid, j->role);
	return 0;
}

static int user_add(struct store *s, const struct user_args *a)
{
	struct add_job j = {.a = a, .now = clock_now(NULL), .role = STORE_ROLE_AGENT};
	char pw[AUTH_PASSWORD_MAX + 2];
	bool generated;
	json_t *t = NULL;
	int rc;
	if (!a->email || !a->name || !*a->name) {
		fprintf(stderr, "tandem user add: --email and --name are required\n");
		return 2;
	}
	if (snprintf(j.email, sizeof j.email, "%s", a->email) >= (int)sizeof j.email ||
	    auth_email_normalize(j.email)) {
		fprintf(stderr, "tandem user add: '%s' is not a valid email address\n", a->email);
		return 2;
	}
	if (a->role && !a->tenant) {
		fprintf(stderr, "tandem user add: --role needs --tenant\n");
		return 2;
	}
	if (a->role && store_role_parse(a->role, &j.role)) {
		fprintf(stderr, "tandem user add: --role must be admin, supervisor or agent\n");
		return 2;
	}
	if ((rc = get_password(a, "add", pw, sizeof pw, &generated)))
		return rc;
	if (a->tenant) {
		if (store_tenant_get_by_slug(store_reader(s), a->tenant, &t)) {
			fprintf(stderr, "tandem user add: no tenant '%s'\n", a->tenant);
			rc = 1;
			goto out;
		}
		j.tenant_id = json_integer_value(json_object_get(t, "id"));
	}
	if (auth_password_hash(pw, j.hash)) {
		fprintf(stderr, "tandem user add: could not hash the password\n");
		rc = 1;
		goto out;
	}
	rc = store_write_sync(s, add_run, &j);
	if (rc) {
		fprintf(stderr, "tandem user add: %s\n", j.msg[0] ? j.msg : tn_strerror(rc));
		rc = 1;
		goto out;
	}
	if (j.existed) {
		printf("added existing account %s to %s as %s (password unchanged)\n", j.email,
		       a->tenant, store_role_name(j.role));
	} else {
		printf("created %s%s", j.email, a->platform_admin ? " (platform admin)" : "");
		if (a->tenant)
			printf(" in %s as %s", a->tenant, store_role_name(j.role));
		printf("\n");
		if (generated)
			printf("password: %s\n", pw);
	}
out:
	memset(pw, 0, sizeof pw);
	json_decref(t);
	return rc;
}

static int user_list(struct store *s, const struct user_args *a)
{
	struct store_conn *r = store_reader(s);
	json_t *t = NULL, *list = NULL;
	int rc;
	if (a->tenant) {
		if (store_tenant_get_by_slug(r, a->tenant, &t)) {
			fprintf(stderr, "tandem user list: no tenant '%s'\n", a->tenant);
			return 1;
		}
		rc = store_user_list_by_tenant(r, json_integer_value(json_object_get(t, "id")), &list);
		if (rc)
			goto fail;
		size_t i;
		json_t *u;
		json_array_foreach(list, i, u)
			printf("%lld\t%s\t%s\t%s%s\n",
			       (long long)json_integer_value(json_object_get(u, "id")),
			       json_string_value(json_object_get(u, "email")),
			       json_string_value(json_object_get(u, "name")),
			       json_string_value(json_object_get(u, "role")),
			       json_is_true(json_object_get(u, "disabled")) ? " (disabled)" : "");
		goto done;
	}
	/* Every account with its memberships (the store has no list of all users). */
	struct store_stmt *st;
	if ((rc = store_prepare(r, "SELECT id, email, name, is_platform_admin, disabled "
				   "FROM users ORDER BY id", &st)))
		goto fail;
	while ((rc = store_step(st)) == STORE_ROW) {
		int64_t id = store_col_int64(st, 0);
		printf("%lld\t%s\t%s\t", (long long)id, store_col_text(st, 1), store_col_text(st, 2));
		bool first = true;
		if (store_col_int64(st, 3)) {
			printf("platform-admin");
			first = false;
		}
		json_t *ms = NULL;
		if (store_membership_list_for_user(r, id, &ms) == 0) {
			size_t i;
			json_t *m;
			json_array_foreach(ms, i, m) {
				printf("%s%s:%s", first ? "" : ",",
				       json_string_value(json_object_get(m, "slug")),
				       json_string_value(json_object_get(m, "role")));
				first = false;
			}
		}
		json_decref(ms);
		printf("%s%s\n", first ? "-" : "", store_col_int64(st, 4) ? " (disabled)" : "");
	}
	store_stmt_finish(st);
	if (rc < 0)
		goto fail;
done:
	json_decref(t);
	json_decref(list);
	return 0;
fail:
	fprintf(stderr, "tandem user list: %s\n", tn_strerror(rc));
	json_decref(t);
	json_decref(list);
	return 1;
}

struct passwd_job {
	int64_t user_id;
	char hash[AUTH_PWHASH_SIZE];
};

static int passwd_run(struct store_conn *c, void *arg)
{
	struct passwd_job *j = arg;
	int rc = store_user_set_password_hash(c, j->user_id, j->hash);
	if (rc)
		return rc;
	/* A new password signs the account out everywhere. */
	struct store_stmt *st;
	if ((rc = store_prepare(c, "DELETE FROM sessions WHERE user_id = ?", &st)))
		return rc;
	rc = store_bind_int64(st, 1, j->user_id);
	if (!rc)
		rc = store_step(st);
	store_stmt_finish(st);
	return rc < 0 ? rc : 0;
}

static int user_passwd(struct store *s, const struct user_args *a)
{
	char email[256], pw[AUTH_PASSWORD_MAX + 2];
	bool generated;
	json_t *u = NULL;
	struct passwd_job j = {0};
	int rc;
	if (!a->email || snprintf(email, sizeof email, "%s", a->email) >= (int)sizeof email ||
	    auth_email_normalize(email)) {
		fprintf(stderr, "tandem user passwd: --email with a valid address is required\n");
		return 2;
	}
	if ((rc = get_password(a, "passwd", pw, sizeof pw, &generated)))
		return rc;
	if (store_user_get_by_email(store_reader(s), email, &u)) {
		fprintf(stderr, "tandem user passwd: no account %s\n", email);
		rc = 1;
		goto out;
	}
	j.user_id = json_integer_value(json_object_get(u, "id"));
	if (auth_password_hash(pw, j.hash) || (rc = store_write_sync(s, passwd_run, &j))) {
		fprintf(stderr, "tandem user passwd: could not set the password\n");
		rc = 1;
		goto out;
	}
	printf("password changed for %s\n", email);
	if (generated)
		printf("password: %s\n", pw);
out:
	memset(pw, 0, sizeof pw);
	json_decref(u);
	return rc;
}

int cmd_user(int argc, char **argv)
{
	if (argc < 2) {
		user_usage(stderr);
		return 2;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		user_usage(stdout);
		return 0;
	}
	if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "passwd")) {
		fprintf(stderr, "tandem user: unknown subcommand '%s' (add, list, passwd)\n", sub);
		return 2;
	}
	struct user_args a = {0};
	int rc = parse_args(argc - 1, argv + 1, sub, &a);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (auth_init()) {
		fprintf(stderr, "tandem user: the crypto library failed to start\n");
		return 1;
	}
	const char *db = cli_db_path(a.db);
	struct store *s = NULL;
	if ((rc = store_open(db, &s))) {
		fprintf(stderr, "tandem user: cannot open the database %s: %s\n", db, tn_strerror(rc));
		return 1;
	}
	if (!strcmp(sub, "add"))
		rc = user_add(s, &a);
	else if (!strcmp(sub, "list"))
		rc = user_list(s, &a);
	else
		rc = user_passwd(s, &a);
	store_close(s);
	return rc;
}
