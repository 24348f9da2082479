/* user.c: users, memberships, sessions, API keys and login attempts. */
#include "store/internal.h"
#include "base/err.h"
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define USER_COLS "id, email, name, is_platform_admin, disabled, created_at"

/* A lower-cased copy of an address that looks like one (local@domain, no spaces). */
static char *email_norm(const char *email)
{
	if (!store__valid_text(email, 254))
		return NULL;
	const char *at = strchr(email, '@');
	if (!at || at == email || !at[1] || strchr(at + 1, '@'))
		return NULL;
	size_t n = strlen(email);
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i <= n; i++) {
		unsigned char ch = (unsigned char)email[i];
		if (ch && (ch <= ' ' || ch == 0x7f)) {
			free(s);
			return NULL;
		}
		s[i] = (char)tolower(ch);
	}
	return s;
}

int store_user_create(struct store_conn *c, const char *email, const char *name,
                      const char *password_hash, bool is_platform_admin, int64_t now,
                      int64_t *id_out)
{
	if (!store__valid_text(name, 200) || (password_hash && !store__valid_text(password_hash, 512)))
		return -TN_EINVAL_FIELD;
	char *e = email_norm(email);
	if (!e)
		return -TN_EINVAL_FIELD;
	int err = store__insertf(c, id_out,
		"INSERT INTO users (email, name, password_hash, is_platform_admin, disabled, created_at)"
		" VALUES (?, ?, ?, ?, 0, ?)", "tttbi", e, name, password_hash, (int)is_platform_admin,
		now);
	free(e);
	return err;
}

int store_user_get(struct store_conn *c, int64_t user_id, json_t **out)
{
	return store__one_jsonf(c, out, "SELECT " USER_COLS " FROM users WHERE id = ?", "i",
	                        user_id);
}

int store_user_get_by_email(struct store_conn *c, const char *email, json_t **out)
{
	char *e = email_norm(email);
	if (!e)
		return -TN_ENOTFOUND;
	int err = store__one_jsonf(c, out, "SELECT " USER_COLS " FROM users WHERE email = ?", "t", e);
	free(e);
	return err;
}

int store_user_credentials(struct store_conn *c, const char *email, int64_t *id_out,
                           bool *disabled_out, char **hash_out)
{
	*hash_out = NULL;
	char *e = email_norm(email);
	if (!e)
		return -TN_ENOTFOUND;
	struct store_stmt *st;
	int err = store__prep(c, &st,
		"SELECT id, disabled, password_hash FROM users WHERE email = ?", "t", e);
	free(e);
	if (err)
		return err;
	int rc = store_step(st);
	if (rc != STORE_ROW) {
		err = rc < 0 ? rc : -TN_ENOTFOUND;
		goto out;
	}
	if (id_out)
		*id_out = store_col_int64(st, 0);
	if (disabled_out)
		*disabled_out = store_col_int64(st, 1) != 0;
	const char *h = store_col_text(st, 2);
	if (h && !(*hash_out = strdup(h)))
		err = -ENOMEM;
out:
	store_stmt_finish(st);
	return err;
}

int store_user_list_by_tenant(struct store_conn *c, int64_t tenant_id, json_t **out)
{
	return store__all_jsonf(c, out,
		"SELECT u.id, u.email, u.name, u.is_platform_admin, u.disabled, u.created_at, m.role"
		" FROM memberships m JOIN users u ON u.id = m.user_id"
		" WHERE m.tenant_id = ? ORDER BY u.id", "i", tenant_id);
}

int store_user_set_password_hash(struct store_conn *c, int64_t user_id,
                                 const char *password_hash)
{
	if (password_hash && !store__valid_text(password_hash, 512))
		return -TN_EINVAL_FIELD;
	return store__changef(c, "UPDATE users SET password_hash = ? WHERE id = ?", "ti",
	                      password_hash, user_id);
}

int store_user_set_disabled(struct store_conn *c, int64_t user_id, bool disabled)
{
	int err = store__sp_begin(c);
	if (err)
		return err;
	err = store__execf(c, "UPDATE users SET disabled = ? WHERE id = ?", "bi", (int)disabled,
	                   user_id);
	err = store__changed(c, err);
	if (!err && disabled)
		err = store__execf(c, "DELETE FROM sessions WHERE user_id = ?", "i", user_id);
	return store__sp_end(c, err);
}

/* ---- memberships ---- */

int store_membership_set(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                         enum store_role role)
{
	if ((int)role < 0 || role >= STORE_ROLE__COUNT)
		return -TN_EINVAL_FIELD;
	int64_t one;
	int err = store__one_int64f(c, &one,
		"SELECT 1 FROM tenants t, users u WHERE t.id = ? AND u.id = ?", "ii", tenant_id,
		user_id);
	if (err)
		return err;
	return store__execf(c,
		"INSERT INTO memberships (tenant_id, user_id, role) VALUES (?, ?, ?)"
		" ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = excluded.role", "iit",
		tenant_id, user_id, store_role_name(role));
}

int store_membership_remove(struct store_conn *c, int64_t tenant_id, int64_t user_id)
{
	return store__changef(c, "DELETE FROM memberships WHERE tenant_id = ? AND user_id = ?",
	                      "ii", tenant_id, user_id);
}

