/* api_admin.c: tenant administration over /api/v1: settings, technicians, knowledge-base
 * articles, users, API keys and (platform admins) tenants. Reads use the loop thread's
 * read connection; every write goes through the store's writer and is answered only
 * after its commit.
 *
 * Collections share one shape, so they are described by a table (`resources`, at the
 * end) and served by generic handlers: GET path (list), POST path (create), GET, PUT and
 * DELETE path/{id}. Adding a collection is one table entry plus its own functions: the
 * store reads, a body parser per write and the write jobs. */
#include "app/api.h"
#include "app/live.h"
#include "app/app.h"
#include "base/err.h"
#include "http/http.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads the tenant's collection (a JSON array, owned) on connection c. */
typedef int admin_list_fn(struct store_conn *c, int64_t tenant_id, json_t **out);
/* Reads one item (a JSON object, owned) on connection c; -TN_ENOTFOUND when absent. */
typedef int admin_get_fn(struct store_conn *c, int64_t tenant_id, int64_t id, json_t **out);
/* The API shape of a stored row. Consumes row; returns a new reference (NULL on ENOMEM). */
typedef json_t *admin_shape_fn(json_t *row);

/* A collection of the administration API. */
struct admin_resource {
	const char *name;           /* route names: name_list, name_get, name_<verb> */
	const char *path;           /* the collection; an item is path/{id} */
	const char *key;            /* the list's wrapper key: {"<key>": [...]} */
	enum auth_perm read, write;
	admin_list_fn *list;        /* GET path; NULL: not offered */
	admin_get_fn *get;          /* GET path/{id}; NULL: not offered */
	admin_shape_fn *shape;      /* applied to listed and got rows; NULL: rows as stored */
	/* The writes (api.h); the route name is "<name>_<verb>"; a write whose run is NULL
	 * is not offered. */
	struct api_write create;    /* POST path */
	struct api_write put;       /* PUT path/{id} (id > 0 in op->id) */
	struct api_write del;       /* DELETE path/{id} */
};

/* Starts write w (api_write_start) and, once it is queued, says that the tenant's facts
 * are changing so that turns reload them. Always returns 0. */
static int write_start(struct app *app, struct http_request *req,
		       const struct auth_principal *p, const struct api_write *w, int64_t id)
{
	if (!api_write_start(app, req, p, w, id))
		live_facts_changed(app, p->tenant_id);
	return 0;
}

/* ---- the generic handlers ------------------------------------------------------- */

/* What a collection's routes are registered with. One app per process (as for the auth
 * context), so the routes live in this file's table; the names are built once here
 * because the router borrows them. */
struct admin_route {
	struct app *app;
	const struct admin_resource *res;
	char names[5][48];  /* list, get, create, put, delete */
};

static int h_list(struct http_request *req, void *arg)
{
	const struct admin_route *rt = arg;
	const struct admin_resource *res = rt->res;
	struct auth_principal p;
	if (api_require(rt->app, req, res->read, &p))
		return 0;
	json_t *list = NULL;
	int rc = res->list(store_reader(rt->app->store), p.tenant_id, &list);
	if (rc) {
		json_decref(list);
		return api_respond_read(req, rc, NULL);
	}
	if (res->shape) {
		size_t i;
		json_t *row;
		json_array_foreach(list, i, row)
			json_array_set_new(list, i, res->shape(json_incref(row)));
	}
	return api_respond_read(req, 0, json_pack("{so}", res->key, list));
}

static int h_get(struct http_request *req, void *arg)
{
	const struct admin_route *rt = arg;
	const struct admin_resource *res = rt->res;
	struct auth_principal p;
	int64_t id;
	if (api_require_item(rt->app, req, res->read, &p, &id))
		return 0;
	json_t *v = NULL;
	int rc = res->get(store_reader(rt->app->store), p.tenant_id, id, &v);
	if (!rc && res->shape)
		v = res->shape(v);
	return api_respond_read(req, rc, v);
}

/* A write on the collection (item false) or on path/{id} (item true). */
static int write_on(struct http_request *req, const struct admin_route *rt,
		    const struct api_write *w, bool item)
{
	struct auth_principal p;
	int64_t id = 0;
	if (api_require(rt->app, req, rt->res->write, &p) || (item && api_param_id(req, "id", &id)))
		return 0;
	return write_start(rt->app, req, &p, w, id);
}

