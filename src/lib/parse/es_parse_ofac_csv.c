/* OFAC CSV quartet (formats.md 1.2, 1.6; OFAC dat_spec.txt): sdn.csv / cons_prim.csv
 * plus the optional add, alt and comments files joined on ent_num.
 *
 * The main file is read whole (bounded by max_bytes) and turned into one entity per
 * row, kept in file order; the companions are then joined through a sorted
 * ent_num index (n log n, no quadratic scans). The Remarks text is only parsed
 * once the comments file has appended its continuation, because OFAC cuts
 * Remarks at 1000 characters, often mid-word. Entry problems are reported via
 * on_diag and the entry is skipped; file problems end the parse. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es_csv.h"
#include "es_io.h"
#include "es_buf.h"
#include "es_ofac_remarks.h"
#include "es_parse_common.h"
#include "es_parser.h"

#define MAIN_COLS 12
#define ADD_COLS 6
#define ALT_COLS 5
#define COM_COLS 2

typedef struct {
	long ent_num;
	long line;
	es_entity *e;
	char *remarks;       /* raw (untrimmed) Remarks, comments appended */
	size_t remarks_len;
	bool bad;
} row;

typedef struct {
	long ent_num;
	size_t idx;
} key;

#define ROWS(c) ((row *)(c)->rows.data)

typedef struct {
	const es_parse_input *in;
	es_parse_stats *stats;
	const char *fname;   /* file being read, for messages */
	const char *main_name;
	es_vec rows;         /* row, in file order */
	key *index;
	es_ofac_lists *lists;
	bool first;          /* next row is the first of its file */
} ctx;

/* OFAC's null is the unquoted "-0- " (libcsv already trimmed the space). */
static bool is_null(const es_csv_row *r, size_t i)
{
	return i >= r->n || r->len[i] == 0 || strcmp(r->f[i], "-0-") == 0;
}

static const char *fld(const es_csv_row *r, size_t i)
{
	return is_null(r, i) ? NULL : r->f[i];
}

/* ent_num: 1..9 decimal digits (OFAC's are < 100000), nothing else. */
static bool parse_ent_num(const es_csv_row *r, long *out)
{
	if (is_null(r, 0) || r->len[0] > 9)
		return false;
	long v = 0;
	for (size_t i = 0; i < r->len[0]; i++) {
		if (!isdigit((unsigned char)r->f[0][i]))
			return false;
		v = v * 10 + (r->f[0][i] - '0');
	}
	*out = v;
	return v > 0;
}

static es_code split_programs(es_entity *e, const char *s, es_err *err)
{
	/* "IRAN] [SDGT] [IRGC": OFAC dropped the outer brackets; tolerate them anyway */
	size_t len = strlen(s);
	if (len && s[0] == '[') {
		s++;
		len--;
	}
	if (len && s[len - 1] == ']')
		len--;
	size_t pos = 0;
	while (pos <= len) {
		const char *sep = NULL;
		for (size_t i = pos; i + 3 <= len; i++)
			if (s[i] == ']' && s[i + 1] == ' ' && s[i + 2] == '[') {
				sep = s + i;
				break;
			}
		size_t end = sep ? (size_t)(sep - s) : len;
		es_code rc = es_entity_add_program(e, s + pos, end - pos, err);
		if (rc != ES_OK)
			return rc;
		if (!sep)
			break;
		pos = end + 3;
	}
	return ES_OK;
}

