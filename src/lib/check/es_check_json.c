/* es_check_json — the JSON `check --json` prints for a match and for the
 * entities the matches group into, and the object `compare --json` prints;
 * one builder for the CLI and the HTTP API (GET /v1/check, POST
 * /v1/compare), so their bytes cannot drift. */
#include "es_check_json.h"

#include <math.h>
#include <string.h>

static double round4(double x)
{
	return round(x * 10000.0) / 10000.0;
}

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_new(o, k, json_string(v));
}

static json_t *address_json(const es_rec_address *a)
{
	json_t *o = json_object();
	set_str(o, "street", a->street);
	set_str(o, "city", a->city);
	set_str(o, "region", a->region);
	set_str(o, "postal_code", a->postal_code);
	set_str(o, "country", a->country);
	set_str(o, "full", a->full);
	return o;
}

/* [[query token, listed token, similarity], ...] */
static json_t *alignment_json(const es_align *al, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("[ssf]", al[i].query_token, al[i].list_token,
						     round4(al[i].similarity)));
	return arr;
}

json_t *es_check_hit_json(const es_matcher *m, const es_rules *rules, const es_links *links, const es_hit *h,
			  bool explain)
{
	es_rec rec;
	es_matcher_entity(m, h->entity, &rec);
	json_t *o = json_object();
	json_object_set_new(o, "score", json_real(round4(h->score)));
	json_object_set_new(o, "source", json_string(es_source_id(rec.source)));
	json_object_set_new(o, "list", json_string(rec.list));
	json_object_set_new(o, "entry_id", json_string(rec.entry_id));
	json_object_set_new(o, "name", json_string(rec.name));
	json_object_set_new(o, "matched_name", json_string(h->matched_name));
	json_object_set_new(o, "type", json_string(es_type_name(rec.type)));
	json_t *c = json_array();
	for (size_t i = 0; i < rec.n_countries; i++)
		json_array_append_new(c, json_string(rec.countries[i]));
	json_object_set_new(o, "countries", c);
	json_t *p = json_array();
	for (size_t i = 0; i < rec.n_programs; i++)
		json_array_append_new(p, json_string(rec.programs[i]));
	json_object_set_new(o, "programs", p);
	json_object_set_new(o, "action", json_string(es_decision_name(es_rules_list_action(rules, es_source_id(rec.source), rec.list))));
	if (h->weak_alias)
		json_object_set_new(o, "weak_alias", json_true());
	/* how it matched: "name" (alike), "contains" (the query holds the listed
	 * name plus what a branch or office adds) */
	json_object_set_new(o, "by", json_string(h->by == ES_MATCH_BY_CONTAINS ? "contains" : "name"));
	/* the evidence a reviewer decides on (members added after the contract's) */
	json_t *ad = json_array();
	for (size_t i = 0; i < rec.n_addresses; i++)
		json_array_append_new(ad, address_json(&rec.addresses[i]));
	json_object_set_new(o, "addresses", ad);
	set_str(o, "start_date", rec.start_date);
	set_str(o, "end_date", rec.end_date);
	set_str(o, "federal_register_notice", rec.federal_register_notice);
	set_str(o, "license_requirement", rec.license_requirement);
	set_str(o, "license_policy", rec.license_policy);
	set_str(o, "remarks", rec.remarks);
	char url[1024];
	if (links && es_links_url(links, rec.source, rec.list, rec.entry_id, url, sizeof url) == ES_OK)
		set_str(o, "source_url", url);
	if (explain)
		json_object_set_new(o, "alignment", alignment_json(h->align, h->n_align));
	return o;
}

/* "entities": the matches grouped, as the table shows them */
json_t *es_check_entities_json(const es_matcher *m, const es_hit *hits, const es_check_entity *g, size_t ng)
{
	json_t *arr = json_array();
	for (size_t k = 0; k < ng; k++) {
		es_rec first;
		es_matcher_entity(m, hits[g[k].first].entity, &first);
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(first.name));
		json_object_set_new(o, "list", json_string(first.list));
		json_object_set_new(o, "type", json_string(es_type_name(first.type)));
		json_object_set_new(o, "action", json_string(es_decision_name(g[k].action)));
		json_object_set_new(o, "score", json_real(round4(g[k].score)));
		json_object_set_new(o, "addresses", json_integer((json_int_t)g[k].n_addresses));
		json_t *src = json_array(), *ent = json_array();
		for (size_t i = 0; i < g[k].n; i++) {
			es_rec mr;
			es_matcher_entity(m, hits[g[k].members[i]].entity, &mr);
			json_array_append_new(ent, json_pack("{ssss}", "source", es_source_id(mr.source), "entry_id", mr.entry_id));
			bool seen = false;
			for (size_t j = 0; j < json_array_size(src); j++)
				seen |= strcmp(json_string_value(json_array_get(src, j)), es_source_id(mr.source)) == 0;
			if (!seen)
				json_array_append_new(src, json_string(es_source_id(mr.source)));
		}
		json_object_set_new(o, "sources", src);
		json_object_set_new(o, "entries", ent);
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *es_compare_json(const char *a, const char *b, double score, double threshold, const es_align *al, size_t n)
{
	json_t *o = json_object();
	json_object_set_new(o, "name1", json_string(a));
	json_object_set_new(o, "name2", json_string(b));
	json_object_set_new(o, "score", json_real(round4(score)));
	json_object_set_new(o, "match", json_boolean(score >= threshold));
	json_object_set_new(o, "threshold", json_real(threshold));
	json_object_set_new(o, "alignment", alignment_json(al, n));
	return o;
}
