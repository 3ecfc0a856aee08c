/* trade.gov Consolidated Screening List CSV (formats.md §2).
 *
 * Columns are found by header name, so the 2022 serialisation (bare fields,
 * 40-hex ids) and the 2025 one (every field quoted, 56-hex ids) both parse.
 * The `source` long name maps to the sub-list code through the data file
 * lists/csl_sources.tsv. The CSL has no alias strength: every alias is strong.
 * `?` artifacts (lost curly quotes in BIS names) are kept as listed; the
 * matcher's normalisation deals with them.
 *
 * Many names carry more than the entity's own name (a parent, a scope clause,
 * a trailing location or abbreviation, an embedded a.k.a.); the PCRE2 patterns
 * of lists/patterns/csl_names.tsv derive the entity's own names from them as
 * extra strong aliases (see that file). The listed name stays the primary. */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es_date.h"
#include "es_csv.h"
#include "es_io.h"
#include "es_name_derive.h"
#include "es_parse_common.h"
#include "es_parser.h"
#include "es_text.h"

enum {
	C_ID, C_SOURCE, C_TYPE, C_PROGRAMS, C_NAME, C_TITLE, C_ADDRESSES, C_FRN, C_START, C_END,
	C_STDORDER, C_LICREQ, C_LICPOL, C_CALLSIGN, C_VTYPE, C_GT, C_GRT, C_VFLAG, C_VOWNER, C_REMARKS,
	C_ALT, C_CITIZEN, C_DOB, C_NATION, C_POB, C_IDS, C_COUNT
};

static const char *const col_names[C_COUNT] = {
	"_id", "source", "type", "programs", "name", "title", "addresses", "federal_register_notice",
	"start_date", "end_date", "standard_order", "license_requirement", "license_policy", "call_sign",
	"vessel_type", "gross_tonnage", "gross_registered_tonnage", "vessel_flag", "vessel_owner", "remarks",
	"alt_names", "citizenships", "dates_of_birth", "nationalities", "places_of_birth", "ids",
};

#define MAX_SOURCES 64

typedef struct {
	char *name, *code;
} source_map;


typedef struct {
	const es_parse_input *in;
	es_parse_stats *stats;
	const char *fname;
	long col[C_COUNT];
	bool have_header;
	bool ids_type_first; /* 2025: "Passport, 123, KP"; 2022: "KP, 123, Passport" */
	source_map src[MAX_SOURCES];
	size_t n_src;
	es_name_derive *names; /* name patterns (NULL without a lists_dir) */
} ctx;

static es_code load_sources(ctx *c, es_err *err)
{
	es_code rc = ES_OK;
	char *buf = NULL, *path = NULL;
	size_t len;
	if (!c->in->lists_dir)
		return ES_OK; /* fall back to the parenthesised abbreviation */
	if (!(path = es_path_join(c->in->lists_dir, "csl_sources.tsv")))
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if ((rc = es_read_file(path, 1 << 20, &buf, &len, err)) != ES_OK)
		goto done;
	long line = 0;
	char *cursor = buf;
	for (char *p; (p = es_text_data_line(&cursor, &line));) {
		char *tab = strchr(p, '\t');
		if (!tab || !tab[1]) {
			rc = es_err_set(err, ES_EFORMAT, "csl_sources.tsv:%ld: expected 'source<TAB>code'", line);
			goto done;
		}
		if (c->n_src == MAX_SOURCES) {
			rc = es_err_set(err, ES_ETOOBIG, "csl_sources.tsv:%ld: more than %d sources", line,
					MAX_SOURCES);
			goto done;
		}
		*tab = '\0';
		char *code = tab + 1;
		code[strcspn(code, "\r \t")] = '\0';
		source_map *m = &c->src[c->n_src];
		m->name = strdup(p);
		m->code = strdup(code);
		if (!m->name || !m->code) {
			free(m->name);
			free(m->code);
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto done;
		}
		c->n_src++;
	}
done:
	free(buf);
	free(path);
	return rc;
}

