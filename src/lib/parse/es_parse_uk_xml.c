/* FCDO "UK Sanctions List" XML (formats.md §5.1).
 *
 * Root <Designations>, one <Designation> per designation holding all of its
 * names, addresses and details. No real file was available when this was
 * written: the element names follow the documented layout, and the detail
 * blocks (IndividualDetails, ShipDetails) are searched by element name at
 * any depth, so a different nesting of the same elements still parses.
 * Streamed with es_xml (DOCTYPE refused); one Designation expanded at a time. */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "es_parse_common.h"
#include "es_date.h"
#include "es_parser.h"
#include "es_text.h"
#include "es_xml.h"

typedef struct {
	const es_parse_input *in;
	es_parse_stats *stats;
	const char *fname;
} ctx;

/* Calls fn on every descendant element called name (depth-first). */
typedef es_code (*node_fn)(ctx *c, es_entity *e, const xmlNode *n, es_err *err);
static es_code each_desc(ctx *c, es_entity *e, const xmlNode *parent, const char *name, node_fn fn, int depth,
			 es_err *err)
{
	if (depth > 16)
		return ES_OK;
	for (const xmlNode *n = parent->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		es_code rc = strcmp((const char *)n->name, name) == 0 ? fn(c, e, n, err)
								       : each_desc(c, e, n, name, fn, depth + 1, err);
		if (rc != ES_OK)
			return rc;
	}
	return ES_OK;
}

static const char *iso_of(const ctx *c, const char *name)
{
	return name ? es_country_lookup(c->in->countries, name, strlen(name)) : NULL;
}

/* "dd/mm/yyyy" with zeros for unknown parts, or ISO "yyyy-mm-dd". */
static void parse_date(const char *s, es_entity_date *d)
{
	es_date pd;
	size_t n = strlen(s);
	if ((es_date_parse_partial_dmy(s, n, &pd) || es_date_parse_partial_iso(s, n, &pd)) && pd.y >= 1000) {
		d->year = pd.y;
		d->month = pd.m;
		d->day = pd.d;
	}
}

static es_code on_dob(ctx *c, es_entity *e, const xmlNode *n, es_err *err)
{
	(void)c;
	char *t = es_xml_node_text(n);
	if (!t)
		return ES_OK;
	es_entity_date d = {.text = t};
	parse_date(t, &d);
	es_code rc = es_entity_add_dob(e, &d, err);
	free(t);
	return rc;
}

static es_code on_nationality(ctx *c, es_entity *e, const xmlNode *n, es_err *err)
{
	char *t = es_xml_node_text(n);
	const char *iso = iso_of(c, t);
	es_code rc = iso ? es_entity_add_country(e, iso, ES_CTRY_NATIONALITY, err) : ES_OK;
	free(t);
	return rc;
}

static es_code on_birth(ctx *c, es_entity *e, const xmlNode *n, es_err *err)
{
	char *town = es_xml_child_text(n, "TownOfBirth"), *country = es_xml_child_text(n, "CountryOfBirth");
	es_join j = {0};
	es_join_add(&j, ", ", town);
	es_join_add(&j, ", ", country);
	es_code rc = ES_OK;
	if (j.oom)
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
	else if (j.s)
		rc = es_entity_add_pob(e, j.s, err);
	const char *iso = iso_of(c, country);
	if (rc == ES_OK && iso)
		rc = es_entity_add_country(e, iso, ES_CTRY_BIRTH, err);
	free(town);
	free(country);
	free(j.s);
	return rc;
}

static es_code ident(es_entity *e, const xmlNode *n, const char *type, es_err *err)
{
	char *t = es_xml_node_text(n);
	es_code rc = t ? es_entity_add_ident(e, type, t, NULL, err) : ES_OK;
	free(t);
	return rc;
}

static es_code on_passport(ctx *c, es_entity *e, const xmlNode *n, es_err *err)
{
	(void)c;
	return ident(e, n, "Passport", err);
}

