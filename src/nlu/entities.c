/* entities.c: entity extraction (phone, email, ZIP, address, job and invoice numbers,
 * money, equipment, names), the overlap rules between extractors, and JSON output. */
#include "nlu/extract.h"
#include "nlu/lexicon.h"

#include "base/err.h"
#include "base/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const entity_names[] = {
#define NLU_X_(e, s) s,
	NLU_ENTITY_TYPES(NLU_X_)
#undef NLU_X_
};

const char *nlu_entity_type_name(enum nlu_entity_type t)
{
	if ((unsigned)t >= NLU_ENT__COUNT)
		return "unknown";
	return entity_names[t];
}

int nlu_entity_type_parse(const char *s, enum nlu_entity_type *out)
{
	if (!s || !out)
		return -EINVAL;
	for (int k = 0; k < NLU_ENT__COUNT; k++)
		if (strcmp(s, entity_names[k]) == 0) {
			*out = (enum nlu_entity_type)k;
			return 0;
		}
	return -EINVAL;
}

/* Candidates from every extractor before overlaps are settled. */
#define CAND_MAX 96

struct cands {
	struct nlu_entity e[CAND_MAX];
	size_t n;
};

static struct nlu_entity *cand_new(struct cands *c, enum nlu_entity_type type, size_t start,
				   size_t end)
{
	if (c->n >= CAND_MAX)
		return NULL;
	struct nlu_entity *e = &c->e[c->n++];
	memset(e, 0, sizeof *e);
	e->type = type;
	e->start = start;
	e->end = end;
	return e;
}

