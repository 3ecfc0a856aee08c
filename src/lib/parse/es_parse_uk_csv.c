/* FCDO "UK Sanctions List" CSV (formats.md §5.1).
 *
 * Line 1 is metadata ("Report Date: DD-Mon-YYYY", possibly after a UTF-8
 * BOM) and gives the data date; line 2 is the header, whose columns are
 * found by name. The file has one row per name and per address of a
 * designation: rows are grouped by "Unique ID" (not assumed adjacent), and
 * entities are handed on in first-seen order once the file is read.
 * Individuals get the primary name "Name6, Name1 Name2..." (family name
 * first, as OFAC's "LAST, First"); entities and ships the whole name. */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "es_buf.h"
#include "es_date.h"
#include "es_csv.h"
#include "es_hash.h"
#include "es_parse_common.h"
#include "es_parser.h"
#include "es_text.h"

enum {
	C_ID, C_N6, C_N1, C_N2, C_N3, C_N4, C_N5, C_NAMETYPE, C_STRENGTH, C_TITLE, C_NONLATIN, C_NONLATIN_TYPE,
	C_REGIME, C_DTYPE, C_OTHER, C_A1, C_A2, C_A3, C_A4, C_A5, C_A6, C_POSTAL, C_COUNTRY, C_DESIGNATED, C_DOB,
	C_NATIONALITY, C_NATID, C_PASSPORT, C_POSITION, C_TOWN_BIRTH, C_COUNTRY_BIRTH, C_IMO, C_OWNER, C_FLAG,
	C_SHIPTYPE, C_TONNAGE, C_COUNT
};

static const char *const col_names[C_COUNT] = {
	"Unique ID", "Name 6", "Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Name type", "Alias strength",
	"Title", "Name non-latin script", "Non-latin script type", "Regime Name", "Designation Type",
	"Other Information", "Address Line 1", "Address Line 2", "Address Line 3", "Address Line 4",
	"Address Line 5", "Address Line 6", "Address Postal Code", "Address Country", "Date Designated", "D.O.B",
	"Nationality(/ies)", "National Identifier number", "Passport number", "Position", "Town of birth",
	"Country of birth", "IMO number", "Current owner/operator (s)", "Current believed flag of ship",
	"Type of ship", "Tonnage of ship",
};

typedef struct {
	char *name;
	es_name_kind kind;
	es_strength strength;
	bool original;
} pending_name;

typedef struct {
	es_entity *e;
	long line;          /* first row of the designation */
	bool bad;
	char *primary;
	es_vec names;       /* pending_name */
} group;

typedef struct {
	const es_parse_input *in;
	es_parse_stats *stats;
	const char *fname;
	long col[C_COUNT];
	bool have_header;
	es_vec groups;      /* group, in file order */
	size_t *hash;       /* open addressing: index+1 into groups, 0 = empty */
	size_t hcap;
} ctx;

/* Trimmed copy of a cell (caller frees), NULL when absent/empty; *oom on failure. */
static char *cell(const ctx *c, const es_csv_row *r, int col, bool *oom)
{
	long i = c->col[col];
	if (i < 0 || (size_t)i >= r->n)
		return NULL;
	const char *s = r->f[i];
	size_t n = r->len[i];
	es_text_trim(&s, &n);
	if (!n)
		return NULL;
	char *out = strndup(s, n);
	if (!out)
		*oom = true;
	return out;
}

static uint64_t hash_str(const char *s)
{
	return es_hash(s, strlen(s));
}

#define GROUPS(c) ((group *)(c)->groups.data)
#define NAMES(g) ((pending_name *)(g)->names.data)

/* The group for id, created when new; NULL on out of memory. */
static group *group_for(ctx *c, const char *id, long line)
{
	if (c->groups.n * 2 >= c->hcap) {
		size_t hcap = c->hcap ? c->hcap * 2 : 1024;
		size_t *h = calloc(hcap, sizeof *h);
		if (!h)
			return NULL;
		for (size_t i = 0; i < c->groups.n; i++) {
			size_t k = hash_str(GROUPS(c)[i].e->entry_id) & (hcap - 1);
			while (h[k])
				k = (k + 1) & (hcap - 1);
			h[k] = i + 1;
		}
		free(c->hash);
		c->hash = h;
		c->hcap = hcap;
	}
	size_t k = hash_str(id) & (c->hcap - 1);
	while (c->hash[k]) {
		group *g = &GROUPS(c)[c->hash[k] - 1];
		if (strcmp(g->e->entry_id, id) == 0)
			return g;
		k = (k + 1) & (c->hcap - 1);
	}
	es_entity *e = es_entity_new(c->in->source);
	if (!e || !(e->entry_id = strdup(id)) || !(e->list = strdup("UK"))) {
		es_entity_free(e);
		return NULL;
	}
	group *g = es_vec_push(&c->groups, sizeof(group));
	if (!g) {
		es_entity_free(e);
		return NULL;
	}
	g->e = e;
	g->line = line;
	c->hash[k] = c->groups.n;
	return g;
}

