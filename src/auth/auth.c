/* auth.c: password hashing, tokens, sessions, API keys, roles and login rate limiting. */
#include "auth/auth.h"
#include "base/err.h"
#include "base/str.h"
#include "base/utf8.h"
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_int fast_hash = -1;  /* -1: not decided yet (read the environment) */

int auth_init(void)
{
	if (sodium_init() < 0)
		return -EIO;
	if (atomic_load(&fast_hash) < 0) {
		const char *e = getenv("TANDEM_PWHASH_FAST");
		int expected = -1;
		atomic_compare_exchange_strong(&fast_hash, &expected, e && !strcmp(e, "1"));
	}
	return 0;
}

void auth_set_fast_hash(bool fast)
{
	atomic_store(&fast_hash, fast ? 1 : 0);
}

static void limits(unsigned long long *ops, size_t *mem)
{
	if (atomic_load(&fast_hash) == 1) {
		*ops = crypto_pwhash_OPSLIMIT_MIN;
		*mem = crypto_pwhash_MEMLIMIT_MIN;
	} else {
		/* The interactive limits: about 64 MiB and a fraction of a second. */
		*ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		*mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	}
}

int auth_password_check(const char *password)
{
	if (!password)
		return -TN_EINVAL_FIELD;
	size_t n = strlen(password);
	if (n < AUTH_PASSWORD_MIN || n > AUTH_PASSWORD_MAX || !utf8_valid(password, n))
		return -TN_EINVAL_FIELD;
	return 0;
}

