/* tech.c: technicians (trades, working hours, ZIPs) and appointments with their windows. */
#include "store/internal.h"
#include "base/err.h"
#include <errno.h>
#include <string.h>
#include <time.h>

static bool valid_tech(const struct store_technician *t)
{
	return t && store__valid_text(t->name, 200) && (!t->phone || strlen(t->phone) <= 32) &&
	       (!t->email || strlen(t->email) <= 254);
}

int store_technician_create(struct store_conn *c, int64_t tenant_id,
                            const struct store_technician *t, int64_t *id_out)
{
	if (!valid_tech(t))
		return -TN_EINVAL_FIELD;
	int err = store__tenant_exists(c, tenant_id);
	if (err)
		return err;
	return store__insertf(c, id_out,
		"INSERT INTO technicians (tenant_id, name, phone, email, active) VALUES (?, ?, ?, ?, ?)",
		"itttb", tenant_id, t->name, t->phone, t->email, (int)t->active);
}

int store_technician_update(struct store_conn *c, int64_t tenant_id, int64_t tech_id,
                            const struct store_technician *t)
{
	if (!valid_tech(t))
		return -TN_EINVAL_FIELD;
	return store__changef(c,
		"UPDATE technicians SET name = ?, phone = ?, email = ?, active = ?"
		" WHERE tenant_id = ? AND id = ?", "tttbii", t->name, t->phone, t->email,
		(int)t->active, tenant_id, tech_id);
}

int store_technician_delete(struct store_conn *c, int64_t tenant_id, int64_t tech_id)
{
	/* Appointments and on-call shifts keep their technician: the foreign keys refuse
	 * the delete (-TN_ECONFLICT) while any exist. */
	return store__changef(c, "DELETE FROM technicians WHERE tenant_id = ? AND id = ?", "ii",
	                      tenant_id, tech_id);
}

/* Adds trades, zips and hours arrays to a technician object. */
static int tech_details(struct store_conn *c, int64_t tenant_id, json_t *t)
{
	int64_t id = json_integer_value(json_object_get(t, "id"));
	/* Trades and zips as plain string arrays. */
	int err = store__add_column(c, t, "trades",
		"SELECT trade FROM technician_trades WHERE tenant_id = ? AND technician_id = ?"
		" ORDER BY trade", tenant_id, id);
	if (!err)
		err = store__add_column(c, t, "zips",
			"SELECT zip FROM technician_zips WHERE tenant_id = ? AND technician_id = ?"
			" ORDER BY zip", tenant_id, id);
	if (!err)
		err = store__add_rows(c, t, "hours",
			"SELECT weekday, start_min, end_min FROM technician_hours"
			" WHERE tenant_id = ? AND technician_id = ? ORDER BY weekday, start_min",
			tenant_id, id);
	return err;
}

#define TECH_COLS "id, name, phone, email, active"

int store_technician_get(struct store_conn *c, int64_t tenant_id, int64_t tech_id,
                         json_t **out)
{
	int err = store__one_jsonf(c, out,
		"SELECT " TECH_COLS " FROM technicians WHERE tenant_id = ? AND id = ?", "ii",
		tenant_id, tech_id);
	return err ? err : store__drop_on_error(out, tech_details(c, tenant_id, *out));
}

int store_technician_list(struct store_conn *c, int64_t tenant_id, json_t **out)
{
	int err = store__all_jsonf(c, out,
		"SELECT " TECH_COLS " FROM technicians WHERE tenant_id = ? ORDER BY id", "i",
		tenant_id);
	if (err)
		return err;
	size_t i;
	json_t *t;
	json_array_foreach(*out, i, t)
		if ((err = tech_details(c, tenant_id, t)))
			break;
	return store__drop_on_error(out, err);
}

int store_technician_trades_set(struct store_conn *c, int64_t tenant_id, int64_t tech_id,
                                const char *const *trades, size_t n)
{
	if (n && !trades)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!store__valid_text(trades[i], 64))
			return -TN_EINVAL_FIELD;
	int err = store__exists(c, STORE__SQL_TECHNICIAN_EXISTS, tenant_id, tech_id);
	if (err || (err = store__sp_begin(c)))
		return err;
	err = store__execf(c,
		"DELETE FROM technician_trades WHERE tenant_id = ? AND technician_id = ?", "ii",
		tenant_id, tech_id);
	for (size_t i = 0; i < n && !err; i++)
		err = store__execf(c,
			"INSERT INTO technician_trades (tenant_id, technician_id, trade)"
			" VALUES (?, ?, ?) ON CONFLICT DO NOTHING", "iit", tenant_id, tech_id, trades[i]);
	return store__sp_end(c, err);
}

