/* test_resolve.c: sessions and API keys resolved against a real (in-memory) store:
 * lookup, expiry, disabled users, revocation, tenant choice and the CSRF rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth/auth.h"
#include "base/err.h"
#include "store/store.h"
#include <string.h>

#define NOW 1790000000

struct fixture {
	struct store *s;
	int64_t t1, t2;        /* tenants "alpha" and "beta" */
	int64_t solo, multi;   /* a user in alpha only; a user in both */
	int64_t none;          /* a user in no tenant */
	struct auth_session_new sess_solo, sess_multi, sess_none, sess_old;
	struct auth_apikey_new key_beta;
	int64_t key_beta_id;
};

static int build(struct store_conn *c, void *arg)
{
	struct fixture *f = arg;
	char h[AUTH_PWHASH_SIZE];
	int rc;
	if ((rc = auth_password_hash("a fine password", h)) ||
	    (rc = store_tenant_create(c, "alpha", "Alpha HVAC", "America/New_York", NULL, &f->t1)) ||
	    (rc = store_tenant_create(c, "beta", "Beta Plumbing", "America/Chicago", NULL, &f->t2)) ||
	    (rc = store_user_create(c, "solo@example.com", "Solo", h, false, NOW, &f->solo)) ||
	    (rc = store_user_create(c, "multi@example.com", "Multi", h, true, NOW, &f->multi)) ||
	    (rc = store_user_create(c, "none@example.com", "None", h, false, NOW, &f->none)) ||
	    (rc = store_membership_set(c, f->t1, f->solo, STORE_ROLE_AGENT)) ||
	    (rc = store_membership_set(c, f->t1, f->multi, STORE_ROLE_SUPERVISOR)) ||
	    (rc = store_membership_set(c, f->t2, f->multi, STORE_ROLE_ADMIN)))
		return rc;
	auth_session_make(&f->sess_solo, NOW, AUTH_SESSION_TTL);
	auth_session_make(&f->sess_multi, NOW, AUTH_SESSION_TTL);
	auth_session_make(&f->sess_none, NOW, AUTH_SESSION_TTL);
	auth_session_make(&f->sess_old, NOW - 2 * AUTH_SESSION_TTL, AUTH_SESSION_TTL);
	const struct {
		struct auth_session_new *s;
		int64_t user;
	} ss[] = {{&f->sess_solo, f->solo}, {&f->sess_multi, f->multi},
		  {&f->sess_none, f->none}, {&f->sess_old, f->solo}};
	for (size_t i = 0; i < sizeof ss / sizeof ss[0]; i++)
		if ((rc = store_session_create(c, ss[i].s->token_hash, ss[i].user, ss[i].s->csrf,
					       ss[i].s->created, ss[i].s->expires)))
			return rc;
	auth_apikey_make(&f->key_beta);
	return store_api_key_create(c, f->t2, "beta sync", f->key_beta.prefix, f->key_beta.hash,
				    NOW, &f->key_beta_id);
}

