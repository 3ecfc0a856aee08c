/* es_rules_impl.h — private to src/lib/rules: the loaded tables and the context
 * one decision shares between the regime files.
 *
 *   es_rules_load.c          reading the data files of lists/rules/ into struct es_rules
 *   es_rules.c               es_rules_decide (the sequence of steps), reasons, keyword lookup
 *   es_rules_lists.c         list hits on parties, declared owners (50 % / affiliates rules)
 *   es_rules_destinations.c  embargoes, Syria, Russia/Belarus (civil carve-out), diversion
 *   es_rules_ukraine.c       occupied and contested regions of Ukraine from addresses
 *   es_rules_end_users.c     end-user typing, 744.21/744.22, GoV, ENC government end users
 *   es_rules_red_flags.c     Supp. 3 to Part 732 red flags (names, end use, payment, payer)
 *
 * Every fact these combine comes from the tables below; none is written in C. */
#ifndef ES_RULES_IMPL_H
#define ES_RULES_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "es_buf.h"
#include "es_fold.h"
#include "es_hash.h"
#include "es_map64.h"
#include "es_rules.h"

/* A set of ISO alpha-2 codes as a 26x26 bitmap, with the group's citation. */
typedef struct {
	unsigned char bits[(26 * 26 + 7) / 8];
	char *citation;
} cset;

/* The country groups of country_groups.tsv the rules use (names in group_names). */
enum {
	G_E1, G_E2, G_D1, G_D5, G_SUPP3, G_EMBARGO, G_SYRIA, G_RUBY, G_MIL, G_MIL_UNC, G_INTEL, G_INTEL_UNC,
	G_GOVBLOCK, G_NS1EX, G_A5A6, G_DOMESTIC, G_HUB, G_DIVERT, G_SAME_CN, G_UA_ADDR, G_RU_POSTAL, G_COUNT
};
extern const char *const rules_group_names[G_COUNT];

typedef enum { COND_NONE, COND_ENTRY_TEXT, COND_SUPP2, COND_EXCEPTION, COND_RU_BY } cond_kind;
typedef enum { AFF_NO, AFF_BIS, AFF_OFAC } aff_kind;

typedef struct {
	char *source, *list;
	es_decision action;
	cond_kind cond;
	char *code, *citation;
	aff_kind affiliates;
	bool owner_info;  /* a declared owner on this list is information, not a reason */
} list_action;

typedef enum { CLS_EAR99, CLS_ENCRYPTION, CLS_MASS_MARKET, CLS_AT_ONLY, CLS_UNKNOWN } eccn_class;
typedef enum { CARVE_NO, CARVE_YES, CARVE_ENC } carve_kind;

typedef struct {
	char *prefix;
	eccn_class cls;
	bool supp2;
	carve_kind carve;
} eccn_row;

typedef enum { RK_ISO, RK_POSTAL_UA, RK_POSTAL_RU, RK_REGION, RK_CITY, RK_MARKER } region_kind;

typedef struct {
	region_kind kind;
	char *area;
	es_decision decision;
	char *code;    /* the reason code a hit gives */
	char *value;   /* folded phrase (" a b ") or digits prefix or ISO code */
} region_row;

typedef struct {
	char *kind;
	char *phrase;  /* folded " a b " */
	size_t plen;   /* strlen(phrase) */
	char cc[3];    /* kind "country" (country_names.tsv): the country the phrase names */
	char *text;    /* kind "country": the phrase as the data file writes it, for messages */
} keyword;

/* A citation of one reason code for one country (country_citations.tsv). */
typedef struct {
	char *code;
	char cc[3];
	char *citation;
} country_citation;

typedef struct {
	char *code, *citation, *tmpl;
} reason_row;

struct es_rules {
	es_folder *fold;
	cset groups[G_COUNT];
	bool group_loaded[G_COUNT];
	es_vec actions;   /* list_action */
	es_vec eccns;     /* eccn_row */
	es_vec regions;   /* region_row */
	es_vec keywords;  /* keyword, sorted by (kind, phrase) */
	struct kw_kind { const char *kind; size_t lo, hi; } *kinds; /* each kind's range in keywords, by kind */
	size_t n_kinds;
	es_map64 kw_first; /* (kind's lo, first token) -> the first of its phrases that start so + 1 */
	es_vec reasons;   /* reason_row */
	es_vec citations; /* country_citation */
	double strong, review, contradicted, corroborated;
	bool literal;
	double own_pct;
	int aff_eff, aff_from, aff_to; /* yyyymmdd */
	size_t max_hits;
	char addr_lists[512]; /* " source:list source:list " */
	char high_end[256];   /* " MX PTX ... ": SKU prefixes of core routers and large firewalls */
	char el_all_items[64]; /* the Entity List licence-requirement text that covers every item */
	size_t negation_window; /* words before a country name a negation reaches */
	size_t language_window; /* words around a country adjective that make it a language */
};

/* ---- one decision ---------------------------------------------------------- */

