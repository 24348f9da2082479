/* index.c: the kb inverted index (term -> postings), BM25F ranking and snippets. */
#include "kb/kb_internal.h"

#include "base/err.h"
#include "base/str.h"
#include "base/utf8.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
#define TOMB (UINT32_MAX - 1)

enum field { F_TITLE, F_TAGS, F_BODY, F_COUNT };

static const double field_weight[F_COUNT] = {
	[F_TITLE] = KB_TITLE_WEIGHT,
	[F_TAGS] = KB_TAGS_WEIGHT,
	[F_BODY] = 1.0,
};

struct posting {
	uint32_t doc;
	float wtf;  /* field-weighted term frequency */
};

struct term {
	char *text;
	uint32_t hash;
	struct posting *post;  /* one per live document containing the term */
	uint32_t n, cap;
	uint32_t mark;         /* add generation that last touched the term */
	uint32_t local;        /* index into the add's scratch list for that generation */
	uint32_t smark;        /* sentence generation that last touched the term */
};

/* A body sentence, with its distinct terms, for snippets. */
struct sentence {
	uint32_t off, len;     /* bytes of the original body */
	uint32_t first, n;     /* its terms: doc.sterms[first .. first + n) */
};

struct doc {
	char *id, *title, *body;
	uint32_t hash;
	bool live;
	enum kb_lang lang;
	uint64_t seq;          /* insertion order, for stable tie-breaks */
	double len;            /* field-weighted length in terms */
	uint32_t *terms;       /* distinct term indices, for removal */
	uint32_t n_terms;
	struct sentence *sent; /* body sentences in order */
	uint32_t n_sent;
	uint32_t *sterms;      /* term indices of every sentence */
};

/* Open-addressing hash table of indices into an array owned elsewhere. */
struct map {
	uint32_t *slot;
	uint32_t cap;   /* power of two, or 0 */
	uint32_t used;  /* live + tombstones */
};

struct kb_index {
	struct kb_analyser an;
	struct term *terms;
	uint32_t n_terms, cap_terms;
	struct map term_map;
	struct doc *docs;
	uint32_t n_docs, cap_docs;
	uint32_t *free_docs;  /* reusable doc slots */
	uint32_t n_free, cap_free;
	struct map id_map;
	uint32_t live;
	double total_len;
	uint32_t gen;
	uint32_t sgen;
	uint64_t seq;
};

