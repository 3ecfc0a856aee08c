/* es_check_json — the line `check --json` prints for a name and the object
 * `compare --json` prints; one builder for the CLI and the HTTP API (GET
 * /v1/check, POST /v1/compare), so their bytes cannot drift.
 *
 * The check line is written as text (es_jsonw) in the order and spelling
 * jansson dumped the json_t it was once built as: building and dumping that
 * tree was about a fifth of check --json's time per name. */
#include "es_check_json.h"

#include <math.h>
#include <string.h>

#include "es_jsonw.h"

static double round4(double x)
{
	return round(x * 10000.0) / 10000.0;
}

/* A member's "key": (nothing for an array element, k NULL), after a comma
 * unless it is the first of the object or array whose members start at
 * open. */
static void key(es_buf *b, size_t open, const char *k)
{
	if (b->len > open)
		es_buf_addc(b, ',');
	if (k) {
		es_buf_addc(b, '"');
		es_buf_adds(b, k);
		es_buf_adds(b, "\":");
	}
}

/* A string member (an element when k is NULL), left out when v is not UTF-8,
 * as json_object_set_new / json_array_append_new left out the NULL that
 * json_stringn gave for it; false then. */
static bool strn(es_buf *b, size_t open, const char *k, const char *v, size_t n)
{
	size_t mark = b->len;
	key(b, open, k);
	if (es_jsonw_str(b, v, n))
		return true;
	es_buf_truncate(b, mark);
	return false;
}

/* ... of a C string: left out when NULL (json_string(NULL) is NULL too) */
static bool str(es_buf *b, size_t open, const char *k, const char *v)
{
	return v && strn(b, open, k, v, strlen(v));
}

/* ... and left out when empty: the evidence members */
static void opt_str(es_buf *b, size_t open, const char *k, const char *v)
{
	if (v && *v)
		strn(b, open, k, v, strlen(v));
}

/* A real member, left out when not finite (json_real refuses those). */
static void real(es_buf *b, size_t open, const char *k, double v)
{
	if (!isfinite(v))
		return;
	key(b, open, k);
	es_jsonw_real(b, v);
}

static void address(es_buf *b, size_t open, const es_rec_address *a)
{
	key(b, open, NULL);
	es_buf_addc(b, '{');
	size_t o = b->len;
	opt_str(b, o, "street", a->street);
	opt_str(b, o, "city", a->city);
	opt_str(b, o, "region", a->region);
	opt_str(b, o, "postal_code", a->postal_code);
	opt_str(b, o, "country", a->country);
	opt_str(b, o, "full", a->full);
	es_buf_addc(b, '}');
}

/* [[query token, listed token, similarity], ...]; a pair json_pack refused
 * (a token not UTF-8, a similarity not finite) is left out, as it was. */
static void alignment(es_buf *b, const es_align *al, size_t n)
{
	es_buf_addc(b, '[');
	size_t open = b->len;
	for (size_t i = 0; i < n; i++) {
		size_t mark = b->len;
		double s = round4(al[i].similarity);
		key(b, open, NULL);
		es_buf_addc(b, '[');
		bool ok = es_jsonw_str(b, al[i].query_token, strlen(al[i].query_token));
		es_buf_addc(b, ',');
		ok &= es_jsonw_str(b, al[i].list_token, strlen(al[i].list_token));
		es_buf_addc(b, ',');
		es_jsonw_real(b, s);
		es_buf_addc(b, ']');
		if (!ok || !isfinite(s))
			es_buf_truncate(b, mark);
	}
	es_buf_addc(b, ']');
}

/* One match: the contract's members, then the evidence a reviewer decides on
 * (members added after the contract's), then the caller's. */
