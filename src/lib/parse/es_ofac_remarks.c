#define PCRE2_CODE_UNIT_WIDTH 8
#include "es_ofac_remarks.h"

#include <ctype.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "es_io.h"
#include "es_parse_common.h"
#include "es_buf.h"
#include "es_date.h"
#include "es_text.h"

/* Data files are small; anything bigger is not ours. */
#define DATA_FILE_MAX ((size_t)1 << 20)
/* Useful items are short; a longer item is prose, and skipping it bounds the
 * cost of the lazy patterns on hostile input. */
#define ITEM_MAX 1024

typedef enum { K_ALIAS, K_DOB, K_POB, K_NATIONALITY, K_CITIZENSHIP, K_IDENT } kind;

typedef struct {
	kind k;
	char *type;            /* alias: aka/fka/nka; ident: fixed type or NULL */
	pcre2_code *re;
	int g_value, g_type, g_number, g_country; /* group numbers, <= 0 when absent */
} pattern;

struct es_ofac_remarks {
	es_vec pats;           /* pattern, in file order */
	pcre2_match_data *md;
	pcre2_match_context *mctx;
};

void es_ofac_remarks_free(es_ofac_remarks *r)
{
	if (!r)
		return;
	pattern *pv = r->pats.data;
	for (size_t i = 0; i < r->pats.n; i++) {
		free(pv[i].type);
		pcre2_code_free(pv[i].re);
	}
	es_vec_free(&r->pats);
	pcre2_match_data_free(r->md);
	pcre2_match_context_free(r->mctx);
	free(r);
}

static int group(pcre2_code *re, const char *name)
{
	int n = pcre2_substring_number_from_name(re, (PCRE2_SPTR)name);
	return n > 0 ? n : 0;
}

es_code es_ofac_remarks_load(es_ofac_remarks **out, const char *path, es_err *err)
{
	es_code rc = ES_OK;
	char *buf = NULL;
	size_t len = 0;
	*out = NULL;
	es_ofac_remarks *r = calloc(1, sizeof *r);
	if (!r)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if ((rc = es_read_file(path, DATA_FILE_MAX, &buf, &len, err)) != ES_OK)
		goto cleanup;
	uint32_t max_groups = 1;
	char *cursor = buf;
	long lineno = 0;
	for (char *line; (line = es_text_data_line(&cursor, &lineno));) {
		char *cols[3];
		if (es_text_split_tabs(line, cols, 3) != 3) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: expected kind<TAB>type<TAB>pattern",
					es_parse_basename(path), lineno);
			goto cleanup;
		}
		pattern p = {0};
		static const char *const kinds[] = {"alias", "dob", "pob", "nationality", "citizenship", "ident"};
		size_t ki;
		for (ki = 0; ki < sizeof kinds / sizeof *kinds; ki++)
			if (strcmp(cols[0], kinds[ki]) == 0)
				break;
		if (ki == sizeof kinds / sizeof *kinds) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: unknown kind '%s'", es_parse_basename(path), lineno,
					cols[0]);
			goto cleanup;
		}
		p.k = (kind)ki;
		int ecode;
		PCRE2_SIZE eoff;
		p.re = pcre2_compile((PCRE2_SPTR)cols[2], PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ecode, &eoff, NULL);
		if (!p.re) {
			PCRE2_UCHAR msg[160];
			pcre2_get_error_message(ecode, msg, sizeof msg);
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: bad pattern at offset %zu: %s", es_parse_basename(path),
					lineno, (size_t)eoff, (char *)msg);
			goto cleanup;
		}
		p.g_value = group(p.re, "value");
		p.g_type = group(p.re, "type");
		p.g_number = group(p.re, "number");
		p.g_country = group(p.re, "country");
		if (strcmp(cols[1], "-") != 0 && !(p.type = strdup(cols[1]))) {
			pcre2_code_free(p.re);
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto cleanup;
		}
		bool ok = p.k == K_IDENT ? p.g_number && (p.type || p.g_type) : p.g_value != 0;
		if (p.k == K_ALIAS && ok)
			ok = p.type && (!strcmp(p.type, "aka") || !strcmp(p.type, "fka") || !strcmp(p.type, "nka"));
		if (!ok) {
			free(p.type);
			pcre2_code_free(p.re);
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: pattern lacks the groups or type its kind needs",
					es_parse_basename(path), lineno);
			goto cleanup;
		}
		pattern *np = es_vec_push(&r->pats, sizeof(pattern));
		if (!np) {
			free(p.type);
			pcre2_code_free(p.re);
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto cleanup;
		}
		*np = p;
		uint32_t cap = 0;
		pcre2_pattern_info(p.re, PCRE2_INFO_CAPTURECOUNT, &cap);
		if (cap + 1 > max_groups)
			max_groups = cap + 1;
	}
	r->md = pcre2_match_data_create(max_groups, NULL);
	r->mctx = pcre2_match_context_create(NULL);
	if (!r->md || !r->mctx) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto cleanup;
	}
	/* hostile remarks must not make a lazy pattern backtrack for long */
	pcre2_set_match_limit(r->mctx, 200000);
	pcre2_set_depth_limit(r->mctx, 10000);
	*out = r;
	r = NULL;
