/* es_products — product classification catalog (see es_products.h). */
#include "es_products.h"

#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "es_buf.h"
#include "es_io.h"
#include "es_text.h"

#define MAX_COLS 64
#define MAX_ECCN 24
#define MAX_CCATS 32
#define MAX_NOTE 300

enum { C_PART, C_ECCN, C_ENC, C_CCATS, C_NOTE, C_COUNT };

struct es_products {
	es_vec exact;     /* es_product, sorted by part */
	es_vec patterns;  /* es_product, most literal characters first */
	es_vec strings;   /* char *, owned */
};

/* ---- one CSV line ---------------------------------------------------------- */

typedef struct {
	char *field[MAX_COLS];
	size_t n;
	size_t rows;
	bool oom, too_many;
} csv_line;

static void line_field(void *s, size_t n, void *data)
{
	csv_line *l = data;
	if (l->n >= MAX_COLS) {
		l->too_many = true;
		return;
	}
	if (!s) { /* an empty field (CSV_EMPTY_IS_NULL) */
		l->field[l->n++] = NULL;
		return;
	}
	char *f = malloc(n + 1);
	if (!f) {
		l->oom = true;
		return;
	}
	memcpy(f, s, n);
	f[n] = '\0';
	l->field[l->n++] = f;
}

static void line_row(int c, void *data)
{
	(void)c;
	((csv_line *)data)->rows++;
}

static void line_free(csv_line *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->field[i]);
	memset(l, 0, sizeof *l);
}

/* Splits one line into l (fields NUL-terminated, owned by l). */
static es_code split_line(const char *line, csv_line *l, const char *where, es_err *err)
{
	struct csv_parser p;
	memset(l, 0, sizeof *l);
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL) != 0)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	size_t n = strlen(line);
	bool bad = csv_parse(&p, line, n, line_field, line_row, l) != n || csv_fini(&p, line_field, line_row, l) != 0;
	int e = csv_error(&p);
	csv_free(&p);
	if (l->oom)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if (bad)
		return es_err_set(err, ES_EFORMAT, "%s: malformed CSV (%s; a field cannot span lines)", where,
				  csv_strerror(e));
	if (l->too_many)
		return es_err_set(err, ES_ETOOBIG, "%s: more than %d columns", where, MAX_COLS);
	return ES_OK;
}

/* ---- the catalog ------------------------------------------------------------- */

static char *keep(es_products *c, const char *s, size_t n)
{
	char *d = malloc(n + 1);
	char **slot = d ? es_vec_push(&c->strings, sizeof *slot) : NULL;
	if (!slot) {
		free(d);
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = '\0';
	*slot = d;
	return d;
}

void es_products_free(es_products *c)
{
	if (!c)
		return;
	char **s = c->strings.data;
	for (size_t i = 0; i < c->strings.n; i++)
		free(s[i]);
	es_vec_free(&c->strings);
	es_vec_free(&c->exact);
	es_vec_free(&c->patterns);
	free(c);
}

size_t es_products_count(const es_products *c)
{
	return c->exact.n + c->patterns.n;
}

/* A part number in comparable form: trimmed, ASCII upper case. 0 = too long or empty. */
static size_t part_key(const char *s, char *out, size_t cap)
{
	size_t n = strlen(s);
	es_text_trim(&s, &n);
	if (n == 0 || n >= cap)
		return 0;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	out[n] = '\0';
	return n;
}

static bool is_pattern(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static size_t literal_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s != '*' && *s != '?' && *s != '[' && *s != ']';
	return n;
}

static int cmp_exact(const void *a, const void *b)
{
	return strcmp(((const es_product *)a)->part, ((const es_product *)b)->part);
}

static int cmp_pattern(const void *a, const void *b)
{
	const es_product *x = a, *y = b;
	size_t lx = literal_chars(x->part), ly = literal_chars(y->part);
	if (lx != ly)
		return lx > ly ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static const char *const enc_values[] = {"b1", "b2", "b3", "mass_market", "none"};

static bool eccn_chars(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '.'))
			return false;
	return true;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7F)
			return true;
	return false;
}

