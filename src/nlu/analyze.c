/* analyze.c: the combined analysis of one message (intent, entities, signals) and its
 * JSON rendering. */
#include "nlu/nlu_impl.h"
#include "base/err.h"

#include <errno.h>
#include <math.h>
#include <string.h>

int nlu_analyze_opts(const struct nlu_model *m, const char *text, size_t len, int64_t now,
		     const struct tz *zone, const struct nlu_classify_opts *opts,
		     struct nlu_result *out)
{
	memset(out, 0, sizeof *out);
	int rc = nlu_classify(m, text, len, opts, &out->intent);
	if (!rc)
		rc = nlu_extract_entities(text, len, now, zone, &out->entities);
	if (!rc)
		rc = nlu_extract_signals(text, len, &out->signals);
	if (rc)
		memset(out, 0, sizeof *out);
	return rc;
}

int nlu_analyze(const struct nlu_model *m, const char *text, size_t len, int64_t now,
		const struct tz *zone, struct nlu_result *out)
{
	return nlu_analyze_opts(m, text, len, now, zone, NULL, out);
}

static json_t *prob(float p)
{
	return json_real(round((double)p * 1e4) / 1e4);
}

int nlu_result_to_json(const struct nlu_result *r, const struct tz *zone, json_t **out)
{
	json_t *o = json_object(), *ranking = json_array(), *ents = NULL, *sig = NULL;
	int rc = -ENOMEM;
	*out = NULL;
	if (!o || !ranking)
		goto out;
	const struct nlu_prediction *p = &r->intent;
	for (size_t i = 0; i < p->nranked; i++) {
		json_t *e = json_pack("{s:s, s:o}", "intent", p->ranked[i].intent, "confidence",
				      prob(p->ranked[i].confidence));
		if (!e || json_array_append_new(ranking, e))
			goto out;
	}
	if (json_object_set_new(o, "intent", json_string(p->intent ? p->intent : "")) ||
	    json_object_set_new(o, "confidence", prob(p->confidence)) ||
	    json_object_set_new(o, "margin", prob(p->margin)) ||
	    json_object_set_new(o, "below_threshold", json_boolean(p->below_threshold)) ||
	    json_object_set(o, "ranking", ranking))
		goto out;
	if ((rc = nlu_entities_to_json(&r->entities, zone, &ents)) ||
	    (rc = nlu_signals_to_json(&r->signals, &sig)))
		goto out;
	rc = -ENOMEM;
	if (json_object_set(o, "entities", ents) || json_object_update(o, sig))
		goto out;
	*out = o;
	o = NULL;
	rc = 0;
out:
	json_decref(o);
	json_decref(ranking);
	json_decref(ents);
	json_decref(sig);
	return rc;
}
