/* UN Security Council Consolidated List XML (formats.md §4).
 *
 * Streams the document with es_xml (which refuses DOCTYPEs, so no XXE or
 * entity expansion) and expands one INDIVIDUAL / ENTITY at a time into a
 * small subtree that is read with the tree API and then released by the
 * reader — memory stays bounded by the largest record, not the file.
 * Both the 2024 (single-quoted) and 2026 (double-quoted) serialisations are
 * plain XML to libxml2, so nothing here depends on the byte layout. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es_io.h"
#include "es_name_derive.h"
#include "es_parse_common.h"
#include "es_date.h"
#include "es_parser.h"
#include "es_text.h"
#include "es_xml.h"

typedef struct {
	const es_parse_input *in;
	es_parse_stats *stats;
	const char *fname;
	es_name_derive *names; /* lists/patterns/un_names.tsv; NULL without a lists_dir */
} ctx;

static const char *country_iso(const ctx *c, const char *name)
{
	return name ? es_country_lookup(c->in->countries, name, strlen(name)) : NULL;
}

/* <X><VALUE>a</VALUE><VALUE>b</VALUE></X> values joined into j. */
static void values(const xmlNode *n, es_join *j)
{
	for (const xmlNode *v = n->children; v; v = v->next) {
		if (!es_xml_is_elem(v, "VALUE"))
			continue;
		char *t = es_xml_node_text(v);
		es_join_add(j, "; ", t);
		free(t);
	}
}

static es_code add_alias(ctx *c, es_entity *e, const xmlNode *n, es_err *err)
{
	es_code rc = ES_OK;
	char *name = es_xml_child_text(n, "ALIAS_NAME");
	char *q = es_xml_child_text(n, "QUALITY");
	if (name) {
		es_name_kind kind = ES_NAME_AKA;
		es_strength strength = ES_STRONG;
		if (q && strcmp(q, "Low") == 0)
			strength = ES_WEAK; /* UN "Low quality" alias = weak */
		else if (q && strcmp(q, "f.k.a.") == 0)
			kind = ES_NAME_FKA;
		rc = es_entity_add_name(e, name, (size_t)-1, kind, strength, es_text_script(name), err);
	}
	(void)c;
	free(name);
	free(q);
	return rc;
}

static es_code add_address(ctx *c, es_entity *e, const xmlNode *n, es_err *err)
{
	es_code rc = ES_OK;
	es_address a = {0};
	char *country = es_xml_child_text(n, "COUNTRY"), *note = es_xml_child_text(n, "NOTE");
	a.street = es_xml_child_text(n, "STREET");
	a.city = es_xml_child_text(n, "CITY");
	a.region = es_xml_child_text(n, "STATE_PROVINCE");
	a.postal_code = es_xml_child_text(n, "ZIP_CODE");
	es_join full = {0};
	es_join_add(&full, ", ", a.street);
	es_join_add(&full, ", ", a.city);
	es_join_add(&full, ", ", a.region);
	es_join_add(&full, ", ", a.postal_code);
	es_join_add(&full, ", ", country);
	es_join_add(&full, " ", note ? "(" : NULL);
	if (note) {
		es_join_add(&full, "", note);
		es_join_add(&full, "", ")");
	}
	if (full.oom) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto done;
	}
	if (!full.s)
		goto done; /* <INDIVIDUAL_ADDRESS><COUNTRY/></INDIVIDUAL_ADDRESS> carries nothing */
	const char *iso = country_iso(c, country);
	if (iso)
		memcpy(a.country, iso, 3);
	a.full = full.s;
	rc = es_entity_add_address(e, &a, err);
done:
	free(a.street);
	free(a.city);
	free(a.region);
	free(a.postal_code);
	free(country);
	free(note);
	free(full.s);
	return rc;
}

static int num(const char *s)
{
	return s && isdigit((unsigned char)*s) ? atoi(s) : 0;
}

/* EXACT (DATE), APPROXIMATELY (YEAR), BETWEEN (FROM_YEAR, TO_YEAR) */
static es_code add_dob(ctx *c, es_entity *e, const xmlNode *n, es_err *err)
{
	(void)c;
	es_code rc = ES_OK;
	char *type = es_xml_child_text(n, "TYPE_OF_DATE"), *date = es_xml_child_text(n, "DATE"), *year = es_xml_child_text(n, "YEAR"),
	     *from = es_xml_child_text(n, "FROM_YEAR"), *to = es_xml_child_text(n, "TO_YEAR"), *note = es_xml_child_text(n, "NOTE");
	es_entity_date d = {0};
	char text[128] = "";
	d.approximate = type && strcmp(type, "APPROXIMATELY") == 0;
	if (date) {
		es_date pd;
		if (es_date_parse_partial_iso(date, strlen(date), &pd) && pd.y >= 1000) {
			d.year = pd.y;
			d.month = pd.m;
			d.day = pd.d;
		}
		snprintf(text, sizeof text, "%s", date);
	} else if (year) {
		d.year = num(year);
		snprintf(text, sizeof text, "%s%s", d.approximate ? "circa " : "", year);
	} else if (from || to) {
		d.year = num(from);
		d.year_to = num(to);
		snprintf(text, sizeof text, "%s to %s", from ? from : "?", to ? to : "?");
	}
	if (text[0] && (d.year || date)) {
		d.text = text;
		rc = es_entity_add_dob(e, &d, err);
	}
	free(type);
	free(date);
	free(year);
	free(from);
	free(to);
	free(note);
	return rc;
}