/* Column index of each known column in the header, -1 when absent. */
static es_code read_header(csv_line *l, int col[C_COUNT], const char *where, es_err *err)
{
	static const char *const names[C_COUNT] = {"part_number", "eccn", "enc", "ccats", "note"};
	for (int k = 0; k < C_COUNT; k++)
		col[k] = -1;
	for (size_t i = 0; i < l->n; i++) {
		const char *h = l->field[i] ? l->field[i] : "";
		size_t n = strlen(h);
		es_text_trim(&h, &n);
		int k = -1;
		for (int j = 0; j < C_COUNT && k < 0; j++)
			if (strlen(names[j]) == n && strncasecmp(h, names[j], n) == 0)
				k = j;
		if (k < 0 && n == 3 && strncasecmp(h, "sku", 3) == 0)
			k = C_PART;
		if (k < 0)
			continue;
		if (col[k] >= 0)
			return es_err_set(err, ES_EFORMAT, "%s: column '%s' named twice", where, names[k]);
		col[k] = (int)i;
	}
	if (col[C_PART] < 0 || col[C_ECCN] < 0)
		return es_err_set(err, ES_EFORMAT, "%s: the header needs part_number and eccn columns (got '%.80s'...)",
				  where, l->n && l->field[0] ? l->field[0] : "");
	return ES_OK;
}

/* A trimmed field or NULL when empty. */
static const char *cell(csv_line *l, int c, size_t *n)
{
	*n = 0;
	if (c < 0 || (size_t)c >= l->n || !l->field[c])
		return NULL;
	const char *s = l->field[c];
	*n = strlen(s);
	es_text_trim(&s, n);
	return *n ? s : NULL;
}

static es_code read_entry(es_products *c, csv_line *l, const int col[C_COUNT], long ln, const char *where,
			  es_err *err)
{
	size_t n;
	char key[ES_PRODUCTS_MAX_PART + 1];
	const char *part = cell(l, col[C_PART], &n);
	if (!part)
		return es_err_set(err, ES_EMISSING, "%s: no part number", where);
	char tmp[ES_PRODUCTS_MAX_PART + 2];
	if (n > ES_PRODUCTS_MAX_PART)
		return es_err_set(err, ES_ETOOBIG, "%s: part number longer than %d bytes", where, ES_PRODUCTS_MAX_PART);
	memcpy(tmp, part, n);
	tmp[n] = '\0';
	size_t kl = part_key(tmp, key, sizeof key);
	if (!kl || has_control(key))
		return es_err_set(err, ES_EFORMAT, "%s: part number '%.64s' has control characters", where, tmp);
	es_product e = {.line = ln, .pattern = is_pattern(key)};
	const char *eccn = cell(l, col[C_ECCN], &n);
	if (!eccn)
		return es_err_set(err, ES_EMISSING, "%s: part number '%s' has no ECCN", where, key);
	if (n > MAX_ECCN)
		return es_err_set(err, ES_ETOOBIG, "%s: ECCN longer than %d bytes", where, MAX_ECCN);
	if (!(e.eccn = keep(c, eccn, n)) || !(e.part = keep(c, key, kl)))
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if (!eccn_chars(e.eccn))
		return es_err_set(err, ES_EFORMAT, "%s: ECCN '%s' is not an ECCN (letters, digits and dots: 5A002.a, EAR99)",
				  where, e.eccn);
	const char *enc = cell(l, col[C_ENC], &n);
	if (enc) {
		for (size_t k = 0; k < sizeof enc_values / sizeof enc_values[0] && !e.enc; k++)
			if (strlen(enc_values[k]) == n && strncasecmp(enc, enc_values[k], n) == 0)
				e.enc = enc_values[k];
		if (!e.enc)
			return es_err_set(err, ES_EFORMAT, "%s: enc '%.40s' is not b1, b2, b3, mass_market or none", where,
					  enc);
	}
	const char *ccats = cell(l, col[C_CCATS], &n);
	if (ccats && n > MAX_CCATS)
		return es_err_set(err, ES_ETOOBIG, "%s: CCATS longer than %d bytes", where, MAX_CCATS);
	if (ccats && !(e.ccats = keep(c, ccats, n)))
		return es_err_set(err, ES_ENOMEM, "out of memory");
	const char *note = cell(l, col[C_NOTE], &n);
	if (note && n > MAX_NOTE)
		return es_err_set(err, ES_ETOOBIG, "%s: note longer than %d bytes", where, MAX_NOTE);
	if (note && !(e.note = keep(c, note, n)))
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if ((e.ccats && has_control(e.ccats)) || (e.note && has_control(e.note)))
		return es_err_set(err, ES_EFORMAT, "%s: control characters in a field", where);
	es_product *slot = es_vec_push(e.pattern ? &c->patterns : &c->exact, sizeof *slot);
	if (!slot)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	*slot = e;
	return ES_OK;
}

