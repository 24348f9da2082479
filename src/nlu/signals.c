/* signals.c: sentiment, frustration, urgency and requests for a person, from phrase
 * lexicons with negation, capitals, punctuation and temperatures. */
#include "nlu/extract.h"
#include "nlu/lexicon.h"

#include "base/err.h"
#include "base/utf8.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const evidence_names[] = {
#define NLU_X_(e, s) s,
	NLU_EVIDENCE_CODES(NLU_X_)
#undef NLU_X_
};

const char *nlu_evidence_name(enum nlu_evidence_code c)
{
	if ((unsigned)c >= NLU_EV__COUNT)
		return "unknown";
	return evidence_names[c];
}

bool nlu_signals_has(const struct nlu_signals *s, enum nlu_evidence_code c)
{
	if (!s)
		return false;
	for (size_t k = 0; k < s->evidence_count; k++)
		if (s->evidence[k].code == c)
			return true;
	return false;
}

/* Internal evidence that only combines into a public code. */
enum cond {
	COND_NONE,
	COND_NO_HEAT,      /* with freezing or a vulnerable person: no_heat_freezing */
	COND_NO_COOLING,   /* with extreme heat or a vulnerable person */
	COND_FREEZING,
	COND_EXTREME_HEAT,
};

/* Phrases that share one rule: what they are evidence of and when they count. */
struct phrase {
	const char *const *texts;         /* the phrases, NULL-terminated */
	int code;              /* enum nlu_evidence_code, or -1 for a condition/sentiment only */
	enum cond cond;
	double weight;         /* frustration weight for frustration codes; sentiment otherwise */
	const char *const *unless_next;   /* not when the next token is one of these */
	const char *const *needs_after;   /* only when one of these follows within 4 tokens */
	const char *const *unless_prev;   /* not when the previous token is one of these */
	unsigned char window;             /* tokens searched for needs_after (4 when 0) */
	bool only_negated;                /* counts only when negated ("not a bot") */
};

static const char *const detector_words[] = { "detector", "detectors", "alarm", "alarms", "detector's", NULL };
static const char *const fire_next[] = { "alarm", "alarms", "department", "pit", "place", "code", "extinguisher", "up", NULL };
static const char *const check_next[] = { "check", "inspection", "detector", "detectors", "test", "testing", "checks", NULL };
static const char *const flood_next[] = { "light", "lights", "insurance", "zone", NULL };
static const char *const agent_prev[] = { "my", "our", "insurance", "estate", "travel", NULL };
static const char *const heater_prev[] = { "water", NULL };
static const char *const manager_prev[] = { "property", "my", "our", "project", NULL };
static const char *const speak_to[] = {
	"to", "with", "someone", "somebody", "person", "human", "manager", "agent", "a", NULL,
};
static const char *const someone_for[] = {
	"talk", "speak", "help", "hablar", "available", "call", NULL,
};
static const char *const alarm_going[] = { "going", "went", "goes", "beeping", "sounding", "ringing", "alarming", "keeps", "is", NULL };
/* a slow drip is a booking, not an emergency */
static const char *const leak_minor[] = {
	"slow", "small", "tiny", "minor", "little", "slight", "previous", "old", "last", "past",
	"earlier", NULL,
};

/* One rule and its phrases (the trailing arguments): EV evidence c with frustration
 * weight w; EVU not before a word of u; EVN only with a word of n in the next 4 tokens
 * (EVN1: the next one, EVNW: the next win); EVP not before u nor after b; EVNEG only when
 * negated; CND a condition (CNDP: not after b); SENT a sentiment weight alone. */
#define PHRASES(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define EV(c, w, ...) { PHRASES(__VA_ARGS__), NLU_EV_##c, COND_NONE, w, NULL, NULL, NULL, 0, false }
#define EVU(c, w, u, ...) { PHRASES(__VA_ARGS__), NLU_EV_##c, COND_NONE, w, u, NULL, NULL, 0, false }
#define EVN(c, w, n, ...) { PHRASES(__VA_ARGS__), NLU_EV_##c, COND_NONE, w, NULL, n, NULL, 0, false }
#define EVNW(c, n, win, ...) { PHRASES(__VA_ARGS__), NLU_EV_##c, COND_NONE, 0, NULL, n, NULL, win, false }
#define EVN1(c, w, n, ...) { PHRASES(__VA_ARGS__), NLU_EV_##c, COND_NONE, w, NULL, n, NULL, 1, false }
#define EVP(c, w, u, b, ...) { PHRASES(__VA_ARGS__), NLU_EV_##c, COND_NONE, w, u, NULL, b, 0, false }
#define EVNEG(c, ...) { PHRASES(__VA_ARGS__), NLU_EV_##c, COND_NONE, 0, NULL, NULL, NULL, 0, true }
#define CND(c, ...) { PHRASES(__VA_ARGS__), -1, c, 0, NULL, NULL, NULL, 0, false }
#define CNDP(c, b, ...) { PHRASES(__VA_ARGS__), -1, c, 0, NULL, NULL, b, 0, false }
#define SENT(w, ...) { PHRASES(__VA_ARGS__), -1, COND_NONE, w, NULL, NULL, NULL, 0, false }

/* Every phrase is matched at every token, longest first (the first listed of equal
 * length); matched tokens are consumed. */