static es_code pend_name(group *g, char *name, es_name_kind kind, es_strength strength, bool original, es_err *err)
{
	for (size_t i = 0; i < g->names.n; i++)
		if (strcmp(NAMES(g)[i].name, name) == 0) {
			if (strength == ES_STRONG)
				NAMES(g)[i].strength = ES_STRONG;
			free(name);
			return ES_OK;
		}
	if (g->names.n >= ES_MAX_NAMES) {
		free(name);
		return es_err_set(err, ES_ETOOBIG, "more than %d names in one entry", ES_MAX_NAMES);
	}
	pending_name *p = es_vec_push(&g->names, sizeof(pending_name));
	if (!p) {
		free(name);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	*p = (pending_name){name, kind, strength, original};
	return ES_OK;
}

static bool has_address(const es_entity *e, const char *full)
{
	for (size_t i = 0; i < e->n_addresses; i++)
		if (e->addresses[i].full && strcmp(e->addresses[i].full, full) == 0)
			return true;
	return false;
}

static bool has_ident(const es_entity *e, const char *type, const char *num)
{
	for (size_t i = 0; i < e->n_ids; i++)
		if (strcmp(e->ids[i].number, num) == 0 && e->ids[i].type && strcmp(e->ids[i].type, type) == 0)
			return true;
	return false;
}

/* "dd/mm/yyyy", zeros for unknown parts ("00/00/1980") */
static es_code add_dob(es_entity *e, const char *s, es_err *err)
{
	for (size_t i = 0; i < e->n_dobs; i++)
		if (strcmp(e->dobs[i].text, s) == 0)
			return ES_OK;
	es_entity_date d = {.text = (char *)s};
	es_date pd;
	size_t n = strlen(s);
	if (es_date_parse_partial_dmy(s, n, &pd) && pd.y >= 1000) {
		d.year = pd.y;
		d.month = pd.m;
		d.day = pd.d;
	} else if (es_date_parse_partial_iso(s, n, &pd) && pd.y >= 1000) {
		d.year = pd.y; /* a bare year */
	}
	return es_entity_add_dob(e, &d, err);
}

/* "Russia", or numbered inline "1) Saudi Arabia 2) Qatar" / "(1) A (2) B". */
static es_code add_countries(ctx *c, es_entity *e, const char *s, es_country_role role, es_err *err)
{
	es_code rc = ES_OK;
	const char *p = s;
	while (*p && rc == ES_OK) {
		/* skip a "(n)" / "n)" marker */
		const char *q = p;
		while (*q == ' ' || *q == '(')
			q++;
		const char *dq = q;
		while (isdigit((unsigned char)*dq))
			dq++;
		if (dq > q && *dq == ')')
			p = dq + 1;
		/* the item runs to the next marker */
		const char *end = p;
		for (; *end; end++) {
			const char *m = end;
			if (*m != ' ')
				continue;
			m++;
			if (*m == '(')
				m++;
			const char *dm = m;
			while (isdigit((unsigned char)*dm))
				dm++;
			if (dm > m && *dm == ')')
				break;
		}
		const char *it = p;
		size_t n = (size_t)(end - p);
		es_text_trim(&it, &n);
		while (n && (it[n - 1] == ',' || it[n - 1] == ';'))
			n--;
		if (n) {
			const char *iso = es_country_lookup(c->in->countries, it, n);
			if (iso)
				rc = es_entity_add_country(e, iso, role, err);
		}
		p = end;
	}
	return rc;
}

static es_code row_into(ctx *c, group *g, const es_csv_row *r, es_err *err)
{
	es_code rc = ES_OK;
	es_entity *e = g->e;
	bool oom = false;
	char *v[C_COUNT] = {0};
	for (int k = 1; k < C_COUNT; k++)
		v[k] = cell(c, r, k, &oom);
	if (oom) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto done;
	}
	if (v[C_DTYPE] && e->type == ES_TYPE_UNKNOWN) {
		if (strcasecmp(v[C_DTYPE], "Individual") == 0)
			e->type = ES_TYPE_PERSON;
		else if (strcasecmp(v[C_DTYPE], "Entity") == 0)
			e->type = ES_TYPE_ENTITY;
		else if (strcasecmp(v[C_DTYPE], "Ship") == 0)
			e->type = ES_TYPE_VESSEL;
	}
	/* the name of this row */
	es_join given = {0}, full = {0};
	for (int k = C_N1; k <= C_N5; k++)
		es_join_add(&given, " ", v[k]);
	if (e->type == ES_TYPE_PERSON && v[C_N6] && given.s) {
		es_join_add(&full, "", v[C_N6]); /* "FAMILY, Given Names" like OFAC's "LAST, First" */
		es_join_add(&full, ", ", given.s);
	} else {
		/* entities and ships: Name 6 is the whole name */
		es_join_add(&full, "", v[C_N6] ? v[C_N6] : given.s);
	}
	free(given.s);
	if (full.oom) {
		free(full.s);
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto done;
	}
	if (full.s) {
		if (full.len > ES_MAX_NAME) {
			free(full.s);
			rc = es_err_set(err, ES_ETOOBIG, "name of %zu bytes exceeds the limit of %d", full.len,
					ES_MAX_NAME);
			goto done;
		}
		bool primary = v[C_NAMETYPE] && strcasecmp(v[C_NAMETYPE], "Primary Name") == 0;
		es_strength st = v[C_STRENGTH] && (strcasestr(v[C_STRENGTH], "low") || strcasestr(v[C_STRENGTH], "weak"))
					 ? ES_WEAK
					 : ES_STRONG;
		if (primary && !g->primary) {
			g->primary = full.s;
		} else if ((rc = pend_name(g, full.s, ES_NAME_AKA, st, false, err)) != ES_OK) {
			goto done;
		}
	}
	if (v[C_NONLATIN]) {
		char *nl = v[C_NONLATIN];
		v[C_NONLATIN] = NULL;
		if ((rc = pend_name(g, nl, ES_NAME_ORIGINAL, ES_STRONG, true, err)) != ES_OK)
			goto done;
	}
	if (v[C_REGIME] && (rc = es_entity_add_program(e, v[C_REGIME], (size_t)-1, err)) != ES_OK)
		goto done;
	/* the address of this row */
	es_join street = {0}, afull = {0};
	for (int k = C_A1; k <= C_A6; k++)
		es_join_add(&street, ", ", v[k]);
	es_join_add(&afull, ", ", street.s);
	es_join_add(&afull, ", ", v[C_POSTAL]);
	es_join_add(&afull, ", ", v[C_COUNTRY]);
	if (street.oom || afull.oom) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
	} else if (afull.s && !has_address(e, afull.s)) {
		es_address a = {.street = street.s, .postal_code = v[C_POSTAL], .full = afull.s};
		const char *iso = v[C_COUNTRY] ? es_country_lookup(c->in->countries, v[C_COUNTRY], (size_t)-1) : NULL;
		if (iso)
			memcpy(a.country, iso, 3);
		rc = es_entity_add_address(e, &a, err);
	}
	free(street.s);
	free(afull.s);
	if (rc != ES_OK)
		goto done;
	if (v[C_DOB] && (rc = add_dob(e, v[C_DOB], err)) != ES_OK)
		goto done;
	if (v[C_NATIONALITY] && (rc = add_countries(c, e, v[C_NATIONALITY], ES_CTRY_NATIONALITY, err)) != ES_OK)
		goto done;
	if (v[C_COUNTRY_BIRTH] && (rc = add_countries(c, e, v[C_COUNTRY_BIRTH], ES_CTRY_BIRTH, err)) != ES_OK)
		goto done;
	if (v[C_TOWN_BIRTH] || v[C_COUNTRY_BIRTH]) {
		es_join pob = {0};
		es_join_add(&pob, ", ", v[C_TOWN_BIRTH]);
		es_join_add(&pob, ", ", v[C_COUNTRY_BIRTH]);
		rc = pob.oom ? es_err_set(err, ES_ENOMEM, "out of memory") : es_entity_add_pob(e, pob.s, err);
		free(pob.s);
		if (rc != ES_OK)
			goto done;
	}
	static const struct {
		int col;
		const char *type;
	} idents[] = {{C_PASSPORT, "Passport"}, {C_NATID, "National Identifier"}, {C_IMO, "IMO"}};
	for (size_t k = 0; k < sizeof idents / sizeof *idents; k++)
		if (v[idents[k].col] && !has_ident(e, idents[k].type, v[idents[k].col]) &&
		    (rc = es_entity_add_ident(e, idents[k].type, v[idents[k].col], NULL, err)) != ES_OK)
			goto done;
	static const struct {
		int col;
		size_t off;
	} fields[] = {
		{C_TITLE, offsetof(es_entity, title)},         {C_OTHER, offsetof(es_entity, remarks)},
		{C_DESIGNATED, offsetof(es_entity, start_date)}, {C_OWNER, offsetof(es_entity, vessel_owner)},
		{C_FLAG, offsetof(es_entity, vessel_flag)},      {C_SHIPTYPE, offsetof(es_entity, vessel_type)},
		{C_TONNAGE, offsetof(es_entity, tonnage)},
	};
	/* "Date Designated" is dd/mm/yyyy: kept as ISO like every other list's start_date */
	es_date dd;
	if (v[C_DESIGNATED] && es_date_parse_dmy(v[C_DESIGNATED], strlen(v[C_DESIGNATED]), &dd))
		es_date_format(dd, v[C_DESIGNATED]);
	for (size_t k = 0; k < sizeof fields / sizeof *fields; k++) {
		char **f = (char **)((char *)e + fields[k].off);
		if (v[fields[k].col] && !*f && (rc = es_entity_set(f, v[fields[k].col], (size_t)-1, err)) != ES_OK)
			goto done;
	}
	if (v[C_POSITION] && !e->title)
		rc = es_entity_set(&e->title, v[C_POSITION], (size_t)-1, err);
