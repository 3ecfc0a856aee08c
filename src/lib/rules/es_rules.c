/* es_rules — deciding one order (see es_rules.h): es_rules_decide takes the steps
 * below in turn, each regime in its own file (es_rules_impl.h lists them); this
 * file also holds what they share: reasons with their messages, and keyword lookup. */
#include "es_rules_impl.h"

#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "es_utf8.h"

const char *es_decision_name(es_decision d)
{
	switch (d) {
	case ES_DEC_CLEAR: return "CLEAR";
	case ES_DEC_REVIEW: return "REVIEW";
	case ES_DEC_LICENSE: return "LICENSE_REQUIRED";
	case ES_DEC_PROHIBITED: return "PROHIBITED";
	default: return "ERROR";
	}
}

/* ---- reasons ------------------------------------------------------------------ */

static const reason_row *find_reason(const es_rules *r, const char *code)
{
	const reason_row *rr = r->reasons.data;
	for (size_t i = 0; i < r->reasons.n; i++)
		if (strcmp(rr[i].code, code) == 0)
			return &rr[i];
	return NULL;
}

static const char *template_value(const char *key, size_t kl, const char *role, const msg_args *a, char *num,
				  size_t numcap, bool *known)
{
#define KEY(k) (kl == sizeof(k) - 1 && strncmp(key, k, kl) == 0)
	*known = true;
	if (KEY("role"))
		return role;
	if (KEY("name"))
		return a->name;
	if (KEY("entry"))
		return a->entry;
	if (KEY("list"))
		return a->list;
	if (KEY("source"))
		return a->source;
	if (KEY("country"))
		return a->country;
	if (KEY("eccn"))
		return a->eccn;
	if (KEY("detail"))
		return a->detail;
	if (KEY("score")) {
		snprintf(num, numcap, "%.2f", a->score);
		return num;
	}
#undef KEY
	*known = false;
	return NULL;
}

static void fill_template(char *out, size_t cap, const char *tmpl, const char *role, const msg_args *a)
{
	size_t n = 0;
	char num[32];
	for (const char *t = tmpl; *t && n + 1 < cap;) {
		const char *close = *t == '{' ? strchr(t, '}') : NULL;
		bool known = false;
		const char *v = close ? template_value(t + 1, (size_t)(close - t - 1), role, a, num, sizeof num, &known)
				      : NULL;
		if (!known) {
			out[n++] = *t++;
			continue;
		}
		/* one-line messages: a newline or tab from the input becomes a space */
		for (v = v ? v : ""; *v && n + 1 < cap; v++)
			out[n++] = (*v == '\n' || *v == '\r' || *v == '\t') ? ' ' : *v;
		t = close + 1;
	}
	/* never end inside a UTF-8 sequence: the values are valid UTF-8, so only a cut
	 * at the end can be bad */
	size_t bad;
	if (!es_utf8_valid(out, n, &bad))
		n = bad;
	out[n] = '\0';
}

/* Adds a reason (once per code and party); the decision always counts. */
void rules_add(dctx *c, const char *code, es_decision d, int party, const char *citation, const msg_args *a)
{
	es_result *res = c->res;
	if (d > res->decision)
		res->decision = d;
	for (size_t i = 0; i < res->n_reasons; i++)
		if (res->reasons[i].party == party && strcmp(res->reasons[i].code, code) == 0) {
			if (d > res->reasons[i].decision)
				res->reasons[i].decision = d;
			return;
		}
	if (res->n_reasons >= ES_MAX_REASONS) {
		res->n_dropped++;
		return;
	}
	es_reason *rs = &res->reasons[res->n_reasons++];
	snprintf(rs->code, sizeof rs->code, "%s", code);
	rs->decision = d;
	rs->party = party;
	const reason_row *rr = find_reason(c->r, code);
	if (!rr)
		rr = find_reason(c->r, "LIST_HIT");
	rs->citation = citation ? citation : rr && strcmp(rr->citation, "-") != 0 ? rr->citation : "";
	const char *role = party >= 0 ? es_role_name(c->o->parties[party].role) : "order";
	static const msg_args none = {0};
	fill_template(rs->message, sizeof rs->message, rr ? rr->tmpl : code, role, a ? a : &none);
}