static void hit(es_buf *b, const es_check_line *c, const char *name, const es_hit *h)
{
	es_rec rec;
	es_matcher_entity(c->m, h->entity, &rec);
	es_buf_addc(b, '{');
	size_t o = b->len, a;
	real(b, o, "score", round4(h->score));
	str(b, o, "source", es_source_id(rec.source));
	str(b, o, "list", rec.list);
	str(b, o, "entry_id", rec.entry_id);
	str(b, o, "name", rec.name);
	str(b, o, "matched_name", h->matched_name);
	str(b, o, "type", es_type_name(rec.type));
	key(b, o, "countries");
	es_buf_addc(b, '[');
	a = b->len;
	for (size_t i = 0; i < rec.n_countries; i++)
		str(b, a, NULL, rec.countries[i]);
	es_buf_addc(b, ']');
	key(b, o, "programs");
	es_buf_addc(b, '[');
	a = b->len;
	for (size_t i = 0; i < rec.n_programs; i++)
		str(b, a, NULL, rec.programs[i]);
	es_buf_addc(b, ']');
	str(b, o, "action", es_decision_name(es_rules_list_action(c->rules, es_source_id(rec.source), rec.list)));
	if (h->weak_alias) {
		key(b, o, "weak_alias");
		es_buf_adds(b, "true");
	}
	/* how it matched: "name" (alike), "contains" (the query holds the listed
	 * name plus what a branch or office adds) */
	str(b, o, "by", h->by == ES_MATCH_BY_CONTAINS ? "contains" : "name");
	key(b, o, "addresses");
	es_buf_addc(b, '[');
	a = b->len;
	for (size_t i = 0; i < rec.n_addresses; i++)
		address(b, a, &rec.addresses[i]);
	es_buf_addc(b, ']');
	opt_str(b, o, "start_date", rec.start_date);
	opt_str(b, o, "end_date", rec.end_date);
	opt_str(b, o, "federal_register_notice", rec.federal_register_notice);
	opt_str(b, o, "license_requirement", rec.license_requirement);
	opt_str(b, o, "license_policy", rec.license_policy);
	opt_str(b, o, "remarks", rec.remarks);
	char url[1024];
	if (c->links && es_links_url(c->links, rec.source, rec.list, rec.entry_id, url, sizeof url) == ES_OK)
		opt_str(b, o, "source_url", url);
	if (c->explain) {
		key(b, o, "alignment");
		alignment(b, h->align, h->n_align);
	}
	if (c->hit_extra)
		c->hit_extra(c->user, name, h, b);
	es_buf_addc(b, '}');
}

/* One entity: its best row's name, list and type, the action, the best
 * score, distinct addresses, the sources of its rows (first seen first) and
 * each row's entry. */
static void entity(es_buf *b, size_t open, const es_matcher *m, const es_hit *hits, const es_check_entity *g)
{
	es_rec first, mr;
	es_matcher_entity(m, hits[g->first].entity, &first);
	key(b, open, NULL);
	es_buf_addc(b, '{');
	size_t o = b->len, a;
	str(b, o, "name", first.name);
	str(b, o, "list", first.list);
	str(b, o, "type", es_type_name(first.type));
	str(b, o, "action", es_decision_name(g->action));
	real(b, o, "score", round4(g->score));
	key(b, o, "addresses");
	es_jsonw_int(b, (long long)g->n_addresses);
	key(b, o, "sources");
	es_buf_addc(b, '[');
	a = b->len;
	bool seen[ES_SRC_COUNT] = {0};
	for (size_t i = 0; i < g->n; i++) {
		es_matcher_entity(m, hits[g->members[i]].entity, &mr);
		if (!seen[mr.source])
			str(b, a, NULL, es_source_id(mr.source));
		seen[mr.source] = true;
	}
	es_buf_addc(b, ']');
	key(b, o, "entries");
	es_buf_addc(b, '[');
	a = b->len;
	for (size_t i = 0; i < g->n; i++) {
		es_matcher_entity(m, hits[g->members[i]].entity, &mr);
		size_t mark = b->len;
		key(b, a, NULL);
		es_buf_addc(b, '{');
		size_t e = b->len;
		bool ok = str(b, e, "source", es_source_id(mr.source));
		ok &= str(b, e, "entry_id", mr.entry_id);
		es_buf_addc(b, '}');
		/* json_pack("{ssss}") refused an entry with a string it refused */
		if (!ok)
			es_buf_truncate(b, mark);
	}
	es_buf_addc(b, ']');
	es_buf_addc(b, '}');
}

void es_check_line_json(es_buf *b, const es_check_line *c, const char *name, size_t len, const char *warning,
			const es_hit *hits, size_t n, const es_check_entity *g, size_t ng)
{
	es_buf_addc(b, '{');
	size_t o = b->len, a;
	strn(b, o, "query", name, len);
	if (warning && *warning)
		str(b, o, "warning", warning);
	key(b, o, "matches");
	es_buf_addc(b, '[');
	a = b->len;
	for (size_t i = 0; i < n; i++) {
		key(b, a, NULL);
		hit(b, c, name, &hits[i]);
	}
	es_buf_addc(b, ']');
	/* "entities": the matches grouped, as the table shows them */
	key(b, o, "entities");
	es_buf_addc(b, '[');
	a = b->len;
	for (size_t k = 0; k < ng; k++)
		entity(b, a, c->m, hits, &g[k]);
	es_buf_adds(b, "]}\n");
}

json_t *es_compare_json(const char *a, const char *b, double score, double threshold, const es_align *al, size_t n)
{
	json_t *o = json_object();
	json_object_set_new(o, "name1", json_string(a));
	json_object_set_new(o, "name2", json_string(b));
	json_object_set_new(o, "score", json_real(round4(score)));
	json_object_set_new(o, "match", json_boolean(score >= threshold));
	json_object_set_new(o, "threshold", json_real(threshold));
	/* one alignment builder: check's text, read back (its reals, rounded to
	 * 4 places, print the same again) */
	es_buf t = {0};
	alignment(&t, al, n);
	json_object_set_new(o, "alignment", t.oom ? NULL : json_loadb(t.s, t.len, 0, NULL));
	es_buf_free(&t);
	return o;
}
