/* tree.c: an order-statistics treap with parent pointers, used for every index. */
#include "route/internal.h"

#include <stddef.h>

int route__key_cmp(const struct rkey *x, const struct rkey *y)
{
	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	if (x->b != y->b)
		return x->b < y->b ? -1 : 1;
	if (x->c != y->c)
		return x->c < y->c ? -1 : 1;
	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return 0;
}

/* The heap priority only shapes the tree, never the order, so a hash of the node's
 * address is random enough and keeps the router free of generator state. */
static uint32_t node_prio(const struct rnode *n)
{
	uint64_t z = (uint64_t)(uintptr_t)n + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)(z ^ (z >> 31));
}

static uint32_t sz(const struct rnode *n)
{
	return n ? n->size : 0;
}

static void update(struct rnode *n)
{
	n->size = 1 + sz(n->l) + sz(n->r);
}

/* Rotates x above its parent. */
static void rotate_up(struct rnode **root, struct rnode *x)
{
	struct rnode *p = x->p, *g = p->p;
	if (p->l == x) {
		p->l = x->r;
		if (x->r)
			x->r->p = p;
		x->r = p;
	} else {
		p->r = x->l;
		if (x->l)
			x->l->p = p;
		x->l = p;
	}
	p->p = x;
	x->p = g;
	if (!g)
		*root = x;
	else if (g->l == p)
		g->l = x;
	else
		g->r = x;
	update(p);
	update(x);
}

void route__tree_insert(struct rnode **root, struct rnode *n)
{
	struct rnode *p = NULL, **link = root;
	n->l = n->r = NULL;
	n->size = 1;
	n->prio = node_prio(n);
	while (*link) {
		p = *link;
		p->size++;
		link = route__key_cmp(&n->key, &p->key) < 0 ? &p->l : &p->r;
	}
	*link = n;
	n->p = p;
	while (n->p && n->p->prio < n->prio)
		rotate_up(root, n);
}

void route__tree_remove(struct rnode **root, struct rnode *n)
{
	while (n->l && n->r)
		rotate_up(root, n->l->prio > n->r->prio ? n->l : n->r);
	struct rnode *c = n->l ? n->l : n->r, *p = n->p;
	if (c)
		c->p = p;
	if (!p)
		*root = c;
	else if (p->l == n)
		p->l = c;
	else
		p->r = c;
	for (; p; p = p->p)
		p->size--;
	n->l = n->r = n->p = NULL;
	n->size = 0;
}

struct rnode *route__tree_first(struct rnode *root)
{
	if (!root)
		return NULL;
	while (root->l)
		root = root->l;
	return root;
}

struct rnode *route__tree_next(struct rnode *n)
{
	if (n->r) {
		n = n->r;
		while (n->l)
			n = n->l;
		return n;
	}
	while (n->p && n->p->r == n)
		n = n->p;
	return n->p;
}

size_t route__tree_rank(const struct rnode *n)
{
	size_t r = sz(n->l);
	for (; n->p; n = n->p)
		if (n->p->r == n)
			r += sz(n->p->l) + 1;
	return r;
}
