/* nlu.h: language understanding: normalisation, the intent classifier, its model file,
 * and the combined analysis (intent + entities + signals) of one customer message.
 * Pure logic: no sockets, no threads, no global state; time is passed in. */
#ifndef TANDEM_NLU_NLU_H
#define TANDEM_NLU_NLU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "nlu/extract.h"

struct tz;

/* Largest text accepted by normalisation and classification (bytes). */
#define NLU_MAX_TEXT (64 * 1024)
/* Number of ranked alternatives kept in a prediction. */
#define NLU_TOPK 5
/* Longest label accepted in training data and model files (bytes). */
#define NLU_MAX_LABEL 64
/* Most labels a model may have. */
#define NLU_MAX_LABELS 1024

/* ---------------------------------------------------------------- normalisation */

/* Token flags. */
#define NLU_TOK_NUMBER 1u   /* all digits (after number words became digits) */
#define NLU_TOK_EXPANDED 2u /* produced by a contraction, shorthand or number-word rule */

/* One normalised token. Its strings live in the owning nlu_tokens (see nlu_tok_norm). */
struct nlu_token {
	uint32_t start, end;  /* byte span [start, end) in the original text */
	uint32_t norm;        /* offset in chars: NFKC, case folded, accents kept */
	uint32_t fold;        /* offset in chars: as norm with accents removed */
	uint32_t flags;       /* NLU_TOK_* */
};

/* The tokens of one text. Initialise with NLU_TOKENS_INIT; reusable across calls
 * (nlu_normalize resets it); release with nlu_tokens_free. */
struct nlu_tokens {
	struct nlu_token *tok;  /* owned array of n tokens */
	size_t n, cap;
	struct buf chars;       /* owned; NUL-separated token strings */
};

#define NLU_TOKENS_INIT {NULL, 0, 0, BUF_INIT}

/* Normalises text[0..len) into t (previous contents are replaced): validates UTF-8,
 * applies Unicode NFKC and case folding, splits into words (punctuation dropped, "$"
 * kept as a token), expands contractions ("can't" -> "can not"), SMS shorthand and
 * common misspellings ("tmrw" -> "tomorrow", "ur" -> "your"), turns number words into
 * digits ("twenty five" -> "25") and drops voice fillers ("um", "uh", "like,").
 * Every token keeps the byte span of the original word(s) it came from.
 * Returns 0, -TN_EPARSE for invalid UTF-8 (t is left empty), -TN_ELIMIT when len
 * exceeds NLU_MAX_TEXT, -ENOMEM. */
int nlu_normalize(const char *text, size_t len, struct nlu_tokens *t);
/* The case-folded (accents kept) form of token i. Borrowed from t. */
const char *nlu_tok_norm(const struct nlu_tokens *t, size_t i);
/* The accent-free form of token i (used for features). Borrowed from t. */
const char *nlu_tok_fold(const struct nlu_tokens *t, size_t i);
/* Appends the tokens joined by single spaces (folded forms when folded) to out.
 * 0 or -ENOMEM. */
int nlu_tokens_join(const struct nlu_tokens *t, bool folded, struct buf *out);
/* Frees t's memory; t is NLU_TOKENS_INIT afterwards. */
void nlu_tokens_free(struct nlu_tokens *t);

/* ---------------------------------------------------------------- data sets */

/* One labelled example. */
struct nlu_example {
	char *text;   /* owned by the data set, NUL-terminated */
	char *label;  /* owned by the data set */
};

/* A list of labelled examples. Initialise with NLU_DATASET_INIT; free with
 * nlu_dataset_free. */
struct nlu_dataset {
	struct nlu_example *ex;
	size_t n, cap;
};

#define NLU_DATASET_INIT {NULL, 0, 0}

/* Parses JSON Lines (one {"text": "...", "intent": "..."} object a line; blank lines
 * and lines starting with '#' are skipped) from data[0..len) and appends the examples
 * to ds. On error writes "line N: reason" to err and returns -TN_EPARSE (ds keeps the
 * examples read before the bad line), or -ENOMEM. */
