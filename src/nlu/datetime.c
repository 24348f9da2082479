/* datetime.c: finds date/time expressions and resolves them against "now" in the
 * tenant's zone, following the product's date/time rules. */
#include "nlu/extract.h"
#include "nlu/lexicon.h"

#include "base/tz.h"

#include <stdio.h>
#include <string.h>

#define DAY_SECS 86400

/* ---- calendar arithmetic (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t civil_days(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int weekday(int64_t days) /* 0 = Sunday */
{
	int64_t w = (days + 4) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

static int month_length(int y, int m)
{
	static const int len[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : len[m - 1];
}

/* ---- local time in the zone ---- */

struct now_local {
	int64_t utc;
	int64_t day;   /* local date of now, days since epoch */
	int secs;      /* local seconds since midnight */
};

static void local_of(const struct tz *z, int64_t utc, struct now_local *out)
{
	struct tz_local l;
	int32_t off = 0;
	if (z && tz_to_local(z, utc, &l) == 0)
		off = l.utc_offset;
	int64_t t = utc + off;
	int64_t day = t >= 0 ? t / DAY_SECS : -((-t + DAY_SECS - 1) / DAY_SECS);
	out->utc = utc;
	out->day = day;
	out->secs = (int)(t - day * DAY_SECS);
}

/* Unix seconds of local day + secs (secs may reach past midnight). */
static int64_t utc_of(const struct tz *z, int64_t day, int64_t secs)
{
	day += secs / DAY_SECS;
	secs %= DAY_SECS;
	if (!z)
		return day * DAY_SECS + secs;
	int y, m, d;
	civil_from(day, &y, &m, &d);
	int64_t utc;
	if (tz_from_local(z, y, m, d, (int)(secs / 3600), (int)(secs / 60 % 60),
			  (int)(secs % 60), TZ_EARLIER, &utc) != 0)
		return day * DAY_SECS + secs;
	return utc;
}

void nlu__format_iso(const struct tz *zone, int64_t utc, char *out, size_t n)
{
	struct tz_local l;
	int32_t off = 0;
	if (zone && tz_to_local(zone, utc, &l) == 0)
		off = l.utc_offset;
	int64_t t = utc + off;
	int64_t day = t >= 0 ? t / DAY_SECS : -((-t + DAY_SECS - 1) / DAY_SECS);
	int secs = (int)(t - day * DAY_SECS);
	int y, m, d;
	civil_from(day, &y, &m, &d);
	int32_t a = off < 0 ? -off : off;
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, m, d, secs / 3600,
		 secs / 60 % 60, secs % 60, off < 0 ? '-' : '+', (int)(a / 3600),
		 (int)(a / 60 % 60));
}

/* ---- word tables ---- */

enum part { PART_NONE, PART_MORNING, PART_AFTERNOON, PART_EVENING, PART_TONIGHT };

/* Parts of day: start and end in seconds of the local day. */
static const struct { int start, end; } part_span[] = {
	[PART_NONE] = { 0, 0 },
	[PART_MORNING] = { 8 * 3600, 12 * 3600 },
	[PART_AFTERNOON] = { 12 * 3600, 17 * 3600 },
	[PART_EVENING] = { 17 * 3600, 21 * 3600 },
	[PART_TONIGHT] = { 18 * 3600, DAY_SECS - 1 },
};

static const struct { const char *phrase; enum part part; bool today; } part_words[] = {
	{ "this morning", PART_MORNING, true },
	{ "in the morning", PART_MORNING, false },
	{ "morning", PART_MORNING, false },
	{ "this afternoon", PART_AFTERNOON, true },
	{ "in the afternoon", PART_AFTERNOON, false },
	{ "afternoon", PART_AFTERNOON, false },
	{ "this evening", PART_EVENING, true },
	{ "in the evening", PART_EVENING, false },
	{ "evening", PART_EVENING, false },
	{ "tonight", PART_TONIGHT, true },
	{ "at night", PART_TONIGHT, false },
	{ "night", PART_TONIGHT, false },
	{ "por la mañana", PART_MORNING, false },
	{ "en la mañana", PART_MORNING, false },
	{ "de la mañana", PART_MORNING, false },
	{ "por la tarde", PART_AFTERNOON, false },
	{ "en la tarde", PART_AFTERNOON, false },
	{ "de la tarde", PART_AFTERNOON, false },
	{ "esta mañana", PART_MORNING, true },
	{ "esta tarde", PART_AFTERNOON, true },
	{ "esta noche", PART_TONIGHT, true },
	{ "de la noche", PART_TONIGHT, false },
};

static const char *const weekdays[] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", NULL,
};
static const char *const weekdays_short[] = {
	"sun", "mon", "tues", "weds", "thurs", "fri", "sat", NULL,
};
static const char *const weekdays_es[] = {
	"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado", NULL,
};
static const char *const weekdays_es_plain[] = {
	"domingo", "lunes", "martes", "miercoles", "jueves", "viernes", "sabado", NULL,
};

static const struct { const char *name; int month; } month_words[] = {
	{ "january", 1 }, { "jan", 1 }, { "february", 2 }, { "feb", 2 }, { "march", 3 },
	{ "mar", 3 }, { "april", 4 }, { "apr", 4 }, { "may", 5 }, { "june", 6 },
	{ "jun", 6 }, { "july", 7 }, { "jul", 7 }, { "august", 8 }, { "aug", 8 },
	{ "september", 9 }, { "sept", 9 }, { "sep", 9 }, { "october", 10 }, { "oct", 10 },
	{ "november", 11 }, { "nov", 11 }, { "december", 12 }, { "dec", 12 },
	{ "enero", 1 }, { "febrero", 2 }, { "marzo", 3 }, { "abril", 4 }, { "mayo", 5 },
	{ "junio", 6 }, { "julio", 7 }, { "agosto", 8 }, { "septiembre", 9 },
	{ "octubre", 10 }, { "noviembre", 11 }, { "diciembre", 12 },
};