int auth_password_hash(const char *password, char out[AUTH_PWHASH_SIZE])
{
	_Static_assert(AUTH_PWHASH_SIZE >= crypto_pwhash_STRBYTES, "hash buffer too small");
	if (!password || strlen(password) > AUTH_PASSWORD_MAX)
		return -EINVAL;
	if (auth_init())
		return -EIO;
	unsigned long long ops;
	size_t mem;
	limits(&ops, &mem);
	memset(out, 0, AUTH_PWHASH_SIZE);
	if (crypto_pwhash_str_alg(out, password, strlen(password), ops, mem,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return -ENOMEM;
	return 0;
}

int auth_password_verify(const char *encoded, const char *password)
{
	if (!encoded || !password || strlen(password) > AUTH_PASSWORD_MAX)
		return -TN_EAUTH;
	if (auth_init())
		return -TN_EAUTH;
	if (strnlen(encoded, AUTH_PWHASH_SIZE) >= AUTH_PWHASH_SIZE)
		return -TN_EAUTH;
	if (crypto_pwhash_str_verify(encoded, password, strlen(password)) != 0)
		return -TN_EAUTH;
	return 0;
}

void auth_password_burn(void)
{
	/* Hashed once per process with the current limits; the verification below then
	 * costs what a real one costs. */
	static char dummy[AUTH_PWHASH_SIZE];
	static atomic_int ready;
	if (!atomic_load(&ready)) {
		if (auth_password_hash("tandem-dummy-password", dummy))
			return;
		atomic_store(&ready, 1);
	}
	(void)auth_password_verify(dummy, "not-the-password");
}

static void b64url(const unsigned char *bin, size_t n, char *out, size_t outn)
{
	sodium_bin2base64(out, outn, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void auth_token_new(char out[AUTH_TOKEN_SIZE])
{
	_Static_assert(AUTH_TOKEN_SIZE ==
			       sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
		       "token size");
	unsigned char raw[32];
	(void)auth_init();
	randombytes_buf(raw, sizeof raw);
	b64url(raw, sizeof raw, out, AUTH_TOKEN_SIZE);
	sodium_memzero(raw, sizeof raw);
}

void auth_password_generate(char *out, size_t n, size_t len)
{
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	if (!n)
		return;
	if (len >= n)
		len = n - 1;
	(void)auth_init();
	for (size_t i = 0; i < len; i++)
		out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	out[len] = '\0';
}

void auth_token_hash(const char *token, char out[AUTH_HASH_SIZE])
{
	unsigned char digest[32];
	(void)auth_init();
	crypto_generichash(digest, sizeof digest, (const unsigned char *)token, strlen(token),
			   NULL, 0);
	sodium_bin2hex(out, AUTH_HASH_SIZE, digest, sizeof digest);
}

bool auth_token_equal(const char *expected, const char *given)
{
	if (!expected || !given)
		return false;
	size_t n = strlen(expected);
	if (n == 0 || strlen(given) != n)
		return false;
	return str_ct_equal(expected, given, n);
}

void auth_session_make(struct auth_session_new *s, int64_t now, int64_t ttl)
{
	auth_token_new(s->token);
	auth_token_hash(s->token, s->token_hash);
	auth_token_new(s->csrf);
	s->created = now;
	s->expires = now + ttl;
}

bool auth_session_valid(int64_t expires, int64_t now)
{
	return now < expires;
}

void auth_apikey_make(struct auth_apikey_new *k)
{
	unsigned char raw[6];
	char prefix[9 + 1];
	char secret[AUTH_TOKEN_SIZE];
	(void)auth_init();
	randombytes_buf(raw, sizeof raw);
	b64url(raw, sizeof raw, prefix, sizeof prefix);  /* 6 bytes -> 8 characters */
	memcpy(k->prefix, prefix, AUTH_KEY_PREFIX_LEN);
	k->prefix[AUTH_KEY_PREFIX_LEN] = '\0';
	auth_token_new(secret);
	snprintf(k->key, sizeof k->key, "tk_%s%s", k->prefix, secret);
	auth_token_hash(k->key, k->hash);
	sodium_memzero(secret, sizeof secret);
}

static bool is_b64url(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int auth_apikey_parse(const char *key, char prefix[AUTH_KEY_PREFIX_LEN + 1],
		      char hash[AUTH_HASH_SIZE])
{
	if (!key || strnlen(key, AUTH_APIKEY_SIZE) != AUTH_APIKEY_SIZE - 1 ||
	    strncmp(key, "tk_", 3) != 0)
		return -TN_EAUTH;
	for (const char *p = key + 3; *p; p++)
		if (!is_b64url(*p))
			return -TN_EAUTH;
	memcpy(prefix, key + 3, AUTH_KEY_PREFIX_LEN);
	prefix[AUTH_KEY_PREFIX_LEN] = '\0';
	auth_token_hash(key, hash);
	return 0;
}

static const char *const role_names[] = {
#define X(e, s) [e] = s,
	AUTH_ROLES(X)
#undef X
};

const char *auth_role_name(enum auth_role r)
{
	return (unsigned)r < AUTH_ROLE_COUNT ? role_names[r] : "?";
}

int auth_role_parse(const char *s, enum auth_role *out)
{
	if (!s)
		return -EINVAL;
	for (int i = 0; i < AUTH_ROLE_COUNT; i++)
		if (!strcmp(s, role_names[i])) {
			*out = (enum auth_role)i;
			return 0;
		}
	return -EINVAL;
}

static const struct {
	const char *name;
	int least;  /* an enum auth_role, or AUTH_LEAST_PLATFORM */
} perms[] = {
#define X(e, s, l) [e] = {s, l},
	AUTH_PERMS(X)
#undef X
};

const char *auth_perm_name(enum auth_perm p)
{
	return (unsigned)p < AUTH_PERM_COUNT ? perms[p].name : "?";
}

bool auth_role_can(enum auth_role role, bool platform_admin, enum auth_perm p)
{
	if ((unsigned)p >= AUTH_PERM_COUNT)
		return false;
	if (perms[p].least == AUTH_LEAST_PLATFORM)
		return platform_admin;
	if ((unsigned)role >= AUTH_ROLE_COUNT)
		return false;
	return (int)role >= perms[p].least;
}

bool auth_principal_can(const struct auth_principal *p, enum auth_perm perm)
{
	if (!p || (unsigned)perm >= AUTH_PERM_COUNT)
		return false;
	if (perms[perm].least == AUTH_LEAST_PLATFORM)
		return p->platform_admin && !p->via_api_key;
	if (!p->has_tenant)
		return false;
	return auth_role_can(p->role, false, perm);
}

/* The rate limiter: a small table scanned linearly. Logins are rare next to the argon2id
 * work each one costs, so a scan of a few thousand keys is not worth a hash map. */
#define RL_KEY_MAX 320

struct rl_entry {
	char key[RL_KEY_MAX];
	int64_t last_used;
	unsigned count;   /* failures recorded in times[] (oldest first) */
	int64_t *times;   /* max_failures slots */
};

struct auth_ratelimit {
	unsigned max_failures;
	int64_t window;
	size_t capacity;
	size_t used;
	struct rl_entry *entries;
	int64_t *times;   /* capacity * max_failures */
};

struct auth_ratelimit *auth_ratelimit_new(unsigned max_failures, int64_t window_s,
					  size_t capacity)
{
	if (!max_failures || window_s <= 0 || !capacity)
		return NULL;
	struct auth_ratelimit *rl = calloc(1, sizeof *rl);
	if (!rl)
		return NULL;
	rl->max_failures = max_failures;
	rl->window = window_s;
	rl->capacity = capacity;
	rl->entries = calloc(capacity, sizeof *rl->entries);
	rl->times = calloc(capacity * max_failures, sizeof *rl->times);
	if (!rl->entries || !rl->times) {
		auth_ratelimit_free(rl);
		return NULL;
	}
	for (size_t i = 0; i < capacity; i++)
		rl->entries[i].times = rl->times + i * max_failures;
	return rl;
}

void auth_ratelimit_free(struct auth_ratelimit *rl)
{
	if (!rl)
		return;
	free(rl->entries);
	free(rl->times);
	free(rl);
}

static struct rl_entry *rl_find(struct auth_ratelimit *rl, const char *key)
{
	for (size_t i = 0; i < rl->used; i++)
		if (!strcmp(rl->entries[i].key, key))
			return &rl->entries[i];
	return NULL;
}

/* Drops failures that have left the window. */
static void rl_prune(struct auth_ratelimit *rl, struct rl_entry *e, int64_t now)
{
	unsigned keep = 0;
	for (unsigned i = 0; i < e->count; i++)
		if (e->times[i] > now - rl->window)
			e->times[keep++] = e->times[i];
	e->count = keep;
}

int auth_ratelimit_check(struct auth_ratelimit *rl, const char *key, int64_t now,
			 int64_t *retry_after)
{
	struct rl_entry *e = rl_find(rl, key);
	if (!e)
		return 0;
	rl_prune(rl, e, now);
	if (e->count < rl->max_failures)
		return 0;
	if (retry_after) {
		int64_t wait = e->times[0] + rl->window - now;
		*retry_after = wait < 1 ? 1 : wait;
	}
	return -TN_ELIMIT;
}

int auth_ratelimit_fail(struct auth_ratelimit *rl, const char *key, int64_t now)
{
	if (strlen(key) >= RL_KEY_MAX)
		return -ENOSPC;
	struct rl_entry *e = rl_find(rl, key);
	if (!e) {
		if (rl->used < rl->capacity) {
			e = &rl->entries[rl->used++];
		} else {
			e = &rl->entries[0];
			for (size_t i = 1; i < rl->used; i++)
				if (rl->entries[i].last_used < e->last_used)
					e = &rl->entries[i];
		}
		snprintf(e->key, sizeof e->key, "%s", key);
		e->count = 0;
	}
	e->last_used = now;
	rl_prune(rl, e, now);
	if (e->count == rl->max_failures) {
		memmove(e->times, e->times + 1, (e->count - 1) * sizeof *e->times);
		e->count--;
	}
	e->times[e->count++] = now;
	return 0;
}

void auth_ratelimit_clear(struct auth_ratelimit *rl, const char *key)
{
	struct rl_entry *e = rl_find(rl, key);
	if (!e)
		return;
	size_t last = rl->used - 1;
	struct rl_entry *l = &rl->entries[last];
	if (e != l) {
		int64_t *keep = e->times;
		memcpy(e->key, l->key, sizeof e->key);
		e->last_used = l->last_used;
		e->count = l->count;
		memcpy(keep, l->times, l->count * sizeof *keep);  /* each entry keeps its slots */
	}
	l->count = 0;
	l->key[0] = '\0';
	rl->used--;
}

int auth_ratelimit_key(const char *email, const char *addr, char *out, size_t n)
{
	size_t need = strlen(email) + 1 + strlen(addr ? addr : "") + 1;
	if (need > n || need > RL_KEY_MAX)
		return -ENOSPC;
	size_t i = 0;
	for (const char *p = email; *p; p++) {
		char c = *p;
		out[i++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[i++] = '|';
	snprintf(out + i, n - i, "%s", addr ? addr : "");
	return 0;
}

int auth_email_normalize(char *email)
{
	if (!email)
		return -TN_EINVAL_FIELD;
	size_t n = strlen(email);
	if (n < 3 || n > 254)
		return -TN_EINVAL_FIELD;
	const char *at = NULL;
	for (char *p = email; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' ||
		    c == '"' || c == '\\')
			return -TN_EINVAL_FIELD;
		if (c >= 'A' && c <= 'Z')
			*p = (char)(c - 'A' + 'a');
		if (c == '@') {
			if (at)
				return -TN_EINVAL_FIELD;
			at = p;
		}
	}
	if (!at || at == email || !at[1])
		return -TN_EINVAL_FIELD;
	const char *dot = strchr(at + 1, '.');
	if (!dot || dot == at + 1 || !dot[1] || email[n - 1] == '.')
		return -TN_EINVAL_FIELD;
	if (!utf8_valid(email, n))
		return -TN_EINVAL_FIELD;
	return 0;
}