cleanup:
	es_ofac_remarks_free(r);
	free(buf);
	return rc;
}

/* Copies group g of the last match into out (NUL-terminated); false when unset. */
static bool grab(es_ofac_remarks *r, const char *item, int g, char *out, size_t cap)
{
	if (g <= 0)
		return false;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
	if (ov[2 * g] == PCRE2_UNSET)
		return false;
	size_t n = ov[2 * g + 1] - ov[2 * g];
	if (n >= cap)
		n = cap - 1; /* cannot happen: items are shorter than cap */
	memcpy(out, item + ov[2 * g], n);
	out[n] = '\0';
	return true;
}

es_code es_ofac_add_pob(es_entity *e, const es_countries *countries, const char *pob, es_err *err)
{
	es_code rc = es_entity_add_pob(e, pob, err);
	/* "Cairo, Egypt": the country, when named, is the last part */
	const char *last = strrchr(pob, ',');
	last = last ? last + 1 : pob;
	while (*last == ' ')
		last++;
	const char *cc = es_country_lookup(countries, last, strlen(last));
	if (rc == ES_OK && cc)
		rc = es_entity_add_country(e, cc, ES_CTRY_BIRTH, err);
	return rc;
}

static es_code apply_item(es_ofac_remarks *r, const es_countries *countries, const char *item, size_t len,
			  es_entity *e, es_err *err)
{
	char value[ITEM_MAX + 1], type[ITEM_MAX + 1], country[ITEM_MAX + 1];
	for (size_t i = 0; i < r->pats.n; i++) {
		const pattern *p = &((const pattern *)r->pats.data)[i];
		int m = pcre2_match(p->re, (PCRE2_SPTR)item, len, 0, 0, r->md, r->mctx);
		if (m < 0)
			continue; /* no match, or a limit hit / bad UTF-8: the item stays prose */
		switch (p->k) {
		case K_ALIAS: {
			grab(r, item, p->g_value, value, sizeof value);
			es_name_kind nk = p->type[0] == 'f' ? ES_NAME_FKA : p->type[0] == 'n' ? ES_NAME_NKA : ES_NAME_AKA;
			return es_entity_add_name(e, value, (size_t)-1, nk, ES_WEAK, NULL, err);
		}
		case K_DOB: {
			grab(r, item, p->g_value, value, sizeof value);
			es_entity_date d = {0};
			es_ofac_parse_date(value, strlen(value), &d);
			d.text = value;
			return es_entity_add_dob(e, &d, err);
		}
		case K_POB:
			grab(r, item, p->g_value, value, sizeof value);
			return es_ofac_add_pob(e, countries, value, err);
		case K_NATIONALITY:
		case K_CITIZENSHIP: {
			grab(r, item, p->g_value, value, sizeof value);
			const char *cc = es_country_lookup(countries, value, strlen(value));
			if (!cc)
				return ES_OK;
			return es_entity_add_country(e, cc, p->k == K_NATIONALITY ? ES_CTRY_NATIONALITY
										 : ES_CTRY_CITIZENSHIP, err);
		}
		case K_IDENT: {
			if (!p->type)
				grab(r, item, p->g_type, type, sizeof type);
			grab(r, item, p->g_number, value, sizeof value);
			const char *cc = NULL;
			if (grab(r, item, p->g_country, country, sizeof country))
				cc = es_country_lookup(countries, country, strlen(country));
			return es_entity_add_ident(e, p->type ? p->type : type, value, cc, err);
		}
		}
	}
	return ES_OK;
}

