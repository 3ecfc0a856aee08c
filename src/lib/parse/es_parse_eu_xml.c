/* EU Financial Sanctions Files XML (formats.md §3): the current v1.1 format
 * (root <export>, namespace http://eu.europa.ec/fpi/fsd/export, one
 * <sanctionEntity> per subject, data in attributes) and the legacy pre-2019
 * format (root <WHOLE>, <ENTITY> with upper-case child elements, ISO-3
 * country codes). The root element decides which one is read.
 *
 * Like the UN parser, the document is streamed through es_xml (DOCTYPE
 * refused) and each record is expanded on its own, so memory is bounded by
 * the largest record. Names are compared by local name, so the namespace
 * does not matter. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uloc.h>

#include "es_parse_common.h"
#include "es_date.h"
#include "es_parser.h"
#include "es_text.h"
#include "es_xml.h"

#define MAX_ISO3 300

typedef struct {
	const es_parse_input *in;
	es_parse_stats *stats;
	const char *fname;
	bool legacy;
	/* ISO 3166 alpha-3 -> alpha-2, from ICU (the legacy format uses alpha-3) */
	char iso3[MAX_ISO3][4];
	char iso2[MAX_ISO3][3];
	size_t n_iso;
} ctx;

static void load_iso3(ctx *c)
{
	const char *const *codes = uloc_getISOCountries();
	for (size_t i = 0; codes && codes[i] && c->n_iso < MAX_ISO3; i++) {
		char loc[16];
		snprintf(loc, sizeof loc, "en_%s", codes[i]);
		const char *three = uloc_getISO3Country(loc);
		if (!three || strlen(three) != 3 || strlen(codes[i]) != 2)
			continue;
		memcpy(c->iso3[c->n_iso], three, 4);
		memcpy(c->iso2[c->n_iso], codes[i], 3);
		c->n_iso++;
	}
}

/* ISO-2 for an ISO-2 code, an ISO-3 code or a country name; NULL for unknown / "00". */
static const char *country(const ctx *c, const char *s)
{
	if (!s || !*s)
		return NULL;
	if (strlen(s) == 3 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]) &&
	    isupper((unsigned char)s[2])) {
		for (size_t i = 0; i < c->n_iso; i++)
			if (strcmp(c->iso3[i], s) == 0)
				return es_country_valid(c->in->countries, c->iso2[i]) ? c->iso2[i] : NULL;
	}
	if (strlen(s) == 2 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]))
		return es_country_valid(c->in->countries, s) ? es_country_lookup(c->in->countries, s, 2) : NULL;
	return es_country_lookup(c->in->countries, s, strlen(s));
}

/* Trimmed attribute value (caller frees), NULL when absent or empty. */
static char *attr(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	if (!v)
		return NULL;
	char *out = es_text_trimdup((const char *)v);
	xmlFree(v);
	return out;
}

static void parse_iso_date(const char *s, es_entity_date *d)
{
	es_date pd;
	if (!s || !es_date_parse_partial_iso(s, strlen(s), &pd) || pd.y < 1000)
		return;
	d->year = pd.y;
	d->month = pd.m;
	d->day = pd.d;
}

/* Adds a date of birth unless the same text is already there (the legacy
 * format repeats a BIRTH per regulation). */
static es_code add_dob(es_entity *e, const es_entity_date *d, es_err *err)
{
	for (size_t i = 0; i < e->n_dobs; i++)
		if (e->dobs[i].text && d->text && strcmp(e->dobs[i].text, d->text) == 0)
			return ES_OK;
	return es_entity_add_dob(e, d, err);
}

/* Adds a name: the first one becomes the primary name, the rest aliases. */
static es_code add_name(es_entity *e, const char *name, es_strength strength, es_err *err)
{
	if (!e->name) {
		/* a weak alias never becomes the primary name while a strong one may follow;
		 * the caller orders strong names first */
		return es_entity_set_name(e, name, (size_t)-1, err);
	}
	return es_entity_add_name(e, name, (size_t)-1, ES_NAME_AKA, strength, es_text_script(name), err);
}

/* ---- v1.1 ---------------------------------------------------------------- */