int store_membership_list_for_user(struct store_conn *c, int64_t user_id, json_t **out)
{
	return store__all_jsonf(c, out,
		"SELECT m.tenant_id, t.slug, t.name, m.role FROM memberships m"
		" JOIN tenants t ON t.id = m.tenant_id WHERE m.user_id = ? ORDER BY m.tenant_id", "i",
		user_id);
}

int store_membership_role(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                          enum store_role *out)
{
	char name[32];
	int err = store__one_textf(c, name, sizeof name,
		"SELECT role FROM memberships WHERE tenant_id = ? AND user_id = ?", "ii", tenant_id,
		user_id);
	return err ? err : store_role_parse(name, out) ? -TN_ESTORE : 0;
}

/* ---- sessions ---- */

int store_session_create(struct store_conn *c, const char *token_hash, int64_t user_id,
                         const char *csrf_token, int64_t now, int64_t expires_at)
{
	if (!store__valid_text(token_hash, 256) || !store__valid_text(csrf_token, 256) ||
	    expires_at <= now)
		return -TN_EINVAL_FIELD;
	int64_t one;
	int err = store__one_int64f(c, &one, "SELECT 1 FROM users WHERE id = ? AND disabled = 0",
	                            "i", user_id);
	if (err)
		return err;
	return store__execf(c,
		"INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at,"
		" last_seen) VALUES (?, ?, ?, ?, ?, ?)", "titiii", token_hash, user_id, csrf_token,
		now, expires_at, now);
}

int store_session_lookup(struct store_conn *c, const char *token_hash, int64_t now,
                         json_t **out)
{
	return store__one_jsonf(c, out,
		"SELECT s.user_id, s.csrf_token, s.created_at, s.expires_at, s.last_seen"
		" FROM sessions s JOIN users u ON u.id = s.user_id"
		" WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0", "ti", token_hash,
		now);
}

int store_session_touch(struct store_conn *c, const char *token_hash, int64_t now,
                        int64_t expires_at)
{
	return store__changef(c,
		"UPDATE sessions SET last_seen = ?,"
		" expires_at = CASE WHEN ? > 0 THEN ? ELSE expires_at END"
		" WHERE token_hash = ? AND expires_at > ?", "iiiti", now, expires_at, expires_at,
		token_hash, now);
}

int store_session_delete(struct store_conn *c, const char *token_hash)
{
	return store__changef(c, "DELETE FROM sessions WHERE token_hash = ?", "t", token_hash);
}

int store_session_purge(struct store_conn *c, int64_t now, int *purged)
{
	int err = store__execf(c, "DELETE FROM sessions WHERE expires_at <= ?", "i", now);
	if (!err && purged)
		*purged = store_changes(c);
	return err;
}

/* ---- API keys ---- */

int store_api_key_create(struct store_conn *c, int64_t tenant_id, const char *name,
                         const char *prefix, const char *key_hash, int64_t now,
                         int64_t *id_out)
{
	if (!store__valid_text(name, 200) || !store__valid_text(prefix, 32) ||
	    !store__valid_text(key_hash, 256))
		return -TN_EINVAL_FIELD;
	int err = store__tenant_exists(c, tenant_id);
	if (err)
		return err;
	return store__insertf(c, id_out,
		"INSERT INTO api_keys (tenant_id, name, prefix, key_hash, created_at)"
		" VALUES (?, ?, ?, ?, ?)", "ittti", tenant_id, name, prefix,
		key_hash, now);
}

int store_api_key_lookup(struct store_conn *c, const char *key_hash, json_t **out)
{
	return store__one_jsonf(c, out,
		"SELECT id, tenant_id, name, prefix, created_at FROM api_keys"
		" WHERE key_hash = ? AND revoked_at IS NULL", "t", key_hash);
}

int store_api_key_list(struct store_conn *c, int64_t tenant_id, json_t **out)
{
	return store__all_jsonf(c, out,
		"SELECT id, name, prefix, created_at, revoked_at FROM api_keys WHERE tenant_id = ?"
		" ORDER BY id", "i", tenant_id);
}

int store_api_key_revoke(struct store_conn *c, int64_t tenant_id, int64_t key_id,
                         int64_t now)
{
	return store__changef(c,
		"UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND id = ?"
		" AND revoked_at IS NULL", "iii", now, tenant_id, key_id);
}

/* ---- login attempts ---- */

int store_login_attempt_record(struct store_conn *c, const char *key, bool success,
                               int64_t now)
{
	if (!store__valid_text(key, 512))
		return -TN_EINVAL_FIELD;
	return store__execf(c, "INSERT INTO login_attempts (key, at, success) VALUES (?, ?, ?)",
	                    "tib", key, now, (int)success);
}

int store_login_attempt_count(struct store_conn *c, const char *key, int64_t since)
{
	int64_t n = 0;
	int err = store__one_int64f(c, &n,
		"SELECT COUNT(*) FROM login_attempts WHERE key = ? AND at >= ? AND success = 0", "ti",
		key, since);
	if (err)
		return err;
	return n > 0x7fffffff ? 0x7fffffff : (int)n;
}

int store_login_attempt_purge(struct store_conn *c, int64_t before)
{
	return store__execf(c, "DELETE FROM login_attempts WHERE at < ?", "i", before);
}
