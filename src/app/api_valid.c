/* api_valid.c: validation of the tenant administration documents (settings, technicians,
 * articles) and their application to the store. */
#include "app/api.h"
#include "base/err.h"
#include "base/tz.h"
#include "base/utf8.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int api_verr_set(struct api_verr *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -TN_EINVAL_FIELD;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int api_parse_hhmm(const char *s, bool allow_24, int *minutes)
{
	if (!s || strlen(s) != 5 || !is_digit(s[0]) || !is_digit(s[1]) || s[2] != ':' ||
	    !is_digit(s[3]) || !is_digit(s[4]))
		return -TN_EINVAL_FIELD;
	int h = (s[0] - '0') * 10 + (s[1] - '0');
	int m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)))
		return -TN_EINVAL_FIELD;
	*minutes = h * 60 + m;
	return 0;
}

bool api_valid_date(const char *s)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !is_digit(s[i]))
			return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int mo = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || mo < 1 || mo > 12 || d < 1)
		return false;
	int max = mdays[mo - 1];
	if (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

bool api_valid_zip(const char *s)
{
	if (!s || strlen(s) != 5)
		return false;
	for (int i = 0; i < 5; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

bool api_valid_e164(const char *s)
{
	if (!s || s[0] != '+' || s[1] < '1' || s[1] > '9')
		return false;
	size_t n = strlen(s + 1);
	if (n < 8 || n > 15)
		return false;
	for (size_t i = 1; i <= n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

bool api_valid_slug(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || is_digit(s[i]) || s[i] == '-'))
			return false;
	return true;
}

/* A string field of bounded length; absent is allowed unless required. */
static int get_text(const json_t *obj, const char *key, const char *field, bool required,
		    size_t max, const char **out, struct api_verr *e)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return api_verr_set(e, "%s%s is required", field, key);
		return 0;
	}
	if (!json_is_string(v))
		return api_verr_set(e, "%s%s must be a string", field, key);
	size_t n = json_string_length(v);
	if (required && n == 0)
		return api_verr_set(e, "%s%s must not be empty", field, key);
	if (n > max)
		return api_verr_set(e, "%s%s is longer than %zu bytes", field, key, max);
	if (memchr(json_string_value(v), '\0', n))
		return api_verr_set(e, "%s%s must not contain NUL characters", field, key);
	*out = json_string_value(v);
	return 0;
}

static int check_keys(const json_t *obj, const char *const *allowed, const char *const *ignore,
		      const char *field, struct api_verr *e)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		bool ok = false;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = !strcmp(*a, key);
		for (const char *const *a = ignore; a && *a && !ok; a++)
			ok = !strcmp(*a, key);
		if (!ok)
			return api_verr_set(e, "%s%s is not a known field", field, key);
	}
	return 0;
}

/* The settings keys kept in the tenant's settings JSON (the rest have their own tables). */
static const char *const extra_keys[] = {"phone", "email", "portal_url", "brands",
					 "appointment_windows", "oncall", "escalation", NULL};

