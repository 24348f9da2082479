/* conv.c: customers and their channel identities, conversations and messages. */
#include "store/internal.h"
#include "base/err.h"
#include <errno.h>
#include <string.h>

static bool valid_customer(const struct store_customer *cu)
{
	return cu && (!cu->name || strlen(cu->name) <= 200) &&
	       (!cu->address || strlen(cu->address) <= 500) && (!cu->zip || store__valid_zip(cu->zip)) &&
	       (!cu->notes || strlen(cu->notes) <= 4000);
}

int store_customer_create(struct store_conn *c, int64_t tenant_id,
                          const struct store_customer *cu, int64_t now, int64_t *id_out)
{
	if (!valid_customer(cu))
		return -TN_EINVAL_FIELD;
	int err = store__tenant_exists(c, tenant_id);
	if (err)
		return err;
	return store__insertf(c, id_out,
		"INSERT INTO customers (tenant_id, name, address, zip, notes, created_at, updated_at)"
		" VALUES (?, ?, ?, ?, ?, ?, ?)", "ittttii", tenant_id, cu->name, cu->address, cu->zip,
		cu->notes, now, now);
}

int store_customer_update(struct store_conn *c, int64_t tenant_id, int64_t customer_id,
                          const struct store_customer *cu, int64_t now)
{
	if (!valid_customer(cu))
		return -TN_EINVAL_FIELD;
	return store__changef(c,
		"UPDATE customers SET name = ?, address = ?, zip = ?, notes = ?, updated_at = ?"
		" WHERE tenant_id = ? AND id = ?", "ttttiii", cu->name, cu->address, cu->zip,
		cu->notes, now, tenant_id, customer_id);
}

int store_customer_get(struct store_conn *c, int64_t tenant_id, int64_t customer_id,
                       json_t **out)
{
	int err = store__one_jsonf(c, out,
		"SELECT id, name, address, zip, notes, created_at, updated_at FROM customers"
		" WHERE tenant_id = ? AND id = ?", "ii", tenant_id, customer_id);
	return err ? err : store__drop_on_error(out, store__add_rows(c, *out, "identities",
		"SELECT kind, value FROM customer_identities WHERE tenant_id = ? AND customer_id = ?"
		" ORDER BY kind, value", tenant_id, customer_id));
}

int store_identity_add(struct store_conn *c, int64_t tenant_id, int64_t customer_id,
                       enum store_identity_kind kind, const char *value)
{
	if ((int)kind < 0 || kind >= STORE_IDENTITY__COUNT || !store__valid_text(value, 320))
		return -TN_EINVAL_FIELD;
	int err = store__exists(c, STORE__SQL_CUSTOMER_EXISTS, tenant_id, customer_id);
	if (err)
		return err;
	return store__execf(c,
		"INSERT INTO customer_identities (tenant_id, kind, value, customer_id)"
		" VALUES (?, ?, ?, ?)", "itti", tenant_id, store_identity_kind_name(kind), value,
		customer_id);
}

int store_customer_find_by_identity(struct store_conn *c, int64_t tenant_id,
                                    enum store_identity_kind kind, const char *value,
                                    int64_t *customer_id_out)
{
	if ((int)kind < 0 || kind >= STORE_IDENTITY__COUNT || !value)
		return -TN_ENOTFOUND;
	return store__one_int64f(c, customer_id_out,
		"SELECT customer_id FROM customer_identities"
		" WHERE tenant_id = ? AND kind = ? AND value = ?", "itt", tenant_id,
		store_identity_kind_name(kind), value);
}

/* ---- conversations ---- */

static bool valid_channel(const char *ch)
{
	static const char *const channels[] = {"chat", "sms", "voice", "email", "portal", "api"};
	if (!ch)
		return false;
	for (size_t i = 0; i < sizeof channels / sizeof channels[0]; i++)
		if (!strcmp(ch, channels[i]))
			return true;
	return false;
}

int store_conversation_create(struct store_conn *c, int64_t tenant_id, int64_t customer_id,
                              const char *channel, int64_t now, int64_t *id_out)
{
	if (!valid_channel(channel))
		return -TN_EINVAL_FIELD;
	int err;
	if (customer_id)
		err = store__exists(c, STORE__SQL_CUSTOMER_EXISTS, tenant_id, customer_id);
	else
		err = store__tenant_exists(c, tenant_id);
	if (err)
		return err;
	json_t *channels = json_pack("[s]", channel);
	if (!channels)
		return -ENOMEM;
	err = store__insertf(c, id_out,
		"INSERT INTO conversations (tenant_id, customer_id, status, owner_kind, channels,"
		" state, last_seq, created_at, updated_at) VALUES (?, ?, 'open', 'ai', ?, '{}', 0, ?, ?)",
		"iIjii", tenant_id, customer_id, channels, now, now);
	json_decref(channels);
	return err;
}

