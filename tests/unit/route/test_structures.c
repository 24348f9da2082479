/* test_structures.c: the order-statistics tree and the id map under random inserts and
 * deletes, checked against plain arrays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "route/internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

#define N 4000

static void tree_matches_sorted_array(void **state)
{
	struct rnode *nodes = calloc(N, sizeof *nodes);
	assert_non_null(nodes);
	struct rnode *root = NULL;
	bool in[N] = {false};
	for (int step = 0; step < 40000; step++) {
		int i = (int)(rnd() % N);
		if (in[i]) {
			route__tree_remove(&root, &nodes[i]);
			assert_false(route__tree_linked(&nodes[i]));
			in[i] = false;
		} else {
			/* many equal first fields: order must fall through to the later ones */
			nodes[i].key = (struct rkey){rnd() % 7, rnd() % 50, i, 0};
			route__tree_insert(&root, &nodes[i]);
			in[i] = true;
		}
		if (step % 4000 != 0)
			continue;
		/* in-order walk is sorted, sizes and ranks agree */
		size_t count = 0;
		struct rnode *prev = NULL;
		for (struct rnode *x = route__tree_first(root); x; x = route__tree_next(x)) {
			if (prev)
				assert_true(route__key_cmp(&prev->key, &x->key) < 0);
			assert_int_equal(route__tree_rank(x), count);
			assert_int_equal(x->size, 1 + (x->l ? x->l->size : 0) + (x->r ? x->r->size : 0));
			if (x->p)
				assert_true(x->p->l == x || x->p->r == x);
			prev = x;
			count++;
		}
		size_t want = 0;
		for (int k = 0; k < N; k++)
			want += in[k];
		assert_int_equal(count, want);
		assert_int_equal(route__tree_size(root), want);
	}
	free(nodes);
}

static void map_matches_array(void **state)
{
	struct rmap m = {0};
	static int64_t present[N];
	memset(present, 0, sizeof present);
	for (int step = 0; step < 60000; step++) {
		/* ids from a small range so deletes hit long probe chains */
		int i = (int)(rnd() % N);
		int64_t id = (int64_t)i * 7919 + 1;
		if (present[i]) {
			assert_ptr_equal(route__map_get(&m, id), &present[i]);
			route__map_del(&m, id);
			present[i] = 0;
			assert_null(route__map_get(&m, id));
		} else {
			assert_null(route__map_get(&m, id));
			assert_int_equal(route__map_put(&m, id, &present[i]), 0);
			present[i] = id;
		}
		if (step % 5000 == 0) {
			size_t want = 0, got = 0, it = 0;
			for (int k = 0; k < N; k++) {
				if (present[k]) {
					want++;
					assert_ptr_equal(route__map_get(&m, present[k]), &present[k]);
				}
			}
			while (route__map_iter(&m, &it))
				got++;
			assert_int_equal(got, want);
			assert_int_equal(m.n, want);
		}
	}
	route__map_del(&m, 123456789); /* absent: no effect */
	route__map_free(&m);
	assert_null(route__map_get(&m, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tree_matches_sorted_array),
		cmocka_unit_test(map_matches_array),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