static int h_create(struct http_request *req, void *arg)
{
	const struct admin_route *rt = arg;
	return write_on(req, rt, &rt->res->create, false);
}

static int h_put(struct http_request *req, void *arg)
{
	const struct admin_route *rt = arg;
	return write_on(req, rt, &rt->res->put, true);
}

static int h_delete(struct http_request *req, void *arg)
{
	const struct admin_route *rt = arg;
	return write_on(req, rt, &rt->res->del, true);
}

/* ---- settings --------------------------------------------------------------------- */

static int h_settings_get(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	if (api_require(app, req, AUTH_PERM_SETTINGS_READ, &p))
		return 0;
	json_t *doc = NULL;
	struct store_conn *r = store_reader(app->store);
	/* The document spans several tables: read them as of one moment. */
	int rc = store_read_begin(r);
	if (!rc) {
		rc = tenant_config_load(r, p.tenant_id, &doc);
		store_read_end(r);
	}
	return api_respond_read(req, rc, doc);
}

/* op->n1: replace (PUT) rather than change (PATCH). */
static int settings_run(struct store_conn *c, struct api_op *op)
{
	int rc = tenant_config_apply(c, op->p.tenant_id, &op->cfg, op->n1 != 0);
	if (rc)
		return rc;
	return tenant_config_load(c, op->p.tenant_id, &op->result);
}

static int settings_put_parse(struct api_op *op, struct api_verr *e)
{
	op->n1 = 1;
	return tenant_config_parse(op->in, true, NULL, &op->cfg, e);
}

static int settings_patch_parse(struct api_op *op, struct api_verr *e)
{
	return tenant_config_parse(op->in, false, NULL, &op->cfg, e);
}

static int settings_write(struct http_request *req, struct app *app, const struct api_write *w)
{
	struct auth_principal p;
	if (api_require(app, req, AUTH_PERM_SETTINGS_WRITE, &p))
		return 0;
	return write_start(app, req, &p, w, 0);
}

static int h_settings_put(struct http_request *req, void *arg)
{
	static const struct api_write put = {"put", settings_put_parse, settings_run, NULL, 200};
	return settings_write(req, arg, &put);
}

static int h_settings_patch(struct http_request *req, void *arg)
{
	static const struct api_write patch = {"patch", settings_patch_parse, settings_run,
						 NULL, 200};
	return settings_write(req, arg, &patch);
}

/* ---- technicians -------------------------------------------------------------------- */

/* The API shape of a technician: hours as a week object. Consumes row. */
static json_t *tech_json(json_t *row)
{
	json_t *hours = json_object_get(row, "hours");
	json_t *week = api_week_json(json_is_array(hours) ? hours : NULL);
	if (week)
		json_object_set_new(row, "hours", week);
	return row;
}

static int tech_parse(struct api_op *op, struct api_verr *e)
{
	return tech_input_parse(op->in, &op->tech, e);
}

static int tech_save_run(struct store_conn *c, struct api_op *op)
{
	int64_t id = op->id;
	int rc = tech_input_apply(c, op->p.tenant_id, op->id, &op->tech, &id);
	if (rc)
		return rc;
	if ((rc = store_technician_get(c, op->p.tenant_id, id, &op->result)))
		return rc;
	tech_json(op->result);
	return 0;
}

static int tech_delete_run(struct store_conn *c, struct api_op *op)
{
	int rc = store_technician_delete(c, op->p.tenant_id, op->id);
	if (rc == -TN_ECONFLICT)
		snprintf(op->msg, sizeof op->msg, "the technician has appointments: set active "
			 "to false instead");
	return rc;
}

/* ---- knowledge base ----------------------------------------------------------------- */

static int kb_parse(struct api_op *op, struct api_verr *e)
{
	return kb_input_parse(op->in, &op->kb, e);
}