static es_code main_row(void *cv, const es_csv_row *r, es_err *err)
{
	ctx *c = cv;
	es_code rc = ES_OK;
	long ent = 0;
	bool first = c->first;
	c->first = false;
	if (r->n == 1 && r->len[0] == 0)
		return ES_OK; /* blank line */
	bool id_ok = parse_ent_num(r, &ent);
	/* the first row decides whether this is an OFAC CSV at all (an HTML error
	 * page or another list must not become a list of broken entries) */
	if (first && r->n != MAIN_COLS)
		return es_err_set(err, ES_EFORMAT, "%s:%ld: first record has %zu columns, expected %d (not an OFAC CSV file?)",
				  c->fname, r->line, r->n, MAIN_COLS);
	char idtxt[48];
	es_parse_show(r->n ? r->f[0] : "", r->n ? r->len[0] : 0, idtxt);
	if (first && !id_ok)
		return es_err_set(err, ES_EFORMAT, "%s:%ld: first record's ent_num '%s' is not a number (not an OFAC CSV file?)",
				  c->fname, r->line, idtxt);
	if (r->n != MAIN_COLS) {
		es_parse_skip(c->in, c->stats, "%s:%ld: entry %s has %zu columns, expected %d", c->fname, r->line,
			      idtxt, r->n, MAIN_COLS);
		return ES_OK;
	}
	if (!id_ok) {
		es_parse_skip(c->in, c->stats, "%s:%ld: entry '%s' has no valid ent_num", c->fname, r->line,
			      idtxt);
		return ES_OK;
	}
	if (r->oversize >= 0) {
		es_parse_skip(c->in, c->stats, "%s:%ld: entry %ld: field %ld is over the size limit", c->fname,
			      r->line, ent, r->oversize + 1);
		return ES_OK;
	}
	if (is_null(r, 1)) {
		es_parse_skip(c->in, c->stats, "%s:%ld: entry %ld has no name", c->fname, r->line, ent);
		return ES_OK;
	}
	es_entity *e = es_entity_new(c->in->source);
	if (!e)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	es_err ferr = {0};
	const char *type = fld(r, 2);
	if (!type)
		e->type = ES_TYPE_ENTITY;
	else if (strcmp(type, "individual") == 0)
		e->type = ES_TYPE_PERSON;
	else if (strcmp(type, "vessel") == 0)
		e->type = ES_TYPE_VESSEL;
	else if (strcmp(type, "aircraft") == 0)
		e->type = ES_TYPE_AIRCRAFT;
	else
		e->type = ES_TYPE_UNKNOWN;
	es_code frc;
	if ((frc = es_entity_set(&e->entry_id, r->f[0], r->len[0], &ferr)) ||
	    (frc = es_entity_set_name(e, r->f[1], r->len[1], &ferr)) ||
	    (fld(r, 3) && (frc = split_programs(e, r->f[3], &ferr))) ||
	    (frc = es_entity_set(&e->title, fld(r, 4), (size_t)-1, &ferr)) ||
	    (frc = es_entity_set(&e->call_sign, fld(r, 5), (size_t)-1, &ferr)) ||
	    (frc = es_entity_set(&e->vessel_type, fld(r, 6), (size_t)-1, &ferr)) ||
	    (frc = es_entity_set(&e->tonnage, fld(r, 7), (size_t)-1, &ferr)) ||
	    (frc = es_entity_set(&e->grt, fld(r, 8), (size_t)-1, &ferr)) ||
	    (frc = es_entity_set(&e->vessel_flag, fld(r, 9), (size_t)-1, &ferr)) ||
	    (frc = es_entity_set(&e->vessel_owner, fld(r, 10), (size_t)-1, &ferr))) {
		es_entity_free(e);
		if (frc == ES_ENOMEM)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		es_parse_skip(c->in, c->stats, "%s:%ld: entry %ld: %s", c->fname, r->line, ent, ferr.msg);
		return ES_OK;
	}
	const char *list = "SDN";
	if (c->lists)
		list = es_ofac_lists_code(c->lists, e->programs, e->n_programs);
	if ((rc = es_entity_set(&e->list, list, (size_t)-1, err)) != ES_OK) {
		es_entity_free(e);
		return rc;
	}
	row *w = es_vec_push(&c->rows, sizeof(row));
	if (!w) {
		es_entity_free(e);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	*w = (row){ent, r->line, e, NULL, 0, false};
	if (!is_null(r, 11)) {
		if (!(w->remarks = malloc(r->len[11] + 1))) {
			es_entity_free(e);
			c->rows.n--;
			return es_err_set(err, ES_ENOMEM, "out of memory");
		}
		memcpy(w->remarks, r->f[11], r->len[11] + 1);
		w->remarks_len = r->len[11];
	}
	return ES_OK;
}

static int cmp_key(const void *a, const void *b)
{
	const key *x = a, *y = b;
	if (x->ent_num != y->ent_num)
		return x->ent_num < y->ent_num ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static row *find(ctx *c, long ent)
{
	size_t lo = 0, hi = c->rows.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->index[mid].ent_num < ent)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->rows.n && c->index[lo].ent_num == ent) {
		row *w = &ROWS(c)[c->index[lo].idx];
		return w->bad ? NULL : w;
	}
	return NULL;
}