static es_code load_names(ctx *c, es_err *err)
{
	if (!c->in->lists_dir)
		return ES_OK; /* no data files: the names stay as listed */
	char *path = es_path_join(c->in->lists_dir, ES_CSL_NAMES_FILE);
	if (!path)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	es_code rc = es_name_derive_load(&c->names, path, err);
	free(path);
	return rc;
}

/* Field i of the row by column, or "" (len 0) when the column or cell is absent. */
static const char *cell(const ctx *c, const es_csv_row *r, int col, size_t *len)
{
	long i = c->col[col];
	if (i < 0 || (size_t)i >= r->n) {
		*len = 0;
		return "";
	}
	*len = r->len[i];
	return r->f[i];
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

/* Calls fn on each "; "-separated part of s[0..n), trimmed, non-empty. */
typedef es_code (*part_fn)(ctx *c, es_entity *e, const char *s, size_t n, es_err *err);
static es_code each_part(ctx *c, es_entity *e, const char *s, size_t n, const char *sep, part_fn fn,
			 es_err *err)
{
	size_t seplen = strlen(sep);
	const char *end = s + n;
	while (s < end) {
		const char *q = s;
		while (q < end && !((size_t)(end - q) >= seplen && memcmp(q, sep, seplen) == 0))
			q++;
		const char *p = s;
		size_t len = (size_t)(q - s);
		es_text_trim(&p, &len);
		if (len) {
			es_code rc = fn(c, e, p, len, err);
			if (rc != ES_OK)
				return rc;
		}
		s = q < end ? q + seplen : end;
	}
	return ES_OK;
}

static es_code add_alias(ctx *c, es_entity *e, const char *s, size_t n, es_err *err)
{
	(void)c;
	/* BIS writes "X; and Y" for a second alias */
	if (n > 4 && strncmp(s, "and ", 4) == 0) {
		s += 4;
		n -= 4;
	}
	return es_entity_add_name(e, s, n, ES_NAME_AKA, ES_STRONG, NULL, err);
}

static es_code add_program(ctx *c, es_entity *e, const char *s, size_t n, es_err *err)
{
	(void)c;
	return es_entity_add_program(e, s, n, err);
}

static es_code add_pob(ctx *c, es_entity *e, const char *s, size_t n, es_err *err)
{
	(void)c;
	char *t = strndup(s, n);
	if (!t)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	es_code rc = es_entity_add_pob(e, t, err);
	free(t);
	return rc;
}

/* A 2-letter token that is a known ISO code, copied to cc. */
static bool iso_token(const ctx *c, const char *s, size_t n, char cc[3])
{
	if (n != 2 || !isupper((unsigned char)s[0]) || !isupper((unsigned char)s[1]))
		return false;
	cc[0] = s[0];
	cc[1] = s[1];
	cc[2] = '\0';
	return es_country_valid(c->in->countries, cc);
}

static es_code add_country_role(ctx *c, es_entity *e, const char *s, size_t n, es_country_role role,
				es_err *err)
{
	char cc[3];
	if (iso_token(c, s, n, cc))
		return es_entity_add_country(e, cc, role, err);
	const char *iso = es_country_lookup(c->in->countries, s, n);
	if (iso)
		return es_entity_add_country(e, iso, role, err);
	return ES_OK; /* unknown country text carries nothing we can match on */
}

static es_code add_citizen(ctx *c, es_entity *e, const char *s, size_t n, es_err *err)
{
	return add_country_role(c, e, s, n, ES_CTRY_CITIZENSHIP, err);
}

static es_code add_nation(ctx *c, es_entity *e, const char *s, size_t n, es_err *err)
{
	return add_country_role(c, e, s, n, ES_CTRY_NATIONALITY, err);
}

#define MAX_PARTS 64

/* Splits s[0..n) on ", " into at most MAX_PARTS trimmed parts. */
static size_t comma_parts(const char *s, size_t n, const char *p[], size_t l[])
{
	size_t k = 0;
	const char *end = s + n;
	while (s < end && k < MAX_PARTS) {
		const char *q = s;
		while (q < end && !(q + 1 < end && q[0] == ',' && q[1] == ' '))
			q++;
		if (k == MAX_PARTS - 1)
			q = end; /* the rest goes into the last part */
		p[k] = s;
		l[k] = (size_t)(q - s);
		es_text_trim(&p[k], &l[k]);
		k++;
		s = q < end ? q + 2 : end;
	}
	return k;
}

static char *join(const char *p[], const size_t l[], size_t from, size_t to)
{
	size_t total = 0;
	for (size_t i = from; i < to; i++)
		total += l[i] + 2;
	if (total == 0)
		return NULL;
	char *out = malloc(total + 1), *w = out;
	if (!out)
		return NULL;
	for (size_t i = from; i < to; i++) {
		if (i > from) {
			*w++ = ',';
			*w++ = ' ';
		}
		memcpy(w, p[i], l[i]);
		w += l[i];
	}
	*w = '\0';
	return out;
}

static bool has_digit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isdigit((unsigned char)s[i]))
			return true;
	return false;
}

