/* es_rules_lists — what a list entry found for a party means: the list's action
 * and its condition on the order (list_actions.tsv: the Entity List's licence
 * text, MEU and Supp. 2 items, UVL and licence exceptions, SSI and RU/BY), how
 * strong and corroborated the match is (policy.tsv thresholds), address matches,
 * and declared owners: the OFAC 50 % rule and BIS affiliates rule with its dated
 * suspension (policy.tsv). */
#include "es_rules_impl.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The name without case, accents, punctuation (curly quotes included) or blanks:
 * equality of this form = "the same name as listed". */
static size_t literal_fold(const es_rules *r, const char *s, char *out, size_t cap)
{
	char f[ES_FOLD_MAX];
	es_fold(r->fold, s, f, sizeof f);
	size_t n = 0;
	for (const char *t = f; *t && n + 1 < cap; t++)
		if (*t != ' ')
			out[n++] = *t;
	out[n] = '\0';
	return n;
}

/* The listed "SURNAME, Given Names" read in natural order ("Given Names SURNAME"),
 * literal-folded; "" when the name has no comma. */
static void literal_fold_natural(const es_rules *r, const char *s, char *out, size_t cap)
{
	const char *comma = s ? strchr(s, ',') : NULL;
	out[0] = '\0';
	if (!comma || !comma[1])
		return;
	char nat[ES_FOLD_MAX];
	snprintf(nat, sizeof nat, "%s %.*s", comma + 1, (int)(comma - s), s);
	literal_fold(r, nat, out, cap);
}

/* The name without the parenthesized parts that end it ("Semiconductor
 * Manufacturing International Corporation (SMIC)", "X, OOO (f.k.a. Y)": an
 * acronym or a former name beside the name), literal-folded; "" when it ends
 * in none. One inside the name ("X (Beijing) Co.") names another company and
 * stays. */
static void literal_fold_bare(const es_rules *r, const char *s, char *out, size_t cap)
{
	char bare[ES_FOLD_MAX];
	size_t n = s ? strlen(s) : 0;
	out[0] = '\0';
	if (n >= sizeof bare)
		return;
	memcpy(bare, s, n + 1);
	bool cut = false;
	for (;;) {
		while (n && (bare[n - 1] == ' ' || bare[n - 1] == '.' || bare[n - 1] == ','))
			n--;
		if (!n || bare[n - 1] != ')')
			break;
		int depth = 0;
		size_t i = n;
		while (i-- > 0) {
			depth += bare[i] == ')' ? 1 : bare[i] == '(' ? -1 : 0;
			if (depth == 0)
				break;
		}
		if (depth != 0 || i == 0)
			break;
		n = i;
		cut = true;
	}
	if (!cut)
		return;
	bare[n] = '\0';
	literal_fold(r, bare, out, cap);
}

/* Whether the literal-folded party name pf is the listed name as written,
 * read in natural order from "SURNAME, Given", or before an acronym or former
 * name in parentheses. */
static bool literal_name(const es_rules *r, const char *pf, const char *listed)
{
	char lf[ES_ORDER_MAX_FIELD * 4 + 8];
	if (!listed)
		return false;
	literal_fold(r, listed, lf, sizeof lf);
	if (strcmp(pf, lf) == 0)
		return true;
	literal_fold_natural(r, listed, lf, sizeof lf);
	if (lf[0] && strcmp(pf, lf) == 0)
		return true;
	literal_fold_bare(r, listed, lf, sizeof lf);
	return lf[0] && strcmp(pf, lf) == 0;
}

/* ASCII case-insensitive substring test. */
static bool ci_contains(const char *hay, const char *needle)
{
	size_t nl = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, nl) == 0)
			return true;
	return false;
}

static bool country_contradicts(const dctx *c, const es_party *p, const es_rec *rec)
{
	if (!p->country || rec->n_countries == 0)
		return false;
	for (size_t i = 0; i < rec->n_countries; i++)
		if (es_rules_same_country(c->r, p->country, rec->countries[i]))
			return false;
	return true;
}

/* The listed countries include the party's: the match is corroborated. */
static bool corroborated(const dctx *c, const es_party *p, const es_rec *rec)
{
	return p->country && rec->n_countries && !country_contradicts(c, p, rec);
}

