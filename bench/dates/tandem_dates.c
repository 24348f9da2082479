/* tandem_dates.c: resolves every expression of a dates.jsonl file with tandem's entity
 * extractor (the first date/time entity found) at the case's reference instant and
 * zone, and prints exact-match accuracy (start and end both within 60 s). -v lists the
 * misses. */
#include "base/tz.h"
#include "nlu/extract.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *path = "data/dates/dates.jsonl";
	int verbose = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
		else
			path = argv[i];
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return 1;
	}
	char line[4096];
	int all = 0, ok = 0, agree = 0, agree_ok = 0;
	double spent = 0;
	while (fgets(line, sizeof line, f)) {
		json_error_t jerr;
		json_t *c = json_loads(line, 0, &jerr);
		if (!c)
			continue;
		const char *text = json_string_value(json_object_get(c, "text"));
		const char *zn = json_string_value(json_object_get(c, "tz"));
		const char *now_s = json_string_value(json_object_get(c, "now"));
		const char *ws = json_string_value(json_object_get(c, "start"));
		const char *we = json_string_value(json_object_get(c, "end"));
		int is_agree = json_is_true(json_object_get(c, "agree"));
		const struct tz *z;
		int64_t now, want_s, want_e;
		if (!text || !zn || !now_s || !ws || !we || tz_get(zn, &z) != 0 ||
		    tz_parse_iso(now_s, z, &now) != 0 || tz_parse_iso(ws, z, &want_s) != 0 ||
		    tz_parse_iso(we, z, &want_e) != 0) {
			fprintf(stderr, "bad case: %s", line);
			json_decref(c);
			return 1;
		}
		struct nlu_entities e;
		double t0 = seconds();
		int rc = nlu_extract_entities(text, strlen(text), now, z, &e);
		spent += seconds() - t0;
		const struct nlu_entity *dt = NULL;
		for (size_t k = 0; rc == 0 && k < e.count && !dt; k++)
			if (e.items[k].type == NLU_ENT_DATETIME)
				dt = &e.items[k];
		int good = dt && llabs(dt->dt_start - want_s) <= 60 && llabs(dt->dt_end - want_e) <= 60;
		all++;
		ok += good;
		if (is_agree) {
			agree++;
			agree_ok += good;
		}
		if (verbose && !good)
			printf("MISS \"%s\" now %s: got %s .. %s, want %s .. %s\n", text, now_s,
			       dt ? dt->dt_start_iso : "nothing", dt ? dt->dt_end_iso : "", ws, we);
		json_decref(c);
	}
	fclose(f);
	printf("tandem: %.1f us per expression (entity extraction, all types)\n",
	       all ? spent * 1e6 / all : 0.0);
	printf("tandem: all %d/%d (%.1f%%)\n", ok, all, all ? 100.0 * ok / all : 0.0);
	printf("tandem: agreeing subset %d/%d (%.1f%%)\n", agree_ok, agree,
	       agree ? 100.0 * agree_ok / agree : 0.0);
	return 0;
}