static int kb_save_run(struct store_conn *c, struct api_op *op)
{
	int64_t id = op->id;
	int rc;
	if (id > 0)
		rc = store_kb_update(c, op->p.tenant_id, id, op->kb.title, op->kb.body, op->kb.tags,
				     op->now);
	else
		rc = store_kb_create(c, op->p.tenant_id, op->kb.title, op->kb.body, op->kb.tags,
				     op->now, &id);
	if (rc)
		return rc;
	return store_kb_get(c, op->p.tenant_id, id, &op->result);
}

static int kb_delete_run(struct store_conn *c, struct api_op *op)
{
	return store_kb_delete(c, op->p.tenant_id, op->id);
}

/* ---- users of the tenant --------------------------------------------------------------- */

static json_t *member_json(const json_t *u, const char *role)
{
	return json_pack("{sOsOsOss}", "id", json_object_get(u, "id"),
			 "email", json_object_get(u, "email"), "name", json_object_get(u, "name"),
			 "role", role);
}

/* A listed member (with its role). Consumes row. */
static json_t *member_row_json(json_t *row)
{
	json_t *m = member_json(row, json_string_value(json_object_get(row, "role")));
	json_decref(row);
	return m;
}

/* op->s1 email, op->s2 name, op->n1 role, op->hash the new user's password hash. */
static int user_add_run(struct store_conn *c, struct api_op *op)
{
	json_t *u = NULL;
	enum store_role role = (enum store_role)op->n1;
	enum store_role cur;
	int64_t uid;
	int rc = store_user_get_by_email(c, op->s1, &u);
	if (rc == 0) {
		uid = json_integer_value(json_object_get(u, "id"));
		if (store_membership_role(c, op->p.tenant_id, uid, &cur) == 0) {
			snprintf(op->msg, sizeof op->msg, "%.200s is already a member of this tenant",
				 op->s1);
			rc = -TN_ECONFLICT;
			goto out;
		}
		op->id = 0;  /* an existing account keeps its password */
	} else if (rc == -TN_ENOTFOUND) {
		if (!op->s2[0]) {
			snprintf(op->msg, sizeof op->msg, "name is required for a new user");
			rc = -TN_EINVAL_FIELD;
			goto out;
		}
		if ((rc = store_user_create(c, op->s1, op->s2, op->hash, false, op->now, &uid)) ||
		    (rc = store_user_get(c, uid, &u)))
			goto out;
	} else {
		goto out;
	}
	if ((rc = store_membership_set(c, op->p.tenant_id, uid, role)))
		goto out;
	op->result = json_pack("{so}", "user", member_json(u, store_role_name(role)));
	if (op->result && op->id && op->secret[0])
		json_object_set_new(op->result, "password", json_string(op->secret));
out:
	json_decref(u);
	return rc;
}

static int user_hash_work(struct api_op *op)
{
	return auth_password_hash(op->secret, op->hash) ? -ENOMEM : 0;
}

