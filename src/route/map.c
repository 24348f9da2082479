/* map.c: an open-addressing map from positive 64-bit ids to pointers. */
#include "route/internal.h"

#include <errno.h>
#include <stdlib.h>

static size_t slot(int64_t id, size_t cap)
{
	uint64_t z = (uint64_t)id * 0x9e3779b97f4a7c15ull;
	return (size_t)(z ^ (z >> 29)) & (cap - 1);
}

void *route__map_get(const struct rmap *m, int64_t id)
{
	if (!m->cap)
		return NULL;
	for (size_t i = slot(id, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == id)
			return m->vals[i];
		if (m->keys[i] == 0)
			return NULL;
	}
}

static void put_raw(int64_t *keys, void **vals, size_t cap, int64_t id, void *v)
{
	size_t i = slot(id, cap);
	while (keys[i])
		i = (i + 1) & (cap - 1);
	keys[i] = id;
	vals[i] = v;
}

int route__map_put(struct rmap *m, int64_t id, void *v)
{
	if ((m->n + 1) * 4 > m->cap * 3) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		int64_t *keys = calloc(cap, sizeof *keys);
		void **vals = calloc(cap, sizeof *vals);
		if (!keys || !vals) {
			free(keys);
			free(vals);
			return -ENOMEM;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i])
				put_raw(keys, vals, cap, m->keys[i], m->vals[i]);
		free(m->keys);
		free(m->vals);
		m->keys = keys;
		m->vals = vals;
		m->cap = cap;
	}
	put_raw(m->keys, m->vals, m->cap, id, v);
	m->n++;
	return 0;
}

void route__map_del(struct rmap *m, int64_t id)
{
	if (!m->cap)
		return;
	size_t mask = m->cap - 1, i = slot(id, m->cap);
	while (m->keys[i] != id) {
		if (m->keys[i] == 0)
			return;
		i = (i + 1) & mask;
	}
	/* Backward-shift deletion keeps every probe chain unbroken without tombstones. */
	for (size_t j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
		size_t home = slot(m->keys[j], m->cap);
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = 0;
	m->vals[i] = NULL;
	m->n--;
}

void route__map_free(struct rmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->n = 0;
}

void *route__map_iter(const struct rmap *m, size_t *i)
{
	while (*i < m->cap) {
		size_t k = (*i)++;
		if (m->keys[k])
			return m->vals[k];
	}
	return NULL;
}
