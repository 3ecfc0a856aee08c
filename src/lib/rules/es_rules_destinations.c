/* es_rules_destinations — rules of the countries an order goes to or through:
 * comprehensive embargoes (15 CFR 746), Syria after EO 14312 (746.9, SPP), Russia
 * and Belarus (746.8(a)) with the civil end-user carve-out for wholly-owned
 * subsidiaries of A:5/A:6 companies, and diversion through third countries
 * (Supp. 3 to Part 732). Groups and citations: lists/rules/country_groups.tsv;
 * ECCN classes and carve-out eligibility: lists/rules/eccn.tsv. */
#include "es_rules_impl.h"

#include <stdio.h>
#include <string.h>

#define CLAUSE_MAX_TOKENS 512

/* ---- destinations stated in free text ------------------------------------------ */

/* Length of the clause at s: up to a sentence mark (. ; ! ? newline, and the CJK
 * and Arabic ones), which ends what a negation reaches. */
static size_t clause_len(const char *s)
{
	size_t i = 0;
	for (; s[i]; i++) {
		unsigned char c = (unsigned char)s[i], c1 = c ? (unsigned char)s[i + 1] : 0;
		if (c == '.' || c == ';' || c == '!' || c == '?' || c == '\n' || c == '\r')
			break;
		if (c == 0xE3 && c1 == 0x80 && (unsigned char)s[i + 2] == 0x82) /* 。 */
			break;
		if (c == 0xEF && c1 == 0xBC && ((unsigned char)s[i + 2] == 0x9B || (unsigned char)s[i + 2] == 0x81 ||
						(unsigned char)s[i + 2] == 0x9F)) /* ； ！ ？ */
			break;
		if (c == 0xD8 && (c1 == 0x9B || c1 == 0x9F)) /* Arabic ؛ ؟ */
			break;
	}
	return i;
}

/* Whether a phrase of kind starts at one of the tokens tok[from..to). */
static bool kind_in(const es_rules *r, const char *kind, const char *folded, const size_t *tok, size_t from, size_t to)
{
	for (size_t j = from; j < to; j++)
		if (rules_keyword_at(r, kind, folded + tok[j]))
			return true;
	return false;
}

static size_t phrase_words(const keyword *k)
{
	size_t words = 0;
	for (size_t j = 1; j < k->plen; j++)
		words += k->phrase[j] == ' ';
	return words;
}

/* Whether a phrase of kind ends right before token i ("made in" + "China"). */
static bool kind_ends_at(const es_rules *r, const char *kind, const char *folded, const size_t *tok, size_t i)
{
	for (size_t j = i > 3 ? i - 3 : 0; j < i; j++) {
		const keyword *k = rules_keyword_at(r, kind, folded + tok[j]);
		if (k && j + phrase_words(k) == i)
			return true;
	}
	return false;
}

static void add_stated_area(dctx *c, const region_row *area)
{
	for (size_t k = 0; k < c->n_stated_area; k++)
		if (strcmp(c->stated_area[k]->code, area->code) == 0)
			return;
	if (c->n_stated_area < ES_RULES_MAX_STATED)
		c->stated_area[c->n_stated_area++] = area;
}

static void add_stated(dctx *c, const keyword *k)
{
	for (size_t i = 0; i < c->n_stated; i++)
		if (strcmp(c->stated[i].cc, k->cc) == 0)
			return;
	if (c->n_stated < ES_RULES_MAX_STATED) {
		memcpy(c->stated[c->n_stated].cc, k->cc, 3);
		c->stated[c->n_stated++].text = k->text;
	}
}

/* text[0..len) folded (ES_FOLD_MAX bytes) and the offsets of its words in
 * it (CLAUSE_MAX_TOKENS at most); returns how many. */
static size_t fold_tokens(const dctx *c, const char *text, size_t len, char *folded, size_t *tok)
{
	char raw[ES_FOLD_MAX];
	size_t nt = 0;
	if (len >= sizeof raw)
		len = sizeof raw - 1;
	memcpy(raw, text, len);
	raw[len] = '\0';
	es_fold(c->r->fold, raw, folded, ES_FOLD_MAX);
	for (size_t i = 0; folded[i] && folded[i + 1] && nt < CLAUSE_MAX_TOKENS; i = (size_t)(strchr(folded + i + 1, ' ') - folded))
		tok[nt++] = i;
	return nt;
}

