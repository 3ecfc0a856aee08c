/* OFAC classic XML (SDN.XML, CONSOLIDATED.XML; formats.md 1.3): root <sdnList>,
 * <publshInformation> (Publish_Date MM/DD/YYYY, Record_Count) and one <sdnEntry>
 * per entity. Elements are matched by local name, so both namespaces in the
 * wild (tempuri.org and the SLS URL) read the same.
 *
 * Streaming: one entry is built at a time and handed over at its end tag.
 * Record_Count must equal the number of <sdnEntry>: a download cut at an entry
 * boundary is still well-formed XML only if the tail was lost together with the
 * closing tags, which libxml2 catches; the count catches an edited/partial file.
 * Individuals are named "LAST, First" like the CSV files, so the two formats
 * give the same names. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es_io.h"
#include "es_ofac_remarks.h"
#include "es_parse_common.h"
#include "es_date.h"
#include "es_parser.h"
#include "es_xml.h"

#define MAX_DEPTH 8

/* The sub-record being read inside an entry (aka, id, address...). */
typedef struct {
	char *type, *category, *last, *first;          /* aka */
	char *id_type, *id_number, *id_country;         /* id */
	char *a1, *a2, *a3, *city, *state, *postal, *country; /* address */
} sub;

typedef struct {
	const es_parse_input *in;
	es_parse_stats *stats;
	const char *fname;
	es_xml *x;
	es_ofac_remarks *rem;
	es_ofac_lists *lists;
	long n_entries;      /* <sdnEntry> elements seen, good or bad */
} ctx;

static void sub_clear(sub *s)
{
	char **f[] = {&s->type, &s->category, &s->last, &s->first, &s->id_type, &s->id_number, &s->id_country,
		      &s->a1, &s->a2, &s->a3, &s->city, &s->state, &s->postal, &s->country};
	for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
		free(*f[i]);
		*f[i] = NULL;
	}
}

static const char *cc_of(ctx *c, const char *name)
{
	return name ? es_country_lookup(c->in->countries, name, strlen(name)) : NULL;
}

/* "LAST, First" when there is a first name (the CSV convention). Caller frees. */
static char *join_name(const char *last, const char *first)
{
	if (!last && !first)
		return NULL;
	if (!first)
		return strdup(last);
	if (!last)
		return strdup(first);
	size_t n = strlen(last) + strlen(first) + 3;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s, %s", last, first);
	return s;
}

static es_code finish_aka(es_entity *e, sub *s, es_err *err)
{
	es_code rc = ES_OK;
	char *n = join_name(s->last, s->first);
	if (!n)
		return (s->last || s->first) ? es_err_set(err, ES_ENOMEM, "out of memory") : ES_OK;
	es_name_kind k = ES_NAME_AKA;
	if (s->type && strcmp(s->type, "f.k.a.") == 0)
		k = ES_NAME_FKA;
	else if (s->type && strcmp(s->type, "n.k.a.") == 0)
		k = ES_NAME_NKA;
	es_strength st = s->category && strcmp(s->category, "weak") == 0 ? ES_WEAK : ES_STRONG;
	rc = es_entity_add_name(e, n, (size_t)-1, k, st, NULL, err);
	free(n);
	return rc;
}

static es_code finish_id(ctx *c, es_entity *e, sub *s, es_err *err)
{
	const char *type = s->id_type, *num = s->id_number;
	/* the CSV says "Vessel Registration Identification IMO 7406784" and we store
	 * type IMO there; give the XML form the same shape */
	if (type && num && strcmp(type, "Vessel Registration Identification") == 0 && strncmp(num, "IMO ", 4) == 0) {
		type = "IMO";
		num += 4;
	}
	return es_entity_add_ident(e, type, num, cc_of(c, s->id_country), err);
}

