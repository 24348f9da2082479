/* test_auth.c: passwords, tokens, sessions, CSRF, API keys, roles and rate limiting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth/auth.h"
#include "base/err.h"
#include <stdio.h>
#include <string.h>

static int setup(void **state)
{
	(void)state;
	assert_int_equal(auth_init(), 0);
	auth_set_fast_hash(true);
	return 0;
}

static void test_password_roundtrip(void **state)
{
	(void)state;
	char h[AUTH_PWHASH_SIZE];
	assert_int_equal(auth_password_hash("correct horse battery", h), 0);
	assert_true(strncmp(h, "$argon2id$", 10) == 0);
	assert_int_equal(auth_password_verify(h, "correct horse battery"), 0);
	/* A second hash of the same password differs (random salt) and still verifies. */
	char h2[AUTH_PWHASH_SIZE];
	assert_int_equal(auth_password_hash("correct horse battery", h2), 0);
	assert_string_not_equal(h, h2);
	assert_int_equal(auth_password_verify(h2, "correct horse battery"), 0);
}

static void test_password_wrong(void **state)
{
	(void)state;
	char h[AUTH_PWHASH_SIZE];
	assert_int_equal(auth_password_hash("s3cret-password", h), 0);
	assert_int_equal(auth_password_verify(h, "s3cret-passworD"), -TN_EAUTH);
	assert_int_equal(auth_password_verify(h, ""), -TN_EAUTH);
	assert_int_equal(auth_password_verify("not a hash", "s3cret-password"), -TN_EAUTH);
	assert_int_equal(auth_password_verify(NULL, "x"), -TN_EAUTH);
	assert_int_equal(auth_password_verify(h, NULL), -TN_EAUTH);
}

static void test_password_check(void **state)
{
	(void)state;
	assert_int_equal(auth_password_check("short"), -TN_EINVAL_FIELD);
	assert_int_equal(auth_password_check("long enough"), 0);
	assert_int_equal(auth_password_check("bad \xff\xfe utf8"), -TN_EINVAL_FIELD);
	assert_int_equal(auth_password_check(NULL), -TN_EINVAL_FIELD);
	char gen[17];
	auth_password_generate(gen, sizeof gen, 16);
	assert_int_equal(strlen(gen), 16);
	assert_int_equal(auth_password_check(gen), 0);
}