int nlu_dataset_parse(struct nlu_dataset *ds, const char *data, size_t len, char *err,
		      size_t errlen);
/* Reads the JSON Lines file at path and appends its examples to ds. Returns as
 * nlu_dataset_parse, or a negative errno when the file cannot be read (err says why). */
int nlu_dataset_load(struct nlu_dataset *ds, const char *path, char *err, size_t errlen);
/* Appends one example (copies text and label). 0, -EINVAL (empty label or text, a
 * label longer than NLU_MAX_LABEL, invalid UTF-8), -ENOMEM. */
int nlu_dataset_add(struct nlu_dataset *ds, const char *text, const char *label);
/* Frees every example; ds is NLU_DATASET_INIT afterwards. */
void nlu_dataset_free(struct nlu_dataset *ds);

/* ---------------------------------------------------------------- the classifier */

struct nlu_model;  /* a trained intent classifier; immutable once built, shareable */

/* Training settings. Fill with nlu_train_opts_default, then change what you need. */
struct nlu_train_opts {
	uint32_t epochs;       /* passes over the data (default 8) */
	uint64_t seed;         /* shuffling and validation split seed (default 1) */
	float lr;              /* AdaGrad learning rate (default 0.2) */
	uint32_t bucket_bits;  /* feature hash space is 2^bucket_bits (default 18, 12..24) */
	const char *oos_label; /* the out-of-scope class (default "out_of_scope"); when the
	                        * data has it, a confidence threshold is calibrated */
	float val_fraction;    /* share of each label held out to calibrate (default 0.15) */
};

/* Fills o with the defaults listed above. */
void nlu_train_opts_default(struct nlu_train_opts *o);

/* Trains a classifier on ds (any label set with at least two labels). Deterministic:
 * the same data, options and seed give bit-identical weights. When opts->oos_label
 * occurs in ds, a validation split is carved from ds (stratified, seeded), a model
 * trained on the rest sets the confidence threshold below which answers become the
 * out-of-scope label, then the final model is trained on all of ds.
 * opts may be NULL (defaults). On success *out is a new model owned by the caller
 * (nlu_model_free). Returns 0, -EINVAL (fewer than two labels, too many labels, bad
 * options; err says why), -ENOMEM. */
int nlu_train(const struct nlu_dataset *ds, const struct nlu_train_opts *opts,
	      struct nlu_model **out, char *err, size_t errlen);

/* Frees m (NULL is fine). */
void nlu_model_free(struct nlu_model *m);

/* The number of labels and label i (borrowed from m, 0 <= i < count). */
size_t nlu_model_label_count(const struct nlu_model *m);
const char *nlu_model_label(const struct nlu_model *m, size_t i);
/* The calibrated out-of-scope confidence threshold (0 when none was calibrated). */
float nlu_model_threshold(const struct nlu_model *m);
/* The model's out-of-scope label (borrowed), or NULL when its data had none. */
const char *nlu_model_oos_label(const struct nlu_model *m);

/* One ranked alternative. */
struct nlu_ranked {
	const char *intent;  /* borrowed from the model */
	float confidence;    /* softmax probability, 0..1 */
};

/* The classifier's answer. */
struct nlu_prediction {
	const char *intent;   /* the decision (borrowed from the model or the options):
	                       * the top class, or the out-of-scope label when the top
	                       * confidence is below the threshold */
	float confidence;     /* probability of the top class */
	float margin;         /* top probability minus the second (low-confidence cue) */
	bool below_threshold; /* the threshold turned the answer into out-of-scope */
	size_t nranked;       /* entries in ranked (min(NLU_TOPK, labels)) */
	struct nlu_ranked ranked[NLU_TOPK];  /* best first */
};

/* Per-call choices (a tenant's own settings). NULL means the model's. */
struct nlu_classify_opts {
	float threshold;        /* < 0: the model's calibrated threshold */
	const char *oos_label;  /* NULL: the model's oos label; borrowed, must outlive
	                         * the prediction */
};

