/* fuzz_app_admin.c: libFuzzer target for the administration API's JSON bodies: arbitrary
 * bytes go through the body parser and every document validator (settings in PUT and
 * PATCH form, technicians, articles); whatever is accepted must satisfy the validators'
 * promises (sorted, non-overlapping hours; 5-digit ZIPs; non-negative prices). */
#include "app/api.h"
#include "base/jsonx.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_week(const struct store_hours *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (h[i].weekday < 0 || h[i].weekday > 6 || h[i].open_min < 0 ||
		    h[i].open_min >= h[i].close_min || h[i].close_min > 1440)
			abort();
		if (i && h[i].weekday == h[i - 1].weekday && h[i].open_min < h[i - 1].close_min)
			abort();
		if (i && h[i].weekday < h[i - 1].weekday)
			abort();
	}
}

static void check_zips(const char **z, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!api_valid_zip(z[i]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[160];
	json_t *doc = jsonx_parse((const char *)data, size, true, err, sizeof err);
	if (!doc)
		return 0;
	struct api_verr e;
	for (int full = 0; full < 2; full++) {
		struct tenant_config cfg;
		if (tenant_config_parse(doc, full, NULL, &cfg, &e) == 0) {
			check_week(cfg.hours, cfg.n_hours);
			check_zips(cfg.zips, cfg.n_zips);
			for (size_t i = 0; i < cfg.n_services; i++)
				if (cfg.services[i].price_cents < 0 || cfg.services[i].duration_windows < 1)
					abort();
			if (full && (!cfg.name || !cfg.timezone))
				abort();
			tenant_config_free(&cfg);
		} else if (!e.msg[0]) {
			abort();  /* a refusal always says why */
		}
	}
	struct tech_input ti;
	e.msg[0] = '\0';
	if (tech_input_parse(doc, &ti, &e) == 0) {
		if (!ti.t.name || (ti.t.phone && !api_valid_e164(ti.t.phone)))
			abort();
		check_week(ti.hours, ti.n_hours);
		check_zips(ti.zips, ti.n_zips);
		tech_input_free(&ti);
	} else if (!e.msg[0]) {
		abort();
	}
	struct kb_input ki;
	if (kb_input_parse(doc, &ki, &e) == 0) {
		if (!ki.title || !ki.body)
			abort();
		kb_input_free(&ki);
	}
	json_decref(doc);
	return 0;
}
