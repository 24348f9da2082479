/* cmd_serve.c: 'tandem serve': parses options and environment, then runs the app. */
#include "app/app.h"
#include "app/cli.h"
#include "base/str.h"
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum opt_kind { OPT_STR, OPT_PORT, OPT_SIZE, OPT_MS, OPT_UINT, OPT_FLAG_OFF };

struct serve_opt {
	const char *name;
	enum opt_kind kind;
	size_t offset;   /* into struct app_config */
	const char *help;
};

#define HTTP_FIELD(f) (offsetof(struct app_config, http) + offsetof(struct http_config, f))

static const struct serve_opt opts[] = {
	{"--port", OPT_PORT, HTTP_FIELD(port), "TCP port (0 picks a free one; env TANDEM_PORT)"},
	{"--host", OPT_STR, HTTP_FIELD(host), "address to bind (default 127.0.0.1)"},
	{"--db", OPT_STR, offsetof(struct app_config, db_path), "database path (env TANDEM_DB)"},
	{"--web-root", OPT_STR, HTTP_FIELD(web_root), "static files directory (env TANDEM_WEB_ROOT)"},
	{"--max-body", OPT_SIZE, HTTP_FIELD(max_body_bytes), "largest request body in bytes"},
	{"--max-header", OPT_SIZE, HTTP_FIELD(max_header_bytes), "largest request head in bytes"},
	{"--max-ws-message", OPT_SIZE, HTTP_FIELD(max_ws_message), "largest WebSocket message"},
	{"--max-output", OPT_SIZE, HTTP_FIELD(max_output_bytes), "unsent output per connection"},
	{"--max-connections", OPT_UINT, HTTP_FIELD(max_connections), "open connections allowed"},
	{"--header-timeout-ms", OPT_MS, HTTP_FIELD(header_timeout_ms), "time to send the head"},
	{"--read-timeout-ms", OPT_MS, HTTP_FIELD(read_timeout_ms), "longest pause in a body"},
	{"--keepalive-ms", OPT_MS, HTTP_FIELD(keepalive_timeout_ms), "idle keep-alive time"},
	{"--ws-ping-ms", OPT_MS, HTTP_FIELD(ws_ping_interval_ms), "WebSocket ping interval (0 = off)"},
	{"--ws-ping-timeout-ms", OPT_MS, HTTP_FIELD(ws_ping_timeout_ms), "time to answer a ping"},
	{"--shutdown-timeout-ms", OPT_MS, HTTP_FIELD(shutdown_timeout_ms), "graceful shutdown limit"},
	{"--no-access-log", OPT_FLAG_OFF, HTTP_FIELD(access_log), "do not log each request"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tandem serve [OPTIONS]\n\nRuns the HTTP and WebSocket server until "
		   "SIGINT or SIGTERM, then shuts down gracefully.\n\noptions:\n");
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		fprintf(f, "  %-24s %s\n", opts[i].name,
			opts[i].help);
	fprintf(f, "  %-24s %s\n", "--help", "show this help");
}

/* Applies one option's value. 0, or -1 after printing the reason. */
static int apply(struct app_config *cfg, const struct serve_opt *o, const char *val)
{
	char *field = (char *)cfg + o->offset;
	int64_t v;
	switch (o->kind) {
	case OPT_STR:
		if (!*val)
			goto bad;
		*(const char **)field = val;
		return 0;
	case OPT_PORT:
		if (str_to_i64(val, 0, 65535, &v))
			goto bad;
		*(int *)field = (int)v;
		return 0;
	case OPT_SIZE:
		if (str_to_i64(val, 1, (int64_t)1 << 40, &v))
			goto bad;
		*(size_t *)field = (size_t)v;
		return 0;
	case OPT_MS:
	case OPT_UINT:
		if (str_to_i64(val, 0, UINT_MAX, &v))
			goto bad;
		*(unsigned *)field = (unsigned)v;
		return 0;
	case OPT_FLAG_OFF:
		*(bool *)field = false;
		return 0;
	}
bad:
	fprintf(stderr, "tandem serve: bad value '%s' for %s\n", val, o->name);
	return -1;
}

int cmd_serve(int argc, char **argv)
{
	struct app_config cfg;
	app_config_default(&cfg);
	const char *env = getenv("TANDEM_PORT");
	if (env && *env && apply(&cfg, &opts[0], env))
		return 2;
	env = getenv("TANDEM_DB");
	if (env && *env)
		cfg.db_path = env;
	env = getenv("TANDEM_WEB_ROOT");
	if (env && *env)
		cfg.http.web_root = env;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			return 0;
		}
		const struct serve_opt *o = NULL;
		const char *val = NULL;
		for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
			size_t n = strlen(opts[k].name);
			if (!strncmp(arg, opts[k].name, n) && (arg[n] == '\0' || arg[n] == '=')) {
				o = &opts[k];
				val = arg[n] == '=' ? arg + n + 1 : NULL;
				break;
			}
		}
		if (!o) {
			fprintf(stderr, "tandem serve: unknown option '%s' (see --help)\n", arg);
			return 2;
		}
		if (o->kind == OPT_FLAG_OFF) {
			if (val) {
				fprintf(stderr, "tandem serve: %s takes no value\n", o->name);
				return 2;
			}
		} else if (!val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "tandem serve: %s needs a value\n", o->name);
				return 2;
			}
			val = argv[++i];
		}
		if (apply(&cfg, o, val ? val : ""))
			return 2;
	}
	return app_run(&cfg);
}
