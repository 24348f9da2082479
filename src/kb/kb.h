/* kb.h: a per-tenant knowledge-base index: BM25 search over articles with snippets. */
#ifndef TANDEM_KB_KB_H
#define TANDEM_KB_KB_H

#include <stddef.h>

/* Sizes. Longer inputs are refused with -TN_ELIMIT. */
#define KB_ID_MAX 64            /* article id, including the NUL */
#define KB_TITLE_MAX 1024       /* title bytes */
#define KB_TAGS_MAX 1024        /* tags bytes */
#define KB_BODY_MAX (64 * 1024) /* body bytes */
#define KB_QUERY_MAX 1024       /* query bytes */
#define KB_SNIPPET_MAX 320      /* snippet, including the NUL */

/* Ranking constants (BM25F): a term in the title counts KB_TITLE_WEIGHT times, in the
 * tags KB_TAGS_WEIGHT times, in the body once. */
#define KB_BM25_K1 1.2
#define KB_BM25_B 0.75
#define KB_TITLE_WEIGHT 3.0
#define KB_TAGS_WEIGHT 2.0

/* The languages the analyser knows. An article's language is detected from its text
 * (stopword evidence and Spanish-only letters); English when there is no evidence. */
#define KB_LANGS(X) \
	X(EN, "en")  \
	X(ES, "es")

enum kb_lang {
#define KB_LANG_ENUM(id, name) KB_LANG_##id,
	KB_LANGS(KB_LANG_ENUM)
#undef KB_LANG_ENUM
	KB_LANG_COUNT
};

/* "en", "es"; "?" for an out-of-range value. */
const char *kb_lang_name(enum kb_lang lang);
/* Parses "en"/"es". 0 or -EINVAL. */
int kb_lang_parse(const char *s, enum kb_lang *out);

struct kb_index;  /* one tenant's articles; not thread-safe, owned by one thread */

/* One search hit. Plain data, copied out of the index: it stays valid after the index
 * changes or is freed. */
struct kb_result {
	char id[KB_ID_MAX];
	double score;                  /* BM25F score, > 0; higher is better */
	enum kb_lang lang;             /* the article's detected language */
	char snippet[KB_SNIPPET_MAX];  /* the body sentence that best matches the query
	                                  (the title when the body is empty), trimmed and
	                                  cut at a word boundary with "..." when too long */
};

/* Creates an empty index with its own English and Spanish stemmers. Returns 0 and an
 * owned index in *out (free with kb_index_free), or -ENOMEM. */
int kb_index_new(struct kb_index **out);
/* Frees the index and every article it holds. NULL is allowed. */
void kb_index_free(struct kb_index *idx);

/* Adds an article, copying every string; an article with the same id is replaced.
 * id: 1..KB_ID_MAX-1 bytes. title and body: UTF-8 text (body may be empty). tags: UTF-8
 * words separated by commas or spaces, or NULL. Returns 0, -EINVAL for a NULL/empty
 * id or NULL title/body, -TN_ELIMIT for an over-long field, -TN_EPARSE for invalid
 * UTF-8 (the index is unchanged on any error), or -ENOMEM. */
int kb_index_add(struct kb_index *idx, const char *id, const char *title, const char *body,
		 const char *tags);

/* Removes the article with this id. 0, or -TN_ENOTFOUND when there is none. */
int kb_index_remove(struct kb_index *idx, const char *id);

/* The number of articles in the index. */
size_t kb_index_count(const struct kb_index *idx);

/* Searches for query (UTF-8 text as the customer typed it) and writes the best
 * min(k, matches) hits to results[0..], best first (ties: earlier-added first).
 * Stopwords are dropped and words stemmed in the query's language (both languages when
 * the query gives no evidence of one). Returns the number of hits (0 for an empty or
 * all-stopword or unknown-word query: not an error), -EINVAL for NULL arguments,
 * -TN_EPARSE for invalid UTF-8, -TN_ELIMIT for a query over KB_QUERY_MAX bytes, or
 * -ENOMEM. k == 0 returns 0. */
int kb_search(struct kb_index *idx, const char *query, size_t k, struct kb_result *results);

#endif