/* ---- shared lookups ------------------------------------------------------------- */

bool rules_is_owner(const es_party *p)
{
	return p->role == ES_ROLE_OTHER && p->relationship &&
	       (strcasecmp(p->relationship, "owner") == 0 || strcasecmp(p->relationship, "parent") == 0);
}

bool rules_item_is_enc(const item_class *it)
{
	return it->row && it->row->cls == CLS_ENCRYPTION &&
	       (it->enc == ENC_B1 || it->enc == ENC_B2 || it->enc == ENC_B3);
}

static void kind_range(const es_rules *r, const char *kind, size_t *lo, size_t *hi)
{
	/* a few kinds, looked up for every end user: search the kinds, not the phrases */
	size_t a = 0, b = r->n_kinds;
	while (a < b) {
		size_t m = (a + b) / 2;
		int c = strcmp(r->kinds[m].kind, kind);
		if (c == 0) {
			*lo = r->kinds[m].lo;
			*hi = r->kinds[m].hi;
			return;
		}
		if (c < 0)
			a = m + 1;
		else
			b = m;
	}
	*lo = *hi = 0;
}

/* The first phrase of the kind starting at lo whose first token is the one at
 * t (" tok ...", tl: the token and its trailing space); SIZE_MAX when none. */
static size_t first_phrase(const es_rules *r, size_t lo, const char *t, size_t tl)
{
	uint32_t v = es_map64_get(&r->kw_first, rules_kw_key(lo, t + 1, tl));
	return v ? v - 1 : SIZE_MAX;
}

const char *rules_keyword(const es_rules *r, const char *kind, const char *folded, bool whole, bool prefix)
{
	const keyword *k = r->keywords.data;
	size_t lo, hi;
	kind_range(r, kind, &lo, &hi);
	if (whole || prefix) {
		for (size_t i = lo; i < hi; i++)
			if (whole ? strcmp(folded, k[i].phrase) == 0 : strncmp(folded, k[i].phrase, k[i].plen) == 0)
				return k[i].phrase;
		return NULL;
	}
	for (const char *t = folded; *t == ' ' && t[1]; t = strchr(t + 1, ' ')) {
		const char *end = strchr(t + 1, ' ');
		if (!end)
			break;
		size_t tl = (size_t)(end - t); /* token plus its trailing space */
		for (size_t a = first_phrase(r, lo, t, tl); a < hi && strncmp(k[a].phrase + 1, t + 1, tl) == 0; a++)
			if (strncmp(t, k[a].phrase, k[a].plen) == 0)
				return k[a].phrase;
	}
	return NULL;
}

const char *rules_keyword_stem(const es_rules *r, const char *kind, const char *folded)
{
	const keyword *k = r->keywords.data;
	size_t lo, hi;
	char stem[128];
	kind_range(r, kind, &lo, &hi);
	for (size_t i = lo; i < hi; i++) {
		if (k[i].plen < 3 || k[i].plen - 2 >= sizeof stem)
			continue;
		memcpy(stem, k[i].phrase + 1, k[i].plen - 2); /* without the surrounding blanks */
		stem[k[i].plen - 2] = '\0';
		if (strstr(folded, stem))
			return k[i].phrase;
	}
	return NULL;
}

const keyword *rules_keyword_at(const es_rules *r, const char *kind, const char *t)
{
	const keyword *k = r->keywords.data, *best = NULL;
	size_t lo, hi;
	const char *end = *t == ' ' ? strchr(t + 1, ' ') : NULL;
	if (!end)
		return NULL;
	kind_range(r, kind, &lo, &hi);
	size_t tl = (size_t)(end - t); /* token plus its trailing space */
	for (size_t a = first_phrase(r, lo, t, tl); a < hi && strncmp(k[a].phrase + 1, t + 1, tl) == 0; a++)
		if ((!best || k[a].plen > best->plen) && strncmp(t, k[a].phrase, k[a].plen) == 0)
			best = &k[a];
	return best;
}