static const struct phrase phrases[] = {
	/* life safety */
	EV(GAS_SMELL, 0, "smell gas", "smells like gas", "smell of gas", "smelling gas", "gas smell"),
	EVU(GAS_SMELL, 0, check_next, "gas leak"),
	EV(GAS_SMELL, 0, "gas odor", "smell natural gas", "smell rotten eggs", "rotten egg smell",
		"smells like rotten eggs", "leaking gas", "huele a gas", "olor a gas", "fuga de gas",
		"smell some gas", "smell propane", "propane leak", "huele mucho a gas"),
	EVN(CO_ALARM, 0, alarm_going, "co alarm", "co detector", "carbon monoxide alarm",
		"carbon monoxide detector"),
	EV(CO_ALARM, 0, "carbon monoxide leak", "carbon monoxide poisoning", "co poisoning",
		"monóxido de carbono", "monoxido de carbono"),
	EV(SPARKS, 0, "sparks", "sparking", "sparked", "arcing", "chispas", "shooting sparks"),
	EV(BURNING_SMELL, 0, "burning smell", "smell burning", "smells like burning",
		"smell of burning", "smells burnt", "burnt smell", "burning odor", "smell something burning",
		"smells like something is burning", "smells like something burning", "melting", "melted",
		"olor a quemado", "electrical smell"),
	EVU(SMOKE, 0, detector_words, "smoke", "smoking"), EV(SMOKE, 0, "humo"),
	EV(ELECTRICAL_FIRE, 0, "electrical fire"), EVU(ELECTRICAL_FIRE, 0, fire_next, "fire"),
	EV(ELECTRICAL_FIRE, 0, "on fire", "caught fire", "flames", "fuego", "incendio"),
	/* property damage */
	EV(FLOODING, 0, "flooding", "flooded"), EVU(FLOODING, 0, flood_next, "flood"),
	EV(FLOODING, 0, "standing water", "water everywhere", "overflowing", "overflowin", "inundado",
		"inundando", "inunda", "inundó", "desborda"),
	EV(WATER_THROUGH_CEILING, 0, "water pourin"),
	EV(FLOODING, 0, "inundación", "inundacion"),
	EVP(ACTIVE_LEAK, 0, check_next, leak_minor, "leaking", "leak", "leaks"),
	EV(ACTIVE_LEAK, 0, "fuga de agua"),
	/* a leak in the past: consumed so that "leak" alone does not match */
	SENT(0, "fix the leak", "fix a leak", "look at a leak", "leak detection", "slab leak",
		"leak repair", "had a leak", "fixed the leak", "fixed a leak", "fixed my leak",
		"repaired the leak", "leak was fixed", "leak is fixed", "leak got fixed"),
	EV(BURST_PIPE, 0, "burst pipe", "pipe burst", "pipes burst", "pipe broke", "broken pipe",
		"busted pipe", "pipe busted", "pipe exploded", "pipe has burst", "pipe just burst",
		"tubería rota", "tuberia rota"),
	EV(SEWAGE, 0, "sewage", "sewer backup", "sewer backing up", "sewer is backing up",
		"backing up into", "aguas negras"),
	EV(WATER_THROUGH_CEILING, 0, "through the ceiling", "through my ceiling",
		"through our ceiling", "from the ceiling", "ceiling is leaking", "ceiling leaking",
		"water pouring", "water is pouring", "water gushing", "gushing", "ceiling collapsed"),
	EV(VULNERABLE_PERSON, 0, "elderly", "grandmother", "grandma", "grandfather", "grandpa", "baby",
		"newborn", "infant", "pregnant", "medical condition", "on oxygen", "disabled",
		"heart condition", "bedridden", "dialysis", "senior", "bebé", "bebe", "anciana", "anciano",
		"kids", "children", "toddler", "small child", "es mayor", "son mayores", "niños", "ancianos"),
	CND(COND_NO_HEAT, "no heat", "no heating", "without heat", "heat is out", "heat's out",
		"heat went out", "heat is not working", "heat isn't working", "heat not working",
		"heat stopped", "heat doesn't work", "heat won't come on", "heat won't turn on",
		"heating is out", "furnace is out", "furnace not working", "furnace isn't working",
		"furnace stopped", "furnace died", "furnace quit", "furnace won't turn on",
		"furnace is blowing cold"),
	CNDP(COND_NO_HEAT, heater_prev, "heater not working", "heater is out"),
	CND(COND_NO_HEAT, "heat pump not working", "don't have heat", "have no heat",
		"sin calefacción", "sin calefaccion", "no tenemos calefacción", "no tenemos calefaccion",
		"no heat at all", "no tengo calefacción", "no hay calefacción", "no tengo calefaccion",
		"no hay calefaccion", "boiler is out"),
	CND(COND_NO_COOLING, "no ac", "no a / c", "no air", "no cooling", "not cooling",
		"isn't cooling", "won't cool", "blowing warm air", "blowing hot air", "ac is out",
		"ac went out", "ac not working", "ac isn't working", "ac is not working", "ac stopped",
		"ac died", "ac is broken", "ac broke", "air conditioner not working",
		"air conditioner is out", "air conditioning is out", "air isn't working", "sin aire",
		"without ac", "without air", "no tiene aire", "no tenemos aire", "no hay aire"),
	CND(COND_FREEZING, "freezing", "frozen", "below freezing", "below zero", "froze", "congelando",
		"helando", "snowing", "snow", "bajo cero", "helada", "going to freeze", "mucho frío",
		"mucho frio", "hace frío", "hace frio"),
	CND(COND_EXTREME_HEAT, "heat wave", "heatwave", "extreme heat", "sweltering", "boiling hot",
		"unbearable"),
	/* urgent wording */
	EV(URGENT_WORDING, 0, "urgent", "urgently", "emergency", "asap", "as soon as possible",
		"right away", "immediately", "hurry", "need someone today", "need someone now", "can't wait",
		"cannot wait", "urgente", "emergencia", "lo antes posible", "right now"),
	/* frustration */
	EV(REPEAT_CONTACT, 0.45, "third time", "3rd time"),
	EV(REPEAT_CONTACT, 0.35, "second time", "2nd time"),
	EV(REPEAT_CONTACT, 0.5, "fourth time", "fifth time"),
	EV(REPEAT_CONTACT, 0.45, "called three times"), EV(REPEAT_CONTACT, 0.4, "called twice"),
	EV(REPEAT_CONTACT, 0.45, "how many times"), EV(REPEAT_CONTACT, 0.35, "already called"),
	EV(REPEAT_CONTACT, 0.4, "already told", "keep calling", "keep telling"),
	EV(REPEAT_CONTACT, 0.35, "still waiting"),
	EV(REPEAT_CONTACT, 0.4, "still no one", "still nobody"),
	EV(REPEAT_CONTACT, 0.45, "tercera vez"), EV(REPEAT_CONTACT, 0.4, "every time i call"),
	EV(AGAIN, 0.15, "again", "otra vez", "de nuevo"), EV(RIDICULOUS, 0.4, "ridiculous"),
	EV(RIDICULOUS, 0.35, "absurd"), EV(RIDICULOUS, 0.3, "insane"),
	EV(RIDICULOUS, 0.4, "pathetic"), EV(RIDICULOUS, 0.35, "a joke"),
	EV(RIDICULOUS, 0.3, "nonsense"), EV(RIDICULOUS, 0.4, "ridículo", "ridiculo"),
	EV(UNACCEPTABLE, 0.45, "unacceptable", "not acceptable", "fed up"),
	EV(UNACCEPTABLE, 0.5, "sick and tired"), EV(UNACCEPTABLE, 0.4, "sick of"),
	EV(UNACCEPTABLE, 0.35, "tired of"), EV(UNACCEPTABLE, 0.4, "had enough"),
	EV(UNACCEPTABLE, 0.45, "enough is enough", "inaceptable"),
	EV(SARCASM, 0.4, "great , just great"), EV(SARCASM, 0.35, "just great"),
	EV(SARCASM, 0.3, "just perfect"), EV(SARCASM, 0.35, "just wonderful"),
	EV(SARCASM, 0.45, "thanks for nothing", "thanks a lot for nothing"),
	EV(SARCASM, 0.3, "oh great", "oh perfect", "oh wonderful", "oh fantastic", "yeah right",
		"yeah , right"),
	EV(SARCASM, 0.35, "real helpful"), EV(SARCASM, 0.25, "so helpful"),
	EV(SARCASM, 0.3, "what a surprise", "big surprise"),
	EV(SARCASM, 0.35, "love waiting", "gee thanks"),
	EV(SARCASM, 0.3, "wow , thanks", "wow thanks"),
	/* a request for a person */
	EV(BOT_QUESTION, 0, "are you a bot", "are you a robot", "are you real",
		"are you a real person", "are you human", "are you a human", "are you a person",
		"is this a bot", "is this a robot", "is this a real person", "am i talking to a bot",
		"am i talking to a robot", "am i talking to a machine", "am i talking to a computer",
		"am i talking to a real person", "am i chatting with a bot", "is this automated",
		"eres un robot", "eres una máquina", "eres humano"),
	EV(DIRECT_REQUEST, 0, "real person", "real human", "live person", "live agent", "live human",
		"actual person", "actual human", "human being", "a human", "talk to a person",
		"speak to a person", "speak with a person", "talk to someone", "speak to someone",
		"speak with someone", "talk to somebody", "speak to somebody", "talk with someone"),
	EVP(DIRECT_REQUEST, 0, NULL, agent_prev, "agent"),
	EVP(DIRECT_REQUEST, 0, NULL, manager_prev, "manager"),
	EV(DIRECT_REQUEST, 0, "representative", "a rep", "operator", "supervisor", "transfer me",
		"connect me to", "connect me with", "put me through", "hablar con una persona",
		"hablar con alguien", "persona real", "un agente", "representante", "a person",
		"person please", "human please", "someone real", "anyone real", "anybody real",
		"talk 2 sum 1", "somebody real", "any humans", "the owner", "the boss", "staff member",
		"member of your staff", "escalate", "press zero", "press 0", "operadora", "talk 2 a person",
		"talk 2 sum1"),
	/* refusing the bot is asking for a person */
	EVNEG(DIRECT_REQUEST, "talk to a bot", "talk to a robot", "talk to a machine",
		"talking to a bot", "talking to a machine", "talking to a robot", "want a computer",
		"want a bot", "more bots", "hablar con un robot", "quiero hablar con un robot",
		"quiero hablar con una máquina", "hablar con una máquina"),
	EV(DIRECT_REQUEST, 0, "done with the chatbot", "done with the bot", "un humano",
		"una persona"),
	EVNW(INDIRECT_REQUEST, someone_for, 7, "is there someone", "is there anyone",
		"is there somebody", "is anyone"),
	EV(INDIRECT_REQUEST, 0, "is there a person", "have someone call me", "someone call me",
		"somebody call me", "someone from the office", "someone who speaks spanish",
		"alguien que hable español", "alguien con quien pueda hablar", "que me llame alguien",
		"me puede llamar alguien", "páseme con", "pásame con", "paseme con", "comuníqueme con",
		"anyone i can talk to", "someone i can talk to", "can i talk to", "can i speak to",
		"can i speak with", "could i talk to", "could i speak to", "could i speak with"),
	EVN1(INDIRECT_REQUEST, 0, speak_to, "i'd like to speak", "i want to speak", "i need to speak",
		"i'd like to talk"),
	EV(INDIRECT_REQUEST, 0, "i want to talk to", "i need to talk to", "someone who can help",
		"somebody who can help", "quiero hablar con", "puedo hablar con"),
	/* sentiment words */
	SENT(1, "thank you", "thanks", "thank", "great"), SENT(1.5, "awesome", "excellent"),
	SENT(1, "perfect"), SENT(1.5, "wonderful"),
	SENT(1, "appreciate", "appreciated", "happy", "pleased", "love"),
	SENT(0.7, "good", "nice"), SENT(1, "helpful"), SENT(1.5, "amazing", "fantastic"),
	SENT(1, "gracias"), SENT(1.5, "excelente"), SENT(1, "perfecto", "friendly"),
	SENT(0.8, "professional"), SENT(1, "satisfied", "glad"), SENT(0.3, "works"),
	SENT(0.5, "fixed"), SENT(-1, "bad"), SENT(-1.5, "terrible", "horrible", "awful"),
	SENT(-2, "worst"), SENT(-1.5, "angry"), SENT(-1.2, "upset"),
	SENT(-1.5, "frustrated", "frustrating"), SENT(-1.2, "annoyed"), SENT(-1, "annoying"),
	SENT(-1.3, "disappointed", "disappointing", "unhappy"), SENT(-1.2, "mad"),
	SENT(-1.5, "hate"), SENT(-1.3, "rude"), SENT(-0.6, "late", "broken"),
	SENT(-1.5, "useless"), SENT(-1.8, "incompetent"), SENT(-0.8, "mess", "poor"),
	SENT(-1, "waste"), SENT(-1.8, "scam", "ripped off"), SENT(-1.3, "overcharged"),
	SENT(-2, "furious"), SENT(-1.5, "sucks", "unprofessional"), SENT(-0.8, "worried"),
	SENT(-1, "scared"), SENT(-1.2, "no show", "no-show"), SENT(-1.5, "never showed"),
	SENT(-1.3, "didn't show"), SENT(-0.4, "problem"),
	SENT(-0.6, "not working", "isn't working"), SENT(-0.3, "won't"), SENT(-1.2, "molesto"),
	SENT(-1.5, "enojado"), SENT(-1, "malo"), SENT(-1.8, "pésimo", "pesimo"),
};