int store_technician_hours_set(struct store_conn *c, int64_t tenant_id, int64_t tech_id,
                               const struct store_hours *h, size_t n)
{
	if (n && !h)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (h[i].weekday < 0 || h[i].weekday > 6 || h[i].open_min < 0 ||
		    h[i].open_min >= 1440 || h[i].close_min <= h[i].open_min || h[i].close_min > 1440)
			return -TN_EINVAL_FIELD;
	int err = store__exists(c, STORE__SQL_TECHNICIAN_EXISTS, tenant_id, tech_id);
	if (err || (err = store__sp_begin(c)))
		return err;
	err = store__execf(c,
		"DELETE FROM technician_hours WHERE tenant_id = ? AND technician_id = ?", "ii",
		tenant_id, tech_id);
	for (size_t i = 0; i < n && !err; i++)
		err = store__execf(c,
			"INSERT INTO technician_hours (tenant_id, technician_id, weekday, start_min,"
			" end_min) VALUES (?, ?, ?, ?, ?)", "iiiii", tenant_id, tech_id,
			(int64_t)h[i].weekday, (int64_t)h[i].open_min, (int64_t)h[i].close_min);
	if (err == -TN_ECONFLICT)
		err = -TN_EINVAL_FIELD;
	return store__sp_end(c, err);
}

int store_technician_zips_set(struct store_conn *c, int64_t tenant_id, int64_t tech_id,
                              const char *const *zips, size_t n)
{
	if (n && !zips)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!store__valid_zip(zips[i]))
			return -TN_EINVAL_FIELD;
	int err = store__exists(c, STORE__SQL_TECHNICIAN_EXISTS, tenant_id, tech_id);
	if (err || (err = store__sp_begin(c)))
		return err;
	err = store__execf(c,
		"DELETE FROM technician_zips WHERE tenant_id = ? AND technician_id = ?", "ii",
		tenant_id, tech_id);
	for (size_t i = 0; i < n && !err; i++)
		err = store__execf(c,
			"INSERT INTO technician_zips (tenant_id, technician_id, zip)"
			" VALUES (?, ?, ?) ON CONFLICT DO NOTHING", "iit", tenant_id, tech_id, zips[i]);
	return store__sp_end(c, err);
}

/* ---- appointments ---- */

int store_appointment_book(struct store_conn *c, int64_t tenant_id,
                           const struct store_appointment *a, const int64_t *slot_starts,
                           size_t n, int64_t *id_out)
{
	if (!a || (n && !slot_starts) || !store__valid_text(a->service_code, 64) ||
	    !store__valid_text(a->trade, 64) || !store__valid_text(a->job_number, 64) ||
	    a->end_at <= a->start_at || a->technician_id <= 0)
		return -TN_EINVAL_FIELD;
	int err = store__exists(c, STORE__SQL_CUSTOMER_EXISTS, tenant_id, a->customer_id);
	if (err ||
	    (err = store__exists(c, STORE__SQL_TECHNICIAN_EXISTS, tenant_id, a->technician_id)))
		return err;
	if ((err = store__sp_begin(c)))
		return err;
	int64_t now = (int64_t)time(NULL);
	err = store__execf(c,
		"INSERT INTO appointments (tenant_id, customer_id, technician_id, service_code, trade,"
		" start_at, end_at, status, job_number, address, notes, created_at, updated_at)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?, ?, ?)", "iiittiitttii",
		tenant_id, a->customer_id, a->technician_id, a->service_code, a->trade, a->start_at,
		a->end_at, a->job_number, a->address, a->notes, now, now);
	int64_t id = err ? 0 : store_last_insert_id(c);
	/* The primary key (tenant, technician, slot_start) is what makes a double booking
	 * impossible: the second insert of a window fails, and so does its whole booking. */
	for (size_t i = 0; i < n && !err; i++)
		err = store__execf(c,
			"INSERT INTO appointment_slots (tenant_id, technician_id, slot_start,"
			" appointment_id) VALUES (?, ?, ?, ?)", "iiii", tenant_id, a->technician_id,
			slot_starts[i], id);
	err = store__sp_end(c, err);
	if (!err && id_out)
		*id_out = id;
	return err;
}

int store_appointment_get(struct store_conn *c, int64_t tenant_id, int64_t appt_id,
                          json_t **out)
{
	int err = store__one_jsonf(c, out,
		"SELECT id, customer_id, technician_id, service_code, trade, start_at, end_at, status,"
		" job_number, address, eta, notes FROM appointments WHERE tenant_id = ? AND id = ?",
		"ii", tenant_id, appt_id);
	return err ? err : store__drop_on_error(out, store__add_column(c, *out, "slots",
		"SELECT slot_start FROM appointment_slots WHERE tenant_id = ? AND appointment_id = ?"
		" ORDER BY slot_start", tenant_id, appt_id));
}

int store_appointment_cancel(struct store_conn *c, int64_t tenant_id, int64_t appt_id)
{
	int err = store__sp_begin(c);
	if (err)
		return err;
	err = store__changef(c,
		"UPDATE appointments SET status = 'cancelled', updated_at = ?"
		" WHERE tenant_id = ? AND id = ? AND status <> 'cancelled'", "iii",
		(int64_t)time(NULL), tenant_id, appt_id);
	if (!err)
		err = store__execf(c,
			"DELETE FROM appointment_slots WHERE tenant_id = ? AND appointment_id = ?", "ii",
			tenant_id, appt_id);
	return store__sp_end(c, err);
}