static es_code on_natid(ctx *c, es_entity *e, const xmlNode *n, es_err *err)
{
	(void)c;
	return ident(e, n, "National Identifier", err);
}

static es_code on_imo(ctx *c, es_entity *e, const xmlNode *n, es_err *err)
{
	(void)c;
	return ident(e, n, "IMO", err);
}

static es_code on_position(ctx *c, es_entity *e, const xmlNode *n, es_err *err)
{
	(void)c;
	if (e->title)
		return ES_OK;
	char *t = es_xml_node_text(n);
	es_code rc = t ? es_entity_set(&e->title, t, (size_t)-1, err) : ES_OK;
	free(t);
	return rc;
}

static es_code on_address(ctx *c, es_entity *e, const xmlNode *n, es_err *err)
{
	static const char *const lines[] = {"AddressLine1", "AddressLine2", "AddressLine3",
					    "AddressLine4", "AddressLine5", "AddressLine6"};
	es_join street = {0}, full = {0};
	for (size_t k = 0; k < 6; k++) {
		char *t = es_xml_child_text(n, lines[k]);
		es_join_add(&street, ", ", t);
		free(t);
	}
	char *postal = es_xml_child_text(n, "AddressPostalCode"), *country = es_xml_child_text(n, "AddressCountry");
	es_join_add(&full, ", ", street.s);
	es_join_add(&full, ", ", postal);
	es_join_add(&full, ", ", country);
	es_code rc = ES_OK;
	if (street.oom || full.oom) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
	} else if (full.s) {
		es_address a = {.street = street.s, .postal_code = postal, .full = full.s};
		const char *iso = iso_of(c, country);
		if (iso)
			memcpy(a.country, iso, 3);
		rc = es_entity_add_address(e, &a, err);
	}
	free(street.s);
	free(full.s);
	free(postal);
	free(country);
	return rc;
}

