/* tz.c: IANA time zones read from the system tz database (TZif, RFC 8536) with the
 * POSIX TZ footer rule for instants past the end of the table. */
#include "base/tz.h"
#include "base/err.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TZ_NAME_MAX 128              /* longest zone name accepted */
#define TZ_FILE_MAX (1u << 20)       /* largest TZif file accepted (real ones are < 10 KiB) */
#define TZ_RULE_TIME_MAX (167 * 3600 + 59 * 60 + 59)  /* v3: rule times within +-167h */
/* Instants accepted by the conversions: about +-31 million years, so every derived year
 * fits an int and no intermediate sum can overflow int64. */
#define TZ_UTC_LIMIT INT64_C(1000000000000000)

/* One local time type of a zone. */
struct tz_type {
	int32_t off;        /* seconds east of UTC */
	bool dst;
	char abbr[8];
};

/* When a POSIX rule switches: Jn (1..365, no Feb 29), n (0..365) or Mm.w.d. */
enum rule_kind { RULE_JULIAN1, RULE_JULIAN0, RULE_MWD };

struct rule_date {
	enum rule_kind kind;
	int day;            /* Jn / n: the day number; Mm.w.d: d, the weekday 0..6 */
	int month;          /* Mm.w.d only: 1..12 */
	int week;           /* Mm.w.d only: 1..5 (5 = last) */
	int32_t time;       /* local seconds after midnight, -167h..+167h */
};

/* A POSIX TZ string such as "EST5EDT,M3.2.0,M11.1.0". */
struct posix_rule {
	struct tz_type std;
	struct tz_type dst;
	bool has_dst;
	struct rule_date start, end;  /* start: std -> dst, end: dst -> std */
};

struct tz {
	char name[TZ_NAME_MAX + 1];
	size_t ntrans;
	int64_t *trans;       /* ascending transition instants */
	uint8_t *trans_type;  /* type index in force from trans[i] */
	size_t ntypes;
	struct tz_type *types;
	bool has_rule;        /* footer present and non-empty */
	struct posix_rule rule;
	struct tz *next;      /* cache chain */
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tz *cache_head;  /* zones stay loaded for the life of the process */

/* ---- calendar arithmetic ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 of a normalised date (m 1..12, d 1..31), in 400-year eras. */
static int64_t days_from_ymd(int64_t y, int m, int d)
{
	y -= m <= 2;                                  /* years start in March */
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;                  /* 0..399 */
	int mp = (m + 9) % 12;                        /* March = 0 */
	int64_t doy = (153 * mp + 2) / 5 + d - 1;     /* 0..365 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;           /* 719468: 0000-03-01 to 1970-01-01 */
}

int64_t tz_days_from_civil(int year, int month, int day)
{
	int64_t y = (int64_t)year + floor_div((int64_t)month - 1, 12);
	int m = (int)((int64_t)month - 1 - floor_div((int64_t)month - 1, 12) * 12) + 1;
	return days_from_ymd(y, m, 1) + (int64_t)day - 1;
}

static void civil_from_days64(int64_t days, int64_t *year, int *month, int *day)
{
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;                                 /* 0..146096 */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  /* 0..399 */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);          /* 0..365 */
	int64_t mp = (5 * doy + 2) / 153;                               /* March = 0 */
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2);
}

void tz_civil_from_days(int64_t days, int *year, int *month, int *day)
{
	int64_t y;
	civil_from_days64(days, &y, month, day);
	if (y > INT_MAX)
		y = INT_MAX;
	if (y < INT_MIN)
		y = INT_MIN;
	*year = (int)y;
}

/* ---- POSIX TZ strings (RFC 8536 section 3.3, with the version 3 extensions) ---- */

/* Parses an abbreviation: 3+ letters, or <...> of 3+ letters, digits, '+', '-'. */
static const char *parse_abbr(const char *p, char out[8])
{
	size_t n = 0;
	if (*p == '<') {
		p++;
		const char *s = p;
		while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		       (*p >= '0' && *p <= '9') || *p == '+' || *p == '-')
			p++;
		n = (size_t)(p - s);
		if (*p != '>' || n < 3)
			return NULL;
		memcpy(out, s, n < 7 ? n : 7);
		out[n < 7 ? n : 7] = '\0';
		return p + 1;
	}
	const char *s = p;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	n = (size_t)(p - s);
	if (n < 3)
		return NULL;
	memcpy(out, s, n < 7 ? n : 7);
	out[n < 7 ? n : 7] = '\0';
	return p;
}