/* Classifies already normalised tokens. opts may be NULL. Returns 0 or -ENOMEM. */
int nlu_classify_tokens(const struct nlu_model *m, const struct nlu_tokens *t,
			const struct nlu_classify_opts *opts, struct nlu_prediction *out);
/* Normalises and classifies text[0..len). Returns 0 or an error of nlu_normalize. */
int nlu_classify(const struct nlu_model *m, const char *text, size_t len,
		 const struct nlu_classify_opts *opts, struct nlu_prediction *out);

/* ---------------------------------------------------------------- model files */

/* Serialises m in the versioned binary model format (magic, version, hyper-
 * parameters, label table, dimensions, weights, CRC-32) and appends it to out.
 * 0 or -ENOMEM. */
int nlu_model_encode(const struct nlu_model *m, struct buf *out);
/* Rebuilds a model from data[0..len). Everything is validated: magic, version, sizes,
 * label table, bucket list, finite weights and checksum. On success *out is owned by
 * the caller. Returns 0, -TN_EFORMAT (err says what is wrong: not a model file, an
 * unsupported version, truncated, corrupt), -ENOMEM. */
int nlu_model_decode(const void *data, size_t len, struct nlu_model **out, char *err,
		     size_t errlen);
/* Writes m to path (through a temporary file renamed into place). 0 or a negative
 * errno (err says why). */
int nlu_model_save(const struct nlu_model *m, const char *path, char *err, size_t errlen);
/* Reads and validates a model file. Returns as nlu_model_decode, or a negative errno
 * when the file cannot be read. */
int nlu_model_load(const char *path, struct nlu_model **out, char *err, size_t errlen);

/* Trains the built-in model from the project's own training data compiled into the
 * binary, with the default options. Takes a few tens of milliseconds; the caller keeps
 * the model for the life of the process. *out is owned by the caller. Returns as
 * nlu_train. */
int nlu_model_builtin(struct nlu_model **out, char *err, size_t errlen);

/* ---------------------------------------------------------------- combined analysis */

/* Everything the NLU says about one message. */
struct nlu_result {
	struct nlu_prediction intent;  /* strings borrowed from the model (or options) */
	struct nlu_entities entities;  /* see nlu/extract.h */
	struct nlu_signals signals;
};

/* Analyses text[0..len): classifies the intent with model m (opts may be NULL: the
 * model's threshold and oos label), finds entities (dates resolved against now, Unix
 * seconds, in zone; NULL zone means UTC) and signals. *out is caller-owned and
 * overwritten; its intent strings are borrowed from m (or opts). Returns 0,
 * -TN_EPARSE for invalid UTF-8, -TN_ELIMIT for text over NLU_MAX_TEXT, -ENOMEM. */
int nlu_analyze_opts(const struct nlu_model *m, const char *text, size_t len, int64_t now,
		     const struct tz *zone, const struct nlu_classify_opts *opts,
		     struct nlu_result *out);
/* nlu_analyze_opts with the model's own out-of-scope settings. */
int nlu_analyze(const struct nlu_model *m, const char *text, size_t len, int64_t now,
		const struct tz *zone, struct nlu_result *out);

/* Renders r as a new JSON object (owned by the caller, json_decref):
 *   {"intent":"book_service","confidence":0.93,"margin":0.81,"below_threshold":false,
 *    "ranking":[{"intent":"book_service","confidence":0.93},...],
 *    "entities":[...as nlu_entities_to_json...],
 *    "sentiment":-0.2,"frustration":0,"urgency":0,"human_request":false,
 *    "evidence":[...as nlu_signals_to_json...]}
 * Probabilities are rounded to 4 decimals. Date strings are formatted in zone (NULL:
 * as extracted). 0 or -ENOMEM. */
int nlu_result_to_json(const struct nlu_result *r, const struct tz *zone, json_t **out);

#endif