static es_code check_duplicates(es_vec *v, int (*cmp)(const void *, const void *), const char *name, es_err *err)
{
	es_product *e = v->data;
	if (v->n == 0)
		return ES_OK;
	qsort(e, v->n, sizeof *e, cmp);
	/* equal parts sort next to each other in both orders (patterns: same literal count) */
	for (size_t i = 0; i < v->n; i++)
		for (size_t j = i + 1; j < v->n && (cmp == cmp_exact || literal_chars(e[j].part) == literal_chars(e[i].part));
		     j++) {
			if (strcmp(e[i].part, e[j].part) == 0) {
				long a = e[i].line < e[j].line ? e[i].line : e[j].line;
				long b = e[i].line < e[j].line ? e[j].line : e[i].line;
				return es_err_set(err, ES_EFORMAT, "%s:%ld: part number '%s' is listed twice (first at line %ld)",
						  name, b, e[i].part, a);
			}
			if (cmp == cmp_exact)
				break;
		}
	return ES_OK;
}

/* Takes ownership of text (NUL-terminated, len bytes). */
static es_code parse_owned(es_products **out, char *text, size_t len, const char *name, es_err *err)
{
	es_code rc = ES_OK;
	size_t bad;
	char where[300];
	csv_line l = {0};
	int col[C_COUNT];
	bool header = false;
	*out = NULL;
	es_products *c = calloc(1, sizeof *c);
	if (!c) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto done;
	}
	if (memchr(text, '\0', len)) {
		long ln = 1;
		for (const char *p = text; *p; p++)
			ln += *p == '\n';
		rc = es_err_set(err, ES_EFORMAT, "%s:%ld: a NUL byte", name, ln);
		goto done;
	}
	if (!es_utf8_valid(text, len, &bad)) {
		long ln = 1;
		for (size_t i = 0; i < bad; i++)
			ln += text[i] == '\n';
		rc = es_err_set(err, ES_EENCODING, "%s:%ld: invalid UTF-8 (save the catalog as UTF-8)", name, ln);
		goto done;
	}
	char *cur = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? text + 3 : text, *line;
	long ln = 0;
	while ((line = es_text_data_line(&cur, &ln)) != NULL) {
		snprintf(where, sizeof where, "%s:%ld", name, ln);
		if ((rc = split_line(line, &l, where, err)) != ES_OK)
			goto done;
		if (!header) {
			if ((rc = read_header(&l, col, where, err)) != ES_OK)
				goto done;
			header = true;
		} else if ((rc = read_entry(c, &l, col, ln, where, err)) != ES_OK) {
			goto done;
		}
		line_free(&l);
	}
	if (!header) {
		rc = es_err_set(err, ES_EMISSING, "%s: empty (want a header part_number,eccn,enc,ccats,note)", name);
		goto done;
	}
	if ((rc = check_duplicates(&c->exact, cmp_exact, name, err)) != ES_OK ||
	    (rc = check_duplicates(&c->patterns, cmp_pattern, name, err)) != ES_OK)
		goto done;
	*out = c;
	c = NULL;