static bool item_needs_exception(const dctx *c)
{
	for (size_t i = 0; i < c->o->n_items; i++) {
		if (rules_item_is_enc(&c->items[i]))
			return true;
		if (!c->items[i].row && c->items[i].eccn)
			return true; /* unknown classification: assume the worst */
	}
	return false;
}

static bool item_in_supp2(const dctx *c)
{
	for (size_t i = 0; i < c->o->n_items; i++)
		if (c->items[i].row && c->items[i].row->supp2)
			return true;
	return false;
}

static void use_hit(dctx *c, size_t hi, es_decision d)
{
	es_result *res = c->res;
	for (size_t i = 0; i < res->n_hits; i++)
		if (res->hits[i].hit == hi) {
			if (d > res->hits[i].action)
				res->hits[i].action = d;
			return;
		}
	if (res->n_hits < ES_MAX_HIT_USES)
		res->hits[res->n_hits++] = (es_hit_use){hi, d};
}

/* The action a strong match on a listed party takes, given the order. */
static es_decision list_decision(const dctx *c, const list_action *la, const es_rec *rec, const char **detail)
{
	*detail = "";
	/* no export, no licence: a domestic sale keeps the blocking lists' PROHIBITED,
	 * every other list is a red flag of diversion (docs/rules.md §0) */
	if (c->domestic && la->action != ES_DEC_PROHIBITED) {
		*detail = ": a domestic sale, not an export; review for diversion";
		return ES_DEC_REVIEW;
	}
	switch (la->cond) {
	case COND_ENTRY_TEXT:
		if (rec->license_requirement && *rec->license_requirement &&
		    !ci_contains(rec->license_requirement, c->r->el_all_items)) {
			*detail = ": the entry's licence requirement is narrower than all items, check it covers these items";
			return ES_DEC_REVIEW;
		}
		*detail = ": licence required for all items subject to the EAR";
		return la->action;
	case COND_SUPP2:
		if (item_in_supp2(c)) {
			*detail = ": an item is in Supp. 2 to Part 744";
			return la->action;
		}
		*detail = ": no item in Supp. 2 to Part 744, review";
		return ES_DEC_REVIEW;
	case COND_EXCEPTION:
		if (item_needs_exception(c)) {
			*detail = ": no licence exception may be used (ENC item)";
			return la->action;
		}
		*detail = ": NLR shipment needs a UVL statement and AES filing";
		return ES_DEC_REVIEW;
	case COND_RU_BY:
		if (rules_in(c, G_RUBY, c->dest)) {
			*detail = ": destination RU/BY";
			return ES_DEC_LICENSE;
		}
		return ES_DEC_REVIEW;
	default:
		return la->action;
	}
}

/* How a name hit on a party stands. */
typedef struct {
	const es_party_hit *h;
	const es_party *p;
	int party;
	const list_action *la;
	bool strong;       /* score and literal name as policy.tsv asks for a list action */
	bool contra;       /* the listed countries contradict the party's */
	const es_rec *cr;  /* the record whose countries corroborate */
	msg_args a;
	bool info;         /* reported in hits without a reason */
} hit_view;

/* The declared shares of listed owners, added up per regime (OFAC 50 % rule: blocked
 * owners "in the aggregate", FAQ 401; BIS affiliates rule: EL/MEU owners
 * "individually or in aggregate", 90 FR 47201). Each owner counts once. */
typedef struct {
	double share[AFF_OFAC + 1];
	size_t owners[AFF_OFAC + 1];
} owner_totals;

