/* stopwords.c: English and Spanish stopword tables (case-folded, sorted by byte value). */
#include "kb/kb_internal.h"

#include <stdlib.h>
#include <string.h>

/* Both tables must stay sorted in strcmp order: lookups use bsearch. */
static const char *const stop_en[] = {
	"a", "about", "above", "after", "again", "against", "all", "am",
	"an", "and", "any", "are", "aren't", "as", "at", "be",
	"because", "been", "before", "being", "below", "between", "both", "but",
	"by", "can", "can't", "could", "couldn't", "did", "didn't", "do",
	"does", "doesn't", "doing", "don't", "down", "during", "each", "few",
	"for", "from", "further", "had", "hadn't", "has", "hasn't", "have",
	"haven't", "having", "he", "her", "here", "hers", "herself", "him",
	"himself", "his", "how", "i", "i'd", "i'll", "i'm", "i've",
	"if", "in", "into", "is", "isn't", "it", "it's", "its",
	"itself", "just", "let's", "me", "more", "most", "much", "my",
	"myself", "no", "nor", "not", "of", "off", "on", "once",
	"only", "or", "other", "ought", "our", "ours", "ourselves", "out",
	"over", "own", "please", "same", "she", "should", "shouldn't", "so",
	"some", "such", "than", "that", "that's", "the", "their", "theirs",
	"them", "themselves", "then", "there", "there's", "these", "they", "they're",
	"this", "those", "through", "to", "too", "under", "until", "up",
	"very", "was", "wasn't", "we", "we're", "were", "weren't", "what",
	"what's", "when", "where", "which", "while", "who", "whom", "why",
	"will", "with", "won't", "would", "wouldn't", "you", "you'd", "you'll",
	"you're", "you've", "your", "yours", "yourself", "yourselves",};

static const char *const stop_es[] = {
	"a", "al", "algo", "algunas", "algunos", "ante", "antes", "como",
	"con", "contra", "cual", "cuando", "cuál", "cuándo", "cómo", "de",
	"del", "desde", "donde", "durante", "dónde", "e", "el", "ella",
	"ellas", "ellos", "en", "entre", "era", "es", "esa", "esas",
	"ese", "eso", "esos", "esta", "estas", "este", "esto", "estos",
	"estoy", "está", "están", "fue", "ha", "hay", "la", "las",
	"le", "les", "lo", "los", "mas", "me", "mi", "mis",
	"muy", "más", "mí", "nada", "ni", "no", "nos", "nosotros",
	"o", "os", "otra", "otro", "para", "pero", "poco", "por",
	"porque", "que", "quien", "quién", "qué", "se", "sea", "ser",
	"si", "sin", "sobre", "son", "su", "sus", "sí", "también",
	"te", "tengo", "ti", "tiene", "tu", "tus", "tú", "un",
	"una", "unas", "uno", "unos", "usted", "ustedes", "y", "ya",
	"yo", "él",};

static int cmp_word(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

bool kb__stopword(enum kb_lang lang, const char *word)
{
	const char *const *table = lang == KB_LANG_ES ? stop_es : stop_en;
	size_t n = lang == KB_LANG_ES ? sizeof stop_es / sizeof *stop_es
				      : sizeof stop_en / sizeof *stop_en;
	return bsearch(word, table, n, sizeof *table, cmp_word) != NULL;
}
