/* resolve.c: turning a session cookie or an API key into a principal, choosing the
 * request's tenant, and the CSRF rule. Reads only. */
#include "auth/auth.h"
#include "base/err.h"
#include "store/store.h"
#include <stdio.h>
#include <string.h>

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

int auth_session_resolve(struct store_conn *r, const char *token, int64_t now,
			 struct auth_principal *p)
{
	json_t *s = NULL, *u = NULL;
	int rc;
	memset(p, 0, sizeof *p);
	if (!token || !*token || strlen(token) >= AUTH_TOKEN_SIZE)
		return -TN_EAUTH;
	auth_token_hash(token, p->session_hash);
	rc = store_session_lookup(r, p->session_hash, now, &s);
	if (rc) {
		rc = rc == -TN_ENOTFOUND ? -TN_EAUTH : rc;
		goto out;
	}
	p->user_id = json_integer_value(json_object_get(s, "user_id"));
	snprintf(p->csrf, sizeof p->csrf, "%s",
		 str_or_empty(json_string_value(json_object_get(s, "csrf_token"))));
	p->session_last_seen = json_integer_value(json_object_get(s, "last_seen"));
	if ((rc = store_user_get(r, p->user_id, &u))) {
		rc = rc == -TN_ENOTFOUND ? -TN_EAUTH : rc;
		goto out;
	}
	if (json_is_true(json_object_get(u, "disabled"))) {
		rc = -TN_EAUTH;
		goto out;
	}
	p->platform_admin = json_is_true(json_object_get(u, "is_platform_admin"));
out:
	if (rc)
		memset(p, 0, sizeof *p);
	json_decref(s);
	json_decref(u);
	return rc;
}

int auth_apikey_resolve(struct store_conn *r, const char *key, struct auth_principal *p)
{
	char prefix[AUTH_KEY_PREFIX_LEN + 1], hash[AUTH_HASH_SIZE];
	json_t *k = NULL;
	memset(p, 0, sizeof *p);
	if (auth_apikey_parse(key, prefix, hash))
		return -TN_EAUTH;
	int rc = store_api_key_lookup(r, hash, &k);
	if (rc)
		return rc == -TN_ENOTFOUND ? -TN_EAUTH : rc;
	p->via_api_key = true;
	p->api_key_id = json_integer_value(json_object_get(k, "id"));
	p->tenant_id = json_integer_value(json_object_get(k, "tenant_id"));
	p->role = AUTH_ROLE_ADMIN;
	p->has_tenant = true;
	json_decref(k);
	return 0;
}

static int key_tenant(struct store_conn *r, struct auth_principal *p, const char *slug)
{
	json_t *t = NULL;
	if (!slug || !*slug)
		return 0;
	int rc = store_tenant_get(r, p->tenant_id, &t);
	if (rc == 0 && strcmp(str_or_empty(json_string_value(json_object_get(t, "slug"))), slug))
		rc = -TN_ENOTFOUND;
	json_decref(t);
	return rc;
}

int auth_tenant_choose(struct store_conn *r, struct auth_principal *p, const char *slug,
		       bool need_tenant)
{
	if (p->via_api_key)
		return key_tenant(r, p, slug);
	json_t *ms = NULL, *chosen = NULL;
	int rc = store_membership_list_for_user(r, p->user_id, &ms);
	if (rc)
		return rc;
	if (slug && *slug) {
		size_t i;
		json_t *m;
		json_array_foreach(ms, i, m)
			if (!strcmp(str_or_empty(json_string_value(json_object_get(m, "slug"))), slug))
				chosen = m;
		if (!chosen) {
			rc = -TN_ENOTFOUND;
			goto out;
		}
	} else if (json_array_size(ms) == 1) {
		chosen = json_array_get(ms, 0);
	} else if (need_tenant) {
		rc = -TN_EINVAL_FIELD;
		goto out;
	}
	if (chosen) {
		enum auth_role role;
		if (auth_role_parse(json_string_value(json_object_get(chosen, "role")), &role)) {
			rc = -TN_ESTORE;
			goto out;
		}
		p->tenant_id = json_integer_value(json_object_get(chosen, "tenant_id"));
		p->role = role;
		p->has_tenant = true;
	}
out:
	json_decref(ms);
	return rc;
}

bool auth_csrf_ok(const struct auth_principal *p, const char *method, const char *header)
{
	if (!strcmp(method, "GET") || !strcmp(method, "HEAD") || !strcmp(method, "OPTIONS"))
		return true;
	if (p->via_api_key)
		return true;
	return auth_token_equal(p->csrf, header);
}