/* "street, city, postcode, CC" — best effort; the source text is kept in full. */
static es_code add_address(ctx *c, es_entity *e, const char *s, size_t n, es_err *err)
{
	if (n > 4 && strncmp(s, "and ", 4) == 0) {
		s += 4;
		n -= 4;
	}
	es_code rc = ES_OK;
	const char *p[MAX_PARTS];
	size_t l[MAX_PARTS];
	size_t k = comma_parts(s, n, p, l);
	es_address a = {0};
	char *full = strndup(s, n), *postal = NULL, *region = NULL;
	if (!full)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	a.full = full;
	if (k && iso_token(c, p[k - 1], l[k - 1], a.country)) {
		k--;
		/* "..., Armenia, AM": the country name before the code adds nothing */
		const char *iso = k ? es_country_lookup(c->in->countries, p[k - 1], l[k - 1]) : NULL;
		if (iso && strcmp(iso, a.country) == 0)
			k--;
	} else if (k) {
		const char *iso = es_country_lookup(c->in->countries, p[k - 1], l[k - 1]);
		if (iso) {
			memcpy(a.country, iso, 3);
			k--;
		}
	}
	if (k >= 2 && l[k - 1] <= 12 && has_digit(p[k - 1], l[k - 1])) {
		if (!(postal = strndup(p[k - 1], l[k - 1]))) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto done;
		}
		a.postal_code = postal;
		k--;
	}
	/* US/CA style "..., RICHARDSON, TX, 75081, US": a short upper-case token is the state */
	if (k >= 3 && l[k - 1] >= 2 && l[k - 1] <= 3 && isupper((unsigned char)p[k - 1][0]) &&
	    isupper((unsigned char)p[k - 1][1]) && (l[k - 1] == 2 || isupper((unsigned char)p[k - 1][2]))) {
		if (!(region = strndup(p[k - 1], l[k - 1]))) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto done;
		}
		a.region = region;
		k--;
	}
	if (k >= 2) {
		a.city = strndup(p[k - 1], l[k - 1]);
		a.street = join(p, l, 0, k - 1);
		if (!a.city || !a.street) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto done;
		}
	} else if (k == 1) {
		if (!(a.city = strndup(p[0], l[0]))) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto done;
		}
	}
	rc = es_entity_add_address(e, &a, err);
done:
	free(full);
	free(postal);
	free(region);
	free(a.city);
	free(a.street);
	return rc;
}