static es_code finish_address(ctx *c, es_entity *e, sub *s, es_err *err)
{
	es_address a = {0};
	char street[3 * 1024 + 8], full[6 * 1024 + 16];
	const char *parts[] = {s->a1, s->a2, s->a3};
	size_t sl = 0;
	street[0] = '\0';
	for (size_t i = 0; i < 3; i++) {
		if (!parts[i])
			continue;
		int w = snprintf(street + sl, sizeof street - sl, "%s%s", sl ? ", " : "", parts[i]);
		if (w < 0 || (size_t)w >= sizeof street - sl)
			return es_err_set(err, ES_ETOOBIG, "address too long");
		sl += (size_t)w;
	}
	a.street = sl ? street : NULL;
	a.city = s->city;
	a.region = s->state;
	a.postal_code = s->postal;
	const char *cc = cc_of(c, s->country);
	if (cc)
		memcpy(a.country, cc, 3);
	const char *fp[] = {a.street, s->city, s->state, s->postal, s->country};
	size_t fl = 0;
	full[0] = '\0';
	for (size_t i = 0; i < 5; i++) {
		if (!fp[i])
			continue;
		int w = snprintf(full + fl, sizeof full - fl, "%s%s", fl ? ", " : "", fp[i]);
		if (w < 0 || (size_t)w >= sizeof full - fl)
			return es_err_set(err, ES_ETOOBIG, "address too long");
		fl += (size_t)w;
	}
	if (!fl)
		return ES_OK;
	a.full = full;
	return es_entity_add_address(e, &a, err);
}

static es_code add_dob(es_entity *e, const char *text, es_err *err)
{
	es_entity_date d = {0};
	es_ofac_parse_date(text, strlen(text), &d);
	d.text = (char *)text;
	return es_entity_add_dob(e, &d, err);
}

/* Reads one <sdnEntry> (the reader is on its start tag) to its end tag.
 * Entry-level problems go to on_diag and return ES_OK with *e left NULL;
 * only document-level problems return an error. */