static const char *const day_keys[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static int cmp_hours(const void *a, const void *b)
{
	const struct store_hours *x = a, *y = b;
	if (x->weekday != y->weekday)
		return x->weekday - y->weekday;
	return x->open_min - y->open_min;
}

int api_parse_week(const json_t *week, const char *field, struct store_hours *out,
		   size_t max, size_t *n, struct api_verr *e)
{
	*n = 0;
	if (!json_is_object(week))
		return api_verr_set(e, "%s must be an object of days (mon..sun)", field);
	const char *key;
	json_t *day;
	json_object_foreach((json_t *)week, key, day) {
		int wd = -1;
		for (int i = 0; i < 7; i++)
			if (!strcmp(key, day_keys[i]))
				wd = i;
		if (wd < 0)
			return api_verr_set(e, "%s.%s is not a day (mon..sun)", field, key);
		if (!json_is_array(day))
			return api_verr_set(e, "%s.%s must be an array of [open, close] pairs",
					    field, key);
		size_t first = *n;
		for (size_t i = 0; i < json_array_size(day); i++) {
			json_t *iv = json_array_get(day, i);
			if (!json_is_array(iv) || json_array_size(iv) != 2 ||
			    !json_is_string(json_array_get(iv, 0)) ||
			    !json_is_string(json_array_get(iv, 1)))
				return api_verr_set(e, "%s.%s[%zu] must be [\"HH:MM\", \"HH:MM\"]",
						    field, key, i);
			int o, c;
			if (api_parse_hhmm(json_string_value(json_array_get(iv, 0)), false, &o) ||
			    api_parse_hhmm(json_string_value(json_array_get(iv, 1)), true, &c))
				return api_verr_set(e, "%s.%s[%zu] has a time that is not HH:MM",
						    field, key, i);
			if (o >= c)
				return api_verr_set(e, "%s.%s[%zu] opens at or after it closes",
						    field, key, i);
			if (*n >= max)
				return api_verr_set(e, "%s has too many intervals", field);
			out[(*n)++] = (struct store_hours){wd, o, c};
		}
		qsort(out + first, *n - first, sizeof *out, cmp_hours);
		for (size_t i = first + 1; i < *n; i++)
			if (out[i].open_min < out[i - 1].close_min)
				return api_verr_set(e, "%s.%s has overlapping intervals", field, key);
	}
	qsort(out, *n, sizeof *out, cmp_hours);
	return 0;
}

static json_t *hhmm(int minutes)
{
	char s[8];
	snprintf(s, sizeof s, "%02d:%02d", minutes / 60 % 100, minutes % 60);
	return json_string(s);
}

json_t *api_week_json(const json_t *rows)
{
	json_t *week = json_object();
	if (!week)
		return NULL;
	/* Monday first, as people read a week. */
	static const int order[7] = {1, 2, 3, 4, 5, 6, 0};
	for (int k = 0; k < 7; k++) {
		json_t *day = json_array();
		if (!day || json_object_set_new(week, day_keys[order[k]], day))
			goto fail;
	}
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		json_int_t wd = json_integer_value(json_object_get(row, "weekday"));
		json_t *o = json_object_get(row, "open_min");
		json_t *c = json_object_get(row, "close_min");
		if (!o)
			o = json_object_get(row, "start_min");
		if (!c)
			c = json_object_get(row, "end_min");
		if (wd < 0 || wd > 6 || !json_is_integer(o) || !json_is_integer(c))
			continue;
		json_t *pair = json_pack("[oo]", hhmm((int)json_integer_value(o)),
					 hhmm((int)json_integer_value(c)));
		if (!pair || json_array_append_new(json_object_get(week, day_keys[wd]), pair))
			goto fail;
	}
	return week;
fail:
	json_decref(week);
	return NULL;
}

static int parse_zips(const json_t *arr, const char *field, const char ***out, size_t *n,
		      struct api_verr *e)
{
	*out = NULL;
	*n = 0;
	if (!json_is_array(arr))
		return api_verr_set(e, "%s must be an array of 5-digit ZIP codes", field);
	size_t cnt = json_array_size(arr);
	if (cnt > 10000)
		return api_verr_set(e, "%s has too many entries", field);
	const char **z = calloc(cnt ? cnt : 1, sizeof *z);
	if (!z)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		if (!api_valid_zip(s)) {
			free(z);
			return api_verr_set(e, "%s[%zu] is not a 5-digit ZIP code", field, i);
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(z[j], s)) {
				free(z);
				return api_verr_set(e, "%s[%zu] repeats %s", field, i, s);
			}
		z[i] = s;
	}
	*out = z;
	*n = cnt;
	return 0;
}

static const char *const trades[] = {"hvac", "plumbing", "electrical", "general", NULL};

static bool valid_trade(const char *s)
{
	for (const char *const *t = trades; s && *t; t++)
		if (!strcmp(*t, s))
			return true;
	return false;
}