done:
	line_free(&l);
	es_products_free(c);
	free(text);
	return rc;
}

es_code es_products_parse(es_products **out, const char *text, size_t len, const char *name, es_err *err)
{
	*out = NULL;
	if (len > ES_PRODUCTS_MAX_BYTES)
		return es_err_set(err, ES_ETOOBIG, "%s: larger than %u bytes", name, ES_PRODUCTS_MAX_BYTES);
	char *copy = malloc(len + 1);
	if (!copy)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	memcpy(copy, text, len);
	copy[len] = '\0';
	return parse_owned(out, copy, len, name, err);
}

es_code es_products_load(es_products **out, const char *path, es_err *err)
{
	char *text = NULL;
	size_t len = 0;
	es_code rc = es_read_file(path, ES_PRODUCTS_MAX_BYTES, &text, &len, err);
	*out = NULL;
	if (rc != ES_OK)
		return rc;
	return parse_owned(out, text, len, path, err);
}

const es_product *es_products_lookup(const es_products *c, const char *sku)
{
	char key[ES_PRODUCTS_MAX_PART + 1];
	if (!sku || !part_key(sku, key, sizeof key))
		return NULL;
	es_product probe = {.part = key};
	const es_product *e = c->exact.n ? bsearch(&probe, c->exact.data, c->exact.n, sizeof probe, cmp_exact)
					      : NULL;
	if (e)
		return e;
	const es_product *p = c->patterns.data;
	for (size_t i = 0; i < c->patterns.n; i++)
		if (fnmatch(p[i].part, key, FNM_NOESCAPE) == 0)
			return &p[i];
	return NULL;
}

/* ECCN without blanks, upper case. */
static size_t eccn_key(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	for (; *s && n + 1 < cap; s++)
		if (*s != ' ' && *s != '\t')
			out[n++] = (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
	out[n] = '\0';
	return n;
}

int es_products_eccn_agrees(const char *order_eccn, const char *catalog_eccn)
{
	char a[64], b[64];
	size_t la = eccn_key(order_eccn, a, sizeof a), lb = eccn_key(catalog_eccn, b, sizeof b);
	const char *s = la <= lb ? a : b, *l = la <= lb ? b : a;
	size_t ls = la <= lb ? la : lb, ll = la <= lb ? lb : la;
	/* equal, or the longer continues the shorter with a sub-paragraph */
	return strncmp(s, l, ls) == 0 && (ls == ll || l[ls] == '.');
}

static bool blank_str(const char *s)
{
	if (!s)
		return true;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t')
			return false;
	return true;
}

void es_products_classify(const es_products *c, es_order *o)
{
	for (size_t i = 0; i < o->n_items; i++) {
		es_item *it = &o->items[i];
		if (blank_str(it->sku))
			continue;
		const es_product *e = es_products_lookup(c, it->sku);
		if (!e) {
			it->source = ES_ITEM_NOT_IN_CATALOG;
			continue;
		}
		bool has_eccn = !blank_str(it->eccn), has_enc = !blank_str(it->enc);
		bool differs = (has_eccn && !es_products_eccn_agrees(it->eccn, e->eccn)) ||
			       (has_enc && e->enc && strcasecmp(it->enc, e->enc) != 0);
		if (differs) {
			it->source = ES_ITEM_MISMATCH;
			it->given_eccn = has_eccn ? it->eccn : NULL;
			it->given_enc = has_enc ? it->enc : NULL;
		} else if (!has_eccn || (!has_enc && e->enc)) {
			it->source = ES_ITEM_FROM_CATALOG;
		}
		/* the catalog's ECCN is at least as specific as an agreeing order's */
		it->eccn = e->eccn;
		if (e->enc)
			it->enc = e->enc;
		it->ccats = e->ccats;
	}
}
