/* modules.c: opening and closing the modules held in struct app (store, auth, models). */
#include "app/app.h"
#include "base/log.h"

int app_modules_open(struct app *app)
{
	/* The store is opened here (store_open(app->cfg.db_path, &app->store) and
	 * store_attach_loop(app->store, &app->loop)) once it is wired in; models load here
	 * too. Until then the server runs with the slots empty. */
	(void)app;
	return 0;
}

void app_on_shutdown(struct app *app)
{
	/* No request is in flight any more: close what app_modules_open opened, in reverse. */
	(void)app;
	log_info("modules closed");
}