/* "1949-07-17", "1956-03", "1956", "circa 1956", "1960 to 1962" */
static es_code add_dob(ctx *c, es_entity *e, const char *s, size_t n, es_err *err)
{
	(void)c;
	es_entity_date d = {0};
	char *t = strndup(s, n);
	if (!t)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	const char *p = t;
	if (strncmp(p, "circa ", 6) == 0) {
		d.approximate = true;
		p += 6;
	}
	es_date pd, to;
	size_t pl = strlen(p);
	if (es_date_parse_partial_iso(p, pl, &pd) && pd.y >= 1000) {
		d.year = pd.y;
		d.month = pd.m;
		d.day = pd.d;
		/* a range of years: "1960 to 1962" */
		if (pl >= 12 && memcmp(p + 4, " to ", 4) == 0 && es_date_parse_partial_iso(p + 8, pl - 8, &to) &&
		    to.y >= pd.y)
			d.year_to = to.y;
	}
	d.text = t;
	es_code rc = es_entity_add_dob(e, &d, err);
	free(t);
	return rc;
}

/* 2022: "[CC, ][issue dates, ]number, type"; 2025: "type, number[, CC]". */
static es_code add_ident(ctx *c, es_entity *e, const char *s, size_t n, es_err *err)
{
	const char *p[MAX_PARTS];
	size_t l[MAX_PARTS];
	size_t k = comma_parts(s, n, p, l);
	char cc[3] = "";
	char *type = NULL, *num = NULL;
	es_code rc = ES_OK;
	if (k == 1) {
		num = strndup(p[0], l[0]);
	} else if (k >= 3 && iso_token(c, p[0], l[0], cc) && !iso_token(c, p[k - 1], l[k - 1], (char[3]){0})) {
		num = strndup(p[k - 2], l[k - 2]);
		type = strndup(p[k - 1], l[k - 1]);
	} else if (k >= 3 && iso_token(c, p[k - 1], l[k - 1], cc)) {
		type = strndup(p[0], l[0]);
		num = join(p, l, 1, k - 1);
	} else if (c->ids_type_first) {
		type = strndup(p[0], l[0]);
		num = join(p, l, 1, k);
	} else {
		num = join(p, l, 0, k - 1);
		type = strndup(p[k - 1], l[k - 1]);
	}
	if (!num || (k > 1 && !type))
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
	else
		rc = es_entity_add_ident(e, type, num, cc[0] ? cc : NULL, err);
	free(type);
	free(num);
	return rc;
}

static es_type type_of(const char *s, size_t n)
{
	if (n == 10 && strncmp(s, "Individual", 10) == 0)
		return ES_TYPE_PERSON;
	if (n == 6 && strncmp(s, "Entity", 6) == 0)
		return ES_TYPE_ENTITY;
	if (n == 6 && strncmp(s, "Vessel", 6) == 0)
		return ES_TYPE_VESSEL;
	if (n == 8 && strncmp(s, "Aircraft", 8) == 0)
		return ES_TYPE_AIRCRAFT;
	return ES_TYPE_UNKNOWN;
}

/* The sub-list code for a source name: the data file, else "(XX)" in the name. */
static es_code list_code(ctx *c, es_entity *e, const char *s, size_t n, long line, es_err *err)
{
	es_text_trim(&s, &n);
	for (size_t i = 0; i < c->n_src; i++)
		if (strlen(c->src[i].name) == n && memcmp(c->src[i].name, s, n) == 0)
			return es_entity_set(&e->list, c->src[i].code, (size_t)-1, err);
	const char *open = memchr(s, '(', n);
	const char *close = open ? memchr(open, ')', (size_t)(s + n - open)) : NULL;
	if (!open || !close || close - open < 2)
		return es_err_set(err, ES_EFORMAT, "unknown source '%.*s'", (int)(n > 80 ? 80 : n), s);
	if (c->n_src) /* a note: the entry is kept */
		es_parse_note(c->in, "%s:%ld: entry %s: source '%.*s' is not in csl_sources.tsv; using '%.*s'",
			      c->fname, line, e->entry_id, (int)(n > 80 ? 80 : n), s, (int)(close - open - 1), open + 1);
	return es_entity_set(&e->list, open + 1, (size_t)(close - open - 1), err);
}

