/* model.c: the classifier model object and its versioned, checksummed file format. */
#include "nlu/nlu_impl.h"
#include "base/err.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* File layout, all integers little-endian:
 *   magic "TNDMNLU\x1a" | u32 version | u32 feature scheme | u32 labels | u32 bucket bits
 *   | u32 rows | u32 minn | u32 maxn | u32 epochs | u64 seed | f32 lr | f32 val fraction
 *   | f32 threshold | i32 oos label (-1 none)
 *   | labels: u16 length + bytes each | rows x u32 bucket | rows x labels x f32 weights
 *   | labels x f32 bias | u32 CRC-32 of everything before it */
static const unsigned char MAGIC[8] = {'T', 'N', 'D', 'M', 'N', 'L', 'U', 0x1a};
#define FORMAT_VERSION 1u
/* Bumped whenever normalisation or feature hashing changes what a text maps to:
 * weights trained under another scheme would silently mean something else. */
#define FEATURE_SCHEME 1u
#define HEADER_SIZE (8 + 4 * 8 + 8 + 4 * 4)

struct nlu_model *nlu__model_alloc(uint32_t nlabels, uint32_t nrows, uint32_t bits)
{
	struct nlu_model *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->nlabels = nlabels;
	m->nrows = nrows;
	m->bucket_bits = bits;
	m->oos = -1;
	m->labels = calloc(nlabels, sizeof *m->labels);
	m->buckets = malloc((nrows ? nrows : 1) * sizeof *m->buckets);
	m->rowmap = malloc(((size_t)1 << bits) * sizeof *m->rowmap);
	m->w = calloc((size_t)nrows * nlabels + 1, sizeof *m->w);
	m->bias = calloc(nlabels, sizeof *m->bias);
	if (!m->labels || !m->buckets || !m->rowmap || !m->w || !m->bias) {
		nlu_model_free(m);
		return NULL;
	}
	return m;
}

void nlu__model_index(struct nlu_model *m)
{
	memset(m->rowmap, 0xff, ((size_t)1 << m->bucket_bits) * sizeof *m->rowmap);
	for (uint32_t r = 0; r < m->nrows; r++)
		m->rowmap[m->buckets[r]] = r;
}

void nlu_model_free(struct nlu_model *m)
{
	if (!m)
		return;
	if (m->labels)
		for (uint32_t i = 0; i < m->nlabels; i++)
			free(m->labels[i]);
	free(m->labels);
	free(m->buckets);
	free(m->rowmap);
	free(m->w);
	free(m->bias);
	free(m);
}

size_t nlu_model_label_count(const struct nlu_model *m)
{
	return m->nlabels;
}

const char *nlu_model_label(const struct nlu_model *m, size_t i)
{
	return i < m->nlabels ? m->labels[i] : NULL;
}

float nlu_model_threshold(const struct nlu_model *m)
{
	return m->threshold;
}

const char *nlu_model_oos_label(const struct nlu_model *m)
{
	return m->oos >= 0 ? m->labels[m->oos] : NULL;
}

/* ---------------------------------------------------------------- CRC-32 */

uint32_t nlu__crc32(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;
	crc = ~crc;
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* ---------------------------------------------------------------- encoding */

static int put_u32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8),
			      (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
	return buf_append(b, x, 4);
}

static int put_f32(struct buf *b, float f)
{
	uint32_t v;
	memcpy(&v, &f, 4);
	return put_u32(b, v);
}

int nlu_model_encode(const struct nlu_model *m, struct buf *out)
{
	size_t start = out->len;
	size_t nw = (size_t)m->nrows * m->nlabels;
	int rc = buf_reserve(out, HEADER_SIZE + 4 * (nw + m->nrows + m->nlabels + 1));
	if (rc)
		return rc;
	if ((rc = buf_append(out, MAGIC, sizeof MAGIC)) || (rc = put_u32(out, FORMAT_VERSION)) ||
	    (rc = put_u32(out, FEATURE_SCHEME)) || (rc = put_u32(out, m->nlabels)) ||
	    (rc = put_u32(out, m->bucket_bits)) || (rc = put_u32(out, m->nrows)) ||
	    (rc = put_u32(out, NLU_MINN)) || (rc = put_u32(out, NLU_MAXN)) ||
	    (rc = put_u32(out, m->epochs)) || (rc = put_u32(out, (uint32_t)m->seed)) ||
	    (rc = put_u32(out, (uint32_t)(m->seed >> 32))) || (rc = put_f32(out, m->lr)) ||
	    (rc = put_f32(out, m->val_fraction)) || (rc = put_f32(out, m->threshold)) ||
	    (rc = put_u32(out, (uint32_t)m->oos)))
		return rc;
	for (uint32_t i = 0; i < m->nlabels; i++) {
		size_t n = strlen(m->labels[i]);
		unsigned char len[2] = {(unsigned char)n, (unsigned char)(n >> 8)};
		if ((rc = buf_append(out, len, 2)) || (rc = buf_append(out, m->labels[i], n)))
			return rc;
	}
	for (uint32_t r = 0; r < m->nrows; r++)
		if ((rc = put_u32(out, m->buckets[r])))
			return rc;
	for (size_t i = 0; i < nw; i++)
		if ((rc = put_f32(out, m->w[i])))
			return rc;
	for (uint32_t i = 0; i < m->nlabels; i++)
		if ((rc = put_f32(out, m->bias[i])))
			return rc;
	return put_u32(out, nlu__crc32(0, out->data + start, out->len - start));
}