static es_code read_entry(ctx *c, es_entity **out, es_err *err)
{
	es_code rc = ES_OK;
	es_entity *e = es_entity_new(c->in->source);
	char *uid = NULL, *first = NULL, *last = NULL, *type = NULL, *remarks = NULL, *title = NULL;
	sub s = {0};
	const char *stack[MAX_DEPTH + 1] = {0}; /* element names by depth below the entry */
	es_err ferr = {0};
	es_code frc = ES_OK;   /* first entry-level failure */
	int line = es_xml_line(c->x);
	*out = NULL;
	if (!e)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	int base = es_xml_depth(c->x);
	if (xmlTextReaderIsEmptyElement(es_xml_reader(c->x)))
		goto done;
	for (;;) {
		int r = es_xml_next(c->x, err);
		if (r < 0) {
			rc = err ? err->code : ES_EFORMAT;
			goto cleanup;
		}
		if (r == 0) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%d: document ends inside <sdnEntry> (truncated?)", c->fname,
					line);
			goto cleanup;
		}
		int t = es_xml_type(c->x);
		int rel = es_xml_depth(c->x) - base; /* 1 = direct child of sdnEntry */
		if (t == XML_READER_TYPE_END_ELEMENT) {
			if (rel == 0)
				break;
			const char *nm = es_xml_name(c->x);
			if (frc == ES_OK && rel == 2) {
				if (strcmp(nm, "aka") == 0)
					frc = finish_aka(e, &s, &ferr);
				else if (strcmp(nm, "id") == 0)
					frc = finish_id(c, e, &s, &ferr);
				else if (strcmp(nm, "address") == 0)
					frc = finish_address(c, e, &s, &ferr);
			}
			if (rel == 2)
				sub_clear(&s);
			continue;
		}
		if (t != XML_READER_TYPE_ELEMENT || rel < 1)
			continue;
		const char *nm = es_xml_name(c->x);
		if (rel <= MAX_DEPTH)
			stack[rel] = NULL;
		bool empty = xmlTextReaderIsEmptyElement(es_xml_reader(c->x));
		/* container elements: remember them, their children come next */
		bool leaf = (rel == 1 && strcmp(nm, "vesselInfo") != 0 && !strstr(nm, "List")) || rel == 3 ||
			    (rel == 2 && stack[1] && (strcmp(stack[1], "programList") == 0 || strcmp(stack[1], "vesselInfo") == 0));
		if (!leaf || empty) {
			if (rel <= MAX_DEPTH) {
				/* element names live in the reader's dictionary for the whole parse */
				stack[rel] = (const char *)xmlTextReaderConstLocalName(es_xml_reader(c->x));
			}
			continue;
		}
		es_err terr = {0};
		char *v = es_xml_text(c->x, ES_MAX_FIELD, &terr);
		if (!v) {
			if (terr.code == ES_ETOOBIG) {
				if (frc == ES_OK) {
					frc = ES_ETOOBIG;
					ferr = terr;
				}
				/* the reader is inside the element; go on to its end */
				continue;
			}
			if (terr.code != ES_OK) {
				if (err)
					*err = terr;
				rc = terr.code;
				goto cleanup;
			}
			continue; /* empty */
		}
		const char *parent = rel >= 2 ? stack[1] : NULL;
		char **slot = NULL;
		es_code arc = ES_OK;
		if (rel == 1) {
			if (!strcmp(nm, "uid"))
				slot = &uid;
			else if (!strcmp(nm, "firstName"))
				slot = &first;
			else if (!strcmp(nm, "lastName"))
				slot = &last;
			else if (!strcmp(nm, "sdnType"))
				slot = &type;
			else if (!strcmp(nm, "remarks"))
				slot = &remarks;
			else if (!strcmp(nm, "title"))
				slot = &title;
		} else if (rel == 2 && parent && !strcmp(parent, "programList")) {
			if (!strcmp(nm, "program"))
				arc = es_entity_add_program(e, v, (size_t)-1, &ferr);
		} else if (rel == 2 && parent && !strcmp(parent, "vesselInfo")) {
			char **f = !strcmp(nm, "callSign") ? &e->call_sign
				 : !strcmp(nm, "vesselType") ? &e->vessel_type
				 : !strcmp(nm, "vesselFlag") ? &e->vessel_flag
				 : !strcmp(nm, "vesselOwner") ? &e->vessel_owner
				 : !strcmp(nm, "tonnage") ? &e->tonnage
				 : !strcmp(nm, "grossRegisteredTonnage") ? &e->grt : NULL;
			if (f)
				arc = es_entity_set(f, v, (size_t)-1, &ferr);
		} else if (rel == 3 && parent && stack[2]) {
			const char *rec = stack[2];
			if (!strcmp(rec, "aka")) {
				slot = !strcmp(nm, "type") ? &s.type
				     : !strcmp(nm, "category") ? &s.category
				     : !strcmp(nm, "lastName") ? &s.last
				     : !strcmp(nm, "firstName") ? &s.first : NULL;
			} else if (!strcmp(rec, "id")) {
				slot = !strcmp(nm, "idType") ? &s.id_type
				     : !strcmp(nm, "idNumber") ? &s.id_number
				     : !strcmp(nm, "idCountry") ? &s.id_country : NULL;
			} else if (!strcmp(rec, "address")) {
				slot = !strcmp(nm, "address1") ? &s.a1
				     : !strcmp(nm, "address2") ? &s.a2
				     : !strcmp(nm, "address3") ? &s.a3
				     : !strcmp(nm, "city") ? &s.city
				     : !strcmp(nm, "stateOrProvince") ? &s.state
				     : !strcmp(nm, "postalCode") ? &s.postal
				     : !strcmp(nm, "country") ? &s.country : NULL;
			} else if (!strcmp(rec, "nationality") || !strcmp(rec, "citizenship")) {
				const char *cc = !strcmp(nm, "country") ? cc_of(c, v) : NULL;
				if (cc)
					arc = es_entity_add_country(e, cc, rec[0] == 'n' ? ES_CTRY_NATIONALITY
											 : ES_CTRY_CITIZENSHIP, &ferr);
			} else if (!strcmp(rec, "dateOfBirthItem")) {
				if (!strcmp(nm, "dateOfBirth"))
					arc = add_dob(e, v, &ferr);
			} else if (!strcmp(rec, "placeOfBirthItem")) {
				if (!strcmp(nm, "placeOfBirth"))
					arc = es_ofac_add_pob(e, c->in->countries, v, &ferr);
			}
		}
		if (slot) {
			free(*slot);
			*slot = v;
		} else {
			free(v);
		}
		if (arc != ES_OK && frc == ES_OK)
			frc = arc;
		if (arc == ES_ENOMEM) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
