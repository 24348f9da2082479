/* app.h: the composition root: the loop, the HTTP server, the modules' slots, start-up
 * and graceful shutdown of 'tandem serve'. */
#ifndef TANDEM_APP_APP_H
#define TANDEM_APP_APP_H
#include "http/http.h"
#include <stdbool.h>
#include <uv.h>

struct store;

struct nlu_model;

/* What 'tandem serve' was asked to do. Strings are borrowed (argv/environment). */
struct app_config {
	struct http_config http;   /* host, port, limits, web root, access log */
	const char *db_path;       /* the database file or URL; NULL for the default */
	bool ws_echo;              /* register /ws/echo (tests and benchmarks only) */
};

/* Fills cfg with defaults: http_config_default(), db "var/tandem.db", no echo. */
void app_config_default(struct app_config *cfg);

/* The running application. Modules are wired in app_modules_open (modules.c) and
 * their routes in app_register_routes (routes.c); both are the places to extend. */
struct app {
	uv_loop_t loop;
	struct app_config cfg;
	struct http_server *http;
	uv_signal_t sigint, sigterm;
	uv_timer_t force_timer;     /* a second signal or a stuck shutdown exits */
	bool stopping;
	int exit_code;

	/* Slots filled by the modules (NULL until wired). */
	struct store *store;        /* opened in app_modules_open, closed in app_on_shutdown */
	void *auth;                 /* the auth context (sessions, rate limits) */
	struct nlu_model *nlu;      /* the trained language model */
	void *ext[8];               /* spare slots for modules not yet named here */
	struct live *live;          /* the live conversation service (live.h) */
	struct live_facts_cache *facts;  /* tenant facts cached for turns (live.h) */
	void *ws_chat;              /* the /ws/chat endpoint's state (ws_chat.c) */
};

/* Runs the server until SIGINT/SIGTERM: builds the loop, calls app_modules_open, creates
 * the HTTP server, calls app_register_routes, listens (logging one line with the bound
 * port: {"msg":"listening on http://HOST:PORT", "port":PORT}), marks itself ready, then
 * on a signal shuts down gracefully (stop accepting, finish in-flight requests, close
 * WebSockets with 1001) and calls app_on_shutdown. Returns the process exit status:
 * 0 after a clean shutdown, 1 when start-up failed. */
int app_run(const struct app_config *cfg);

/* Opens the modules (store, auth, models) into app's slots before the server starts.
 * 0 or a negative errno (start-up fails with a log line). Defined in modules.c. */
int app_modules_open(struct app *app);

/* Registers every HTTP and WebSocket route on app->http. Each module's routes are
 * added here, one call per file (api_*.c). 0 or a negative errno. Defined in routes.c. */
int app_register_routes(struct app *app);

/* Called once after the HTTP server has stopped (no request in flight): close the store
 * cleanly and release the modules. Defined in modules.c. */
void app_on_shutdown(struct app *app);

#endif