/* ---------------------------------------------------------------- decoding */

struct reader {
	const unsigned char *p;
	size_t len, pos;
};

static bool get_bytes(struct reader *r, size_t n, const unsigned char **out)
{
	if (r->len - r->pos < n)
		return false;
	*out = r->p + r->pos;
	r->pos += n;
	return true;
}

static uint32_t rd_u32(const unsigned char *x)
{
	return (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
}

static float rd_f32(const unsigned char *x)
{
	uint32_t v = rd_u32(x);
	float f;
	memcpy(&f, &v, 4);
	return f;
}

#define FAIL(...)                                         \
	do {                                              \
		snprintf(err, errlen, __VA_ARGS__);       \
		rc = -TN_EFORMAT;                         \
		goto out;                                 \
	} while (0)

int nlu_model_decode(const void *data, size_t len, struct nlu_model **out, char *err,
		     size_t errlen)
{
	struct reader r = {data, len, 0};
	struct nlu_model *m = NULL;
	const unsigned char *h;
	int rc;
	*out = NULL;
	if (len < sizeof MAGIC || memcmp(data, MAGIC, sizeof MAGIC))
		FAIL("not a tandem NLU model file (bad magic)");
	if (!get_bytes(&r, HEADER_SIZE, &h))
		FAIL("truncated model file (%zu bytes, header needs %d)", len, HEADER_SIZE);
	uint32_t version = rd_u32(h + 8);
	if (version != FORMAT_VERSION)
		FAIL("unsupported model format version %u (this build reads version %u)", version,
		     FORMAT_VERSION);
	uint32_t scheme = rd_u32(h + 12), nlabels = rd_u32(h + 16), bits = rd_u32(h + 20),
		 nrows = rd_u32(h + 24), minn = rd_u32(h + 28), maxn = rd_u32(h + 32),
		 epochs = rd_u32(h + 36);
	uint64_t seed = (uint64_t)rd_u32(h + 40) | (uint64_t)rd_u32(h + 44) << 32;
	float lr = rd_f32(h + 48), valf = rd_f32(h + 52), thr = rd_f32(h + 56);
	int32_t oos = (int32_t)rd_u32(h + 60);
	if (scheme != FEATURE_SCHEME || minn != NLU_MINN || maxn != NLU_MAXN)
		FAIL("model was built with feature scheme %u (n-grams %u-%u); this build uses "
		     "scheme %u (n-grams %d-%d): retrain it",
		     scheme, minn, maxn, FEATURE_SCHEME, NLU_MINN, NLU_MAXN);
	if (nlabels < 2 || nlabels > NLU_MAX_LABELS)
		FAIL("corrupt model: %u labels (2..%d allowed)", nlabels, NLU_MAX_LABELS);
	if (bits < 12 || bits > 24)
		FAIL("corrupt model: %u bucket bits (12..24 allowed)", bits);
	if (nrows > (1u << bits))
		FAIL("corrupt model: %u rows for %u buckets", nrows, 1u << bits);
	if (oos < -1 || oos >= (int32_t)nlabels)
		FAIL("corrupt model: out-of-scope label index %d", oos);
	if (!(thr >= 0 && thr <= 1) || !isfinite(lr) || !isfinite(valf))
		FAIL("corrupt model: bad hyper-parameters");
	/* The label table, then the size check before anything is allocated. */
	size_t label_start = r.pos;
	for (uint32_t i = 0; i < nlabels; i++) {
		const unsigned char *lp = NULL, *s = NULL;
		if (!get_bytes(&r, 2, &lp))
			FAIL("truncated model file (in the label table)");
		size_t n = (size_t)lp[0] | (size_t)lp[1] << 8;
		if (!get_bytes(&r, n, &s))
			FAIL("truncated model file (in the label table)");
		if (n == 0 || n > NLU_MAX_LABEL)
			FAIL("corrupt model: label %u has length %zu", i, n);
	}
	size_t need = (size_t)nrows * 4 + (size_t)nrows * nlabels * 4 + (size_t)nlabels * 4 + 4;
	if (len - r.pos < need)
		FAIL("truncated model file (%zu bytes, expected %zu)", len, r.pos + need);
	if (len - r.pos > need)
		FAIL("corrupt model: %zu unexpected bytes after the end", len - r.pos - need);
	uint32_t stored = rd_u32(r.p + len - 4);
	if (nlu__crc32(0, data, len - 4) != stored)
		FAIL("model file is corrupt (checksum mismatch)");

	rc = -ENOMEM;
	if (!(m = nlu__model_alloc(nlabels, nrows, bits))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	m->epochs = epochs;
	m->seed = seed;
	m->lr = lr;
	m->val_fraction = valf;
	m->threshold = thr;
	m->oos = oos;
	r.pos = label_start;
	for (uint32_t i = 0; i < nlabels; i++) {
		const unsigned char *lp = NULL, *s = NULL;
		get_bytes(&r, 2, &lp);
		size_t n = (size_t)lp[0] | (size_t)lp[1] << 8;
		get_bytes(&r, n, &s);
		if (memchr(s, 0, n))
			FAIL("corrupt model: label %u contains a NUL byte", i);
		if (!(m->labels[i] = malloc(n + 1))) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		memcpy(m->labels[i], s, n);
		m->labels[i][n] = '\0';
		if (i && strcmp(m->labels[i - 1], m->labels[i]) >= 0)
			FAIL("corrupt model: labels not sorted and unique");
	}
	const unsigned char *x = NULL;
	get_bytes(&r, (size_t)nrows * 4, &x);
	for (uint32_t i = 0; i < nrows; i++) {
		m->buckets[i] = rd_u32(x + 4 * (size_t)i);
		if (m->buckets[i] >= (1u << bits) || (i && m->buckets[i] <= m->buckets[i - 1]))
			FAIL("corrupt model: bucket list out of order or range");
	}
	size_t nw = (size_t)nrows * nlabels;
	get_bytes(&r, nw * 4, &x);
	for (size_t i = 0; i < nw; i++)
		if (!isfinite(m->w[i] = rd_f32(x + 4 * i)))
			FAIL("corrupt model: a weight is not a finite number");
	get_bytes(&r, (size_t)nlabels * 4, &x);
	for (uint32_t i = 0; i < nlabels; i++)
		if (!isfinite(m->bias[i] = rd_f32(x + 4 * (size_t)i)))
			FAIL("corrupt model: a bias is not a finite number");
	nlu__model_index(m);
	*out = m;
	m = NULL;
	rc = 0;
out:
	nlu_model_free(m);
	return rc;
}

/* ---------------------------------------------------------------- files */

int nlu_model_save(const struct nlu_model *m, const char *path, char *err, size_t errlen)
{
	struct buf b = BUF_INIT, tmp = BUF_INIT;
	FILE *f = NULL;
	int rc = nlu_model_encode(m, &b);
	if (!rc)
		rc = buf_printf(&tmp, "%s.tmp%ld", path, (long)getpid());
	if (rc) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (!(f = fopen(tmp.data, "wb"))) {
		rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s", tmp.data, strerror(errno));
		goto out;
	}
	if (fwrite(b.data, 1, b.len, f) != b.len || fflush(f) || fsync(fileno(f))) {
		rc = -errno;
		snprintf(err, errlen, "cannot write %s: %s", tmp.data, strerror(errno));
		goto out;
	}
	int crc = fclose(f);
	f = NULL;
	if (crc || rename(tmp.data, path)) {
		rc = -errno;
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	if (rc && tmp.data)
		unlink(tmp.data);
	buf_free(&b);
	buf_free(&tmp);
	return rc;
}

/* Reads a whole file into b. 0 or a negative errno (err says why). */
int nlu__read_file(const char *path, struct buf *b, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	int rc = 0;
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return rc;
	}
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if ((rc = buf_append(b, chunk, n))) {
			snprintf(err, errlen, "out of memory reading %s", path);
			goto out;
		}
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "cannot read %s", path);
	}
out:
	fclose(f);
	return rc;
}

int nlu_model_load(const char *path, struct nlu_model **out, char *err, size_t errlen)
{
	struct buf b = BUF_INIT;
	*out = NULL;
	int rc = nlu__read_file(path, &b, err, errlen);
	if (!rc) {
		char why[200];
		rc = nlu_model_decode(b.data ? b.data : "", b.len, out, why, sizeof why);
		if (rc)
			snprintf(err, errlen, "%s: %s", path, why);
	}
	buf_free(&b);
	return rc;
}
