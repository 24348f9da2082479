/* tenant.c: tenants and their configuration: hours, holidays, service ZIPs, services. */
#include "store/internal.h"
#include "base/err.h"
#include <errno.h>
#include <string.h>
#include <time.h>

#define TENANT_COLS "id, slug, name, timezone, settings, created_at"

static bool valid_slug(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > 63 || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static bool valid_timezone(const char *tz)
{
	/* Shape only (Area/City, "UTC"); whether the zone exists is for base/tz. */
	if (!store__valid_text(tz, 64) || tz[0] == '/' || strstr(tz, ".."))
		return false;
	for (const char *p = tz; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '/' || *p == '_' || *p == '-' || *p == '+'))
			return false;
	return true;
}

int store_tenant_create(struct store_conn *c, const char *slug, const char *name,
                        const char *tz_name, const json_t *settings, int64_t *id_out)
{
	if (!valid_slug(slug) || !store__valid_text(name, 200) || !valid_timezone(tz_name) ||
	    (settings && !json_is_object(settings)))
		return -TN_EINVAL_FIELD;
	json_t *empty = NULL;
	if (!settings && !(settings = empty = json_object()))
		return -ENOMEM;
	int err = store__insertf(c, id_out,
		"INSERT INTO tenants (slug, name, timezone, settings, created_at) VALUES (?, ?, ?, ?, ?)",
		"tttji", slug, name, tz_name, settings, (int64_t)time(NULL));
	json_decref(empty);
	return err;
}

int store_tenant_get(struct store_conn *c, int64_t tenant_id, json_t **out)
{
	return store__one_jsonf(c, out, "SELECT " TENANT_COLS " FROM tenants WHERE id = ?", "i",
	                        tenant_id);
}

int store_tenant_get_by_slug(struct store_conn *c, const char *slug, json_t **out)
{
	if (!slug)
		return -TN_ENOTFOUND;
	return store__one_jsonf(c, out, "SELECT " TENANT_COLS " FROM tenants WHERE slug = ?", "t",
	                        slug);
}

int store_tenant_list(struct store_conn *c, json_t **out)
{
	return store__all_jsonf(c, out, "SELECT " TENANT_COLS " FROM tenants ORDER BY id", "");
}

int store_tenant_update(struct store_conn *c, int64_t tenant_id, const char *name,
                        const char *tz_name, const json_t *settings)
{
	if ((name && !store__valid_text(name, 200)) || (tz_name && !valid_timezone(tz_name)) ||
	    (settings && !json_is_object(settings)))
		return -TN_EINVAL_FIELD;
	return store__changef(c,
		"UPDATE tenants SET name = COALESCE(?, name), timezone = COALESCE(?, timezone),"
		" settings = COALESCE(?, settings) WHERE id = ?",
		"ttji", name, tz_name, settings, tenant_id);
}

/* ---- business hours ---- */

static bool valid_hours(const struct store_hours *h)
{
	return h->weekday >= 0 && h->weekday <= 6 && h->open_min >= 0 && h->open_min < 1440 &&
	       h->close_min > h->open_min && h->close_min <= 1440;
}

int store_hours_set(struct store_conn *c, int64_t tenant_id, const struct store_hours *h,
                    size_t n)
{
	if (n && !h)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!valid_hours(&h[i]))
			return -TN_EINVAL_FIELD;
	int err = store__tenant_exists(c, tenant_id);
	if (err || (err = store__sp_begin(c)))
		return err;
	err = store__execf(c, "DELETE FROM business_hours WHERE tenant_id = ?", "i", tenant_id);
	for (size_t i = 0; i < n && !err; i++)
		err = store__execf(c,
			"INSERT INTO business_hours (tenant_id, weekday, open_min, close_min)"
			" VALUES (?, ?, ?, ?)", "iiii", tenant_id, (int64_t)h[i].weekday,
			(int64_t)h[i].open_min, (int64_t)h[i].close_min);
	if (err == -TN_ECONFLICT)
		err = -TN_EINVAL_FIELD;  /* two intervals opening at the same minute */
	return store__sp_end(c, err);
}

int store_hours_get(struct store_conn *c, int64_t tenant_id, json_t **out)
{
	return store__all_jsonf(c, out,
		"SELECT weekday, open_min, close_min FROM business_hours WHERE tenant_id = ?"
		" ORDER BY weekday, open_min", "i", tenant_id);
}

/* ---- holidays ---- */

