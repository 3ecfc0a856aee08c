/* es_rules_end_users — who the end user is and what follows from it: the type
 * the order states, re-typed when the name or the stated end use says military,
 * police or intelligence (keywords.tsv); 15 CFR 744.21 (military end users,
 * Supp. 2 items), 744.22 (military-intelligence), the blocked Government of
 * Venezuela, and License Exception ENC (b)(2) to government end users outside
 * Supp. 3 to Part 740. Countries: country_groups.tsv. */
#include "es_rules_impl.h"

#include <stdio.h>
#include <string.h>

static bool is_gov(es_eu_type t)
{
	return t == ES_EU_GOVERNMENT || t == ES_EU_MILITARY || t == ES_EU_POLICE || t == ES_EU_INTELLIGENCE;
}

/* A military / intelligence / police end use re-types the end users, as their names do. */
void rules_classify_end_use(dctx *c)
{
	c->use_type = ES_EU_UNKNOWN;
	c->use_kw = NULL;
	c->use_folded[0] = '\0';
	if (!c->o->end_use)
		return;
	es_fold(c->r->fold, c->o->end_use, c->use_folded, sizeof c->use_folded);
	if (!c->domestic && !rules_keyword(c->r, "not_military", c->use_folded, false, false) &&
	    !rules_keyword(c->r, "false_friend", c->use_folded, false, false))
		c->use_type = rules_keyword_type(c->r, c->use_folded, &c->use_kw);
}

/* Whether an end user's type changes a rule for country cc: a military, police or
 * intelligence end-user rule of the country, or an ENC (b)(2) item outside Supp. 3
 * (government end users). Unknown country: assume it does. */
static bool type_matters_in(const dctx *c, const char *cc)
{
	if (!cc)
		return true;
	if (rules_in(c, G_DOMESTIC, cc))
		return false;
	if (rules_in(c, G_MIL, cc) || rules_in(c, G_INTEL, cc) || rules_in(c, G_MIL_UNC, cc) ||
	    rules_in(c, G_INTEL_UNC, cc) || rules_in(c, G_GOVBLOCK, cc))
		return true;
	for (size_t i = 0; i < c->o->n_items; i++)
		if (c->items[i].row && c->items[i].row->cls == CLS_ENCRYPTION && c->items[i].enc == ENC_B2 &&
		    !rules_in(c, G_SUPP3, cc))
			return true;
	return false;
}

/* ... for any country the end user's rules are judged in. */
bool rules_type_matters(const dctx *c, const char *cc)
{
	if (c->domestic)
		return false;
	if (type_matters_in(c, cc) || type_matters_in(c, c->dest))
		return true;
	for (size_t i = 0; i < c->n_stated; i++)
		if (type_matters_in(c, c->stated[i].cc))
			return true;
	return false;
}

/* The end user's type: as stated, unless its name (or the end use) says military,
 * police or intelligence; *known = the rules can rely on it. */
static es_eu_type end_user_type(dctx *c, int party, const char *fname, bool *known)
{
	const es_party *p = &c->o->parties[party];
	es_eu_type t = p->eu_type;
	*known = t != ES_EU_UNKNOWN && t != ES_EU_OTHER;
	msg_args a = {.name = p->name};
	if (t == ES_EU_OTHER) {
		a.detail = p->type;
		rules_add(c, "UNKNOWN_END_USER_TYPE", ES_DEC_REVIEW, party, NULL, &a);
	}
	/* a keyword re-types only where a rule turns on the type, and never a known false
	 * friend (a credit union named after the navy) */
	if (t == ES_EU_MILITARY || t == ES_EU_POLICE || t == ES_EU_INTELLIGENCE || !rules_type_matters(c, p->country) ||
	    rules_keyword(c->r, "not_military", fname, false, false) ||
	    rules_keyword(c->r, "false_friend", fname, false, false))
		return t;
	/* the name outranks a 'commercial' label: re-type and judge as such */
	const char *kw = NULL;
	es_eu_type kt = rules_keyword_type(c->r, fname, &kw);
	if (kt != ES_EU_UNKNOWN) {
		/* a government label with a military/police name is re-typed quietly:
		 * the label was not wrong, only unspecific */
		if (t != ES_EU_GOVERNMENT) {
			char det[160];
			size_t kl = strlen(kw);
			snprintf(det, sizeof det, "%s end user ('%.*s'), though typed '%s'", es_eu_type_name(kt),
				 kl > 2 ? (int)(kl - 2) : 0, kw + 1, p->type ? p->type : "-");
			a.detail = det;
			rules_add(c, "KEYWORD_END_USER", ES_DEC_REVIEW, party, NULL, &a);
		}
		*known = true;
		return kt;
	}
	if (c->use_type != ES_EU_UNKNOWN) {
		*known = true;
		return c->use_type; /* END_USE_RED_FLAG gives the reason */
	}
	return t;
}

/* 15 CFR 744.21: military end users in MIL_END_USER countries. */
static void military_end_user(dctx *c, int party, msg_args *a)
{
	for (size_t i = 0; i < c->o->n_items; i++) {
		const item_class *it = &c->items[i];
		a->eccn = it->eccn ? it->eccn : "item";
		if (it->row && it->row->supp2)
			rules_add(c, "MILITARY_END_USER", ES_DEC_LICENSE, party, NULL, a);
		else
			rules_add(c, "MILITARY_END_USER_REVIEW", ES_DEC_REVIEW, party, NULL, a);
	}
}

/* License Exception ENC for each encryption item: (b)(2) to government end users
 * outside Supp. 3, and items declared not eligible. */
