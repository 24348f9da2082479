/* cmd_nlu.c: 'tandem nlu train|eval|predict': train, evaluate and run the NLU model. */
#include "app/cli.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/jsonx.h"
#include "base/str.h"
#include "base/tz.h"
#include "nlu/nlu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DATA_FILES 16

/* ---------------------------------------------------------------- option parsing */

enum opt_kind { OPT_FLAG, OPT_VALUE, OPT_MULTI };

/* One command-line option; values land in the caller's storage. */
struct opt {
	const char *name;
	enum opt_kind kind;
	const char **value;  /* OPT_VALUE: last value; OPT_MULTI: array of MAX_DATA_FILES */
	size_t *count;       /* OPT_MULTI: number of values */
	bool *flag;          /* OPT_FLAG */
};

/* Parses argv[1..] against opts; bare words go to positional (at most npos).
 * Returns 0, 1 for --help, or 2 after printing a one-line reason. */
static int parse_opts(const char *cmd, int argc, char **argv, const struct opt *opts,
		      const char **positional, size_t npos, size_t *got)
{
	*got = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return 1;
		if (strncmp(a, "--", 2) || !a[2]) {
			if (*got >= npos) {
				fprintf(stderr, "tandem nlu %s: unexpected argument '%s'\n", cmd, a);
				return 2;
			}
			positional[(*got)++] = a;
			continue;
		}
		const struct opt *o = opts;
		while (o->name && strcmp(o->name, a + 2))
			o++;
		if (!o->name) {
			fprintf(stderr, "tandem nlu %s: unknown option '%s' (see --help)\n", cmd, a);
			return 2;
		}
		if (o->kind == OPT_FLAG) {
			*o->flag = true;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "tandem nlu %s: %s needs a value\n", cmd, a);
			return 2;
		}
		const char *v = argv[++i];
		if (o->kind == OPT_VALUE) {
			*o->value = v;
		} else {
			if (*o->count >= MAX_DATA_FILES) {
				fprintf(stderr, "tandem nlu %s: at most %d %s options\n", cmd,
					MAX_DATA_FILES, a);
				return 2;
			}
			o->value[(*o->count)++] = v;
		}
	}
	return 0;
}

/* Loads the model at path, or trains the built-in one when path is NULL. */
static int get_model(const char *cmd, const char *path, struct nlu_model **m)
{
	char err[512];
	int rc = path ? nlu_model_load(path, m, err, sizeof err)
		      : nlu_model_builtin(m, err, sizeof err);
	if (rc)
		fprintf(stderr, "tandem nlu %s: %s\n", cmd, err);
	return rc;
}

