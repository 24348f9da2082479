/* auth.h: accounts and security: password hashing, tokens, sessions, API keys, roles and
 * permissions, login rate limiting. Pure logic over libsodium; persistence is the caller's
 * (the API layer stores hashes through the store). Time always comes in as an argument. */
#ifndef TANDEM_AUTH_AUTH_H
#define TANDEM_AUTH_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sizes of the text forms produced here, each including the terminating NUL. */
#define AUTH_PWHASH_SIZE 128   /* an encoded argon2id hash ("$argon2id$v=19$...") */
#define AUTH_TOKEN_SIZE 44     /* 32 random bytes, base64url without padding: 43 chars */
#define AUTH_HASH_SIZE 65      /* a 32-byte BLAKE2b digest in lower-case hex */
#define AUTH_KEY_PREFIX_LEN 8  /* the public part of an API key after "tk_" */
#define AUTH_APIKEY_SIZE (3 + AUTH_KEY_PREFIX_LEN + 43 + 1)
#define AUTH_PASSWORD_MIN 8    /* shortest password accepted by auth_password_check */
#define AUTH_PASSWORD_MAX 1024 /* longest password accepted (bounds hashing work) */

/* Initialises libsodium and reads TANDEM_PWHASH_FAST from the environment: when it is
 * "1" password hashing uses libsodium's minimum limits (for tests under sanitizers only).
 * Safe to call more than once and from several threads. 0, or -EIO when libsodium
 * cannot initialise. */
int auth_init(void);

/* Forces the fast (minimum) or the normal (interactive) argon2id limits. For tests. */
void auth_set_fast_hash(bool fast);

/* Checks a candidate password's shape (length AUTH_PASSWORD_MIN..AUTH_PASSWORD_MAX bytes,
 * valid UTF-8). 0 or -TN_EINVAL_FIELD. */
int auth_password_check(const char *password);

/* Hashes password with argon2id into out (AUTH_PWHASH_SIZE bytes, NUL-terminated).
 * 0, -EINVAL for a NULL or over-long password, -ENOMEM when hashing fails. */
int auth_password_hash(const char *password, char out[AUTH_PWHASH_SIZE]);

/* Verifies password against an encoded hash from auth_password_hash.
 * 0 when it matches, -TN_EAUTH when it does not (or the hash is malformed). */
int auth_password_verify(const char *encoded, const char *password);

/* Runs one verification against a fixed dummy hash and discards the result, so a login
 * for an unknown email costs as much time as one with a wrong password. */
void auth_password_burn(void);

/* Writes a new random token (32 bytes from the system CSPRNG, base64url, no padding) to
 * out (AUTH_TOKEN_SIZE bytes). Used for session tokens, CSRF tokens and passwords. */
void auth_token_new(char out[AUTH_TOKEN_SIZE]);

/* Writes a printable random password of len characters (len < n) to out: letters and
 * digits without look-alikes. For generated account passwords. */
void auth_password_generate(char *out, size_t n, size_t len);

/* Hashes a secret token with BLAKE2b-256 into lower-case hex (AUTH_HASH_SIZE bytes).
 * Session tokens and API keys are stored only in this form. */
void auth_token_hash(const char *token, char out[AUTH_HASH_SIZE]);

/* Constant-time comparison of two NUL-terminated tokens; false when either is NULL or
 * their lengths differ. For CSRF tokens. */
bool auth_token_equal(const char *expected, const char *given);

/* A new session: the token goes to the client (cookie), only its hash is stored. */
struct auth_session_new {
	char token[AUTH_TOKEN_SIZE];
	char token_hash[AUTH_HASH_SIZE];
	char csrf[AUTH_TOKEN_SIZE];
	int64_t created;   /* Unix seconds */
	int64_t expires;   /* Unix seconds */
};

/* Default session lifetime: 12 hours, extended while in use (see auth_session_valid). */
#define AUTH_SESSION_TTL (12 * 3600)

/* Fills s with a fresh session token, its hash and a CSRF token, created at now and
 * expiring now + ttl seconds. */
void auth_session_make(struct auth_session_new *s, int64_t now, int64_t ttl);

/* True when a stored session that expires at `expires` is still valid at now. */
bool auth_session_valid(int64_t expires, int64_t now);