/* Parses [+-]hh[:mm[:ss]] with hh <= max_hours into signed seconds. */
static const char *parse_hms(const char *p, int max_hours, int32_t *out)
{
	int sign = 1;
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	int parts[3] = {0, 0, 0};
	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			if (*p != ':')
				break;
			p++;
		}
		if (*p < '0' || *p > '9')
			return NULL;
		int v = 0, digits = 0;
		while (*p >= '0' && *p <= '9') {
			if (++digits > 3)
				return NULL;
			v = v * 10 + (*p++ - '0');
		}
		if (i > 0 && (digits != 2 || v > 59))
			return NULL;
		parts[i] = v;
	}
	if (parts[0] > max_hours)
		return NULL;
	*out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
	return p;
}

static const char *parse_num(const char *p, int lo, int hi, int *out)
{
	if (*p < '0' || *p > '9')
		return NULL;
	int v = 0;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p++ - '0');
		if (v > hi)
			return NULL;
	}
	if (v < lo)
		return NULL;
	*out = v;
	return p;
}

/* Parses one rule date with its optional /time. */
static const char *parse_rule_date(const char *p, struct rule_date *r)
{
	memset(r, 0, sizeof *r);
	if (*p == 'J') {
		r->kind = RULE_JULIAN1;
		p = parse_num(p + 1, 1, 365, &r->day);
	} else if (*p == 'M') {
		r->kind = RULE_MWD;
		if (!(p = parse_num(p + 1, 1, 12, &r->month)) || *p++ != '.' ||
		    !(p = parse_num(p, 1, 5, &r->week)) || *p++ != '.')
			return NULL;
		p = parse_num(p, 0, 6, &r->day);
	} else {
		r->kind = RULE_JULIAN0;
		p = parse_num(p, 0, 365, &r->day);
	}
	if (!p)
		return NULL;
	r->time = 2 * 3600;
	if (*p == '/')
		p = parse_hms(p + 1, 167, &r->time);
	return p;
}

/* Parses a whole POSIX TZ string. 0 or -TN_EFORMAT. */
static int posix_parse(const char *s, struct posix_rule *r)
{
	memset(r, 0, sizeof *r);
	int32_t off;
	const char *p = parse_abbr(s, r->std.abbr);
	if (!p || !(p = parse_hms(p, 24, &off)))
		return -TN_EFORMAT;
	r->std.off = -off;  /* POSIX counts hours west of Greenwich */
	if (*p == '\0')
		return 0;
	if (!(p = parse_abbr(p, r->dst.abbr)))
		return -TN_EFORMAT;
	r->has_dst = true;
	r->dst.dst = true;
	r->dst.off = r->std.off + 3600;
	if (*p != ',' && *p != '\0') {
		if (!(p = parse_hms(p, 24, &off)))
			return -TN_EFORMAT;
		r->dst.off = -off;
	}
	if (*p == '\0') {
		/* No rule given: the customary US rule, as POSIX implementations assume. */
		r->start = (struct rule_date){RULE_MWD, 0, 3, 2, 7200};
		r->end = (struct rule_date){RULE_MWD, 0, 11, 1, 7200};
		return 0;
	}
	if (*p++ != ',' || !(p = parse_rule_date(p, &r->start)) || *p++ != ',' ||
	    !(p = parse_rule_date(p, &r->end)) || *p != '\0')
		return -TN_EFORMAT;
	return 0;
}

/* Days since the epoch of the day a rule date names in year y. */
static int64_t rule_day(const struct rule_date *r, int64_t y)
{
	int64_t jan1 = days_from_ymd(y, 1, 1);
	switch (r->kind) {
	case RULE_JULIAN1:  /* 1..365, February 29 never counted */
		return jan1 + r->day - 1 + (is_leap(y) && r->day >= 60);
	case RULE_JULIAN0:  /* 0..365, February 29 counted */
		return jan1 + r->day;
	case RULE_MWD:
		break;
	}
	int64_t first = days_from_ymd(y, r->month, 1);
	int wday_first = (int)(((first % 7) + 11) % 7);  /* 1970-01-01 was a Thursday (4) */
	int64_t d = first + (r->day - wday_first + 7) % 7 + 7 * (r->week - 1);
	while (d >= first + month_days(y, r->month))
		d -= 7;
	return d;
}

