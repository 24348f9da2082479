/* helper_store.h: shared helpers for the store's unit tests. */
#ifndef TANDEM_TEST_HELPER_STORE_H
#define TANDEM_TEST_HELPER_STORE_H

#include "store/store.h"
#include <stdint.h>

/* A fresh temporary directory (owned string) and its removal with everything in it. */
char *th_tmpdir(void);
void th_rmdir(char *dir);
/* dir + "/" + name, owned. */
char *th_path(const char *dir, const char *name);

/* Opens a store or fails the test. */
struct store *th_open(const char *path);

/* Compact JSON text of v (owned), "" for NULL. */
char *th_dump(const json_t *v);

/* Runs a query with no parameters on c and returns column 0 of the first row as an
 * integer (-1 when there is no row). */
int64_t th_scalar(struct store_conn *c, const char *sql);

/* Defines a write job `name` whose argument is `struct type *f`. */
#define TH_JOB(name, type, ...)                                   \
	static int name(struct store_conn *c, void *arg)             \
	{                                                             \
		struct type *f = arg;                                     \
		(void)f;                                                  \
		(void)c;                                                  \
		__VA_ARGS__                                               \
	}

#endif