/* Sets e->value from s[0..n) (not necessarily NUL-terminated), cut to fit. */
static void set_value(struct nlu_entity *e, const char *s, size_t n)
{
	if (n >= sizeof e->value) {
		n = sizeof e->value - 1;
		/* never cut a UTF-8 sequence in half; s[n] exists as n was shortened */
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(e->value, s, n);
	e->value[n] = '\0';
}

/* ---- phone ---- */

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static void find_phones(const char *s, size_t len, struct cands *c)
{
	size_t i = 0;
	while (i < len) {
		bool plus = s[i] == '+' && i + 1 < len && is_digit((unsigned char)s[i + 1]);
		bool open = s[i] == '(' && i + 1 < len && is_digit((unsigned char)s[i + 1]);
		if (!is_digit((unsigned char)s[i]) && !plus && !open) {
			i++;
			continue;
		}
		if (i > 0 && (nlu__isalnum((unsigned char)s[i - 1]) || s[i - 1] == '$' ||
			      s[i - 1] == '#' || s[i - 1] == '-' || s[i - 1] == '.')) {
			while (i < len && (nlu__isalnum((unsigned char)s[i])))
				i++;
			if (i == 0 || !(i < len))
				break;
			i++;
			continue;
		}
		size_t start = i, j = i, last = i;
		char digits[16];
		int nd = 0, groups[8], ng = 0, run = 0, seps = 0;
		if (plus)
			j++;
		while (j < len) {
			unsigned char ch = (unsigned char)s[j];
			if (is_digit(ch)) {
				if (nd < 15)
					digits[nd] = (char)ch;
				nd++;
				run++;
				seps = 0;
				last = j + 1;
			} else if ((ch == ' ' || ch == '-' || ch == '.' || ch == '(' || ch == ')') &&
				   seps < 2 && nd < 11) {
				if (run) {
					if (ng < 8)
						groups[ng] = run;
					ng++;
					run = 0;
				}
				seps++;
			} else {
				break;
			}
			j++;
		}
		if (run) {
			if (ng < 8)
				groups[ng] = run;
			ng++;
		}
		size_t end = last;
		bool ok = false;
		int off = 0;
		if (nd == 11 && digits[0] == '1')
			off = 1;
		if ((nd == 10 || off) && ng <= 8 && !(last < len && nlu__isalnum((unsigned char)s[last]))) {
			/* accepted shapes: 10 or 11 digits together, 3-3-4, 1-3-3-4, 3-7 */
			int g0 = off && groups[0] == 1 ? 1 : 0;
			int rest = ng - g0;
			if (rest == 1)
				ok = true;
			else if (rest == 3 && groups[g0] == 3 && groups[g0 + 1] == 3 && groups[g0 + 2] == 4)
				ok = true;
			else if (rest == 2 && groups[g0] == 3 && groups[g0 + 1] == 7)
				ok = true;
			if (plus && !off)
				ok = false;
			/* NANP: area code and exchange begin with 2-9 */
			if (ok && (digits[off] < '2' || digits[off + 3] < '2'))
				ok = false;
		}
		if (ok) {
			struct nlu_entity *e = cand_new(c, NLU_ENT_PHONE, start, end);
			if (e) {
				char v[16] = "+1";
				memcpy(v + 2, digits + off, 10);
				v[12] = '\0';
				set_value(e, v, 12);
			}
			i = end;
		} else {
			i = j > i ? j : i + 1;
		}
	}
}

/* ---- email ---- */

static bool email_local(unsigned char ch)
{
	return nlu__isalnum(ch) || ch == '.' || ch == '_' || ch == '%' || ch == '+' || ch == '-';
}

static bool email_domain(unsigned char ch)
{
	return nlu__isalnum(ch) || ch == '.' || ch == '-';
}

static void find_emails(const char *s, size_t len, struct cands *c)
{
	for (size_t at = 0; at < len; at++) {
		if (s[at] != '@')
			continue;
		size_t a = at, b = at + 1;
		while (a > 0 && email_local((unsigned char)s[a - 1]))
			a--;
		while (a < at && s[a] == '.')
			a++;
		while (b < len && email_domain((unsigned char)s[b]))
			b++;
		while (b > at + 1 && (s[b - 1] == '.' || s[b - 1] == '-'))
			b--;
		if (a == at || b <= at + 1)
			continue;
		/* the domain needs a dot and a top-level part of two letters or more */
		size_t dot = 0;
		for (size_t k = at + 1; k < b; k++)
			if (s[k] == '.')
				dot = k;
		if (!dot || dot == at + 1 || b - dot - 1 < 2)
			continue;
		bool alpha_tld = true;
		for (size_t k = dot + 1; k < b; k++)
			if (is_digit((unsigned char)s[k]))
				alpha_tld = false;
		if (!alpha_tld)
			continue;
		struct nlu_entity *e = cand_new(c, NLU_ENT_EMAIL, a, b);
		if (!e)
			return;
		char v[NLU_ENTITY_VALUE_MAX];
		size_t n = b - a < sizeof v - 1 ? b - a : sizeof v - 1;
		for (size_t k = 0; k < n; k++) {
			char ch = s[a + k];
			v[k] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
		}
		v[n] = '\0';
		set_value(e, v, n);
		at = b;
	}
}

/* ---- job and invoice numbers ---- */

static const struct { const char *phrase; enum nlu_entity_type type; } number_cues[] = {
	{ "work order", NLU_ENT_JOB_NUMBER }, { "workorder", NLU_ENT_JOB_NUMBER },
	{ "wo", NLU_ENT_JOB_NUMBER }, { "job", NLU_ENT_JOB_NUMBER },
	{ "ticket", NLU_ENT_JOB_NUMBER }, { "service order", NLU_ENT_JOB_NUMBER },
	{ "order", NLU_ENT_JOB_NUMBER }, { "trabajo", NLU_ENT_JOB_NUMBER },
	{ "orden", NLU_ENT_JOB_NUMBER }, { "j", NLU_ENT_JOB_NUMBER },
	{ "invoice", NLU_ENT_INVOICE_NUMBER }, { "inv", NLU_ENT_INVOICE_NUMBER },
	{ "bill", NLU_ENT_INVOICE_NUMBER }, { "receipt", NLU_ENT_INVOICE_NUMBER },
	{ "factura", NLU_ENT_INVOICE_NUMBER },
};

static void find_numbers(const struct nlu_toks *tk, struct cands *c)
{
	static const char *const fillers[] = {
		"number", "num", "no", "nr", "#", ":", "-", ".", "id", "is", "número", "numero", NULL,
	};
	for (size_t i = 0; i < tk->n; i++) {
		size_t n = 0;
		enum nlu_entity_type type = NLU_ENT_JOB_NUMBER;
		for (size_t k = 0; k < sizeof number_cues / sizeof number_cues[0]; k++) {
			size_t m = nlu__phrase(tk, i, number_cues[k].phrase);
			if (m > n) {
				n = m;
				type = number_cues[k].type;
			}
		}
		if (!n)
			continue;
		size_t j = i + n, hops = 0;
		if (nlu__tok_is(tk, j, "de"))
			j++;
		while (hops < 3 && nlu__tok_in(tk, j, fillers) >= 0) {
			j++;
			hops++;
		}
		if (j >= tk->n || tk->t[j].kind != NLU_TOK_NUM || tk->t[j].ndigits < 3 ||
		    tk->t[j].ndigits > 12)
			continue;
		/* a lone "j" counts only as "J-48213", the dash glued on */
		if (nlu__tok_is(tk, i, "j") && !(nlu__tok_is(tk, i + 1, "-") && j == i + 2 &&
						 !tk->t[j].space_before && !tk->t[i + 1].space_before))
			continue;
		size_t end = tk->t[j].end;
		struct nlu_entity *e = cand_new(c, type, tk->t[i].start, end);
		if (!e)
			return;
		char v[NLU_ENTITY_VALUE_MAX];
		int w = snprintf(v, sizeof v, "%s%.*s", type == NLU_ENT_JOB_NUMBER ? "J-" : "INV-",
				 (int)(tk->t[j].end - tk->t[j].start), tk->text + tk->t[j].start);
		set_value(e, v, w > 0 ? (size_t)w : 0);
		i = j;
	}
}

/* ---- money ---- */

static const char *const money_units[] = {
	"dollars", "dollar", "bucks", "buck", "usd", "dólares", "dolares", NULL,
};

/* Reads "1,250.50" (digits with thousands commas and cents) at i. */
static size_t read_amount(const struct nlu_toks *tk, size_t i, double *amount)
{
	if (i >= tk->n || tk->t[i].kind != NLU_TOK_NUM || tk->t[i].ndigits > 9)
		return 0;
	double v = (double)tk->t[i].num;
	size_t j = i + 1;
	while (tk->t[i].ndigits <= 3 && nlu__tok_is(tk, j, ",") && j + 1 < tk->n &&
	       tk->t[j + 1].kind == NLU_TOK_NUM && tk->t[j + 1].ndigits == 3 &&
	       !tk->t[j].space_before && !tk->t[j + 1].space_before) {
		v = v * 1000 + (double)tk->t[j + 1].num;
		j += 2;
	}
	if (nlu__tok_is(tk, j, ".") && j + 1 < tk->n && tk->t[j + 1].kind == NLU_TOK_NUM &&
	    tk->t[j + 1].ndigits <= 2 && !tk->t[j].space_before && !tk->t[j + 1].space_before) {
		double cents = (double)tk->t[j + 1].num;
		v += tk->t[j + 1].ndigits == 1 ? cents / 10 : cents / 100;
		j += 2;
	}
	if (j < tk->n && (nlu__tok_is(tk, j, "k")) && !tk->t[j].space_before) {
		v *= 1000;
		j++;
	}
	*amount = v;
	return j - i;
}

static void add_money(struct cands *c, const struct nlu_toks *tk, size_t i, size_t end_tok,
		      double amount)
{
	struct nlu_entity *e = cand_new(c, NLU_ENT_MONEY, tk->t[i].start, tk->t[end_tok - 1].end);
	if (!e)
		return;
	e->amount = amount;
	char v[48];
	int w = snprintf(v, sizeof v, "%.2f", amount);
	set_value(e, v, w > 0 ? (size_t)w : 0);
}

static void find_money(const struct nlu_toks *tk, struct cands *c)
{
	for (size_t i = 0; i < tk->n; i++) {
		double amount;
		size_t n;
		if (nlu__tok_is(tk, i, "$")) {
			if ((n = read_amount(tk, i + 1, &amount)) && !tk->t[i + 1].space_before) {
				size_t j = i + 1 + n;
				if (nlu__tok_in(tk, j, money_units) >= 0)
					j++;
				add_money(c, tk, i, j, amount);
				i = j - 1;
			}
			continue;
		}
		if ((n = read_amount(tk, i, &amount))) {
			if (i > 0 && !tk->t[i].space_before &&
			    (tk->t[i - 1].kind == NLU_TOK_WORD || nlu__tok_is(tk, i - 1, "-")))
				continue;   /* "XR14" is a model number */
			size_t j = i + n;
			if (nlu__tok_in(tk, j, money_units) >= 0) {
				add_money(c, tk, i, j + 1, amount);
				i = j;
			} else {
				i = j - 1;
			}
			continue;
		}
		int64_t v;
		if ((n = nlu__number_words(tk, i, &v)) && v > 0) {
			size_t j = i + n;
			if (nlu__tok_in(tk, j, money_units) >= 0) {
				add_money(c, tk, i, j + 1, (double)v);
				i = j;
			} else {
				i = j - 1;
			}
		}
	}
}

/* ---- equipment ---- */

static const struct { const char *phrase; const char *name; } equipment[] = {
	{ "air conditioner", "air_conditioner" }, { "air conditioning", "air_conditioner" },
	{ "air conditioners", "air_conditioner" }, { "ac unit", "air_conditioner" },
	{ "ac", "air_conditioner" }, { "a / c", "air_conditioner" },
	{ "a . c .", "air_conditioner" }, { "central air", "air_conditioner" },
	{ "air con", "air_conditioner" }, { "condenser", "air_conditioner" },
	{ "aire acondicionado", "air_conditioner" }, { "aire", "air_conditioner" },
	{ "outside unit", "air_conditioner" }, { "outdoor unit", "air_conditioner" },
	{ "condensing unit", "air_conditioner" },
	{ "heat pump", "heat_pump" }, { "heatpump", "heat_pump" }, { "heat pumps", "heat_pump" },
	{ "bomba de calor", "heat_pump" }, { "furnaces", "furnace" },
	{ "water heaters", "water_heater" }, { "thermostats", "thermostat" },
	{ "bomba de sumidero", "sump_pump" },
	{ "furnace", "furnace" }, { "heater", "furnace" }, { "heating system", "furnace" },
	{ "calefacción", "furnace" }, { "calefaccion", "furnace" },
	{ "boiler", "boiler" },
	{ "water heater", "water_heater" }, { "hot water heater", "water_heater" },
	{ "hot water tank", "water_heater" }, { "water tank", "water_heater" },
	{ "calentador de agua", "water_heater" }, { "calentador", "water_heater" },
	{ "tankless water heater", "tankless_water_heater" },
	{ "tankless heater", "tankless_water_heater" }, { "tankless", "tankless_water_heater" },
	{ "on demand water heater", "tankless_water_heater" },
	{ "thermostat", "thermostat" }, { "t - stat", "thermostat" }, { "tstat", "thermostat" },
	{ "termostato", "thermostat" },
	{ "ductwork", "ductwork" }, { "duct work", "ductwork" }, { "ducts", "ductwork" },
	{ "duct", "ductwork" }, { "air ducts", "ductwork" },
	{ "mini split", "mini_split" }, { "mini - split", "mini_split" },
	{ "minisplit", "mini_split" }, { "ductless", "mini_split" },
	{ "drain", "drain" }, { "drains", "drain" }, { "desagüe", "drain" },
	{ "toilet", "toilet" }, { "toilets", "toilet" }, { "commode", "toilet" },
	{ "inodoro", "toilet" },
	{ "faucet", "faucet" }, { "faucets", "faucet" }, { "spigot", "faucet" },
	{ "hose bib", "faucet" }, { "llave", "faucet" },
	{ "garbage disposal", "garbage_disposal" }, { "disposal", "garbage_disposal" },
	{ "garbage disposer", "garbage_disposal" },
	{ "sump pump", "sump_pump" }, { "sump", "sump_pump" },
	{ "sewer line", "sewer_line" }, { "sewer", "sewer_line" },
	{ "sewer pipe", "sewer_line" }, { "main line", "sewer_line" },
	{ "water line", "water_line" }, { "water main", "water_line" },
	{ "main water line", "water_line" }, { "supply line", "water_line" },
	{ "electrical panel", "electrical_panel" }, { "electric panel", "electrical_panel" },
	{ "breaker box", "electrical_panel" }, { "breaker panel", "electrical_panel" },
	{ "fuse box", "electrical_panel" }, { "service panel", "electrical_panel" },
	{ "panel", "electrical_panel" },
	{ "outlet", "outlet" }, { "outlets", "outlet" }, { "receptacle", "outlet" },
	{ "socket", "outlet" }, { "enchufe", "outlet" },
	{ "breaker", "breaker" }, { "breakers", "breaker" }, { "circuit breaker", "breaker" },
	{ "ceiling fan", "ceiling_fan" }, { "ceiling fans", "ceiling_fan" },
	{ "generator", "generator" }, { "standby generator", "generator" },
	{ "generac", "generator" },
	{ "ev charger", "ev_charger" }, { "car charger", "ev_charger" },
	{ "electric vehicle charger", "ev_charger" }, { "tesla charger", "ev_charger" },
	{ "level 2 charger", "ev_charger" },
	{ "smoke detector", "smoke_detector" }, { "smoke detectors", "smoke_detector" },
	{ "smoke alarm", "smoke_detector" }, { "smoke alarms", "smoke_detector" },
	{ "co detector", "co_detector" }, { "carbon monoxide detector", "co_detector" },
	{ "co alarm", "co_detector" }, { "carbon monoxide alarm", "co_detector" },
	{ "co detectors", "co_detector" },
};

static void find_equipment(const struct nlu_toks *tk, struct cands *c)
{
	for (size_t i = 0; i < tk->n; i++) {
		size_t best = 0, which = 0;
		for (size_t k = 0; k < sizeof equipment / sizeof equipment[0]; k++) {
			size_t n = nlu__phrase(tk, i, equipment[k].phrase);
			if (n > best) {
				best = n;
				which = k;
			}
		}
		if (!best)
			continue;
		/* "AC" must stand alone: not "AC-DC" pieces glued into other words */
		if (i > 0 && !tk->t[i].space_before && tk->t[i - 1].kind == NLU_TOK_WORD)
			continue;
		struct nlu_entity *e = cand_new(c, NLU_ENT_EQUIPMENT, tk->t[i].start,
						tk->t[i + best - 1].end);
		if (!e)
			return;
		set_value(e, equipment[which].name, strlen(equipment[which].name));
		i += best - 1;
	}
}

/* ---- person name ---- */

/* Cues before a name; a sign-off ("Regards, Ellen") counts only when the name ends the
 * message. */
static const struct { const char *phrase; bool needs_caps; bool at_end; } name_cues[] = {
	{ "my name is", false, false }, { "my name's", false, false },
	{ "name is", false, false }, { "the name is", false, false },
	{ "me llamo", false, false }, { "mi nombre es", false, false },
	{ "this is", true, false }, { "i am", true, false }, { "i'm", true, false },
	{ "it's", true, false }, { "soy", true, false }, { "speaking with", true, false },
	{ "regards ,", true, true }, { "best regards ,", true, true },
	{ "kind regards ,", true, true }, { "warm regards ,", true, true },
	{ "thanks ,", true, true }, { "thank you ,", true, true }, { "thanks again ,", true, true },
	{ "sincerely ,", true, true }, { "best ,", true, true }, { "cheers ,", true, true },
	{ "saludos ,", true, true }, { "gracias ,", true, true }, { "atentamente ,", true, true },
	{ "-", true, true },
};

static const char *const not_names[] = {
	"the", "a", "an", "not", "so", "very", "calling", "just", "really", "and", "but",
	"ridiculous", "urgent", "here", "there", "that", "this", "it", "is", "i", "my",
	"your", "at", "in", "on", "for", "with", "from", "about", "to", "please", "thanks",
	"sorry", "still", "trying", "looking", "having", "going", "getting", "home", "out",
	"done", "ok", "okay", "hi", "hello", "hey", "yes", "no", "unacceptable", "frustrated",
	"annoyed", "upset", "tired", "happy", "glad", "ready", "available", "back", "again",
	"interested", "wondering", "writing", "texting", "reaching", "following", "asking",
	"confused", "the", "customer", "homeowner", "owner", "gas", "water", "what", "who",
	"how", "when", "where", "why", "can", "could", "would", "will", "mr", "mrs", "ms", "dr",
	"el", "la", "de", "y", "tomorrow", "today", "tonight", "late", "early", "sure", "fine",
	"cold", "hot", "freezing", "worried", "scared", "an", "emergency", "ai", "bot",
	"spelled", "misspelled", "wrong", "incorrect", "listed", "missing", "on", "under",
	"team", "brightline", NULL,
};

static bool name_word(const struct nlu_toks *tk, size_t i, bool needs_caps)
{
	if (i >= tk->n || tk->t[i].kind != NLU_TOK_WORD)
		return false;
	const char *w = tk->text + tk->t[i].start;
	if (needs_caps && !(w[0] >= 'A' && w[0] <= 'Z') && !((unsigned char)w[0] >= 0xC3))
		return false;
	if (nlu__tok_in(tk, i, not_names) >= 0)
		return false;
	return tk->t[i].end - tk->t[i].start >= 2 || needs_caps;
}

static void find_names(const struct nlu_toks *tk, struct cands *c)
{
	static const char *const titles[] = { "mr", "mrs", "ms", "miss", "dr", NULL };
	for (size_t i = 0; i < tk->n; i++) {
		size_t best = 0, which = 0;
		for (size_t k = 0; k < sizeof name_cues / sizeof name_cues[0]; k++) {
			size_t n = nlu__phrase(tk, i, name_cues[k].phrase);
			if (n > best) {
				best = n;
				which = k;
			}
		}
		if (!best)
			continue;
		bool caps = name_cues[which].needs_caps;
		size_t j = i + best, first = j;
		if (nlu__tok_is(tk, j, ":"))
			first = ++j;
		if (nlu__tok_in(tk, j, titles) >= 0 &&
		    (caps ? (tk->text[tk->t[j].start] >= 'A' && tk->text[tk->t[j].start] <= 'Z') : true)) {
			j++;
			if (nlu__tok_is(tk, j, "."))
				j++;
		}
		size_t words = 0, last = j;
		while (words < 3 && name_word(tk, j, caps)) {
			words++;
			last = j;
			j++;
			/* hyphenated names: "Mary-Jo" */
			if (nlu__tok_is(tk, j, "-") && !tk->t[j].space_before && name_word(tk, j + 1, caps) &&
			    !tk->t[j + 1].space_before)
				j++;
		}
		if (!words)
			continue;
		if (name_cues[which].at_end) {
			size_t k = j;
			while (k < tk->n && tk->t[k].kind == NLU_TOK_PUNCT)
				k++;
			if (k < tk->n)
				continue;
		}
		/* a shouted sentence is not a name */
		if (caps && tk->t[last].caps && words > 1)
			continue;
		size_t s = tk->t[first].start, e = tk->t[last].end;
		struct nlu_entity *ent = cand_new(c, NLU_ENT_PERSON_NAME, s, e);
		if (!ent)
			return;
		/* value: the words as said, single-spaced */
		char v[NLU_ENTITY_VALUE_MAX];
		size_t n = 0;
		for (size_t k = s; k < e && n + 1 < sizeof v; k++) {
			char ch = tk->text[k];
			if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
				if (n && v[n - 1] != ' ')
					v[n++] = ' ';
			} else {
				v[n++] = ch;
			}
		}
		v[n] = '\0';
		set_value(ent, v, n);
		i = last;
	}
}