/* Relative day words: offset in days from today. */
static const struct { const char *phrase; int offset; enum part part; } relative_days[] = {
	{ "the day after tomorrow", 2, PART_NONE },
	{ "day after tomorrow", 2, PART_NONE },
	{ "pasado mañana", 2, PART_NONE },
	{ "today", 0, PART_NONE },
	{ "hoy", 0, PART_NONE },
	{ "tonight", 0, PART_TONIGHT },
	{ "tomorrow", 1, PART_NONE },
	{ "tmrw", 1, PART_NONE },
	{ "tmr", 1, PART_NONE },
	{ "tomorow", 1, PART_NONE },
	{ "tommorow", 1, PART_NONE },
	{ "tommorrow", 1, PART_NONE },
	{ "mañana", 1, PART_NONE },
	{ "manana", 1, PART_NONE },
	{ "yesterday", -1, PART_NONE },
	{ "ayer", -1, PART_NONE },
};

static const char *const units_after_number[] = {
	"inch", "inches", "ft", "feet", "foot", "hour", "hours", "hr", "hrs",
	"minute", "minutes", "min", "mins", "day", "days", "week", "weeks", "year", "years",
	"cup", "cups", "mile", "miles", "ton", "tons", "gallon", "gallons", "degrees",
	"degree", "dogs", "dog", "cats", "kids", "people", "units", "unit", "times",
	"percent", "%", "bucks", "dollars", "seer", "btu", "amp", "amps", "volt", "volts",
	"year-old", "months", "month", NULL,
};

/* ---- clock times ---- */

struct clock {
	int h, m;      /* as written; h == 24 for midnight */
	int ampm;      /* -1 unknown, 0 am, 1 pm */
	bool h24;      /* read as written (13:00, 08:00, noon, midnight): no business rule */
	bool strong;   /* reads as a time with no cue word (minutes, am/pm, o'clock...) */
	size_t n;      /* tokens used */
};

/* am/pm at i: "am", "pm", "a.m.", "p", "a m". Returns tokens used; sets *pm. */
static size_t meridian(const struct nlu_toks *tk, size_t i, int *pm)
{
	static const char *const forms[] = {
		"am", "pm", "a . m .", "p . m .", "a . m", "p . m", "a m", "p m", "a", "p", NULL,
	};
	int which = -1;
	size_t n = nlu__phrase_any(tk, i, forms, &which);
	if (!n)
		return 0;
	/* Bare "a" is the article unless glued to the number ("4a"). */
	if ((which == 8 || which == 9 || which == 6 || which == 7) && tk->t[i].space_before)
		return 0;
	*pm = tk->t[i].low[0] == 'p';
	return n;
}

static bool hour_word(const struct nlu_toks *tk, size_t i, int *h, size_t *n)
{
	int64_t v;
	size_t k = nlu__number_words(tk, i, &v);
	if (!k || v < 1 || v > 12)
		return false;
	*h = (int)v;
	*n = k;
	return true;
}

/* Reads a spoken minute after an hour word: "thirty", "forty five", "oh five". */
static size_t minute_words(const struct nlu_toks *tk, size_t i, int *m)
{
	int64_t v;
	if (nlu__tok_is(tk, i, "oh") || nlu__tok_is(tk, i, "o")) {
		size_t k = nlu__number_words(tk, i + 1, &v);
		if (k == 1 && v >= 1 && v <= 9) {
			*m = (int)v;
			return 2;
		}
		return 0;
	}
	size_t k = nlu__number_words(tk, i, &v);
	if (!k || v < 10 || v > 59)
		return 0;
	*m = (int)v;
	return k;
}