done:
	for (int k = 0; k < C_COUNT; k++)
		free(v[k]);
	return rc;
}

static es_code on_header(ctx *c, const es_csv_row *r, es_err *err)
{
	es_csv_header_columns(r, col_names, C_COUNT, true, c->col);
	static const int required[] = {C_ID, C_N6, C_NAMETYPE};
	for (size_t k = 0; k < sizeof required / sizeof *required; k++)
		if (c->col[required[k]] < 0)
			return es_err_set(err, ES_EFORMAT,
					  "%s:%ld: header has no '%s' column (not a UK Sanctions List CSV?)", c->fname,
					  r->line, col_names[required[k]]);
	c->have_header = true;
	return ES_OK;
}

static es_code on_row(void *ctx_, const es_csv_row *r, es_err *err)
{
	ctx *c = ctx_;
	if (!c->have_header)
		return on_header(c, r, err);
	if (r->n == 1 && r->len[0] == 0)
		return ES_OK;
	bool oom = false;
	char *id = cell(c, r, C_ID, &oom);
	if (oom)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if (!id) {
		es_parse_skip(c->in, c->stats, "%s:%ld: row has no Unique ID", c->fname, r->line);
		return ES_OK;
	}
	if (strlen(id) > 128) {
		es_parse_skip(c->in, c->stats, "%s:%ld: Unique ID of %zu bytes is too long", c->fname, r->line,
			      strlen(id));
		free(id);
		return ES_OK;
	}
	group *g = group_for(c, id, r->line);
	if (!g) {
		free(id);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	es_code rc = ES_OK;
	if (g->bad) {
		/* already reported */
	} else if (r->oversize >= 0) {
		g->bad = true;
		es_parse_skip(c->in, c->stats, "%s:%ld: entry %s: field %ld is over the size limit", c->fname, r->line,
			      id, r->oversize + 1);
	} else {
		es_err e_err = {0};
		rc = row_into(c, g, r, &e_err);
		if (rc == ES_ENOMEM) {
			es_err_set(err, rc, "%s", e_err.msg);
		} else if (rc != ES_OK) {
			g->bad = true;
			es_parse_skip(c->in, c->stats, "%s:%ld: entry %s: %s", c->fname, r->line, id, e_err.msg);
			rc = ES_OK;
		}
	}
	free(id);
	return rc;
}

/* Names in place (primary first), then validation; hands the entity on. */
static es_code finish(ctx *c, group *g, es_err *err)
{
	es_code rc = ES_OK;
	es_err e_err = {0};
	es_entity *e = g->e;
	g->e = NULL;
	const char *primary = g->primary;
	for (size_t i = 0; !primary && i < g->names.n; i++)
		if (!NAMES(g)[i].original)
			primary = NAMES(g)[i].name; /* no "Primary Name" row: the first alias stands in */
	if (!primary) {
		es_parse_skip(c->in, c->stats, "%s:%ld: entry %s has no name", c->fname, g->line, e->entry_id);
		es_entity_free(e);
		return ES_OK;
	}
	rc = es_entity_set_name(e, primary, (size_t)-1, &e_err);
	for (size_t i = 0; rc == ES_OK && i < g->names.n; i++) {
		pending_name *p = &NAMES(g)[i];
		rc = es_entity_add_name(e, p->name, (size_t)-1, p->original ? ES_NAME_ORIGINAL : p->kind, p->strength,
					es_text_script(p->name), &e_err);
	}
	return es_parse_finish(c->in, c->stats, e, rc, &e_err, err, "%s:%ld: entry %s", c->fname, g->line,
			       e->entry_id);
}

static void free_groups(ctx *c)
{
	for (size_t i = 0; i < c->groups.n; i++) {
		group *g = &GROUPS(c)[i];
		es_entity_free(g->e);
		free(g->primary);
		for (size_t k = 0; k < g->names.n; k++)
			free(NAMES(g)[k].name);
		es_vec_free(&g->names);
	}
	es_vec_free(&c->groups);
	free(c->hash);
}

static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* "Report Date: 28-Jan-2026" -> "2026-01-28"; false when the line is not that. */
static bool report_date(const char *line, size_t n, char out[32])
{
	char tmp[128];
	size_t k = n < sizeof tmp - 1 ? n : sizeof tmp - 1;
	memcpy(tmp, line, k);
	tmp[k] = '\0';
	const char *p = tmp;
	while (*p == '"' || *p == ' ')
		p++;
	if (strncasecmp(p, "Report Date:", 12) != 0)
		return false;
	out[0] = '\0';
	p += 12;
	while (*p == ' ')
		p++;
	/* "D-Mon-YYYY" or "DD-Mon-YYYY" */
	size_t dl = isdigit((unsigned char)p[0]) ? isdigit((unsigned char)p[1]) ? 2 : 1 : 0;
	if (!dl || strlen(p) < dl + 9 || p[dl] != '-' || p[dl + 4] != '-')
		return true;
	int d = p[0] - '0';
	if (dl == 2)
		d = d * 10 + (p[1] - '0');
	es_date iso;
	char ymd[24];
	for (int m = 0; m < 12; m++)
		if (strncasecmp(p + dl + 1, months[m], 3) == 0) {
			snprintf(ymd, sizeof ymd, "%.4s-%02d-%02d", p + dl + 5, m + 1, d);
			if (es_date_parse_iso(ymd, 10, &iso) && iso.y >= 1900)
				es_date_format(iso, out);
		}
	return true;
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
	if ((rc = es_parse_load(in, c.fname, &file_buf, &len, &buf, err)) != ES_OK)
		goto done;
	const char *p = file_buf;
	if ((rc = es_csv_prepare(&p, &len, c.fname, err)) != ES_OK)
		goto done;
	const char *nl = memchr(p, '\n', len);
	size_t l1 = nl ? (size_t)(nl - p) : len;
	if (!report_date(p, l1, stats->data_date)) {
		rc = es_err_set(err, ES_EFORMAT, "%s:1: expected 'Report Date: DD-Mon-YYYY' (not a UK Sanctions List CSV?)",
				c.fname);
		goto done;
	}
	size_t skip = nl ? l1 + 1 : len;
	es_csv_opts o = {.name = c.fname, .max_field = ES_MAX_FIELD, .max_fields = 256, .first_line = 2};
	if ((rc = es_csv_parse(p + skip, len - skip, &o, on_row, &c, err)) != ES_OK)
		goto done;
	if (!c.have_header) {
		rc = es_err_set(err, ES_EFORMAT, "%s:2: no header row", c.fname);
		goto done;
	}
	for (size_t i = 0; i < c.groups.n && rc == ES_OK; i++)
		if (!GROUPS(&c)[i].bad)
			rc = finish(&c, &GROUPS(&c)[i], err);
done:
	free_groups(&c);
	free(buf);
	return rc;
}

es_code es_parse_uk_csv(const es_parse_input *in, es_parse_stats *stats, es_err *err)
{
	return parse(in, NULL, 0, stats, err);
}

es_code es_parse_uk_csv_buf(const es_parse_input *in, const char *buf, size_t len, es_parse_stats *stats,
			    es_err *err)
{
	return parse(in, buf ? buf : "", buf ? len : 0, stats, err);
}
