/* route.c: durable routing records: queues, queue entries, callbacks, handoff packets
 * and agents' skills. Live routing state is rebuilt from these after a restart. */
#include "store/internal.h"
#include "base/err.h"
#include <errno.h>
#include <string.h>

/* ---- queues ---- */

int store_queue_create(struct store_conn *c, int64_t tenant_id, const char *name,
                       const char *skill, int sla_seconds, int priority, int64_t *id_out)
{
	if (!store__valid_text(name, 100) || (skill && !store__valid_text(skill, 64)) ||
	    sla_seconds <= 0 || sla_seconds > 7 * 86400)
		return -TN_EINVAL_FIELD;
	int err = store__tenant_exists(c, tenant_id);
	if (err)
		return err;
	return store__insertf(c, id_out,
		"INSERT INTO queues (tenant_id, name, skill, sla_seconds, priority) VALUES (?, ?, ?, ?, ?)",
		"ittii", tenant_id, name, skill, (int64_t)sla_seconds, (int64_t)priority);
}

int store_queue_list(struct store_conn *c, int64_t tenant_id, json_t **out)
{
	return store__all_jsonf(c, out,
		"SELECT id, name, skill, sla_seconds, priority, settings FROM queues"
		" WHERE tenant_id = ? ORDER BY id", "i", tenant_id);
}

/* ---- queue entries ---- */

int store_queue_entry_add(struct store_conn *c, int64_t tenant_id, int64_t queue_id,
                          int64_t conv_id, int priority, const char *reason,
                          int64_t entered_at, int64_t sla_deadline, int64_t *id_out)
{
	if (priority < 1 || priority > 4 || (reason && strlen(reason) > 500) || sla_deadline < 0)
		return -TN_EINVAL_FIELD;
	int err = store__exists(c, "SELECT 1 FROM queues WHERE tenant_id = ? AND id = ?",
	                        tenant_id, queue_id);
	if (err || (err = store__exists(c, STORE__SQL_CONVERSATION_EXISTS, tenant_id, conv_id)))
		return err;
	return store__insertf(c, id_out,
		"INSERT INTO queue_entries (tenant_id, queue_id, conversation_id, priority, reason,"
		" status, entered_at, sla_deadline) VALUES (?, ?, ?, ?, ?, 'waiting', ?, ?)",
		"iiiitiI", tenant_id, queue_id, conv_id, (int64_t)priority, reason, entered_at,
		sla_deadline);
}

int store_queue_entry_update(struct store_conn *c, int64_t tenant_id, int64_t entry_id,
                             enum store_entry_status status, int64_t assigned_user_id,
                             int64_t now)
{
	if ((int)status < 0 || status >= STORE_ENTRY__COUNT || assigned_user_id < 0)
		return -TN_EINVAL_FIELD;
	char name[32];
	enum store_entry_status cur = STORE_ENTRY_DONE;
	int err = store__one_textf(c, name, sizeof name,
		"SELECT status FROM queue_entries WHERE tenant_id = ? AND id = ?", "ii", tenant_id,
		entry_id);
	if (err)
		return err;
	if (store_entry_status_parse(name, &cur))
		return -TN_ESTORE;
	if (cur == STORE_ENTRY_ABANDONED || cur == STORE_ENTRY_DONE)
		return -TN_ECONFLICT;
	if (assigned_user_id && (err = store__check_member(c, tenant_id, assigned_user_id)))
		return err;
	bool ends = status == STORE_ENTRY_ABANDONED || status == STORE_ENTRY_DONE;
	return store__execf(c,
		"UPDATE queue_entries SET status = ?,"
		" assigned_user_id = CASE WHEN ? > 0 THEN ? ELSE assigned_user_id END,"
		" assigned_at = CASE WHEN ? = 'assigned' THEN ? ELSE assigned_at END,"
		" ended_at = CASE WHEN ? THEN ? ELSE ended_at END"
		" WHERE tenant_id = ? AND id = ?", "tiitiiiii", store_entry_status_name(status),
		assigned_user_id, assigned_user_id, store_entry_status_name(status), now,
		(int64_t)ends, now, tenant_id, entry_id);
}

int store_queue_entry_move(struct store_conn *c, int64_t tenant_id, int64_t entry_id,
                           int64_t queue_id, int priority)
{
	if (priority < 0 || priority > 3 || queue_id < 0)
		return -TN_EINVAL_FIELD;
	char name[32];
	int err = store__one_textf(c, name, sizeof name,
		"SELECT status FROM queue_entries WHERE tenant_id = ? AND id = ?", "ii", tenant_id,
		entry_id);
	if (err)
		return err;
	if (!strcmp(name, "abandoned") || !strcmp(name, "done"))
		return -TN_ECONFLICT;
	if (queue_id && (err = store__exists(c, STORE__SQL_QUEUE_EXISTS, tenant_id, queue_id)))
		return err;
	return store__execf(c,
		"UPDATE queue_entries SET"
		" queue_id = CASE WHEN ? > 0 THEN ? ELSE queue_id END,"
		" priority = CASE WHEN ? > 0 THEN ? ELSE priority END"
		" WHERE tenant_id = ? AND id = ?", "iiiiii", queue_id, queue_id, (int64_t)priority,
		(int64_t)priority, tenant_id, entry_id);
}

int store_queue_entry_list_live(struct store_conn *c, int64_t tenant_id, json_t **out)
{
	return store__all_jsonf(c, out,
		"SELECT id, queue_id, conversation_id, priority, reason, status, entered_at,"
		" sla_deadline, assigned_user_id, assigned_at FROM queue_entries"
		" WHERE tenant_id = ? AND status IN ('waiting', 'offered', 'assigned')"
		" ORDER BY entered_at, id", "i", tenant_id);
}

