/* es_rules_red_flags — the "Know Your Customer" red flags of Supp. 3 to Part 732
 * that an order shows by itself: an end user that is no real end user, a freight
 * forwarder or a free-trade-zone address as the end user, carrier-class equipment
 * for a shop or a private person, cash or crypto payment, a payer in an unrelated
 * third country, declined services, a military end use. Words: keywords.tsv; the
 * high-end SKU prefixes: policy.tsv. All give REVIEW. */
#include "es_rules_impl.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The end user's name (folded as fname) and address. */
void rules_end_user_red_flags(dctx *c, int party, const char *fname)
{
	const es_rules *r = c->r;
	const es_party *p = &c->o->parties[party];
	msg_args a = {.name = p->name};
	char faddr[ES_FOLD_MAX];
	es_fold(r->fold, p->address, faddr, sizeof faddr);
	if (rules_keyword(r, "unspecified", fname, true, false) || rules_keyword(r, "unspecified_prefix", fname, false, true))
		rules_add(c, "END_USER_UNSPECIFIED", ES_DEC_REVIEW, party, NULL, &a);
	if (rules_keyword(r, "forwarder", fname, false, false) || rules_keyword_stem(r, "forwarder_stem", fname))
		rules_add(c, "FORWARDER_END_USER", ES_DEC_REVIEW, party, NULL, &a);
	if (rules_keyword(r, "ftz", faddr, false, false) || rules_keyword(r, "ftz", fname, false, false))
		rules_add(c, "FREE_TRADE_ZONE", ES_DEC_REVIEW, party, NULL, &a);
}

/* The first item whose SKU starts with a high-end prefix of policy.tsv, or NULL. */
static const char *high_end_item(const es_rules *r, const es_order *o)
{
	for (size_t i = 0; i < o->n_items; i++) {
		const char *sku = o->items[i].sku;
		for (const char *t = r->high_end; sku && *t; t++) {
			if (*t == ' ')
				continue;
			size_t n = strcspn(t, " ");
			if (strncasecmp(sku, t, n) == 0)
				return sku;
			t += n - 1;
		}
	}
	return NULL;
}

/* Core routers for a private person or a corner shop (rules.md §5 item 6). */
void rules_product_mismatch(dctx *c, int party, const char *fname, es_eu_type t)
{
	if (t != ES_EU_INDIVIDUAL && !rules_keyword(c->r, "retail_business", fname, false, false))
		return;
	const char *big = high_end_item(c->r, c->o);
	if (!big)
		return;
	msg_args a = {.name = c->o->parties[party].name, .detail = big};
	rules_add(c, "PRODUCT_MISMATCH", ES_DEC_REVIEW, party, NULL, &a);
}

/* A payer in a country no other party of the order is in: payment from an
 * unrelated third country. */
void rules_payer_third_country(dctx *c)
{
	const es_order *o = c->o;
	for (size_t i = 0; i < o->n_parties; i++) {
		const es_party *p = &o->parties[i];
		if (p->role != ES_ROLE_PAYER || !p->country || (c->dest && strcmp(p->country, c->dest) == 0))
			continue;
		bool related = false;
		for (size_t j = 0; j < o->n_parties && !related; j++)
			related = j != i && o->parties[j].role != ES_ROLE_PAYER && o->parties[j].country &&
				  strcmp(o->parties[j].country, p->country) == 0;
		if (!related) {
			msg_args a = {.name = p->name, .country = p->country};
			rules_add(c, "PAYER_THIRD_COUNTRY", ES_DEC_REVIEW, (int)i, NULL, &a);
		}
	}
}

/* Payment terms, declined services and the stated end use. */
void rules_order_red_flags(dctx *c)
{
	const es_rules *r = c->r;
	const es_order *o = c->o;
	if (o->payment_terms) {
		char f[ES_FOLD_MAX];
		es_fold(r->fold, o->payment_terms, f, sizeof f);
		if (rules_keyword(r, "payment", f, false, false)) {
			msg_args a = {.detail = o->payment_terms};
			rules_add(c, "PAYMENT_RED_FLAG", ES_DEC_REVIEW, -1, NULL, &a);
		}
	}
	if (o->n_services_declined) {
		char det[256] = "";
		for (size_t i = 0; i < o->n_services_declined; i++) {
			if (i)
				strncat(det, ", ", sizeof det - strlen(det) - 1);
			strncat(det, o->services_declined[i], sizeof det - strlen(det) - 1);
		}
		msg_args a = {.detail = det};
		rules_add(c, "SERVICES_DECLINED", ES_DEC_REVIEW, -1, NULL, &a);
	}
	if (o->end_use && !c->domestic) {
		/* a military end use is a red flag where a rule turns on it (rules.md §5 item 11) */
		const char *kw = c->use_kw && rules_type_matters(c, c->dest) ? c->use_kw : NULL;
		if (!kw && rules_keyword(r, "unspecified", c->use_folded, true, false))
			kw = " no real end use ";
		if (kw) {
			char det[128];
			size_t kl = strlen(kw);
			snprintf(det, sizeof det, "'%.*s'", kl > 2 ? (int)(kl - 2) : 0, kw + 1);
			msg_args a = {.detail = det};
			rules_add(c, "END_USE_RED_FLAG", ES_DEC_REVIEW, -1, NULL, &a);
		}
	}
}
