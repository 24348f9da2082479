/* sched.c: scheduling reads and changes beyond booking: appointment lists, taken
 * windows, status, rescheduling, technicians' time off and on-call shifts. */
#include "store/internal.h"
#include "base/err.h"
#include <errno.h>
#include <string.h>
#include <time.h>

#define APPT_COLS \
	"id, customer_id, technician_id, service_code, trade, start_at, end_at, status," \
	" job_number, address, eta, notes"

int store_appointment_get_by_job(struct store_conn *c, int64_t tenant_id,
                                 const char *job_number, json_t **out)
{
	int64_t id = 0;
	int err = store__one_int64f(c, &id,
		"SELECT id FROM appointments WHERE tenant_id = ? AND job_number = ?", "it", tenant_id,
		job_number);
	if (err)
		return err;
	return store_appointment_get(c, tenant_id, id, out);
}

int store_appointment_list_for_customer(struct store_conn *c, int64_t tenant_id,
                                        int64_t customer_id, int limit, json_t **out)
{
	return store__customer_rows(c, out,
		"SELECT " APPT_COLS " FROM appointments WHERE tenant_id = ? AND customer_id = ?"
		" ORDER BY start_at DESC, id DESC LIMIT ?", tenant_id, customer_id, limit);
}

int store_appointment_list_range(struct store_conn *c, int64_t tenant_id,
                                 int64_t technician_id, int64_t from, int64_t to,
                                 json_t **out)
{
	if (to <= from)
		return -TN_EINVAL_FIELD;
	return store__all_jsonf(c, out,
		"SELECT " APPT_COLS " FROM appointments WHERE tenant_id = ? AND status <> 'cancelled'"
		" AND start_at < ? AND end_at > ? AND (? = 0 OR technician_id = ?)"
		" ORDER BY start_at, id", "iiiii", tenant_id, to, from, technician_id, technician_id);
}

int store_slots_taken(struct store_conn *c, int64_t tenant_id, int64_t from, int64_t to,
                      json_t **out)
{
	if (to <= from)
		return -TN_EINVAL_FIELD;
	return store__all_jsonf(c, out,
		"SELECT technician_id, slot_start, appointment_id FROM appointment_slots"
		" WHERE tenant_id = ? AND slot_start >= ? AND slot_start < ?"
		" ORDER BY technician_id, slot_start", "iii", tenant_id, from, to);
}

/* The current status of an appointment, -TN_ENOTFOUND if not this tenant's. */
static int appt_status(struct store_conn *c, int64_t tenant_id, int64_t appt_id,
                       enum store_appt_status *out)
{
	char name[32];
	int err = store__one_textf(c, name, sizeof name,
		"SELECT status FROM appointments WHERE tenant_id = ? AND id = ?", "ii", tenant_id,
		appt_id);
	return err ? err : store_appt_status_parse(name, out) ? -TN_ESTORE : 0;
}

int store_appointment_set_status(struct store_conn *c, int64_t tenant_id, int64_t appt_id,
                                 enum store_appt_status status, int64_t eta)
{
	if ((int)status < 0 || status >= STORE_APPT__COUNT || status == STORE_APPT_CANCELLED ||
	    eta < 0)
		return -TN_EINVAL_FIELD;
	enum store_appt_status cur;
	int err = appt_status(c, tenant_id, appt_id, &cur);
	if (err)
		return err;
	if (cur == STORE_APPT_CANCELLED || cur == STORE_APPT_COMPLETED)
		return -TN_ECONFLICT;
	return store__execf(c,
		"UPDATE appointments SET status = ?, eta = CASE WHEN ? > 0 THEN ? ELSE eta END,"
		" updated_at = ? WHERE tenant_id = ? AND id = ?", "tiiiii",
		store_appt_status_name(status), eta, eta, (int64_t)time(NULL), tenant_id, appt_id);
}