static es_code v11_name(es_entity *e, const xmlNode *n, bool strong_pass, es_join *title, es_err *err)
{
	es_code rc = ES_OK;
	char *strong = attr(n, "strong");
	bool is_strong = !strong || strcmp(strong, "false") != 0;
	free(strong);
	if (is_strong != strong_pass)
		return ES_OK;
	char *whole = attr(n, "wholeName");
	if (!whole) {
		char *f = attr(n, "firstName"), *m = attr(n, "middleName"), *l = attr(n, "lastName");
		es_join j = {0};
		es_join_add(&j, " ", f);
		es_join_add(&j, " ", m);
		es_join_add(&j, " ", l);
		free(f);
		free(m);
		free(l);
		if (j.oom)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		whole = j.s;
	}
	if (whole)
		rc = add_name(e, whole, is_strong ? ES_STRONG : ES_WEAK, err);
	char *t = attr(n, "title"), *fn = attr(n, "function");
	if (strong_pass) {
		es_join_add(title, "; ", t);
		es_join_add(title, "; ", fn);
	}
	free(t);
	free(fn);
	free(whole);
	return rc;
}

static es_code v11_address(ctx *c, es_entity *e, const xmlNode *n, es_err *err)
{
	es_code rc = ES_OK;
	es_address a = {0};
	char *pobox = attr(n, "poBox"), *place = attr(n, "place"), *cc = attr(n, "countryIso2Code"),
	     *cdesc = attr(n, "countryDescription");
	a.street = attr(n, "street");
	a.city = attr(n, "city");
	a.postal_code = attr(n, "zipCode");
	a.region = attr(n, "region");
	es_join full = {0};
	es_join_add(&full, ", ", a.street);
	es_join_add(&full, ", ", pobox);
	es_join_add(&full, ", ", a.city);
	es_join_add(&full, ", ", a.postal_code);
	es_join_add(&full, ", ", a.region);
	es_join_add(&full, ", ", place);
	const char *iso = country(c, cc);
	if (cdesc && strcmp(cdesc, "UNKNOWN") != 0)
		es_join_add(&full, ", ", cdesc);
	if (full.oom) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
	} else if (full.s || iso) {
		if (iso)
			memcpy(a.country, iso, 3);
		a.full = full.s;
		rc = es_entity_add_address(e, &a, err);
	}
	free(a.street);
	free(a.city);
	free(a.postal_code);
	free(a.region);
	free(pobox);
	free(place);
	free(cc);
	free(cdesc);
	free(full.s);
	return rc;
}

static es_code v11_birth(ctx *c, es_entity *e, const xmlNode *n, es_err *err)
{
	es_code rc = ES_OK;
	char *bd = attr(n, "birthdate"), *year = attr(n, "year"), *month = attr(n, "monthOfYear"),
	     *day = attr(n, "dayOfMonth"), *circa = attr(n, "circa"), *city = attr(n, "city"),
	     *place = attr(n, "place"), *region = attr(n, "region"), *cc = attr(n, "countryIso2Code"),
	     *cdesc = attr(n, "countryDescription");
	es_entity_date d = {0};
	char text[64] = "";
	d.approximate = circa && strcmp(circa, "true") == 0;
	if (bd) {
		parse_iso_date(bd, &d);
		snprintf(text, sizeof text, "%s%s", d.approximate ? "circa " : "", bd);
	} else if (year) {
		es_date pd = es_date_partial(atoi(year), month ? atoi(month) : 0, day ? atoi(day) : 0);
		d.year = pd.y;
		d.month = pd.m;
		d.day = pd.d;
		snprintf(text, sizeof text, "%s%s", d.approximate ? "circa " : "", year);
	}
	if (text[0]) {
		d.text = text;
		rc = add_dob(e, &d, err);
	}
	es_join pob = {0};
	es_join_add(&pob, ", ", city);
	es_join_add(&pob, ", ", place);
	es_join_add(&pob, ", ", region);
	if (cdesc && strcmp(cdesc, "UNKNOWN") != 0)
		es_join_add(&pob, ", ", cdesc);
	if (rc == ES_OK && pob.oom)
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
	if (rc == ES_OK && pob.s)
		rc = es_entity_add_pob(e, pob.s, err);
	const char *iso = country(c, cc);
	if (rc == ES_OK && iso)
		rc = es_entity_add_country(e, iso, ES_CTRY_BIRTH, err);
	free(bd);
	free(year);
	free(month);
	free(day);
	free(circa);
	free(city);
	free(place);
	free(region);
	free(cc);
	free(cdesc);
	free(pob.s);
	return rc;
}

