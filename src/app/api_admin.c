/* api_admin.c: tenant administration over /api/v1: settings, technicians, knowledge-base
 * articles, users, API keys and (platform admins) tenants. Reads use the loop thread's
 * read connection; every write goes through the store's writer and is answered only
 * after its commit. */
#include "app/api.h"
#include "app/app.h"
#include "base/err.h"
#include "http/http.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Responds to a read: the document or the error. Consumes v. */
static int respond_read(struct http_request *req, int rc, json_t *v)
{
	if (rc)
		api_respond_code(req, rc, NULL);
	else
		http_respond_json(req, 200, v);
	json_decref(v);
	return 0;
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
	return respond_read(req, rc, doc);
}

static int settings_run(struct store_conn *c, struct api_op *op)
{
	int rc = tenant_config_apply(c, op->p.tenant_id, &op->cfg, op->n1 != 0);
	if (rc)
		return rc;
	return tenant_config_load(c, op->p.tenant_id, &op->result);
}

static int settings_write(struct http_request *req, struct app *app, bool replace)
{
	struct auth_principal p;
	if (api_require(app, req, AUTH_PERM_SETTINGS_WRITE, &p))
		return 0;
	json_t *in = api_body_json(req);
	if (!in)
		return 0;
	struct api_op *op = api_op_new(app, req, &p, settings_run, 200);
	if (!op) {
		json_decref(in);
		return 0;
	}
	op->in = in;
	op->n1 = replace;
	struct api_verr e;
	int rc = tenant_config_parse(in, replace, NULL, &op->cfg, &e);
	if (rc) {
		api_respond_code(req, rc, e.msg);
		api_op_free(op);
		return 0;
	}
	return api_op_submit(op);
}

static int h_settings_put(struct http_request *req, void *arg)
{
	return settings_write(req, arg, true);
}