static es_code add_pob(ctx *c, es_entity *e, const xmlNode *n, es_err *err)
{
	es_code rc = ES_OK;
	char *city = es_xml_child_text(n, "CITY"), *state = es_xml_child_text(n, "STATE_PROVINCE"),
	     *country = es_xml_child_text(n, "COUNTRY");
	es_join j = {0};
	es_join_add(&j, ", ", city);
	es_join_add(&j, ", ", state);
	es_join_add(&j, ", ", country);
	if (j.oom)
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
	else if (j.s)
		rc = es_entity_add_pob(e, j.s, err);
	const char *iso = country_iso(c, country);
	if (rc == ES_OK && iso)
		rc = es_entity_add_country(e, iso, ES_CTRY_BIRTH, err);
	free(city);
	free(state);
	free(country);
	free(j.s);
	return rc;
}

static es_code add_document(ctx *c, es_entity *e, const xmlNode *n, es_err *err)
{
	es_code rc = ES_OK;
	char *t1 = es_xml_child_text(n, "TYPE_OF_DOCUMENT"), *t2 = es_xml_child_text(n, "TYPE_OF_DOCUMENT2"),
	     *number = es_xml_child_text(n, "NUMBER"), *issuing = es_xml_child_text(n, "ISSUING_COUNTRY"),
	     *coi = es_xml_child_text(n, "COUNTRY_OF_ISSUE");
	es_join type = {0};
	es_join_add(&type, "", t1);
	if (t2) {
		es_join_add(&type, " ", "(");
		es_join_add(&type, "", t2);
		es_join_add(&type, "", ")");
	}
	const char *iso = country_iso(c, issuing);
	if (!iso)
		iso = country_iso(c, coi);
	if (type.oom)
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
	else if (number)
		rc = es_entity_add_ident(e, type.s, number, iso, err);
	free(t1);
	free(t2);
	free(number);
	free(issuing);
	free(coi);
	free(type.s);
	return rc;
}

/* Fills e from one INDIVIDUAL or ENTITY subtree. */
static es_code build(ctx *c, es_entity *e, const xmlNode *rec, bool person, es_err *err)
{
	es_code rc = ES_OK;
	es_join name = {0}, title = {0};
	char *t = NULL;
	static const char *const parts[] = {"FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"};
	e->type = person ? ES_TYPE_PERSON : ES_TYPE_ENTITY;
	if ((rc = es_entity_set(&e->list, "UN", 2, err)) != ES_OK)
		goto done;
	for (size_t k = 0; k < 4; k++) {
		t = es_xml_child_text(rec, parts[k]);
		es_join_add(&name, " ", t);
		free(t);
		t = NULL;
	}
	if (name.oom) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto done;
	}
	if (!name.s) {
		rc = es_err_set(err, ES_EMISSING, "no FIRST_NAME..FOURTH_NAME");
		goto done;
	}
	if ((rc = es_entity_set_name(e, name.s, name.len, err)) != ES_OK)
		goto done;
	for (const xmlNode *n = rec->children; n && rc == ES_OK; n = n->next) {
		if (n->type == XML_ENTITY_REF_NODE) {
			rc = es_err_set(err, ES_EFORMAT, "entity reference inside the record");
			break;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		const char *nm = (const char *)n->name;
		if (strcmp(nm, "NAME_ORIGINAL_SCRIPT") == 0) {
			if ((t = es_xml_node_text(n)))
				rc = es_entity_add_name(e, t, (size_t)-1, ES_NAME_ORIGINAL, ES_STRONG, es_text_script(t), err);
		} else if (strcmp(nm, "INDIVIDUAL_ALIAS") == 0 || strcmp(nm, "ENTITY_ALIAS") == 0) {
			rc = add_alias(c, e, n, err);
		} else if (strcmp(nm, "UN_LIST_TYPE") == 0) {
			if ((t = es_xml_node_text(n)))
				rc = es_entity_add_program(e, t, (size_t)-1, err);
		} else if (strcmp(nm, "NATIONALITY") == 0) {
			for (const xmlNode *v = n->children; v && rc == ES_OK; v = v->next) {
				if (!es_xml_is_elem(v, "VALUE"))
					continue;
				char *val = es_xml_node_text(v);
				const char *iso = country_iso(c, val);
				if (iso)
					rc = es_entity_add_country(e, iso, ES_CTRY_NATIONALITY, err);
				free(val);
			}
		} else if (strcmp(nm, "INDIVIDUAL_ADDRESS") == 0 || strcmp(nm, "ENTITY_ADDRESS") == 0) {
			rc = add_address(c, e, n, err);
		} else if (strcmp(nm, "INDIVIDUAL_DATE_OF_BIRTH") == 0) {
			rc = add_dob(c, e, n, err);
		} else if (strcmp(nm, "INDIVIDUAL_PLACE_OF_BIRTH") == 0) {
			rc = add_pob(c, e, n, err);
		} else if (strcmp(nm, "INDIVIDUAL_DOCUMENT") == 0) {
			rc = add_document(c, e, n, err);
		} else if (strcmp(nm, "TITLE") == 0 || strcmp(nm, "DESIGNATION") == 0) {
			values(n, &title);
		} else if (strcmp(nm, "COMMENTS1") == 0) {
			if ((t = es_xml_node_text(n)))
				rc = es_entity_set(&e->remarks, t, (size_t)-1, err);
		} else if (strcmp(nm, "LISTED_ON") == 0) {
			if ((t = es_xml_node_text(n)))
				rc = es_entity_set(&e->start_date, t, (size_t)-1, err);
		}
		free(t);
		t = NULL;
	}
	if (rc == ES_OK && title.oom)
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
	if (rc == ES_OK && title.s)
		rc = es_entity_set(&e->title, title.s, title.len, err);
	/* after the aliases, so a derived name the list already gives is not added twice */
	if (rc == ES_OK)
		rc = es_name_derive_apply(c->names, e, err);
done:
	free(name.s);
	free(title.s);
	return rc;
}