/* The type a POSIX rule puts in force at instant t. */
static const struct tz_type *posix_type_at(const struct posix_rule *r, int64_t t)
{
	if (!r->has_dst)
		return &r->std;
	int64_t y;
	int m, d;
	civil_from_days64(floor_div(t + r->std.off, 86400), &y, &m, &d);
	/* The latest switch at or before t among the neighbouring years; on a tie the start
	 * of DST wins, which is how a rule like "0/0,J365/25" states DST all year. */
	bool found = false, best_dst = false;
	int64_t best = 0;
	for (int64_t yy = y - 1; yy <= y + 1; yy++) {
		int64_t st = rule_day(&r->start, yy) * 86400 + r->start.time - r->std.off;
		int64_t en = rule_day(&r->end, yy) * 86400 + r->end.time - r->dst.off;
		if (en <= t && (!found || en > best)) {
			best = en;
			best_dst = false;
			found = true;
		}
		if (st <= t && (!found || st >= best)) {
			best = st;
			best_dst = true;
			found = true;
		}
	}
	return found && best_dst ? &r->dst : &r->std;
}

/* ---- TZif files ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_header {
	char version;
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

/* Reads a 44-byte header at data[off] and, when its block will be used, checks its
 * counts. 0 or -TN_EFORMAT. */
static int read_header(const unsigned char *data, size_t len, size_t off, bool used,
		       struct tzif_header *h)
{
	if (len < 44 || off > len - 44 || memcmp(data + off, "TZif", 4) != 0)
		return -TN_EFORMAT;
	const unsigned char *p = data + off;
	h->version = (char)p[4];
	if (h->version != 0 && (h->version < '2' || h->version > '4'))
		return -TN_EFORMAT;
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	if (!used)  /* RFC 8536: a reader only skips the version 1 block of a later file */
		return 0;
	if (h->typecnt == 0 || h->typecnt > 256 || h->charcnt == 0 ||
	    (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt != 0 && h->isstdcnt != h->typecnt))
		return -TN_EFORMAT;
	return 0;
}