/* ---- address and ZIP ---- */

static const char *const street_suffixes[] = {
	"st", "street", "rd", "road", "ave", "avenue", "av", "blvd", "boulevard", "dr", "drive",
	"ln", "lane", "ct", "court", "way", "pl", "place", "pkwy", "parkway", "cir", "circle",
	"trl", "trail", "hwy", "highway", "ter", "terrace", "loop", "cv", "cove", "row",
	"sq", "square", "pike", "xing", "crossing", "run", "path", "aly", "alley", NULL,
};
static const char *const unit_words[] = { "apt", "apartment", "unit", "suite", "ste", "#", NULL };
static const char *const states[] = {
	"nc", "sc", "va", "ga", "tn", "fl", "ny", "tx", "ca", "oh", "pa", "al", "north carolina",
	"south carolina", NULL,
};
static const char *const not_city[] = {
	"and", "i", "my", "is", "the", "please", "can", "to", "for", "tomorrow", "today",
	"tonight", "at", "in", "on", "but", "we", "it", "you", "so", "that", "this", "near",
	"between", "after", "before", "by", "thanks", "thank", "or", "apt", "unit", NULL,
};

static bool zip_token(const struct nlu_toks *tk, size_t i)
{
	if (i >= tk->n || tk->t[i].kind != NLU_TOK_NUM || tk->t[i].ndigits != 5)
		return false;
	if (tk->t[i].num < 501)
		return false;
	/* part of a longer run: "28207-1234" keeps the first five; "12345.67" is money */
	if (i > 0 && !tk->t[i].space_before &&
	    (tk->t[i - 1].kind != NLU_TOK_PUNCT || nlu__tok_is(tk, i - 1, "$") ||
	     nlu__tok_is(tk, i - 1, "-") || nlu__tok_is(tk, i - 1, "#") ||
	     nlu__tok_is(tk, i - 1, ".")))
		return false;
	if (i + 1 < tk->n && !tk->t[i + 1].space_before &&
	    (tk->t[i + 1].kind == NLU_TOK_WORD || nlu__tok_is(tk, i + 1, ".") ||
	     nlu__tok_is(tk, i + 1, ",") || nlu__tok_is(tk, i + 1, "/")) &&
	    !(nlu__tok_is(tk, i + 1, ".") && (i + 2 >= tk->n || tk->t[i + 2].space_before)) &&
	    !(nlu__tok_is(tk, i + 1, ",") && (i + 2 >= tk->n || tk->t[i + 2].space_before)))
		return false;
	static const char *const after[] = {
		"dollars", "bucks", "btu", "btus", "miles", "mi", "people", "calls", "times",
		"sq", "square", "feet", "ft", "gallons", "customers", "units", "%", NULL,
	};
	if (nlu__tok_in(tk, i + 1, after) >= 0)
		return false;
	static const char *const before[] = {
		"job", "invoice", "order", "ticket", "account", "#", "number", "no", "model",
		"serial", "inv", "wo", "$", "confirmation", "code", NULL,
	};
	if (i > 0 && nlu__tok_in(tk, i - 1, before) >= 0 &&
	    !(nlu__tok_is(tk, i - 1, "code") && i > 1 &&
	      (nlu__tok_is(tk, i - 2, "zip") || nlu__tok_is(tk, i - 2, "postal"))))
		return false;
	return true;
}