static int load_data(const char *cmd, const char **files, size_t n, struct nlu_dataset *ds)
{
	char err[512];
	for (size_t i = 0; i < n; i++) {
		if (nlu_dataset_load(ds, files[i], err, sizeof err)) {
			fprintf(stderr, "tandem nlu %s: %s\n", cmd, err);
			return -1;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- train */

static const char train_help[] =
	"usage: tandem nlu train --data FILE [--data FILE...] --out MODEL [--epochs N] [--seed N]\n"
	"                        [--oos-label LABEL]\n\n"
	"Trains an intent classifier on JSON Lines files ({\"text\":...,\"intent\":...} a line;\n"
	"any label set) and writes the model file. When the data has the out-of-scope label\n"
	"(default out_of_scope) a confidence threshold is calibrated on a validation split.\n";

static int nlu_train_cmd(int argc, char **argv)
{
	const char *files[MAX_DATA_FILES], *out = NULL, *epochs = NULL, *seed = NULL,
						     *oos = NULL;
	size_t nfiles = 0, npos;
	const struct opt opts[] = {
		{"data", OPT_MULTI, files, &nfiles, NULL},
		{"out", OPT_VALUE, &out, NULL, NULL},
		{"epochs", OPT_VALUE, &epochs, NULL, NULL},
		{"seed", OPT_VALUE, &seed, NULL, NULL},
		{"oos-label", OPT_VALUE, &oos, NULL, NULL},
		{NULL, 0, NULL, NULL, NULL},
	};
	int rc = parse_opts("train", argc, argv, opts, NULL, 0, &npos);
	if (rc == 1) {
		fputs(train_help, stdout);
		return 0;
	}
	if (rc)
		return rc;
	if (!nfiles || !out) {
		fprintf(stderr, "tandem nlu train: needs --data FILE and --out MODEL\n");
		return 2;
	}
	struct nlu_train_opts o;
	nlu_train_opts_default(&o);
	int64_t v;
	if (epochs) {
		if (str_to_i64(epochs, 1, 1000, &v)) {
			fprintf(stderr, "tandem nlu train: --epochs must be 1..1000\n");
			return 2;
		}
		o.epochs = (uint32_t)v;
	}
	if (seed) {
		if (str_to_i64(seed, 0, INT64_MAX, &v)) {
			fprintf(stderr, "tandem nlu train: --seed must be a non-negative integer\n");
			return 2;
		}
		o.seed = (uint64_t)v;
	}
	if (oos)
		o.oos_label = oos;

	struct nlu_dataset ds = NLU_DATASET_INIT;
	struct nlu_model *m = NULL;
	char err[512];
	rc = 1;
	if (load_data("train", files, nfiles, &ds))
		goto out;
	uint64_t t0 = clock_mono_ns();
	if (nlu_train(&ds, &o, &m, err, sizeof err)) {
		fprintf(stderr, "tandem nlu train: %s\n", err);
		goto out;
	}
	double ms = (double)(clock_mono_ns() - t0) / 1e6;
	if (nlu_model_save(m, out, err, sizeof err)) {
		fprintf(stderr, "tandem nlu train: %s\n", err);
		goto out;
	}
	printf("trained on %zu examples, %zu labels, in %.1f ms; out-of-scope threshold %.2f; "
	       "wrote %s\n",
	       ds.n, nlu_model_label_count(m), ms, (double)nlu_model_threshold(m), out);
	rc = 0;
out:
	nlu_model_free(m);
	nlu_dataset_free(&ds);
	return rc;
}

/* ---------------------------------------------------------------- eval */

static const char eval_help[] =
	"usage: tandem nlu eval [--model MODEL] --data FILE [--oos-label LABEL] [--json]\n\n"
	"Evaluates a model (the built-in one without --model) on labelled JSON Lines data:\n"
	"accuracy, macro-F1, per-intent precision/recall/F1, the most confused pairs,\n"
	"out-of-scope recall and precision, and examples per second.\n";

/* Index of label s in names (n of them), added when absent. */
static size_t label_index(const char **names, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(names[i], s))
			return i;
	names[*n] = s;
	return (*n)++;
}

struct pair {
	size_t gold, pred, count;
};

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->gold != y->gold)
		return x->gold < y->gold ? -1 : 1;
	return (x->pred > y->pred) - (x->pred < y->pred);
}