/* Size of the data block after a header whose times are tsize bytes wide. */
static uint64_t block_size(const struct tzif_header *h, unsigned tsize)
{
	return (uint64_t)h->timecnt * (tsize + 1) + (uint64_t)h->typecnt * 6 + h->charcnt +
	       (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

/* Fills z from the data block at data[off] described by h. 0, -ENOMEM or -TN_EFORMAT. */
static int read_block(struct tz *z, const unsigned char *data, size_t off,
		      const struct tzif_header *h, unsigned tsize)
{
	const unsigned char *times = data + off;
	const unsigned char *idx = times + (size_t)h->timecnt * tsize;
	const unsigned char *types = idx + h->timecnt;
	const char *chars = (const char *)(types + (size_t)h->typecnt * 6);

	z->ntypes = h->typecnt;
	z->ntrans = h->timecnt;
	z->types = calloc(h->typecnt, sizeof *z->types);
	z->trans = calloc(h->timecnt ? h->timecnt : 1, sizeof *z->trans);
	z->trans_type = calloc(h->timecnt ? h->timecnt : 1, 1);
	if (!z->types || !z->trans || !z->trans_type)
		return -ENOMEM;
	for (uint32_t i = 0; i < h->typecnt; i++) {
		const unsigned char *t = types + (size_t)i * 6;
		int32_t utoff = (int32_t)be32(t);
		if (utoff == INT32_MIN || utoff < -25 * 3600 || utoff > 26 * 3600 || t[4] > 1 ||
		    t[5] >= h->charcnt)
			return -TN_EFORMAT;
		const char *a = chars + t[5];
		size_t room = h->charcnt - t[5];
		size_t n = strnlen(a, room);
		if (n == room)  /* the abbreviation must end inside the table */
			return -TN_EFORMAT;
		z->types[i].off = utoff;
		z->types[i].dst = t[4];
		memcpy(z->types[i].abbr, a, n < 7 ? n : 7);
		z->types[i].abbr[n < 7 ? n : 7] = '\0';
	}
	for (uint32_t i = 0; i < h->timecnt; i++) {
		int64_t t = tsize == 8 ? be64(times + (size_t)i * 8)
				       : (int64_t)(int32_t)be32(times + (size_t)i * 4);
		if (i > 0 && t <= z->trans[i - 1])
			return -TN_EFORMAT;
		if (idx[i] >= h->typecnt)
			return -TN_EFORMAT;
		z->trans[i] = t;
		z->trans_type[i] = idx[i];
	}
	const unsigned char *flags = (const unsigned char *)chars + h->charcnt +
				     (size_t)h->leapcnt * (tsize + 4);
	for (uint32_t i = 0; i < h->isstdcnt + h->isutcnt; i++)
		if (flags[i] > 1)
			return -TN_EFORMAT;
	return 0;
}

/* Parses a whole TZif file into z. 0, -ENOMEM or -TN_EFORMAT. */
static int tzif_parse(struct tz *z, const unsigned char *data, size_t len)
{
	struct tzif_header h;
	int rc = read_header(data, len, 0, false, &h);
	if (rc)
		return rc;
	uint64_t v1 = block_size(&h, 4);
	if (v1 > len - 44)
		return -TN_EFORMAT;
	if (h.version == 0) {
		if ((rc = read_header(data, len, 0, true, &h)))
			return rc;
		if (44 + v1 != len)
			return -TN_EFORMAT;
		return read_block(z, data, 44, &h, 4);
	}
	/* Version 2 and later: skip the 32-bit block, use the 64-bit one and the footer. */
	size_t off = 44 + (size_t)v1;
	struct tzif_header h2;
	if ((rc = read_header(data, len, off, true, &h2)))
		return rc;
	if (h2.version != h.version)
		return -TN_EFORMAT;
	off += 44;
	uint64_t v2 = block_size(&h2, 8);
	if (v2 > len - off)
		return -TN_EFORMAT;
	if ((rc = read_block(z, data, off, &h2, 8)))
		return rc;
	off += (size_t)v2;
	/* Footer: "\n" TZ string "\n", and nothing after it. */
	if (off >= len || data[off] != '\n')
		return -TN_EFORMAT;
	const unsigned char *start = data + off + 1;
	const unsigned char *nl = memchr(start, '\n', len - off - 1);
	if (!nl || (size_t)(nl - data) != len - 1)
		return -TN_EFORMAT;
	size_t flen = (size_t)(nl - start);
	if (flen == 0)
		return 0;
	char footer[128];
	if (flen >= sizeof footer || memchr(start, '\0', flen))
		return -TN_EFORMAT;
	memcpy(footer, start, flen);
	footer[flen] = '\0';
	if ((rc = posix_parse(footer, &z->rule)))
		return rc;
	z->has_rule = true;
	return 0;
}

static void tz_free(struct tz *z)
{
	if (!z)
		return;
	free(z->trans);
	free(z->trans_type);
	free(z->types);
	free(z);
}

/* A zone name must be plain: [A-Za-z0-9_+-] components separated by single '/'. */
static bool name_ok(const char *name)
{
	size_t n = strnlen(name, TZ_NAME_MAX + 1);
	if (n == 0 || n > TZ_NAME_MAX || name[0] == '/' || name[n - 1] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '-' || c == '+' || c == '/';
		if (!ok || (c == '/' && name[i + 1] == '/'))
			return false;
	}
	return true;  /* '.' is not allowed at all, so ".." cannot occur */
}

/* Reads the file for name into a new zone. */
static int tz_load(const char *name, struct tz **out)
{
	const char *dir = getenv("TZDIR");
	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof path)
		return -ENOENT;
	unsigned char *data = NULL;
	struct tz *z = NULL;
	int rc = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = errno == EACCES ? -EACCES : -ENOENT;
		goto out;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -ENOENT;
		goto out;
	}
	if (st.st_size < 44 || (uint64_t)st.st_size > TZ_FILE_MAX) {
		rc = -TN_EFORMAT;
		goto out;
	}
	size_t len = (size_t)st.st_size;
	data = malloc(len);
	if (!data) {
		rc = -ENOMEM;
		goto out;
	}
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, data + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0) {
			rc = -TN_EFORMAT;  /* shrank under us */
			goto out;
		}
		got += (size_t)r;
	}
	z = calloc(1, sizeof *z);
	if (!z) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(z->name, name, strlen(name) + 1);
	if ((rc = tzif_parse(z, data, len)))
		goto out;
	*out = z;
	z = NULL;