/* A declared owner is not a party to the export: the ownership rules decide. */
static es_decision owner_hit(dctx *c, hit_view *v, const owner_totals *tot)
{
	const es_rules *r = c->r;
	const es_party *p = v->p;
	const es_party_hit *h = v->h;
	const list_action *la = v->la;
	if (la && la->owner_info) {
		/* a list without an export consequence: information for the reviewer */
		v->info = h->score >= r->review && !h->by_address;
		return ES_DEC_CLEAR;
	}
	double share = p->ownership_known ? p->ownership_percent : 0;
	if (la && p->ownership_known && tot->share[la->affiliates] > share)
		share = tot->share[la->affiliates];
	char det[120];
	if (p->ownership_known && share > p->ownership_percent)
		snprintf(det, sizeof det, "%g %% owner; listed owners hold %g %% in aggregate", p->ownership_percent, share);
	else if (p->ownership_known)
		snprintf(det, sizeof det, "%g %% owner", p->ownership_percent);
	else
		snprintf(det, sizeof det, "share unknown");
	v->a.detail = det;
	const char *code;
	es_decision d = ES_DEC_REVIEW;
	if (!v->strong || v->contra) {
		if (!(h->score >= r->review && !h->by_address && (!v->contra || h->score >= r->contradicted)))
			return ES_DEC_CLEAR;
		code = "OWNER_FUZZY";
	} else if (!la || la->affiliates == AFF_NO) {
		code = "OWNER_LISTED";
	} else if (!p->ownership_known) {
		code = "OWNER_LISTED_PERCENT_UNKNOWN";
	} else if (share < r->own_pct) {
		code = "OWNER_LISTED_MINORITY";
	} else if (la->affiliates == AFF_OFAC) {
		code = "OWNER_BLOCKED";
		d = ES_DEC_PROHIBITED;
	} else if (c->date < r->aff_eff || (c->date >= r->aff_from && c->date <= r->aff_to)) {
		code = "OWNER_LISTED_SUSPENDED";
	} else {
		/* the owned company inherits the list's own condition: an MEU
		 * owner restricts Supp. 2 items only */
		const char *unused = "";
		d = list_decision(c, la, &h->rec, &unused);
		code = "OWNER_LISTED_AFFILIATES";
	}
	rules_add(c, code, d, v->party, NULL, &v->a);
	return d;
}

/* A party's address is a listed address. */
static es_decision address_hit(dctx *c, hit_view *v)
{
	const es_party *p = v->p;
	bool consignee = p->role == ES_ROLE_SHIP_TO || p->role == ES_ROLE_END_USER || p->role == ES_ROLE_INTERMEDIATE;
	if (v->h->rec.address_only && consignee && v->la && v->la->cond == COND_ENTRY_TEXT) {
		const char *det;
		es_decision d = list_decision(c, v->la, &v->h->rec, &det);
		rules_add(c, "ADDRESS_ONLY_ENTRY", d, v->party, v->la->citation, &v->a);
		return d;
	}
	rules_add(c, "ADDRESS_MATCH", ES_DEC_REVIEW, v->party, NULL, &v->a);
	return ES_DEC_REVIEW;
}

/* A party's name matches a listed name. */
static es_decision name_hit(dctx *c, hit_view *v)
{
	const es_rules *r = c->r;
	const es_party_hit *h = v->h;
	if (v->strong && !v->contra) {
		const char *det = "";
		es_decision d = v->la ? list_decision(c, v->la, &h->rec, &det) : ES_DEC_REVIEW;
		v->a.detail = det;
		rules_add(c, v->la ? v->la->code : "OTHER_LIST", d, v->party, v->la ? v->la->citation : "", &v->a);
		return d;
	}
	if (v->strong) {
		char lc[64] = "";
		/* the countries the contradiction was found with (an OFAC entry's
		 * CSL copy's when it has none: view_hit) */
		for (size_t i = 0; i < v->cr->n_countries && strlen(lc) + 4 < sizeof lc; i++) {
			strcat(lc, i ? " " : "");
			strcat(lc, v->cr->countries[i]);
		}
		v->a.detail = lc;
		rules_add(c, "LIST_MATCH_COUNTRY_MISMATCH", ES_DEC_REVIEW, v->party, NULL, &v->a);
		return ES_DEC_REVIEW;
	}
	if (v->contra ? h->score >= r->contradicted
		      : h->score >= r->review || (corroborated(c, v->p, v->cr) && h->score >= r->corroborated)) {
		rules_add(c, "FUZZY_MATCH", ES_DEC_REVIEW, v->party, NULL, &v->a);
		return ES_DEC_REVIEW;
	}
	return ES_DEC_CLEAR;
}