static void enc_end_user(dctx *c, int party, const char *fname, const char *cc, es_eu_type t, bool type_known,
			 msg_args *a)
{
	bool gov = is_gov(t);
	bool supp3 = rules_in(c, G_SUPP3, cc);
	bool less_sensitive = rules_keyword(c->r, "less_sensitive_gov", fname, false, false) != NULL;
	/* a state hospital or utility is not a "government end user" (772.1) */
	bool not_gov_eu = t == ES_EU_GOVERNMENT && rules_keyword(c->r, "not_gov_end_user", fname, false, false);
	for (size_t i = 0; i < c->o->n_items; i++) {
		const item_class *it = &c->items[i];
		a->eccn = it->eccn ? it->eccn : "item";
		if (!it->row || it->row->cls != CLS_ENCRYPTION)
			continue;
		if (it->enc == ENC_B2 && !supp3 && !not_gov_eu) {
			if (t == ES_EU_GOVERNMENT && less_sensitive)
				rules_add(c, "ENC_LESS_SENSITIVE_GOV", ES_DEC_REVIEW, party, NULL, a);
			else if (gov)
				rules_add(c, "ENC_GOV_END_USER", ES_DEC_LICENSE, party, NULL, a);
			else if (!type_known) {
				msg_args b = *a;
				b.detail = "an ENC (b)(2) item outside Supp. 3 to Part 740";
				rules_add(c, "MISSING_END_USER_TYPE", ES_DEC_REVIEW, party, NULL, &b);
			}
		}
		if (it->enc == ENC_NONE && !rules_in(c, G_NS1EX, cc))
			rules_add(c, "ENC_NOT_ELIGIBLE", ES_DEC_LICENSE, party, NULL, a);
	}
}

/* Rules that depend on who the end user is, for one country it points to. */
static void end_user_rules(dctx *c, int party, const char *fname, const char *cc, es_eu_type t, bool type_known)
{
	const es_party *p = &c->o->parties[party];
	msg_args a = {.name = p->name, .country = cc};
	if (!cc || rules_in(c, G_DOMESTIC, cc))
		return;
	bool gov = is_gov(t);
	bool milish = t == ES_EU_MILITARY || t == ES_EU_POLICE || t == ES_EU_INTELLIGENCE;
	if (gov && rules_in(c, G_GOVBLOCK, cc))
		rules_add(c, "GOV_BLOCKED", ES_DEC_PROHIBITED, party, NULL, &a);
	if (t == ES_EU_INTELLIGENCE && rules_in(c, G_INTEL, cc))
		rules_add(c, "MILITARY_INTELLIGENCE", ES_DEC_LICENSE, party, NULL, &a);
	if (milish && rules_in(c, G_MIL, cc))
		military_end_user(c, party, &a);
	if (gov && (rules_in(c, G_MIL_UNC, cc) || (t == ES_EU_INTELLIGENCE && rules_in(c, G_INTEL_UNC, cc)))) {
		msg_args b = a;
		b.detail = es_eu_type_name(t);
		rules_add(c, "MILITARY_END_USER_UNCERTAIN", ES_DEC_REVIEW, party, NULL, &b);
	}
	enc_end_user(c, party, fname, cc, t, type_known, &a);
	bool sensitive = rules_in(c, G_MIL, cc) || rules_in(c, G_INTEL, cc) || rules_in(c, G_GOVBLOCK, cc) ||
			 rules_in(c, G_MIL_UNC, cc);
	if (!type_known && sensitive) {
		msg_args b = a;
		b.detail = "military and government end-user rules of this country";
		rules_add(c, "MISSING_END_USER_TYPE", ES_DEC_REVIEW, party, NULL, &b);
	}
}

/* Every end user (the ship-to when the order names none): red flags in its name,
 * its type, and the end-user rules of its country and of the destination. */
void rules_end_users(dctx *c)
{
	const es_order *o = c->o;
	bool have_eu = false;
	for (size_t i = 0; i < o->n_parties; i++)
		have_eu |= o->parties[i].role == ES_ROLE_END_USER;
	if (!have_eu)
		rules_add(c, "MISSING_END_USER", ES_DEC_REVIEW, -1, NULL, NULL);
	char fname[ES_FOLD_MAX];
	for (size_t i = 0; i < o->n_parties; i++) {
		const es_party *p = &o->parties[i];
		if (p->role != ES_ROLE_END_USER && (have_eu || p->role != ES_ROLE_SHIP_TO))
			continue;
		int pi = (int)i;
		es_fold(c->r->fold, p->name, fname, sizeof fname);
		rules_end_user_red_flags(c, pi, fname);
		bool type_known;
		es_eu_type t = end_user_type(c, pi, fname, &type_known);
		rules_product_mismatch(c, pi, fname, t);
		const char *cc = p->country;
		if (!cc) {
			msg_args a = {.name = p->name};
			rules_add(c, "MISSING_END_USER_COUNTRY", ES_DEC_REVIEW, pi, NULL, &a);
			cc = c->dest;
		}
		end_user_rules(c, pi, fname, cc, t, type_known);
		if (c->dest && cc != c->dest && strcmp(cc, c->dest) != 0)
			end_user_rules(c, pi, fname, c->dest, t, type_known);
		for (size_t k = 0; k < c->n_stated; k++)
			if ((!cc || strcmp(c->stated[k].cc, cc) != 0) && (!c->dest || strcmp(c->stated[k].cc, c->dest) != 0))
				end_user_rules(c, pi, fname, c->stated[k].cc, t, type_known);
	}
}
