/* seed.c: writes a business described by a seed document (the demo business) into the
 * store: the tenant, its settings, technicians and knowledge-base articles. */
#include "app/api.h"
#include "base/err.h"
#include "base/jsonx.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef TANDEM_HAVE_DEMO_SEED
extern const unsigned char tandem_demo_seed[];
extern const size_t tandem_demo_seed_len;
#endif

json_t *seed_demo_document(struct api_verr *e)
{
#ifdef TANDEM_HAVE_DEMO_SEED
	char err[160];
	json_t *doc = jsonx_parse((const char *)tandem_demo_seed, tandem_demo_seed_len, true,
				  err, sizeof err);
	if (!doc)
		api_verr_set(e, "the built-in demo document: %s", err);
	return doc;
#else
	api_verr_set(e, "this build has no demo document (data/demo/brightline.json was "
		     "missing when it was built)");
	return NULL;
#endif
}

struct seed_job {
	const char *slug;
	int64_t now;
	struct tenant_config cfg;
	struct tech_input *techs;
	size_t n_techs;
	struct kb_input *articles;
	size_t n_articles;
	struct seed_account *accounts;
	size_t n_accounts;
	int64_t tenant_id;
};

static int seed_account_run(struct store_conn *c, int64_t tenant_id, int64_t now,
			    struct seed_account *a)
{
	json_t *u = NULL;
	int64_t uid;
	int rc = store_user_get_by_email(c, a->email, &u);
	if (rc == 0) {
		uid = json_integer_value(json_object_get(u, "id"));
		json_decref(u);
		a->created = false;
	} else if (rc == -TN_ENOTFOUND) {
		if ((rc = store_user_create(c, a->email, a->name, a->password_hash,
					    a->platform_admin, now, &uid)))
			return rc;
		a->created = true;
	} else {
		return rc;
	}
	if (!a->role)
		return 0;
	enum store_role role;
	if (store_role_parse(a->role, &role))
		return -TN_EINVAL_FIELD;
	return store_membership_set(c, tenant_id, uid, role);
}

static int seed_run(struct store_conn *c, void *arg)
{
	struct seed_job *j = arg;
	int rc = store_tenant_create(c, j->slug, j->cfg.name, j->cfg.timezone, NULL,
				     &j->tenant_id);
	if (rc)
		return rc;
	if ((rc = tenant_config_apply(c, j->tenant_id, &j->cfg, true)))
		return rc;
	for (size_t i = 0; i < j->n_techs; i++)
		if ((rc = tech_input_apply(c, j->tenant_id, 0, &j->techs[i], NULL)))
			return rc;
	for (size_t i = 0; i < j->n_articles; i++)
		if ((rc = store_kb_create(c, j->tenant_id, j->articles[i].title,
					  j->articles[i].body, j->articles[i].tags, j->now, NULL)))
			return rc;
	for (size_t i = 0; i < j->n_accounts; i++)
		if ((rc = seed_account_run(c, j->tenant_id, j->now, &j->accounts[i])))
			return rc;
	return 0;
}

int seed_apply(struct store *s, const json_t *seed, struct seed_account *accounts,
	       size_t n_accounts, int64_t now, int64_t *tenant_id, struct api_verr *e)
{
	static const char *const ignore[] = {"technicians", "kb", NULL};
	struct seed_job j = {.now = now, .accounts = accounts, .n_accounts = n_accounts};
	int rc;
	if (!json_is_object(seed))
		return api_verr_set(e, "the seed must be a JSON object");
	j.slug = json_string_value(json_object_get(seed, "slug"));
	if (!api_valid_slug(j.slug))
		return api_verr_set(e, "slug must be 1-63 characters of a-z, 0-9 and '-'");
	if ((rc = tenant_config_parse(seed, true, ignore, &j.cfg, e)))
		return rc;
	json_t *techs = json_object_get(seed, "technicians");
	json_t *kb = json_object_get(seed, "kb");
	if ((techs && !json_is_array(techs)) || (kb && !json_is_array(kb))) {
		rc = api_verr_set(e, "technicians and kb must be arrays");
		goto out;
	}
	j.techs = calloc(json_array_size(techs) + 1, sizeof *j.techs);
	j.articles = calloc(json_array_size(kb) + 1, sizeof *j.articles);
	if (!j.techs || !j.articles) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < json_array_size(techs); i++) {
		struct api_verr te;
		if ((rc = tech_input_parse(json_array_get(techs, i), &j.techs[i], &te))) {
			api_verr_set(e, "technicians[%zu].%s", i, te.msg);
			goto out;
		}
		j.n_techs++;
	}
	for (size_t i = 0; i < json_array_size(kb); i++) {
		struct api_verr ke;
		if ((rc = kb_input_parse(json_array_get(kb, i), &j.articles[i], &ke))) {
			api_verr_set(e, "kb[%zu].%s", i, ke.msg);
			goto out;
		}
		j.n_articles++;
	}
	rc = store_write_sync(s, seed_run, &j);
	if (rc == -TN_ECONFLICT)
		api_verr_set(e, "a business with slug '%s' already exists", j.slug);
	else if (rc)
		api_verr_set(e, "seeding failed: %s", tn_strerror(rc));
	else if (tenant_id)
		*tenant_id = j.tenant_id;
out:
	for (size_t i = 0; i < j.n_techs; i++)
		tech_input_free(&j.techs[i]);
	for (size_t i = 0; i < j.n_articles; i++)
		kb_input_free(&j.articles[i]);
	free(j.techs);
	free(j.articles);
	tenant_config_free(&j.cfg);
	return rc;
}