static uint32_t hash_str(const char *s, size_t n)
{
	uint32_t h = 2166136261u;  /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	uint32_t nc = *cap ? *cap : 8;
	while (nc < need) {
		if (nc > UINT32_MAX / 2)
			return -ENOMEM;
		nc *= 2;
	}
	void *q = reallocarray(*p, nc, elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = nc;
	return 0;
}

/* Key access for the two maps. */
static const char *term_key(const struct kb_index *x, uint32_t v, uint32_t *h)
{
	*h = x->terms[v].hash;
	return x->terms[v].text;
}

static const char *doc_key(const struct kb_index *x, uint32_t v, uint32_t *h)
{
	*h = x->docs[v].hash;
	return x->docs[v].id;
}

typedef const char *(*key_fn)(const struct kb_index *x, uint32_t v, uint32_t *h);

/* Returns the slot holding key, or NONE. */
static uint32_t map_find(const struct kb_index *x, const struct map *m, key_fn kf,
			 const char *key, size_t n, uint32_t h)
{
	if (!m->cap)
		return NONE;
	uint32_t mask = m->cap - 1;
	for (uint32_t i = h & mask, probe = 0; probe < m->cap; i = (i + 1) & mask, probe++) {
		uint32_t v = m->slot[i];
		if (v == NONE)
			return NONE;
		if (v == TOMB)
			continue;
		uint32_t vh;
		const char *k = kf(x, v, &vh);
		if (vh == h && strlen(k) == n && memcmp(k, key, n) == 0)
			return i;
	}
	return NONE;
}

static void map_put_raw(struct map *m, uint32_t h, uint32_t v)
{
	uint32_t mask = m->cap - 1;
	uint32_t i = h & mask;
	while (m->slot[i] != NONE && m->slot[i] != TOMB)
		i = (i + 1) & mask;
	if (m->slot[i] == NONE)
		m->used++;
	m->slot[i] = v;
}

/* Makes room for one more entry, rehashing (and dropping tombstones) when needed. */
static int map_reserve(const struct kb_index *x, struct map *m, key_fn kf)
{
	if (m->cap && (uint64_t)(m->used + 1) * 4 < (uint64_t)m->cap * 3)
		return 0;
	uint32_t nc = m->cap ? m->cap * 2 : 64;
	if (nc < m->cap)
		return -ENOMEM;
	struct map nm = {malloc((size_t)nc * sizeof(uint32_t)), nc, 0};
	if (!nm.slot)
		return -ENOMEM;
	memset(nm.slot, 0xFF, (size_t)nc * sizeof(uint32_t));
	for (uint32_t i = 0; i < m->cap; i++) {
		uint32_t v = m->slot[i];
		if (v == NONE || v == TOMB)
			continue;
		uint32_t h;
		kf(x, v, &h);
		map_put_raw(&nm, h, v);
	}
	free(m->slot);
	*m = nm;
	return 0;
}

int kb_index_new(struct kb_index **out)
{
	*out = NULL;
	struct kb_index *x = calloc(1, sizeof *x);
	if (!x)
		return -ENOMEM;
	int rc = kb__analyser_init(&x->an);
	if (rc) {
		free(x);
		return rc;
	}
	*out = x;
	return 0;
}

static void doc_clear(struct doc *d)
{
	free(d->id);
	free(d->title);
	free(d->body);
	free(d->terms);
	free(d->sent);
	free(d->sterms);
	memset(d, 0, sizeof *d);
}

void kb_index_free(struct kb_index *x)
{
	if (!x)
		return;
	for (uint32_t i = 0; i < x->n_terms; i++) {
		free(x->terms[i].text);
		free(x->terms[i].post);
	}
	for (uint32_t i = 0; i < x->n_docs; i++)
		doc_clear(&x->docs[i]);
	free(x->terms);
	free(x->docs);
	free(x->free_docs);
	free(x->term_map.slot);
	free(x->id_map.slot);
	kb__analyser_fini(&x->an);
	free(x);
}

size_t kb_index_count(const struct kb_index *x)
{
	return x ? x->live : 0;
}

/* ---- adding ---- */

struct scratch_term {
	uint32_t term;
	float wtf;
};

struct add_ctx {
	struct kb_index *x;
	struct scratch_term *list;
	uint32_t n, cap;
	enum field field;
	double len;
	struct sentence *sent;  /* body sentences and their terms */
	uint32_t n_sent, cap_sent;
	uint32_t *sterms;
	uint32_t n_sterms, cap_sterms;
};

/* Finds or creates the term; returns its index or NONE on ENOMEM. */
static uint32_t term_intern(struct kb_index *x, const char *t, size_t n)
{
	uint32_t h = hash_str(t, n);
	uint32_t s = map_find(x, &x->term_map, term_key, t, n, h);
	if (s != NONE)
		return x->term_map.slot[s];
	if (grow((void **)&x->terms, &x->cap_terms, x->n_terms + 1, sizeof *x->terms))
		return NONE;
	if (map_reserve(x, &x->term_map, term_key))
		return NONE;
	char *copy = str_ndup(t, n);
	if (!copy)
		return NONE;
	uint32_t v = x->n_terms++;
	x->terms[v] = (struct term){.text = copy, .hash = h, .mark = 0};
	map_put_raw(&x->term_map, h, v);
	return v;
}

static int add_term(void *vctx, const char *t, size_t n)
{
	struct add_ctx *c = vctx;
	struct kb_index *x = c->x;
	uint32_t v = term_intern(x, t, n);
	if (v == NONE)
		return -ENOMEM;
	struct term *tm = &x->terms[v];
	if (tm->mark != x->gen) {
		if (grow((void **)&c->list, &c->cap, c->n + 1, sizeof *c->list))
			return -ENOMEM;
		tm->mark = x->gen;
		tm->local = c->n;
		c->list[c->n++] = (struct scratch_term){v, 0};
	}
	c->list[tm->local].wtf += (float)field_weight[c->field];
	c->len += field_weight[c->field];
	if (c->field == F_BODY && tm->smark != x->sgen) {
		if (grow((void **)&c->sterms, &c->cap_sterms, c->n_sterms + 1, sizeof *c->sterms))
			return -ENOMEM;
		tm->smark = x->sgen;
		c->sterms[c->n_sterms++] = v;
		c->sent[c->n_sent - 1].n++;
	}
	return 0;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* Finds the next sentence of text[0..n) from *pos: ends after '.', '!' or '?' followed
 * by a space or the end, or at a newline. Returns false at the end. */
static bool next_sentence(const char *text, size_t n, size_t *pos, size_t *start, size_t *len)
{
	while (*pos < n && is_space(text[*pos]))
		(*pos)++;
	if (*pos >= n)
		return false;
	size_t i = *pos;
	while (i < n && text[i] != '\n' &&
	       !((text[i] == '.' || text[i] == '!' || text[i] == '?') && (i + 1 == n || is_space(text[i + 1]))))
		i++;
	size_t stop = i < n && text[i] != '\n' ? i + 1 : i;
	*start = *pos;
	*len = stop - *pos;
	*pos = i < n ? i + 1 : n;
	return true;
}

static void next_sgen(struct kb_index *x)
{
	if (++x->sgen == 0) {  /* wrapped: forget every old mark */
		for (uint32_t i = 0; i < x->n_terms; i++)
			x->terms[i].smark = 0;
		x->sgen = 1;
	}
}

/* Indexes the body sentence by sentence, recording each sentence's terms. */
static int add_body(struct add_ctx *c, enum kb_lang lang, const char *body, size_t n)
{
	struct kb_index *x = c->x;
	size_t pos = 0, start, len;
	c->field = F_BODY;
	while (next_sentence(body, n, &pos, &start, &len)) {
		if (grow((void **)&c->sent, &c->cap_sent, c->n_sent + 1, sizeof *c->sent))
			return -ENOMEM;
		c->sent[c->n_sent++] = (struct sentence){(uint32_t)start, (uint32_t)len, c->n_sterms, 0};
		next_sgen(x);
		char *folded;
		size_t flen;
		int rc = kb__fold(body + start, len, &folded, &flen);
		if (rc)
			return rc;
		rc = kb__terms(&x->an, lang, folded, flen, add_term, c);
		free(folded);
		if (rc)
			return rc;
	}
	return 0;
}

static void doc_unlink(struct kb_index *x, uint32_t di)
{
	struct doc *d = &x->docs[di];
	for (uint32_t i = 0; i < d->n_terms; i++) {
		struct term *tm = &x->terms[d->terms[i]];
		for (uint32_t p = 0; p < tm->n; p++)
			if (tm->post[p].doc == di) {
				tm->post[p] = tm->post[--tm->n];
				break;
			}
	}
	uint32_t s = map_find(x, &x->id_map, doc_key, d->id, strlen(d->id), d->hash);
	if (s != NONE)
		x->id_map.slot[s] = TOMB;
	x->total_len -= d->len;
	x->live--;
	doc_clear(d);
	/* free_docs always has room: it was grown when the slot was handed out. */
	x->free_docs[x->n_free++] = di;
}

static int check_field(const char *s, size_t max, size_t *len)
{
	size_t n = strnlen(s, max + 1);
	if (n > max)
		return -TN_ELIMIT;
	*len = n;
	return 0;
}

int kb_index_add(struct kb_index *x, const char *id, const char *title, const char *body,
		 const char *tags)
{
	if (!x || !id || !*id || !title || !body)
		return -EINVAL;
	size_t id_len, title_len, body_len, tags_len = 0;
	int rc;
	if ((rc = check_field(id, KB_ID_MAX - 1, &id_len)) ||
	    (rc = check_field(title, KB_TITLE_MAX, &title_len)) ||
	    (rc = check_field(body, KB_BODY_MAX, &body_len)) ||
	    (tags && (rc = check_field(tags, KB_TAGS_MAX, &tags_len))))
		return rc;
	if (!utf8_valid(id, id_len))
		return -TN_EPARSE;

	const char *src[F_COUNT] = {[F_TITLE] = title, [F_TAGS] = tags ? tags : "", [F_BODY] = body};
	size_t src_len[F_COUNT] = {[F_TITLE] = title_len, [F_TAGS] = tags_len, [F_BODY] = body_len};
	char *folded[F_COUNT] = {NULL};
	size_t flen[F_COUNT] = {0};
	struct add_ctx c = {.x = x};
	struct doc nd = {0};
	for (int f = 0; f < F_COUNT; f++)
		if ((rc = kb__fold(src[f], src_len[f], &folded[f], &flen[f])))
			goto out;

	/* The language comes from the title and body together. */
	bool ev;
	size_t all_len = flen[F_TITLE] + 1 + flen[F_BODY];
	char *all = malloc(all_len + 1);
	if (!all) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(all, folded[F_TITLE], flen[F_TITLE]);
	all[flen[F_TITLE]] = '\n';
	memcpy(all + flen[F_TITLE] + 1, folded[F_BODY], flen[F_BODY]);
	all[all_len] = '\0';
	nd.lang = kb__detect(all, all_len, &ev);
	free(all);

	if (++x->gen == 0) {  /* wrapped: forget every old mark (0 means "never") */
		for (uint32_t i = 0; i < x->n_terms; i++)
			x->terms[i].mark = 0;
		x->gen = 1;
	}
	for (int f = 0; f < F_COUNT; f++) {
		c.field = (enum field)f;
		if (f == F_BODY)
			rc = add_body(&c, nd.lang, body, body_len);
		else
			rc = kb__terms(&x->an, nd.lang, folded[f], flen[f], add_term, &c);
		if (rc)
			goto out;
	}

	nd.id = str_ndup(id, id_len);
	nd.title = str_ndup(title, title_len);
	nd.body = str_ndup(body, body_len);
	nd.terms = c.n ? malloc((size_t)c.n * sizeof *nd.terms) : NULL;
	if (!nd.id || !nd.title || !nd.body || (c.n && !nd.terms)) {
		rc = -ENOMEM;
		goto out;
	}
	nd.sent = c.sent;
	nd.n_sent = c.n_sent;
	nd.sterms = c.sterms;
	c.sent = NULL;
	c.sterms = NULL;
	nd.hash = hash_str(id, id_len);
	nd.len = c.len;
	nd.live = true;
	nd.seq = ++x->seq;

	/* Reserve everything before changing the index, so a failure leaves it intact. */
	for (uint32_t i = 0; i < c.n; i++) {
		struct term *tm = &x->terms[c.list[i].term];
		if ((rc = grow((void **)&tm->post, &tm->cap, tm->n + 1, sizeof *tm->post)))
			goto out;
	}
	if ((rc = map_reserve(x, &x->id_map, doc_key)))
		goto out;
	if ((rc = grow((void **)&x->docs, &x->cap_docs, x->n_docs + 1, sizeof *x->docs)) ||
	    (rc = grow((void **)&x->free_docs, &x->cap_free, x->n_docs + 1, sizeof *x->free_docs)))
		goto out;

	uint32_t old = map_find(x, &x->id_map, doc_key, id, id_len, nd.hash);
	if (old != NONE)
		doc_unlink(x, x->id_map.slot[old]);

	uint32_t di = x->n_free ? x->free_docs[--x->n_free] : x->n_docs++;
	for (uint32_t i = 0; i < c.n; i++) {
		struct term *tm = &x->terms[c.list[i].term];
		tm->post[tm->n++] = (struct posting){di, c.list[i].wtf};
		nd.terms[i] = c.list[i].term;
	}
	nd.n_terms = c.n;
	x->docs[di] = nd;
	memset(&nd, 0, sizeof nd);
	map_put_raw(&x->id_map, x->docs[di].hash, di);
	x->live++;
	x->total_len += x->docs[di].len;
	rc = 0;
out:
	doc_clear(&nd);
	free(c.list);
	free(c.sent);
	free(c.sterms);
	for (int f = 0; f < F_COUNT; f++)
		free(folded[f]);
	return rc;
}

int kb_index_remove(struct kb_index *x, const char *id)
{
	if (!x || !id)
		return -EINVAL;
	size_t n = strnlen(id, KB_ID_MAX);
	uint32_t s = map_find(x, &x->id_map, doc_key, id, n, hash_str(id, n));
	if (s == NONE)
		return -TN_ENOTFOUND;
	doc_unlink(x, x->id_map.slot[s]);
	return 0;
}

/* ---- searching ---- */

#define QUERY_TERMS_MAX 256

struct qterms {
	uint32_t t[QUERY_TERMS_MAX];
	uint32_t n;
	const struct kb_index *x;
};

static int collect_query_term(void *vctx, const char *t, size_t n)
{
	struct qterms *q = vctx;
	uint32_t s = map_find(q->x, &q->x->term_map, term_key, t, n, hash_str(t, n));
	if (s == NONE)
		return 0;
	uint32_t v = q->x->term_map.slot[s];
	for (uint32_t i = 0; i < q->n; i++)
		if (q->t[i] == v)
			return 0;
	if (q->n < QUERY_TERMS_MAX)
		q->t[q->n++] = v;
	return 0;
}

static double idf(const struct kb_index *x, uint32_t df)
{
	return log(1.0 + ((double)x->live - df + 0.5) / (df + 0.5));
}

static void score_terms(const struct kb_index *x, const struct qterms *q, double *acc)
{
	double avg = x->live ? x->total_len / x->live : 1.0;
	if (avg <= 0)
		avg = 1.0;
	for (uint32_t i = 0; i < q->n; i++) {
		const struct term *tm = &x->terms[q->t[i]];
		if (!tm->n)
			continue;
		double w = idf(x, tm->n);
		for (uint32_t p = 0; p < tm->n; p++) {
			const struct posting *po = &tm->post[p];
			double tf = po->wtf;
			double norm = KB_BM25_K1 * (1.0 - KB_BM25_B + KB_BM25_B * x->docs[po->doc].len / avg);
			double s = w * tf * (KB_BM25_K1 + 1.0) / (tf + norm);
			acc[po->doc] += s;
		}
	}
}

struct hit {
	uint32_t doc;
	double score;
	uint64_t seq;
};

static int cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Copies text[0..n) trimmed into out, cut at a word boundary with "..." when long. */
static void put_snippet(char *out, const char *text, size_t n)
{
	while (n && is_space(*text)) {
		text++;
		n--;
	}
	while (n && is_space(text[n - 1]))
		n--;
	if (n < KB_SNIPPET_MAX) {
		memcpy(out, text, n);
		out[n] = '\0';
		return;
	}
	size_t cut = KB_SNIPPET_MAX - 4;
	while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
		cut--;  /* never split a UTF-8 sequence */
	size_t sp = cut;
	while (sp > KB_SNIPPET_MAX / 2 && !is_space(text[sp]))
		sp--;
	if (is_space(text[sp]))
		cut = sp;
	while (cut && is_space(text[cut - 1]))
		cut--;
	memcpy(out, text, cut);
	memcpy(out + cut, "...", 4);
}

/* Picks the body sentence that covers the most query weight (the first on a tie). */
static void make_snippet(const struct kb_index *x, const struct doc *d, const struct qterms *q,
			 char *out)
{
	if (d->n_sent == 0) {
		put_snippet(out, d->title, strlen(d->title));
		return;
	}
	double w[QUERY_TERMS_MAX];
	for (uint32_t i = 0; i < q->n; i++)
		w[i] = idf(x, x->terms[q->t[i]].n);
	uint32_t best_i = 0;
	double best = -1;
	for (uint32_t si = 0; si < d->n_sent; si++) {
		const struct sentence *s = &d->sent[si];
		double score = 0;
		for (uint32_t k = 0; k < s->n; k++) {
			uint32_t t = d->sterms[s->first + k];  /* distinct within the sentence */
			for (uint32_t i = 0; i < q->n; i++)
				if (q->t[i] == t)
					score += w[i];
		}
		if (score > best) {
			best = score;
			best_i = si;
		}
	}
	put_snippet(out, d->body + d->sent[best_i].off, d->sent[best_i].len);
}

int kb_search(struct kb_index *x, const char *query, size_t k, struct kb_result *results)
{
	if (!x || !query || (k && !results))
		return -EINVAL;
	size_t qlen = strnlen(query, KB_QUERY_MAX + 1);
	if (qlen > KB_QUERY_MAX)
		return -TN_ELIMIT;
	char *folded = NULL;
	size_t flen;
	double *acc[KB_LANG_COUNT] = {NULL};
	struct qterms *q = NULL;
	struct hit *hits = NULL;
	int rc = kb__fold(query, qlen, &folded, &flen);
	if (rc)
		goto out;
	if (k == 0 || x->live == 0)
		goto out;

	bool ev;
	enum kb_lang lang = kb__detect(folded, flen, &ev);
	q = calloc(KB_LANG_COUNT, sizeof *q);
	if (!q) {
		rc = -ENOMEM;
		goto out;
	}
	bool any = false;
	for (int l = 0; l < KB_LANG_COUNT; l++) {
		q[l].x = x;
		if (ev && l != (int)lang)
			continue;
		if ((rc = kb__terms(&x->an, (enum kb_lang)l, folded, flen, collect_query_term, &q[l])))
			goto out;
		if (!q[l].n)
			continue;
		acc[l] = calloc(x->n_docs, sizeof(double));
		if (!acc[l]) {
			rc = -ENOMEM;
			goto out;
		}
		score_terms(x, &q[l], acc[l]);
		any = true;
	}
	if (!any)
		goto out;

	if (k > x->live)
		k = x->live;
	/* Keep the best k in hits[0..nh), sorted, by insertion: k is small. */
	hits = malloc(k * sizeof *hits);
	if (!hits) {
		rc = -ENOMEM;
		goto out;
	}
	size_t nh = 0;
	for (uint32_t d = 0; d < x->n_docs; d++) {
		if (!x->docs[d].live)
			continue;
		/* A query read in both languages keeps each article's better reading. */
		double sc = 0;
		for (int l = 0; l < KB_LANG_COUNT; l++)
			if (acc[l] && acc[l][d] > sc)
				sc = acc[l][d];
		if (sc <= 0)
			continue;
		struct hit h = {d, sc, x->docs[d].seq};
		if (nh == k && cmp_hit(&h, &hits[nh - 1]) >= 0)
			continue;
		size_t at = nh < k ? nh++ : nh - 1;
		while (at > 0 && cmp_hit(&h, &hits[at - 1]) < 0) {
			hits[at] = hits[at - 1];
			at--;
		}
		hits[at] = h;
	}
	for (size_t i = 0; i < nh; i++) {
		const struct doc *d = &x->docs[hits[i].doc];
		struct kb_result *r = &results[i];
		memset(r, 0, sizeof *r);
		memcpy(r->id, d->id, strlen(d->id) + 1);
		r->score = hits[i].score;
		r->lang = d->lang;
		/* Snippet terms in the article's language when the query was read in it. */
		const struct qterms *qt = q[d->lang].n ? &q[d->lang] : &q[lang];
		make_snippet(x, d, qt, r->snippet);
	}
	rc = (int)nh;
out:
	for (int l = 0; l < KB_LANG_COUNT; l++)
		free(acc[l]);
	free(q);
	free(hits);
	free(folded);
	return rc;
}