es_eu_type rules_keyword_type(const es_rules *r, const char *folded, const char **kw)
{
	if ((*kw = rules_keyword(r, "intelligence", folded, false, false)))
		return ES_EU_INTELLIGENCE;
	if ((*kw = rules_keyword(r, "military", folded, false, false)))
		return ES_EU_MILITARY;
	if ((*kw = rules_keyword(r, "police", folded, false, false)))
		return ES_EU_POLICE;
	return ES_EU_UNKNOWN;
}

/* ---- the order as a whole ------------------------------------------------------- */

static void lists_stale(dctx *c, const es_rules_ctx *ctx)
{
	if (!ctx || !ctx->stale)
		return;
	char days[32];
	snprintf(days, sizeof days, "%ld", ctx->max_age_days);
	msg_args a = {.detail = days};
	rules_add(c, "LISTS_STALE", ES_DEC_REVIEW, -1, NULL, &a);
}

/* The date the order is judged at: its ship_date, else today. A ship_date that is
 * no date (2026-02-31 included) is a reason, and every dated rule is then in force. */
static void judge_date(dctx *c, const es_rules_ctx *ctx)
{
	time_t now = ctx && ctx->now ? ctx->now : time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	c->date = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
	if (!c->o->ship_date)
		return;
	if (rules_parse_date(c->o->ship_date, &c->date) != 0) {
		msg_args a = {.detail = c->o->ship_date};
		rules_add(c, "SHIP_DATE_INVALID", ES_DEC_REVIEW, -1, NULL, &a);
		c->date = 99991231; /* fail closed: every dated rule in force */
	}
}

/* Ultimate destination: stated, else the end user's, ship-to's, buyer's country. */
static void find_destination(dctx *c)
{
	static const es_role pref[] = {ES_ROLE_END_USER, ES_ROLE_SHIP_TO, ES_ROLE_BUYER};
	const es_order *o = c->o;
	c->dest = o->destination;
	for (size_t k = 0; k < 3 && !c->dest; k++)
		for (size_t i = 0; i < o->n_parties && !c->dest; i++)
			if (o->parties[i].role == pref[k])
				c->dest = o->parties[i].country;
	if (!c->dest)
		rules_add(c, "MISSING_DESTINATION", ES_DEC_REVIEW, -1, NULL, NULL);
}

/* What the classification catalog found (es_products_classify ran before the
 * rules): the SKUs it lacks, named in one reason; an order contradicting it. */
static void catalog_reasons(dctx *c)
{
	const es_order *o = c->o;
	char skus[200];
	size_t n = 0, missing = 0, shown = 0;
	skus[0] = '\0';
	for (size_t i = 0; i < o->n_items; i++) {
		const es_item *it = &o->items[i];
		if (it->source == ES_ITEM_NOT_IN_CATALOG) {
			missing++;
			int w = snprintf(skus + n, sizeof skus - n, "%s'%s'", shown ? ", " : "", it->sku);
			if (w > 0 && n + (size_t)w < sizeof skus - 16) {
				n += (size_t)w;
				shown++;
			} else {
				skus[n] = '\0';
			}
		} else if (it->source == ES_ITEM_MISMATCH) {
			char given[80], cat[80];
			snprintf(given, sizeof given, "%s%s%s", it->given_eccn ? it->given_eccn : "no ECCN",
				 it->given_enc ? " ENC " : "", it->given_enc ? it->given_enc : "");
			snprintf(cat, sizeof cat, "%s%s%s", it->eccn ? it->eccn : "", it->enc ? " ENC " : "",
				 it->enc ? it->enc : "");
			msg_args a = {.name = it->sku, .eccn = cat, .detail = given};
			rules_add(c, "CLASSIFICATION_MISMATCH", ES_DEC_REVIEW, -1, NULL, &a);
		}
	}
	if (!missing)
		return;
	if (missing > shown)
		snprintf(skus + n, sizeof skus - n, " and %zu more", missing - shown);
	msg_args a = {.name = skus};
	rules_add(c, "SKU_NOT_IN_CATALOG", ES_DEC_REVIEW, -1, NULL, &a);
}

