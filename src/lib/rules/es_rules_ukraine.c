/* es_rules_ukraine — the occupied and contested regions of Ukraine, found from a
 * party's address: ISO 3166-2 region codes, Ukrainian and Russian-format postal
 * codes, region and city names, address markers ("DNR"). Which areas, their
 * decisions and reason codes: lists/rules/ukraine_regions.tsv; which countries'
 * addresses are looked at: UA_REGION_ADDRESSES in country_groups.tsv. */
#include "es_rules_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A party's address, folded once for all rows. */
typedef struct {
	char city[ES_FOLD_MAX], region[ES_FOLD_MAX], all[ES_FOLD_MAX * 3];
	char digits[16];  /* the postal code's digits */
	size_t nd;
	bool postal_other; /* the postal code holds more than digits, blanks and '-' */
} address_view;

static void view_address(const es_rules *r, const es_party *p, address_view *v)
{
	char addr[ES_FOLD_MAX];
	es_fold(r->fold, p->city, v->city, sizeof v->city);
	es_fold(r->fold, p->region, v->region, sizeof v->region);
	es_fold(r->fold, p->address, addr, sizeof addr);
	snprintf(v->all, sizeof v->all, "%s%s%s", v->city, v->region, addr);
	v->nd = 0;
	v->postal_other = false;
	for (const char *s = p->postal_code; s && *s && v->nd < sizeof v->digits - 1; s++)
		if (isdigit((unsigned char)*s))
			v->digits[v->nd++] = *s;
		else if (!isspace((unsigned char)*s) && *s != '-')
			v->postal_other = true;
	v->digits[v->nd] = '\0';
}

/* Whether row rr names the party's address; *why says by what. */
static bool row_hit(const region_row *rr, const es_party *p, const address_view *v, const char **why)
{
	bool postal = !v->postal_other && strncmp(v->digits, rr->value, strlen(rr->value)) == 0;
	switch (rr->kind) {
	case RK_ISO:
		*why = "ISO 3166-2 code";
		return p->region && strcasecmp(p->region, rr->value) == 0;
	case RK_POSTAL_UA:
		*why = "postal code";
		return v->nd == 5 && postal;
	case RK_POSTAL_RU:
		*why = "Russian-format postal code";
		return v->nd == 6 && postal;
	case RK_REGION:
		*why = "region name";
		return strstr(v->region, rr->value) != NULL;
	case RK_CITY:
		*why = "city name";
		return strstr(v->city, rr->value) != NULL;
	case RK_MARKER:
		*why = "address marker";
		return strstr(v->all, rr->value) != NULL;
	}
	return false;
}

void rules_ukraine_regions(dctx *c, int party)
{
	const es_party *p = &c->o->parties[party];
	const es_rules *r = c->r;
	if (p->country && !rules_in(c, G_UA_ADDR, p->country))
		return;
	address_view v;
	view_address(r, p, &v);
	const region_row *best_p = NULL, *best_r = NULL; /* first PROHIBITED / REVIEW evidence */
	const char *why_p = NULL, *why_r = NULL;
	bool postal_outside = v.nd >= 5 && !v.postal_other; /* a well-formed code that names no region */
	const region_row *rr = r->regions.data;
	for (size_t i = 0; i < r->regions.n; i++) {
		const char *why = NULL;
		if (!row_hit(&rr[i], p, &v, &why))
			continue;
		if (rr[i].kind == RK_POSTAL_UA || rr[i].kind == RK_POSTAL_RU)
			postal_outside = false;
		if (rr[i].decision == ES_DEC_PROHIBITED) {
			if (!best_p) {
				best_p = &rr[i];
				why_p = why;
			}
		} else if (!best_r) {
			best_r = &rr[i];
			why_r = why;
		}
	}
	/* postal codes of Ukraine's other oblasts are not evidence against a city name
	 * (a 5-digit code of another oblast next to "Donetsk" is contradictory: review);
	 * a Russian postal code outside the occupied areas is a Russian town of that name */
	bool city_only = best_p && strcmp(why_p, "city name") == 0;
	bool russian_town = city_only && postal_outside && v.nd == 6 && p->country && rules_in(c, G_RU_POSTAL, p->country);
	msg_args a = {.name = p->name};
	char detail[200];
	if (best_p && !russian_town) {
		if (city_only && postal_outside) {
			snprintf(detail, sizeof detail, "%s '%s' but a postal code of another area", why_p,
				 p->city ? p->city : "");
			a.detail = detail;
			rules_add(c, "OCCUPIED_REGION_RISK", ES_DEC_REVIEW, party, NULL, &a);
			return;
		}
		a.detail = why_p;
		rules_add(c, best_p->code, ES_DEC_PROHIBITED, party, NULL, &a);
		return;
	}
	if (best_r) {
		snprintf(detail, sizeof detail, "%s, %s", best_r->area, why_r);
		a.detail = detail;
		rules_add(c, best_r->code, ES_DEC_REVIEW, party, NULL, &a);
	}
}

bool rules_ukraine_area_row(const region_row *rr)
{
	return rr->decision == ES_DEC_PROHIBITED && (rr->kind == RK_REGION || rr->kind == RK_CITY || rr->kind == RK_MARKER);
}