#define CONV_COLS \
	"id, customer_id, status, owner_kind, owner_user_id, channels, state, created_at, updated_at"

int store_conversation_get(struct store_conn *c, int64_t tenant_id, int64_t conv_id,
                           json_t **out)
{
	return store__one_jsonf(c, out,
		"SELECT " CONV_COLS " FROM conversations WHERE tenant_id = ? AND id = ?", "ii",
		tenant_id, conv_id);
}

int store_conversation_update(struct store_conn *c, int64_t tenant_id, int64_t conv_id,
                              int status, const char *owner_kind, int64_t owner_user_id,
                              const json_t *state, int64_t now)
{
	if (status >= STORE_CONV__COUNT || (state && !json_is_object(state)))
		return -TN_EINVAL_FIELD;
	if (owner_kind && !(!strcmp(owner_kind, "ai") && owner_user_id == 0) &&
	    !(!strcmp(owner_kind, "human") && owner_user_id > 0))
		return -TN_EINVAL_FIELD;
	int err;
	/* A human owner must be a member of this tenant. */
	if (owner_kind && owner_user_id && (err = store__check_member(c, tenant_id, owner_user_id)))
		return err;
	const char *status_name = status >= 0 ? store_conv_status_name(status) : NULL;
	return store__changef(c,
		"UPDATE conversations SET status = COALESCE(?, status),"
		" owner_kind = COALESCE(?, owner_kind),"
		" owner_user_id = CASE WHEN ? IS NULL THEN owner_user_id ELSE ? END,"
		" state = COALESCE(?, state), updated_at = ? WHERE tenant_id = ? AND id = ?",
		"tttIjiii", status_name, owner_kind, owner_kind, owner_user_id, state, now, tenant_id,
		conv_id);
}

int store_conversation_list_open(struct store_conn *c, int64_t tenant_id, json_t **out)
{
	return store__all_jsonf(c, out,
		"SELECT " CONV_COLS " FROM conversations WHERE tenant_id = ? AND status <> 'closed'"
		" ORDER BY id", "i", tenant_id);
}

/* ---- messages ---- */

static bool valid_sender(const char *s)
{
	return s && (!strcmp(s, "customer") || !strcmp(s, "ai") || !strcmp(s, "agent") ||
	             !strcmp(s, "system"));
}

/* Quick replies: an array of 1..8 non-empty texts of at most 160 bytes. */
static bool valid_quick_replies(const json_t *q)
{
	size_t n = json_array_size(q), i;
	const json_t *v;
	if (!json_is_array(q) || n < 1 || n > 8)
		return false;
	json_array_foreach(q, i, v)
		if (!json_is_string(v) || !store__valid_text(json_string_value(v), 160))
			return false;
	return true;
}

int store_message_append(struct store_conn *c, int64_t tenant_id, int64_t conv_id,
                         const struct store_message *m, int64_t now, int64_t *seq_out)
{
	if (!m || !valid_sender(m->sender) || !valid_channel(m->channel) || !m->text ||
	    strlen(m->text) > 100000 || (m->client_msg_id && !store__valid_text(m->client_msg_id, 128)) ||
	    (m->nlu && !json_is_object(m->nlu)) ||
	    (m->quick_replies && !valid_quick_replies(m->quick_replies)))
		return -TN_EINVAL_FIELD;
	int64_t seq = 0;
	int err;
	if (m->client_msg_id) {
		/* Idempotent retry: the same client message id is the same message. */
		err = store__one_int64f(c, &seq,
			"SELECT seq FROM messages WHERE tenant_id = ? AND conversation_id = ?"
			" AND client_msg_id = ?", "iit", tenant_id, conv_id, m->client_msg_id);
		if (!err) {
			if (seq_out)
				*seq_out = seq;
			return 1;
		}
		if (err != -TN_ENOTFOUND)
			return err;
	}
	if ((err = store__sp_begin(c)))
		return err;
	/* Taking the next seq and adding the channel in one UPDATE keeps them atomic; under
	 * the single writer (or a row lock on PostgreSQL) no two messages share a seq. */
	err = store__one_int64f(c, &seq,
		"UPDATE conversations SET last_seq = last_seq + 1, updated_at = ?,"
		" channels = CASE WHEN EXISTS (SELECT 1 FROM json_each(channels) WHERE value = ?)"
		"   THEN channels ELSE json_insert(channels, '$[#]', ?) END"
		" WHERE tenant_id = ? AND id = ? RETURNING last_seq", "ittii", now, m->channel,
		m->channel, tenant_id, conv_id);
	if (!err)
		err = store__execf(c,
			"INSERT INTO messages (tenant_id, conversation_id, seq, sender, sender_user_id,"
			" channel, text, client_msg_id, nlu, quick_replies, created_at)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "iiitItttjji", tenant_id, conv_id,
			seq, m->sender, m->sender_user_id, m->channel, m->text, m->client_msg_id, m->nlu,
			m->quick_replies, now);
	err = store__sp_end(c, err);
	if (!err && seq_out)
		*seq_out = seq;
	return err;
}