/* Each item's ECCN row and ENC paragraph, once; what is missing or inconsistent. */
static void classify_items(dctx *c)
{
	const es_order *o = c->o;
	if (!o->items_given || o->n_items == 0)
		rules_add(c, "MISSING_ITEMS", ES_DEC_REVIEW, -1, NULL, NULL);
	catalog_reasons(c);
	for (size_t i = 0; i < o->n_items; i++) {
		const es_item *it = &o->items[i];
		item_class *ic = &c->items[i];
		ic->eccn = it->eccn;
		ic->row = it->eccn ? rules_eccn_lookup(c->r, it->eccn) : NULL;
		ic->enc = rules_enc_kind(it->enc);
		msg_args a = {.eccn = it->eccn, .detail = it->enc};
		/* a SKU the catalog lacks is the reason for its missing ECCN */
		if (it->source == ES_ITEM_NOT_IN_CATALOG && (!it->eccn || !*it->eccn))
			continue;
		if (!it->eccn || !*it->eccn) {
			rules_add(c, "MISSING_ECCN", ES_DEC_REVIEW, -1, NULL, &a);
			continue;
		}
		if (!ic->row)
			rules_add(c, "UNKNOWN_ECCN", ES_DEC_REVIEW, -1, NULL, &a);
		bool enc_item = ic->row && ic->row->cls == CLS_ENCRYPTION;
		if (ic->enc == ENC_BAD)
			rules_add(c, "BAD_ENC", ES_DEC_REVIEW, -1, NULL, &a);
		else if (enc_item && ic->enc == ENC_MISSING)
			rules_add(c, "MISSING_ENC", ES_DEC_REVIEW, -1, NULL, &a);
		else if (enc_item && ic->enc == ENC_MASS)
			rules_add(c, "ENC_MISMATCH", ES_DEC_REVIEW, -1, NULL, &a);
	}
}

void es_rules_add_review(const es_rules *r, const es_order *o, es_result *res, const char *code, int party,
			 const char *detail)
{
	/* the fields before the item table (7 KB, filled as far as the order goes) */
	dctx c;
	memset(&c, 0, offsetof(dctx, items));
	c.r = r;
	c.o = o;
	c.res = res;
	msg_args a = {.name = party >= 0 ? o->parties[party].name : NULL, .detail = detail};
	rules_add(&c, code, ES_DEC_REVIEW, party, NULL, &a);
}

void es_rules_decide(const es_rules *r, const es_order *o, const es_party_hit *hits, size_t n_hits,
		     const es_rules_ctx *ctx, es_result *res)
{
	/* the fields before the item table (7 KB, filled as far as the order goes) */
	dctx c;
	memset(&c, 0, offsetof(dctx, items));
	c.r = r;
	c.o = o;
	c.res = res;
	res->decision = ES_DEC_CLEAR;
	res->n_reasons = res->n_dropped = res->n_hits = 0;

	lists_stale(&c, ctx);
	judge_date(&c, ctx);
	find_destination(&c);
	rules_stated_destinations(&c);
	classify_items(&c);
	rules_find_domestic(&c);
	rules_find_civil_parent(&c);
	rules_classify_end_use(&c);
	rules_end_users(&c);
	rules_countries(&c);
	rules_payer_third_country(&c);
	rules_order_red_flags(&c);
	rules_list_hits(&c, hits, n_hits);
}