static double f1(double p, double r)
{
	return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

static int nlu_eval_cmd(int argc, char **argv)
{
	const char *files[MAX_DATA_FILES], *model = NULL, *oos = NULL;
	size_t nfiles = 0, npos;
	bool json = false;
	const struct opt opts[] = {
		{"data", OPT_MULTI, files, &nfiles, NULL},
		{"model", OPT_VALUE, &model, NULL, NULL},
		{"oos-label", OPT_VALUE, &oos, NULL, NULL},
		{"json", OPT_FLAG, NULL, NULL, &json},
		{NULL, 0, NULL, NULL, NULL},
	};
	int rc = parse_opts("eval", argc, argv, opts, NULL, 0, &npos);
	if (rc == 1) {
		fputs(eval_help, stdout);
		return 0;
	}
	if (rc)
		return rc;
	if (!nfiles) {
		fprintf(stderr, "tandem nlu eval: needs --data FILE\n");
		return 2;
	}
	struct nlu_dataset ds = NLU_DATASET_INIT;
	struct nlu_model *m = NULL;
	const char **names = NULL, **pred = NULL;
	size_t *conf = NULL;
	struct pair *pairs = NULL;
	rc = 1;
	if (load_data("eval", files, nfiles, &ds) || get_model("eval", model, &m))
		goto out;
	if (!ds.n) {
		fprintf(stderr, "tandem nlu eval: no examples in the data\n");
		goto out;
	}
	struct nlu_classify_opts co = {.threshold = -1, .oos_label = oos};
	if (!oos)
		oos = nlu_model_oos_label(m) ? nlu_model_oos_label(m) : "out_of_scope";
	pred = malloc(ds.n * sizeof *pred);
	if (!pred)
		goto oom;
	/* Classify everything first, timed on its own. */
	uint64_t t0 = clock_mono_ns();
	for (size_t i = 0; i < ds.n; i++) {
		struct nlu_prediction p;
		if (nlu_classify(m, ds.ex[i].text, strlen(ds.ex[i].text), &co, &p)) {
			fprintf(stderr, "tandem nlu eval: example %zu cannot be classified\n", i + 1);
			goto out;
		}
		pred[i] = p.intent;
	}
	double secs = (double)(clock_mono_ns() - t0) / 1e9;
	double eps = secs > 0 ? (double)ds.n / secs : 0;

	/* Labels: the model's, then any new ones from the data and the options. */
	size_t nl = 0, cap = nlu_model_label_count(m) + ds.n + 1;
	names = malloc(cap * sizeof *names);
	if (!names)
		goto oom;
	for (size_t i = 0; i < nlu_model_label_count(m); i++)
		label_index(names, &nl, nlu_model_label(m, i));
	size_t oos_i = label_index(names, &nl, oos);
	size_t *gold_i = malloc(ds.n * 2 * sizeof *gold_i);
	if (!gold_i)
		goto oom;
	size_t *pred_i = gold_i + ds.n;
	for (size_t i = 0; i < ds.n; i++) {
		gold_i[i] = label_index(names, &nl, ds.ex[i].label);
		pred_i[i] = label_index(names, &nl, pred[i]);
	}
	conf = calloc(nl * nl, sizeof *conf);
	if (!conf) {
		free(gold_i);
		goto oom;
	}
	size_t correct = 0;
	for (size_t i = 0; i < ds.n; i++) {
		conf[gold_i[i] * nl + pred_i[i]]++;
		correct += gold_i[i] == pred_i[i];
	}
	free(gold_i);

	json_t *per = json_object();
	double f1sum = 0;
	size_t f1n = 0;
	struct buf text = BUF_INIT;
	buf_printf(&text, "%-22s %9s %9s %9s %8s\n", "intent", "precision", "recall", "f1",
		   "support");
	double oos_p = 0, oos_r = 0;
	for (size_t l = 0; l < nl; l++) {
		size_t tp = conf[l * nl + l], gold = 0, predicted = 0;
		for (size_t k = 0; k < nl; k++) {
			gold += conf[l * nl + k];
			predicted += conf[k * nl + l];
		}
		if (!gold && !predicted)
			continue;
		double p = predicted ? (double)tp / (double)predicted : 0;
		double r = gold ? (double)tp / (double)gold : 0;
		if (l == oos_i) {
			oos_p = p;
			oos_r = r;
		}
		if (gold) {  /* macro-F1 over the labels present in the data */
			f1sum += f1(p, r);
			f1n++;
		}
		json_object_set_new(per, names[l],
				    json_pack("{s:f, s:f, s:f, s:I}", "precision", p, "recall", r,
					      "f1", f1(p, r), "support", (json_int_t)gold));
		buf_printf(&text, "%-22s %9.3f %9.3f %9.3f %8zu\n", names[l], p, r, f1(p, r),
			   gold);
	}
	double acc = (double)correct / (double)ds.n, macro = f1n ? f1sum / (double)f1n : 0;

	/* The most confused pairs. */
	size_t np = 0;
	pairs = malloc((nl ? nl * nl : 1) * sizeof *pairs);
	if (!pairs) {
		json_decref(per);
		buf_free(&text);
		goto oom;
	}
	for (size_t g = 0; g < nl; g++)
		for (size_t q = 0; q < nl; q++)
			if (g != q && conf[g * nl + q])
				pairs[np++] = (struct pair){g, q, conf[g * nl + q]};
	qsort(pairs, np, sizeof *pairs, cmp_pair);
	if (np > 10)
		np = 10;
	json_t *confused = json_array();
	for (size_t i = 0; i < np; i++)
		json_array_append_new(confused, json_pack("{s:s, s:s, s:I}", "intent",
							  names[pairs[i].gold], "predicted",
							  names[pairs[i].pred],
							  "count",
							  (json_int_t)pairs[i].count));
	if (json) {
		json_t *o = json_pack("{s:I, s:f, s:f, s:f, s:f, s:o, s:o, s:f, s:s}", "examples",
				      (json_int_t)ds.n, "accuracy", acc, "macro_f1", macro,
				      "oos_recall", oos_r, "oos_precision", oos_p, "per_intent",
				      per, "confused", confused, "examples_per_sec", eps,
				      "oos_label", oos);
		char *line = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
		if (line)
			printf("%s\n", line);
		free(line);
		json_decref(o);
	} else {
		printf("%s", text.data);
		printf("\nmost confused (intent -> predicted: count)\n");
		for (size_t i = 0; i < np; i++)
			printf("  %s -> %s: %zu\n", names[pairs[i].gold], names[pairs[i].pred],
			       pairs[i].count);
		if (!np)
			printf("  (none)\n");
		printf("\nexamples %zu\naccuracy %.4f\nmacro_f1 %.4f\noos_recall %.4f\n"
		       "oos_precision %.4f\nexamples_per_sec %.0f\n",
		       ds.n, acc, macro, oos_r, oos_p, eps);
		json_decref(per);
		json_decref(confused);
	}
	buf_free(&text);
	rc = 0;
	goto out;
oom:
	fprintf(stderr, "tandem nlu eval: out of memory\n");
out:
	free(pairs);
	free(conf);
	free(names);
	free(pred);
	nlu_model_free(m);
	nlu_dataset_free(&ds);
	return rc;
}

/* ---------------------------------------------------------------- predict */

static const char predict_help[] =
	"usage: tandem nlu predict [--model MODEL] [--now ISO8601] [--tz ZONE] [TEXT | -]\n\n"
	"Analyses TEXT (or each line of standard input with '-' or no TEXT) and prints one\n"
	"JSON object a line: intent, confidence, ranking, entities, sentiment, frustration,\n"
	"urgency, human_request and evidence. Dates are resolved against --now (default:\n"
	"the current time) in --tz (default UTC). Without --model the built-in model is used.\n";

static int predict_one(const struct nlu_model *m, const char *text, size_t len, int64_t now,
		       const struct tz *zone)
{
	struct nlu_result r;
	json_t *o = NULL;
	int rc = nlu_analyze(m, text, len, now, zone, &r);
	if (rc) {
		fprintf(stderr, "tandem nlu predict: %s\n",
			rc == -TN_EPARSE ? "input is not valid UTF-8"
			: rc == -TN_ELIMIT ? "input line is too long"
					   : tn_strerror(rc));
		return rc;
	}
	if ((rc = nlu_result_to_json(&r, zone, &o)))
		goto out;
	json_t *t = json_stringn(text, len);
	/* Ten significant digits: 0.9179 prints as 0.9179, not 0.91790000000000005. */
	char *line = NULL;
	if (!t || json_object_set_new(o, "text", t) ||
	    !(line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10)))) {
		rc = -ENOMEM;
		goto out;
	}
	printf("%s\n", line);
	free(line);