done:;
	char idtxt[48];
	es_parse_show(uid ? uid : "(no uid)", (size_t)-1, idtxt);
	if (frc != ES_OK) {
		es_parse_skip(c->in, c->stats, "%s:%d: entry %s: %s", c->fname, line, idtxt, ferr.msg);
		goto cleanup;
	}
	bool uid_ok = uid && *uid && strlen(uid) <= 12;
	for (const char *p = uid; uid_ok && *p; p++)
		uid_ok = isdigit((unsigned char)*p);
	if (!uid_ok) {
		es_parse_skip(c->in, c->stats, "%s:%d: entry '%s' has no valid uid", c->fname, line,
			      uid ? idtxt : "");
		goto cleanup;
	}
	if (!type || !strcmp(type, "Entity"))
		e->type = ES_TYPE_ENTITY;
	else if (!strcmp(type, "Individual"))
		e->type = ES_TYPE_PERSON;
	else if (!strcmp(type, "Vessel"))
		e->type = ES_TYPE_VESSEL;
	else if (!strcmp(type, "Aircraft"))
		e->type = ES_TYPE_AIRCRAFT;
	else
		e->type = ES_TYPE_UNKNOWN;
	char *name = join_name(last, first);
	if (!name && (last || first)) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (!name) {
		es_parse_skip(c->in, c->stats, "%s:%d: entry %s has no name", c->fname, line, uid);
		goto cleanup;
	}
	/* the primary must be names[0]: set it before the aliases already added */
	es_name *old = e->names;
	size_t n_old = e->n_names;
	e->names = NULL;
	e->n_names = 0;
	frc = es_entity_set_name(e, name, (size_t)-1, &ferr);
	free(name);
	for (size_t i = 0; i < n_old; i++) {
		if (frc == ES_OK)
			frc = es_entity_add_name(e, old[i].name, (size_t)-1, old[i].kind, old[i].strength, old[i].script,
						 &ferr);
		free(old[i].name);
		free(old[i].script);
	}
	free(old);
	const char *list = c->lists ? es_ofac_lists_code(c->lists, e->programs, e->n_programs) : "SDN";
	if (frc == ES_OK)
		frc = es_entity_set(&e->entry_id, uid, (size_t)-1, &ferr);
	if (frc == ES_OK)
		frc = es_entity_set(&e->list, list, (size_t)-1, &ferr);
	if (frc == ES_OK)
		frc = es_entity_set(&e->title, title, (size_t)-1, &ferr);
	if (frc == ES_OK)
		frc = es_entity_set(&e->remarks, remarks, (size_t)-1, &ferr);
	if (frc == ES_OK && remarks)
		frc = es_ofac_remarks_apply(c->rem, c->in->countries, remarks, strlen(remarks), e, &ferr);
	if (frc == ES_OK)
		frc = es_entity_validate(e, &ferr);
	if (frc == ES_ENOMEM) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (frc != ES_OK) {
		es_parse_skip(c->in, c->stats, "%s:%d: entry %s: %s", c->fname, line, uid, ferr.msg);
		goto cleanup;
	}
	*out = e;
	e = NULL;
cleanup:
	sub_clear(&s);
	es_entity_free(e);
	free(uid);
	free(first);
	free(last);
	free(type);
	free(remarks);
	free(title);
	return rc;
}

/* "05/06/2024" -> "2024-05-06"; false if not MM/DD/YYYY. */
static bool us_date(const char *s, char out[32])
{
	es_date d;
	if (!s || !es_date_parse_us(s, strlen(s), &d) || d.y < 1900)
		return false;
	es_date_format(d, out);
	return true;
}