/* Two words near each other in one sentence: "the gas meter is hissing", "water is
 * coming out of the ceiling fan", "the dishwasher line burst". */
struct pair_rule {
	const char *const *a, *const *b;
	unsigned window;                  /* tokens between them, either order */
	int code;                         /* evidence code, or -1 for cond */
	enum cond cond;
	const char *const *unless;        /* not when any of these is in the window */
	const char *const *a_unless_prev; /* not when the word before a is one of these */
};

static const char *const w_gas[] = { "gas", "propane", NULL };
static const char *const w_gas_cue[] = {
	"smell", "smells", "smelled", "smelling", "odor", "odour", "hissing", "hiss", "huele",
	"olor", "saliendo", "escucha", "fuga", "leak", "leaking", NULL,
};
static const char *const w_gas_not[] = {
	"check", "inspection", "detector", "detectors", "test", "testing", "bill", "price",
	"install", NULL,
};
static const char *const w_co[] = { "co", "monoxide", "monóxido", "monoxido", NULL };
static const char *const w_co_cue[] = {
	"alarm", "alarms", "detector", "monitor", "ppm", "beeping", "going", "sonó", "sono",
	"alarma", "sounding", NULL,
};
static const char *const w_co_not[] = {
	"install", "installed", "replace", "replacing", "replaced", "battery", "batteries",
	"chirping", "chirp", "chirps", "new", "price", "cost", NULL,
};
static const char *const w_burnt[] = {
	"burning", "burnt", "burned", "quemado", "scorched", "charred", NULL,
};
static const char *const w_burnt_cue[] = {
	"smell", "smells", "smelling", "odor", "olor", "huele", "wires", "wire", "wiring",
	"outlet", "panel", "plug", "cables", "look", "looks", NULL,
};
static const char *const w_water[] = { "water", "agua", NULL };
static const char *const w_ceiling[] = { "ceiling", "techo", "fixture", NULL };
static const char *const w_stain[] = { "stain", "stains", "spot", "mancha", NULL };
static const char *const w_drip[] = { "stain", "stains", "spot", "mancha", "dripping", "onto", "drip", NULL };
static const char *const w_flood_cue[] = {
	"everywhere", "rising", "soaked", "filling", "inch", "inches", "lleno", "llena",
	"todos", "todas", NULL,
};
static const char *const w_spray_src[] = { "water", "agua", "pipe", "tubería", "tuberia", NULL };
static const char *const w_spray[] = {
	"spraying", "shooting", "spewing", "gushing", "pouring", "pourin", "flowing", "blowing",
	"squirting", "saliendo", "running", NULL,
};
static const char *const w_wall[] = { "wall", "walls", "pared", "floor", NULL };
static const char *const w_burst[] = {
	"burst", "bursted", "busted", "reventó", "revento", "rompió", "rompio", "exploded",
	"explotó", "exploto", "split", "cracked", NULL,
};
static const char *const w_pipe[] = {
	"pipe", "pipes", "line", "tubería", "tuberia", "tubo", "heater", "calentador", "hose",
	NULL,
};
static const char *const w_sewer[] = { "sewer", "sewage", "drenaje", NULL };
static const char *const w_sewer_cue[] = {
	"backed", "backing", "coming", "saliendo", "overflowing", NULL,
};
static const char *const w_heat[] = {
	"heat", "furnace", "heater", "calefacción", "calefaccion", "boiler", "heating", NULL,
};
static const char *const w_broken[] = {
	"out", "failed", "quit", "died", "dead", "broken", "stopped", "won't", "wont", "fue",
	"isn't", NULL,
};
static const char *const w_heater_prev[] = { "water", NULL };
static const char *const w_cool[] = { "ac", "conditioner", "aire", "cooling", NULL };