static void test_tokens(void **state)
{
	(void)state;
	char a[AUTH_TOKEN_SIZE], b[AUTH_TOKEN_SIZE];
	auth_token_new(a);
	auth_token_new(b);
	assert_int_equal(strlen(a), 43);
	assert_string_not_equal(a, b);
	for (const char *p = a; *p; p++)
		assert_non_null(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", *p));
	char ha[AUTH_HASH_SIZE], ha2[AUTH_HASH_SIZE], hb[AUTH_HASH_SIZE];
	auth_token_hash(a, ha);
	auth_token_hash(a, ha2);
	auth_token_hash(b, hb);
	assert_int_equal(strlen(ha), 64);
	assert_string_equal(ha, ha2);
	assert_string_not_equal(ha, hb);
	assert_null(strstr(ha, a));
}

static void test_session_lookup_and_expiry(void **state)
{
	(void)state;
	struct auth_session_new s;
	auth_session_make(&s, 1000000, 3600);
	assert_int_equal(s.created, 1000000);
	assert_int_equal(s.expires, 1003600);
	/* What is stored is the hash; the client's token hashes back to it. */
	char h[AUTH_HASH_SIZE];
	auth_token_hash(s.token, h);
	assert_string_equal(h, s.token_hash);
	assert_string_not_equal(s.token, s.csrf);
	assert_true(auth_session_valid(s.expires, 1000000));
	assert_true(auth_session_valid(s.expires, 1003599));
	assert_false(auth_session_valid(s.expires, 1003600));
	assert_false(auth_session_valid(s.expires, 2000000));
}

static void test_csrf_compare(void **state)
{
	(void)state;
	struct auth_session_new s;
	auth_session_make(&s, 0, 60);
	char copy[AUTH_TOKEN_SIZE];
	memcpy(copy, s.csrf, sizeof copy);
	assert_true(auth_token_equal(s.csrf, copy));
	copy[5] = copy[5] == 'a' ? 'b' : 'a';
	assert_false(auth_token_equal(s.csrf, copy));
	assert_false(auth_token_equal(s.csrf, ""));
	assert_false(auth_token_equal(s.csrf, NULL));
	assert_false(auth_token_equal("", ""));
	char shorter[AUTH_TOKEN_SIZE];
	memcpy(shorter, s.csrf, sizeof shorter);
	shorter[20] = '\0';
	assert_false(auth_token_equal(s.csrf, shorter));
}

static void test_roles(void **state)
{
	(void)state;
	enum auth_role r;
	assert_int_equal(auth_role_parse("supervisor", &r), 0);
	assert_int_equal(r, AUTH_ROLE_SUPERVISOR);
	assert_string_equal(auth_role_name(AUTH_ROLE_ADMIN), "admin");
	assert_int_equal(auth_role_parse("root", &r), -EINVAL);
	assert_string_equal(auth_perm_name(AUTH_PERM_SETTINGS_WRITE), "settings.write");

	/* Agents read settings but do not write them; admins do both. */
	assert_true(auth_role_can(AUTH_ROLE_AGENT, false, AUTH_PERM_SETTINGS_READ));
	assert_false(auth_role_can(AUTH_ROLE_AGENT, false, AUTH_PERM_SETTINGS_WRITE));
	assert_false(auth_role_can(AUTH_ROLE_SUPERVISOR, false, AUTH_PERM_SETTINGS_WRITE));
	assert_true(auth_role_can(AUTH_ROLE_ADMIN, false, AUTH_PERM_SETTINGS_WRITE));
	assert_true(auth_role_can(AUTH_ROLE_SUPERVISOR, false, AUTH_PERM_QUEUES_SUPERVISE));
	assert_false(auth_role_can(AUTH_ROLE_AGENT, false, AUTH_PERM_QUEUES_SUPERVISE));
	assert_false(auth_role_can(AUTH_ROLE_AGENT, false, AUTH_PERM_USERS_READ));
	/* Tenants are a platform permission: no tenant role holds it. */
	assert_false(auth_role_can(AUTH_ROLE_ADMIN, false, AUTH_PERM_TENANTS_MANAGE));
	assert_true(auth_role_can(AUTH_ROLE_AGENT, true, AUTH_PERM_TENANTS_MANAGE));

	struct auth_principal p = {.user_id = 1, .role = AUTH_ROLE_ADMIN};
	assert_false(auth_principal_can(&p, AUTH_PERM_SETTINGS_READ));  /* no tenant chosen */
	p.has_tenant = true;
	p.tenant_id = 7;
	assert_true(auth_principal_can(&p, AUTH_PERM_KB_WRITE));
	assert_false(auth_principal_can(&p, AUTH_PERM_TENANTS_MANAGE));
	p.platform_admin = true;
	assert_true(auth_principal_can(&p, AUTH_PERM_TENANTS_MANAGE));
	p.via_api_key = true;
	assert_false(auth_principal_can(&p, AUTH_PERM_TENANTS_MANAGE));
	assert_false(auth_principal_can(NULL, AUTH_PERM_KB_READ));
}

static void test_apikey(void **state)
{
	(void)state;
	struct auth_apikey_new k, k2;
	auth_apikey_make(&k);
	auth_apikey_make(&k2);
	assert_int_equal(strlen(k.key), AUTH_APIKEY_SIZE - 1);
	assert_true(strncmp(k.key, "tk_", 3) == 0);
	assert_memory_equal(k.key + 3, k.prefix, AUTH_KEY_PREFIX_LEN);
	assert_string_not_equal(k.key, k2.key);
	assert_string_not_equal(k.hash, k2.hash);
	/* The stored hash does not contain the secret. */
	assert_null(strstr(k.hash, k.key + 3 + AUTH_KEY_PREFIX_LEN));

	char prefix[AUTH_KEY_PREFIX_LEN + 1], hash[AUTH_HASH_SIZE];
	assert_int_equal(auth_apikey_parse(k.key, prefix, hash), 0);
	assert_string_equal(prefix, k.prefix);
	assert_string_equal(hash, k.hash);

	/* A tampered key hashes differently, so a lookup by hash finds nothing. */
	char bad[AUTH_APIKEY_SIZE];
	memcpy(bad, k.key, sizeof bad);
	bad[20] = bad[20] == 'A' ? 'B' : 'A';
	assert_int_equal(auth_apikey_parse(bad, prefix, hash), 0);
	assert_string_not_equal(hash, k.hash);

	assert_int_equal(auth_apikey_parse("tk_short", prefix, hash), -TN_EAUTH);
	assert_int_equal(auth_apikey_parse(NULL, prefix, hash), -TN_EAUTH);
	memcpy(bad, k.key, sizeof bad);
	bad[0] = 'x';
	assert_int_equal(auth_apikey_parse(bad, prefix, hash), -TN_EAUTH);
	memcpy(bad, k.key, sizeof bad);
	bad[30] = '!';
	assert_int_equal(auth_apikey_parse(bad, prefix, hash), -TN_EAUTH);
}

static void test_ratelimit(void **state)
{
	(void)state;
	struct auth_ratelimit *rl = auth_ratelimit_new(5, 900, 4);
	assert_non_null(rl);
	char key[128], other[128];
	assert_int_equal(auth_ratelimit_key("Admin@Example.com", "10.0.0.1", key, sizeof key), 0);
	assert_string_equal(key, "admin@example.com|10.0.0.1");
	assert_int_equal(auth_ratelimit_key("admin@example.com", "10.0.0.2", other, sizeof other), 0);

	int64_t t = 1700000000, wait = 0;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(auth_ratelimit_check(rl, key, t + i, &wait), 0);
		assert_int_equal(auth_ratelimit_fail(rl, key, t + i), 0);
	}
	/* The sixth attempt within 15 minutes is refused until the first failure ages out. */
	assert_int_equal(auth_ratelimit_check(rl, key, t + 10, &wait), -TN_ELIMIT);
	assert_int_equal(wait, 890);
	assert_int_equal(auth_ratelimit_check(rl, key, t + 899, &wait), -TN_ELIMIT);
	assert_int_equal(wait, 1);
	/* Another address is not affected. */
	assert_int_equal(auth_ratelimit_check(rl, other, t + 10, NULL), 0);
	/* Once the oldest failure leaves the window, one more attempt is allowed. */
	assert_int_equal(auth_ratelimit_check(rl, key, t + 900, &wait), 0);
	assert_int_equal(auth_ratelimit_fail(rl, key, t + 900), 0);
	assert_int_equal(auth_ratelimit_check(rl, key, t + 900, &wait), -TN_ELIMIT);
	assert_int_equal(wait, 1);
	/* Well after the window everything is forgotten. */
	assert_int_equal(auth_ratelimit_check(rl, key, t + 5000, NULL), 0);

	/* A successful login clears the failures. */
	for (int i = 0; i < 4; i++)
		auth_ratelimit_fail(rl, other, t + i);
	auth_ratelimit_clear(rl, other);
	auth_ratelimit_fail(rl, other, t + 5);
	assert_int_equal(auth_ratelimit_check(rl, other, t + 5, NULL), 0);

	/* Capacity is bounded: new keys push out the least recently used. */
	char k[32];
	for (int i = 0; i < 10; i++) {
		snprintf(k, sizeof k, "u%d|ip", i);
		for (int j = 0; j < 5; j++)
			assert_int_equal(auth_ratelimit_fail(rl, k, t + 100 + i), 0);
	}
	assert_int_equal(auth_ratelimit_check(rl, "u9|ip", t + 200, NULL), -TN_ELIMIT);
	assert_int_equal(auth_ratelimit_check(rl, "u0|ip", t + 200, NULL), 0);
	auth_ratelimit_free(rl);
	assert_null(auth_ratelimit_new(0, 900, 4));
}

static void test_email(void **state)
{
	(void)state;
	char e1[] = "Admin@BrightLine.Example";
	assert_int_equal(auth_email_normalize(e1), 0);
	assert_string_equal(e1, "admin@brightline.example");
	char e2[] = "no-at-sign.example";
	assert_int_equal(auth_email_normalize(e2), -TN_EINVAL_FIELD);
	char e3[] = "a@b@c.example";
	assert_int_equal(auth_email_normalize(e3), -TN_EINVAL_FIELD);
	char e4[] = "a b@c.example";
	assert_int_equal(auth_email_normalize(e4), -TN_EINVAL_FIELD);
	char e5[] = "a@localhost";
	assert_int_equal(auth_email_normalize(e5), -TN_EINVAL_FIELD);
	char e6[] = "@c.example";
	assert_int_equal(auth_email_normalize(e6), -TN_EINVAL_FIELD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_roundtrip),
		cmocka_unit_test(test_password_wrong),
		cmocka_unit_test(test_password_check),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_session_lookup_and_expiry),
		cmocka_unit_test(test_csrf_compare),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_apikey),
		cmocka_unit_test(test_ratelimit),
		cmocka_unit_test(test_email),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