static es_code set_field(ctx *c, const es_csv_row *r, int col, char **field, es_err *err)
{
	size_t n;
	const char *s = cell(c, r, col, &n);
	return n ? es_entity_set(field, s, n, err) : ES_OK;
}

static es_code split_field(ctx *c, es_entity *e, const es_csv_row *r, int col, const char *sep, part_fn fn,
			   es_err *err)
{
	size_t n;
	const char *s = cell(c, r, col, &n);
	return n ? each_part(c, e, s, n, sep, fn, err) : ES_OK;
}

static es_code build(ctx *c, es_entity *e, const es_csv_row *r, es_err *err)
{
	es_code rc;
	size_t n;
	const char *s;
	s = cell(c, r, C_NAME, &n);
	if (blank(s, n))
		return es_err_set(err, ES_EMISSING, "entry has no name");
	if ((rc = es_entity_set_name(e, s, n, err)) != ES_OK)
		return rc;
	s = cell(c, r, C_SOURCE, &n);
	if (blank(s, n))
		return es_err_set(err, ES_EMISSING, "entry has no source");
	if ((rc = list_code(c, e, s, n, r->line, err)) != ES_OK)
		return rc;
	s = cell(c, r, C_TYPE, &n);
	es_text_trim(&s, &n);
	e->type = type_of(s, n);
	if ((rc = set_field(c, r, C_TITLE, &e->title, err)) || (rc = set_field(c, r, C_REMARKS, &e->remarks, err)) ||
	    (rc = set_field(c, r, C_LICREQ, &e->license_requirement, err)) ||
	    (rc = set_field(c, r, C_LICPOL, &e->license_policy, err)) ||
	    (rc = set_field(c, r, C_FRN, &e->federal_register_notice, err)) ||
	    (rc = set_field(c, r, C_START, &e->start_date, err)) ||
	    (rc = set_field(c, r, C_END, &e->end_date, err)) ||
	    (rc = set_field(c, r, C_STDORDER, &e->standard_order, err)) ||
	    (rc = set_field(c, r, C_CALLSIGN, &e->call_sign, err)) ||
	    (rc = set_field(c, r, C_VTYPE, &e->vessel_type, err)) ||
	    (rc = set_field(c, r, C_GT, &e->tonnage, err)) || (rc = set_field(c, r, C_GRT, &e->grt, err)) ||
	    (rc = set_field(c, r, C_VFLAG, &e->vessel_flag, err)) ||
	    (rc = set_field(c, r, C_VOWNER, &e->vessel_owner, err)) ||
	    (rc = split_field(c, e, r, C_ALT, ";", add_alias, err)) ||
	    (rc = split_field(c, e, r, C_PROGRAMS, ";", add_program, err)) ||
	    (rc = split_field(c, e, r, C_ADDRESSES, "; ", add_address, err)) ||
	    (rc = split_field(c, e, r, C_CITIZEN, ";", add_citizen, err)) ||
	    (rc = split_field(c, e, r, C_NATION, ";", add_nation, err)) ||
	    (rc = split_field(c, e, r, C_DOB, ";", add_dob, err)) ||
	    (rc = split_field(c, e, r, C_POB, ";", add_pob, err)) ||
	    (rc = split_field(c, e, r, C_IDS, "; ", add_ident, err)))
		return rc;
	/* after alt_names, so a derived name the list already gives is not added twice */
	return es_name_derive_apply(c->names, e, err);
}