static int user_add_parse(struct api_op *op, struct api_verr *e)
{
	static const char *const known[] = {"email", "name", "role", "password", NULL};
	json_t *in = op->in;
	const char *bad = api_unknown_key(in, known);
	if (bad)
		return api_verr_set(e, "%s is not a known field", bad);
	const char *email = json_string_value(json_object_get(in, "email"));
	const char *name = json_string_value(json_object_get(in, "name"));
	const char *role = json_string_value(json_object_get(in, "role"));
	const char *password = json_string_value(json_object_get(in, "password"));
	enum store_role r;
	if (!email || strlen(email) >= sizeof op->s1)
		return api_verr_set(e, "email is required");
	snprintf(op->s1, sizeof op->s1, "%s", email);
	if (auth_email_normalize(op->s1))
		return api_verr_set(e, "email is not a valid address");
	if (json_object_get(in, "name") && (!name || !*name || strlen(name) > 200))
		return api_verr_set(e, "name must be a non-empty string of at most 200 bytes");
	snprintf(op->s2, sizeof op->s2, "%s", name ? name : "");
	if (!role || store_role_parse(role, &r))
		return api_verr_set(e, "role must be admin, supervisor or agent");
	op->n1 = r;
	if (json_object_get(in, "password")) {
		if (!password || auth_password_check(password))
			return api_verr_set(e, "password must be %d to %d bytes of UTF-8",
					    AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
		snprintf(op->secret, sizeof op->secret, "%s", password);
		if (strlen(password) >= sizeof op->secret)
			return api_verr_set(e, "password is too long");
	}
	return 0;
}

/* An existing account is only added; a new one needs a password hash, computed off the
 * loop (argon2id takes a while on purpose). */
static int user_add_submit(struct api_op *op)
{
	json_t *existing = NULL;
	if (store_user_get_by_email(store_reader(op->app->store), op->s1, &existing) == 0) {
		json_decref(existing);
		return api_op_submit(op);
	}
	bool generated = !op->secret[0];
	if (generated)
		auth_password_generate(op->secret, sizeof op->secret, 16);
	op->id = generated;  /* only a generated password is shown (once) */
	return api_op_prework(op, user_hash_work);
}

/* Refuses (409) a change that would leave the tenant without an admin: user_id is an
 * admin now and is being removed or demoted. */
static int keep_an_admin(struct store_conn *c, struct api_op *op, int64_t user_id)
{
	enum store_role cur;
	int rc = store_membership_role(c, op->p.tenant_id, user_id, &cur);
	if (rc || cur != STORE_ROLE_ADMIN)
		return rc;
	struct store_stmt *st;
	if ((rc = store_prepare(c, "SELECT COUNT(*) FROM memberships WHERE tenant_id = ? "
				   "AND role = 'admin'", &st)))
		return rc;
	int64_t admins = 0;
	if (!(rc = store_bind_int64(st, 1, op->p.tenant_id)) && (rc = store_step(st)) == STORE_ROW)
		admins = store_col_int64(st, 0);
	store_stmt_finish(st);
	if (rc < 0)
		return rc;
	if (admins <= 1) {
		snprintf(op->msg, sizeof op->msg, "this is the tenant's last admin: make someone "
			 "else admin first");
		return -TN_ECONFLICT;
	}
	return 0;
}

static int user_role_parse(struct api_op *op, struct api_verr *e)
{
	static const char *const known[] = {"role", NULL};
	const char *bad = api_unknown_key(op->in, known);
	enum store_role r;
	if (bad)
		return api_verr_set(e, "%.64s is not a known field (only role can change)", bad);
	if (store_role_parse(json_string_value(json_object_get(op->in, "role")), &r))
		return api_verr_set(e, "role must be admin, supervisor or agent");
	op->n1 = r;
	return 0;
}

static int user_role_run(struct store_conn *c, struct api_op *op)
{
	enum store_role cur;
	json_t *u = NULL;
	int rc = store_membership_role(c, op->p.tenant_id, op->id, &cur);
	if (rc)
		return rc;
	if (op->n1 != STORE_ROLE_ADMIN && (rc = keep_an_admin(c, op, op->id)))
		return rc;
	if ((rc = store_membership_set(c, op->p.tenant_id, op->id, (enum store_role)op->n1)) ||
	    (rc = store_user_get(c, op->id, &u)))
		return rc;
	op->result = json_pack("{so}", "user", member_json(u, store_role_name((enum store_role)op->n1)));
	json_decref(u);
	return 0;
}

static int user_remove_run(struct store_conn *c, struct api_op *op)
{
	int rc = keep_an_admin(c, op, op->id);
	return rc ? rc : store_membership_remove(c, op->p.tenant_id, op->id);
}

/* ---- API keys ---------------------------------------------------------------------- */

/* op->s1 name, op->s2 prefix, op->hash key hash, op->secret the key. */
static int key_create_parse(struct api_op *op, struct api_verr *e)
{
	static const char *const known[] = {"name", NULL};
	const char *name = json_string_value(json_object_get(op->in, "name"));
	const char *bad = api_unknown_key(op->in, known);
	if (bad)
		return api_verr_set(e, "%.64s is not a known field", bad);
	if (!name || !*name || strlen(name) > 200)
		return api_verr_set(e, "name is required (a label such as \"crm sync\")");
	struct auth_apikey_new k;
	auth_apikey_make(&k);
	snprintf(op->s1, sizeof op->s1, "%s", name);
	snprintf(op->s2, sizeof op->s2, "%s", k.prefix);
	snprintf(op->hash, sizeof op->hash, "%s", k.hash);
	snprintf(op->secret, sizeof op->secret, "%s", k.key);
	memset(&k, 0, sizeof k);
	return 0;
}

static int key_create_run(struct store_conn *c, struct api_op *op)
{
	int64_t id;
	int rc = store_api_key_create(c, op->p.tenant_id, op->s1, op->s2, op->hash, op->now, &id);
	if (rc)
		return rc;
	op->result = json_pack("{sIsssssIss}", "id", (json_int_t)id, "name", op->s1,
			       "prefix", op->s2, "created_at", (json_int_t)op->now,
			       "key", op->secret);
	return op->result ? 0 : -ENOMEM;
}

static int key_revoke_run(struct store_conn *c, struct api_op *op)
{
	return store_api_key_revoke(c, op->p.tenant_id, op->id, op->now);
}

/* ---- tenants (platform admins) ----------------------------------------------------------- */

static json_t *tenant_json(const json_t *t)
{
	return json_pack("{sOsOsOsO}", "id", json_object_get(t, "id"),
			 "slug", json_object_get(t, "slug"), "name", json_object_get(t, "name"),
			 "timezone", json_object_get(t, "timezone"));
}

/* A listed tenant. Consumes row. */
static json_t *tenant_row_json(json_t *row)
{
	json_t *t = tenant_json(row);
	json_decref(row);
	return t;
}

/* Every tenant: the platform's collection is not one tenant's. */
static int tenants_list(struct store_conn *c, int64_t tenant_id, json_t **out)
{
	(void)tenant_id;
	return store_tenant_list(c, out);
}

/* op->s1 slug, op->s2 admin email ("" for none); op->cfg name and timezone. */
static int tenant_create_run(struct store_conn *c, struct api_op *op)
{
	int64_t id;
	json_t *t = NULL, *u = NULL;
	int rc = store_tenant_create(c, op->s1, op->cfg.name, op->cfg.timezone, NULL, &id);
	if (rc == -TN_ECONFLICT)
		snprintf(op->msg, sizeof op->msg, "the slug %.63s is taken", op->s1);
	if (rc)
		return rc;
	if (op->s2[0]) {
		if (store_user_get_by_email(c, op->s2, &u)) {
			snprintf(op->msg, sizeof op->msg, "admin_email: no user has this address");
			return -TN_EINVAL_FIELD;
		}
		rc = store_membership_set(c, id, json_integer_value(json_object_get(u, "id")),
					  STORE_ROLE_ADMIN);
		json_decref(u);
		if (rc)
			return rc;
	}
	if ((rc = store_tenant_get(c, id, &t)))
		return rc;
	op->result = tenant_json(t);
	json_decref(t);
	return op->result ? 0 : -ENOMEM;
}

static int tenant_create_parse(struct api_op *op, struct api_verr *e)
{
	static const char *const ignore[] = {"admin_email", NULL};
	json_t *in = op->in;
	int rc;
	const char *slug = json_string_value(json_object_get(in, "slug"));
	json_t *admin = json_object_get(in, "admin_email");
	if (!api_valid_slug(slug))
		return api_verr_set(e, "slug must be 1-63 characters of a-z, 0-9 and '-'");
	snprintf(op->s1, sizeof op->s1, "%s", slug);
	if (admin) {
		if (!json_is_string(admin) || json_string_length(admin) >= sizeof op->s2)
			return api_verr_set(e, "admin_email must be an email address");
		snprintf(op->s2, sizeof op->s2, "%s", json_string_value(admin));
		if (auth_email_normalize(op->s2))
			return api_verr_set(e, "admin_email is not a valid address");
	}
	/* name and timezone are required; the rest of the settings come later. */
	if ((rc = tenant_config_parse(in, true, ignore, &op->cfg, e)))
		return rc;
	if (op->cfg.has_hours || op->cfg.has_holidays || op->cfg.has_zips ||
	    op->cfg.has_services || json_object_size(op->cfg.extra))
		return api_verr_set(e, "a new tenant takes slug, name, timezone and admin_email; "
				    "set the rest with PUT /api/v1/settings");
	return 0;
}

/* ---- the table and the routes ------------------------------------------------------ */

static const struct admin_resource resources[] = {
	{
		.name = "technicians", .path = "/api/v1/technicians", .key = "technicians",
		.read = AUTH_PERM_TECHNICIANS_READ, .write = AUTH_PERM_TECHNICIANS_WRITE,
		.list = store_technician_list, .get = store_technician_get, .shape = tech_json,
		.create = {"create", tech_parse, tech_save_run, NULL, 201},
		.put = {"put", tech_parse, tech_save_run, NULL, 200},
		.del = {"delete", NULL, tech_delete_run, NULL, 204},
	},
	{
		.name = "kb", .path = "/api/v1/kb/articles", .key = "articles",
		.read = AUTH_PERM_KB_READ, .write = AUTH_PERM_KB_WRITE,
		.list = store_kb_list, .get = store_kb_get,
		.create = {"create", kb_parse, kb_save_run, NULL, 201},
		.put = {"put", kb_parse, kb_save_run, NULL, 200},
		.del = {"delete", NULL, kb_delete_run, NULL, 204},
	},
	{
		.name = "users", .path = "/api/v1/users", .key = "users",
		.read = AUTH_PERM_USERS_READ, .write = AUTH_PERM_USERS_WRITE,
		.list = store_user_list_by_tenant, .shape = member_row_json,
		.create = {"add", user_add_parse, user_add_run, user_add_submit, 201},
		.put = {"put", user_role_parse, user_role_run, NULL, 200},
		.del = {"delete", NULL, user_remove_run, NULL, 204},
	},
	{
		.name = "api_keys", .path = "/api/v1/api-keys", .key = "api_keys",
		.read = AUTH_PERM_APIKEYS_MANAGE, .write = AUTH_PERM_APIKEYS_MANAGE,
		.list = store_api_key_list,
		.create = {"create", key_create_parse, key_create_run, NULL, 201},
		.del = {"delete", NULL, key_revoke_run, NULL, 204},
	},
	{
		.name = "tenants", .path = "/api/v1/tenants", .key = "tenants",
		.read = AUTH_PERM_TENANTS_MANAGE, .write = AUTH_PERM_TENANTS_MANAGE,
		.list = tenants_list, .shape = tenant_row_json,
		.create = {"create", tenant_create_parse, tenant_create_run, NULL, 201},
	},
};

#define N_RESOURCES (sizeof resources / sizeof resources[0])

static struct admin_route routes[N_RESOURCES];

/* Registers the offered routes of rt->res: list, create, get, put, delete, in that order
 * (the order of the Allow header of a 405). */
static int resource_register(struct app *app, struct admin_route *rt)
{
	const struct admin_resource *res = rt->res;
	const struct {
		bool offered;
		const char *method, *verb;
		bool item;
		http_handler_fn fn;
	} ops[5] = {
		{res->list != NULL, "GET", "list", false, h_list},
		{res->create.run != NULL, "POST", res->create.verb, false, h_create},
		{res->get != NULL, "GET", "get", true, h_get},
		{res->put.run != NULL, "PUT", res->put.verb, true, h_put},
		{res->del.run != NULL, "DELETE", res->del.verb, true, h_delete},
	};
	char item[128];
	snprintf(item, sizeof item, "%s/{id}", res->path);
	for (size_t k = 0; k < 5; k++) {
		if (!ops[k].offered)
			continue;
		snprintf(rt->names[k], sizeof rt->names[k], "%s_%s", res->name, ops[k].verb);
		int rc = http_route(app->http, ops[k].method, ops[k].item ? item : res->path,
				    ops[k].fn, rt, rt->names[k]);
		if (rc)
			return rc;
	}
	return 0;
}

int api_admin_register(struct app *app)
{
	static const struct api_route settings[] = {
		{"GET", "/api/v1/settings", h_settings_get, "settings_get"},
		{"PUT", "/api/v1/settings", h_settings_put, "settings_put"},
		{"PATCH", "/api/v1/settings", h_settings_patch, "settings_patch"},
	};
	int rc = api_routes_add(app, settings, sizeof settings / sizeof settings[0]);
	if (rc)
		return rc;
	for (size_t i = 0; i < N_RESOURCES; i++) {
		routes[i].app = app;
		routes[i].res = &resources[i];
		if ((rc = resource_register(app, &routes[i])))
			return rc;
	}
	return 0;
}