/* ---- callbacks ---- */

int store_callback_create(struct store_conn *c, int64_t tenant_id,
                          const struct store_callback *cb, int64_t now, int64_t *id_out)
{
	if (!cb || (cb->phone && !store__valid_text(cb->phone, 32)) ||
	    (cb->reason && strlen(cb->reason) > 500) || (cb->notes && strlen(cb->notes) > 4000) ||
	    cb->promised_at <= 0 || cb->customer_id < 0 || cb->conversation_id < 0)
		return -TN_EINVAL_FIELD;
	int err = store__tenant_exists(c, tenant_id);
	if (!err && cb->customer_id)
		err = store__exists(c, STORE__SQL_CUSTOMER_EXISTS, tenant_id, cb->customer_id);
	if (!err && cb->conversation_id)
		err = store__exists(c, STORE__SQL_CONVERSATION_EXISTS, tenant_id,
		                    cb->conversation_id);
	if (err)
		return err;
	return store__insertf(c, id_out,
		"INSERT INTO callbacks (tenant_id, customer_id, conversation_id, phone, reason,"
		" promised_at, status, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
		"iIIttiti", tenant_id, cb->customer_id, cb->conversation_id, cb->phone, cb->reason,
		cb->promised_at, cb->notes, now);
}

int store_callback_update(struct store_conn *c, int64_t tenant_id, int64_t callback_id,
                          enum store_callback_status status, int64_t assigned_user_id,
                          const char *notes, int64_t now)
{
	if ((int)status < 0 || status >= STORE_CALLBACK__COUNT || assigned_user_id < 0 ||
	    (notes && strlen(notes) > 4000))
		return -TN_EINVAL_FIELD;
	int err;
	if (assigned_user_id && (err = store__check_member(c, tenant_id, assigned_user_id)))
		return err;
	bool ends = status == STORE_CALLBACK_DONE || status == STORE_CALLBACK_CANCELLED ||
	            status == STORE_CALLBACK_FAILED;
	return store__changef(c,
		"UPDATE callbacks SET status = ?,"
		" assigned_user_id = CASE WHEN ? > 0 THEN ? ELSE assigned_user_id END,"
		" notes = COALESCE(?, notes), completed_at = CASE WHEN ? THEN ? ELSE completed_at END"
		" WHERE tenant_id = ? AND id = ?", "tiitiiii", store_callback_status_name(status),
		assigned_user_id, assigned_user_id, notes, (int64_t)ends, now, tenant_id, callback_id);
}

int store_callback_list_open(struct store_conn *c, int64_t tenant_id, json_t **out)
{
	return store__all_jsonf(c, out,
		"SELECT id, customer_id, conversation_id, phone, reason, promised_at, status,"
		" assigned_user_id, notes, created_at, completed_at FROM callbacks"
		" WHERE tenant_id = ? AND status IN ('pending', 'in_progress')"
		" ORDER BY promised_at, id", "i", tenant_id);
}

/* ---- handoffs ---- */

int store_handoff_create(struct store_conn *c, int64_t tenant_id, int64_t conv_id,
                         int priority, const json_t *reasons, const json_t *packet,
                         int64_t now, int64_t *id_out)
{
	if (priority < 1 || priority > 4 || !json_is_object(packet) ||
	    (reasons && !json_is_array(reasons)))
		return -TN_EINVAL_FIELD;
	int err = store__exists(c, STORE__SQL_CONVERSATION_EXISTS, tenant_id, conv_id);
	if (err)
		return err;
	return store__insertf(c, id_out,
		"INSERT INTO handoffs (tenant_id, conversation_id, priority, reasons, packet, created_at)"
		" VALUES (?, ?, ?, COALESCE(?, '[]'), ?, ?)", "iiijji", tenant_id, conv_id,
		(int64_t)priority, reasons, packet, now);
}

int store_handoff_latest(struct store_conn *c, int64_t tenant_id, int64_t conv_id,
                         json_t **out)
{
	return store__one_jsonf(c, out,
		"SELECT id, conversation_id, priority, reasons, packet, created_at FROM handoffs"
		" WHERE tenant_id = ? AND conversation_id = ? ORDER BY id DESC LIMIT 1", "ii",
		tenant_id, conv_id);
}

/* ---- agent skills ---- */

int store_agent_skill_set(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                          const char *skill, int level)
{
	if (!store__valid_text(skill, 64) || level < 0 || level > 10)
		return -TN_EINVAL_FIELD;
	int err = store__member_exists(c, tenant_id, user_id);
	if (err)
		return err;
	if (level == 0)
		return store__execf(c,
			"DELETE FROM agent_skills WHERE tenant_id = ? AND user_id = ? AND skill = ?", "iit",
			tenant_id, user_id, skill);
	return store__execf(c,
		"INSERT INTO agent_skills (tenant_id, user_id, skill, level) VALUES (?, ?, ?, ?)"
		" ON CONFLICT (tenant_id, user_id, skill) DO UPDATE SET level = excluded.level", "iiti",
		tenant_id, user_id, skill, (int64_t)level);
}

int store_agent_skill_list(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                           json_t **out)
{
	return store__all_jsonf(c, out,
		"SELECT user_id, skill, level FROM agent_skills WHERE tenant_id = ?"
		" AND (? = 0 OR user_id = ?) ORDER BY user_id, skill", "iii", tenant_id, user_id,
		user_id);
}
