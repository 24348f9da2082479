/* routes.c: where every module's HTTP and WebSocket routes are registered. */
#include "app/acd.h"
#include "app/api.h"
#include "app/app.h"
#include "app/live.h"
#include "base/buf.h"
#include "store/store.h"

/* The store's writer on /metrics: jobs, commits, failures and WAL checkpoints. */
static void store_metrics(struct buf *out, void *ctx)
{
	struct app *app = ctx;
	if (!app->store)
		return;
	struct store_stats st;
	store_stats_get(app->store, &st);
	buf_printf(out,
		   "# HELP tandem_store_jobs_total Write jobs run by the store's writer.\n"
		   "# TYPE tandem_store_jobs_total counter\n"
		   "tandem_store_jobs_total %llu\n"
		   "# HELP tandem_store_commits_total Commits (each one a batch of jobs).\n"
		   "# TYPE tandem_store_commits_total counter\n"
		   "tandem_store_commits_total %llu\n"
		   "# HELP tandem_store_failed_total Write jobs that failed.\n"
		   "# TYPE tandem_store_failed_total counter\n"
		   "tandem_store_failed_total %llu\n"
		   "# HELP tandem_store_checkpoints_total WAL checkpoints run beside the writer.\n"
		   "# TYPE tandem_store_checkpoints_total counter\n"
		   "tandem_store_checkpoints_total %llu\n",
		   (unsigned long long)st.jobs, (unsigned long long)st.batches,
		   (unsigned long long)st.failed, (unsigned long long)st.checkpoints);
}

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
	return http_metrics_hook(app->http, store_metrics, app);
}