es_code es_parse_ofac_xml_buf(const es_parse_input *in, const char *buf, size_t len, es_parse_stats *stats,
			      es_err *err)
{
	es_code rc = ES_OK;
	es_parse_stats local;
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	stats->declared_count = -1;
	ctx c = {.in = in, .stats = stats};
	c.fname = es_parse_name(in);
	if (!in->countries || !in->lists_dir)
		return es_err_set(err, ES_EUSAGE, "ofac_xml: the country table and lists_dir (for %s) are required",
				  ES_OFAC_REMARKS_FILE);
	if ((rc = es_ofac_load_tables(in, &c.rem, &c.lists, err)) != ES_OK)
		goto cleanup;
	if (len == 0) {
		rc = es_err_set(err, ES_EFORMAT, "%s: file is empty", c.fname);
		goto cleanup;
	}
	if ((rc = es_xml_open(&c.x, buf, len, c.fname, err)) != ES_OK)
		goto cleanup;
	bool root_seen = false;
	for (;;) {
		int r = es_xml_next(c.x, err);
		if (r < 0) {
			rc = err ? err->code : ES_EFORMAT;
			goto cleanup;
		}
		if (r == 0)
			break;
		if (es_xml_type(c.x) != XML_READER_TYPE_ELEMENT)
			continue;
		if (!root_seen) {
			if (strcmp(es_xml_name(c.x), "sdnList") != 0) {
				rc = es_err_set(err, ES_EFORMAT, "%s:%d: root element is <%.60s>, not <sdnList> (not an OFAC XML file?)",
						c.fname, es_xml_line(c.x), es_xml_name(c.x));
				goto cleanup;
			}
			root_seen = true;
			continue;
		}
		if (es_xml_is_start(c.x, "sdnEntry") && es_xml_depth(c.x) == 1) {
			c.n_entries++;
			es_entity *e = NULL;
			if ((rc = read_entry(&c, &e, err)) != ES_OK)
				goto cleanup;
			if (e) {
				if ((rc = in->on_entity(in->ctx, e, err)) != ES_OK)
					goto cleanup;
				stats->entries++;
			}
		} else if (es_xml_is_start(c.x, "Publish_Date") || es_xml_is_start(c.x, "Record_Count")) {
			bool is_date = es_xml_name(c.x)[0] == 'P';
			int line = es_xml_line(c.x);
			es_err terr = {0};
			char *v = es_xml_text(c.x, 64, &terr);
			if (!v && terr.code != ES_OK) {
				if (err)
					*err = terr;
				rc = terr.code;
				goto cleanup;
			}
			if (is_date) {
				if (!us_date(v, stats->data_date))
					stats->data_date[0] = '\0';
			} else {
				char *end = NULL;
				long n = v ? strtol(v, &end, 10) : -1;
				if (!v || end == v || *end || n < 0) {
					char vt[48];
					rc = es_err_set(err, ES_EFORMAT, "%s:%d: Record_Count '%s' is not a number", c.fname,
							line, es_parse_show(v ? v : "", (size_t)-1, vt));
					free(v);
					goto cleanup;
				}
				stats->declared_count = n;
			}
			free(v);
		}
	}
	if (!root_seen) {
		rc = es_err_set(err, ES_EFORMAT, "%s: no <sdnList> element (not an OFAC XML file?)", c.fname);
		goto cleanup;
	}
	if (stats->declared_count >= 0 && stats->declared_count != c.n_entries) {
		rc = es_err_set(err, ES_EFORMAT, "%s: file declares %ld entries, has %ld (truncated or edited?)", c.fname,
				stats->declared_count, c.n_entries);
		goto cleanup;
	}
cleanup:
	/* libxml2 messages can span lines ("...indicate encoding !\nBytes: 0x9C"); ours are one line */
	if (rc != ES_OK && err)
		for (char *p = err->msg; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	es_xml_free(c.x);
	es_ofac_remarks_free(c.rem);
	es_ofac_lists_free(c.lists);
	return rc;
}

es_code es_parse_ofac_xml(const es_parse_input *in, es_parse_stats *stats, es_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	if (!in->path)
		return es_err_set(err, ES_EUSAGE, "ofac_xml: no file");
	es_code rc = es_parse_read(in, in->path, in->sha256, &buf, &len, err);
	if (rc == ES_OK)
		rc = es_parse_ofac_xml_buf(in, buf, len, stats, err);
	free(buf);
	return rc;
}
