/* helper_nlu.h: shared fixtures for the nlu unit tests. */
#ifndef TANDEM_TEST_HELPER_NLU_H
#define TANDEM_TEST_HELPER_NLU_H

#include "nlu/nlu.h"

/* Loads tests/data/nlu/<name> into ds; fails the test on error. */
void helper_load(struct nlu_dataset *ds, const char *name);
/* Trains a model on tests/data/nlu/toy.jsonl with the given seed; fails on error. */
struct nlu_model *helper_toy_model(uint64_t seed);

#endif