/* The countries one clause names, unless negated or a language. */
static void scan_clause(dctx *c, const char *clause, size_t len)
{
	char folded[ES_FOLD_MAX];
	size_t tok[CLAUSE_MAX_TOKENS];
	size_t nt = fold_tokens(c, clause, len, folded, tok);
	for (size_t i = 0; i < nt; i++) {
		const keyword *k = rules_keyword_at(c->r, "country", folded + tok[i]);
		if (!k)
			continue;
		size_t words = phrase_words(k);
		size_t after = i + words < nt ? i + words : nt;
		size_t nw = c->r->negation_window, lw = c->r->language_window;
		bool negated = kind_in(c->r, "negation", folded, tok, i > nw ? i - nw : 0, i);
		bool language = kind_in(c->r, "language_context", folded, tok, i > lw ? i - lw : 0, i) ||
				kind_in(c->r, "language_context", folded, tok, after, after + lw < nt ? after + lw : nt);
		/* "made in China", "中国制造" */
		bool origin = kind_ends_at(c->r, "origin", folded, tok, i) ||
			      (after < nt && rules_keyword_at(c->r, "origin", folded + tok[after]));
		if (!negated && !language && !origin)
			add_stated(c, k);
		i = after - 1;
	}
	/* Crimea, "DNR", "LNR" named in the text ("delivery to Simferopol"): each area
	 * row's first few occurrences, until one is not negated */
	const region_row *rr = c->r->regions.data;
	for (size_t k = 0; k < c->r->regions.n; k++) {
		if (!rules_ukraine_area_row(&rr[k]))
			continue;
		const char *hit = folded;
		for (int tries = 0; tries < 4 && (hit = strstr(hit, rr[k].value)); tries++, hit++) {
			size_t at = (size_t)(hit - folded), ti = 0;
			while (ti + 1 < nt && tok[ti + 1] <= at)
				ti++;
			size_t nw = c->r->negation_window;
			if (!kind_in(c->r, "negation", folded, tok, ti > nw ? ti - nw : 0, ti)) {
				add_stated_area(c, &rr[k]);
				break;
			}
		}
	}
}

static void scan_text(dctx *c, const char *text)
{
	for (const char *s = text; s && *s;) {
		size_t n = clause_len(s);
		if (n)
			scan_clause(c, s, n);
		s += n;
		if (*s)
			s += (unsigned char)*s < 0x80 ? 1 : (unsigned char)*s >= 0xE0 ? 3 : 2;
	}
}

/* A party whose address, city or region names a diversion target or one of
 * its cities (country_names.tsv) other than the party's own country ("Calle
 * 23, Vedado, La Habana" for a party in MX): an address that points to the
 * sanctioned country (docs/rules.md §5 item 4) -> REVIEW. A place name next
 * to a street word (keywords.tsv kind street: "Teheran-ro", "Moscow Road",
 * "Calle Habana") names a street, not the place. */
static bool address_piece(dctx *c, int party, const char *piece, size_t len);

static void address_countries(dctx *c, int party)
{
	const es_party *p = &c->o->parties[party];
	const char *parts[] = {p->address, p->city, p->region};
	for (size_t pi = 0; pi < sizeof parts / sizeof parts[0]; pi++) {
		/* each comma-separated piece alone ("Vanak Square, Tehran": the
		 * street word is another piece's) */
		for (const char *seg = parts[pi]; seg && *seg;) {
			size_t n = strcspn(seg, ",;/\n");
			if (address_piece(c, party, seg, n))
				return;
			seg += n;
			if (*seg)
				seg++;
		}
	}
}

/* One piece of a party's address (address_countries): whether it named a place. */
static bool address_piece(dctx *c, int party, const char *piece, size_t len)
{
	const es_party *p = &c->o->parties[party];
	char folded[ES_FOLD_MAX];
	size_t tok[CLAUSE_MAX_TOKENS];
	size_t nt = fold_tokens(c, piece, len, folded, tok);
	for (size_t i = 0; i < nt; i++) {
		const keyword *k = rules_keyword_at(c->r, "country", folded + tok[i]);
		if (!k)
			continue;
		size_t after = i + phrase_words(k) < nt ? i + phrase_words(k) : nt;
		bool street = (i > 0 && kind_in(c->r, "street", folded, tok, i - 1, i)) ||
			      (after < nt && kind_in(c->r, "street", folded, tok, after, after + 1));
		if (street || !rules_in(c, G_DIVERT, k->cc) || (p->country && strcmp(p->country, k->cc) == 0) ||
		    (c->dest && strcmp(c->dest, k->cc) == 0))
			continue;
		char det[128];
		snprintf(det, sizeof det, "'%s'", k->text);
		msg_args a = {.name = p->name, .country = k->cc, .detail = det};
		rules_add(c, "ADDRESS_COUNTRY", ES_DEC_REVIEW, party,
			  rules_country_citation(c->r, "ADDRESS_COUNTRY", k->cc), &a);
		return true;
	}
	return false;
}