static size_t read_clock(const struct nlu_toks *tk, size_t i, struct clock *c)
{
	memset(c, 0, sizeof *c);
	c->ampm = -1;
	if (i >= tk->n)
		return 0;
	size_t j = i;
	static const char *const noon[] = { "noon", "midday", "mediodía", "mediodia", NULL };
	static const char *const midnight[] = { "midnight", "medianoche", NULL };
	if (nlu__tok_in(tk, j, noon) >= 0) {
		c->h = 12, c->h24 = c->strong = true;
		return c->n = 1;
	}
	if (nlu__tok_in(tk, j, midnight) >= 0) {
		c->h = 24, c->h24 = c->strong = true;
		return c->n = 1;
	}
	/* "half past two", "a quarter to five", "quarter after 4" */
	size_t q = 0;
	int delta = 0;
	if (nlu__tok_is(tk, j, "a") && nlu__tok_is(tk, j + 1, "quarter"))
		q = 1;
	if (nlu__tok_is(tk, j + q, "quarter") || nlu__tok_is(tk, j + q, "half")) {
		bool half = nlu__tok_is(tk, j + q, "half");
		size_t k = j + q + 1;
		static const char *const past[] = { "past", "after", NULL };
		static const char *const to[] = { "to", "till", "til", "of", "before", NULL };
		int sign = 0;
		if (nlu__tok_in(tk, k, past) >= 0)
			sign = 1;
		else if (!half && nlu__tok_in(tk, k, to) >= 0)
			sign = -1;
		if (sign) {
			int h;
			size_t hn;
			if (k + 1 < tk->n && tk->t[k + 1].kind == NLU_TOK_NUM &&
			    tk->t[k + 1].num >= 1 && tk->t[k + 1].num <= 12) {
				h = (int)tk->t[k + 1].num;
				hn = 1;
			} else if (!hour_word(tk, k + 1, &h, &hn)) {
				return 0;
			}
			delta = sign * (half ? 30 : 15);
			if (delta > 0) {
				c->h = h, c->m = delta;
			} else {
				c->h = h == 1 ? 12 : h - 1;
				c->m = 60 + delta;
				if (h == 12)
					c->h = 11;
			}
			c->strong = true;
			j = k + 1 + hn;
			int pm;
			size_t mn = meridian(tk, j, &pm);
			if (mn) {
				c->ampm = pm;
				/* "a quarter to 12 pm": the hour before noon */
				if (sign < 0 && h == 12)
					c->ampm = pm ? 0 : 1;
				j += mn;
			}
			return c->n = j - i;
		}
		return 0;
	}
	const struct nlu_tok *t = &tk->t[j];
	if (t->kind == NLU_TOK_NUM) {
		if (t->ndigits >= 3 && t->ndigits <= 4) {
			/* "430pm", "1030 am" */
			int h = (int)(t->num / 100), m = (int)(t->num % 100);
			int pm;
			size_t mn = meridian(tk, j + 1, &pm);
			if (!mn || h < 1 || h > 12 || m > 59)
				return 0;
			c->h = h, c->m = m, c->ampm = pm, c->strong = true;
			return c->n = 1 + mn;
		}
		if (t->ndigits > 2 || t->num > 24)
			return 0;
		c->h = (int)t->num;
		j++;
		if (nlu__tok_is(tk, j, ":") && j + 1 < tk->n && tk->t[j + 1].kind == NLU_TOK_NUM &&
		    tk->t[j + 1].ndigits == 2 && tk->t[j + 1].num < 60 && !tk->t[j].space_before) {
			c->m = (int)tk->t[j + 1].num;
			c->strong = true;
			if (c->h == 0 || c->h > 12 || t->ndigits == 2)
				c->h24 = true;
			j += 2;
		} else if (t->ndigits == 2 && c->h < 10) {
			c->h24 = true;   /* "08" */
		}
		if (c->h > 12 && !c->strong)
			c->h24 = true;
	} else {
		size_t hn;
		if (!hour_word(tk, j, &c->h, &hn))
			return 0;
		j += hn;
		int m;
		size_t mn = minute_words(tk, j, &m);
		if (mn) {
			c->m = m;
			c->strong = true;
			j += mn;
		}
	}
	if (nlu__tok_is(tk, j, "o'clock") || nlu__phrase(tk, j, "o ' clock")) {
		j += nlu__tok_is(tk, j, "o'clock") ? 1 : 3;
		c->strong = true;
		c->h24 = false;
	}
	int pm;
	size_t mn = meridian(tk, j, &pm);
	if (mn && c->h >= 1 && c->h <= 12) {
		c->ampm = pm;
		c->strong = true;
		c->h24 = false;
		j += mn;
	}
	if (c->h > 24 || (c->h == 24 && c->m > 0))
		return 0;
	/* "2 hours", "3 dogs": a count, not a time */
	if (!c->strong && nlu__tok_in(tk, j, units_after_number) >= 0)
		return 0;
	return c->n = j - i;
}

/* The 24-hour hour of c, by am/pm, the part of day, or the business-hours rule. */
static int hour24(const struct clock *c, enum part part)
{
	if (c->ampm == 0)
		return c->h == 12 ? 0 : c->h;
	if (c->ampm == 1)
		return c->h == 12 ? 12 : c->h + 12;
	if (c->h24)
		return c->h;
	switch (part) {
	case PART_MORNING:
		return c->h == 12 ? 12 : c->h;
	case PART_AFTERNOON:
	case PART_EVENING:
	case PART_TONIGHT:
		return c->h < 12 ? c->h + 12 : c->h;
	case PART_NONE:
		break;
	}
	/* Business hours: 7-11 the morning, 12-6 the afternoon or evening. */
	if (c->h >= 1 && c->h <= 6)
		return c->h + 12;
	return c->h;
}

/* ---- atoms ---- */

enum tkind { T_NONE, T_POINT, T_RANGE, T_AFTER, T_BEFORE, T_PART, T_NOW, T_OFFSET };

struct time_atom {
	enum tkind kind;
	struct clock a, b;
	enum part part;
	bool part_today;       /* "this morning", "tonight": today, never rolled */
	int64_t offset;        /* T_OFFSET: seconds from now */
	size_t i, n;
};

enum dkind { D_NONE, D_DAY, D_RANGE };

struct day_atom {
	enum dkind kind;
	int64_t d1, d2;
	enum part part;        /* "tonight" carries a part of day */
	size_t i, n;
};

/* Says that the day atom at da->i is the days d1 to d2 (the same for one day) of kind
 * over n tokens. Returns true (for read_day to return). */
static bool day_found(struct day_atom *da, enum dkind kind, int64_t d1, int64_t d2, size_t n)
{
	da->kind = kind;
	da->d1 = d1;
	da->d2 = d2;
	da->n = n;
	return true;
}

static size_t read_range_end(const struct nlu_toks *tk, size_t j, struct time_atom *ta)
{
	static const char *const joiners[] = { "and", "to", "till", "til", "until", "-", "through", "y", "a", NULL };
	if (nlu__tok_in(tk, j, joiners) < 0)
		return 0;
	size_t k = j + 1;
	if (nlu__tok_is(tk, k, "las") || nlu__tok_is(tk, k, "la"))   /* "entre las 2 y las 4" */
		k++;
	struct clock b;
	if (!read_clock(tk, k, &b))
		return 0;
	ta->b = b;
	return k - j + b.n;
}