out:
	if (rc && rc != -TN_EPARSE)
		fprintf(stderr, "tandem nlu predict: %s\n", tn_strerror(rc));
	json_decref(o);
	return rc;
}

static int nlu_predict_cmd(int argc, char **argv)
{
	const char *model = NULL, *now_s = NULL, *zone_s = NULL, *pos[1];
	size_t npos;
	const struct opt opts[] = {
		{"model", OPT_VALUE, &model, NULL, NULL},
		{"now", OPT_VALUE, &now_s, NULL, NULL},
		{"tz", OPT_VALUE, &zone_s, NULL, NULL},
		{NULL, 0, NULL, NULL, NULL},
	};
	int rc = parse_opts("predict", argc, argv, opts, pos, 1, &npos);
	if (rc == 1) {
		fputs(predict_help, stdout);
		return 0;
	}
	if (rc)
		return rc;
	const struct tz *zone = NULL;
	if (tz_get(zone_s ? zone_s : "UTC", &zone)) {
		fprintf(stderr, "tandem nlu predict: unknown time zone '%s'\n", zone_s);
		return 2;
	}
	int64_t now = clock_now(NULL);
	if (now_s && tz_parse_iso(now_s, zone, &now)) {
		fprintf(stderr, "tandem nlu predict: --now must be ISO 8601, e.g. "
				"2026-07-14T09:30:00-04:00\n");
		return 2;
	}
	struct nlu_model *m = NULL;
	if (get_model("predict", model, &m))
		return 1;
	rc = 0;
	if (npos && strcmp(pos[0], "-")) {
		rc = predict_one(m, pos[0], strlen(pos[0]), now, zone) ? 1 : 0;
	} else {
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		while ((n = getline(&line, &cap, stdin)) >= 0) {
			while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				n--;
			if (predict_one(m, line, (size_t)n, now, zone))
				rc = 1;  /* a bad line is reported; the others still go through */
			fflush(stdout);
		}
		free(line);
	}
	nlu_model_free(m);
	return rc;
}

/* ---------------------------------------------------------------- dispatch */

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{"train", nlu_train_cmd, "train a model from labelled JSON Lines files"},
	{"eval", nlu_eval_cmd, "measure a model on labelled data"},
	{"predict", nlu_predict_cmd, "analyse text: intent, entities and signals as JSON"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tandem nlu COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		fprintf(f, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(f, "\n'tandem nlu COMMAND --help' describes a command.\n");
}

int cmd_nlu(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "tandem nlu: missing command (train, eval or predict)\n");
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "tandem nlu: unknown command '%s' (train, eval or predict)\n", argv[1]);
	return 2;
}
