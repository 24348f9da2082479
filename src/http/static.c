/* static.c: static files from the web root: content types, ETag/Last-Modified,
 * 304 revalidation, traversal refusal, a small in-memory cache, streamed large files. */
#include "base/log.h"
#include "http/internal.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CACHE_FILE_MAX (256 * 1024)
#define CACHE_TOTAL_MAX (32 * 1024 * 1024)
#define CACHE_BUCKETS 256
#define STREAM_CHUNK (64 * 1024)

struct cache_entry {
	struct cache_entry *next;
	char *key;            /* the request path */
	char *body;
	size_t len;
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	const char *ctype;
	char etag[64];
	char lastmod[40];
};

struct static_cache {
	struct cache_entry *b[CACHE_BUCKETS];
	size_t bytes;
};

static const struct {
	const char *ext;
	const char *type;
} mime[] = {
	{"html", "text/html; charset=utf-8"}, {"htm", "text/html; charset=utf-8"},
	{"css", "text/css; charset=utf-8"}, {"js", "text/javascript; charset=utf-8"},
	{"mjs", "text/javascript; charset=utf-8"}, {"json", "application/json"},
	{"map", "application/json"}, {"txt", "text/plain; charset=utf-8"},
	{"md", "text/markdown; charset=utf-8"}, {"csv", "text/csv; charset=utf-8"},
	{"xml", "application/xml"}, {"svg", "image/svg+xml"}, {"png", "image/png"},
	{"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"}, {"gif", "image/gif"},
	{"webp", "image/webp"}, {"avif", "image/avif"}, {"ico", "image/x-icon"},
	{"woff", "font/woff"}, {"woff2", "font/woff2"}, {"ttf", "font/ttf"},
	{"otf", "font/otf"}, {"wasm", "application/wasm"}, {"pdf", "application/pdf"},
	{"mp3", "audio/mpeg"}, {"wav", "audio/wav"}, {"ogg", "audio/ogg"},
	{"mp4", "video/mp4"}, {"webm", "video/webm"},
	{"webmanifest", "application/manifest+json"},
};

static const char *content_type(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');
	if (dot)
		for (size_t i = 0; i < sizeof mime / sizeof mime[0]; i++)
			if (!strcasecmp(dot + 1, mime[i].ext))
				return mime[i].type;
	return "application/octet-stream";
}

static unsigned hash_str(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % CACHE_BUCKETS;
}

static void entry_free(struct cache_entry *e)
{
	free(e->key);
	free(e->body);
	free(e);
}

static void cache_clear(struct static_cache *sc)
{
	for (int i = 0; i < CACHE_BUCKETS; i++) {
		while (sc->b[i]) {
			struct cache_entry *e = sc->b[i];
			sc->b[i] = e->next;
			entry_free(e);
		}
	}
	sc->bytes = 0;
}

void http__static_free(struct http_server *srv)
{
	if (srv->cache) {
		cache_clear(srv->cache);
		free(srv->cache);
		srv->cache = NULL;
	}
}

static void cache_remove(struct static_cache *sc, struct cache_entry *e)
{
	struct cache_entry **pp = &sc->b[hash_str(e->key)];
	while (*pp && *pp != e)
		pp = &(*pp)->next;
	if (*pp) {
		*pp = e->next;
		sc->bytes -= e->len;
		entry_free(e);
	}
}

/* True when a segment of the decoded path is ".." (or contains a backslash or NUL). */
static bool path_unsafe(const char *path)
{
	if (strchr(path, '\\'))
		return true;
	for (const char *p = path; *p; p++) {
		if (p[0] == '.' && p[1] == '.' && (p == path || p[-1] == '/') &&
		    (p[2] == '/' || p[2] == '\0'))
			return true;
	}
	return false;
}