/* A new API key: "tk_" + prefix + secret, shown to its creator once; prefix (public,
 * for listing) and hash are stored. */
struct auth_apikey_new {
	char key[AUTH_APIKEY_SIZE];
	char prefix[AUTH_KEY_PREFIX_LEN + 1];
	char hash[AUTH_HASH_SIZE];
};

/* Fills k with a fresh random API key, its public prefix and its hash. */
void auth_apikey_make(struct auth_apikey_new *k);

/* Checks the shape of a presented API key and computes its prefix and hash for lookup.
 * 0, or -TN_EAUTH when key is not of the form "tk_" + 8 + 43 base64url characters. */
int auth_apikey_parse(const char *key, char prefix[AUTH_KEY_PREFIX_LEN + 1],
		      char hash[AUTH_HASH_SIZE]);

/* Roles within one tenant (memberships). A platform admin is a property of the user,
 * not a tenant role. Order matters: each role includes the one before it. */
#define AUTH_ROLES(X)                             \
	X(AUTH_ROLE_AGENT, "agent")               \
	X(AUTH_ROLE_SUPERVISOR, "supervisor")     \
	X(AUTH_ROLE_ADMIN, "admin")

enum auth_role {
#define X(e, s) e,
	AUTH_ROLES(X)
#undef X
	AUTH_ROLE_COUNT
};

/* The role's name ("agent"...), or "?" for an out-of-range value. */
const char *auth_role_name(enum auth_role r);
/* Parses a role name. 0 or -EINVAL. */
int auth_role_parse(const char *s, enum auth_role *out);

/* Permissions, with the least role that holds each. PLATFORM marks permissions only a
 * platform admin holds (whatever their tenant role). */
#define AUTH_LEAST_PLATFORM AUTH_ROLE_COUNT
#define AUTH_PERMS(X)                                                           \
	X(AUTH_PERM_SETTINGS_READ, "settings.read", AUTH_ROLE_AGENT)           \
	X(AUTH_PERM_SETTINGS_WRITE, "settings.write", AUTH_ROLE_ADMIN)         \
	X(AUTH_PERM_TECHNICIANS_READ, "technicians.read", AUTH_ROLE_AGENT)     \
	X(AUTH_PERM_TECHNICIANS_WRITE, "technicians.write", AUTH_ROLE_ADMIN)   \
	X(AUTH_PERM_KB_READ, "kb.read", AUTH_ROLE_AGENT)                       \
	X(AUTH_PERM_KB_WRITE, "kb.write", AUTH_ROLE_ADMIN)                     \
	X(AUTH_PERM_CONVERSATIONS_HANDLE, "conversations.handle", AUTH_ROLE_AGENT) \
	X(AUTH_PERM_QUEUES_SUPERVISE, "queues.supervise", AUTH_ROLE_SUPERVISOR) \
	X(AUTH_PERM_REPORTS_READ, "reports.read", AUTH_ROLE_SUPERVISOR)        \
	X(AUTH_PERM_USERS_READ, "users.read", AUTH_ROLE_SUPERVISOR)            \
	X(AUTH_PERM_USERS_WRITE, "users.write", AUTH_ROLE_ADMIN)               \
	X(AUTH_PERM_APIKEYS_MANAGE, "apikeys.manage", AUTH_ROLE_ADMIN)         \
	X(AUTH_PERM_TENANTS_MANAGE, "tenants.manage", AUTH_LEAST_PLATFORM)

enum auth_perm {
#define X(e, s, least) e,
	AUTH_PERMS(X)
#undef X
	AUTH_PERM_COUNT
};

/* The permission's name ("settings.read"...), or "?". */
const char *auth_perm_name(enum auth_perm p);

/* True when a holder of tenant role `role` (platform_admin: the user is a platform admin)
 * may do p. Tenant permissions need the role; platform permissions need platform_admin. */
bool auth_role_can(enum auth_role role, bool platform_admin, enum auth_perm p);