static int parse_services(const json_t *arr, struct store_service **out, size_t *n,
			  struct api_verr *e)
{
	static const char *const keys[] = {"code", "name", "trade", "price", "price_kind",
					   "duration_windows", "description", NULL};
	*out = NULL;
	*n = 0;
	if (!json_is_array(arr))
		return api_verr_set(e, "services must be an array");
	size_t cnt = json_array_size(arr);
	if (cnt > 1000)
		return api_verr_set(e, "services has too many entries");
	struct store_service *sv = calloc(cnt ? cnt : 1, sizeof *sv);
	if (!sv)
		return -ENOMEM;
	int rc = 0;
	for (size_t i = 0; i < cnt; i++) {
		json_t *o = json_array_get(arr, i);
		char f[32];
		snprintf(f, sizeof f, "services[%zu].", i);
		if (!json_is_object(o)) {
			rc = api_verr_set(e, "services[%zu] must be an object", i);
			goto out;
		}
		struct store_service *s = &sv[i];
		if ((rc = check_keys(o, keys, NULL, f, e)) ||
		    (rc = get_text(o, "code", f, true, 64, &s->code, e)) ||
		    (rc = get_text(o, "name", f, true, 200, &s->name, e)) ||
		    (rc = get_text(o, "trade", f, true, 32, &s->trade, e)) ||
		    (rc = get_text(o, "description", f, false, 4000, &s->description, e)))
			goto out;
		for (const char *p = s->code; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || is_digit(*p) || *p == '_' || *p == '-')) {
				rc = api_verr_set(e, "%scode must use a-z, 0-9, '_' or '-'", f);
				goto out;
			}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(sv[j].code, s->code)) {
				rc = api_verr_set(e, "%scode repeats %s", f, s->code);
				goto out;
			}
		if (!valid_trade(s->trade)) {
			rc = api_verr_set(e, "%strade must be hvac, plumbing, electrical or general", f);
			goto out;
		}
		const char *kind;
		if ((rc = get_text(o, "price_kind", f, true, 16, &kind, e)))
			goto out;
		if (store_price_kind_parse(kind, &s->price_kind)) {
			rc = api_verr_set(e, "%sprice_kind must be fixed, from, monthly or estimate", f);
			goto out;
		}
		json_t *price = json_object_get(o, "price");
		if (!price || json_is_null(price)) {
			if (s->price_kind != STORE_PRICE_ESTIMATE) {
				rc = api_verr_set(e, "%sprice is required unless price_kind is estimate", f);
				goto out;
			}
			s->price_cents = 0;
		} else {
			if (!json_is_number(price)) {
				rc = api_verr_set(e, "%sprice must be a number or null", f);
				goto out;
			}
			double d = json_number_value(price);
			if (!isfinite(d) || d < 0 || d > 10000000) {
				rc = api_verr_set(e, "%sprice must be between 0 and 10000000", f);
				goto out;
			}
			s->price_cents = (int64_t)llround(d * 100.0);
		}
		json_t *dw = json_object_get(o, "duration_windows");
		if (!dw || json_is_null(dw)) {
			s->duration_windows = 1;
		} else if (!json_is_integer(dw) || json_integer_value(dw) < 1 ||
			   json_integer_value(dw) > 20) {
			rc = api_verr_set(e, "%sduration_windows must be an integer from 1 to 20", f);
			goto out;
		} else {
			s->duration_windows = (int)json_integer_value(dw);
		}
	}
out:
	if (rc) {
		free(sv);
		return rc;
	}
	*out = sv;
	*n = cnt;
	return 0;
}

static int parse_holidays(const json_t *arr, struct api_verr *e)
{
	static const char *const keys[] = {"date", "name", NULL};
	if (!json_is_array(arr))
		return api_verr_set(e, "holidays must be an array of {date, name}");
	if (json_array_size(arr) > 1000)
		return api_verr_set(e, "holidays has too many entries");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		char f[32];
		snprintf(f, sizeof f, "holidays[%zu].", i);
		if (!json_is_object(o))
			return api_verr_set(e, "holidays[%zu] must be an object", i);
		const char *date, *name;
		int rc;
		if ((rc = check_keys(o, keys, NULL, f, e)) ||
		    (rc = get_text(o, "date", f, true, 10, &date, e)) ||
		    (rc = get_text(o, "name", f, true, 200, &name, e)))
			return rc;
		if (!api_valid_date(date))
			return api_verr_set(e, "%sdate is not a valid YYYY-MM-DD date", f);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(json_string_value(json_object_get(json_array_get(arr, j), "date")),
				    date))
				return api_verr_set(e, "%sdate repeats %s", f, date);
	}
	return 0;
}

