/* classify.c: the intent classifier: softmax regression over hashed features,
 * trained with AdaGrad (seeded, deterministic), with a calibrated out-of-scope cut. */
#include "nlu/nlu_impl.h"
#include "base/err.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nlu_train_opts_default(struct nlu_train_opts *o)
{
	o->epochs = 8;
	o->seed = 1;
	o->lr = 0.2f;
	o->bucket_bits = 18;
	o->oos_label = "out_of_scope";
	o->val_fraction = 0.15f;
}

/* ---------------------------------------------------------------- scoring */

static void softmax(float *p, size_t k)
{
	float mx = p[0];
	for (size_t i = 1; i < k; i++)
		if (p[i] > mx)
			mx = p[i];
	float sum = 0;
	for (size_t i = 0; i < k; i++) {
		p[i] = expf(p[i] - mx);
		sum += p[i];
	}
	for (size_t i = 0; i < k; i++)
		p[i] /= sum;
}

/* Probabilities from row indices (all present), each feature weighing v. */
static void probs_rows(const struct nlu_model *m, const uint32_t *rows, size_t n, float v,
		       float *p)
{
	size_t k = m->nlabels;
	for (size_t j = 0; j < k; j++)
		p[j] = 0;
	for (size_t i = 0; i < n; i++) {
		const float *w = m->w + (size_t)rows[i] * k;
		for (size_t j = 0; j < k; j++)
			p[j] += w[j];
	}
	for (size_t j = 0; j < k; j++)
		p[j] = p[j] * v + m->bias[j];
	softmax(p, k);
}

void nlu__probs(const struct nlu_model *m, const uint32_t *ids, size_t n, float *p)
{
	size_t k = m->nlabels;
	for (size_t j = 0; j < k; j++)
		p[j] = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t r = m->rowmap[ids[i]];
		if (r == UINT32_MAX)
			continue;
		const float *w = m->w + (size_t)r * k;
		for (size_t j = 0; j < k; j++)
			p[j] += w[j];
	}
	float v = n ? 1.0f / sqrtf((float)n) : 0.0f;
	for (size_t j = 0; j < k; j++)
		p[j] = p[j] * v + m->bias[j];
	softmax(p, k);
}

static void rank(const struct nlu_model *m, const float *p, const struct nlu_classify_opts *o,
		 struct nlu_prediction *out)
{
	size_t k = m->nlabels;
	size_t top = k < NLU_TOPK ? k : NLU_TOPK;
	uint32_t taken[NLU_TOPK];
	for (size_t r = 0; r < top; r++) {
		size_t best = SIZE_MAX;
		for (size_t j = 0; j < k; j++) {
			bool used = false;
			for (size_t q = 0; q < r; q++)
				used |= taken[q] == j;
			if (!used && (best == SIZE_MAX || p[j] > p[best]))
				best = j;
		}
		taken[r] = (uint32_t)best;
		out->ranked[r].intent = m->labels[best];
		out->ranked[r].confidence = p[best];
	}
	out->nranked = top;
	out->confidence = out->ranked[0].confidence;
	out->margin = top > 1 ? out->ranked[0].confidence - out->ranked[1].confidence
			      : out->ranked[0].confidence;
	out->intent = out->ranked[0].intent;
	out->below_threshold = false;
	float thr = (o && o->threshold >= 0) ? o->threshold : m->threshold;
	const char *oos = (o && o->oos_label) ? o->oos_label
					      : (m->oos >= 0 ? m->labels[m->oos] : NULL);
	if (oos && out->confidence < thr && strcmp(out->intent, oos)) {
		out->intent = oos;
		out->below_threshold = true;
	}
}

int nlu_classify_tokens(const struct nlu_model *m, const struct nlu_tokens *t,
			const struct nlu_classify_opts *opts, struct nlu_prediction *out)
{
	uint32_t ids[NLU_MAX_FEATURES];
	float small[64];
	float *p = small;
	if (m->nlabels > 64 && !(p = malloc(m->nlabels * sizeof *p)))
		return -ENOMEM;
	size_t n = nlu__features(t, m->bucket_bits, ids, NLU_MAX_FEATURES);
	nlu__probs(m, ids, n, p);
	rank(m, p, opts, out);
	if (p != small)
		free(p);
	return 0;
}