out:
	if (fd >= 0)
		close(fd);
	free(data);
	tz_free(z);
	return rc;
}

int tz_get(const char *name, const struct tz **out)
{
	if (!name || !out || !name_ok(name))
		return -ENOENT;
	int rc = 0;
	pthread_mutex_lock(&cache_lock);
	for (struct tz *z = cache_head; z; z = z->next) {
		if (strcmp(z->name, name) == 0) {
			*out = z;
			goto out;
		}
	}
	struct tz *z = NULL;
	if ((rc = tz_load(name, &z)))
		goto out;  /* failures are not cached: a later call may succeed */
	z->next = cache_head;
	cache_head = z;
	*out = z;
out:
	pthread_mutex_unlock(&cache_lock);
	return rc;
}

const char *tz_name(const struct tz *z)
{
	return z->name;
}

/* ---- conversions ---- */

static const struct tz_type *type_at(const struct tz *z, int64_t t)
{
	if (z->ntrans == 0)
		return z->has_rule ? posix_type_at(&z->rule, t) : &z->types[0];
	if (t < z->trans[0])
		return &z->types[0];
	if (t >= z->trans[z->ntrans - 1] && z->has_rule)
		return posix_type_at(&z->rule, t);
	size_t lo = 0, hi = z->ntrans;  /* the last transition <= t */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return &z->types[z->trans_type[lo]];
}

int32_t tz_offset_at(const struct tz *z, int64_t utc)
{
	if (!z)
		return 0;
	if (utc > TZ_UTC_LIMIT)
		utc = TZ_UTC_LIMIT;
	if (utc < -TZ_UTC_LIMIT)
		utc = -TZ_UTC_LIMIT;
	return type_at(z, utc)->off;
}

int tz_to_local(const struct tz *z, int64_t utc, struct tz_local *out)
{
	if (!z || !out || utc > TZ_UTC_LIMIT || utc < -TZ_UTC_LIMIT)
		return -EINVAL;
	const struct tz_type *t = type_at(z, utc);
	int64_t local = utc + t->off;
	int64_t days = floor_div(local, 86400);
	int64_t secs = local - days * 86400;
	int64_t y;
	civil_from_days64(days, &y, &out->month, &out->day);
	out->year = (int)y;
	out->hour = (int)(secs / 3600);
	out->minute = (int)(secs / 60 % 60);
	out->second = (int)(secs % 60);
	out->wday = (int)(((days % 7) + 11) % 7);
	out->yday = (int)(days - days_from_ymd(y, 1, 1));
	out->utc_offset = t->off;
	out->dst = t->dst;
	memcpy(out->abbr, t->abbr, sizeof out->abbr);
	return 0;
}

int tz_from_local(const struct tz *z, int year, int month, int day, int hour, int minute,
		  int second, enum tz_resolve resolve, int64_t *utc)
{
	if (!z || !utc || (resolve != TZ_EARLIER && resolve != TZ_LATER))
		return -EINVAL;
	/* Every field is an int, so this sum cannot overflow; the days term is bounded by
	 * the year range checked below. */
	int64_t days = tz_days_from_civil(year, month, day);
	if (days > TZ_UTC_LIMIT / 86400 || days < -TZ_UTC_LIMIT / 86400)
		return -EINVAL;
	int64_t local = days * 86400 + (int64_t)hour * 3600 + (int64_t)minute * 60 + second;
	/* Offsets that could apply: those in force near the local time read as UTC, then
	 * refined once. Real zones move by at most a day, so +-2 days covers every switch. */
	int32_t cand[9];
	size_t nc = 0;
	const int64_t probes[3] = {local - 2 * 86400, local, local + 2 * 86400};
	for (int i = 0; i < 3; i++)
		cand[nc++] = tz_offset_at(z, probes[i]);
	for (size_t i = 0, k = nc; i < k; i++)
		cand[nc++] = tz_offset_at(z, local - cand[i]);
	bool found = false;
	int64_t lo = 0, hi = 0;
	int32_t maxoff = cand[0];
	for (size_t i = 0; i < nc; i++) {
		if (cand[i] > maxoff)
			maxoff = cand[i];
		int64_t t = local - cand[i];
		if (tz_offset_at(z, t) != cand[i])
			continue;
		if (!found || t < lo)
			lo = t;
		if (!found || t > hi)
			hi = t;
		found = true;
	}
	if (found) {
		*utc = resolve == TZ_EARLIER ? lo : hi;
		return 0;
	}
	/* A skipped time: read it with the offset from before the switch, which moves it
	 * forward by the length of the gap (02:30 becomes 03:30 when clocks jump an hour). */
	*utc = local - tz_offset_at(z, local - maxoff);
	return 0;
}