static void find_addresses(const struct nlu_toks *tk, struct cands *c)
{
	for (size_t i = 0; i < tk->n; i++) {
		const struct nlu_tok *t = &tk->t[i];
		if (t->kind != NLU_TOK_NUM || t->ndigits > 6 || t->num == 0)
			continue;
		if (i > 0 && !t->space_before)
			continue;
		/* texting "2" for "to" and "4" for "for": "u go out 2 indian trail?" */
		static const char *const sms_verbs[] = {
			"go", "out", "come", "drive", "get", "back", "over", "move", "moved", "talk",
			"way", "send", "head", NULL,
		};
		if ((t->num == 2 || t->num == 4) && i > 0 && nlu__tok_in(tk, i - 1, sms_verbs) >= 0)
			continue;
		/* "5th street" has no house number */
		if (i + 1 < tk->n && !tk->t[i + 1].space_before && tk->t[i + 1].kind != NLU_TOK_PUNCT)
			continue;
		/* street name: one to four words (ordinals like "5th" allowed) then a suffix */
		size_t j = i + 1, words = 0, suffix = 0;
		static const char *const dirs[] = { "n", "s", "e", "w", "north", "south", "east", "west", NULL };
		while (j < tk->n && words < 5) {
			if (words > 0 && nlu__tok_in(tk, j, street_suffixes) >= 0 &&
			    tk->t[j].space_before) {
				suffix = j;
				break;
			}
			if (tk->t[j].kind == NLU_TOK_WORD && nlu__tok_in(tk, j, not_city) < 0) {
				words++;
				j++;
			} else if (tk->t[j].kind == NLU_TOK_NUM && tk->t[j].ndigits <= 3 &&
				   nlu__tok_in(tk, j + 1, (const char *const[]){ "st", "nd", "rd", "th", NULL }) >= 0 &&
				   !tk->t[j + 1].space_before) {
				words++;
				j += 2;
			} else if (nlu__tok_is(tk, j, ".") && words > 0 && nlu__tok_in(tk, j - 1, dirs) >= 0) {
				j++;
			} else {
				break;
			}
		}
		if (!suffix)
			continue;
		size_t end = suffix + 1;
		if (nlu__tok_is(tk, end, ".") && !tk->t[end].space_before)
			end++;
		/* a direction after the suffix, "Main St NW" */
		static const char *const post_dirs[] = { "nw", "ne", "sw", "se", "n", "s", "e", "w", NULL };
		if (nlu__tok_in(tk, end, post_dirs) >= 0)
			end++;
		/* unit */
		size_t k = end;
		if (nlu__tok_is(tk, k, ","))
			k++;
		if (nlu__tok_in(tk, k, unit_words) >= 0) {
			size_t u = k + 1;
			if (nlu__tok_is(tk, u, "#"))
				u++;
			if (u < tk->n && (tk->t[u].kind == NLU_TOK_NUM || tk->t[u].kind == NLU_TOK_WORD) &&
			    tk->t[u].end - tk->t[u].start <= 5) {
				end = u + 1;
				/* "4b" */
				if (end < tk->n && tk->t[end].kind == NLU_TOK_WORD && !tk->t[end].space_before &&
				    tk->t[end].end - tk->t[end].start <= 2)
					end++;
			}
		}
		/* city, state, zip */
		k = end;
		bool comma = nlu__tok_is(tk, k, ",");
		if (comma)
			k++;
		size_t city_words = 0;
		while (city_words < 3 && k < tk->n && tk->t[k].kind == NLU_TOK_WORD &&
		       nlu__tok_in(tk, k, not_city) < 0 && nlu__tok_in(tk, k, states) < 0) {
			city_words++;
			k++;
		}
		size_t after_city = k;
		if (nlu__tok_is(tk, k, ","))
			k++;
		size_t sn = nlu__phrase_any(tk, k, states, NULL);
		size_t after_state = sn ? k + sn : 0;
		if (sn)
			k += sn;
		if (nlu__tok_is(tk, k, ","))
			k++;
		bool zip = zip_token(tk, k);
		if (zip)
			end = k + 1;
		else if (sn && (city_words || comma))
			end = after_state;
		else if (comma && city_words && city_words <= 2)
			end = after_city;
		struct nlu_entity *e = cand_new(c, NLU_ENT_ADDRESS, t->start, tk->t[end - 1].end);
		if (!e)
			return;
		char v[NLU_ENTITY_VALUE_MAX];
		size_t n = 0;
		for (size_t b = e->start; b < e->end && n + 1 < sizeof v; b++) {
			char ch = tk->text[b];
			if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
				if (n && v[n - 1] != ' ')
					v[n++] = ' ';
			} else {
				v[n++] = ch;
			}
		}
		v[n] = '\0';
		set_value(e, v, n);
		i = end - 1;
	}
}