static int check_fraction(const json_t *o, const char *key, struct api_verr *e)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1)
		return api_verr_set(e, "escalation.%s must be a number from 0 to 1", key);
	return 0;
}

static int check_count(const json_t *o, const char *key, const char *field, json_int_t max,
		       struct api_verr *e)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > max)
		return api_verr_set(e, "%s%s must be an integer from 1 to %lld", field, key,
				    (long long)max);
	return 0;
}

static int parse_escalation(const json_t *o, struct api_verr *e)
{
	static const char *const keys[] = {"frustration_threshold", "low_confidence",
					   "low_confidence_turns", "repeat_failures",
					   "sla_seconds", NULL};
	static const char *const sla_keys[] = {"P1", "P2", "P3", NULL};
	int rc;
	if (!json_is_object(o))
		return api_verr_set(e, "escalation must be an object");
	if ((rc = check_keys(o, keys, NULL, "escalation.", e)) ||
	    (rc = check_fraction(o, "frustration_threshold", e)) ||
	    (rc = check_fraction(o, "low_confidence", e)) ||
	    (rc = check_count(o, "low_confidence_turns", "escalation.", 100, e)) ||
	    (rc = check_count(o, "repeat_failures", "escalation.", 100, e)))
		return rc;
	json_t *sla = json_object_get(o, "sla_seconds");
	if (sla) {
		if (!json_is_object(sla))
			return api_verr_set(e, "escalation.sla_seconds must be an object");
		if ((rc = check_keys(sla, sla_keys, NULL, "escalation.sla_seconds.", e)))
			return rc;
		for (const char *const *k = sla_keys; *k; k++)
			if ((rc = check_count(sla, *k, "escalation.sla_seconds.", 7 * 86400, e)))
				return rc;
	}
	return 0;
}

static int parse_windows(const json_t *arr, struct api_verr *e)
{
	if (!json_is_array(arr) || json_array_size(arr) > 48)
		return api_verr_set(e, "appointment_windows must be an array of [start, end] pairs");
	int prev_end = -1;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *w = json_array_get(arr, i);
		int a, b;
		if (!json_is_array(w) || json_array_size(w) != 2 ||
		    api_parse_hhmm(json_string_value(json_array_get(w, 0)), false, &a) ||
		    api_parse_hhmm(json_string_value(json_array_get(w, 1)), true, &b) || a >= b)
			return api_verr_set(e, "appointment_windows[%zu] must be [\"HH:MM\", \"HH:MM\"] "
					    "with start before end", i);
		if (a < prev_end)
			return api_verr_set(e, "appointment_windows[%zu] overlaps the one before", i);
		prev_end = b;
	}
	return 0;
}

static int parse_oncall(const json_t *o, struct api_verr *e)
{
	static const char *const keys[] = {"rotation", "starts", "handover", NULL};
	int rc;
	if (!json_is_object(o))
		return api_verr_set(e, "oncall must be an object");
	if ((rc = check_keys(o, keys, NULL, "oncall.", e)))
		return rc;
	json_t *rot = json_object_get(o, "rotation");
	if (rot) {
		if (!json_is_array(rot) || json_array_size(rot) > 100)
			return api_verr_set(e, "oncall.rotation must be an array of names");
		for (size_t i = 0; i < json_array_size(rot); i++)
			if (!json_is_string(json_array_get(rot, i)) ||
			    !json_string_length(json_array_get(rot, i)))
				return api_verr_set(e, "oncall.rotation[%zu] must be a name", i);
	}
	const char *s;
	if ((rc = get_text(o, "starts", "oncall.", false, 10, &s, e)))
		return rc;
	if (s && !api_valid_date(s))
		return api_verr_set(e, "oncall.starts is not a valid YYYY-MM-DD date");
	if ((rc = get_text(o, "handover", "oncall.", false, 16, &s, e)))
		return rc;
	if (s) {
		int m;
		bool ok = strlen(s) == 9 && s[3] == ' ' && !api_parse_hhmm(s + 4, false, &m);
		bool day = false;
		for (int i = 0; i < 7 && ok; i++)
			day |= !strncmp(s, day_keys[i], 3);
		if (!ok || !day)
			return api_verr_set(e, "oncall.handover must look like \"mon 08:00\"");
	}
	return 0;
}

