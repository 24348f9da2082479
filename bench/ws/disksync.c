/* disksync.c: how long one durable commit's disk flush takes on this machine, the floor
 * under any round trip that waits for a write to be on disk. Appends 4 KiB blocks to a
 * file on the given directory's disk and times each fdatasync().
 * Build: cc -O2 -o disksync disksync.c
 * Usage: disksync DIR [count=2000]
 * Prints "DISKSYNC count=N p50_ms=... p90_ms=... p99_ms=... max_ms=..." as its last line. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: disksync DIR [count]\n");
		return 2;
	}
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;
	if (n < 10 || n > 1000000) {
		fprintf(stderr, "disksync: count must be 10..1000000\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/disksync.XXXXXX", argv[1]);
	int fd = mkstemp(path);
	if (fd < 0) {
		perror("disksync: mkstemp");
		return 1;
	}
	unlink(path);
	int64_t *t = malloc(sizeof *t * (size_t)n);
	char block[4096];
	memset(block, 'x', sizeof block);
	if (!t)
		return 1;
	for (long i = 0; i < n; i++) {
		if (write(fd, block, sizeof block) != (ssize_t)sizeof block) {
			perror("disksync: write");
			return 1;
		}
		int64_t t0 = now_ns();
		if (fdatasync(fd)) {
			perror("disksync: fdatasync");
			return 1;
		}
		t[i] = now_ns() - t0;
	}
	close(fd);
	qsort(t, (size_t)n, sizeof *t, cmp);
	printf("DISKSYNC count=%ld p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n", n,
	       t[n / 2] / 1e6, t[n * 9 / 10] / 1e6, t[n * 99 / 100] / 1e6, t[n - 1] / 1e6);
	free(t);
	return 0;
}