int nlu_classify(const struct nlu_model *m, const char *text, size_t len,
		 const struct nlu_classify_opts *opts, struct nlu_prediction *out)
{
	struct nlu_tokens t = NLU_TOKENS_INIT;
	int rc = nlu_normalize(text, len, &t);
	if (!rc)
		rc = nlu_classify_tokens(m, &t, opts, out);
	nlu_tokens_free(&t);
	return rc;
}

/* ---------------------------------------------------------------- training */

/* The examples as row indices. */
struct prepared {
	size_t n;
	uint32_t *y;      /* label of each example */
	size_t *off;      /* n + 1 offsets into rows */
	uint32_t *rows;
	float *v;         /* feature weight of each example */
};

static void prepared_free(struct prepared *pr)
{
	free(pr->y);
	free(pr->off);
	free(pr->rows);
	free(pr->v);
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void shuffle(uint32_t *a, size_t n, uint64_t *rng)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(splitmix64(rng) % i);
		uint32_t tmp = a[i - 1];
		a[i - 1] = a[j];
		a[j] = tmp;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Trains m's weights (which start at zero) on the examples listed in idx. */
static int fit(struct nlu_model *m, const struct prepared *pr, const uint32_t *idx, size_t n,
	       uint32_t epochs, float lr, uint64_t seed)
{
	size_t k = m->nlabels;
	size_t nw = (size_t)m->nrows * k;
	/* Row-wise AdaGrad: one squared-gradient sum per feature row (and per bias), so
	 * an update costs one square root per feature instead of one per weight. */
	float *g = calloc(nw + k, sizeof *g);
	uint32_t *order = malloc((n ? n : 1) * sizeof *order);
	float *p = malloc(k * sizeof *p);
	int rc = -ENOMEM;
	if (!g || !order || !p)
		goto out;
	memset(m->w, 0, nw * sizeof *m->w);
	memset(m->bias, 0, k * sizeof *m->bias);
	memcpy(order, idx, n * sizeof *order);
	uint64_t rng = seed;
	const float eps = 1e-6f;
	for (uint32_t ep = 0; ep < epochs; ep++) {
		shuffle(order, n, &rng);
		for (size_t q = 0; q < n; q++) {
			size_t e = order[q];
			const uint32_t *rows = pr->rows + pr->off[e];
			size_t nf = pr->off[e + 1] - pr->off[e];
			float v = pr->v[e];
			probs_rows(m, rows, nf, v, p);
			p[pr->y[e]] -= 1.0f;  /* now the gradient of the loss by the scores */
			float sq = 0;
			for (size_t j = 0; j < k; j++)
				sq += p[j] * p[j];
			if (sq < 1e-8f)
				continue;  /* nothing left to learn from this example */
			/* Labels whose gradient is negligible are skipped: most of them, once
			 * the model has learnt the example, which makes training several
			 * times faster. */
			uint32_t act[NLU_MAX_LABELS];
			size_t na = 0;
			for (size_t j = 0; j < k; j++)
				if (p[j] > 1e-3f || p[j] < -1e-3f)
					act[na++] = (uint32_t)j;
			for (size_t i = 0; i < nf; i++) {
				float *w = m->w + (size_t)rows[i] * k;
				float *gw = g + (size_t)rows[i] * k;
				for (size_t a = 0; a < na; a++) {
					size_t j = act[a];
					float d = v * p[j];
					gw[j] += d * d;
					w[j] -= lr * d / (sqrtf(gw[j]) + eps);
				}
			}
			float *gb = g + nw;
			for (size_t j = 0; j < k; j++) {
				gb[j] += p[j] * p[j];
				m->bias[j] -= lr * p[j] / (sqrtf(gb[j]) + eps);
			}
		}
	}
	rc = 0;
out:
	free(g);
	free(order);
	free(p);
	return rc;
}

/* Chooses the confidence threshold that maximises accuracy on the validation
 * examples when answers under it become out-of-scope; the middle of the best run of
 * candidate thresholds, so that the cut sits away from both edges. */
static float calibrate(const struct nlu_model *m, const struct prepared *pr, const uint32_t *val,
		       size_t nval, uint32_t oos)
{
	enum { STEPS = 96 };  /* candidates 0.00 .. 0.95 */
	size_t correct[STEPS] = {0};
	size_t k = m->nlabels;
	float *p = malloc(k * sizeof *p);
	if (!p || !nval) {
		free(p);
		return 0;
	}
	for (size_t q = 0; q < nval; q++) {
		size_t e = val[q];
		probs_rows(m, pr->rows + pr->off[e], pr->off[e + 1] - pr->off[e], pr->v[e], p);
		size_t best = 0;
		for (size_t j = 1; j < k; j++)
			if (p[j] > p[best])
				best = j;
		for (int s = 0; s < STEPS; s++) {
			size_t ans = p[best] < (float)s / 100.0f ? oos : best;
			correct[s] += ans == pr->y[e];
		}
	}
	free(p);
	size_t top = 0;
	for (int s = 0; s < STEPS; s++)
		if (correct[s] > top)
			top = correct[s];
	int first = -1, last = -1;
	for (int s = 0; s < STEPS; s++) {
		if (correct[s] == top) {
			if (first < 0)
				first = s;
			last = s;
		} else if (first >= 0) {
			break;
		}
	}
	return (float)(first + last) / 200.0f;
}

int nlu_train(const struct nlu_dataset *ds, const struct nlu_train_opts *opts,
	      struct nlu_model **out, char *err, size_t errlen)
{
	struct nlu_train_opts o;
	if (opts)
		o = *opts;
	else
		nlu_train_opts_default(&o);
	struct prepared pr = {0};
	struct nlu_tokens t = NLU_TOKENS_INIT;
	const char **labels = NULL;
	uint32_t *all = NULL, *idx = NULL, *ids = NULL;
	uint8_t *seen = NULL;
	struct nlu_model *m = NULL;
	size_t nlabels = 0, nall = 0, cap = 0;
	int rc = -EINVAL;
	*out = NULL;

	if (o.epochs < 1 || o.epochs > 1000) {
		snprintf(err, errlen, "epochs must be between 1 and 1000");
		goto out;
	}
	if (o.bucket_bits < 12 || o.bucket_bits > 24) {
		snprintf(err, errlen, "bucket bits must be between 12 and 24");
		goto out;
	}
	if (!(o.lr > 0 && o.lr < 100)) {
		snprintf(err, errlen, "learning rate must be above 0 and below 100");
		goto out;
	}
	if (!(o.val_fraction >= 0 && o.val_fraction <= 0.5f)) {
		snprintf(err, errlen, "validation fraction must be between 0 and 0.5");
		goto out;
	}
	if (ds->n < 2) {
		snprintf(err, errlen, "need at least two examples, got %zu", ds->n);
		goto out;
	}

	rc = -ENOMEM;
	if (!(labels = malloc(ds->n * sizeof *labels)))
		goto out;
	for (size_t i = 0; i < ds->n; i++)
		labels[i] = ds->ex[i].label;
	qsort(labels, ds->n, sizeof *labels, cmp_str);
	for (size_t i = 0; i < ds->n; i++)
		if (!nlabels || strcmp(labels[nlabels - 1], labels[i]))
			labels[nlabels++] = labels[i];
	rc = -EINVAL;
	if (nlabels < 2 || nlabels > NLU_MAX_LABELS) {
		snprintf(err, errlen, "need between 2 and %d distinct labels, got %zu",
			 NLU_MAX_LABELS, nlabels);
		goto out;
	}

	/* Features of every example. */
	rc = -ENOMEM;
	pr.n = ds->n;
	pr.y = malloc(ds->n * sizeof *pr.y);
	pr.off = malloc((ds->n + 1) * sizeof *pr.off);
	pr.v = malloc(ds->n * sizeof *pr.v);
	ids = malloc(NLU_MAX_FEATURES * sizeof *ids);
	if (!pr.y || !pr.off || !pr.v || !ids)
		goto out;
	for (size_t i = 0; i < ds->n; i++) {
		const char *lab = ds->ex[i].label;
		const char **hit = bsearch(&lab, labels, nlabels, sizeof *labels, cmp_str);
		pr.y[i] = (uint32_t)(hit - labels);
		rc = nlu_normalize(ds->ex[i].text, strlen(ds->ex[i].text), &t);
		if (rc) {
			snprintf(err, errlen, "example %zu: %s", i + 1, tn_strerror(rc));
			goto out;
		}
		size_t nf = nlu__features(&t, o.bucket_bits, ids, NLU_MAX_FEATURES);
		if (nall + nf > cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			while (ncap < nall + nf)
				ncap *= 2;
			uint32_t *na = realloc(all, ncap * sizeof *na);
			rc = -ENOMEM;
			if (!na)
				goto out;
			all = na;
			cap = ncap;
		}
		pr.off[i] = nall;
		memcpy(all + nall, ids, nf * sizeof *ids);
		nall += nf;
		pr.v[i] = nf ? 1.0f / sqrtf((float)nf) : 0.0f;
	}
	pr.off[ds->n] = nall;

	/* The buckets seen become the model's rows. */
	rc = -ENOMEM;
	/* A bitmap of the buckets seen, scanned in order (cheaper than sorting). */
	size_t nbuckets = (size_t)1 << o.bucket_bits, nrows = 0;
	if (!(seen = calloc(nbuckets / 8, 1)))
		goto out;
	for (size_t i = 0; i < nall; i++)
		seen[all[i] >> 3] |= (uint8_t)(1u << (all[i] & 7));
	for (size_t i = 0; i < nbuckets / 8; i++)
		nrows += (size_t)__builtin_popcount(seen[i]);
	if (!(m = nlu__model_alloc((uint32_t)nlabels, (uint32_t)nrows, o.bucket_bits)))
		goto out;
	for (size_t i = 0; i < nlabels; i++)
		if (!(m->labels[i] = strdup(labels[i])))
			goto out;
	for (size_t b = 0, r = 0; b < nbuckets; b++)
		if (seen[b >> 3] & (1u << (b & 7)))
			m->buckets[r++] = (uint32_t)b;
	nlu__model_index(m);
	for (size_t i = 0; i < nall; i++)
		all[i] = m->rowmap[all[i]];
	pr.rows = all;
	all = NULL;
	m->epochs = o.epochs;
	m->seed = o.seed;
	m->lr = o.lr;
	m->val_fraction = o.val_fraction;
	m->oos = -1;
	m->threshold = 0;
	if (o.oos_label) {
		const char **hit = bsearch(&o.oos_label, labels, nlabels, sizeof *labels, cmp_str);
		if (hit)
			m->oos = (int32_t)(hit - labels);
	}

	if (!(idx = malloc(ds->n * sizeof *idx)))
		goto out;
	if (m->oos >= 0 && o.val_fraction > 0) {
		/* A stratified, seeded validation split: the first share of each label's
		 * shuffled examples. idx holds the training part, then the validation part. */
		uint64_t rng = o.seed ^ 0x5851f42d4c957f2dull;
		uint32_t *order = malloc(ds->n * sizeof *order);
		if (!order)
			goto out;
		for (size_t i = 0; i < ds->n; i++)
			order[i] = (uint32_t)i;
		shuffle(order, ds->n, &rng);
		size_t *count = calloc(nlabels, sizeof *count), *taken = calloc(nlabels, sizeof *taken);
		if (!count || !taken) {
			free(order);
			free(count);
			free(taken);
			goto out;
		}
		for (size_t i = 0; i < ds->n; i++)
			count[pr.y[i]]++;
		size_t ntrain = 0, nval = 0;
		uint32_t *val = idx + ds->n;  /* filled backwards */
		for (size_t i = 0; i < ds->n; i++) {
			uint32_t y = pr.y[order[i]];
			size_t want = (size_t)((float)count[y] * o.val_fraction);
			if (count[y] >= 4 && taken[y] < want) {
				taken[y]++;
				*--val = order[i];
				nval++;
			} else {
				idx[ntrain++] = order[i];
			}
		}
		free(order);
		free(count);
		free(taken);
		if (nval && ntrain) {
			if ((rc = fit(m, &pr, idx, ntrain, o.epochs, o.lr, o.seed)))
				goto out;
			m->threshold = calibrate(m, &pr, idx + ntrain, nval, (uint32_t)m->oos);
		}
	}
	for (size_t i = 0; i < ds->n; i++)
		idx[i] = (uint32_t)i;
	if ((rc = fit(m, &pr, idx, ds->n, o.epochs, o.lr, o.seed)))
		goto out;
	*out = m;
	m = NULL;
	rc = 0;
out:
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	nlu_model_free(m);
	prepared_free(&pr);
	nlu_tokens_free(&t);
	free(labels);
	free(all);
	free(seen);
	free(idx);
	free(ids);
	return rc;
}