static const struct pair_rule pair_rules[] = {
	{ w_gas, w_gas_cue, 4, NLU_EV_GAS_SMELL, COND_NONE, w_gas_not, NULL },
	{ w_co, w_co_cue, 4, NLU_EV_CO_ALARM, COND_NONE, w_co_not, NULL },
	{ w_burnt, w_burnt_cue, 4, NLU_EV_BURNING_SMELL, COND_NONE, NULL, NULL },
	{ w_water, w_ceiling, 6, NLU_EV_WATER_THROUGH_CEILING, COND_NONE, w_stain, NULL },
	{ w_water, w_flood_cue, 5, NLU_EV_FLOODING, COND_NONE, NULL, NULL },
	{ w_spray_src, w_spray, 3, NLU_EV_ACTIVE_LEAK, COND_NONE, NULL, NULL },
	{ w_water, w_wall, 4, NLU_EV_ACTIVE_LEAK, COND_NONE, w_drip, NULL },
	{ w_burst, w_pipe, 4, NLU_EV_BURST_PIPE, COND_NONE, NULL, NULL },
	{ w_sewer, w_sewer_cue, 3, NLU_EV_SEWAGE, COND_NONE, NULL, NULL },
	{ w_heat, w_broken, 3, -1, COND_NO_HEAT, NULL, w_heater_prev },
	{ w_cool, w_broken, 3, -1, COND_NO_COOLING, NULL, NULL },
};