es_code es_ofac_remarks_apply(es_ofac_remarks *r, const es_countries *countries, const char *text,
			      size_t len, es_entity *e, es_err *err)
{
	if (!text)
		return ES_OK;
	/* the whole text ends with '.', which is not part of its last item */
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	if (len && text[len - 1] == '.')
		len--;
	size_t pos = 0;
	while (pos < len) {
		const char *semi = memchr(text + pos, ';', len - pos);
		size_t end = semi ? (size_t)(semi - text) : len;
		const char *s = text + pos;
		size_t n = end - pos;
		pos = end + 1;
		while (n && isspace((unsigned char)*s)) {
			s++;
			n--;
		}
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		if (n >= 5 && memcmp(s, "alt. ", 5) == 0) {
			s += 5;
			n -= 5;
		}
		if (!n || n > ITEM_MAX)
			continue;
		es_code rc = apply_item(r, countries, s, n, e, err);
		if (rc != ES_OK)
			return rc;
	}
	return ES_OK;
}

/* ---- dates ---- */

/* Month abbreviations are part of OFAC's date format (dat_spec.txt), not data. */
static int month_of(const char *s, size_t n)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	if (n != 3)
		return 0;
	for (int i = 0; i < 12; i++)
		if (strncasecmp(s, months + 3 * i, 3) == 0)
			return i + 1;
	return 0;
}

typedef struct {
	const char *s;
	size_t n;
} tok;

static bool all_digits(tok t, size_t min, size_t max)
{
	if (t.n < min || t.n > max)
		return false;
	for (size_t i = 0; i < t.n; i++)
		if (!isdigit((unsigned char)t.s[i]))
			return false;
	return true;
}

static int num(tok t)
{
	int v = 0;
	for (size_t i = 0; i < t.n; i++)
		v = v * 10 + (t.s[i] - '0');
	return v;
}

/* One date of 1-3 tokens at t[*i]: [DD] [Mon] YYYY. */
static bool one_date(const tok *t, size_t nt, size_t *i, int *y, int *m, int *d)
{
	*y = *m = *d = 0;
	size_t k = *i;
	if (k < nt && all_digits(t[k], 1, 2) && k + 1 < nt && month_of(t[k + 1].s, t[k + 1].n)) {
		*d = num(t[k]);
		k++;
	}
	if (k < nt && month_of(t[k].s, t[k].n)) {
		*m = month_of(t[k].s, t[k].n);
		k++;
	}
	if (k >= nt || !all_digits(t[k], 4, 4))
		return false;
	*y = num(t[k]);
	if (*d > 31 || *y < 1000)
		return false;
	*i = k + 1;
	return true;
}

bool es_ofac_parse_date(const char *s, size_t len, es_entity_date *d)
{
	tok t[16];
	size_t nt = 0;
	size_t i = 0;
	d->year = d->month = d->day = d->year_to = 0;
	d->approximate = false;
	while (i < len) {
		while (i < len && (isspace((unsigned char)s[i]) || s[i] == ','))
			i++;
		if (i >= len)
			break;
		size_t st = i;
		while (i < len && !isspace((unsigned char)s[i]) && s[i] != ',')
			i++;
		if (nt == sizeof t / sizeof *t)
			return false;
		t[nt++] = (tok){s + st, i - st};
	}
	size_t k = 0;
	if (k < nt && t[k].n == 5 && strncasecmp(t[k].s, "circa", 5) == 0) {
		d->approximate = true;
		k++;
	}
	int y, m, dd;
	if (!one_date(t, nt, &k, &y, &m, &dd))
		return false;
	if (k < nt && t[k].n == 2 && strncasecmp(t[k].s, "to", 2) == 0) {
		k++;
		int y2, m2, d2;
		if (!one_date(t, nt, &k, &y2, &m2, &d2) || y2 < y)
			return false;
		d->year_to = y2;
	}
	if (k != nt)
		return false;
	es_date pd = es_date_partial(y, m, dd); /* "30 Feb 1970" keeps Feb 1970 */
	d->year = pd.y;
	d->month = pd.m;
	d->day = pd.d;
	return true;
}