static int parse_strings(const json_t *arr, const char *field, size_t max, struct api_verr *e)
{
	if (!json_is_array(arr) || json_array_size(arr) > max)
		return api_verr_set(e, "%s must be an array of at most %zu strings", field, max);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *v = json_array_get(arr, i);
		if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > 200)
			return api_verr_set(e, "%s[%zu] must be a non-empty string", field, i);
	}
	return 0;
}

int tenant_config_parse(const json_t *doc, bool full, const char *const *ignore,
			struct tenant_config *cfg, struct api_verr *e)
{
	static const char *const keys[] = {"name", "timezone", "hours", "holidays",
					   "service_zips", "services", "phone", "email",
					   "portal_url", "brands", "appointment_windows",
					   "oncall", "escalation", "slug", NULL};
	int rc;
	memset(cfg, 0, sizeof *cfg);
	if (!json_is_object(doc))
		return api_verr_set(e, "the settings must be a JSON object");
	if ((rc = check_keys(doc, keys, ignore, "", e)))
		return rc;
	cfg->doc = json_incref((json_t *)doc);
	cfg->extra = json_object();
	if (!cfg->extra) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = get_text(doc, "name", "", full, 200, &cfg->name, e)) ||
	    (rc = get_text(doc, "timezone", "", full, 64, &cfg->timezone, e)))
		goto out;
	if (json_object_get(doc, "name") && !full && (!cfg->name || !*cfg->name)) {
		rc = api_verr_set(e, "name must be a non-empty string");
		goto out;
	}
	if (cfg->timezone) {
		const struct tz *z;
		if (tz_get(cfg->timezone, &z)) {
			rc = api_verr_set(e, "timezone: unknown time zone '%.64s'", cfg->timezone);
			goto out;
		}
	} else if (json_object_get(doc, "timezone")) {
		rc = api_verr_set(e, "timezone must be an IANA time zone name");
		goto out;
	}
	json_t *v;
	if ((v = json_object_get(doc, "hours"))) {
		cfg->has_hours = true;
		if ((rc = api_parse_week(v, "hours", cfg->hours, sizeof cfg->hours / sizeof cfg->hours[0],
					 &cfg->n_hours, e)))
			goto out;
	}
	if ((v = json_object_get(doc, "holidays"))) {
		cfg->has_holidays = true;
		if ((rc = parse_holidays(v, e)))
			goto out;
	}
	if ((v = json_object_get(doc, "service_zips"))) {
		cfg->has_zips = true;
		if ((rc = parse_zips(v, "service_zips", &cfg->zips, &cfg->n_zips, e)))
			goto out;
	}
	if ((v = json_object_get(doc, "services"))) {
		cfg->has_services = true;
		if ((rc = parse_services(v, &cfg->services, &cfg->n_services, e)))
			goto out;
	}
	const char *s;
	if ((rc = get_text(doc, "phone", "", false, 20, &s, e)))
		goto out;
	if (s && *s && !api_valid_e164(s)) {
		rc = api_verr_set(e, "phone must be an E.164 number such as +17045550100");
		goto out;
	}
	if ((rc = get_text(doc, "email", "", false, 254, &s, e)))
		goto out;
	if (s && *s) {
		char tmp[256];
		snprintf(tmp, sizeof tmp, "%s", s);
		if (auth_email_normalize(tmp)) {
			rc = api_verr_set(e, "email is not a valid address");
			goto out;
		}
	}
	if ((rc = get_text(doc, "portal_url", "", false, 500, &s, e)))
		goto out;
	if (s && *s && strncmp(s, "https://", 8) && strncmp(s, "http://", 7)) {
		rc = api_verr_set(e, "portal_url must start with https:// or http://");
		goto out;
	}
	if ((v = json_object_get(doc, "brands")) && (rc = parse_strings(v, "brands", 100, e)))
		goto out;
	if ((v = json_object_get(doc, "appointment_windows")) && (rc = parse_windows(v, e)))
		goto out;
	if ((v = json_object_get(doc, "oncall")) && (rc = parse_oncall(v, e)))
		goto out;
	if ((v = json_object_get(doc, "escalation")) && (rc = parse_escalation(v, e)))
		goto out;
	for (const char *const *k = extra_keys; *k; k++)
		if ((v = json_object_get(doc, *k)) &&
		    json_object_set_new(cfg->extra, *k, json_deep_copy(v))) {
			rc = -ENOMEM;
			goto out;
		}
