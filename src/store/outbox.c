/* outbox.c: outgoing messages waiting for outside providers, and invoices. */
#include "store/internal.h"
#include "base/err.h"
#include <errno.h>
#include <string.h>

int store_outbox_add(struct store_conn *c, int64_t tenant_id, const char *channel,
                     const char *recipient, const char *subject, const char *body,
                     int64_t now, int64_t *id_out)
{
	if (!store__valid_text(channel, 32) || !store__valid_text(recipient, 320) ||
	    (subject && strlen(subject) > 1000) || !body || strlen(body) > 200000)
		return -TN_EINVAL_FIELD;
	int err = store__tenant_exists(c, tenant_id);
	if (err)
		return err;
	return store__insertf(c, id_out,
		"INSERT INTO outbox (tenant_id, channel, recipient, subject, body, status, attempts,"
		" next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)", "ittttii",
		tenant_id, channel, recipient, subject, body, now, now);
}

int store_outbox_due(struct store_conn *c, int64_t now, int limit, json_t **out)
{
	if (limit < 1 || limit > 1000)
		return -TN_EINVAL_FIELD;
	return store__all_jsonf(c, out,
		"SELECT id, tenant_id, channel, recipient, subject, body, attempts, next_attempt_at,"
		" created_at FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?"
		" ORDER BY next_attempt_at, id LIMIT ?", "ii", now, (int64_t)limit);
}

int store_outbox_sent(struct store_conn *c, int64_t tenant_id, int64_t msg_id, int64_t now)
{
	return store__changef(c,
		"UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1"
		" WHERE tenant_id = ? AND id = ? AND status = 'pending'", "iii", now, tenant_id, msg_id);
}

int store_outbox_failed(struct store_conn *c, int64_t tenant_id, int64_t msg_id,
                        const char *error, int64_t retry_at)
{
	if (retry_at < 0 || (error && strlen(error) > 2000))
		return -TN_EINVAL_FIELD;
	return store__changef(c,
		"UPDATE outbox SET attempts = attempts + 1, last_error = ?,"
		" status = CASE WHEN ? > 0 THEN 'pending' ELSE 'failed' END,"
		" next_attempt_at = CASE WHEN ? > 0 THEN ? ELSE next_attempt_at END"
		" WHERE tenant_id = ? AND id = ? AND status = 'pending'", "tiiiii", error, retry_at,
		retry_at, retry_at, tenant_id, msg_id);
}

int store_outbox_get(struct store_conn *c, int64_t tenant_id, int64_t msg_id, json_t **out)
{
	return store__one_jsonf(c, out,
		"SELECT id, channel, recipient, subject, body, status, attempts, next_attempt_at,"
		" last_error, created_at, sent_at FROM outbox WHERE tenant_id = ? AND id = ?", "ii",
		tenant_id, msg_id);
}

/* ---- invoices ---- */

#define INVOICE_COLS \
	"id, customer_id, appointment_id, number, amount_cents, status, issued_at, due_at, paid_at"

int store_invoice_create(struct store_conn *c, int64_t tenant_id, int64_t customer_id,
                         int64_t appointment_id, const char *number, int64_t amount_cents,
                         int64_t issued_at, int64_t due_at, int64_t *id_out)
{
	if (!store__valid_text(number, 64) || amount_cents < 0 || appointment_id < 0 || due_at < 0)
		return -TN_EINVAL_FIELD;
	int err = store__exists(c, STORE__SQL_CUSTOMER_EXISTS, tenant_id, customer_id);
	if (!err && appointment_id)
		err = store__exists(c, "SELECT 1 FROM appointments WHERE tenant_id = ? AND id = ?",
		                    tenant_id, appointment_id);
	if (err)
		return err;
	return store__insertf(c, id_out,
		"INSERT INTO invoices (tenant_id, customer_id, appointment_id, number, amount_cents,"
		" status, issued_at, due_at) VALUES (?, ?, ?, ?, ?, 'open', ?, ?)", "iiItiiI",
		tenant_id, customer_id, appointment_id, number, amount_cents, issued_at, due_at);
}

int store_invoice_get_by_number(struct store_conn *c, int64_t tenant_id, const char *number,
                                json_t **out)
{
	return store__one_jsonf(c, out,
		"SELECT " INVOICE_COLS " FROM invoices WHERE tenant_id = ? AND number = ?", "it",
		tenant_id, number);
}

int store_invoice_list_for_customer(struct store_conn *c, int64_t tenant_id,
                                    int64_t customer_id, json_t **out)
{
	int err = store__exists(c, STORE__SQL_CUSTOMER_EXISTS, tenant_id, customer_id);
	if (err)
		return err;
	return store__all_jsonf(c, out,
		"SELECT " INVOICE_COLS " FROM invoices WHERE tenant_id = ? AND customer_id = ?"
		" ORDER BY issued_at DESC, id DESC", "ii", tenant_id, customer_id);
}

int store_invoice_set_status(struct store_conn *c, int64_t tenant_id, int64_t invoice_id,
                             const char *status, int64_t now)
{
	if (!status || (strcmp(status, "open") && strcmp(status, "paid") && strcmp(status, "void")))
		return -TN_EINVAL_FIELD;
	return store__changef(c,
		"UPDATE invoices SET status = ?,"
		" paid_at = CASE WHEN ? = 'paid' THEN ? ELSE NULL END"
		" WHERE tenant_id = ? AND id = ?", "ttiii", status, status, now, tenant_id, invoice_id);
}
