/* api_common.c: small pieces every REST handler family shares (administration,
 * conversations, appointments): checking a document's keys against the known ones,
 * answering a read or a listing, and starting a validated write whose answer follows
 * its commit. */
#include "app/api.h"
#include "base/err.h"
#include "http/http.h"
#include "store/store.h"
#include <string.h>

int api_require_item(struct app *app, struct http_request *req, enum auth_perm perm,
		     struct auth_principal *p, int64_t *id)
{
	int rc = api_require(app, req, perm, p);
	return rc ? rc : api_param_id(req, "id", id);
}

bool api_in_set(const char *s, const char *const *set)
{
	for (size_t i = 0; s && set[i]; i++)
		if (!strcmp(s, set[i]))
			return true;
	return false;
}

const char *api_unknown_key(const json_t *o, const char *const *keys)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v)
		if (!api_in_set(k, keys))
			return k;
	return NULL;
}

int api_respond_read(struct http_request *req, int rc, json_t *v)
{
	if (rc)
		api_respond_code(req, rc, NULL);
	else
		http_respond_json(req, 200, v);
	json_decref(v);
	return 0;
}

int api_respond_rows(struct http_request *req, struct store_stmt *st, const char *key,
		     api_shape_fn *shape, const void *ctx)
{
	json_t *arr = json_array();
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		json_t *row = store_row_json(st);
		json_array_append_new(arr, shape ? shape(row, ctx) : row);
	}
	store_stmt_finish(st);
	if (rc < 0) {
		json_decref(arr);
		return api_respond_read(req, rc, NULL);
	}
	return api_respond_read(req, 0, json_pack("{s:o}", key, arr));
}

int api_write_start(struct app *app, struct http_request *req, const struct auth_principal *p,
		    const struct api_write *w, int64_t id)
{
	json_t *in = NULL;
	if (w->parse && !(in = api_body_json(req)))
		return -TN_EINVAL_FIELD;
	struct api_op *op = api_op_new(app, req, p, w->run, w->status);
	if (!op) {
		json_decref(in);
		return -ENOMEM;
	}
	op->in = in;
	op->id = id;
	if (w->parse) {
		struct api_verr e = {{0}};
		int rc = w->parse(op, &e);
		if (rc) {
			api_respond_code(req, rc, e.msg);
			api_op_free(op);
			return rc;
		}
	}
	return w->submit ? w->submit(op) : api_op_submit(op);
}