static const char *const negators[] = {
	"no", "not", "don't", "dont", "doesn't", "doesnt", "isn't", "isnt", "never",
	"without", "nothing", "nor", "aren't", "wasn't", "there's no", "didn't", "didnt",
	"ni", "sin", "nunca", "nada", "neither", NULL,
};

static const char *const clause_breaks[] = {
	".", ",", "!", "?", ";", "but", "pero", "and", NULL,
};

/* True when a negator occurs in the three tokens before i, within the clause. */
static bool negated(const struct nlu_toks *tk, size_t i)
{
	for (size_t k = 1; k <= 3 && k <= i; k++) {
		if (nlu__tok_in(tk, i - k, clause_breaks) >= 0)
			return false;
		if (nlu__tok_in(tk, i - k, negators) >= 0)
			return true;
	}
	return false;
}

static const char *const profanity[] = {
	"damn", "dammit", "damnit", "goddamn", "shit", "shitty", "bullshit", "crap", "crappy",
	"wtf", "pissed", "ass", "asshole", "bastard", "bitch", "hell", "mierda", "carajo",
	"joder", "pendejo", NULL,
};

/* Upper-case words that are not shouting. */
static const char *const acronyms[] = {
	"ac", "hvac", "co", "asap", "ok", "nc", "sc", "usa", "tv", "ev", "id", "a/c", "pm",
	"am", "gfci", "btu", "seer", "llc", "inc", "pvc", "diy", "hoa", "faq", "ai", "sms",
	"usd", "inv", "wo", "ceo", "np", "ty", "uv", NULL,
};

static void add_evidence(struct nlu_signals *s, enum nlu_evidence_code code, size_t start,
			 size_t end)
{
	for (size_t k = 0; k < s->evidence_count; k++)
		if (s->evidence[k].code == code)
			return;
	if (s->evidence_count >= NLU_EVIDENCE_MAX)
		return;
	struct nlu_evidence *e = &s->evidence[s->evidence_count++];
	e->code = code;
	e->start = start;
	e->end = end;
}

static int by_start(const void *pa, const void *pb)
{
	const struct nlu_evidence *a = pa, *b = pb;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return (int)a->code - (int)b->code;
}

static const char *const sentence_ends[] = { ".", "!", "?", ";", NULL };

/* Finds pair_rules[r] in tk: the first match, not negated, as a span; false if none. */
static bool find_pair(const struct nlu_toks *tk, const struct pair_rule *r, size_t *s,
		      size_t *e)
{
	for (size_t i = 0; i < tk->n; i++) {
		if (nlu__tok_in(tk, i, r->a) < 0)
			continue;
		if (r->a_unless_prev && i > 0 && nlu__tok_in(tk, i - 1, r->a_unless_prev) >= 0)
			continue;
		size_t lo = i > r->window ? i - r->window : 0;
		size_t hi = i + r->window < tk->n ? i + r->window : tk->n - 1;
		for (size_t j = lo; j <= hi; j++) {
			if (j == i || nlu__tok_in(tk, j, r->b) < 0)
				continue;
			size_t a = i < j ? i : j, b = i < j ? j : i;
			bool ok = true;
			for (size_t k = a; k <= b && ok; k++)
				ok = nlu__tok_in(tk, k, sentence_ends) < 0;
			/* "unless" words count anywhere in the sentence */
			for (size_t k = a; ok && r->unless && k > 0 &&
			     nlu__tok_in(tk, k - 1, sentence_ends) < 0; k--)
				ok = nlu__tok_in(tk, k - 1, r->unless) < 0;
			for (size_t k = a; ok && r->unless && k < tk->n &&
			     nlu__tok_in(tk, k, sentence_ends) < 0; k++)
				ok = nlu__tok_in(tk, k, r->unless) < 0;
			if (!ok || negated(tk, a))
				continue;
			*s = tk->t[a].start;
			*e = tk->t[b].end;
			return true;
		}
	}
	return false;
}

