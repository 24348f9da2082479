/* nlu_impl.h: declarations shared between the nlu module's own files (not public). */
#ifndef TANDEM_NLU_IMPL_H
#define TANDEM_NLU_IMPL_H

#include "nlu/nlu.h"

/* A whole-word rewrite: `to` is one or more space-separated words. */
struct nlu__rewrite {
	const char *from;
	const char *to;
};

/* A voice filler dropped from the text. */
struct nlu__filler {
	const char *word;
	bool comma_only;
};

/* A number word and its value; tens words may be followed by a unit ("twenty five"). */
struct nlu__numword {
	const char *word;
	int value;
	bool tens;
};

/* The normalisation tables (for tests: they must be sorted for binary search). */
void nlu__tables(const struct nlu__rewrite **rw, size_t *nrw, const struct nlu__filler **fl,
		 size_t *nfl, const struct nlu__numword **nw, size_t *nnw);

/* Feature hashing settings stored in a model. */
#define NLU_MINN 3
#define NLU_MAXN 5

/* Computes the hashed features of t: writes up to max bucket ids (each < 2^bits) to
 * ids and returns how many were written. Word unigrams and bigrams (with sentence
 * boundary markers) over the accent-free forms, and character n-grams of NLU_MINN..
 * NLU_MAXN code points of each "<word>"; numbers give their shape instead. */
size_t nlu__features(const struct nlu_tokens *t, uint32_t bits, uint32_t *ids, size_t max);

/* The largest number of features taken from one text. */
#define NLU_MAX_FEATURES 8192

/* A trained classifier. Weights exist only for the buckets seen in training (rows);
 * rowmap sends a bucket to its row or UINT32_MAX. */
struct nlu_model {
	uint32_t nlabels;
	char **labels;         /* owned, sorted */
	uint32_t bucket_bits;
	uint32_t nrows;
	uint32_t *buckets;     /* nrows bucket ids, increasing */
	uint32_t *rowmap;      /* 2^bucket_bits entries */
	float *w;              /* nrows * nlabels */
	float *bias;           /* nlabels */
	int32_t oos;           /* index of the out-of-scope label or -1 */
	float threshold;       /* calibrated out-of-scope threshold */
	/* hyper-parameters it was trained with (kept in the file) */
	uint32_t epochs;
	uint64_t seed;
	float lr;
	float val_fraction;
};

/* Allocates an empty model with room for nlabels labels, nrows rows and bits; labels
 * are set by the caller. NULL on ENOMEM. */
struct nlu_model *nlu__model_alloc(uint32_t nlabels, uint32_t nrows, uint32_t bits);
/* Fills rowmap from buckets. */
void nlu__model_index(struct nlu_model *m);

/* Raw scores: probabilities of every label for feature ids (n of them) into p
 * (nlabels floats). */
void nlu__probs(const struct nlu_model *m, const uint32_t *ids, size_t n, float *p);

/* Reads a whole file into b. 0 or a negative errno (err says why). */
int nlu__read_file(const char *path, struct buf *b, char *err, size_t errlen);

/* CRC-32 (IEEE 802.3) of data, continuing from crc (start with 0). */
uint32_t nlu__crc32(uint32_t crc, const void *data, size_t len);

#endif