/* Destinations the order's free text states ("onward sale to our clients in
 * Russia", "для поставки в Россию"): destinations of the order for every
 * destination rule (docs/rules.md §0). Names: country_names.tsv. */
void rules_stated_destinations(dctx *c)
{
	c->n_stated = c->n_stated_area = 0;
	scan_text(c, c->o->end_use);
	for (size_t i = 0; i < c->o->n_notes; i++)
		scan_text(c, c->o->notes[i]);
}

/* A sale where every party and every destination is in the US is no export
 * (15 CFR 734.13): destination, end-use, end-user-type and ENC rules do not fire. */
void rules_find_domestic(dctx *c)
{
	const es_order *o = c->o;
	c->domestic = c->dest && rules_in(c, G_DOMESTIC, c->dest);
	c->domestic = c->domestic && c->n_stated_area == 0;
	for (size_t i = 0; i < c->n_stated && c->domestic; i++)
		c->domestic = rules_in(c, G_DOMESTIC, c->stated[i].cc);
	for (size_t i = 0; i < o->n_parties && c->domestic; i++)
		if (!rules_is_owner(&o->parties[i]) && o->parties[i].country)
			c->domestic = rules_in(c, G_DOMESTIC, o->parties[i].country);
}

/* ---- countries -------------------------------------------------------------------- */

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
			/* EAR99 network hardware: the industry-sector supplements to Part 746 */
			bool ear99 = it->row && it->row->cls == CLS_EAR99;
			rules_add(c, ear99 ? "RUSSIA_BELARUS_EAR99" : "RUSSIA_BELARUS", ES_DEC_LICENSE, party, NULL, a);
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
		const char *cit = rules_country_citation(c->r, "EMBARGO", cc);
		rules_add(c, "EMBARGO", ES_DEC_PROHIBITED, party, cit ? cit : c->r->groups[G_EMBARGO].citation, &a);
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
	for (size_t i = 0; i < c->n_stated; i++) {
		const char *cc = c->stated[i].cc;
		if (c->dest && strcmp(cc, c->dest) == 0)
			continue;
		country_rules(c, cc, -1);
		if (rules_in(c, G_DIVERT, cc)) {
			char det[128];
			snprintf(det, sizeof det, "'%s'", c->stated[i].text);
			msg_args a = {.country = cc, .detail = det};
			rules_add(c, "REEXPORT_DESTINATION", ES_DEC_REVIEW, -1,
				  rules_country_citation(c->r, "REEXPORT_DESTINATION", cc), &a);
		}
	}
	for (size_t i = 0; i < c->n_stated_area; i++) {
		msg_args a = {.detail = "named in the order's free text"};
		rules_add(c, c->stated_area[i]->code, ES_DEC_PROHIBITED, -1, NULL, &a);
	}
	for (size_t i = 0; i < o->n_parties; i++) {
		const es_party *p = &o->parties[i];
		if (rules_is_owner(p))
			continue;
		const char *cc = p->country ? p->country : (p->role == ES_ROLE_END_USER ? c->dest : NULL);
		rules_ukraine_regions(c, (int)i);
		address_countries(c, (int)i);
		if (!cc || (c->dest && strcmp(cc, c->dest) == 0))
			continue;
		country_rules(c, cc, (int)i);
		if (rules_in(c, G_DIVERT, cc)) {
			msg_args a = {.name = p->name, .country = cc, .detail = c->dest ? c->dest : "unknown"};
			rules_add(c, "DIVERSION_RISK", ES_DEC_REVIEW, (int)i, rules_country_citation(c->r, "DIVERSION_RISK", cc),
				  &a);
		}
	}
}