/* A <Name>: "Name6, Name1 Name2..." for individuals, Name6 for the others. */
static es_code name_of(const xmlNode *n, bool person, char **out, es_err *err)
{
	static const char *const given[] = {"Name1", "Name2", "Name3", "Name4", "Name5"};
	es_join g = {0}, full = {0};
	for (size_t k = 0; k < 5; k++) {
		char *t = es_xml_child_text(n, given[k]);
		es_join_add(&g, " ", t);
		free(t);
	}
	char *n6 = es_xml_child_text(n, "Name6");
	if (person && n6 && g.s) {
		es_join_add(&full, "", n6);
		es_join_add(&full, ", ", g.s);
	} else {
		es_join_add(&full, "", n6 ? n6 : g.s);
	}
	free(n6);
	free(g.s);
	if (g.oom || full.oom) {
		free(full.s);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	*out = full.s;
	return ES_OK;
}

static es_code build(ctx *c, es_entity *e, const xmlNode *rec, es_err *err)
{
	es_code rc = ES_OK;
	char *t = es_xml_child_text(rec, "IndividualEntityShip");
	if (t && strcasecmp(t, "Individual") == 0)
		e->type = ES_TYPE_PERSON;
	else if (t && strcasecmp(t, "Entity") == 0)
		e->type = ES_TYPE_ENTITY;
	else if (t && strcasecmp(t, "Ship") == 0)
		e->type = ES_TYPE_VESSEL;
	free(t);
	bool person = e->type == ES_TYPE_PERSON;
	/* primary name first: a pass for "Primary Name", then the aliases */
	const xmlNode *names = NULL;
	for (const xmlNode *n = rec->children; n; n = n->next)
		if (es_xml_is_elem(n, "Names"))
			names = n;
	for (int pass = 0; names && pass < 2 && rc == ES_OK; pass++) {
		for (const xmlNode *n = names->children; n && rc == ES_OK; n = n->next) {
			if (!es_xml_is_elem(n, "Name"))
				continue;
			char *type = es_xml_child_text(n, "NameType"), *strength = es_xml_child_text(n, "AliasStrength"), *nm = NULL;
			bool primary = type && strcasecmp(type, "Primary Name") == 0;
			if (primary == (pass == 0) && (rc = name_of(n, person, &nm, err)) == ES_OK && nm) {
				if (pass == 0 && !e->name)
					rc = es_entity_set_name(e, nm, (size_t)-1, err);
				else
					rc = es_entity_add_name(
						e, nm, (size_t)-1, ES_NAME_AKA,
						strength && (strcasestr(strength, "low") || strcasestr(strength, "weak"))
							? ES_WEAK
							: ES_STRONG,
						es_text_script(nm), err);
			}
			/* no "Primary Name" at all: the first alias stands in */
			if (rc == ES_OK && pass == 1 && !e->name && nm)
				rc = es_entity_set_name(e, nm, (size_t)-1, err);
			free(type);
			free(strength);
			free(nm);
		}
	}
	if (rc == ES_OK && !e->name)
		rc = es_err_set(err, ES_EMISSING, "no Names/Name with a name");
	for (const xmlNode *n = rec->children; n && rc == ES_OK; n = n->next) {
		if (n->type == XML_ENTITY_REF_NODE) {
			rc = es_err_set(err, ES_EFORMAT, "entity reference inside the record");
			break;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		t = NULL;
		if (es_xml_is_elem(n, "NonLatinNames")) {
			for (const xmlNode *m = n->children; m && rc == ES_OK; m = m->next) {
				char *nl = es_xml_is_elem(m, "NonLatinName") ? es_xml_child_text(m, "NameNonLatinScript") : NULL;
				if (nl)
					rc = es_entity_add_name(e, nl, (size_t)-1, ES_NAME_ORIGINAL, ES_STRONG, es_text_script(nl),
								err);
				free(nl);
			}
		} else if (es_xml_is_elem(n, "RegimeName")) {
			if ((t = es_xml_node_text(n)))
				rc = es_entity_add_program(e, t, (size_t)-1, err);
		} else if (es_xml_is_elem(n, "OtherInformation")) {
			if ((t = es_xml_node_text(n)))
				rc = es_entity_set(&e->remarks, t, (size_t)-1, err);
		} else if (es_xml_is_elem(n, "DateDesignated")) {
			if ((t = es_xml_node_text(n))) {
				es_entity_date d = {0};
				parse_date(t, &d);
				char iso[16];
				if (d.year && d.month && d.day) {
					snprintf(iso, sizeof iso, "%04d-%02d-%02d", d.year, d.month, d.day);
					rc = es_entity_set(&e->start_date, iso, (size_t)-1, err);
				} else {
					rc = es_entity_set(&e->start_date, t, (size_t)-1, err);
				}
			}
		} else if (es_xml_is_elem(n, "Addresses")) {
			rc = each_desc(c, e, n, "Address", on_address, 0, err);
		}
		free(t);
	}
	if (rc == ES_OK)
		rc = each_desc(c, e, rec, "DOB", on_dob, 0, err);
	if (rc == ES_OK)
		rc = each_desc(c, e, rec, "Nationality", on_nationality, 0, err);
	if (rc == ES_OK)
		rc = each_desc(c, e, rec, "Location", on_birth, 0, err);
	if (rc == ES_OK)
		rc = each_desc(c, e, rec, "PassportNumber", on_passport, 0, err);
	if (rc == ES_OK)
		rc = each_desc(c, e, rec, "NationalIdentifierNumber", on_natid, 0, err);
	if (rc == ES_OK)
		rc = each_desc(c, e, rec, "IMONumber", on_imo, 0, err);
	if (rc == ES_OK)
		rc = each_desc(c, e, rec, "Position", on_position, 0, err);
	return rc;
}

static es_code record(ctx *c, es_xml *x, es_err *err)
{
	int line = es_xml_line(x);
	xmlNode *rec = xmlTextReaderExpand(es_xml_reader(x));
	if (!rec)
		return es_err_set(err, ES_EFORMAT, "%s:%d: Designation: malformed or truncated record", c->fname, line);
	char *id = es_xml_child_text(rec, "UniqueID");
	if (!id) {
		es_parse_skip(c->in, c->stats, "%s:%d: Designation has no UniqueID", c->fname, line);
		return ES_OK;
	}
	es_err e_err = {0};
	es_entity *e = es_entity_new(c->in->source);
	if (!e) {
		free(id);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	es_code rc = es_entity_set(&e->entry_id, id, (size_t)-1, &e_err);
	if (rc == ES_OK)
		rc = es_entity_set(&e->list, "UK", 2, &e_err);
	if (rc == ES_OK)
		rc = build(c, e, rec, &e_err);
	rc = es_parse_finish(c->in, c->stats, e, rc, &e_err, err, "%s:%d: Designation %.64s", c->fname, line, id);
	free(id);
	return rc;
}

static es_code parse(const es_parse_input *in, const char *file_buf, size_t len, es_parse_stats *stats,
		     es_err *err)
{
	es_code rc = ES_OK;
	char *buf = NULL;
	es_xml *x = NULL;
	es_parse_stats local;
	es_err local_err = {0};
	if (!stats)
		stats = &local;
	if (!err)
		err = &local_err;
	ctx c = {.in = in, .stats = stats, .fname = es_parse_name(in)};
	if ((rc = es_parse_begin(in, stats, c.fname, err)) != ES_OK)
		return rc;
	if ((rc = es_parse_open_xml(in, c.fname, &file_buf, &len, &buf, &x, err)) != ES_OK)
		goto done;
	bool seen_root = false, ended = false;
	int r;
	while ((r = es_xml_next(x, err)) == 1) {
		if (es_xml_type(x) == XML_READER_TYPE_END_ELEMENT && es_xml_depth(x) == 0)
			ended = true;
		if (es_xml_type(x) != XML_READER_TYPE_ELEMENT)
			continue;
		int depth = es_xml_depth(x);
		if (depth == 0) {
			if (!es_xml_is_start(x, "Designations")) {
				rc = es_err_set(err, ES_EFORMAT, "%s:%d: root element is <%.40s>, not <Designations>",
						c.fname, es_xml_line(x), es_xml_name(x));
				goto done;
			}
			seen_root = true;
			if (xmlTextReaderIsEmptyElement(es_xml_reader(x)))
				ended = true;
		} else if (depth == 1 && es_xml_is_start(x, "Designation")) {
			if ((rc = record(&c, x, err)) != ES_OK)
				goto done;
		} else if (depth == 1 && (es_xml_is_start(x, "DateGenerated") || es_xml_is_start(x, "ReportDate"))) {
			/* not in the documented layout; used when present */
			es_err terr = {0};
			char *d = es_xml_text(x, 64, &terr);
			es_entity_date dd = {0};
			if (d)
				parse_date(d, &dd);
			if (dd.year && dd.month && dd.day)
				snprintf(stats->data_date, sizeof stats->data_date, "%04d-%02d-%02d", dd.year, dd.month,
					 dd.day);
			free(d);
		}
	}
	if (r < 0) {
		rc = err->code != ES_OK ? err->code : ES_EFORMAT;
		goto done;
	}
	if (!seen_root)
		rc = es_err_set(err, ES_EFORMAT, "%s: no <Designations> element (empty or not a UK list)", c.fname);
	else if (!ended)
		rc = es_err_set(err, ES_EFORMAT, "%s: document ends before </Designations> (truncated?)", c.fname);
done:
	es_xml_free(x);
	free(buf);
	return rc;
}

es_code es_parse_uk_xml(const es_parse_input *in, es_parse_stats *stats, es_err *err)
{
	return parse(in, NULL, 0, stats, err);
}

es_code es_parse_uk_xml_buf(const es_parse_input *in, const char *buf, size_t len, es_parse_stats *stats,
			    es_err *err)
{
	return parse(in, buf ? buf : "", buf ? len : 0, stats, err);
}
