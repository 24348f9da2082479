/* kb.c: knowledge-base articles and the append-only event log. */
#include "store/internal.h"
#include "base/err.h"
#include <errno.h>
#include <string.h>

static bool valid_tags(const json_t *tags)
{
	if (!tags)
		return true;
	if (!json_is_array(tags) || json_array_size(tags) > 64)
		return false;
	size_t i;
	json_t *t;
	json_array_foreach(tags, i, t)
		if (!json_is_string(t) || json_string_length(t) > 64)
			return false;
	return true;
}

static bool valid_article(const char *title, const char *body, const json_t *tags)
{
	return store__valid_text(title, 300) && store__valid_text(body, 100000) && valid_tags(tags);
}

int store_kb_create(struct store_conn *c, int64_t tenant_id, const char *title,
                    const char *body, const json_t *tags, int64_t now, int64_t *id_out)
{
	if (!valid_article(title, body, tags))
		return -TN_EINVAL_FIELD;
	int err = store__tenant_exists(c, tenant_id);
	if (err)
		return err;
	return store__insertf(c, id_out,
		"INSERT INTO kb_articles (tenant_id, title, body, tags, updated_at)"
		" VALUES (?, ?, ?, COALESCE(?, '[]'), ?)", "ittji", tenant_id, title, body, tags, now);
}

int store_kb_update(struct store_conn *c, int64_t tenant_id, int64_t article_id,
                    const char *title, const char *body, const json_t *tags, int64_t now)
{
	if (!valid_article(title, body, tags))
		return -TN_EINVAL_FIELD;
	return store__changef(c,
		"UPDATE kb_articles SET title = ?, body = ?, tags = COALESCE(?, '[]'), updated_at = ?"
		" WHERE tenant_id = ? AND id = ?", "ttjiii", title, body, tags, now, tenant_id,
		article_id);
}

int store_kb_delete(struct store_conn *c, int64_t tenant_id, int64_t article_id)
{
	return store__changef(c, "DELETE FROM kb_articles WHERE tenant_id = ? AND id = ?", "ii",
	                      tenant_id, article_id);
}

#define KB_COLS "id, title, body, tags, updated_at"

int store_kb_get(struct store_conn *c, int64_t tenant_id, int64_t article_id, json_t **out)
{
	return store__one_jsonf(c, out,
		"SELECT " KB_COLS " FROM kb_articles WHERE tenant_id = ? AND id = ?", "ii", tenant_id,
		article_id);
}

int store_kb_list(struct store_conn *c, int64_t tenant_id, json_t **out)
{
	return store__all_jsonf(c, out,
		"SELECT " KB_COLS " FROM kb_articles WHERE tenant_id = ? ORDER BY id", "i", tenant_id);
}

/* ---- events ---- */

int store_event_append(struct store_conn *c, int64_t tenant_id, int64_t at,
                       const char *kind, int64_t conversation_id, const char *actor,
                       const json_t *data, int64_t *id_out)
{
	if (!store__valid_text(kind, 64) || (actor && strlen(actor) > 128) ||
	    (data && !json_is_object(data)))
		return -TN_EINVAL_FIELD;
	int err;
	if (conversation_id)
		err = store__exists(c, STORE__SQL_CONVERSATION_EXISTS, tenant_id, conversation_id);
	else
		err = store__tenant_exists(c, tenant_id);
	if (err)
		return err;
	return store__insertf(c, id_out,
		"INSERT INTO events (tenant_id, at, kind, conversation_id, actor, data)"
		" VALUES (?, ?, ?, ?, ?, COALESCE(?, '{}'))", "iitItj", tenant_id, at, kind,
		conversation_id, actor, data);
}

int store_event_list(struct store_conn *c, int64_t tenant_id, int64_t after_id, int limit,
                     json_t **out)
{
	return store__page(c, out,
		"SELECT id, at, kind, conversation_id, actor, data FROM events"
		" WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?", tenant_id, after_id, limit);
}