/* Marks an entry bad after a per-entry failure in a companion file. */
static es_code entry_failed(ctx *c, row *w, long line, es_code frc, const es_err *ferr, es_err *err)
{
	if (frc == ES_ENOMEM)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	es_parse_skip(c->in, c->stats, "%s:%ld: entry %ld: %s", c->fname, line, w->ent_num, ferr->msg);
	w->bad = true;
	return ES_OK;
}

/* Common checks of a companion row; returns the entry it belongs to or NULL (skip). */
static es_code companion_row(ctx *c, const es_csv_row *r, size_t cols, row **out, es_err *err)
{
	*out = NULL;
	bool first = c->first;
	c->first = false;
	if (r->n == 1 && r->len[0] == 0)
		return ES_OK;
	long ent = 0;
	bool id_ok = parse_ent_num(r, &ent);
	if (first && (r->n != cols || !id_ok))
		return es_err_set(err, ES_EFORMAT, "%s:%ld: first record is not %zu columns starting with an ent_num (not an OFAC CSV file?)",
				  c->fname, r->line, cols);
	if (r->n != cols || !id_ok) {
		es_parse_note(c->in, "%s:%ld: record has %zu columns or a bad ent_num, expected %zu columns; skipped",
			      c->fname, r->line, r->n, cols);
		return ES_OK;
	}
	row *w = find(c, ent);
	if (!w) {
		es_parse_note(c->in, "%s:%ld: entry %ld is not in %s (or was skipped)", c->fname, r->line, ent,
			      c->main_name);
		return ES_OK;
	}
	if (r->oversize >= 0) {
		es_err ferr;
		es_err_set(&ferr, ES_ETOOBIG, "field %ld is over the size limit", r->oversize + 1);
		return entry_failed(c, w, r->line, ES_ETOOBIG, &ferr, err);
	}
	*out = w;
	return ES_OK;
}

static es_code comments_row(void *cv, const es_csv_row *r, es_err *err)
{
	ctx *c = cv;
	row *w;
	es_code rc = companion_row(c, r, COM_COLS, &w, err);
	if (rc != ES_OK || !w || is_null(r, 1))
		return rc;
	/* the continuation goes on mid-word: no separator */
	size_t n = r->len[1];
	if (w->remarks_len + n > ES_MAX_FIELD) {
		es_err ferr;
		es_err_set(&ferr, ES_ETOOBIG, "remarks over %d bytes", ES_MAX_FIELD);
		return entry_failed(c, w, r->line, ES_ETOOBIG, &ferr, err);
	}
	char *p = realloc(w->remarks, w->remarks_len + n + 1);
	if (!p)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	memcpy(p + w->remarks_len, r->f[1], n + 1);
	w->remarks = p;
	w->remarks_len += n;
	return ES_OK;
}

static es_code add_row(void *cv, const es_csv_row *r, es_err *err)
{
	ctx *c = cv;
	row *w;
	es_code rc = companion_row(c, r, ADD_COLS, &w, err);
	if (rc != ES_OK || !w)
		return rc;
	const char *street = fld(r, 2), *city = fld(r, 3), *country = fld(r, 4);
	if (!street && !city && !country)
		return ES_OK; /* OFAC writes an all-null address row for entries without one */
	es_address a = {0};
	a.street = (char *)street;
	a.city = (char *)city; /* OFAC's "City/State/Province/Postal Code" is one field */
	if (country) {
		const char *cc = es_country_lookup(c->in->countries, country, strlen(country));
		if (cc)
			memcpy(a.country, cc, 3);
	}
	char full[3 * 1024 + 8];
	int fl = snprintf(full, sizeof full, "%s%s%s%s%s", street ? street : "", street && (city || country) ? ", " : "",
			  city ? city : "", city && country ? ", " : "", country ? country : "");
	a.full = fl >= 0 && (size_t)fl < sizeof full ? full : NULL;
	es_err ferr = {0};
	es_code frc = es_entity_add_address(w->e, &a, &ferr);
	return frc == ES_OK ? ES_OK : entry_failed(c, w, r->line, frc, &ferr, err);
}

