/* show — one list entry in full, as the lists in use hold it: everything a
 * reviewer decides on (names, addresses, countries, programs, dates, ids,
 * remarks, Federal Register notice, licence requirement and policy) and the
 * official source link (lists/source_links.tsv). The source's list is parsed
 * afresh (the index keeps only what matching needs), so it takes a moment.
 * ENTRY may be the start of an entry id when only one entry begins with it
 * (check's table cuts long CSL ids). Exit 0 found, 3 no such entry or lists
 * unusable, 2 usage. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

enum { OPT_JSON = 'j' };

const cli_opt cmd_show_opts[] = {
	{"json", OPT_JSON, false, NULL, "print the entry as one JSON object"},
	{NULL, 0, false, NULL, NULL},
};

#define MIN_PREFIX 6

static const char *const name_kinds[] = {"primary", "a.k.a.", "f.k.a.", "n.k.a.", "original script"};
static const char *const country_roles[] = {"nationality", "citizenship", "address", "birth", "other"};

static void field(const char *label, const char *v)
{
	if (!v || !*v)
		return;
	printf("  %-22s ", label);
	cli_put_text(stdout, v, strlen(v));
	putchar('\n');
}

static void jfield(json_t *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_new(o, k, json_string(v));
}

static json_t *entity_json(const es_entity *e, const char *url)
{
	json_t *o = json_object();
	json_object_set_new(o, "source", json_string(es_source_id(e->source)));
	json_object_set_new(o, "entry_id", json_string(e->entry_id));
	jfield(o, "list", e->list);
	json_object_set_new(o, "type", json_string(es_type_name(e->type)));
	json_object_set_new(o, "name", json_string(e->name));
	json_t *names = json_array();
	for (size_t i = 0; i < e->n_names; i++)
		json_array_append_new(names, json_pack("{sssssb}", "name", e->names[i].name, "kind",
						       name_kinds[e->names[i].kind], "weak", e->names[i].strength == ES_WEAK));
	json_object_set_new(o, "names", names);
	json_t *ad = json_array();
	for (size_t i = 0; i < e->n_addresses; i++) {
		const es_address *a = &e->addresses[i];
		json_t *x = json_object();
		jfield(x, "street", a->street);
		jfield(x, "city", a->city);
		jfield(x, "region", a->region);
		jfield(x, "postal_code", a->postal_code);
		jfield(x, "country", a->country);
		jfield(x, "full", a->full);
		json_array_append_new(ad, x);
	}
	json_object_set_new(o, "addresses", ad);
	json_t *cc = json_array();
	for (size_t i = 0; i < e->n_countries; i++)
		json_array_append_new(cc, json_pack("{ssss}", "country", e->countries[i].cc, "role",
						    country_roles[e->countries[i].role]));
	json_object_set_new(o, "countries", cc);
	json_t *pr = json_array();
	for (size_t i = 0; i < e->n_programs; i++)
		json_array_append_new(pr, json_string(e->programs[i]));
	json_object_set_new(o, "programs", pr);
	json_t *dob = json_array();
	for (size_t i = 0; i < e->n_dobs; i++)
		if (e->dobs[i].text)
			json_array_append_new(dob, json_string(e->dobs[i].text));
	json_object_set_new(o, "dates_of_birth", dob);
	json_t *ids = json_array();
	for (size_t i = 0; i < e->n_ids; i++) {
		json_t *x = json_object();
		jfield(x, "type", e->ids[i].type);
		jfield(x, "number", e->ids[i].number);
		jfield(x, "country", e->ids[i].country);
		json_array_append_new(ids, x);
	}
	json_object_set_new(o, "ids", ids);
	jfield(o, "title", e->title);
	jfield(o, "remarks", e->remarks);
	jfield(o, "start_date", e->start_date);
	jfield(o, "end_date", e->end_date);
	jfield(o, "federal_register_notice", e->federal_register_notice);
	jfield(o, "license_requirement", e->license_requirement);
	jfield(o, "license_policy", e->license_policy);
	jfield(o, "standard_order", e->standard_order);
	jfield(o, "source_url", url);
	return o;
}

static void print_entity(const es_entity *e, const char *url)
{
	printf("%s %s ", es_source_id(e->source), e->list ? e->list : "-");
	cli_put_text(stdout, e->entry_id, strlen(e->entry_id));
	putchar('\n');
	field("name:", e->name);
	field("type:", es_type_name(e->type));
	for (size_t i = 1; i < e->n_names; i++) {
		char label[40];
		snprintf(label, sizeof label, "%s%s:", name_kinds[e->names[i].kind],
			 e->names[i].strength == ES_WEAK ? " (weak)" : "");
		field(label, e->names[i].name);
	}
	for (size_t i = 0; i < e->n_addresses; i++) {
		const es_address *a = &e->addresses[i];
		char buf[4096];
		if (a->full)
			snprintf(buf, sizeof buf, "%s", a->full);
		else
			snprintf(buf, sizeof buf, "%s%s%s%s%s%s%s%s%s", a->street ? a->street : "",
				 a->street && a->city ? ", " : "", a->city ? a->city : "", a->region ? ", " : "",
				 a->region ? a->region : "", a->postal_code ? " " : "", a->postal_code ? a->postal_code : "",
				 a->country[0] ? ", " : "", a->country);
		field(i ? "" : "addresses:", buf);
	}
	for (size_t i = 0; i < e->n_countries; i++) {
		char buf[64];
		snprintf(buf, sizeof buf, "%s (%s)", e->countries[i].cc, country_roles[e->countries[i].role]);
		field(i ? "" : "countries:", buf);
	}
	for (size_t i = 0; i < e->n_programs; i++)
		field(i ? "" : "programs:", e->programs[i]);
	for (size_t i = 0; i < e->n_dobs; i++)
		field(i ? "" : "date of birth:", e->dobs[i].text);
	for (size_t i = 0; i < e->n_pobs; i++)
		field(i ? "" : "place of birth:", e->pobs[i]);
	for (size_t i = 0; i < e->n_ids; i++) {
		char buf[1024];
		snprintf(buf, sizeof buf, "%s %s%s%s", e->ids[i].type ? e->ids[i].type : "",
			 e->ids[i].number ? e->ids[i].number : "", e->ids[i].country[0] ? " " : "", e->ids[i].country);
		field(i ? "" : "identifiers:", buf);
	}
	field("title:", e->title);
	field("listed since:", e->start_date);
	field("listed until:", e->end_date);
	field("Federal Register:", e->federal_register_notice);
	field("licence requirement:", e->license_requirement);
	field("licence policy:", e->license_policy);
	field("standard order:", e->standard_order);
	field("remarks:", e->remarks);
	field("source:", url);
}

int cmd_show(cli_ctx *ctx, int argc, char **argv)
{
	bool json = false;
	int idx = 1, npos = 0, k;
	const char *arg;
	char **pos = calloc((size_t)argc + 1, sizeof *pos);
	if (!pos) {
		cli_error("out of memory");
		return cli_exit_for(ES_ENOMEM);
	}
	while ((k = cli_next(ctx->cmd, argc, argv, &idx, &arg, pos, &npos)) != -1) {
		if (k == '?' || k == CLI_HELP) {
			free(pos);
			return k == CLI_HELP ? cli_finish_stdout(0) : CLI_EXIT_USAGE;
		}
		json |= k == OPT_JSON;
	}
	es_source src;
	if (npos != 2) {
		free(pos);
		return cli_usage("show: give a source and an entry id (as 'check' prints them)");
	}
	if (es_source_from_id(pos[0], &src) != 0) {
		int u = cli_usage("show: unknown source '%s' (ofac_sdn ofac_cons us_csl un_sc eu_fsf uk_fcdo)", pos[0]);
		free(pos);
		return u;
	}
	const char *want = pos[1];
	int rc = CLI_EXIT_OK;
	es_err err = {0};
	es_code c;
	es_listset *ls = NULL;
	es_countries *countries = NULL;
	es_links *links = NULL;
	es_entityset set;
	es_entityset_init(&set);
	char *lp = NULL;
	if (!(ls = cli_open_lists(ctx)) || !(countries = cli_load_countries(ctx))) {
		rc = cli_failure_status();
		goto done;
	}
	lp = cli_data_path(ctx, "source_links.tsv");
	if (!lp || (c = es_links_load(&links, lp, &err)) != ES_OK) {
		c = lp ? c : ES_ENOMEM;
		cli_error("show: %s", err.msg[0] ? err.msg : es_strerror(c));
		rc = cli_exit_for_lists(c);
		goto done;
	}
	es_manifest_source *ms = es_manifest_find(&ls->manifest, src);
	if (!ms) {
		cli_error("show: the lists in use (%s) have no %s", ls->set_dir, es_source_id(src));
		rc = cli_exit_for(ES_EMISSING);
		goto done;
	}
	es_parse_stats stats;
	memset(&stats, 0, sizeof stats);
	es_listset_parse_opts po = {.countries = countries, .out = &set};
	if ((c = es_listset_parse_source(ls, ms, &po, &stats, &err)) != ES_OK) {
		cli_error("show: %s", err.msg);
		rc = cli_exit_for_lists(c);
		goto done;
	}
	const es_entity *hit = NULL;
	size_t n_prefix = 0, wl = strlen(want);
	for (size_t i = 0; i < set.n && !(hit && strcmp(hit->entry_id, want) == 0); i++) {
		const es_entity *e = set.items[i];
		if (strcmp(e->entry_id, want) == 0)
			hit = e;
		else if (wl >= MIN_PREFIX && strncmp(e->entry_id, want, wl) == 0 && n_prefix++ == 0)
			hit = e;
	}
	if (hit && strcmp(hit->entry_id, want) != 0 && n_prefix > 1) {
		cli_error("show: %zu %s entries begin with '%s': give more of the id", n_prefix, es_source_id(src), want);
		rc = cli_exit_for(ES_EMISSING);
		goto done;
	}
	if (!hit) {
		cli_error("show: no %s entry '%s' in the lists in use", es_source_id(src), want);
		rc = cli_exit_for(ES_EMISSING);
		goto done;
	}
	char url[1024];
	if (es_links_url(links, hit->source, hit->list, hit->entry_id, url, sizeof url) != ES_OK)
		url[0] = '\0';
	if (json) {
		json_t *o = entity_json(hit, url);
		char *t = json_dumps(o, JSON_COMPACT);
		if (t)
			puts(t);
		free(t);
		json_decref(o);
	} else {
		print_entity(hit, url);
	}
	rc = cli_finish_stdout(rc);
done:
	es_entityset_clear(&set);
	es_links_free(links);
	free(lp);
	es_countries_free(countries);
	es_listset_free(ls);
	free(pos);
	return rc;
}