int store_appointment_reschedule(struct store_conn *c, int64_t tenant_id, int64_t appt_id,
                                 int64_t technician_id, int64_t start_at, int64_t end_at,
                                 const int64_t *slot_starts, size_t n)
{
	if (end_at <= start_at || (n && !slot_starts) || technician_id < 0)
		return -TN_EINVAL_FIELD;
	enum store_appt_status cur;
	int err = appt_status(c, tenant_id, appt_id, &cur);
	if (err)
		return err;
	if (cur != STORE_APPT_SCHEDULED)
		return -TN_ECONFLICT;
	int64_t tech = technician_id;
	if (!tech) {
		if ((err = store__one_int64f(c, &tech,
			"SELECT technician_id FROM appointments WHERE tenant_id = ? AND id = ?", "ii",
			tenant_id, appt_id)))
			return err;
	} else if ((err = store__exists(c, STORE__SQL_TECHNICIAN_EXISTS, tenant_id, tech))) {
		return err;
	}
	if ((err = store__sp_begin(c)))
		return err;
	err = store__execf(c,
		"DELETE FROM appointment_slots WHERE tenant_id = ? AND appointment_id = ?", "ii",
		tenant_id, appt_id);
	if (!err)
		err = store__execf(c,
			"UPDATE appointments SET technician_id = ?, start_at = ?, end_at = ?, eta = NULL,"
			" updated_at = ? WHERE tenant_id = ? AND id = ?", "iiiiii", tech, start_at, end_at,
			(int64_t)time(NULL), tenant_id, appt_id);
	for (size_t i = 0; i < n && !err; i++)
		err = store__execf(c,
			"INSERT INTO appointment_slots (tenant_id, technician_id, slot_start,"
			" appointment_id) VALUES (?, ?, ?, ?)", "iiii", tenant_id, tech, slot_starts[i],
			appt_id);
	return store__sp_end(c, err);
}

/* ---- time off and on-call ---- */

int store_time_off_add(struct store_conn *c, int64_t tenant_id, int64_t tech_id,
                       int64_t start_at, int64_t end_at, const char *reason, int64_t *id_out)
{
	if (end_at <= start_at || (reason && strlen(reason) > 500))
		return -TN_EINVAL_FIELD;
	int err = store__exists(c, STORE__SQL_TECHNICIAN_EXISTS, tenant_id, tech_id);
	if (err)
		return err;
	return store__insertf(c, id_out,
		"INSERT INTO time_off (tenant_id, technician_id, start_at, end_at, reason)"
		" VALUES (?, ?, ?, ?, ?)", "iiiit", tenant_id, tech_id, start_at, end_at, reason);
}

int store_time_off_remove(struct store_conn *c, int64_t tenant_id, int64_t time_off_id)
{
	return store__changef(c, "DELETE FROM time_off WHERE tenant_id = ? AND id = ?", "ii",
	                      tenant_id, time_off_id);
}

int store_time_off_list(struct store_conn *c, int64_t tenant_id, int64_t from, int64_t to,
                        json_t **out)
{
	if (to <= from)
		return -TN_EINVAL_FIELD;
	return store__all_jsonf(c, out,
		"SELECT id, technician_id, start_at, end_at, reason FROM time_off"
		" WHERE tenant_id = ? AND start_at < ? AND end_at > ? ORDER BY start_at, id", "iii",
		tenant_id, to, from);
}

int store_oncall_add(struct store_conn *c, int64_t tenant_id, int64_t tech_id,
                     const char *trade, int64_t start_at, int64_t end_at, int64_t *id_out)
{
	if (end_at <= start_at || (trade && !store__valid_text(trade, 64)))
		return -TN_EINVAL_FIELD;
	int err = store__exists(c, STORE__SQL_TECHNICIAN_EXISTS, tenant_id, tech_id);
	if (err)
		return err;
	return store__insertf(c, id_out,
		"INSERT INTO oncall_shifts (tenant_id, technician_id, trade, start_at, end_at)"
		" VALUES (?, ?, ?, ?, ?)", "iitii", tenant_id, tech_id, trade, start_at, end_at);
}

int store_oncall_remove(struct store_conn *c, int64_t tenant_id, int64_t shift_id)
{
	return store__changef(c, "DELETE FROM oncall_shifts WHERE tenant_id = ? AND id = ?", "ii",
	                      tenant_id, shift_id);
}

int store_oncall_list(struct store_conn *c, int64_t tenant_id, int64_t from, int64_t to,
                      json_t **out)
{
	if (to <= from)
		return -TN_EINVAL_FIELD;
	return store__all_jsonf(c, out,
		"SELECT id, technician_id, trade, start_at, end_at FROM oncall_shifts"
		" WHERE tenant_id = ? AND start_at < ? AND end_at > ? ORDER BY start_at, id", "iii",
		tenant_id, to, from);
}