static void put_digits(char *p, int64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

int tz_format_iso(const struct tz *z, int64_t utc, char *out, size_t n)
{
	if (!out || n < 26)
		return -ENOSPC;
	if (!z || utc > TZ_UTC_LIMIT || utc < -TZ_UTC_LIMIT)
		return -EINVAL;
	/* ISO 8601 offsets have no seconds: old local mean times such as -04:56:02 are
	 * truncated to whole minutes; the instant written is still exactly utc. */
	int32_t off = tz_offset_at(z, utc);
	off = off / 60 * 60;
	int64_t local = utc + off;
	int64_t days = floor_div(local, 86400);
	int64_t secs = local - days * 86400;
	int64_t y;
	int m, d;
	civil_from_days64(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return -EINVAL;
	char *p = out;
	put_digits(p, y, 4);
	p[4] = '-';
	put_digits(p + 5, m, 2);
	p[7] = '-';
	put_digits(p + 8, d, 2);
	p[10] = 'T';
	put_digits(p + 11, secs / 3600, 2);
	p[13] = ':';
	put_digits(p + 14, secs / 60 % 60, 2);
	p[16] = ':';
	put_digits(p + 17, secs % 60, 2);
	p[19] = off < 0 ? '-' : '+';
	int32_t a = off < 0 ? -off : off;
	put_digits(p + 20, a / 3600, 2);
	p[22] = ':';
	put_digits(p + 23, a / 60 % 60, 2);
	p[25] = '\0';
	return 0;
}

/* Reads exactly n digits. */
static const char *iso_digits(const char *p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return NULL;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return p + n;
}

int tz_parse_iso(const char *s, const struct tz *z, int64_t *utc)
{
	if (!s || !utc)
		return -EINVAL;
	int y, mo, d, h, mi, se = 0;
	const char *p = s;
	if (!(p = iso_digits(p, 4, &y)) || *p++ != '-' || !(p = iso_digits(p, 2, &mo)) ||
	    *p++ != '-' || !(p = iso_digits(p, 2, &d)) || *p++ != 'T' ||
	    !(p = iso_digits(p, 2, &h)) || *p++ != ':' || !(p = iso_digits(p, 2, &mi)))
		return -EINVAL;
	if (*p == ':') {
		if (!(p = iso_digits(p + 1, 2, &se)))
			return -EINVAL;
		if (*p == '.') {  /* fractions of a second are accepted and dropped */
			p++;
			int nd = 0;
			while (*p >= '0' && *p <= '9' && nd < 9) {
				p++;
				nd++;
			}
			if (nd == 0)
				return -EINVAL;
		}
	}
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 || mi > 59 || se > 59)
		return -EINVAL;
	int64_t local = tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	if (*p == 'Z') {
		if (p[1] != '\0')
			return -EINVAL;
		*utc = local;
		return 0;
	}
	if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, oh, om;
		const char *q = p + 1;
		if (!(q = iso_digits(q, 2, &oh)) || *q++ != ':' || !(q = iso_digits(q, 2, &om)) ||
		    *q != '\0' || oh > 23 || om > 59)
			return -EINVAL;
		*utc = local - sign * (oh * 3600 + om * 60);
		return 0;
	}
	if (*p != '\0')
		return -EINVAL;
	if (!z) {
		*utc = local;
		return 0;
	}
	return tz_from_local(z, y, mo, d, h, mi, se, TZ_EARLIER, utc);
}