/* Who is making a request, filled by the API layer after authentication. */
struct auth_principal {
	int64_t user_id;        /* 0 for an API key */
	int64_t tenant_id;      /* the request's tenant; 0 when none was chosen */
	enum auth_role role;    /* role in tenant_id (API keys act as ADMIN of their tenant) */
	bool has_tenant;        /* a tenant was chosen and role is meaningful */
	bool platform_admin;
	bool via_api_key;
	int64_t api_key_id;
	char csrf[AUTH_TOKEN_SIZE];  /* the session's CSRF token ("" for API keys) */
	char session_hash[AUTH_HASH_SIZE];  /* the session's stored hash ("" for API keys) */
	int64_t session_last_seen;   /* when the session was last refreshed */
};

/* True when p may do perm: platform permissions need platform_admin; tenant permissions
 * need a chosen tenant and a role that holds perm. */
bool auth_principal_can(const struct auth_principal *p, enum auth_perm perm);

/* ---- resolving credentials against the store (any connection; read-only) ---------- */

struct store_conn;

/* Looks up the session whose cookie token is token at now and fills the user part of p
 * (user_id, platform_admin, csrf, session_hash, session_last_seen); p is cleared first.
 * 0, -TN_EAUTH (no such session, expired, or the user is disabled) or -TN_ESTORE. */
int auth_session_resolve(struct store_conn *r, const char *token, int64_t now,
			 struct auth_principal *p);

/* Looks up an API key ("tk_...") and fills p (cleared first) as the admin of the key's
 * tenant. 0, -TN_EAUTH (malformed, unknown or revoked key) or -TN_ESTORE. */
int auth_apikey_resolve(struct store_conn *r, const char *key, struct auth_principal *p);

/* Chooses the tenant of a request for a resolved principal. slug is the X-Tenant
 * header (NULL or "" when absent). For an API key the key's tenant is kept and naming any
 * other slug is -TN_ENOTFOUND. For a user: the named tenant when they are a member
 * (-TN_ENOTFOUND otherwise, whether or not it exists), else their only tenant; with
 * several and none named, -TN_EINVAL_FIELD when need_tenant (otherwise no tenant is
 * chosen and 0 is returned). Fills tenant_id, role and has_tenant. */
int auth_tenant_choose(struct store_conn *r, struct auth_principal *p, const char *slug,
		       bool need_tenant);

/* True when a request with this method may proceed as far as CSRF goes: safe methods
 * (GET, HEAD, OPTIONS) and API keys always; otherwise the header must equal the
 * session's CSRF token. */
bool auth_csrf_ok(const struct auth_principal *p, const char *method, const char *header);

/* Login rate limiting: at most max_failures failed logins per key (email + client
 * address) within window_s seconds; further attempts are refused until the oldest failure
 * leaves the window. In memory, bounded to `capacity` keys (the least recently used key
 * is forgotten first). Single-node assumption: with several nodes each node limits alone
 * (a shared table in the store would replace this). Not thread-safe: one loop owns it. */
struct auth_ratelimit;

#define AUTH_LOGIN_MAX_FAILURES 5
#define AUTH_LOGIN_WINDOW (15 * 60)

/* Creates a limiter. Owned by the caller (auth_ratelimit_free). NULL when out of memory
 * or when an argument is zero. */
struct auth_ratelimit *auth_ratelimit_new(unsigned max_failures, int64_t window_s,
					  size_t capacity);
void auth_ratelimit_free(struct auth_ratelimit *rl);

/* Asks whether an attempt for key may proceed at now (Unix seconds). 0 when allowed;
 * -TN_ELIMIT when refused, with *retry_after (when not NULL) set to the seconds to wait
 * (at least 1). */
int auth_ratelimit_check(struct auth_ratelimit *rl, const char *key, int64_t now,
			 int64_t *retry_after);
/* Records a failed attempt for key at now. 0 or -ENOMEM. */
int auth_ratelimit_fail(struct auth_ratelimit *rl, const char *key, int64_t now);
/* Forgets key's failures (after a successful login). */
void auth_ratelimit_clear(struct auth_ratelimit *rl, const char *key);

/* Builds the limiter key for an email (compared case-insensitively) and a client address
 * into out (n bytes). 0 or -ENOSPC. */
int auth_ratelimit_key(const char *email, const char *addr, char *out, size_t n);

/* Normalises an email address in place to lower case and checks its shape (one '@',
 * non-empty local part and domain with a dot, no spaces or control characters, at most
 * 254 bytes). 0 or -TN_EINVAL_FIELD. */
int auth_email_normalize(char *email);

#endif
