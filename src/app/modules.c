/* modules.c: opening and closing the modules held in struct app (store, models). */
#include "app/app.h"
#include "app/api.h"
#include "app/acd.h"
#include "app/live.h"
#include "base/err.h"
#include "base/log.h"
#include "nlu/nlu.h"
#include "store/store.h"

int app_modules_open(struct app *app)
{
	const char *path = app->cfg.db_path ? app->cfg.db_path : "var/tandem.db";
	int rc = store_open(path, &app->store);
	if (rc) {
		log_error("cannot open the database %s: %s", path, tn_strerror(rc));
		return rc;
	}
	rc = store_attach_loop(app->store, &app->loop);
	if (rc) {
		log_error("cannot attach the store to the loop: %s", tn_strerror(rc));
		store_close(app->store);
		app->store = NULL;
		return rc;
	}
	log_info("database %s open (schema version %d)", path, store_schema_version());
	char err[256];
	if ((rc = nlu_model_builtin(&app->nlu, err, sizeof err))) {
		log_error("cannot train the language model: %s", err);
		return rc;
	}
	if ((rc = live_open(app))) {
		log_error("cannot start the live conversation service: %s", tn_strerror(rc));
		return rc;
	}
	if ((rc = acd_open(app))) {
		log_error("cannot start the router: %s", tn_strerror(rc));
		return rc;
	}
	return 0;
}

void app_on_shutdown(struct app *app)
{
	/* No request is in flight any more: finish queued writes and close the database.
	 * The store's async handle is closed with uv_close; app_run runs the loop once more
	 * after this so libuv can release it. */
	api_auth_free(app);
	acd_close(app);
	if (app->store) {
		store_close(app->store);
		app->store = NULL;
	}
	ws_chat_free(app);
	live_close(app);
	nlu_model_free(app->nlu);
	app->nlu = NULL;
	log_info("modules closed");
}