/* Gives a side without am/pm the other side's when that keeps start before end. */
static void share_meridian(struct time_atom *ta)
{
	struct clock *a = &ta->a, *b = &ta->b;
	if (a->ampm < 0 && !a->h24 && b->ampm >= 0 && a->h <= 12) {
		int hb = hour24(b, PART_NONE);
		int ha_same = b->ampm ? (a->h == 12 ? 12 : a->h + 12) : (a->h == 12 ? 0 : a->h);
		a->ampm = ha_same <= hb ? b->ampm : !b->ampm;
	} else if (b->ampm < 0 && !b->h24 && a->ampm >= 0 && b->h <= 12) {
		int ha = hour24(a, PART_NONE);
		int hb_same = a->ampm ? (b->h == 12 ? 12 : b->h + 12) : (b->h == 12 ? 0 : b->h);
		b->ampm = hb_same > ha ? a->ampm : !a->ampm;
	}
}

static bool read_time(const struct nlu_toks *tk, size_t i, struct time_atom *ta)
{
	memset(ta, 0, sizeof *ta);
	ta->i = i;
	size_t n;
	int which = -1;

	static const char *const now_words[] = {
		"asap", "a . s . a . p .", "a . s . a . p", "as soon as possible", "right now",
		"right away", "immediately", "lo antes posible", "ahora mismo", NULL,
	};
	if ((n = nlu__phrase_any(tk, i, now_words, &which))) {
		ta->kind = T_NOW;
		ta->n = n;
		return true;
	}
	for (size_t k = 0; k < sizeof part_words / sizeof part_words[0]; k++) {
		if ((n = nlu__phrase(tk, i, part_words[k].phrase))) {
			/* "good morning", "buenas tardes": greetings, not times */
			static const char *const greetings[] = { "good", "buenos", "buenas", NULL };
			if (i > 0 && nlu__tok_in(tk, i - 1, greetings) >= 0)
				break;
			/* Bare "night" only after a day word ("Friday night"); the caller
			 * merges, so accept it only when the previous token is a day. */
			if (strcmp(part_words[k].phrase, "night") == 0 &&
			    (i == 0 || (nlu__tok_in(tk, i - 1, weekdays) < 0 &&
					!nlu__tok_is(tk, i - 1, "tomorrow"))))
				continue;
			ta->kind = T_PART;
			ta->part = part_words[k].part;
			ta->part_today = part_words[k].today;
			ta->n = n;
			return true;
		}
	}
	/* "in 2 hours", "in thirty minutes", "in an hour", "in half an hour" */
	if (nlu__tok_is(tk, i, "in") || nlu__tok_is(tk, i, "within")) {
		size_t j = i + 1;
		int64_t v = 0, unit = 0;
		bool half = false;
		if (nlu__phrase(tk, j, "half an hour")) {
			ta->kind = T_OFFSET;
			ta->offset = 1800;
			ta->n = 4;
			return true;
		}
		if (nlu__tok_is(tk, j, "an") || nlu__tok_is(tk, j, "a")) {
			v = 1;
			j++;
			if (nlu__tok_is(tk, j, "couple")) {
				v = 2;
				j++;
				if (nlu__tok_is(tk, j, "of"))
					j++;
			} else if (nlu__tok_is(tk, j, "few")) {
				v = 3;
				j++;
			}
		} else if ((n = nlu__number(tk, j, &v))) {
			j += n;
			if (nlu__tok_is(tk, j, "and") && nlu__tok_is(tk, j + 1, "a") &&
			    nlu__tok_is(tk, j + 2, "half")) {
				half = true;
				j += 3;
			}
		}
		static const char *const hours[] = { "hour", "hours", "hr", "hrs", "horas", "hora", NULL };
		static const char *const mins[] = { "minute", "minutes", "min", "mins", "minutos", NULL };
		if (v > 0 && v <= 48 && nlu__tok_in(tk, j, hours) >= 0)
			unit = 3600;
		else if (v > 0 && v <= 600 && nlu__tok_in(tk, j, mins) >= 0)
			unit = 60;
		if (unit) {
			ta->kind = T_OFFSET;
			ta->offset = v * unit + (half ? unit / 2 : 0);
			ta->n = j + 1 - i;
			return true;
		}
	}
	enum cue_kind { CUE_POINT, CUE_WEAK, CUE_AFTER, CUE_BEFORE, CUE_RANGE };
	static const struct { const char *phrase; enum cue_kind kind; } cues[] = {
		{ "any time after", CUE_AFTER }, { "anytime after", CUE_AFTER },
		{ "after", CUE_AFTER }, { "después de las", CUE_AFTER },
		{ "despues de las", CUE_AFTER }, { "después de la", CUE_AFTER },
		{ "despues de la", CUE_AFTER }, { "before", CUE_BEFORE }, { "by", CUE_BEFORE },
		{ "until", CUE_BEFORE }, { "till", CUE_BEFORE }, { "til", CUE_BEFORE },
		{ "antes de las", CUE_BEFORE }, { "antes de la", CUE_BEFORE },
		{ "between", CUE_RANGE }, { "from", CUE_RANGE }, { "entre las", CUE_RANGE },
		{ "entre", CUE_RANGE }, { "at around", CUE_POINT }, { "at about", CUE_POINT },
		{ "at", CUE_POINT }, { "@", CUE_POINT }, { "around", CUE_POINT },
		{ "about", CUE_POINT }, { "a las", CUE_POINT }, { "a la", CUE_POINT },
		{ "say", CUE_WEAK }, { "like", CUE_WEAK }, { "for", CUE_WEAK },
	};
	enum cue_kind cue = CUE_WEAK;
	size_t j = i, best = 0;
	for (size_t k = 0; k < sizeof cues / sizeof cues[0]; k++) {
		size_t cn = nlu__phrase(tk, i, cues[k].phrase);
		if (cn > best) {
			best = cn;
			cue = cues[k].kind;
		}
	}
	j += best;
	struct clock a;
	if (!read_clock(tk, j, &a))
		return false;
	ta->a = a;
	j += a.n;
	size_t rn = read_range_end(tk, j, ta);
	static const char *const slot_words[] = { "window", "slot", "block", "time", NULL };
	/* "between 4 and 6", "from 2 to 4", "2-4pm", "10 to 2" after "at", "the 8 to 10 slot" */
	if (rn && (cue == CUE_RANGE || a.strong || ta->b.strong || cue == CUE_POINT ||
		   nlu__tok_in(tk, j + rn, slot_words) >= 0 ||
		   (!tk->t[j].space_before && tk->t[j].low[0] == '-'))) {
		ta->kind = T_RANGE;
		share_meridian(ta);
		ta->n = j + rn - i;
		return true;
	}
	memset(&ta->b, 0, sizeof ta->b);
	if (cue == CUE_RANGE)
		return false;
	if (cue == CUE_WEAK && !a.strong)
		return false;
	ta->kind = cue == CUE_AFTER ? T_AFTER : cue == CUE_BEFORE ? T_BEFORE : T_POINT;
	ta->n = j - i;
	return true;
}