/* ---- non-SDN sub-lists ---- */

typedef struct {
	char *prog;
	size_t plen;
	bool prefix;
	char *code;
} list_rule;

struct es_ofac_lists {
	es_vec rules;          /* list_rule, in file order */
	const char *dflt;
};

void es_ofac_lists_free(es_ofac_lists *l)
{
	if (!l)
		return;
	list_rule *rv = l->rules.data;
	for (size_t i = 0; i < l->rules.n; i++) {
		free(rv[i].prog);
		free(rv[i].code);
	}
	es_vec_free(&l->rules);
	free(l);
}

es_code es_ofac_lists_load(es_ofac_lists **out, const char *path, es_err *err)
{
	es_code rc = ES_OK;
	char *buf = NULL;
	size_t len = 0;
	*out = NULL;
	es_ofac_lists *l = calloc(1, sizeof *l);
	if (!l)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if ((rc = es_read_file(path, DATA_FILE_MAX, &buf, &len, err)) != ES_OK)
		goto cleanup;
	char *cursor = buf;
	long lineno = 0;
	for (char *line; (line = es_text_data_line(&cursor, &lineno));) {
		char *cols[2];
		if (es_text_split_tabs(line, cols, 2) != 2 || !cols[0][0] || !cols[1][0]) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: expected program<TAB>code", es_parse_basename(path), lineno);
			goto cleanup;
		}
		list_rule rule = {strdup(cols[0]), 0, false, strdup(cols[1])};
		if (!rule.prog || !rule.code) {
			free(rule.prog);
			free(rule.code);
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto cleanup;
		}
		rule.plen = strlen(rule.prog);
		if (rule.prog[rule.plen - 1] == '*') {
			rule.prefix = true;
			rule.prog[--rule.plen] = '\0';
		}
		list_rule *nr = es_vec_push(&l->rules, sizeof(list_rule));
		if (!nr) {
			free(rule.prog);
			free(rule.code);
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto cleanup;
		}
		*nr = rule;
		if (rule.prefix && rule.plen == 0 && !l->dflt)
			l->dflt = rule.code;
	}
	if (!l->dflt) {
		rc = es_err_set(err, ES_EFORMAT, "%s: no default rule ('*')", es_parse_basename(path));
		goto cleanup;
	}
	*out = l;
	l = NULL;
cleanup:
	es_ofac_lists_free(l);
	free(buf);
	return rc;
}

const char *es_ofac_lists_code(const es_ofac_lists *l, char *const *programs, size_t n)
{
	for (size_t i = 0; i < l->rules.n; i++) {
		const list_rule *r = &((const list_rule *)l->rules.data)[i];
		if (r->prefix && r->plen == 0)
			continue; /* the default, used only when nothing else matches */
		for (size_t j = 0; j < n; j++) {
			if (r->prefix ? strncmp(programs[j], r->prog, r->plen) == 0 : strcmp(programs[j], r->prog) == 0)
				return r->code;
		}
	}
	return l->dflt;
}

es_code es_ofac_load_tables(const es_parse_input *in, es_ofac_remarks **rem, es_ofac_lists **lists, es_err *err)
{
	char *path = es_path_join(in->lists_dir, ES_OFAC_REMARKS_FILE);
	if (!path)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	es_code rc = es_ofac_remarks_load(rem, path, err);
	free(path);
	if (rc != ES_OK || in->source == ES_SRC_OFAC_SDN)
		return rc;
	if (!(path = es_path_join(in->lists_dir, ES_OFAC_CONS_LISTS_FILE)))
		return es_err_set(err, ES_ENOMEM, "out of memory");
	rc = es_ofac_lists_load(lists, path, err);
	free(path);
	return rc;
}