static es_code on_header(ctx *c, const es_csv_row *r, es_err *err)
{
	es_csv_header_columns(r, col_names, C_COUNT, false, c->col);
	static const int required[] = {C_ID, C_NAME, C_SOURCE};
	for (size_t k = 0; k < sizeof required / sizeof *required; k++)
		if (c->col[required[k]] < 0)
			return es_err_set(err, ES_EFORMAT, "%s:%ld: header has no '%s' column (not a CSL file?)",
					  c->fname, r->line, col_names[required[k]]);
	c->have_header = true;
	return ES_OK;
}

static es_code on_row(void *ctx_, const es_csv_row *r, es_err *err)
{
	ctx *c = ctx_;
	if (!c->have_header)
		return on_header(c, r, err);
	if (r->n == 1 && blank(r->f[0], r->len[0]))
		return ES_OK;
	size_t idn;
	const char *id = cell(c, r, C_ID, &idn);
	es_text_trim(&id, &idn);
	if (idn > 128) {
		es_parse_skip(c->in, c->stats, "%s:%ld: entry id of %zu bytes is too long", c->fname, r->line,
			      idn);
		return ES_OK;
	}
	char idbuf[130];
	memcpy(idbuf, id, idn);
	idbuf[idn] = '\0';
	if (!idn) {
		es_parse_skip(c->in, c->stats, "%s:%ld: entry has no _id", c->fname, r->line);
		return ES_OK;
	}
	if (r->oversize >= 0) {
		es_parse_skip(c->in, c->stats, "%s:%ld: entry %s: field %ld is over the size limit", c->fname, r->line,
			      idbuf, r->oversize + 1);
		return ES_OK;
	}
	es_err e_err = {0};
	es_entity *e = es_entity_new(c->in->source);
	if (!e)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	es_code rc = es_entity_set(&e->entry_id, idbuf, idn, &e_err);
	if (rc == ES_OK)
		rc = build(c, e, r, &e_err);
	return es_parse_finish(c->in, c->stats, e, rc, &e_err, err, "%s:%ld: entry %s", c->fname, r->line, idbuf);
}

static es_code parse(const es_parse_input *in, const char *file_buf, size_t len, es_parse_stats *stats,
		     es_err *err)
{
	es_code rc = ES_OK;
	char *buf = NULL;
	es_parse_stats local;
	if (!stats)
		stats = &local;
	ctx c = {.in = in, .stats = stats, .fname = es_parse_name(in)};
	if ((rc = es_parse_begin(in, stats, c.fname, err)) != ES_OK)
		return rc;
	if ((rc = load_sources(&c, err)) != ES_OK || (rc = load_names(&c, err)) != ES_OK ||
	    (rc = es_parse_load(in, c.fname, &file_buf, &len, &buf, err)) != ES_OK)
		goto done;
	const char *p = file_buf;
	if ((rc = es_csv_prepare(&p, &len, c.fname, err)) != ES_OK)
		goto done;
	/* which way round the ids column is: "Gender, Male" (2025) vs "Male, Gender" (2022) */
	c.ids_type_first = memmem(p, len, "Gender, Male", 12) || memmem(p, len, "Gender, Female", 14);
	es_csv_opts o = {.name = c.fname, .max_field = ES_MAX_FIELD, .max_fields = 256};
	if ((rc = es_csv_parse(p, len, &o, on_row, &c, err)) != ES_OK)
		goto done;
	if (!c.have_header)
		rc = es_err_set(err, ES_EFORMAT, "%s: no header row", c.fname);
done:
	for (size_t i = 0; i < c.n_src; i++) {
		free(c.src[i].name);
		free(c.src[i].code);
	}
	es_name_derive_free(c.names);
	free(buf);
	return rc;
}

es_code es_parse_csl_csv(const es_parse_input *in, es_parse_stats *stats, es_err *err)
{
	return parse(in, NULL, 0, stats, err);
}

es_code es_parse_csl_csv_buf(const es_parse_input *in, const char *buf, size_t len, es_parse_stats *stats,
			     es_err *err)
{
	return parse(in, buf ? buf : "", buf ? len : 0, stats, err);
}