/* The next date on or after today with month m and day d (rolling to next year, and
 * past years without a February 29th). */
static int64_t next_month_day(int64_t today, int m, int d)
{
	int y, cm, cd;
	civil_from(today, &y, &cm, &cd);
	for (int k = 0; k < 9; k++) {
		int yy = y + k;
		if (d <= month_length(yy, m)) {
			int64_t day = civil_days(yy, m, d);
			if (day >= today)
				return day;
		}
	}
	return -1;
}

static int64_t next_day_of_month(int64_t today, int d)
{
	int y, m, cd;
	civil_from(today, &y, &m, &cd);
	for (int k = 0; k < 13; k++) {
		int mm = (m - 1 + k) % 12 + 1, yy = y + (m - 1 + k) / 12;
		if (d <= month_length(yy, mm)) {
			int64_t day = civil_days(yy, mm, d);
			if (day >= today)
				return day;
		}
	}
	return -1;
}

static int month_at(const struct nlu_toks *tk, size_t i)
{
	if (i >= tk->n)
		return 0;
	for (size_t k = 0; k < sizeof month_words / sizeof month_words[0]; k++)
		if (strcmp(tk->t[i].low, month_words[k].name) == 0)
			return month_words[k].month;
	return 0;
}

static int weekday_at(const struct nlu_toks *tk, size_t i)
{
	int w = nlu__tok_in(tk, i, weekdays);
	if (w < 0)
		w = nlu__tok_in(tk, i, weekdays_es);
	if (w < 0)
		w = nlu__tok_in(tk, i, weekdays_es_plain);
	if (w < 0) {
		w = nlu__tok_in(tk, i, weekdays_short);
		/* "sun", "sat", "mon": only as abbreviations followed by a dot or a date */
		if (w >= 0 && !(nlu__tok_is(tk, i + 1, ".") || nlu__tok_is(tk, i + 1, ",")) &&
		    !(w == 2 || w == 4))
			w = -1;
	}
	return w;
}

/* A year after a month and day: ", 2027" or "2027". */
static size_t read_year(const struct nlu_toks *tk, size_t j, int *year)
{
	size_t k = j;
	if (nlu__tok_is(tk, k, ","))
		k++;
	if (k < tk->n && tk->t[k].kind == NLU_TOK_NUM && tk->t[k].ndigits == 4 &&
	    tk->t[k].num >= 1970 && tk->t[k].num <= 2200) {
		*year = (int)tk->t[k].num;
		return k + 1 - j;
	}
	return 0;
}

static bool valid_date(int y, int m, int d)
{
	return m >= 1 && m <= 12 && d >= 1 && y >= 1970 && y <= 2200 && d <= month_length(y, m);
}

/* The date month m, day d: of year when the year is given (-1 when there is no such
 * date), else the next one from today on (-1 when there is none). */
static int64_t date_day(int64_t today, bool given, int year, int m, int d)
{
	if (given)
		return valid_date(year, m, d) ? civil_days(year, m, d) : -1;
	if (m < 1 || m > 12 || d < 1 || d > month_length(2000, m))
		return -1;
	return next_month_day(today, m, d);
}

/* A span of days at k: "a day", "3 days", "two weeks" (1 to 60 of them). The number of
 * days, with *end set to the token after the unit; 0 when there is none. */
static int64_t read_days(const struct nlu_toks *tk, size_t k, size_t *end)
{
	int64_t v = 0;
	size_t n;
	if (nlu__tok_is(tk, k, "a")) {
		v = 1;
		k++;
	} else if ((n = nlu__number(tk, k, &v))) {
		k += n;
	}
	int unit = 0;
	if (nlu__tok_is(tk, k, "day") || nlu__tok_is(tk, k, "days"))
		unit = 1;
	else if (nlu__tok_is(tk, k, "week") || nlu__tok_is(tk, k, "weeks"))
		unit = 7;
	if (!unit || v < 1 || v > 60)
		return 0;
	*end = k + 1;
	return v * unit;
}

static bool read_day(const struct nlu_toks *tk, size_t i, const struct now_local *now,
		     struct day_atom *da)
{
	memset(da, 0, sizeof *da);
	da->i = i;
	size_t j = i, n;
	int64_t today = now->day;
	int tw = weekday(today);

