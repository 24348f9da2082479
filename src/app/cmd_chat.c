/* cmd_chat.c: 'tandem chat': a terminal conversation with the AI, stored like any other. */
#include "app/cli.h"
#include "app/dialog_glue.h"
#include "base/err.h"
#include "base/jsonx.h"
#include "base/str.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int chat_create(struct store_conn *c, void *arg)
{
	int64_t *ids = arg; /* [tenant, conversation out] */
	return store_conversation_create(c, ids[0], 0, "chat", (int64_t)time(NULL), &ids[1]);
}

int cmd_chat(int argc, char **argv)
{
	const char *db = "tandem.db", *slug = "demo";
	bool show = false;
	int64_t resume = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: tandem chat [--db PATH] [--tenant SLUG] [--show-nlu] [--conversation ID]\n\n"
			       "Talks to the AI of business SLUG (default demo) in database PATH\n"
			       "(default tandem.db; create it with 'tandem init --demo'). Each line you\n"
			       "type is a customer message; --show-nlu prints the intent, confidence,\n"
			       "signals and escalation decision of each turn. --conversation ID\n"
			       "continues a stored conversation where it stopped. End with Ctrl-D.\n");
			return 0;
		} else if (!strcmp(argv[i], "--show-nlu")) {
			show = true;
		} else if (i + 1 < argc && !strcmp(argv[i], "--db")) {
			db = argv[++i];
		} else if (i + 1 < argc && !strcmp(argv[i], "--conversation")) {
			if (str_to_i64(argv[++i], 1, INT64_MAX, &resume)) {
				fprintf(stderr, "tandem chat: --conversation needs a conversation id\n");
				return 2;
			}
		} else if (i + 1 < argc && !strcmp(argv[i], "--tenant")) {
			slug = argv[++i];
		} else {
			fprintf(stderr, "tandem chat: unexpected argument '%s' (see --help)\n", argv[i]);
			return 2;
		}
	}
	struct store *st;
	json_t *tenant = NULL;
	int rc = store_open(db, &st);
	if (rc) {
		fprintf(stderr, "tandem chat: cannot open %s: %s\n", db, tn_strerror(rc));
		return 1;
	}
	if (store_tenant_get_by_slug(store_reader(st), slug, &tenant)) {
		fprintf(stderr, "tandem chat: no business '%s' in %s (try 'tandem init --demo')\n", slug, db);
		store_close(st);
		return 1;
	}
	int64_t ids[2] = {json_integer_value(json_object_get(tenant, "id")), 0};
	json_decref(tenant);
	char err[256];
	struct nlu_model *m = NULL;
	json_t *conv = NULL;
	err[0] = '\0';
	if (resume) {
		ids[1] = resume;
		if (store_conversation_get(store_reader(st), ids[0], resume, &conv))
			snprintf(err, sizeof err, "no conversation %lld for '%s'", (long long)resume, slug);
		json_decref(conv);
	}
	if (err[0] || nlu_model_builtin(&m, err, sizeof err) ||
	    (!resume && store_write_sync(st, chat_create, ids))) {
		fprintf(stderr, "tandem chat: cannot start: %s\n", err);
		nlu_model_free(m);
		store_close(st);
		return 1;
	}
	printf("Conversation %lld. Type a message (Ctrl-D to end).\n", (long long)ids[1]);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int status = 0;
	while (printf("you> "), fflush(stdout), (n = getline(&line, &cap, stdin)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n)
			continue;
		struct dialog_out o;
		dialog_out_init(&o);
		rc = dialog_session_turn(st, m, ids[0], ids[1], line, (int64_t)time(NULL), 1, &o, NULL);
		if (rc) {
			fprintf(stderr, "tandem chat: %s\n", tn_strerror(rc));
			status = 1;
			dialog_out_free(&o);
			break;
		}
		printf(" ai> %s\n", o.reply.data ? o.reply.data : "");
		if (show) {
			char reasons[160];
			dialog_reasons_format(o.escalation.reasons, reasons, sizeof reasons);
			printf("     [%s %.2f, urgency %d, frustration %.2f%s%s]\n", o.nlu.intent.intent,
			       o.nlu.intent.confidence, o.nlu.signals.urgency, o.nlu.signals.frustration,
			       o.escalation.escalate ? ", escalate: " : "", reasons);
		}
		dialog_out_free(&o);
	}
	free(line);
	nlu_model_free(m);
	store_close(st);
	return status;
}