static int setup(void **state)
{
	static struct fixture f;
	memset(&f, 0, sizeof f);
	assert_int_equal(auth_init(), 0);
	auth_set_fast_hash(true);
	assert_int_equal(store_open(":memory:", &f.s), 0);
	assert_int_equal(store_write_sync(f.s, build, &f), 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	return 0;
}

static void test_session_lookup(void **state)
{
	struct fixture *f = *state;
	struct auth_principal p;
	struct store_conn *r = store_reader(f->s);
	assert_int_equal(auth_session_resolve(r, f->sess_solo.token, NOW + 10, &p), 0);
	assert_int_equal(p.user_id, f->solo);
	assert_false(p.platform_admin);
	assert_false(p.via_api_key);
	assert_string_equal(p.csrf, f->sess_solo.csrf);
	assert_string_equal(p.session_hash, f->sess_solo.token_hash);
	assert_false(p.has_tenant);  /* chosen separately */

	/* The stored hash is not a token: presenting it does not sign anyone in. */
	assert_int_equal(auth_session_resolve(r, f->sess_solo.token_hash, NOW, &p), -TN_EAUTH);
	assert_int_equal(auth_session_resolve(r, "made-up-token", NOW, &p), -TN_EAUTH);
	assert_int_equal(auth_session_resolve(r, "", NOW, &p), -TN_EAUTH);
	assert_int_equal(p.user_id, 0);
}

static void test_session_expiry(void **state)
{
	struct fixture *f = *state;
	struct auth_principal p;
	struct store_conn *r = store_reader(f->s);
	/* Created two lifetimes ago: expired. */
	assert_int_equal(auth_session_resolve(r, f->sess_old.token, NOW, &p), -TN_EAUTH);
	/* A fresh one is valid until its expiry and not at it. */
	assert_int_equal(auth_session_resolve(r, f->sess_solo.token,
					      f->sess_solo.expires - 1, &p), 0);
	assert_int_equal(auth_session_resolve(r, f->sess_solo.token, f->sess_solo.expires, &p),
			 -TN_EAUTH);
}

static int disable_none(struct store_conn *c, void *arg)
{
	struct fixture *f = arg;
	return store_user_set_disabled(c, f->none, true);
}

static void test_disabled_user(void **state)
{
	struct fixture *f = *state;
	struct auth_principal p;
	assert_int_equal(auth_session_resolve(store_reader(f->s), f->sess_none.token, NOW, &p), 0);
	assert_int_equal(store_write_sync(f->s, disable_none, f), 0);
	assert_int_equal(auth_session_resolve(store_reader(f->s), f->sess_none.token, NOW, &p),
			 -TN_EAUTH);
}

static void test_tenant_choice(void **state)
{
	struct fixture *f = *state;
	struct auth_principal p;
	struct store_conn *r = store_reader(f->s);

	/* One tenant: chosen without a header. */
	assert_int_equal(auth_session_resolve(r, f->sess_solo.token, NOW, &p), 0);
	assert_int_equal(auth_tenant_choose(r, &p, NULL, true), 0);
	assert_true(p.has_tenant);
	assert_int_equal(p.tenant_id, f->t1);
	assert_int_equal(p.role, AUTH_ROLE_AGENT);
	/* A tenant the user is not in answers like one that does not exist. */
	assert_int_equal(auth_session_resolve(r, f->sess_solo.token, NOW, &p), 0);
	assert_int_equal(auth_tenant_choose(r, &p, "beta", true), -TN_ENOTFOUND);
	assert_int_equal(auth_tenant_choose(r, &p, "gamma", true), -TN_ENOTFOUND);

	/* Several tenants: the header decides; without it, an error only when needed. */
	assert_int_equal(auth_session_resolve(r, f->sess_multi.token, NOW, &p), 0);
	assert_true(p.platform_admin);
	assert_int_equal(auth_tenant_choose(r, &p, "", true), -TN_EINVAL_FIELD);
	assert_int_equal(auth_tenant_choose(r, &p, NULL, false), 0);
	assert_false(p.has_tenant);
	assert_int_equal(auth_tenant_choose(r, &p, "beta", true), 0);
	assert_int_equal(p.tenant_id, f->t2);
	assert_int_equal(p.role, AUTH_ROLE_ADMIN);
	assert_true(auth_principal_can(&p, AUTH_PERM_SETTINGS_WRITE));
	assert_int_equal(auth_tenant_choose(r, &p, "alpha", true), 0);
	assert_int_equal(p.tenant_id, f->t1);
	assert_int_equal(p.role, AUTH_ROLE_SUPERVISOR);
	assert_false(auth_principal_can(&p, AUTH_PERM_SETTINGS_WRITE));
	assert_true(auth_principal_can(&p, AUTH_PERM_TENANTS_MANAGE));

	/* No tenant at all. */
	struct auth_principal q = {.user_id = f->none};
	assert_int_equal(auth_tenant_choose(r, &q, NULL, true), -TN_EINVAL_FIELD);
}

static int revoke_beta(struct store_conn *c, void *arg)
{
	struct fixture *f = arg;
	return store_api_key_revoke(c, f->t2, f->key_beta_id, NOW + 100);
}

static int revoke_beta_as_alpha(struct store_conn *c, void *arg)
{
	struct fixture *f = arg;
	return store_api_key_revoke(c, f->t1, f->key_beta_id, NOW + 100);
}

static void test_apikey_store_and_revoke(void **state)
{
	struct fixture *f = *state;
	struct auth_principal p;
	struct store_conn *r = store_reader(f->s);
	assert_int_equal(auth_apikey_resolve(r, f->key_beta.key, &p), 0);
	assert_true(p.via_api_key);
	assert_int_equal(p.tenant_id, f->t2);
	assert_int_equal(p.api_key_id, f->key_beta_id);
	assert_int_equal(p.role, AUTH_ROLE_ADMIN);
	assert_true(p.has_tenant);
	assert_false(auth_principal_can(&p, AUTH_PERM_TENANTS_MANAGE));
	/* The key's own tenant may be named; another may not. */
	assert_int_equal(auth_tenant_choose(r, &p, "beta", true), 0);
	assert_int_equal(auth_tenant_choose(r, &p, "alpha", true), -TN_ENOTFOUND);
	/* API keys skip CSRF; the store never holds the key itself. */
	assert_true(auth_csrf_ok(&p, "POST", NULL));

	/* A changed key, and the stored hash presented as a key, do not resolve. */
	char bad[AUTH_APIKEY_SIZE];
	memcpy(bad, f->key_beta.key, sizeof bad);
	bad[AUTH_APIKEY_SIZE - 2] = bad[AUTH_APIKEY_SIZE - 2] == 'x' ? 'y' : 'x';
	assert_int_equal(auth_apikey_resolve(r, bad, &p), -TN_EAUTH);
	assert_int_equal(auth_apikey_resolve(r, f->key_beta.hash, &p), -TN_EAUTH);

	/* Another tenant cannot revoke it; its own tenant can, and then it stops working. */
	assert_int_equal(store_write_sync(f->s, revoke_beta_as_alpha, f), -TN_ENOTFOUND);
	assert_int_equal(auth_apikey_resolve(r, f->key_beta.key, &p), 0);
	assert_int_equal(store_write_sync(f->s, revoke_beta, f), 0);
	assert_int_equal(auth_apikey_resolve(r, f->key_beta.key, &p), -TN_EAUTH);
	assert_false(p.via_api_key);
}

static void test_csrf_rule(void **state)
{
	struct fixture *f = *state;
	struct auth_principal p;
	assert_int_equal(auth_session_resolve(store_reader(f->s), f->sess_multi.token, NOW, &p), 0);
	assert_true(auth_csrf_ok(&p, "GET", NULL));
	assert_true(auth_csrf_ok(&p, "HEAD", NULL));
	assert_false(auth_csrf_ok(&p, "POST", NULL));
	assert_false(auth_csrf_ok(&p, "DELETE", ""));
	assert_false(auth_csrf_ok(&p, "PUT", f->sess_solo.csrf));  /* another session's */
	assert_true(auth_csrf_ok(&p, "PATCH", f->sess_multi.csrf));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_lookup),
		cmocka_unit_test(test_session_expiry),
		cmocka_unit_test(test_disabled_user),
		cmocka_unit_test(test_tenant_choice),
		cmocka_unit_test(test_apikey_store_and_revoke),
		cmocka_unit_test(test_csrf_rule),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