	for (size_t k = 0; k < sizeof relative_days / sizeof relative_days[0]; k++) {
		if ((n = nlu__phrase(tk, j, relative_days[k].phrase))) {
			/* "la mañana" is the morning, not tomorrow */
			if (strncmp(relative_days[k].phrase, "ma", 2) == 0 && j > 0 &&
			    (nlu__tok_is(tk, j - 1, "la") || nlu__tok_is(tk, j - 1, "esta")))
				return false;
			da->kind = D_DAY;
			da->d1 = da->d2 = today + relative_days[k].offset;
			da->part = relative_days[k].part;
			da->n = n;
			return true;
		}
	}
	/* weekend, week */
	static const char *const weekend[] = {
		"this weekend", "the weekend", "this coming weekend", "weekend", "el fin de semana",
		"este fin de semana", "fin de semana", NULL,
	};
	if ((n = nlu__phrase_any(tk, j, weekend, NULL))) {
		int64_t sat = tw == 0 ? today - 1 : today + (6 - tw);
		return day_found(da, D_RANGE, sat, sat + 1, n);
	}
	if ((n = nlu__phrase(tk, j, "next weekend"))) {
		int64_t sat = tw == 0 ? today - 1 : today + (6 - tw);
		return day_found(da, D_RANGE, sat + 7, sat + 8, n);
	}
	int64_t monday = today - (tw + 6) % 7;
	static const char *const next_week[] = {
		"next week", "la próxima semana", "la proxima semana", "la semana que viene",
		"la otra semana", NULL,
	};
	if ((n = nlu__phrase_any(tk, j, next_week, NULL)))
		return day_found(da, D_RANGE, monday + 7, monday + 13, n);
	if ((n = nlu__phrase(tk, j, "this week")) || (n = nlu__phrase(tk, j, "esta semana")))
		return day_found(da, D_RANGE, today, monday + 6, n);
	if ((n = nlu__phrase(tk, j, "next month"))) {
		int y, m, d;
		civil_from(today, &y, &m, &d);
		m++;
		if (m > 12)
			m = 1, y++;
		int64_t first = civil_days(y, m, 1);
		return day_found(da, D_RANGE, first, first + month_length(y, m) - 1, n);
	}
	/* "in 3 days", "in a week" */
	size_t end;
	int64_t days;
	if (nlu__tok_is(tk, j, "in") && (days = read_days(tk, j + 1, &end)))
		return day_found(da, D_DAY, today + days, today + days, end - i);
	/* "a week from today", "3 days from now", "two weeks from tomorrow" */
	if ((days = read_days(tk, j, &end)) && nlu__tok_is(tk, end, "from")) {
		if (nlu__tok_is(tk, end + 1, "tomorrow"))
			days++;
		else if (!nlu__tok_is(tk, end + 1, "today") && !nlu__tok_is(tk, end + 1, "now"))
			days = 0;
		if (days)
			return day_found(da, D_DAY, today + days, today + days, end + 2 - i);
	}
	/* weekday, with "this", "next", "on", "el", "este", "el próximo" */
	size_t p = j;
	bool next = false;
	if (nlu__tok_is(tk, p, "on") || nlu__tok_is(tk, p, "el") || nlu__tok_is(tk, p, "este"))
		p++;
	if (nlu__tok_is(tk, p, "this") && nlu__tok_is(tk, p + 1, "coming"))
		p += 2;
	else if (nlu__tok_is(tk, p, "this") || nlu__tok_is(tk, p, "coming"))
		p++;
	else if (nlu__tok_is(tk, p, "next") || nlu__tok_is(tk, p, "próximo") ||
		 nlu__tok_is(tk, p, "proximo")) {
		next = true;
		p++;
	}
	int w = weekday_at(tk, p);
	/* "this sat", "next thu": abbreviations are safe after a determiner */
	static const char *const part_after[] = { "morning", "afternoon", "evening", "night", NULL };
	if (w < 0 && (p > j || (p + 3 < tk->n && tk->t[p + 1].kind == NLU_TOK_NUM &&
				nlu__tok_is(tk, p + 2, "/") && !tk->t[p + 2].space_before) ||
		      nlu__tok_in(tk, p + 1, part_after) >= 0)) {
		static const char *const abbr[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL };
		w = nlu__tok_in(tk, p, abbr);
	}
	if (w >= 0) {
		int64_t d = today + (w - tw + 7) % 7;
		/* "next Tuesday": the Tuesday of next week (weeks start on Monday) */
		if (next && d < monday + 7)
			d += 7;
		size_t e = p + 1;
		if (nlu__tok_is(tk, e, "."))
			e++;
		/* "Friday the 15th", "Friday, March 15": the date decides */
		struct day_atom inner;
		size_t e2 = e;
		if (nlu__tok_is(tk, e2, ","))
			e2++;
		if (read_day(tk, e2, now, &inner) && inner.kind == D_DAY &&
		    weekday_at(tk, e2) < 0 && inner.n > 0 &&
		    (month_at(tk, e2) || nlu__tok_is(tk, e2, "the") ||
		     (e2 < tk->n && tk->t[e2].kind == NLU_TOK_NUM))) {
			*da = inner;
			da->i = i;
			da->n = e2 + inner.n - i;
			return true;
		}
		return day_found(da, D_DAY, d, d, e - i);
	}
	/* Dates: "March 15", "Jan 3rd, 2027", "the 15th of March", "15 march", "the 15th",
	 * "3/15", "3/15/2027", "2026-03-15" */
	p = j;
	if (nlu__tok_is(tk, p, "on"))
		p++;
	int m = month_at(tk, p);
	if (m) {
		size_t k = p + 1;
		if (nlu__tok_is(tk, k, "."))
			k++;
		if (nlu__tok_is(tk, k, "the"))
			k++;
		int d;
		size_t dn = nlu__ordinal(tk, k, true, &d);
		/* "may 2 units" - a count; "march 2026" - a month and year */
		if (dn && !(dn == 1 && tk->t[k].kind == NLU_TOK_NUM &&
			    nlu__tok_in(tk, k + 1, units_after_number) >= 0)) {
			/* "May" is a verb unless a day follows directly */
			if (m == 5 && strcmp(tk->t[p].low, "may") == 0 && tk->t[k].kind != NLU_TOK_NUM)
				return false;
			k += dn;
			int year = 0;
			size_t yn = read_year(tk, k, &year);
			int64_t day = date_day(today, yn > 0, year, m, d);
			if (day < 0)
				return false;
			return day_found(da, D_DAY, day, day, k + yn - i);
		}
		return false;
	}
	bool the = false;
	if (nlu__tok_is(tk, p, "the")) {
		the = true;
		p++;
	}
	int d;
	size_t dn = nlu__ordinal(tk, p, false, &d);
	bool word_ord = dn && tk->t[p].kind == NLU_TOK_WORD;
	if (!dn && p < tk->n && tk->t[p].kind == NLU_TOK_NUM && tk->t[p].ndigits <= 2 &&
	    tk->t[p].num >= 1 && tk->t[p].num <= 31) {
		/* "15 march", "15 de marzo" */
		size_t k = p + 1;
		if (nlu__tok_is(tk, k, "de"))
			k++;
		int mm = month_at(tk, k);
		if (mm) {
			d = (int)tk->t[p].num;
			dn = k - p;
			p += dn;
			goto month_after_day;
		}
	}
	if (dn) {
		size_t k = p + dn;
		int mm = 0;
		if (nlu__tok_is(tk, k, "of") || nlu__tok_is(tk, k, "de"))
			mm = month_at(tk, k + 1), k += mm ? 1 : 0;
		else
			mm = month_at(tk, k);
		if (mm) {
			p = k;
			dn = 0;
			int year = 0;
		month_after_day:
			mm = month_at(tk, p);
			size_t e = p + 1;
			size_t yn = read_year(tk, e, &year);
			int64_t day = date_day(today, yn > 0, year, mm, d);
			if (day < 0)
				return false;
			return day_found(da, D_DAY, day, day, e + yn - i);
		}
		/* "the 15th" alone; ordinal words only as "the fifteenth" before nothing
		 * that makes them a rank ("the first time") */
		if (the && (!word_ord || k >= tk->n || tk->t[k].kind != NLU_TOK_WORD ||
			    nlu__tok_is(tk, k, "at") || nlu__tok_is(tk, k, "in") ||
			    nlu__tok_is(tk, k, "or") || nlu__tok_is(tk, k, "and"))) {
			int64_t day = next_day_of_month(today, d);
			if (day < 0)
				return false;
			return day_found(da, D_DAY, day, day, k - i);
		}
		return false;
	}
	/* numeric dates */
	if (p < tk->n && tk->t[p].kind == NLU_TOK_NUM && !the) {
		const struct nlu_tok *a = &tk->t[p];
		if (p > 0 && (tk->t[p - 1].kind == NLU_TOK_NUM ||
			      ((nlu__tok_is(tk, p - 1, "/") || nlu__tok_is(tk, p - 1, "-") ||
				nlu__tok_is(tk, p - 1, ".") || nlu__tok_is(tk, p - 1, "$")) &&
			       !tk->t[p].space_before)))
			return false;
		/* ISO 2026-03-15 */
		if (a->ndigits == 4 && nlu__tok_is(tk, p + 1, "-") && p + 4 < tk->n &&
		    tk->t[p + 2].kind == NLU_TOK_NUM && nlu__tok_is(tk, p + 3, "-") &&
		    tk->t[p + 4].kind == NLU_TOK_NUM && tk->t[p + 2].ndigits == 2 &&
		    tk->t[p + 4].ndigits == 2) {
			int y = (int)a->num, mm = (int)tk->t[p + 2].num, dd = (int)tk->t[p + 4].num;
			if (!valid_date(y, mm, dd))
				return false;
			int64_t day = civil_days(y, mm, dd);
			return day_found(da, D_DAY, day, day, p + 5 - i);
		}
		if (a->ndigits <= 2 && nlu__tok_is(tk, p + 1, "/") && p + 2 < tk->n &&
		    tk->t[p + 2].kind == NLU_TOK_NUM && tk->t[p + 2].ndigits <= 2 &&
		    !tk->t[p + 1].space_before && !tk->t[p + 2].space_before) {
			int mm = (int)a->num, dd = (int)tk->t[p + 2].num;
			size_t e = p + 3;
			int year = 0;
			if (nlu__tok_is(tk, e, "/") && e + 1 < tk->n &&
			    tk->t[e + 1].kind == NLU_TOK_NUM && !tk->t[e].space_before) {
				const struct nlu_tok *yt = &tk->t[e + 1];
				if (yt->ndigits == 2)
					year = 2000 + (int)yt->num;
				else if (yt->ndigits == 4)
					year = (int)yt->num;
				else
					return false;
				e += 2;
			}
			if (nlu__tok_in(tk, e, units_after_number) >= 0 || nlu__tok_is(tk, e, "/"))
				return false;
			int64_t day = date_day(today, year != 0, year, mm, dd);
			if (day < 0)
				return false;
			return day_found(da, D_DAY, day, day, e - i);
		}
	}
	return false;
}