static es_code v11_ident(ctx *c, es_entity *e, const xmlNode *n, es_err *err)
{
	char *num = attr(n, "number"), *latin = attr(n, "latinNumber"),
	     *desc = attr(n, "identificationTypeDescription"), *code = attr(n, "identificationTypeCode"),
	     *cc = attr(n, "countryIso2Code");
	const char *number = num ? num : latin;
	es_code rc = number ? es_entity_add_ident(e, desc ? desc : code, number, country(c, cc), err) : ES_OK;
	free(num);
	free(latin);
	free(desc);
	free(code);
	free(cc);
	return rc;
}

static es_code v11_build(ctx *c, es_entity *e, const xmlNode *rec, es_err *err)
{
	es_code rc = ES_OK;
	es_join title = {0};
	/* strong names first, so the primary name is never a weak alias */
	for (int pass = 1; pass >= 0 && rc == ES_OK; pass--)
		for (const xmlNode *n = rec->children; n && rc == ES_OK; n = n->next)
			if (es_xml_is_elem(n, "nameAlias"))
				rc = v11_name(e, n, pass == 1, &title, err);
	if (rc == ES_OK && !e->name)
		rc = es_err_set(err, ES_EMISSING, "no nameAlias with a name");
	for (const xmlNode *n = rec->children; n && rc == ES_OK; n = n->next) {
		if (n->type == XML_ENTITY_REF_NODE) {
			rc = es_err_set(err, ES_EFORMAT, "entity reference inside the record");
			break;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		char *t = NULL;
		if (es_xml_is_elem(n, "subjectType")) {
			t = attr(n, "code");
			if (t && strcmp(t, "person") == 0)
				e->type = ES_TYPE_PERSON;
			else if (t && strcmp(t, "enterprise") == 0)
				e->type = ES_TYPE_ENTITY;
		} else if (es_xml_is_elem(n, "regulation")) {
			if ((t = attr(n, "programme")))
				rc = es_entity_add_program(e, t, (size_t)-1, err);
		} else if (es_xml_is_elem(n, "citizenship")) {
			t = attr(n, "countryIso2Code");
			const char *iso = country(c, t);
			if (iso)
				rc = es_entity_add_country(e, iso, ES_CTRY_CITIZENSHIP, err);
		} else if (es_xml_is_elem(n, "address")) {
			rc = v11_address(c, e, n, err);
		} else if (es_xml_is_elem(n, "birthdate")) {
			rc = v11_birth(c, e, n, err);
		} else if (es_xml_is_elem(n, "identification")) {
			rc = v11_ident(c, e, n, err);
		} else if (es_xml_is_elem(n, "remark")) {
			if ((t = es_xml_node_text(n)))
				rc = es_entity_set(&e->remarks, t, (size_t)-1, err);
		}
		free(t);
	}
	if (rc == ES_OK && title.oom)
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
	if (rc == ES_OK && title.s)
		rc = es_entity_set(&e->title, title.s, title.len, err);
	if (rc == ES_OK) {
		char *dd = attr(rec, "designationDate");
		if (dd)
			rc = es_entity_set(&e->start_date, dd, (size_t)-1, err);
		free(dd);
	}
	free(title.s);
	return rc;
}

/* ---- legacy WHOLE/ENTITY ------------------------------------------------- */

static es_code legacy_build(ctx *c, es_entity *e, const xmlNode *rec, es_err *err)
{
	es_code rc = ES_OK;
	es_join title = {0};
	char *type = attr(rec, "Type"), *prog = attr(rec, "programme"), *remark = attr(rec, "remark");
	e->type = type && strcmp(type, "P") == 0 ? ES_TYPE_PERSON : type && strcmp(type, "E") == 0 ? ES_TYPE_ENTITY
												: ES_TYPE_UNKNOWN;
	if (prog)
		rc = es_entity_add_program(e, prog, (size_t)-1, err);
	if (rc == ES_OK && remark)
		rc = es_entity_set(&e->remarks, remark, (size_t)-1, err);
	for (const xmlNode *n = rec->children; n && rc == ES_OK; n = n->next) {
		if (n->type == XML_ENTITY_REF_NODE) {
			rc = es_err_set(err, ES_EFORMAT, "entity reference inside the record");
			break;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (es_xml_is_elem(n, "NAME")) {
			char *whole = es_xml_child_text(n, "WHOLENAME");
			if (!whole) {
				char *f = es_xml_child_text(n, "FIRSTNAME"), *m = es_xml_child_text(n, "MIDDLENAME"),
				     *l = es_xml_child_text(n, "LASTNAME");
				es_join j = {0};
				es_join_add(&j, " ", f);
				es_join_add(&j, " ", m);
				es_join_add(&j, " ", l);
				free(f);
				free(m);
				free(l);
				whole = j.s;
			}
			if (whole)
				rc = add_name(e, whole, ES_STRONG, err);
			char *t = es_xml_child_text(n, "TITLE"), *fn = es_xml_child_text(n, "FUNCTION");
			/* each NAME repeats the function; keep one copy */
			if (t && (!title.s || !strstr(title.s, t)))
				es_join_add(&title, "; ", t);
			if (fn && (!title.s || !strstr(title.s, fn)))
				es_join_add(&title, "; ", fn);
			free(t);
			free(fn);
			free(whole);
		} else if (es_xml_is_elem(n, "BIRTH")) {
			char *date = es_xml_child_text(n, "DATE"), *place = es_xml_child_text(n, "PLACE"),
			     *cc = es_xml_child_text(n, "COUNTRY");
			if (date) {
				es_entity_date d = {.text = date};
				parse_iso_date(date, &d);
				rc = add_dob(e, &d, err);
			}
			if (rc == ES_OK && place)
				rc = es_entity_add_pob(e, place, err);
			const char *iso = country(c, cc);
			if (rc == ES_OK && iso)
				rc = es_entity_add_country(e, iso, ES_CTRY_BIRTH, err);
			free(date);
			free(place);
			free(cc);
		} else if (es_xml_is_elem(n, "CITIZEN")) {
			char *cc = es_xml_child_text(n, "COUNTRY");
			const char *iso = country(c, cc);
			if (iso)
				rc = es_entity_add_country(e, iso, ES_CTRY_CITIZENSHIP, err);
			free(cc);
		} else if (es_xml_is_elem(n, "PASSPORT")) {
			char *num = es_xml_child_text(n, "NUMBER"), *cc = es_xml_child_text(n, "COUNTRY");
			if (num)
				rc = es_entity_add_ident(e, "Passport", num, country(c, cc), err);
			free(num);
			free(cc);
		} else if (es_xml_is_elem(n, "ADDRESS")) {
			es_address a = {0};
			char *number = es_xml_child_text(n, "NUMBER"), *street = es_xml_child_text(n, "STREET"),
			     *other = es_xml_child_text(n, "OTHER"), *cc = es_xml_child_text(n, "COUNTRY");
			a.postal_code = es_xml_child_text(n, "ZIPCODE");
			a.city = es_xml_child_text(n, "CITY");
			es_join st = {0}, full = {0};
			es_join_add(&st, " ", number);
			es_join_add(&st, " ", street);
			a.street = st.s;
			es_join_add(&full, ", ", st.s);
			es_join_add(&full, ", ", a.city);
			es_join_add(&full, ", ", a.postal_code);
			es_join_add(&full, ", ", other);
			es_join_add(&full, ", ", cc);
			const char *iso = country(c, cc);
			if (iso)
				memcpy(a.country, iso, 3);
			a.full = full.s;
			if (st.oom || full.oom)
				rc = es_err_set(err, ES_ENOMEM, "out of memory");
			else if (full.s)
				rc = es_entity_add_address(e, &a, err);
			free(number);
			free(street);
			free(other);
			free(cc);
			free(a.postal_code);
			free(a.city);
			free(st.s);
			free(full.s);
		}
	}
	if (rc == ES_OK && !e->name)
		rc = es_err_set(err, ES_EMISSING, "no NAME with a name");
	if (rc == ES_OK && title.oom)
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
	if (rc == ES_OK && title.s)
		rc = es_entity_set(&e->title, title.s, title.len, err);
	free(title.s);
	free(type);
	free(prog);
	free(remark);
	return rc;
}

static es_code record(ctx *c, es_xml *x, es_err *err)
{
	int line = es_xml_line(x);
	const char *what = c->legacy ? "ENTITY" : "sanctionEntity";
	xmlNode *rec = xmlTextReaderExpand(es_xml_reader(x));
	if (!rec)
		return es_err_set(err, ES_EFORMAT, "%s:%d: %s: malformed or truncated record", c->fname, line, what);
	char *id = attr(rec, c->legacy ? "Id" : "logicalId");
	if (!id) {
		es_parse_skip(c->in, c->stats, "%s:%d: %s has no %s", c->fname, line, what,
			      c->legacy ? "Id" : "logicalId");
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
		rc = es_entity_set(&e->list, "EU", 2, &e_err);
	if (rc == ES_OK)
		rc = c->legacy ? legacy_build(c, e, rec, &e_err) : v11_build(c, e, rec, &e_err);
	rc = es_parse_finish(c->in, c->stats, e, rc, &e_err, err, "%s:%d: %s %.64s", c->fname, line, what, id);
	free(id);
	return rc;
}

static void set_date(es_parse_stats *st, const char *d, bool dmy)
{
	if (!d)
		return;
	es_date dd;
	if (dmy) { /* "11/02/2016" */
		if (strlen(d) >= 10 && es_date_parse_dmy(d, 10, &dd))
			es_date_format(dd, st->data_date);
	} else {
		es_parse_set_iso_date(st, d);
	}
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
	const char *fname = es_parse_name(in);
	if ((rc = es_parse_begin(in, stats, fname, err)) != ES_OK)
		return rc;
	ctx *c = calloc(1, sizeof *c); /* the ISO-3 table makes it a few kB */
	if (!c)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	c->in = in;
	c->stats = stats;
	c->fname = fname;
	load_iso3(c);
	if ((rc = es_parse_open_xml(in, c->fname, &file_buf, &len, &buf, &x, err)) != ES_OK)
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
			if (es_xml_is_start(x, "export")) {
				char *d = es_xml_attr(x, "generationDate");
				set_date(stats, d, false);
				free(d);
			} else if (es_xml_is_start(x, "WHOLE")) {
				c->legacy = true;
				char *d = es_xml_attr(x, "Date");
				set_date(stats, d, true);
				free(d);
			} else {
				rc = es_err_set(err, ES_EFORMAT,
						"%s:%d: root element is <%.40s>, not <export> (v1.1) or <WHOLE> (legacy)",
						c->fname, es_xml_line(x), es_xml_name(x));
				goto done;
			}
			seen_root = true;
			if (xmlTextReaderIsEmptyElement(es_xml_reader(x)))
				ended = true;
		} else if (depth == 1 && es_xml_is_start(x, c->legacy ? "ENTITY" : "sanctionEntity")) {
			if ((rc = record(c, x, err)) != ES_OK)
				goto done;
		}
	}
	if (r < 0) {
		rc = err->code != ES_OK ? err->code : ES_EFORMAT;
		goto done;
	}
	if (!seen_root)
		rc = es_err_set(err, ES_EFORMAT, "%s: no root element (empty or not an EU list)", c->fname);
	else if (!ended)
		rc = es_err_set(err, ES_EFORMAT, "%s: document ends before the root element closes (truncated?)",
				c->fname);
done:
	es_xml_free(x);
	free(buf);
	free(c);
	return rc;
}

es_code es_parse_eu_xml(const es_parse_input *in, es_parse_stats *stats, es_err *err)
{
	return parse(in, NULL, 0, stats, err);
}

es_code es_parse_eu_xml_buf(const es_parse_input *in, const char *buf, size_t len, es_parse_stats *stats,
			    es_err *err)
{
	return parse(in, buf ? buf : "", buf ? len : 0, stats, err);
}