static void find_zips(const struct nlu_toks *tk, struct cands *c)
{
	for (size_t i = 0; i < tk->n; i++) {
		if (!zip_token(tk, i))
			continue;
		struct nlu_entity *e = cand_new(c, NLU_ENT_ZIP, tk->t[i].start, tk->t[i].end);
		if (!e)
			return;
		set_value(e, tk->text + tk->t[i].start, 5);
	}
}

/* ---- settling overlaps ---- */

static bool overlaps(const struct nlu_entity *a, const struct nlu_entity *b)
{
	return a->start < b->end && b->start < a->end;
}

static int by_start(const void *pa, const void *pb)
{
	const struct nlu_entity *a = pa, *b = pb;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->type < b->type ? -1 : a->type > b->type;
}

/* Code point offset of byte offset b. */
static size_t cp_offset(const char *s, size_t b)
{
	size_t n = 0;
	for (size_t k = 0; k < b; k++)
		if (((unsigned char)s[k] & 0xC0) != 0x80)
			n++;
	return n;
}

int nlu_extract_entities(const char *text, size_t len, int64_t now, const struct tz *zone,
			 struct nlu_entities *out)
{
	int rc = 0;
	struct nlu_toks *tk = NULL;
	struct cands *cands = NULL;
	struct nlu_entities *dates = NULL;