/* ---- grouping and resolution ---- */

struct group {
	struct day_atom day;
	struct time_atom clock;   /* T_POINT, T_RANGE, T_AFTER, T_BEFORE, T_NOW, T_OFFSET */
	struct time_atom part;    /* T_PART */
	bool has_day, has_clock, has_part;
	size_t i, end;            /* token span [i, end) */
};

static void add_entity(const struct nlu_toks *tk, const struct group *g, int64_t start,
		       int64_t end, const struct tz *zone, struct nlu_entities *out)
{
	if (out->count >= NLU_ENTITIES_MAX)
		return;
	struct nlu_entity *e = &out->items[out->count++];
	memset(e, 0, sizeof *e);
	e->type = NLU_ENT_DATETIME;
	e->start = tk->t[g->i].start;
	e->end = tk->t[g->end - 1].end;
	e->dt_start = start;
	e->dt_end = end;
	e->dt_point = start == end;
	nlu__format_iso(zone, start, e->dt_start_iso, sizeof e->dt_start_iso);
	nlu__format_iso(zone, end, e->dt_end_iso, sizeof e->dt_end_iso);
	memcpy(e->value, e->dt_start_iso, sizeof e->dt_start_iso);
}

static bool resolve(const struct group *g, const struct now_local *now, const struct tz *z,
		    int64_t *start, int64_t *end)
{
	bool implicit = !g->has_day;
	int64_t day = g->has_day ? g->day.d1 : now->day;
	enum part part = g->has_part ? g->part.part : PART_NONE;
	if (g->has_day && g->day.part != PART_NONE && part == PART_NONE)
		part = g->day.part;
	if (g->has_part && g->part.part_today && !g->has_day)
		implicit = false;
	if (g->has_day && g->day.kind == D_RANGE) {
		*start = utc_of(z, g->day.d1, 0);
		*end = utc_of(z, g->day.d2, DAY_SECS - 1);
		return true;
	}
	if (g->has_clock) {
		const struct time_atom *c = &g->clock;
		switch (c->kind) {
		case T_NOW:
			*start = *end = now->utc;
			return true;
		case T_OFFSET:
			*start = *end = now->utc + c->offset;
			return true;
		case T_POINT: {
			int64_t s = (int64_t)hour24(&c->a, part) * 3600 + c->a.m * 60;
			*start = *end = utc_of(z, day, s);
			if (implicit && *start < now->utc)
				*start = *end = utc_of(z, day + 1, s);
			return true;
		}
		case T_RANGE: {
			int64_t s = (int64_t)hour24(&c->a, part) * 3600 + c->a.m * 60;
			int64_t e = (int64_t)hour24(&c->b, part) * 3600 + c->b.m * 60;
			/* "10 to 2": the end is in the afternoon; never end before the start */
			if (e <= s)
				e += 12 * 3600;
			if (e <= s)
				e += 12 * 3600;
			if (e > DAY_SECS)
				e = DAY_SECS;
			if (e <= s)
				return false;
			*start = utc_of(z, day, s);
			*end = utc_of(z, day, e);
			if (implicit && *end < now->utc) {
				*start = utc_of(z, day + 1, s);
				*end = utc_of(z, day + 1, e);
			}
			return true;
		}
		case T_AFTER: {
			int64_t s = (int64_t)hour24(&c->a, part) * 3600 + c->a.m * 60;
			if (s >= DAY_SECS) {   /* "after midnight": the next day */
				day++;
				s -= DAY_SECS;
			}
			if (implicit && utc_of(z, day, s) < now->utc)
				day++;
			*start = utc_of(z, day, s);
			*end = utc_of(z, day, DAY_SECS - 1);
			return true;
		}
		case T_BEFORE: {
			int64_t e = (int64_t)hour24(&c->a, part) * 3600 + c->a.m * 60;
			if (implicit && utc_of(z, day, e) <= now->utc)
				day++;
			*start = utc_of(z, day, 0);
			*end = utc_of(z, day, e);
			if (day == now->day && *start < now->utc && now->utc < *end)
				*start = now->utc;
			return true;
		}
		default:
			break;
		}
	}
	if (part != PART_NONE) {
		*start = utc_of(z, day, part_span[part].start);
		*end = utc_of(z, day, part_span[part].end);
		if (implicit && *end < now->utc) {
			*start = utc_of(z, day + 1, part_span[part].start);
			*end = utc_of(z, day + 1, part_span[part].end);
		}
		return true;
	}
	if (g->has_day) {
		*start = utc_of(z, day, 0);
		*end = utc_of(z, day, DAY_SECS - 1);
		return true;
	}
	return false;
}

