/* es_rules_destinations — rules of the countries an order goes to or through:
 * comprehensive embargoes (15 CFR 746), Syria after EO 14312 (746.9, SPP), Russia
 * and Belarus (746.8(a)) with the civil end-user carve-out for wholly-owned
 * subsidiaries of A:5/A:6 companies, and diversion through third countries
 * (Supp. 3 to Part 732). Groups and citations: lists/rules/country_groups.tsv;
 * ECCN classes and carve-out eligibility: lists/rules/eccn.tsv. */
#include "es_rules_impl.h"

#include <string.h>

/* A declared wholly-owning parent in A:5/A:6 (or the US) makes a RU/BY end user civil. */
void rules_find_civil_parent(dctx *c)
{
	const es_order *o = c->o;
	for (size_t i = 0; i < o->n_parties; i++) {
		const es_party *p = &o->parties[i];
		if (rules_is_owner(p) && p->ownership_known && p->ownership_percent >= 100 && p->country &&
		    rules_in(c, G_A5A6, p->country) && !rules_in(c, G_RUBY, p->country))
			c->civil_parent = p;
	}
}

static void syria(dctx *c, int party, msg_args *a)
{
	const es_order *o = c->o;
	for (size_t i = 0; i < o->n_items; i++) {
		const item_class *it = &c->items[i];
		a->eccn = it->eccn ? it->eccn : "item";
		if (it->row && it->row->cls == CLS_EAR99)
			rules_add(c, "SYRIA_SPP", ES_DEC_REVIEW, party, NULL, a);
		else
			rules_add(c, "SYRIA_LICENSE", ES_DEC_LICENSE, party, NULL, a);
	}
	if (o->n_items == 0) {
		a->eccn = "any item";
		rules_add(c, "SYRIA_LICENSE", ES_DEC_LICENSE, party, NULL, a);
	}
}

static void russia_belarus(dctx *c, int party, msg_args *a)
{
	const es_order *o = c->o;
	bool any = false;
	for (size_t i = 0; i < o->n_items; i++) {
		const item_class *it = &c->items[i];
		bool carve = it->row && (it->row->carve == CARVE_YES ||
					 (it->row->carve == CARVE_ENC &&
					  (it->enc == ENC_B1 || it->enc == ENC_B2 || it->enc == ENC_B3)));
		a->eccn = it->eccn ? it->eccn : "item";
		if (carve && c->civil_parent) {
			msg_args b = *a;
			b.detail = c->civil_parent->name;
			rules_add(c, "RU_CIVIL_CARVEOUT", ES_DEC_REVIEW, party, NULL, &b);
		} else {
			rules_add(c, "RUSSIA_BELARUS", ES_DEC_LICENSE, party, NULL, a);
			any = true;
		}
	}
	if (o->n_items == 0 && !any) {
		a->eccn = "any item";
		rules_add(c, "RUSSIA_BELARUS", ES_DEC_LICENSE, party, NULL, a);
	}
}

/* Embargo, Syria and Russia/Belarus for one country a party (or, party -1, the
 * destination) points to. */
static void country_rules(dctx *c, const char *cc, int party)
{
	msg_args a = {.country = cc};
	if (!cc || rules_in(c, G_DOMESTIC, cc))
		return;
	if (party >= 0)
		a.name = c->o->parties[party].name;
	if (rules_in(c, G_EMBARGO, cc)) {
		rules_add(c, "EMBARGO", ES_DEC_PROHIBITED, party, c->r->groups[G_EMBARGO].citation, &a);
		return;
	}
	if (rules_in(c, G_SYRIA, cc))
		syria(c, party, &a);
	if (rules_in(c, G_RUBY, cc))
		russia_belarus(c, party, &a);
}

/* The destination first, then every party that takes part in the export: its
 * address (Ukrainian regions), its country's rules when it is not the
 * destination, and diversion when its country is a diversion target. */
void rules_countries(dctx *c)
{
	const es_order *o = c->o;
	country_rules(c, c->dest, -1);
	for (size_t i = 0; i < o->n_parties; i++) {
		const es_party *p = &o->parties[i];
		if (rules_is_owner(p))
			continue;
		const char *cc = p->country ? p->country : (p->role == ES_ROLE_END_USER ? c->dest : NULL);
		rules_ukraine_regions(c, (int)i);
		if (!cc || (c->dest && strcmp(cc, c->dest) == 0))
			continue;
		country_rules(c, cc, (int)i);
		if (rules_in(c, G_DIVERT, cc)) {
			msg_args a = {.name = p->name, .country = cc, .detail = c->dest ? c->dest : "unknown"};
			rules_add(c, "DIVERSION_RISK", ES_DEC_REVIEW, (int)i, NULL, &a);
		}
	}
}