typedef enum { ENC_MISSING, ENC_B1, ENC_B2, ENC_B3, ENC_MASS, ENC_NONE, ENC_BAD } enc_kind;

/* An item's classification, looked up once per order. */
typedef struct {
	const char *eccn;     /* as given, or NULL */
	const eccn_row *row;  /* NULL: no ECCN or not one eccn.tsv knows */
	enc_kind enc;
} item_class;

/* Values for a reason's message template (reasons.tsv placeholders). */
typedef struct {
	const char *name, *entry, *list, *source, *country, *eccn, *detail;
	double score;
} msg_args;

#define ES_RULES_MAX_STATED 8

typedef struct {
	const es_rules *r;
	const es_order *o;
	es_result *res;
	const char *dest;               /* ultimate destination, NULL when unknown */
	const es_party *civil_parent;   /* declared wholly-owning A:5/A:6/US parent */
	int date;                       /* yyyymmdd the order is judged at */
	struct stated { char cc[3]; const char *text; } stated[ES_RULES_MAX_STATED];
	size_t n_stated;                /* destinations the free text names (not the stated one) */
	const region_row *stated_area[ES_RULES_MAX_STATED]; /* embargoed areas of Ukraine it names */
	size_t n_stated_area;
	bool domestic;                  /* every party and every destination in the US: no export */
	es_eu_type use_type;            /* the end user type the stated end use names */
	const char *use_kw;             /* ... and the phrase that says so */
	/* (written before they are read: es_rules_decide does not clear them) */
	item_class items[ES_ORDER_MAX_ITEMS]; /* [0..n_items): classify_items */
	char use_folded[ES_FOLD_MAX];   /* the end use, folded ("" when none): rules_classify_end_use */
} dctx;

/* es_rules.c: reasons and lookups shared by the regime files */
void rules_add(dctx *c, const char *code, es_decision d, int party, const char *citation, const msg_args *a);
bool rules_in(const dctx *c, int group, const char *cc);
/* The key of a kind (its first keyword's index) and a phrase's first token
 * with its trailing space (t[0..n)) in es_rules.kw_first. */
static inline uint64_t rules_kw_key(size_t kind_lo, const char *t, size_t n)
{
	uint64_t lo = kind_lo;
	return es_map64_key(es_hash_more(es_hash(&lo, sizeof lo), t, n));
}

/* First keyword phrase of a kind found in folded text (whole = the text must equal
 * it, prefix = the text must start with it), or NULL. */
const char *rules_keyword(const es_rules *r, const char *kind, const char *folded, bool whole, bool prefix);
/* First phrase of a kind found anywhere in folded text, also inside a word (word
 * stems of compounds: "logisti" in "translogistik"), or NULL. */
const char *rules_keyword_stem(const es_rules *r, const char *kind, const char *folded);
/* The longest keyword phrase of a kind that starts at t (a ' ' before a token of
 * folded text), or NULL. */
const keyword *rules_keyword_at(const es_rules *r, const char *kind, const char *t);
/* The citation of code for country cc (country_citations.tsv), or NULL (reasons.tsv's). */
const char *rules_country_citation(const es_rules *r, const char *code, const char *cc);
/* The end-user type folded text names (intelligence, military, police), the phrase in *kw. */
es_eu_type rules_keyword_type(const es_rules *r, const char *folded, const char **kw);
bool rules_is_owner(const es_party *p);
bool rules_item_is_enc(const item_class *it); /* an encryption item under ENC b1/b2/b3 */

/* es_rules_load.c */
const eccn_row *rules_eccn_lookup(const es_rules *r, const char *eccn);
enc_kind rules_enc_kind(const char *enc);
const list_action *rules_action_for(const es_rules *r, const char *source, const char *list);
int rules_parse_date(const char *s, int *yyyymmdd);

/* the regimes, in the order es_rules_decide takes them */
void rules_stated_destinations(dctx *c);                                       /* destinations */
void rules_find_domestic(dctx *c);                                             /* destinations */
void rules_find_civil_parent(dctx *c);                                         /* destinations */
void rules_classify_end_use(dctx *c);                                          /* end users */
void rules_end_users(dctx *c);                                                 /* end users */
/* Whether an end-user type changes a rule in cc, the destination or a stated one. */
bool rules_type_matters(const dctx *c, const char *cc);                        /* end users */
void rules_countries(dctx *c);                                                 /* destinations */
void rules_ukraine_regions(dctx *c, int party);                                /* ukraine */
/* Whether a row names an embargoed (PROHIBITED) area of Ukraine by a name that free
 * text can hold (a region, city or marker row). */
bool rules_ukraine_area_row(const region_row *rr);
void rules_end_user_red_flags(dctx *c, int party, const char *fname);          /* red flags */
void rules_product_mismatch(dctx *c, int party, const char *fname, es_eu_type t); /* red flags */
void rules_payer_third_country(dctx *c);                                       /* red flags */
void rules_order_red_flags(dctx *c);                                           /* red flags */
void rules_list_hits(dctx *c, const es_party_hit *hits, size_t n_hits);        /* lists */

#endif