static bool try_add(const struct nlu_toks *tk, size_t i, const struct now_local *now,
		    struct group *g)
{
	struct day_atom da;
	struct time_atom ta;
	if (!g->has_day && read_day(tk, i, now, &da)) {
		g->day = da;
		g->has_day = true;
		g->end = i + da.n;
		return true;
	}
	if (read_time(tk, i, &ta)) {
		if (ta.kind == T_PART) {
			if (g->has_part || (g->has_day && g->day.part != PART_NONE))
				return false;
			g->part = ta;
			g->has_part = true;
		} else {
			if (g->has_clock)
				return false;
			g->clock = ta;
			g->has_clock = true;
		}
		g->end = i + ta.n;
		return true;
	}
	return false;
}

void nlu__extract_datetimes(const struct nlu_toks *tk, int64_t now_utc, const struct tz *zone,
			    struct nlu_entities *out)
{
	/* outside years 1900..9999 the calendar arithmetic is not meaningful */
	if (now_utc < -2208988800LL || now_utc > 253402300799LL)
		return;
	struct now_local now;
	local_of(zone, now_utc, &now);
	size_t i = 0;
	while (i < tk->n) {
		struct group g;
		memset(&g, 0, sizeof g);
		g.i = i;
		if (!try_add(tk, i, &now, &g)) {
			i++;
			continue;
		}
		for (;;) {
			size_t j = g.end;
			/* fillers between the parts of one expression */
			while (nlu__tok_is(tk, j, ",") || nlu__tok_is(tk, j, "on") ||
			       nlu__tok_is(tk, j, "of") || nlu__tok_is(tk, j, "window") ||
			       nlu__tok_is(tk, j, "slot"))
				j++;
			if (j >= tk->n || !try_add(tk, j, &now, &g))
				break;
			/* "on" before a weekday was consumed by the day reader */
		}
		int64_t s, e;
		if (resolve(&g, &now, zone, &s, &e))
			add_entity(tk, &g, s, e, zone, out);
		i = g.end;
	}
}