static bool valid_date(const char *d)
{
	if (!d || strlen(d) != 10 || d[4] != '-' || d[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
			return false;
	int month = (d[5] - '0') * 10 + (d[6] - '0');
	int day = (d[8] - '0') * 10 + (d[9] - '0');
	return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

int store_holiday_add(struct store_conn *c, int64_t tenant_id, const char *date,
                      const char *name)
{
	if (!valid_date(date) || !store__valid_text(name, 200))
		return -TN_EINVAL_FIELD;
	int err = store__tenant_exists(c, tenant_id);
	if (err)
		return err;
	return store__execf(c, "INSERT INTO holidays (tenant_id, date, name) VALUES (?, ?, ?)",
	                    "itt", tenant_id, date, name);
}

int store_holiday_remove(struct store_conn *c, int64_t tenant_id, const char *date)
{
	return store__changef(c, "DELETE FROM holidays WHERE tenant_id = ? AND date = ?", "it",
	                      tenant_id, date);
}

int store_holiday_list(struct store_conn *c, int64_t tenant_id, json_t **out)
{
	return store__all_jsonf(c, out,
		"SELECT date, name FROM holidays WHERE tenant_id = ? ORDER BY date", "i", tenant_id);
}

/* ---- service ZIPs ---- */

int store_zips_set(struct store_conn *c, int64_t tenant_id, const char *const *zips,
                   size_t n)
{
	if (n && !zips)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!store__valid_zip(zips[i]))
			return -TN_EINVAL_FIELD;
	int err = store__tenant_exists(c, tenant_id);
	if (err || (err = store__sp_begin(c)))
		return err;
	err = store__execf(c, "DELETE FROM service_zips WHERE tenant_id = ?", "i", tenant_id);
	for (size_t i = 0; i < n && !err; i++)
		err = store__execf(c,
			"INSERT INTO service_zips (tenant_id, zip) VALUES (?, ?) ON CONFLICT DO NOTHING", "it",
			tenant_id, zips[i]);
	return store__sp_end(c, err);
}

int store_zips_get(struct store_conn *c, int64_t tenant_id, json_t **out)
{
	return store__column_jsonf(c, out,
		"SELECT zip FROM service_zips WHERE tenant_id = ? ORDER BY zip", "i", tenant_id);
}

int store_zip_served(struct store_conn *c, int64_t tenant_id, const char *zip)
{
	if (!store__valid_zip(zip))
		return 0;
	int64_t one;
	int err = store__one_int64f(c, &one,
		"SELECT 1 FROM service_zips WHERE tenant_id = ? AND zip = ?", "it", tenant_id, zip);
	return err == -TN_ENOTFOUND ? 0 : err ? err : 1;
}

/* ---- services ---- */

#define SERVICE_COLS \
	"id, code, name, trade, price_cents, price_kind, duration_windows, description"

static bool valid_code(const char *s)
{
	if (!store__valid_text(s, 64))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

static bool valid_service(const struct store_service *v)
{
	return v && valid_code(v->code) && store__valid_text(v->name, 200) &&
	       store__valid_text(v->trade, 64) && v->price_cents >= 0 &&
	       (int)v->price_kind >= 0 && v->price_kind < STORE_PRICE__COUNT &&
	       v->duration_windows >= 0 && v->duration_windows <= 64 &&
	       (!v->description || strlen(v->description) <= 4000);
}

int store_service_create(struct store_conn *c, int64_t tenant_id,
                         const struct store_service *v, int64_t *id_out)
{
	if (!valid_service(v))
		return -TN_EINVAL_FIELD;
	int err = store__tenant_exists(c, tenant_id);
	if (err)
		return err;
	int64_t cents = v->price_kind == STORE_PRICE_ESTIMATE ? 0 : v->price_cents;
	return store__insertf(c, id_out,
		"INSERT INTO services (tenant_id, code, name, trade, price_cents, price_kind,"
		" duration_windows, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		"itttitit", tenant_id, v->code, v->name, v->trade, cents,
		store_price_kind_name(v->price_kind), (int64_t)v->duration_windows, v->description);
}

int store_service_update(struct store_conn *c, int64_t tenant_id, int64_t service_id,
                         const struct store_service *v)
{
	if (!valid_service(v))
		return -TN_EINVAL_FIELD;
	int64_t cents = v->price_kind == STORE_PRICE_ESTIMATE ? 0 : v->price_cents;
	return store__changef(c,
		"UPDATE services SET code = ?, name = ?, trade = ?, price_cents = ?, price_kind = ?,"
		" duration_windows = ?, description = ? WHERE tenant_id = ? AND id = ?",
		"tttititii", v->code, v->name, v->trade, cents, store_price_kind_name(v->price_kind),
		(int64_t)v->duration_windows, v->description, tenant_id, service_id);
}

int store_service_delete(struct store_conn *c, int64_t tenant_id, int64_t service_id)
{
	return store__changef(c, "DELETE FROM services WHERE tenant_id = ? AND id = ?", "ii",
	                      tenant_id, service_id);
}

int store_service_get(struct store_conn *c, int64_t tenant_id, int64_t service_id,
                      json_t **out)
{
	return store__one_jsonf(c, out,
		"SELECT " SERVICE_COLS " FROM services WHERE tenant_id = ? AND id = ?", "ii",
		tenant_id, service_id);
}

int store_service_get_by_code(struct store_conn *c, int64_t tenant_id, const char *code,
                              json_t **out)
{
	return store__one_jsonf(c, out,
		"SELECT " SERVICE_COLS " FROM services WHERE tenant_id = ? AND code = ?", "it",
		tenant_id, code);
}

int store_service_list(struct store_conn *c, int64_t tenant_id, json_t **out)
{
	return store__all_jsonf(c, out,
		"SELECT " SERVICE_COLS " FROM services WHERE tenant_id = ? ORDER BY id", "i",
		tenant_id);
}