static es_code alt_row(void *cv, const es_csv_row *r, es_err *err)
{
	ctx *c = cv;
	row *w;
	es_code rc = companion_row(c, r, ALT_COLS, &w, err);
	if (rc != ES_OK || !w || is_null(r, 3))
		return rc;
	const char *t = fld(r, 2);
	es_name_kind k = ES_NAME_AKA;
	if (t && strcmp(t, "fka") == 0)
		k = ES_NAME_FKA;
	else if (t && strcmp(t, "nka") == 0)
		k = ES_NAME_NKA;
	es_err ferr = {0};
	/* alt.csv holds the strong aliases only (dat_spec: weak ones are in Remarks) */
	es_code frc = es_entity_add_name(w->e, r->f[3], r->len[3], k, ES_STRONG, NULL, &ferr);
	return frc == ES_OK ? ES_OK : entry_failed(c, w, r->line, frc, &ferr, err);
}

/* A text list never holds a NUL byte; one would cut C strings short (a name
 * "BANCO \0..." would be two different names), so it is a file error. */
static es_code check_nul(const char *buf, size_t len, const char *name, es_err *err)
{
	const char *z = len ? memchr(buf, '\0', len) : NULL;
	if (z)
		return es_err_set(err, ES_EENCODING, "%s:%ld: NUL byte in a text file (binary or damaged file?)", name,
				  es_csv_line_of(buf, (size_t)(z - buf)));
	return ES_OK;
}

/* Strips OFAC's trailing Ctrl-Z (DOS EOF byte after the last CRLF) and line ends. */
static void strip_eof(const char *buf, size_t *len)
{
	while (*len && (buf[*len - 1] == 0x1A || buf[*len - 1] == '\n' || buf[*len - 1] == '\r'))
		(*len)--;
}

static es_code parse_companion(ctx *c, const char *path, const char *buf, size_t len, es_csv_row_fn fn,
			       es_err *err)
{
	if (!buf)
		return ES_OK;
	c->fname = es_parse_basename(path);
	c->first = true;
	strip_eof(buf, &len);
	if (len == 0)
		return ES_OK; /* an empty companion (no spill-over rows) is fine */
	es_code rc = es_csv_prepare(&buf, &len, c->fname, err);
	if (rc == ES_OK)
		rc = check_nul(buf, len, c->fname, err);
	if (rc != ES_OK)
		return rc;
	es_csv_opts o = {.name = c->fname, .max_field = ES_MAX_FIELD, .max_fields = 64};
	return es_csv_parse(buf, len, &o, fn, c, err);
}