	if (!out || (!text && len))
		return -EINVAL;
	out->count = 0;
	if (!text)
		return 0;
	if (!utf8_valid(text, len))
		return -TN_EPARSE;
	tk = malloc(sizeof *tk);
	cands = malloc(sizeof *cands);
	dates = malloc(sizeof *dates);
	if (!tk || !cands || !dates) {
		rc = -ENOMEM;
		goto out;
	}
	nlu__tokenize(text, len, tk);
	cands->n = 0;
	/* In priority order: earlier extractors win overlaps. */
	find_emails(text, len, cands);
	find_phones(text, len, cands);
	find_numbers(tk, cands);
	find_addresses(tk, cands);
	find_money(tk, cands);
	dates->count = 0;
	nlu__extract_datetimes(tk, now, zone, dates);
	for (size_t k = 0; k < dates->count && cands->n < CAND_MAX; k++)
		cands->e[cands->n++] = dates->items[k];
	find_zips(tk, cands);
	find_equipment(tk, cands);
	find_names(tk, cands);

	for (size_t k = 0; k < cands->n; k++) {
		const struct nlu_entity *e = &cands->e[k];
		bool clash = false;
		for (size_t m = 0; m < out->count && !clash; m++) {
			const struct nlu_entity *o = &out->items[m];
			/* a ZIP inside an address is reported both ways */
			if (e->type == NLU_ENT_ZIP && o->type == NLU_ENT_ADDRESS)
				continue;
			clash = overlaps(e, o);
		}
		if (clash || out->count >= NLU_ENTITIES_MAX)
			continue;
		out->items[out->count++] = *e;
	}
	qsort(out->items, out->count, sizeof out->items[0], by_start);
	for (size_t k = 0; k < out->count; k++) {
		struct nlu_entity *e = &out->items[k];
		size_t n = e->end - e->start;
		if (n >= sizeof e->text) {
			n = sizeof e->text - 1;
			while (n > 0 && ((unsigned char)text[e->start + n] & 0xC0) == 0x80)
				n--;
		}
		memcpy(e->text, text + e->start, n);
		e->text[n] = '\0';
		e->cstart = cp_offset(text, e->start);
		e->cend = e->cstart + cp_offset(text + e->start, e->end - e->start);
	}
out:
	free(tk);
	free(cands);
	free(dates);
	return rc;
}