out:
	if (rc)
		tenant_config_free(cfg);
	return rc;
}

void tenant_config_free(struct tenant_config *cfg)
{
	free(cfg->zips);
	free(cfg->services);
	json_decref(cfg->extra);
	json_decref(cfg->doc);
	memset(cfg, 0, sizeof *cfg);
}

static int replace_holidays(struct store_conn *c, int64_t tenant_id, const json_t *list)
{
	json_t *old = NULL;
	int rc = store_holiday_list(c, tenant_id, &old);
	if (rc)
		return rc;
	size_t i;
	json_t *h;
	json_array_foreach(old, i, h) {
		if ((rc = store_holiday_remove(c, tenant_id,
					       json_string_value(json_object_get(h, "date")))))
			goto out;
	}
	json_array_foreach(list, i, h) {
		if ((rc = store_holiday_add(c, tenant_id,
					    json_string_value(json_object_get(h, "date")),
					    json_string_value(json_object_get(h, "name")))))
			goto out;
	}
out:
	json_decref(old);
	return rc;
}

static int replace_services(struct store_conn *c, int64_t tenant_id,
			    const struct store_service *sv, size_t n)
{
	json_t *old = NULL;
	int rc = store_service_list(c, tenant_id, &old);
	if (rc)
		return rc;
	size_t i;
	json_t *s;
	json_array_foreach(old, i, s) {
		if ((rc = store_service_delete(c, tenant_id,
					       json_integer_value(json_object_get(s, "id")))))
			goto out;
	}
	for (i = 0; i < n; i++)
		if ((rc = store_service_create(c, tenant_id, &sv[i], NULL)))
			goto out;
out:
	json_decref(old);
	return rc;
}

int tenant_config_apply(struct store_conn *c, int64_t tenant_id,
			const struct tenant_config *cfg, bool replace)
{
	json_t *tenant = NULL, *settings = NULL;
	int rc = store_tenant_get(c, tenant_id, &tenant);
	if (rc)
		return rc;
	json_t *cur = json_object_get(tenant, "settings");
	settings = json_is_object(cur) ? json_deep_copy(cur) : json_object();
	if (!settings) {
		rc = -ENOMEM;
		goto out;
	}
	/* A PUT replaces the parts of the settings JSON this document owns; keys other
	 * modules keep there are left alone. */
	for (const char *const *k = extra_keys; replace && *k; k++)
		json_object_del(settings, *k);
	if (json_object_update(settings, cfg->extra)) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = store_tenant_update(c, tenant_id, cfg->name, cfg->timezone, settings)))
		goto out;
	if (cfg->has_hours || replace)
		if ((rc = store_hours_set(c, tenant_id, cfg->hours, cfg->n_hours)))
			goto out;
	if (cfg->has_holidays || replace) {
		json_t *list = json_object_get(cfg->doc, "holidays");
		json_t *empty = json_array();
		rc = empty ? replace_holidays(c, tenant_id, list ? list : empty) : -ENOMEM;
		json_decref(empty);
		if (rc)
			goto out;
	}
	if (cfg->has_zips || replace)
		if ((rc = store_zips_set(c, tenant_id, cfg->zips, cfg->n_zips)))
			goto out;
	if (cfg->has_services || replace)
		if ((rc = replace_services(c, tenant_id, cfg->services, cfg->n_services)))
			goto out;