static bool same_file(const struct cache_entry *e, const struct stat *st)
{
	return e->dev == st->st_dev && e->ino == st->st_ino && (off_t)e->len == st->st_size &&
	       e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static void file_meta(struct cache_entry *e, const struct stat *st)
{
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->mtime = st->st_mtim;
	snprintf(e->etag, sizeof e->etag, "\"%llx-%llx-%lx\"", (unsigned long long)st->st_ino,
		 (unsigned long long)st->st_size, (long)st->st_mtim.tv_sec * 1000L +
		 st->st_mtim.tv_nsec / 1000000L);
	struct tm tm;
	gmtime_r(&st->st_mtim.tv_sec, &tm);
	strftime(e->lastmod, sizeof e->lastmod, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* True when an If-None-Match list contains etag (or "*"). Weak tags compare equal. */
static bool etag_matches(const char *inm, const char *etag)
{
	size_t el = strlen(etag);
	const char *p = inm;
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '*')
			return true;
		if (!strncmp(p, "W/", 2))
			p += 2;
		if (!strncmp(p, etag, el))
			return true;
		while (*p && *p != ',')
			p++;
	}
	return false;
}

static bool not_modified(struct http_request *req, const struct cache_entry *e)
{
	const char *inm = http_header(req, "If-None-Match");
	if (inm)
		return etag_matches(inm, e->etag);
	const char *ims = http_header(req, "If-Modified-Since");
	return ims && !strcmp(ims, e->lastmod);
}

static int send_head(struct http_request *req, const struct cache_entry *meta, int status,
		     size_t len, struct buf *head)
{
	const char *cc = strncmp(meta->ctype, "text/html", 9) ? "public, max-age=300" : "no-cache";
	int rc = http_set_header(req, "ETag", meta->etag);
	if (!rc)
		rc = http_set_header(req, "Last-Modified", meta->lastmod);
	if (!rc)
		rc = http_set_header(req, "Cache-Control", cc);
	if (!rc)
		rc = http__head(req, head, status, status == 304 ? NULL : meta->ctype, len,
				status != 304);
	return rc;
}

/* Responds to req from a cached (or just loaded) small file. */
static void send_small(struct http_request *req, const struct cache_entry *e)
{
	struct http_conn *c = req->conn;
	struct buf head = BUF_INIT;
	int status = not_modified(req, e) ? 304 : 200;
	int rc = send_head(req, e, status, e->len, &head);
	req->responded = true;
	req->status = status;
	if (rc) {
		buf_free(&head);
		req->want_close = true;
		http__conn_close(c);
		http__request_done(req);
		return;
	}
	uv_buf_t bufs[2] = {uv_buf_init(head.data, (unsigned)head.len),
			    uv_buf_init(e->body, (unsigned)e->len)};
	unsigned n = (status == 200 && !req->head && e->len) ? 2 : 1;
	req->bytes_out = head.len + (n == 2 ? e->len : 0);
	http__conn_write(c, bufs, n);
	buf_free(&head);
	http__request_done(req);
}

static int read_all(int fd, char *dst, size_t len)
{
	size_t at = 0;
	while (at < len) {
		ssize_t n = pread(fd, dst + at, len - at, (off_t)at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		at += (size_t)n;
	}
	return 0;
}

void http__static_continue(struct http_conn *c)
{
	struct http_server *srv = c->srv;
	while (c->file_req && c->out_pending == 0 && c->state == CONN_HTTP) {
		if (c->file_off >= c->file_end) {
			struct http_request *req = c->file_req;
			close(c->file_fd);
			c->file_fd = -1;
			c->file_req = NULL;
			http__request_done(req);
			return;
		}
		size_t want = (size_t)(c->file_end - c->file_off);
		if (want > sizeof srv->rbuf)
			want = sizeof srv->rbuf;
		/* reads come from the page cache in practice; a chunk at a time keeps the
		 * loop responsive and memory bounded */
		ssize_t n = pread(c->file_fd, srv->rbuf, want, c->file_off);
		if (n <= 0) {
			log_warn("http: static read failed: %s", n < 0 ? strerror(errno) : "short file");
			http__conn_close(c);
			return;
		}
		c->file_off += n;
		c->file_req->bytes_out += (size_t)n;
		uv_buf_t b = uv_buf_init(srv->rbuf, (unsigned)n);
		if (http__conn_write(c, &b, 1) < 0)
			return;
	}
}

int http__static_serve(struct http_request *req)
{
	struct http_server *srv = req->srv;
	struct http_conn *c = req->conn;
	const char *path = req->path;
	if (path_unsafe(path)) {
		http_respond_error(req, 403, "forbidden", "path not allowed");
		return 0;
	}
	if (!srv->cache) {
		srv->cache = calloc(1, sizeof *srv->cache);
		if (!srv->cache)
			return -ENOMEM;
	}
	struct buf full = BUF_INIT;
	int rc = -ENOENT;
	int fd = -1;
	char *real = NULL;
	if (buf_printf(&full, "%s%s", srv->root_real, path))
		goto out;
	if (path[strlen(path) - 1] == '/' && buf_puts(&full, "index.html"))
		goto out;
	struct stat st;
	if (stat(full.data, &st) < 0)
		goto out;
	if (S_ISDIR(st.st_mode)) {
		if (buf_puts(&full, "/index.html") || stat(full.data, &st) < 0)
			goto out;
	}
	if (!S_ISREG(st.st_mode))
		goto out;
	unsigned h = hash_str(path);
	struct cache_entry *e = srv->cache->b[h];
	while (e && strcmp(e->key, path))
		e = e->next;
	if (e && same_file(e, &st)) {
		send_small(req, e);
		rc = 0;
		goto out;
	}
	if (e)
		cache_remove(srv->cache, e);
	/* symlinks must not lead out of the root */
	real = realpath(full.data, NULL);
	if (!real || strncmp(real, srv->root_real, srv->root_len) ||
	    (real[srv->root_len] != '/' && real[srv->root_len] != '\0'))
		goto out;
	fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		goto out;
	struct cache_entry meta = {0};
	file_meta(&meta, &st);
	meta.ctype = content_type(real);
	meta.len = (size_t)st.st_size;
	if (st.st_size <= CACHE_FILE_MAX) {
		e = calloc(1, sizeof *e);
		if (!e) {
			rc = -ENOMEM;
			goto out;
		}
		*e = meta;
		e->key = strdup(path);
		e->body = malloc(meta.len ? meta.len : 1);
		if (!e->key || !e->body || read_all(fd, e->body, meta.len)) {
			entry_free(e);
			rc = -EIO;
			goto out;
		}
		if (srv->cache->bytes + e->len > CACHE_TOTAL_MAX)
			cache_clear(srv->cache);
		e->next = srv->cache->b[h];
		srv->cache->b[h] = e;
		srv->cache->bytes += e->len;
		send_small(req, e);
		rc = 0;
		goto out;
	}
	/* a large file: headers now, then the body a chunk at a time */
	struct buf head = BUF_INIT;
	int status = not_modified(req, &meta) ? 304 : 200;
	int hr = send_head(req, &meta, status, meta.len, &head);
	req->responded = true;
	req->status = status;
	if (hr) {
		buf_free(&head);
		http__conn_close(c);
		http__request_done(req);
		rc = 0;
		goto out;
	}
	uv_buf_t b = uv_buf_init(head.data, (unsigned)head.len);
	req->bytes_out = head.len;
	int wr = http__conn_write(c, &b, 1);
	buf_free(&head);
	rc = 0;
	if (wr < 0 || status != 200 || req->head) {
		if (wr < 0)
			req->conn = NULL;
		http__request_done(req);
		goto out;
	}
	c->file_fd = fd;
	fd = -1;
	c->file_off = 0;
	c->file_end = st.st_size;
	c->file_req = req;
	http__static_continue(c);
out:
	if (fd >= 0)
		close(fd);
	free(real);
	buf_free(&full);
	return rc;
}
