/* helper_nlu.c: shared fixtures for the nlu unit tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_nlu.h"

#include <stdio.h>

void helper_load(struct nlu_dataset *ds, const char *name)
{
	char path[512], err[256];
	snprintf(path, sizeof path, "%s/tests/data/nlu/%s", TANDEM_SOURCE_DIR, name);
	if (nlu_dataset_load(ds, path, err, sizeof err))
		fail_msg("%s", err);
}

struct nlu_model *helper_toy_model(uint64_t seed)
{
	struct nlu_dataset ds = NLU_DATASET_INIT;
	struct nlu_train_opts o;
	struct nlu_model *m = NULL;
	char err[256];
	helper_load(&ds, "toy.jsonl");
	nlu_train_opts_default(&o);
	o.seed = seed;
	o.bucket_bits = 16;
	if (nlu_train(&ds, &o, &m, err, sizeof err))
		fail_msg("%s", err);
	nlu_dataset_free(&ds);
	return m;
}