/* How hit hi stands (everything but the decision). */
static void view_hit(const dctx *c, const es_party_hit *hits, size_t n_hits, size_t hi, hit_view *out)
{
	const es_rules *r = c->r;
	const es_party_hit *h = &hits[hi];
	hit_view v = {.h = h, .p = &c->o->parties[h->party], .party = (int)h->party};
	v.la = rules_action_for(r, es_source_id(h->rec.source), h->rec.list);
	bool literal = false;
	if (!h->by_address) {
		/* the same name as the name matched or the entry's primary name */
		char pf[ES_ORDER_MAX_FIELD * 4 + 8];
		literal_fold(r, v.p->name, pf, sizeof pf);
		bool other = h->rec.name && (!h->matched_name || strcmp(h->rec.name, h->matched_name) != 0);
		literal = pf[0] && (literal_name(r, pf, h->matched_name) || (other && literal_name(r, pf, h->rec.name)));
		/* or the matcher read the same words in the "SURNAME, Given" turn */
		literal = literal || h->same_words;
	}
	v.strong = !h->by_address && h->score >= r->strong && (!r->literal || literal);
	/* an OFAC file entry often carries no country while its CSL copy (same entry id)
	 * does: corroborate with the copy's countries */
	v.cr = &h->rec;
	for (size_t k = 0; k < n_hits && v.cr->n_countries == 0; k++)
		if (k != hi && hits[k].party == h->party && !hits[k].by_address && hits[k].rec.n_countries &&
		    hits[k].rec.entry_id && h->rec.entry_id && strcmp(hits[k].rec.entry_id, h->rec.entry_id) == 0)
			v.cr = &hits[k].rec;
	/* a branch or office of a listed party (the name contains the listed
	 * one) is abroad by nature: its country contradicts nothing */
	v.contra = h->by != ES_MATCH_BY_CONTAINS && country_contradicts(c, v.p, v.cr);
	v.a = (msg_args){.name = v.p->name, .entry = h->rec.name, .list = h->rec.list ? h->rec.list : "?",
			 .source = es_source_id(h->rec.source), .score = h->score, .country = v.p->country};
	*out = v;
}

/* The listed owners' declared shares per regime: owners strongly matched to a list
 * whose affiliates are caught, each owner once per regime. */
static void total_owners(const dctx *c, const es_party_hit *hits, size_t n_hits, owner_totals *tot)
{
	bool counted[AFF_OFAC + 1][ES_ORDER_MAX_PARTIES] = {{false}};
	memset(tot, 0, sizeof *tot);
	for (size_t hi = 0; hi < n_hits; hi++) {
		const es_party_hit *h = &hits[hi];
		if (h->party >= c->o->n_parties || h->by_address || !rules_is_owner(&c->o->parties[h->party]))
			continue;
		hit_view v;
		view_hit(c, hits, n_hits, hi, &v);
		if (!v.strong || v.contra || !v.la || v.la->affiliates == AFF_NO || !v.p->ownership_known ||
		    counted[v.la->affiliates][h->party])
			continue;
		counted[v.la->affiliates][h->party] = true;
		tot->share[v.la->affiliates] += v.p->ownership_percent;
		tot->owners[v.la->affiliates]++;
	}
}

void rules_list_hits(dctx *c, const es_party_hit *hits, size_t n_hits)
{
	const es_rules *r = c->r;
	const es_order *o = c->o;
	size_t per_party[ES_ORDER_MAX_PARTIES] = {0};
	owner_totals tot;
	total_owners(c, hits, n_hits, &tot);
	for (size_t hi = 0; hi < n_hits; hi++) {
		const es_party_hit *h = &hits[hi];
		if (h->party >= o->n_parties)
			continue;
		hit_view v;
		view_hit(c, hits, n_hits, hi, &v);
		es_decision d = rules_is_owner(v.p) ? owner_hit(c, &v, &tot)
			      : h->by_address      ? address_hit(c, &v)
						   : name_hit(c, &v);
		if ((d != ES_DEC_CLEAR || v.info) && per_party[h->party] < r->max_hits) {
			per_party[h->party]++;
			use_hit(c, hi, d);
		}
	}
}