static int h_settings_patch(struct http_request *req, void *arg)
{
	return settings_write(req, arg, false);
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

static int h_tech_list(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	if (api_require(app, req, AUTH_PERM_TECHNICIANS_READ, &p))
		return 0;
	json_t *list = NULL;
	int rc = store_technician_list(store_reader(app->store), p.tenant_id, &list);
	if (!rc) {
		size_t i;
		json_t *t;
		json_array_foreach(list, i, t)
			tech_json(t);
	}
	return respond_read(req, rc, rc ? NULL : json_pack("{so}", "technicians", list));
}

static int h_tech_get(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	int64_t id;
	if (api_require(app, req, AUTH_PERM_TECHNICIANS_READ, &p) || api_param_id(req, "id", &id))
		return 0;
	json_t *t = NULL;
	int rc = store_technician_get(store_reader(app->store), p.tenant_id, id, &t);
	return respond_read(req, rc, rc ? NULL : tech_json(t));
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

static int tech_save(struct http_request *req, struct app *app, bool create)
{
	struct auth_principal p;
	int64_t id = 0;
	if (api_require(app, req, AUTH_PERM_TECHNICIANS_WRITE, &p) ||
	    (!create && api_param_id(req, "id", &id)))
		return 0;
	json_t *in = api_body_json(req);
	if (!in)
		return 0;
	struct api_op *op = api_op_new(app, req, &p, tech_save_run, create ? 201 : 200);
	if (!op) {
		json_decref(in);
		return 0;
	}
	op->in = in;
	op->id = id;
	struct api_verr e;
	int rc = tech_input_parse(in, &op->tech, &e);
	if (rc) {
		api_respond_code(req, rc, e.msg);
		api_op_free(op);
		return 0;
	}
	return api_op_submit(op);
}

static int h_tech_create(struct http_request *req, void *arg)
{
	return tech_save(req, arg, true);
}

static int h_tech_put(struct http_request *req, void *arg)
{
	return tech_save(req, arg, false);
}

static int tech_delete_run(struct store_conn *c, struct api_op *op)
{
	int rc = store_technician_delete(c, op->p.tenant_id, op->id);
	if (rc == -TN_ECONFLICT)
		snprintf(op->msg, sizeof op->msg, "the technician has appointments: set active "
			 "to false instead");
	return rc;
}

static int h_tech_delete(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	int64_t id;
	if (api_require(app, req, AUTH_PERM_TECHNICIANS_WRITE, &p) || api_param_id(req, "id", &id))
		return 0;
	struct api_op *op = api_op_new(app, req, &p, tech_delete_run, 204);
	if (!op)
		return 0;
	op->id = id;
	return api_op_submit(op);
}

/* ---- knowledge base ----------------------------------------------------------------- */

static int h_kb_list(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	if (api_require(app, req, AUTH_PERM_KB_READ, &p))
		return 0;
	json_t *list = NULL;
	int rc = store_kb_list(store_reader(app->store), p.tenant_id, &list);
	return respond_read(req, rc, rc ? NULL : json_pack("{so}", "articles", list));
}

static int h_kb_get(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	int64_t id;
	if (api_require(app, req, AUTH_PERM_KB_READ, &p) || api_param_id(req, "id", &id))
		return 0;
	json_t *a = NULL;
	int rc = store_kb_get(store_reader(app->store), p.tenant_id, id, &a);
	return respond_read(req, rc, a);
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

static int kb_save(struct http_request *req, struct app *app, bool create)
{
	struct auth_principal p;
	int64_t id = 0;
	if (api_require(app, req, AUTH_PERM_KB_WRITE, &p) || (!create && api_param_id(req, "id", &id)))
		return 0;
	json_t *in = api_body_json(req);
	if (!in)
		return 0;
	struct api_op *op = api_op_new(app, req, &p, kb_save_run, create ? 201 : 200);
	if (!op) {
		json_decref(in);
		return 0;
	}
	op->in = in;
	op->id = id;
	struct api_verr e;
	int rc = kb_input_parse(in, &op->kb, &e);
	if (rc) {
		api_respond_code(req, rc, e.msg);
		api_op_free(op);
		return 0;
	}
	return api_op_submit(op);
}

static int h_kb_create(struct http_request *req, void *arg)
{
	return kb_save(req, arg, true);
}

static int h_kb_put(struct http_request *req, void *arg)
{
	return kb_save(req, arg, false);
}

static int kb_delete_run(struct store_conn *c, struct api_op *op)
{
	return store_kb_delete(c, op->p.tenant_id, op->id);
}

static int h_kb_delete(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	int64_t id;
	if (api_require(app, req, AUTH_PERM_KB_WRITE, &p) || api_param_id(req, "id", &id))
		return 0;
	struct api_op *op = api_op_new(app, req, &p, kb_delete_run, 204);
	if (!op)
		return 0;
	op->id = id;
	return api_op_submit(op);
}

/* ---- users of the tenant --------------------------------------------------------------- */

static json_t *member_json(const json_t *u, const char *role)
{
	return json_pack("{sOsOsOss}", "id", json_object_get(u, "id"),
			 "email", json_object_get(u, "email"), "name", json_object_get(u, "name"),
			 "role", role);
}

static int h_users_list(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	if (api_require(app, req, AUTH_PERM_USERS_READ, &p))
		return 0;
	json_t *list = NULL;
	int rc = store_user_list_by_tenant(store_reader(app->store), p.tenant_id, &list);
	json_t *out = NULL;
	if (!rc) {
		json_t *users = json_array();
		size_t i;
		json_t *u;
		json_array_foreach(list, i, u)
			json_array_append_new(users, member_json(u, json_string_value(
							     json_object_get(u, "role"))));
		out = json_pack("{so}", "users", users);
	}
	json_decref(list);
	return respond_read(req, rc, out);
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

static int h_users_add(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	if (api_require(app, req, AUTH_PERM_USERS_WRITE, &p))
		return 0;
	json_t *in = api_body_json(req);
	if (!in)
		return 0;
	struct api_op *op = api_op_new(app, req, &p, user_add_run, 201);
	if (!op) {
		json_decref(in);
		return 0;
	}
	op->in = in;
	const char *key;
	json_t *v;
	int rc = 0;
	struct api_verr e = {{0}};
	json_object_foreach(in, key, v)
		if (strcmp(key, "email") && strcmp(key, "name") && strcmp(key, "role") &&
		    strcmp(key, "password")) {
			rc = api_verr_set(&e, "%s is not a known field", key);
			goto fail;
		}
	const char *email = json_string_value(json_object_get(in, "email"));
	const char *name = json_string_value(json_object_get(in, "name"));
	const char *role = json_string_value(json_object_get(in, "role"));
	const char *password = json_string_value(json_object_get(in, "password"));
	enum store_role r;
	if (!email || strlen(email) >= sizeof op->s1) {
		rc = api_verr_set(&e, "email is required");
		goto fail;
	}
	snprintf(op->s1, sizeof op->s1, "%s", email);
	if (auth_email_normalize(op->s1)) {
		rc = api_verr_set(&e, "email is not a valid address");
		goto fail;
	}
	if (json_object_get(in, "name") && (!name || !*name || strlen(name) > 200)) {
		rc = api_verr_set(&e, "name must be a non-empty string of at most 200 bytes");
		goto fail;
	}
	snprintf(op->s2, sizeof op->s2, "%s", name ? name : "");
	if (!role || store_role_parse(role, &r)) {
		rc = api_verr_set(&e, "role must be admin, supervisor or agent");
		goto fail;
	}
	op->n1 = r;
	if (json_object_get(in, "password")) {
		if (!password || auth_password_check(password)) {
			rc = api_verr_set(&e, "password must be %d to %d bytes of UTF-8",
					  AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
			goto fail;
		}
		snprintf(op->secret, sizeof op->secret, "%s", password);
		if (strlen(password) >= sizeof op->secret) {
			rc = api_verr_set(&e, "password is too long");
			goto fail;
		}
	}
	/* An existing account is only added; a new one needs a password hash, computed off
	 * the loop (argon2id takes a while on purpose). */
	json_t *existing = NULL;
	if (store_user_get_by_email(store_reader(app->store), op->s1, &existing) == 0) {
		json_decref(existing);
		return api_op_submit(op);
	}
	bool generated = !op->secret[0];
	if (generated)
		auth_password_generate(op->secret, sizeof op->secret, 16);
	op->id = generated;  /* only a generated password is shown (once) */
	return api_op_prework(op, user_hash_work);
fail:
	api_respond_code(req, rc, e.msg);
	api_op_free(op);
	return 0;
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

static int h_users_put(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	int64_t id;
	if (api_require(app, req, AUTH_PERM_USERS_WRITE, &p) || api_param_id(req, "id", &id))
		return 0;
	json_t *in = api_body_json(req);
	if (!in)
		return 0;
	enum store_role r;
	const char *key;
	json_t *v;
	json_object_foreach(in, key, v)
		if (strcmp(key, "role")) {
			char m[160];
			snprintf(m, sizeof m, "%.64s is not a known field (only role can change)", key);
			http_respond_error(req, 400, "validation_failed", m);
			json_decref(in);
			return 0;
		}
	if (store_role_parse(json_string_value(json_object_get(in, "role")), &r)) {
		http_respond_error(req, 400, "validation_failed", "role must be admin, supervisor or agent");
		json_decref(in);
		return 0;
	}
	struct api_op *op = api_op_new(app, req, &p, user_role_run, 200);
	if (!op) {
		json_decref(in);
		return 0;
	}
	op->in = in;
	op->id = id;
	op->n1 = r;
	return api_op_submit(op);
}

static int user_remove_run(struct store_conn *c, struct api_op *op)
{
	int rc = keep_an_admin(c, op, op->id);
	return rc ? rc : store_membership_remove(c, op->p.tenant_id, op->id);
}

static int h_users_delete(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	int64_t id;
	if (api_require(app, req, AUTH_PERM_USERS_WRITE, &p) || api_param_id(req, "id", &id))
		return 0;
	struct api_op *op = api_op_new(app, req, &p, user_remove_run, 204);
	if (!op)
		return 0;
	op->id = id;
	return api_op_submit(op);
}

/* ---- API keys ---------------------------------------------------------------------- */

static int h_keys_list(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	if (api_require(app, req, AUTH_PERM_APIKEYS_MANAGE, &p))
		return 0;
	json_t *list = NULL;
	int rc = store_api_key_list(store_reader(app->store), p.tenant_id, &list);
	return respond_read(req, rc, rc ? NULL : json_pack("{so}", "api_keys", list));
}

/* op->s1 name, op->s2 prefix, op->hash key hash, op->secret the key. */
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

static int h_keys_create(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	if (api_require(app, req, AUTH_PERM_APIKEYS_MANAGE, &p))
		return 0;
	json_t *in = api_body_json(req);
	if (!in)
		return 0;
	const char *key;
	json_t *v;
	const char *name = json_string_value(json_object_get(in, "name"));
	json_object_foreach(in, key, v)
		if (strcmp(key, "name")) {
			char m[160];
			snprintf(m, sizeof m, "%.64s is not a known field", key);
			http_respond_error(req, 400, "validation_failed", m);
			json_decref(in);
			return 0;
		}
	if (!name || !*name || strlen(name) > 200) {
		http_respond_error(req, 400, "validation_failed",
				   "name is required (a label such as \"crm sync\")");
		json_decref(in);
		return 0;
	}
	struct api_op *op = api_op_new(app, req, &p, key_create_run, 201);
	if (!op) {
		json_decref(in);
		return 0;
	}
	op->in = in;
	struct auth_apikey_new k;
	auth_apikey_make(&k);
	snprintf(op->s1, sizeof op->s1, "%s", name);
	snprintf(op->s2, sizeof op->s2, "%s", k.prefix);
	snprintf(op->hash, sizeof op->hash, "%s", k.hash);
	snprintf(op->secret, sizeof op->secret, "%s", k.key);
	memset(&k, 0, sizeof k);
	return api_op_submit(op);
}

static int key_revoke_run(struct store_conn *c, struct api_op *op)
{
	return store_api_key_revoke(c, op->p.tenant_id, op->id, op->now);
}

static int h_keys_delete(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	int64_t id;
	if (api_require(app, req, AUTH_PERM_APIKEYS_MANAGE, &p) || api_param_id(req, "id", &id))
		return 0;
	struct api_op *op = api_op_new(app, req, &p, key_revoke_run, 204);
	if (!op)
		return 0;
	op->id = id;
	return api_op_submit(op);
}

/* ---- tenants (platform admins) ----------------------------------------------------------- */

static json_t *tenant_json(const json_t *t)
{
	return json_pack("{sOsOsOsO}", "id", json_object_get(t, "id"),
			 "slug", json_object_get(t, "slug"), "name", json_object_get(t, "name"),
			 "timezone", json_object_get(t, "timezone"));
}

static int h_tenants_list(struct http_request *req, void *arg)
{
	struct app *app = arg;
	struct auth_principal p;
	if (api_require(app, req, AUTH_PERM_TENANTS_MANAGE, &p))
		return 0;
	json_t *list = NULL;
	int rc = store_tenant_list(store_reader(app->store), &list);
	json_t *out = NULL;
	if (!rc) {
		json_t *arr = json_array();
		size_t i;
		json_t *t;
		json_array_foreach(list, i, t)
			json_array_append_new(arr, tenant_json(t));
		out = json_pack("{so}", "tenants", arr);
	}
	json_decref(list);
	return respond_read(req, rc, out);
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

static int h_tenants_create(struct http_request *req, void *arg)
{
	static const char *const ignore[] = {"admin_email", NULL};
	struct app *app = arg;
	struct auth_principal p;
	if (api_require(app, req, AUTH_PERM_TENANTS_MANAGE, &p))
		return 0;
	json_t *in = api_body_json(req);
	if (!in)
		return 0;
	struct api_op *op = api_op_new(app, req, &p, tenant_create_run, 201);
	if (!op) {
		json_decref(in);
		return 0;
	}
	op->in = in;
	struct api_verr e = {{0}};
	int rc;
	const char *slug = json_string_value(json_object_get(in, "slug"));
	json_t *admin = json_object_get(in, "admin_email");
	if (!api_valid_slug(slug)) {
		rc = api_verr_set(&e, "slug must be 1-63 characters of a-z, 0-9 and '-'");
		goto fail;
	}
	snprintf(op->s1, sizeof op->s1, "%s", slug);
	if (admin) {
		if (!json_is_string(admin) || json_string_length(admin) >= sizeof op->s2) {
			rc = api_verr_set(&e, "admin_email must be an email address");
			goto fail;
		}
		snprintf(op->s2, sizeof op->s2, "%s", json_string_value(admin));
		if (auth_email_normalize(op->s2)) {
			rc = api_verr_set(&e, "admin_email is not a valid address");
			goto fail;
		}
	}
	/* name and timezone are required; the rest of the settings come later. */
	if ((rc = tenant_config_parse(in, true, ignore, &op->cfg, &e)))
		goto fail;
	if (op->cfg.has_hours || op->cfg.has_holidays || op->cfg.has_zips ||
	    op->cfg.has_services || json_object_size(op->cfg.extra)) {
		rc = api_verr_set(&e, "a new tenant takes slug, name, timezone and admin_email; "
				  "set the rest with PUT /api/v1/settings");
		goto fail;
	}
	return api_op_submit(op);
fail:
	api_respond_code(req, rc, e.msg);
	api_op_free(op);
	return 0;
}

int api_admin_register(struct app *app)
{
	static const struct {
		const char *method, *path;
		http_handler_fn fn;
		const char *name;
	} routes[] = {
		{"GET", "/api/v1/settings", h_settings_get, "settings_get"},
		{"PUT", "/api/v1/settings", h_settings_put, "settings_put"},
		{"PATCH", "/api/v1/settings", h_settings_patch, "settings_patch"},
		{"GET", "/api/v1/technicians", h_tech_list, "technicians_list"},
		{"POST", "/api/v1/technicians", h_tech_create, "technicians_create"},
		{"GET", "/api/v1/technicians/{id}", h_tech_get, "technicians_get"},
		{"PUT", "/api/v1/technicians/{id}", h_tech_put, "technicians_put"},
		{"DELETE", "/api/v1/technicians/{id}", h_tech_delete, "technicians_delete"},
		{"GET", "/api/v1/kb/articles", h_kb_list, "kb_list"},
		{"POST", "/api/v1/kb/articles", h_kb_create, "kb_create"},
		{"GET", "/api/v1/kb/articles/{id}", h_kb_get, "kb_get"},
		{"PUT", "/api/v1/kb/articles/{id}", h_kb_put, "kb_put"},
		{"DELETE", "/api/v1/kb/articles/{id}", h_kb_delete, "kb_delete"},
		{"GET", "/api/v1/users", h_users_list, "users_list"},
		{"POST", "/api/v1/users", h_users_add, "users_add"},
		{"PUT", "/api/v1/users/{id}", h_users_put, "users_put"},
		{"DELETE", "/api/v1/users/{id}", h_users_delete, "users_delete"},
		{"GET", "/api/v1/api-keys", h_keys_list, "api_keys_list"},
		{"POST", "/api/v1/api-keys", h_keys_create, "api_keys_create"},
		{"DELETE", "/api/v1/api-keys/{id}", h_keys_delete, "api_keys_delete"},
		{"GET", "/api/v1/tenants", h_tenants_list, "tenants_list"},
		{"POST", "/api/v1/tenants", h_tenants_create, "tenants_create"},
	};
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		int rc = http_route(app->http, routes[i].method, routes[i].path, routes[i].fn, app,
				    routes[i].name);
		if (rc)
			return rc;
	}
	return 0;
}
