/* routes.c: where every module's HTTP and WebSocket routes are registered. */
#include "app/acd.h"
#include "app/api.h"
#include "app/app.h"
#include "app/live.h"

int app_register_routes(struct app *app)
{
	int rc = 0;
	/* One call per module, in the order they should take precedence for logging:
	 *   rc = api_auth_register(app);   if (rc) return rc;
	 *   rc = api_admin_register(app);  if (rc) return rc;
	 * The built-in /healthz, /readyz and /metrics come from the http module. */
	if ((rc = api_auth_register(app)))
		return rc;
	if ((rc = api_admin_register(app)))
		return rc;
	if ((rc = api_conv_register(app)) || (rc = api_appt_register(app)) ||
	    (rc = ws_chat_register(app)))
		return rc;
	if ((rc = ws_agent_register(app)))
		return rc;
	return rc;
}
