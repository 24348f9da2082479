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

struct phrase {
	const char *text;
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

#define EV(p, c, w) { p, NLU_EV_##c, COND_NONE, w, NULL, NULL, NULL, 0, false }
#define EVU(p, c, w, u) { p, NLU_EV_##c, COND_NONE, w, u, NULL, NULL, 0, false }
#define EVN(p, c, w, n) { p, NLU_EV_##c, COND_NONE, w, NULL, n, NULL, 0, false }
#define EVNW(p, c, n, win) { p, NLU_EV_##c, COND_NONE, 0, NULL, n, NULL, win, false }
#define EVN1(p, c, w, n) { p, NLU_EV_##c, COND_NONE, w, NULL, n, NULL, 1, false }
#define EVP(p, c, w, u, b) { p, NLU_EV_##c, COND_NONE, w, u, NULL, b, 0, false }
#define EVNEG(p, c) { p, NLU_EV_##c, COND_NONE, 0, NULL, NULL, NULL, 0, true }
#define CND(p, c) { p, -1, c, 0, NULL, NULL, NULL, 0, false }
#define CNDP(p, c, b) { p, -1, c, 0, NULL, NULL, b, 0, false }
#define SENT(p, w) { p, -1, COND_NONE, w, NULL, NULL, NULL, 0, false }

/* Every phrase is matched at every token, longest first; matched tokens are consumed. */
static const struct phrase phrases[] = {
	/* life safety */
	EV("smell gas", GAS_SMELL, 0), EV("smells like gas", GAS_SMELL, 0),
	EV("smell of gas", GAS_SMELL, 0), EV("smelling gas", GAS_SMELL, 0),
	EV("gas smell", GAS_SMELL, 0), EVU("gas leak", GAS_SMELL, 0, check_next),
	EV("gas odor", GAS_SMELL, 0), EV("smell natural gas", GAS_SMELL, 0),
	EV("smell rotten eggs", GAS_SMELL, 0), EV("rotten egg smell", GAS_SMELL, 0),
	EV("smells like rotten eggs", GAS_SMELL, 0), EV("leaking gas", GAS_SMELL, 0),
	EV("huele a gas", GAS_SMELL, 0), EV("olor a gas", GAS_SMELL, 0),
	EV("fuga de gas", GAS_SMELL, 0), EV("smell some gas", GAS_SMELL, 0),
	EV("smell propane", GAS_SMELL, 0), EV("propane leak", GAS_SMELL, 0),
	EV("huele mucho a gas", GAS_SMELL, 0),
	EVN("co alarm", CO_ALARM, 0, alarm_going), EVN("co detector", CO_ALARM, 0, alarm_going),
	EVN("carbon monoxide alarm", CO_ALARM, 0, alarm_going),
	EVN("carbon monoxide detector", CO_ALARM, 0, alarm_going),
	EV("carbon monoxide leak", CO_ALARM, 0), EV("carbon monoxide poisoning", CO_ALARM, 0),
	EV("co poisoning", CO_ALARM, 0), EV("monóxido de carbono", CO_ALARM, 0),
	EV("monoxido de carbono", CO_ALARM, 0),
	EV("sparks", SPARKS, 0), EV("sparking", SPARKS, 0), EV("sparked", SPARKS, 0),
	EV("arcing", SPARKS, 0), EV("chispas", SPARKS, 0), EV("shooting sparks", SPARKS, 0),
	EV("burning smell", BURNING_SMELL, 0), EV("smell burning", BURNING_SMELL, 0),
	EV("smells like burning", BURNING_SMELL, 0), EV("smell of burning", BURNING_SMELL, 0),
	EV("smells burnt", BURNING_SMELL, 0), EV("burnt smell", BURNING_SMELL, 0),
	EV("burning odor", BURNING_SMELL, 0), EV("smell something burning", BURNING_SMELL, 0),
	EV("smells like something is burning", BURNING_SMELL, 0),
	EV("smells like something burning", BURNING_SMELL, 0),
	EV("melting", BURNING_SMELL, 0), EV("melted", BURNING_SMELL, 0),
	EV("olor a quemado", BURNING_SMELL, 0), EV("electrical smell", BURNING_SMELL, 0),
	EVU("smoke", SMOKE, 0, detector_words), EVU("smoking", SMOKE, 0, detector_words),
	EV("humo", SMOKE, 0),
	EV("electrical fire", ELECTRICAL_FIRE, 0), EVU("fire", ELECTRICAL_FIRE, 0, fire_next),
	EV("on fire", ELECTRICAL_FIRE, 0), EV("caught fire", ELECTRICAL_FIRE, 0),
	EV("flames", ELECTRICAL_FIRE, 0), EV("fuego", ELECTRICAL_FIRE, 0),
	EV("incendio", ELECTRICAL_FIRE, 0),
	/* property damage */
	EV("flooding", FLOODING, 0), EV("flooded", FLOODING, 0),
	EVU("flood", FLOODING, 0, flood_next),
	EV("standing water", FLOODING, 0), EV("water everywhere", FLOODING, 0),
	EV("overflowing", FLOODING, 0), EV("overflowin", FLOODING, 0), EV("inundado", FLOODING, 0),
	EV("inundando", FLOODING, 0), EV("inunda", FLOODING, 0), EV("inundó", FLOODING, 0),
	EV("desborda", FLOODING, 0), EV("water pourin", WATER_THROUGH_CEILING, 0),
	EV("inundación", FLOODING, 0), EV("inundacion", FLOODING, 0),
	EVP("leaking", ACTIVE_LEAK, 0, check_next, leak_minor),
	EVP("leak", ACTIVE_LEAK, 0, check_next, leak_minor),
	EVP("leaks", ACTIVE_LEAK, 0, check_next, leak_minor), EV("fuga de agua", ACTIVE_LEAK, 0),
	/* a leak in the past: consumed so that "leak" alone does not match */
	SENT("fix the leak", 0), SENT("fix a leak", 0), SENT("look at a leak", 0),
	SENT("leak detection", 0), SENT("slab leak", 0), SENT("leak repair", 0),
	SENT("had a leak", 0), SENT("fixed the leak", 0), SENT("fixed a leak", 0),
	SENT("fixed my leak", 0), SENT("repaired the leak", 0), SENT("leak was fixed", 0),
	SENT("leak is fixed", 0), SENT("leak got fixed", 0),
	EV("burst pipe", BURST_PIPE, 0), EV("pipe burst", BURST_PIPE, 0),
	EV("pipes burst", BURST_PIPE, 0), EV("pipe broke", BURST_PIPE, 0),
	EV("broken pipe", BURST_PIPE, 0), EV("busted pipe", BURST_PIPE, 0),
	EV("pipe busted", BURST_PIPE, 0), EV("pipe exploded", BURST_PIPE, 0),
	EV("pipe has burst", BURST_PIPE, 0), EV("pipe just burst", BURST_PIPE, 0),
	EV("tubería rota", BURST_PIPE, 0), EV("tuberia rota", BURST_PIPE, 0),
	EV("sewage", SEWAGE, 0), EV("sewer backup", SEWAGE, 0),
	EV("sewer backing up", SEWAGE, 0), EV("sewer is backing up", SEWAGE, 0),
	EV("backing up into", SEWAGE, 0), EV("aguas negras", SEWAGE, 0),
	EV("through the ceiling", WATER_THROUGH_CEILING, 0),
	EV("through my ceiling", WATER_THROUGH_CEILING, 0),
	EV("through our ceiling", WATER_THROUGH_CEILING, 0),
	EV("from the ceiling", WATER_THROUGH_CEILING, 0),
	EV("ceiling is leaking", WATER_THROUGH_CEILING, 0),
	EV("ceiling leaking", WATER_THROUGH_CEILING, 0),
	EV("water pouring", WATER_THROUGH_CEILING, 0),
	EV("water is pouring", WATER_THROUGH_CEILING, 0),
	EV("water gushing", WATER_THROUGH_CEILING, 0), EV("gushing", WATER_THROUGH_CEILING, 0),
	EV("ceiling collapsed", WATER_THROUGH_CEILING, 0),
	EV("elderly", VULNERABLE_PERSON, 0), EV("grandmother", VULNERABLE_PERSON, 0),
	EV("grandma", VULNERABLE_PERSON, 0), EV("grandfather", VULNERABLE_PERSON, 0),
	EV("grandpa", VULNERABLE_PERSON, 0), EV("baby", VULNERABLE_PERSON, 0),
	EV("newborn", VULNERABLE_PERSON, 0), EV("infant", VULNERABLE_PERSON, 0),
	EV("pregnant", VULNERABLE_PERSON, 0), EV("medical condition", VULNERABLE_PERSON, 0),
	EV("on oxygen", VULNERABLE_PERSON, 0), EV("disabled", VULNERABLE_PERSON, 0),
	EV("heart condition", VULNERABLE_PERSON, 0), EV("bedridden", VULNERABLE_PERSON, 0),
	EV("dialysis", VULNERABLE_PERSON, 0), EV("senior", VULNERABLE_PERSON, 0),
	EV("bebé", VULNERABLE_PERSON, 0), EV("bebe", VULNERABLE_PERSON, 0),
	EV("anciana", VULNERABLE_PERSON, 0), EV("anciano", VULNERABLE_PERSON, 0),
	EV("kids", VULNERABLE_PERSON, 0), EV("children", VULNERABLE_PERSON, 0),
	EV("toddler", VULNERABLE_PERSON, 0), EV("small child", VULNERABLE_PERSON, 0),
	EV("es mayor", VULNERABLE_PERSON, 0), EV("son mayores", VULNERABLE_PERSON, 0),
	EV("niños", VULNERABLE_PERSON, 0), EV("ancianos", VULNERABLE_PERSON, 0),
	CND("no heat", COND_NO_HEAT), CND("no heating", COND_NO_HEAT),
	CND("without heat", COND_NO_HEAT), CND("heat is out", COND_NO_HEAT),
	CND("heat's out", COND_NO_HEAT), CND("heat went out", COND_NO_HEAT),
	CND("heat is not working", COND_NO_HEAT), CND("heat isn't working", COND_NO_HEAT),
	CND("heat not working", COND_NO_HEAT), CND("heat stopped", COND_NO_HEAT),
	CND("heat doesn't work", COND_NO_HEAT), CND("heat won't come on", COND_NO_HEAT),
	CND("heat won't turn on", COND_NO_HEAT), CND("heating is out", COND_NO_HEAT),
	CND("furnace is out", COND_NO_HEAT), CND("furnace not working", COND_NO_HEAT),
	CND("furnace isn't working", COND_NO_HEAT), CND("furnace stopped", COND_NO_HEAT),
	CND("furnace died", COND_NO_HEAT), CND("furnace quit", COND_NO_HEAT),
	CND("furnace won't turn on", COND_NO_HEAT), CND("furnace is blowing cold", COND_NO_HEAT),
	CNDP("heater not working", COND_NO_HEAT, heater_prev),
	CNDP("heater is out", COND_NO_HEAT, heater_prev),
	CND("heat pump not working", COND_NO_HEAT), CND("don't have heat", COND_NO_HEAT),
	CND("have no heat", COND_NO_HEAT), CND("sin calefacción", COND_NO_HEAT),
	CND("sin calefaccion", COND_NO_HEAT), CND("no tenemos calefacción", COND_NO_HEAT),
	CND("no tenemos calefaccion", COND_NO_HEAT), CND("no heat at all", COND_NO_HEAT), CND("no tengo calefacción", COND_NO_HEAT),
	CND("no hay calefacción", COND_NO_HEAT), CND("no tengo calefaccion", COND_NO_HEAT),
	CND("no hay calefaccion", COND_NO_HEAT), CND("boiler is out", COND_NO_HEAT),
	CND("no ac", COND_NO_COOLING), CND("no a / c", COND_NO_COOLING),
	CND("no air", COND_NO_COOLING), CND("no cooling", COND_NO_COOLING),
	CND("not cooling", COND_NO_COOLING), CND("isn't cooling", COND_NO_COOLING),
	CND("won't cool", COND_NO_COOLING), CND("blowing warm air", COND_NO_COOLING),
	CND("blowing hot air", COND_NO_COOLING), CND("ac is out", COND_NO_COOLING),
	CND("ac went out", COND_NO_COOLING), CND("ac not working", COND_NO_COOLING),
	CND("ac isn't working", COND_NO_COOLING), CND("ac is not working", COND_NO_COOLING),
	CND("ac stopped", COND_NO_COOLING), CND("ac died", COND_NO_COOLING),
	CND("ac is broken", COND_NO_COOLING), CND("ac broke", COND_NO_COOLING),
	CND("air conditioner not working", COND_NO_COOLING),
	CND("air conditioner is out", COND_NO_COOLING),
	CND("air conditioning is out", COND_NO_COOLING),
	CND("air isn't working", COND_NO_COOLING), CND("sin aire", COND_NO_COOLING),
	CND("without ac", COND_NO_COOLING), CND("without air", COND_NO_COOLING),
	CND("no tiene aire", COND_NO_COOLING), CND("no tenemos aire", COND_NO_COOLING),
	CND("no hay aire", COND_NO_COOLING),
	CND("freezing", COND_FREEZING), CND("frozen", COND_FREEZING),
	CND("below freezing", COND_FREEZING), CND("below zero", COND_FREEZING),
	CND("froze", COND_FREEZING), CND("congelando", COND_FREEZING),
	CND("helando", COND_FREEZING), CND("snowing", COND_FREEZING), CND("snow", COND_FREEZING),
	CND("bajo cero", COND_FREEZING), CND("helada", COND_FREEZING),
	CND("going to freeze", COND_FREEZING), CND("mucho frío", COND_FREEZING),
	CND("mucho frio", COND_FREEZING), CND("hace frío", COND_FREEZING),
	CND("hace frio", COND_FREEZING),
	CND("heat wave", COND_EXTREME_HEAT), CND("heatwave", COND_EXTREME_HEAT),
	CND("extreme heat", COND_EXTREME_HEAT), CND("sweltering", COND_EXTREME_HEAT),
	CND("boiling hot", COND_EXTREME_HEAT), CND("unbearable", COND_EXTREME_HEAT),
	/* urgent wording */
	EV("urgent", URGENT_WORDING, 0), EV("urgently", URGENT_WORDING, 0),
	EV("emergency", URGENT_WORDING, 0), EV("asap", URGENT_WORDING, 0),
	EV("as soon as possible", URGENT_WORDING, 0), EV("right away", URGENT_WORDING, 0),
	EV("immediately", URGENT_WORDING, 0), EV("hurry", URGENT_WORDING, 0),
	EV("need someone today", URGENT_WORDING, 0), EV("need someone now", URGENT_WORDING, 0),
	EV("can't wait", URGENT_WORDING, 0), EV("cannot wait", URGENT_WORDING, 0),
	EV("urgente", URGENT_WORDING, 0), EV("emergencia", URGENT_WORDING, 0),
	EV("lo antes posible", URGENT_WORDING, 0), EV("right now", URGENT_WORDING, 0),
	/* frustration */
	EV("third time", REPEAT_CONTACT, 0.45), EV("3rd time", REPEAT_CONTACT, 0.45),
	EV("second time", REPEAT_CONTACT, 0.35), EV("2nd time", REPEAT_CONTACT, 0.35),
	EV("fourth time", REPEAT_CONTACT, 0.5), EV("fifth time", REPEAT_CONTACT, 0.5),
	EV("called three times", REPEAT_CONTACT, 0.45), EV("called twice", REPEAT_CONTACT, 0.4),
	EV("how many times", REPEAT_CONTACT, 0.45), EV("already called", REPEAT_CONTACT, 0.35),
	EV("already told", REPEAT_CONTACT, 0.4), EV("keep calling", REPEAT_CONTACT, 0.4),
	EV("keep telling", REPEAT_CONTACT, 0.4), EV("still waiting", REPEAT_CONTACT, 0.35),
	EV("still no one", REPEAT_CONTACT, 0.4), EV("still nobody", REPEAT_CONTACT, 0.4),
	EV("tercera vez", REPEAT_CONTACT, 0.45), EV("every time i call", REPEAT_CONTACT, 0.4),
	EV("again", AGAIN, 0.15), EV("otra vez", AGAIN, 0.15), EV("de nuevo", AGAIN, 0.15),
	EV("ridiculous", RIDICULOUS, 0.4), EV("absurd", RIDICULOUS, 0.35),
	EV("insane", RIDICULOUS, 0.3), EV("pathetic", RIDICULOUS, 0.4),
	EV("a joke", RIDICULOUS, 0.35), EV("nonsense", RIDICULOUS, 0.3),
	EV("ridículo", RIDICULOUS, 0.4), EV("ridiculo", RIDICULOUS, 0.4),
	EV("unacceptable", UNACCEPTABLE, 0.45), EV("not acceptable", UNACCEPTABLE, 0.45),
	EV("fed up", UNACCEPTABLE, 0.45), EV("sick and tired", UNACCEPTABLE, 0.5),
	EV("sick of", UNACCEPTABLE, 0.4), EV("tired of", UNACCEPTABLE, 0.35),
	EV("had enough", UNACCEPTABLE, 0.4), EV("enough is enough", UNACCEPTABLE, 0.45),
	EV("inaceptable", UNACCEPTABLE, 0.45),
	EV("great , just great", SARCASM, 0.4), EV("just great", SARCASM, 0.35),
	EV("just perfect", SARCASM, 0.3), EV("just wonderful", SARCASM, 0.35),
	EV("thanks for nothing", SARCASM, 0.45), EV("thanks a lot for nothing", SARCASM, 0.45),
	EV("oh great", SARCASM, 0.3), EV("oh perfect", SARCASM, 0.3),
	EV("oh wonderful", SARCASM, 0.3), EV("oh fantastic", SARCASM, 0.3),
	EV("yeah right", SARCASM, 0.3), EV("yeah , right", SARCASM, 0.3),
	EV("real helpful", SARCASM, 0.35), EV("so helpful", SARCASM, 0.25),
	EV("what a surprise", SARCASM, 0.3), EV("big surprise", SARCASM, 0.3),
	EV("love waiting", SARCASM, 0.35), EV("gee thanks", SARCASM, 0.35),
	EV("wow , thanks", SARCASM, 0.3), EV("wow thanks", SARCASM, 0.3),
	/* a request for a person */
	EV("are you a bot", BOT_QUESTION, 0), EV("are you a robot", BOT_QUESTION, 0),
	EV("are you real", BOT_QUESTION, 0), EV("are you a real person", BOT_QUESTION, 0),
	EV("are you human", BOT_QUESTION, 0), EV("are you a human", BOT_QUESTION, 0),
	EV("are you a person", BOT_QUESTION, 0), EV("is this a bot", BOT_QUESTION, 0),
	EV("is this a robot", BOT_QUESTION, 0), EV("is this a real person", BOT_QUESTION, 0),
	EV("am i talking to a bot", BOT_QUESTION, 0),
	EV("am i talking to a robot", BOT_QUESTION, 0),
	EV("am i talking to a machine", BOT_QUESTION, 0),
	EV("am i talking to a computer", BOT_QUESTION, 0),
	EV("am i talking to a real person", BOT_QUESTION, 0),
	EV("am i chatting with a bot", BOT_QUESTION, 0),
	EV("is this automated", BOT_QUESTION, 0), EV("eres un robot", BOT_QUESTION, 0),
	EV("eres una máquina", BOT_QUESTION, 0), EV("eres humano", BOT_QUESTION, 0),
	EV("real person", DIRECT_REQUEST, 0), EV("real human", DIRECT_REQUEST, 0),
	EV("live person", DIRECT_REQUEST, 0), EV("live agent", DIRECT_REQUEST, 0),
	EV("live human", DIRECT_REQUEST, 0), EV("actual person", DIRECT_REQUEST, 0),
	EV("actual human", DIRECT_REQUEST, 0), EV("human being", DIRECT_REQUEST, 0),
	EV("a human", DIRECT_REQUEST, 0), EV("talk to a person", DIRECT_REQUEST, 0),
	EV("speak to a person", DIRECT_REQUEST, 0), EV("speak with a person", DIRECT_REQUEST, 0),
	EV("talk to someone", DIRECT_REQUEST, 0), EV("speak to someone", DIRECT_REQUEST, 0),
	EV("speak with someone", DIRECT_REQUEST, 0), EV("talk to somebody", DIRECT_REQUEST, 0),
	EV("speak to somebody", DIRECT_REQUEST, 0), EV("talk with someone", DIRECT_REQUEST, 0),
	EVP("agent", DIRECT_REQUEST, 0, NULL, agent_prev),
	EVP("manager", DIRECT_REQUEST, 0, NULL, manager_prev), EV("representative", DIRECT_REQUEST, 0),
	EV("a rep", DIRECT_REQUEST, 0), EV("operator", DIRECT_REQUEST, 0),
	EV("supervisor", DIRECT_REQUEST, 0),
	EV("transfer me", DIRECT_REQUEST, 0), EV("connect me to", DIRECT_REQUEST, 0),
	EV("connect me with", DIRECT_REQUEST, 0), EV("put me through", DIRECT_REQUEST, 0),
	EV("hablar con una persona", DIRECT_REQUEST, 0),
	EV("hablar con alguien", DIRECT_REQUEST, 0), EV("persona real", DIRECT_REQUEST, 0),
	EV("un agente", DIRECT_REQUEST, 0), EV("representante", DIRECT_REQUEST, 0),
	EV("a person", DIRECT_REQUEST, 0), EV("person please", DIRECT_REQUEST, 0),
	EV("human please", DIRECT_REQUEST, 0), EV("someone real", DIRECT_REQUEST, 0),
	EV("anyone real", DIRECT_REQUEST, 0), EV("anybody real", DIRECT_REQUEST, 0),
	EV("talk 2 sum 1", DIRECT_REQUEST, 0),
	EV("somebody real", DIRECT_REQUEST, 0), EV("any humans", DIRECT_REQUEST, 0),
	EV("the owner", DIRECT_REQUEST, 0), EV("the boss", DIRECT_REQUEST, 0),
	EV("staff member", DIRECT_REQUEST, 0), EV("member of your staff", DIRECT_REQUEST, 0),
	EV("escalate", DIRECT_REQUEST, 0), EV("press zero", DIRECT_REQUEST, 0),
	EV("press 0", DIRECT_REQUEST, 0), EV("operadora", DIRECT_REQUEST, 0),
	EV("talk 2 a person", DIRECT_REQUEST, 0), EV("talk 2 sum1", DIRECT_REQUEST, 0),
	/* refusing the bot is asking for a person */
	EVNEG("talk to a bot", DIRECT_REQUEST), EVNEG("talk to a robot", DIRECT_REQUEST),
	EVNEG("talk to a machine", DIRECT_REQUEST), EVNEG("talking to a bot", DIRECT_REQUEST),
	EVNEG("talking to a machine", DIRECT_REQUEST), EVNEG("talking to a robot", DIRECT_REQUEST),
	EVNEG("want a computer", DIRECT_REQUEST), EVNEG("want a bot", DIRECT_REQUEST),
	EVNEG("more bots", DIRECT_REQUEST), EVNEG("hablar con un robot", DIRECT_REQUEST),
	EVNEG("quiero hablar con un robot", DIRECT_REQUEST),
	EVNEG("quiero hablar con una máquina", DIRECT_REQUEST),
	EVNEG("hablar con una máquina", DIRECT_REQUEST),
	EV("done with the chatbot", DIRECT_REQUEST, 0), EV("done with the bot", DIRECT_REQUEST, 0),
	EV("un humano", DIRECT_REQUEST, 0), EV("una persona", DIRECT_REQUEST, 0),
	EVNW("is there someone", INDIRECT_REQUEST, someone_for, 7),
	EVNW("is there anyone", INDIRECT_REQUEST, someone_for, 7),
	EVNW("is there somebody", INDIRECT_REQUEST, someone_for, 7),
	EVNW("is anyone", INDIRECT_REQUEST, someone_for, 7),
	EV("is there a person", INDIRECT_REQUEST, 0),
	EV("have someone call me", INDIRECT_REQUEST, 0), EV("someone call me", INDIRECT_REQUEST, 0),
	EV("somebody call me", INDIRECT_REQUEST, 0), EV("someone from the office", INDIRECT_REQUEST, 0),
	EV("someone who speaks spanish", INDIRECT_REQUEST, 0),
	EV("alguien que hable español", INDIRECT_REQUEST, 0),
	EV("alguien con quien pueda hablar", INDIRECT_REQUEST, 0),
	EV("que me llame alguien", INDIRECT_REQUEST, 0), EV("me puede llamar alguien", INDIRECT_REQUEST, 0),
	EV("páseme con", INDIRECT_REQUEST, 0), EV("pásame con", INDIRECT_REQUEST, 0),
	EV("paseme con", INDIRECT_REQUEST, 0), EV("comuníqueme con", INDIRECT_REQUEST, 0),
	EV("anyone i can talk to", INDIRECT_REQUEST, 0),
	EV("someone i can talk to", INDIRECT_REQUEST, 0),
	EV("can i talk to", INDIRECT_REQUEST, 0), EV("can i speak to", INDIRECT_REQUEST, 0),
	EV("can i speak with", INDIRECT_REQUEST, 0), EV("could i talk to", INDIRECT_REQUEST, 0),
	EV("could i speak to", INDIRECT_REQUEST, 0), EV("could i speak with", INDIRECT_REQUEST, 0),
	EVN1("i'd like to speak", INDIRECT_REQUEST, 0, speak_to), EVN1("i want to speak", INDIRECT_REQUEST, 0, speak_to),
	EVN1("i need to speak", INDIRECT_REQUEST, 0, speak_to), EVN1("i'd like to talk", INDIRECT_REQUEST, 0, speak_to),
	EV("i want to talk to", INDIRECT_REQUEST, 0), EV("i need to talk to", INDIRECT_REQUEST, 0),
	EV("someone who can help", INDIRECT_REQUEST, 0),
	EV("somebody who can help", INDIRECT_REQUEST, 0),
	EV("quiero hablar con", INDIRECT_REQUEST, 0), EV("puedo hablar con", INDIRECT_REQUEST, 0),
	/* sentiment words */
	SENT("thank you", 1), SENT("thanks", 1), SENT("thank", 1), SENT("great", 1),
	SENT("awesome", 1.5), SENT("excellent", 1.5), SENT("perfect", 1), SENT("wonderful", 1.5),
	SENT("appreciate", 1), SENT("appreciated", 1), SENT("happy", 1), SENT("pleased", 1),
	SENT("love", 1), SENT("good", 0.7), SENT("nice", 0.7), SENT("helpful", 1),
	SENT("amazing", 1.5), SENT("fantastic", 1.5), SENT("gracias", 1), SENT("excelente", 1.5),
	SENT("perfecto", 1), SENT("friendly", 1), SENT("professional", 0.8),
	SENT("satisfied", 1), SENT("glad", 1), SENT("works", 0.3), SENT("fixed", 0.5),
	SENT("bad", -1), SENT("terrible", -1.5), SENT("horrible", -1.5), SENT("awful", -1.5),
	SENT("worst", -2), SENT("angry", -1.5), SENT("upset", -1.2), SENT("frustrated", -1.5),
	SENT("frustrating", -1.5), SENT("annoyed", -1.2), SENT("annoying", -1),
	SENT("disappointed", -1.3), SENT("disappointing", -1.3), SENT("unhappy", -1.3),
	SENT("mad", -1.2), SENT("hate", -1.5), SENT("rude", -1.3), SENT("late", -0.6),
	SENT("broken", -0.6), SENT("useless", -1.5), SENT("incompetent", -1.8),
	SENT("mess", -0.8), SENT("poor", -0.8), SENT("waste", -1), SENT("scam", -1.8),
	SENT("ripped off", -1.8), SENT("overcharged", -1.3), SENT("furious", -2),
	SENT("sucks", -1.5), SENT("unprofessional", -1.5), SENT("worried", -0.8),
	SENT("scared", -1), SENT("no show", -1.2), SENT("no-show", -1.2), SENT("never showed", -1.5),
	SENT("didn't show", -1.3), SENT("problem", -0.4), SENT("not working", -0.6),
	SENT("isn't working", -0.6), SENT("won't", -0.3), SENT("molesto", -1.2),
	SENT("enojado", -1.5), SENT("malo", -1), SENT("pésimo", -1.8), SENT("pesimo", -1.8),
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
			size_t n = nlu__phrase(tk, i, phrases[k].text);
			if (n <= best)
				continue;
			const struct phrase *p = &phrases[k];
			if (p->unless_next && nlu__tok_in(tk, i + n, p->unless_next) >= 0)
				continue;
			if (p->unless_prev && i > 0 && nlu__tok_in(tk, i - 1, p->unless_prev) >= 0)
				continue;
			if (p->needs_after) {
				bool found = false;
				size_t win = p->window ? p->window : 4;
				for (size_t a = i + n; a < i + n + win && a < tk->n && !found; a++)
					found = nlu__tok_in(tk, a, p->needs_after) >= 0;
				if (!found)
					continue;
			}
			best = n;
			which = k;
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