int store_message_list(struct store_conn *c, int64_t tenant_id, int64_t conv_id,
                       int64_t after_seq, int limit, json_t **out)
{
	if (limit < 1 || limit > 10000)
		return -TN_EINVAL_FIELD;
	int err = store__exists(c, STORE__SQL_CONVERSATION_EXISTS, tenant_id, conv_id);
	if (err)
		return err;
	return store__all_jsonf(c, out,
		"SELECT seq, sender, sender_user_id, channel, text, client_msg_id, nlu, quick_replies,"
		" created_at FROM messages WHERE tenant_id = ? AND conversation_id = ? AND seq > ?"
		" ORDER BY seq LIMIT ?", "iiii", tenant_id, conv_id, after_seq, (int64_t)limit);
}

int store_customer_list(struct store_conn *c, int64_t tenant_id, int64_t after_id, int limit,
                        json_t **out)
{
	return store__page(c, out,
		"SELECT id, name, address, zip, notes, created_at, updated_at FROM customers"
		" WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?", tenant_id, after_id, limit);
}

/* ---- one customer across channels ---- */

int store_identity_remove(struct store_conn *c, int64_t tenant_id,
                          enum store_identity_kind kind, const char *value)
{
	if ((int)kind < 0 || kind >= STORE_IDENTITY__COUNT || !value)
		return -TN_ENOTFOUND;
	return store__changef(c,
		"DELETE FROM customer_identities WHERE tenant_id = ? AND kind = ? AND value = ?", "itt",
		tenant_id, store_identity_kind_name(kind), value);
}

int store_conversation_find_open(struct store_conn *c, int64_t tenant_id,
                                 int64_t customer_id, int64_t *conv_id_out)
{
	return store__one_int64f(c, conv_id_out,
		"SELECT id FROM conversations WHERE tenant_id = ? AND customer_id = ?"
		" AND status <> 'closed' ORDER BY updated_at DESC, id DESC LIMIT 1", "ii", tenant_id,
		customer_id);
}

int store_conversation_list_for_customer(struct store_conn *c, int64_t tenant_id,
                                         int64_t customer_id, int limit, json_t **out)
{
	return store__customer_rows(c, out,
		"SELECT " CONV_COLS " FROM conversations WHERE tenant_id = ? AND customer_id = ?"
		" ORDER BY updated_at DESC, id DESC LIMIT ?", tenant_id, customer_id, limit);
}

/* Tables whose customer_id moves on a merge. Constant names: never input. */
static const char *const merge_sql[] = {
	"UPDATE conversations SET customer_id = ? WHERE tenant_id = ? AND customer_id = ?",
	"UPDATE appointments SET customer_id = ? WHERE tenant_id = ? AND customer_id = ?",
	"UPDATE invoices SET customer_id = ? WHERE tenant_id = ? AND customer_id = ?",
	"UPDATE callbacks SET customer_id = ? WHERE tenant_id = ? AND customer_id = ?",
	"UPDATE customer_identities SET customer_id = ? WHERE tenant_id = ? AND customer_id = ?",
};

int store_customer_merge(struct store_conn *c, int64_t tenant_id, int64_t keep_id,
                         int64_t merge_id, int64_t now)
{
	if (keep_id == merge_id)
		return -TN_EINVAL_FIELD;
	const char *exists = STORE__SQL_CUSTOMER_EXISTS;
	int err = store__exists(c, exists, tenant_id, keep_id);
	if (err || (err = store__exists(c, exists, tenant_id, merge_id)) ||
	    (err = store__sp_begin(c)))
		return err;
	err = store__execf(c,
		"UPDATE customers SET"
		" name = COALESCE(name, (SELECT name FROM customers WHERE tenant_id = ? AND id = ?)),"
		" address = COALESCE(address, (SELECT address FROM customers WHERE tenant_id = ? AND id = ?)),"
		" zip = COALESCE(zip, (SELECT zip FROM customers WHERE tenant_id = ? AND id = ?)),"
		" notes = COALESCE(notes, (SELECT notes FROM customers WHERE tenant_id = ? AND id = ?)),"
		" updated_at = ? WHERE tenant_id = ? AND id = ?", "iiiiiiiiiii", tenant_id, merge_id,
		tenant_id, merge_id, tenant_id, merge_id, tenant_id, merge_id, now, tenant_id, keep_id);
	for (size_t i = 0; i < sizeof merge_sql / sizeof merge_sql[0] && !err; i++)
		err = store__execf(c, merge_sql[i], "iii", keep_id, tenant_id, merge_id);
	if (!err)
		err = store__execf(c, "DELETE FROM customers WHERE tenant_id = ? AND id = ?", "ii",
		                   tenant_id, merge_id);
	return store__sp_end(c, err);
}