int nlu_entities_to_json(const struct nlu_entities *ents, const struct tz *zone, json_t **out)
{
	int rc = 0;
	json_t *arr = NULL;

	if (!ents || !out)
		return -EINVAL;
	*out = NULL;
	arr = json_array();
	if (!arr)
		return -ENOMEM;
	for (size_t k = 0; k < ents->count; k++) {
		const struct nlu_entity *e = &ents->items[k];
		json_t *o = json_object();
		if (!o || json_array_append_new(arr, o) != 0) {
			rc = -ENOMEM;
			goto out;
		}
		int bad = json_object_set_new(o, "type", json_string(nlu_entity_type_name(e->type)));
		if (e->type == NLU_ENT_DATETIME) {
			char s[NLU_ISO_MAX], en[NLU_ISO_MAX];
			if (zone) {
				nlu__format_iso(zone, e->dt_start, s, sizeof s);
				nlu__format_iso(zone, e->dt_end, en, sizeof en);
			} else {
				memcpy(s, e->dt_start_iso, sizeof s);
				memcpy(en, e->dt_end_iso, sizeof en);
			}
			bad |= json_object_set_new(o, "start", json_string(s));
			bad |= json_object_set_new(o, "end", json_string(en));
			bad |= json_object_set_new(o, "point", json_boolean(e->dt_point));
		} else if (e->type == NLU_ENT_MONEY) {
			bad |= json_object_set_new(o, "value", json_real(e->amount));
		} else {
			bad |= json_object_set_new(o, "value", json_string(e->value));
		}
		bad |= json_object_set_new(o, "text", json_string(e->text));
		bad |= json_object_set_new(o, "span", json_pack("[II]", (json_int_t)e->cstart,
								(json_int_t)e->cend));
		if (bad) {
			rc = -ENOMEM;
			goto out;
		}
	}
	*out = arr;
	arr = NULL;
out:
	json_decref(arr);
	return rc;
}