out:
	json_decref(settings);
	json_decref(tenant);
	return rc;
}

/* The API shape of a stored service: price in dollars, null for an estimate. */
static json_t *service_json(const json_t *row)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	static const char *const copy[] = {"code", "name", "trade", "price_kind",
					   "duration_windows", "description", NULL};
	for (const char *const *k = copy; *k; k++) {
		json_t *v = json_object_get(row, *k);
		json_object_set(o, *k, v ? v : json_null());
	}
	const char *kind = json_string_value(json_object_get(row, "price_kind"));
	if (kind && !strcmp(kind, "estimate"))
		json_object_set_new(o, "price", json_null());
	else {
		json_int_t cents = json_integer_value(json_object_get(row, "price_cents"));
		json_object_set_new(o, "price", cents % 100 ? json_real((double)cents / 100.0)
							    : json_integer(cents / 100));
	}
	return o;
}

int tenant_config_load(struct store_conn *c, int64_t tenant_id, json_t **out)
{
	json_t *tenant = NULL, *rows = NULL, *doc = NULL;
	int rc = store_tenant_get(c, tenant_id, &tenant);
	if (rc)
		return rc;
	doc = json_object();
	if (!doc) {
		rc = -ENOMEM;
		goto out;
	}
	json_object_set(doc, "slug", json_object_get(tenant, "slug"));
	json_object_set(doc, "name", json_object_get(tenant, "name"));
	json_object_set(doc, "timezone", json_object_get(tenant, "timezone"));
	json_t *settings = json_object_get(tenant, "settings");
	for (const char *const *k = extra_keys; *k; k++) {
		json_t *v = json_object_get(settings, *k);
		if (v)
			json_object_set(doc, *k, v);
	}
	if ((rc = store_hours_get(c, tenant_id, &rows)))
		goto out;
	json_object_set_new(doc, "hours", api_week_json(rows));
	json_decref(rows);
	rows = NULL;
	if ((rc = store_holiday_list(c, tenant_id, &rows)))
		goto out;
	json_object_set(doc, "holidays", rows);
	json_decref(rows);
	rows = NULL;
	if ((rc = store_zips_get(c, tenant_id, &rows)))
		goto out;
	json_object_set(doc, "service_zips", rows);
	json_decref(rows);
	rows = NULL;
	if ((rc = store_service_list(c, tenant_id, &rows)))
		goto out;
	json_t *services = json_array();
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
		json_array_append_new(services, service_json(row));
	json_object_set_new(doc, "services", services);
	*out = doc;
	doc = NULL;
out:
	json_decref(rows);
	json_decref(doc);
	json_decref(tenant);
	return rc;
}