/* Temperatures mentioned: "20 degrees", "85°", "it's 98 inside", "-5 degrees". */
static void temperatures(const struct nlu_toks *tk, int64_t *lo, int64_t *hi, size_t *lo_at,
			 size_t *hi_at)
{
	static const char *const after[] = {
		"degrees", "degree", "deg", "°", "°f", "f", "inside", "outside", "in here",
		"grados", "out", "afuera", "adentro", NULL,
	};
	static const char *const before[] = {
		"temperature is", "temp is", "down to", "thermostat says", "thermostat reads",
		"thermostat shows", "house is", "hace", NULL,
	};
	for (size_t i = 0; i < tk->n; i++) {
		if (tk->t[i].kind != NLU_TOK_NUM || tk->t[i].ndigits > 3)
			continue;
		int64_t v = tk->t[i].num;
		bool minus = (i > 0 && nlu__tok_is(tk, i - 1, "-") && !tk->t[i].space_before) ||
			     (i > 0 && nlu__tok_is(tk, i - 1, "minus"));
		bool is_temp = nlu__tok_in(tk, i + 1, after) >= 0 ||
			       (i + 1 < tk->n && strncmp(tk->t[i + 1].low, "\xc2\xb0", 2) == 0);
		if (!is_temp && i > 0 && (nlu__tok_is(tk, i - 1, "it's") || nlu__tok_is(tk, i - 1, "its")))
			is_temp = i + 1 >= tk->n || nlu__tok_in(tk, i + 1, clause_breaks) >= 0;
		for (size_t k = 0; !is_temp && before[k]; k++) {
			size_t words = 1;
			for (const char *c = before[k]; *c; c++)
				words += *c == ' ';
			is_temp = i >= words && nlu__phrase(tk, i - words, before[k]) == words;
		}
		if (v > 130)
			continue;
		/* "85 inside": only as a temperature when a number is followed by a place */
		if (!is_temp)
			continue;
		if (nlu__tok_is(tk, i + 1, "f") && tk->t[i + 1].space_before &&
		    !(i > 0 && nlu__tok_is(tk, i - 1, "it's")))
			continue;
		if (minus)
			v = -v;
		if (v < *lo) {
			*lo = v;
			*lo_at = i;
		}
		if (v > *hi) {
			*hi = v;
			*hi_at = i;
		}
	}
}

/* True when a phrase of rule p that matched the n tokens at i counts there: the words
 * around it allow it. */
static bool phrase_counts(const struct nlu_toks *tk, size_t i, size_t n, const struct phrase *p)
{
	if (p->unless_next && nlu__tok_in(tk, i + n, p->unless_next) >= 0)
		return false;
	if (p->unless_prev && i > 0 && nlu__tok_in(tk, i - 1, p->unless_prev) >= 0)
		return false;
	if (!p->needs_after)
		return true;
	size_t win = p->window ? p->window : 4;
	for (size_t a = i + n; a < i + n + win && a < tk->n; a++)
		if (nlu__tok_in(tk, a, p->needs_after) >= 0)
			return true;
	return false;
}

