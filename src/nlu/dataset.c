/* dataset.c: labelled examples read from JSON Lines files. */
#include "nlu/nlu_impl.h"
#include "base/err.h"
#include "base/jsonx.h"
#include "base/utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nlu_dataset_add(struct nlu_dataset *ds, const char *text, const char *label)
{
	size_t tl = strlen(text), ll = strlen(label);
	if (!tl || !ll || ll > NLU_MAX_LABEL || tl > NLU_MAX_TEXT || !utf8_valid(text, tl) ||
	    !utf8_valid(label, ll))
		return -EINVAL;
	if (ds->n == ds->cap) {
		size_t cap = ds->cap ? ds->cap * 2 : 256;
		struct nlu_example *ne = realloc(ds->ex, cap * sizeof *ne);
		if (!ne)
			return -ENOMEM;
		ds->ex = ne;
		ds->cap = cap;
	}
	char *t = strdup(text), *l = strdup(label);
	if (!t || !l) {
		free(t);
		free(l);
		return -ENOMEM;
	}
	ds->ex[ds->n].text = t;
	ds->ex[ds->n].label = l;
	ds->n++;
	return 0;
}

void nlu_dataset_free(struct nlu_dataset *ds)
{
	for (size_t i = 0; i < ds->n; i++) {
		free(ds->ex[i].text);
		free(ds->ex[i].label);
	}
	free(ds->ex);
	ds->ex = NULL;
	ds->n = ds->cap = 0;
}

int nlu_dataset_parse(struct nlu_dataset *ds, const char *data, size_t len, char *err,
		      size_t errlen)
{
	size_t lineno = 0, pos = 0;
	while (pos < len) {
		const char *line = data + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl ? 1 : 0);
		lineno++;
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		size_t lead = 0;
		while (lead < n && (line[lead] == ' ' || line[lead] == '\t'))
			lead++;
		if (lead == n || line[lead] == '#')
			continue;
		char why[160];
		json_t *o = jsonx_parse(line, n, true, why, sizeof why);
		if (!o) {
			snprintf(err, errlen, "line %zu: %s", lineno, why);
			return -TN_EPARSE;
		}
		const char *text, *label;
		int rc = 0;
		if (jsonx_get_str(o, "text", &text))
			snprintf(err, errlen, "line %zu: needs a string field \"text\"", lineno),
				rc = -TN_EPARSE;
		else if (jsonx_get_str(o, "intent", &label))
			snprintf(err, errlen, "line %zu: needs a string field \"intent\"", lineno),
				rc = -TN_EPARSE;
		else if ((rc = nlu_dataset_add(ds, text, label)) == -EINVAL)
			snprintf(err, errlen,
				 "line %zu: empty text or intent, or an intent over %d bytes",
				 lineno, NLU_MAX_LABEL),
				rc = -TN_EPARSE;
		else if (rc)
			snprintf(err, errlen, "line %zu: out of memory", lineno);
		json_decref(o);
		if (rc)
			return rc;
	}
	return 0;
}

int nlu_dataset_load(struct nlu_dataset *ds, const char *path, char *err, size_t errlen)
{
	struct buf b = BUF_INIT;
	int rc = nlu__read_file(path, &b, err, errlen);
	if (!rc) {
		char why[200];
		rc = nlu_dataset_parse(ds, b.data ? b.data : "", b.len, why, sizeof why);
		if (rc)
			snprintf(err, errlen, "%s: %s", path, why);
	}
	buf_free(&b);
	return rc;
}