es_code es_parse_ofac_csv_buf(const es_parse_input *in, const es_ofac_csv_bufs *b, es_parse_stats *stats,
			      es_err *err)
{
	const char *main_buf = b->main.buf;
	size_t main_len = b->main.len;
	es_code rc = ES_OK;
	es_ofac_remarks *rem = NULL;
	es_parse_stats local;
	if (!stats)
		stats = &local;
	ctx c = {.in = in, .stats = stats};
	memset(stats, 0, sizeof *stats);
	stats->declared_count = -1;
	if (!in->countries || !in->lists_dir)
		return es_err_set(err, ES_EUSAGE, "ofac_csv: the country table and lists_dir (for %s) are required",
				  ES_OFAC_REMARKS_FILE);
	c.main_name = es_parse_name(in);
	if ((rc = es_ofac_load_tables(in, &rem, &c.lists, err)) != ES_OK)
		goto cleanup;

	c.fname = c.main_name;
	c.first = true;
	strip_eof(main_buf, &main_len);
	if ((rc = es_csv_prepare(&main_buf, &main_len, c.fname, err)) != ES_OK ||
	    (rc = check_nul(main_buf, main_len, c.fname, err)) != ES_OK)
		goto cleanup;
	es_csv_opts o = {.name = c.fname, .max_field = ES_MAX_FIELD, .max_fields = 64};
	if ((rc = es_csv_parse(main_buf, main_len, &o, main_row, &c, err)) != ES_OK)
		goto cleanup;

	/* ent_num index; a repeated ent_num keeps its first row */
	if (c.rows.n && !(c.index = malloc(c.rows.n * sizeof *c.index))) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < c.rows.n; i++)
		c.index[i] = (key){ROWS(&c)[i].ent_num, i};
	if (c.rows.n)
		qsort(c.index, c.rows.n, sizeof *c.index, cmp_key);
	for (size_t i = 1; i < c.rows.n; i++) {
		if (c.index[i].ent_num == c.index[i - 1].ent_num) {
			row *w = &ROWS(&c)[c.index[i].idx];
			es_parse_skip(in, stats, "%s:%ld: entry %ld appears twice (first on line %ld); second skipped",
				      c.main_name, w->line, w->ent_num, ROWS(&c)[c.index[i - 1].idx].line);
			w->bad = true;
			c.index[i].idx = c.index[i - 1].idx; /* lookups land on the first */
		}
	}

	if ((rc = parse_companion(&c, in->comments_path, b->comments.buf, b->comments.len, comments_row, err)) != ES_OK)
		goto cleanup;
	if ((rc = parse_companion(&c, in->add_path, b->add.buf, b->add.len, add_row, err)) != ES_OK)
		goto cleanup;
	if ((rc = parse_companion(&c, in->alt_path, b->alt.buf, b->alt.len, alt_row, err)) != ES_OK)
		goto cleanup;

	for (size_t i = 0; i < c.rows.n; i++) {
		row *w = &ROWS(&c)[i];
		if (w->bad)
			continue;
		es_err ferr = {0};
		es_code frc = es_entity_set(&w->e->remarks, w->remarks, w->remarks_len, &ferr);
		if (frc == ES_OK)
			frc = es_ofac_remarks_apply(rem, in->countries, w->remarks, w->remarks_len, w->e, &ferr);
		if (frc == ES_OK)
			frc = es_entity_validate(w->e, &ferr);
		if (frc != ES_OK) {
			c.fname = c.main_name;
			if ((rc = entry_failed(&c, w, w->line, frc, &ferr, err)) != ES_OK)
				goto cleanup;
			continue;
		}
		es_entity *e = w->e;
		w->e = NULL;
		if ((rc = in->on_entity(in->ctx, e, err)) != ES_OK)
			goto cleanup;
		stats->entries++;
	}

cleanup:
	for (size_t i = 0; i < c.rows.n; i++) {
		es_entity_free(ROWS(&c)[i].e);
		free(ROWS(&c)[i].remarks);
	}
	es_vec_free(&c.rows);
	free(c.index);
	es_ofac_lists_free(c.lists);
	es_ofac_remarks_free(rem);
	return rc;
}

es_code es_parse_ofac_csv(const es_parse_input *in, es_parse_stats *stats, es_err *err)
{
	es_code rc = ES_OK;
	char *b[4] = {NULL, NULL, NULL, NULL};
	size_t l[4] = {0, 0, 0, 0};
	const char *paths[4] = {in->path, in->add_path, in->alt_path, in->comments_path};
	const char *sums[4] = {in->sha256, in->add_sha256, in->alt_sha256, in->comments_sha256};
	if (!in->path)
		return es_err_set(err, ES_EUSAGE, "ofac_csv: no main file");
	for (int i = 0; i < 4; i++) {
		if (paths[i] && (rc = es_parse_read(in, paths[i], sums[i], &b[i], &l[i], err)) != ES_OK)
			goto cleanup;
	}
	es_ofac_csv_bufs bufs = {{b[0], l[0]}, {b[1], l[1]}, {b[2], l[2]}, {b[3], l[3]}};
	rc = es_parse_ofac_csv_buf(in, &bufs, stats, err);
cleanup:
	for (int i = 0; i < 4; i++)
		free(b[i]);
	return rc;
}