static es_code record(ctx *c, es_xml *x, bool person, es_err *err)
{
	int line = es_xml_line(x);
	const char *what = person ? "INDIVIDUAL" : "ENTITY";
	xmlNode *rec = xmlTextReaderExpand(es_xml_reader(x));
	if (!rec)
		return es_err_set(err, ES_EFORMAT, "%s:%d: %s: malformed or truncated record", c->fname, line, what);
	char *ref = es_xml_child_text(rec, "REFERENCE_NUMBER");
	if (!ref) {
		char *dataid = es_xml_child_text(rec, "DATAID");
		es_parse_skip(c->in, c->stats, "%s:%d: %s (DATAID %s) has no REFERENCE_NUMBER", c->fname, line, what,
			      dataid ? dataid : "?");
		free(dataid);
		return ES_OK;
	}
	es_err e_err = {0};
	es_entity *e = es_entity_new(c->in->source);
	if (!e) {
		free(ref);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	es_code rc = es_entity_set(&e->entry_id, ref, (size_t)-1, &e_err);
	if (rc == ES_OK)
		rc = build(c, e, rec, person, &e_err);
	rc = es_parse_finish(c->in, c->stats, e, rc, &e_err, err, "%s:%d: %s %.100s", c->fname, line, what, ref);
	free(ref);
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
		err = &local_err; /* the XML reader's error code is read back from it */
	ctx c = {.in = in, .stats = stats, .fname = es_parse_name(in)};
	if ((rc = es_parse_begin(in, stats, c.fname, err)) != ES_OK)
		return rc;
	if (in->lists_dir) {
		char *path = es_path_join(in->lists_dir, ES_UN_NAMES_FILE);
		if (!path)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		rc = es_name_derive_load(&c.names, path, err);
		free(path);
		if (rc != ES_OK)
			return rc;
	}
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
			if (!es_xml_is_start(x, "CONSOLIDATED_LIST")) {
				rc = es_err_set(err, ES_EFORMAT, "%s:%d: root element is <%.40s>, not <CONSOLIDATED_LIST>",
						c.fname, es_xml_line(x), es_xml_name(x));
				goto done;
			}
			seen_root = true;
			char *d = es_xml_attr(x, "dateGenerated");
			es_parse_set_iso_date(stats, d);
			free(d);
			if (xmlTextReaderIsEmptyElement(es_xml_reader(x)))
				ended = true;
		} else if (depth == 2 && (es_xml_is_start(x, "INDIVIDUAL") || es_xml_is_start(x, "ENTITY"))) {
			if ((rc = record(&c, x, es_xml_is_start(x, "INDIVIDUAL"), err)) != ES_OK)
				goto done;
		}
	}
	if (r < 0) {
		rc = err->code != ES_OK ? err->code : ES_EFORMAT;
		goto done;
	}
	if (!seen_root)
		rc = es_err_set(err, ES_EFORMAT, "%s: no <CONSOLIDATED_LIST> element (empty or not a UN list)",
				c.fname);
	else if (!ended)
		rc = es_err_set(err, ES_EFORMAT, "%s: document ends before </CONSOLIDATED_LIST> (truncated?)",
				c.fname);
done:
	es_name_derive_free(c.names);
	es_xml_free(x);
	free(buf);
	return rc;
}

es_code es_parse_un_xml(const es_parse_input *in, es_parse_stats *stats, es_err *err)
{
	return parse(in, NULL, 0, stats, err);
}

es_code es_parse_un_xml_buf(const es_parse_input *in, const char *buf, size_t len, es_parse_stats *stats,
			    es_err *err)
{
	return parse(in, buf ? buf : "", buf ? len : 0, stats, err);
}