int nlu_extract_signals(const char *text, size_t len, struct nlu_signals *out)
{
	int rc = 0;
	struct nlu_toks *tk = NULL;
	bool *used = NULL;

	if (!out || (!text && len))
		return -EINVAL;
	memset(out, 0, sizeof *out);
	if (!text || !len)
		return 0;
	if (!utf8_valid(text, len))
		return -TN_EPARSE;
	tk = malloc(sizeof *tk);
	used = calloc(NLU_TOK_MAX, sizeof *used);
	if (!tk || !used) {
		rc = -ENOMEM;
		goto out;
	}
	nlu__tokenize(text, len, tk);

	double frust_keep = 1.0;   /* product of (1 - weight) */
	double senti = 0;
	bool cond[5] = { false };
	size_t cond_at[5][2] = { { 0 } };
	double neg_frust = 0;
	size_t neg_chain = SIZE_MAX;   /* token after the last negated phrase */

	for (size_t i = 0; i < tk->n; i++) {
		if (used[i])
			continue;
		size_t best = 0, which = 0;
		for (size_t k = 0; k < sizeof phrases / sizeof phrases[0]; k++) {
			const struct phrase *p = &phrases[k];
			for (const char *const *t = p->texts; *t; t++) {
				size_t n = nlu__phrase(tk, i, *t);
				if (n > best && phrase_counts(tk, i, n, p)) {
					best = n;
					which = k;
				}
			}
		}
		if (!best)
			continue;
		const struct phrase *p = &phrases[which];
		size_t s = tk->t[i].start, e = tk->t[i + best - 1].end;
		for (size_t k = i; k < i + best; k++)
			used[k] = true;
		bool neg = negated(tk, i);
		/* "no sparks or smoke": a negation carries over "or" and "nor" */
		if (!neg && neg_chain != SIZE_MAX && neg_chain < i) {
			static const char *const joins[] = { "or", "nor", "any", "a", "an", "the", NULL };
			bool only = true;
			for (size_t k = neg_chain; k < i && only; k++)
				only = nlu__tok_in(tk, k, joins) >= 0;
			neg = only;
		}
		neg_chain = neg ? i + best : SIZE_MAX;
		if (p->code < 0 && p->cond == COND_NONE) {
			/* sentiment word; negation turns it around, weaker */
			double w = neg ? -0.5 * p->weight : p->weight;
			senti += w;
			if (w < -1.2)
				neg_frust += 0.2;
			if (w < 0)
				add_evidence(out, NLU_EV_NEGATIVE, s, e);
			else if (w > 0)
				add_evidence(out, NLU_EV_POSITIVE, s, e);
		} else if (p->code < 0) {
			if (!neg && !cond[p->cond]) {
				cond[p->cond] = true;
				cond_at[p->cond][0] = s;
				cond_at[p->cond][1] = e;
			}
		} else if (p->only_negated) {
			if (neg)
				add_evidence(out, (enum nlu_evidence_code)p->code, s, e);
		} else if (!neg || p->code == NLU_EV_AGAIN) {
			add_evidence(out, (enum nlu_evidence_code)p->code, s, e);
			if (p->weight > 0)
				frust_keep *= 1.0 - p->weight;
		}
		i += best - 1;
	}

	/* words near each other */
	for (size_t r = 0; r < sizeof pair_rules / sizeof pair_rules[0]; r++) {
		const struct pair_rule *pr = &pair_rules[r];
		size_t ps, pe;
		if (pr->code >= 0 ? nlu_signals_has(out, (enum nlu_evidence_code)pr->code)
				  : cond[pr->cond])
			continue;
		if (!find_pair(tk, pr, &ps, &pe))
			continue;
		if (pr->code >= 0) {
			add_evidence(out, (enum nlu_evidence_code)pr->code, ps, pe);
		} else {
			cond[pr->cond] = true;
			cond_at[pr->cond][0] = ps;
			cond_at[pr->cond][1] = pe;
		}
	}
	/* an age of 70 or more: "my mother is 85", "90 years old" */
	for (size_t i = 0; i < tk->n; i++) {
		const struct nlu_tok *t = &tk->t[i];
		if (t->kind != NLU_TOK_NUM || t->num < 70 || t->num > 110)
			continue;
		static const char *const years[] = { "years", "year", "yrs", "yr", "años", NULL };
		static const char *const is[] = { "is", "es", "tiene", NULL };
		static const char *const not_age[] = {
			"degrees", "degree", "grados", "inside", "outside", "out", "dollars", "bucks",
			"percent", "%", "°", NULL,
		};
		bool age = nlu__tok_in(tk, i + 1, years) >= 0 ||
			   (i > 0 && nlu__tok_in(tk, i - 1, is) >= 0 && nlu__tok_in(tk, i + 1, not_age) < 0 &&
			    !(i + 1 < tk->n && (unsigned char)tk->t[i + 1].low[0] == 0xC2));
		if (age)
			add_evidence(out, NLU_EV_VULNERABLE_PERSON, t->start,
				     nlu__tok_in(tk, i + 1, years) >= 0 ? tk->t[i + 1].end : t->end);
	}
	/* a message that is only "human", "agent", "rep pls", "0" */
	{
		static const char *const filler[] = { "please", "pls", "plz", "a", "the", "now", "!", "?", ".", ",", NULL };
		static const char *const alone[] = {
			"human", "person", "rep", "representative", "operator", "agent", "zero", "0",
			"persona", "humano", NULL,
		};
		size_t words = 0, hit = SIZE_MAX;
		for (size_t i = 0; i < tk->n; i++) {
			if (nlu__tok_in(tk, i, filler) >= 0)
				continue;
			words++;
			if (nlu__tok_in(tk, i, alone) >= 0)
				hit = i;
		}
		if (words == 1 && hit != SIZE_MAX)
			add_evidence(out, NLU_EV_DIRECT_REQUEST, tk->t[hit].start, tk->t[hit].end);
	}

	/* profanity, shouting, punctuation */
	size_t caps = 0, words = 0, caps_s = 0, caps_e = 0;
	for (size_t i = 0; i < tk->n; i++) {
		const struct nlu_tok *t = &tk->t[i];
		if (t->kind == NLU_TOK_WORD) {
			words++;
			bool prof = nlu__tok_in(tk, i, profanity) >= 0 || strncmp(t->low, "fuck", 4) == 0 ||
				    strncmp(t->low, "effing", 6) == 0;
			if (prof && !(nlu__tok_is(tk, i, "hell") && nlu__tok_is(tk, i - 1, "the") == false &&
				      i > 0 && !nlu__tok_is(tk, i - 1, "to"))) {
				if (!nlu_signals_has(out, NLU_EV_PROFANITY))
					frust_keep *= 1.0 - 0.45;
				add_evidence(out, NLU_EV_PROFANITY, t->start, t->end);
			}
			if (t->caps && t->end - t->start >= 3 && nlu__tok_in(tk, i, acronyms) < 0) {
				if (!caps)
					caps_s = t->start;
				caps_e = t->end;
				caps++;
			}
		} else if ((t->low[0] == '!' || t->low[0] == '?') && i + 1 < tk->n &&
			   (tk->t[i + 1].low[0] == '!' || tk->t[i + 1].low[0] == '?') &&
			   !tk->t[i + 1].space_before) {
			size_t j = i;
			while (j + 1 < tk->n && (tk->t[j + 1].low[0] == '!' || tk->t[j + 1].low[0] == '?') &&
			       !tk->t[j + 1].space_before)
				j++;
			if (!nlu_signals_has(out, NLU_EV_REPEATED_PUNCTUATION))
				frust_keep *= 1.0 - (j - i >= 2 ? 0.3 : 0.2);
			add_evidence(out, NLU_EV_REPEATED_PUNCTUATION, t->start, tk->t[j].end);
			i = j;
		}
	}
	if (caps >= 2 || (caps >= 1 && words <= 2 && words >= 1 && caps == words)) {
		add_evidence(out, NLU_EV_SHOUTING, caps_s, caps_e);
		frust_keep *= 1.0 - (caps * 2 >= words ? 0.4 : 0.3);
	}

	/* urgency */
	int64_t lo = 1000, hi = -1000;
	size_t lo_at = 0, hi_at = 0;
	temperatures(tk, &lo, &hi, &lo_at, &hi_at);
	bool freezing = cond[COND_FREEZING] || lo <= 32;
	bool hot = cond[COND_EXTREME_HEAT] || hi >= 95;
	bool vulnerable = nlu_signals_has(out, NLU_EV_VULNERABLE_PERSON);
	if (cond[COND_NO_HEAT] && (freezing || vulnerable))
		add_evidence(out, NLU_EV_NO_HEAT_FREEZING, cond_at[COND_NO_HEAT][0],
			     cond_at[COND_NO_HEAT][1]);
	if (cond[COND_NO_COOLING] && (hot || vulnerable))
		add_evidence(out, NLU_EV_NO_COOLING_EXTREME_HEAT, cond_at[COND_NO_COOLING][0],
			     cond_at[COND_NO_COOLING][1]);
	int urgency = 0;
	for (size_t k = 0; k < out->evidence_count; k++) {
		int level = 0;
		switch (out->evidence[k].code) {
		case NLU_EV_GAS_SMELL:
		case NLU_EV_CO_ALARM:
		case NLU_EV_SPARKS:
		case NLU_EV_BURNING_SMELL:
		case NLU_EV_SMOKE:
		case NLU_EV_ELECTRICAL_FIRE:
			level = 3;
			break;
		case NLU_EV_FLOODING:
		case NLU_EV_ACTIVE_LEAK:
		case NLU_EV_BURST_PIPE:
		case NLU_EV_SEWAGE:
		case NLU_EV_WATER_THROUGH_CEILING:
		case NLU_EV_NO_HEAT_FREEZING:
		case NLU_EV_NO_COOLING_EXTREME_HEAT:
			level = 2;
			break;
		case NLU_EV_URGENT_WORDING:
			level = 1;
			break;
		default:
			break;
		}
		if (level > urgency)
			urgency = level;
	}
	out->urgency = urgency;

	/* a person asked for: directly, indirectly, or "are you a bot?" with frustration */
	bool direct = nlu_signals_has(out, NLU_EV_DIRECT_REQUEST);
	bool indirect = nlu_signals_has(out, NLU_EV_INDIRECT_REQUEST);
	out->human_request = direct || indirect;

	double frustration = 1.0 - frust_keep + (neg_frust > 0.4 ? 0.4 : neg_frust);
	if (nlu_signals_has(out, NLU_EV_BOT_QUESTION) && frustration >= 0.3)
		out->human_request = true;
	if (frustration > 1)
		frustration = 1;
	out->frustration = frustration;

	/* sentiment: words, pulled down by frustration and by an emergency */
	double fr_pull = frustration * 2.0;
	if (nlu_signals_has(out, NLU_EV_SARCASM))
		senti = senti > 0 ? -senti : senti;
	senti -= fr_pull;
	if (urgency >= 2)
		senti -= 0.5;
	double sentiment = senti / (fabs(senti) + 2.0);
	if (sentiment > 1)
		sentiment = 1;
	if (sentiment < -1)
		sentiment = -1;
	out->sentiment = round(sentiment * 1000) / 1000;
	out->frustration = round(out->frustration * 1000) / 1000;
	qsort(out->evidence, out->evidence_count, sizeof out->evidence[0], by_start);
out:
	free(tk);
	free(used);
	if (rc)
		memset(out, 0, sizeof *out);
	return rc;
}

int nlu_signals_to_json(const struct nlu_signals *s, json_t **out)
{
	int rc = 0;
	json_t *o = NULL, *ev = NULL;

	if (!s || !out)
		return -EINVAL;
	*out = NULL;
	o = json_object();
	ev = json_array();
	if (!o || !ev) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < s->evidence_count; k++) {
		json_t *e = json_pack("{s:s,s:[II]}", "code", nlu_evidence_name(s->evidence[k].code),
				      "span", (json_int_t)s->evidence[k].start,
				      (json_int_t)s->evidence[k].end);
		if (!e || json_array_append_new(ev, e) != 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	int bad = json_object_set_new(o, "sentiment", json_real(s->sentiment));
	bad |= json_object_set_new(o, "frustration", json_real(s->frustration));
	bad |= json_object_set_new(o, "urgency", json_integer(s->urgency));
	bad |= json_object_set_new(o, "human_request", json_boolean(s->human_request));
	bad |= json_object_set_new(o, "evidence", ev);
	ev = NULL;
	if (bad) {
		rc = -ENOMEM;
		goto out;
	}
	*out = o;
	o = NULL;
out:
	json_decref(ev);
	json_decref(o);
	return rc;
}
