/* fuzz_nlu.c: libFuzzer target for NLU input: normalisation, intent classification,
 * entity and signal extraction and their JSON rendering, on arbitrary bytes. The first
 * four bytes choose "now" so that date resolution runs at many instants. */
#include "base/tz.h"
#include "nlu/nlu.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct nlu_model *model;
static const struct tz *zone;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char err[256];
	if (nlu_model_builtin(&model, err, sizeof err) != 0) {
		fprintf(stderr, "fuzz_nlu: built-in model: %s\n", err);
		abort();
	}
	if (tz_get("America/New_York", &zone) != 0) {
		fprintf(stderr, "fuzz_nlu: no America/New_York zone\n");
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* 2020-01-01 plus up to ~136 years of seconds picked by the input */
	int64_t now = 1577836800;
	if (size >= 4) {
		uint32_t v;
		memcpy(&v, data, 4);
		now += v;
		data += 4;
		size -= 4;
	}
	const char *text = (const char *)data;

	struct nlu_entities ents;
	int rc = nlu_extract_entities(text, size, now, zone, &ents);
	if (rc == 0) {
		for (size_t k = 0; k < ents.count; k++) {
			const struct nlu_entity *e = &ents.items[k];
			/* invariants: spans inside the text, in order, values terminated */
			if (e->start >= e->end || e->end > size || e->cend < e->cstart ||
			    memchr(e->value, '\0', sizeof e->value) == NULL ||
			    (e->type == NLU_ENT_DATETIME && e->dt_end < e->dt_start))
				abort();
		}
		json_t *j = NULL;
		if (nlu_entities_to_json(&ents, zone, &j) == 0)
			json_decref(j);
	}
	struct nlu_signals sig;
	if (nlu_extract_signals(text, size, &sig) == 0) {
		if (sig.urgency < 0 || sig.urgency > 3 || sig.frustration < 0 ||
		    sig.frustration > 1 || sig.sentiment < -1 || sig.sentiment > 1 ||
		    sig.evidence_count > NLU_EVIDENCE_MAX)
			abort();
		json_t *j = NULL;
		if (nlu_signals_to_json(&sig, &j) == 0)
			json_decref(j);
	}

	struct nlu_result *r = malloc(sizeof *r);
	if (!r)
		return 0;
	if (nlu_analyze(model, text, size, now, zone, r) == 0) {
		json_t *j = NULL;
		if (nlu_result_to_json(r, zone, &j) == 0)
			json_decref(j);
	}
	free(r);
	return 0;
}
