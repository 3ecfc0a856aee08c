/* es_rules — the export-control decision for one order.
 *
 * Every regulatory fact (list actions, country groups, ECCN classes, Ukrainian
 * regions, red-flag words, thresholds and dated windows, citations and message
 * templates) is read from the dated, cited data files under lists/rules/ at
 * es_rules_load; the C code only combines them (docs/filter.md lists the rules).
 *
 * es_rules_decide is a pure function of the order, the list hits the caller
 * found for its parties (by name and by address) and the context (staleness,
 * date): it never fails, never allocates, and fails closed (anything it cannot
 * decide is REVIEW). The rules object is immutable after load and may be shared. */
#ifndef ES_RULES_H
#define ES_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "es_error.h"
#include "es_fold.h"
#include "es_match.h"
#include "es_order.h"

/* Most severe last; the numeric order is the severity order. */
typedef enum {
	ES_DEC_CLEAR = 0,
	ES_DEC_REVIEW = 1,
	ES_DEC_LICENSE = 2,
	ES_DEC_PROHIBITED = 3,
	ES_DEC_ERROR = 4
} es_decision;

/* "CLEAR", "REVIEW", "LICENSE_REQUIRED", "PROHIBITED", "ERROR". */
const char *es_decision_name(es_decision d);

typedef struct es_rules es_rules;

/* Loads lists_dir/rules/ (*.tsv files). Any malformed line fails with file:line: reason. */
es_code es_rules_load(es_rules **out, const char *lists_dir, es_err *err);
void es_rules_free(es_rules *r);

double es_rules_strong_threshold(const es_rules *r);
double es_rules_review_threshold(const es_rules *r);
/* The lowest score any rule looks at: what the caller asks the matcher for. */
double es_rules_query_threshold(const es_rules *r);
/* --threshold: overrides the review threshold (the strong one stays). */
void es_rules_set_review_threshold(es_rules *r, double t);
/* How many hits per party the caller should ask the matcher for. */
size_t es_rules_max_hits(const es_rules *r);
/* Whether entries of this source/list are matched by address too (policy.tsv). */
bool es_rules_address_list(const es_rules *r, const char *source, const char *list);

/* A list entry found for a party: by name (score from the matcher) or by address. */
typedef struct {
	size_t party;             /* index into order->parties */
	double score;
	bool by_address;
	const char *matched_name; /* the listed name/alias that matched (or the address) */
	es_rec rec;
	es_match_by by;           /* by name: alike, or containing the listed name (a branch) */
	bool same_words;          /* the listed name's words, in its order or "Given SURNAME" */
} es_party_hit;

#define ES_MAX_REASONS 48
#define ES_MAX_HIT_USES 32
#define ES_REASON_MSG 320

typedef struct {
	char code[40];
	es_decision decision;
	int party;                /* index into order->parties, -1 = the order as a whole */
	const char *citation;     /* owned by the rules */
	char message[ES_REASON_MSG];
} es_reason;

typedef struct {
	size_t hit;               /* index into the hits passed to es_rules_decide */
	es_decision action;       /* what this hit contributed */
} es_hit_use;

typedef struct {
	es_decision decision;
	es_reason reasons[ES_MAX_REASONS];
	size_t n_reasons;
	size_t n_dropped;         /* reasons beyond ES_MAX_REASONS (the decision still counts them) */
	es_hit_use hits[ES_MAX_HIT_USES];
	size_t n_hits;
} es_result;

typedef struct {
	bool stale;               /* lists stale and not --allow-stale */
	long max_age_days;        /* for the LISTS_STALE message */
	time_t now;               /* date for rules when the order has no ship_date */
} es_rules_ctx;

void es_rules_decide(const es_rules *r, const es_order *o, const es_party_hit *hits, size_t n_hits,
		     const es_rules_ctx *ctx, es_result *res);

/* Adds a REVIEW reason for party `party` of o to res (once per code and
 * party; the message template is the code's row of reasons.tsv, {name} the
 * party's name, {detail} detail): for findings made outside the rules, such
 * as a party name the matcher cannot screen (UNSCREENABLE_SCRIPT,
 * MIXED_SCRIPT). */
void es_rules_add_review(const es_rules *r, const es_order *o, es_result *res, const char *code, int party,
			 const char *detail);

/* The text folder the rules match words with (lists/rules/address_words.tsv
 * included); owned by the rules. */
const es_folder *es_rules_folder(const es_rules *r);

/* Whether a party in country a is in the country a list entry names as b (the
 * same code, or both in country_groups.tsv's SAME_AS_CN: Hong Kong is China). */
bool es_rules_same_country(const es_rules *r, const char *a, const char *b);

/* What a strong match on an entry of this source and list means (list_actions.tsv,
 * before the list's condition on the order): REVIEW for a list the file does not map. */
es_decision es_rules_list_action(const es_rules *r, const char *source, const char *list);

#endif