int tech_input_parse(const json_t *doc, struct tech_input *ti, struct api_verr *e)
{
	static const char *const keys[] = {"name", "trades", "phone", "email", "hours",
					   "zips", "active", "id", NULL};
	int rc;
	memset(ti, 0, sizeof *ti);
	if (!json_is_object(doc))
		return api_verr_set(e, "a technician must be a JSON object");
	if ((rc = check_keys(doc, keys, NULL, "", e)))
		return rc;
	ti->doc = json_incref((json_t *)doc);
	ti->t.active = true;
	if ((rc = get_text(doc, "name", "", true, 200, &ti->t.name, e)) ||
	    (rc = get_text(doc, "phone", "", false, 20, &ti->t.phone, e)) ||
	    (rc = get_text(doc, "email", "", false, 254, &ti->t.email, e)))
		goto out;
	if (ti->t.phone && !api_valid_e164(ti->t.phone)) {
		rc = api_verr_set(e, "phone must be an E.164 number such as +17045550111");
		goto out;
	}
	if (ti->t.email) {
		char tmp[256];
		snprintf(tmp, sizeof tmp, "%s", ti->t.email);
		if (auth_email_normalize(tmp)) {
			rc = api_verr_set(e, "email is not a valid address");
			goto out;
		}
	}
	json_t *v = json_object_get(doc, "active");
	if (v && !json_is_null(v)) {
		if (!json_is_boolean(v)) {
			rc = api_verr_set(e, "active must be true or false");
			goto out;
		}
		ti->t.active = json_is_true(v);
	}
	if ((v = json_object_get(doc, "trades"))) {
		ti->has_trades = true;
		if (!json_is_array(v) || json_array_size(v) > 8) {
			rc = api_verr_set(e, "trades must be an array of hvac, plumbing, electrical, general");
			goto out;
		}
		ti->trades = calloc(json_array_size(v) + 1, sizeof *ti->trades);
		if (!ti->trades) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < json_array_size(v); i++) {
			const char *t = json_string_value(json_array_get(v, i));
			if (!valid_trade(t)) {
				rc = api_verr_set(e, "trades[%zu] must be hvac, plumbing, electrical or general", i);
				goto out;
			}
			for (size_t j = 0; j < i; j++)
				if (!strcmp(ti->trades[j], t)) {
					rc = api_verr_set(e, "trades[%zu] repeats %s", i, t);
					goto out;
				}
			ti->trades[ti->n_trades++] = t;
		}
	}
	if ((v = json_object_get(doc, "hours"))) {
		ti->has_hours = true;
		if ((rc = api_parse_week(v, "hours", ti->hours, sizeof ti->hours / sizeof ti->hours[0],
					 &ti->n_hours, e)))
			goto out;
	}
	if ((v = json_object_get(doc, "zips"))) {
		ti->has_zips = true;
		if ((rc = parse_zips(v, "zips", &ti->zips, &ti->n_zips, e)))
			goto out;
	}
out:
	if (rc)
		tech_input_free(ti);
	return rc;
}

void tech_input_free(struct tech_input *ti)
{
	free(ti->trades);
	free(ti->zips);
	json_decref(ti->doc);
	memset(ti, 0, sizeof *ti);
}

int tech_input_apply(struct store_conn *c, int64_t tenant_id, int64_t id,
		     const struct tech_input *ti, int64_t *id_out)
{
	int rc;
	if (id > 0)
		rc = store_technician_update(c, tenant_id, id, &ti->t);
	else
		rc = store_technician_create(c, tenant_id, &ti->t, &id);
	if (rc)
		return rc;
	/* A PUT replaces the whole technician: absent lists become empty. */
	if ((rc = store_technician_trades_set(c, tenant_id, id, ti->trades, ti->n_trades)) ||
	    (rc = store_technician_hours_set(c, tenant_id, id, ti->hours, ti->n_hours)) ||
	    (rc = store_technician_zips_set(c, tenant_id, id, ti->zips, ti->n_zips)))
		return rc;
	if (id_out)
		*id_out = id;
	return 0;
}

int kb_input_parse(const json_t *doc, struct kb_input *ki, struct api_verr *e)
{
	static const char *const keys[] = {"title", "body", "tags", "id", NULL};
	int rc;
	memset(ki, 0, sizeof *ki);
	if (!json_is_object(doc))
		return api_verr_set(e, "an article must be a JSON object");
	if ((rc = check_keys(doc, keys, NULL, "", e)))
		return rc;
	ki->doc = json_incref((json_t *)doc);
	if ((rc = get_text(doc, "title", "", true, 300, &ki->title, e)) ||
	    (rc = get_text(doc, "body", "", true, 20000, &ki->body, e)))
		goto out;
	json_t *tags = json_object_get(doc, "tags");
	if (tags && !json_is_null(tags)) {
		if ((rc = parse_strings(tags, "tags", 32, e)))
			goto out;
		ki->tags = tags;
	}
out:
	if (rc)
		kb_input_free(ki);
	return rc;
}

void kb_input_free(struct kb_input *ki)
{
	json_decref(ki->doc);
	memset(ki, 0, sizeof *ki);
}
