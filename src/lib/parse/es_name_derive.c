#define _GNU_SOURCE /* memmem, strndup */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "es_name_derive.h"

#include <ctype.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "es_buf.h"
#include "es_io.h"
#include "es_parse_common.h"
#include "es_text.h"

#define DATA_FILE_MAX ((size_t)1 << 20)
#define MAX_NAME_OUTS 4      /* outputs per pattern */
#define MAX_DERIVED 16       /* names derived from one entry's names */
#define MAX_SEEDS 32         /* of which the listed name and aliases derive */
#define DERIVED_NAME_MAX 160 /* a longer derived part is prose, not a name */

/* One output of a pattern: the alias kind and its template ("${value}"). */
typedef struct {
	es_name_kind kind;
	char *tmpl;
} name_out;

typedef struct {
	pcre2_code *re;
	const char *split; /* NULL, "; " or ", " */
	name_out out[MAX_NAME_OUTS];
	size_t n_out;
} name_pattern;

struct es_name_derive {
	es_vec pats;           /* name_pattern, in file order */
	pcre2_match_data *md;
	pcre2_match_context *mctx;
};

void es_name_derive_free(es_name_derive *c)
{
	if (!c)
		return;
	name_pattern *pv = c->pats.data;
	for (size_t i = 0; i < c->pats.n; i++) {
		pcre2_code_free(pv[i].re);
		for (size_t k = 0; k < pv[i].n_out; k++)
			free(pv[i].out[k].tmpl);
	}
	es_vec_free(&c->pats);
	pcre2_match_data_free(c->md);
	pcre2_match_context_free(c->mctx);
	free(c);
}

/* Whether every ${group} of tmpl names a group of re (and the braces close). */
static bool template_ok(const pcre2_code *re, const char *tmpl)
{
	for (const char *p = tmpl; (p = strchr(p, '$'));) {
		if (p[1] != '{')
			return false;
		const char *close = strchr(p + 2, '}');
		if (!close || close == p + 2 || close - p > 64)
			return false;
		char g[64];
		memcpy(g, p + 2, (size_t)(close - p - 2));
		g[close - p - 2] = '\0';
		if (pcre2_substring_number_from_name(re, (PCRE2_SPTR)g) <= 0)
			return false;
		p = close + 1;
	}
	return true;
}

/* "aka:${value}|fka:${former}" into p->out; false when malformed. */
static bool parse_outputs(name_pattern *p, char *spec)
{
	for (char *o = spec, *next; o && *o; o = next) {
		next = strchr(o, '|');
		if (next)
			*next++ = '\0';
		char *colon = strchr(o, ':');
		if (!colon || p->n_out == MAX_NAME_OUTS)
			return false;
		*colon = '\0';
		es_name_kind k;
		if (strcmp(o, "aka") == 0)
			k = ES_NAME_AKA;
		else if (strcmp(o, "fka") == 0)
			k = ES_NAME_FKA;
		else
			return false;
		if (!colon[1] || !template_ok(p->re, colon + 1))
			return false;
		if (!(p->out[p->n_out].tmpl = strdup(colon + 1)))
			return false;
		p->out[p->n_out++].kind = k;
	}
	return p->n_out > 0;
}

es_code es_name_derive_load(es_name_derive **out, const char *path, es_err *err)
{
	es_code rc = ES_OK;
	char *buf = NULL;
	size_t len;
	const char *fname = es_parse_basename(path);
	*out = NULL;
	es_name_derive *c = calloc(1, sizeof *c);
	if (!c)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if ((rc = es_read_file(path, DATA_FILE_MAX, &buf, &len, err)) != ES_OK)
		goto done;
	uint32_t max_groups = 1;
	long line = 0;
	char *cursor = buf;
	for (char *p; (p = es_text_data_line(&cursor, &line));) {
		char *cols[3];
		if (es_text_split_tabs(p, cols, 3) != 3) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: expected outputs<TAB>split<TAB>pattern", fname,
					line);
			goto done;
		}
		name_pattern np = {0};
		if (strcmp(cols[1], "semicolon") == 0)
			np.split = "; ";
		else if (strcmp(cols[1], "comma") == 0)
			np.split = ", ";
		else if (strcmp(cols[1], "-") != 0) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: split is '-', 'semicolon' or 'comma', not '%s'",
					fname, line, cols[1]);
			goto done;
		}
		int ecode;
		PCRE2_SIZE eoff;
		np.re = pcre2_compile((PCRE2_SPTR)cols[2], PCRE2_ZERO_TERMINATED,
				      PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED, &ecode, &eoff, NULL);
		if (!np.re) {
			PCRE2_UCHAR msg[160];
			pcre2_get_error_message(ecode, msg, sizeof msg);
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: bad pattern at offset %zu: %s", fname, line,
					(size_t)eoff, (char *)msg);
			goto done;
		}
		name_pattern *slot = es_vec_push(&c->pats, sizeof(name_pattern));
		if (!slot) {
			pcre2_code_free(np.re);
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto done;
		}
		*slot = np; /* owned by c from here on, also on failure */
		if (!parse_outputs(slot, cols[0])) {
			rc = es_err_set(err, ES_EFORMAT,
					"%s:%ld: outputs must be 'aka:' or 'fka:' templates naming groups of the pattern",
					fname, line);
			goto done;
		}
		uint32_t cap = 0;
		pcre2_pattern_info(np.re, PCRE2_INFO_CAPTURECOUNT, &cap);
		if (cap + 1 > max_groups)
			max_groups = cap + 1;
	}
	c->md = pcre2_match_data_create(max_groups, NULL);
	c->mctx = pcre2_match_context_create(NULL);
	if (!c->md || !c->mctx) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto done;
	}
	/* a hostile name must not make a lazy pattern backtrack for long */
	pcre2_set_match_limit(c->mctx, 200000);
	pcre2_set_depth_limit(c->mctx, 10000);
	*out = c;
	c = NULL;
done:
	es_name_derive_free(c);
	free(buf);
	return rc;
}

/* Lower-case ASCII alphanumerics and every non-ASCII byte of s[0..n): two
 * names that fold alike are the same name to the filter's literal rule. */
static size_t name_fold(const char *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x80 || isalnum(ch))
			out[k++] = (char)tolower(ch);
	}
	out[k] = '\0';
	return k;
}

/* Runs of letters/digits (non-ASCII bytes count as letters). */
static size_t word_count(const char *s, size_t n)
{
	size_t words = 0;
	bool in = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		bool w = ch >= 0x80 || isalnum(ch);
		if (w && !in)
			words++;
		in = w;
	}
	return words;
}

/* The template of o filled from the last match of subject into out (cap
 * bytes); false when it does not fit. */
static bool expand(const es_name_derive *c, const name_pattern *p, const name_out *o, const char *subject, char *out,
		   size_t cap, size_t *len)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
	uint32_t nov = pcre2_get_ovector_count(c->md);
	size_t k = 0;
	for (const char *t = o->tmpl; *t;) {
		const char *from = t;
		size_t n = 1;
		if (t[0] == '$' && t[1] == '{') {
			const char *close = strchr(t + 2, '}'); /* checked at load */
			char g[64];
			memcpy(g, t + 2, (size_t)(close - t - 2));
			g[close - t - 2] = '\0';
			t = close + 1;
			int gi = pcre2_substring_number_from_name(p->re, (PCRE2_SPTR)g);
			if (gi <= 0 || (uint32_t)gi >= nov || ov[2 * gi] == PCRE2_UNSET)
				continue; /* an unset group is "" */
			from = subject + ov[2 * gi];
			n = ov[2 * gi + 1] - ov[2 * gi];
		} else {
			t++;
		}
		if (k + n >= cap)
			return false;
		memcpy(out + k, from, n);
		k += n;
	}
	out[k] = '\0';
	*len = k;
	return true;
}

typedef struct {
	/* [0, seeds): the listed name and its strong aliases; then what they derive */
	char *name[MAX_SEEDS + MAX_DERIVED];
	size_t n, seeds;
} candidates;

/* Whether s[0..n) folds like a name e already has. */
static bool known_name(const es_entity *e, const char *s, size_t n)
{
	char a[ES_MAX_NAME + 1], b[ES_MAX_NAME + 1];
	size_t al = name_fold(s, n, a, sizeof a);
	for (size_t i = 0; i < e->n_names; i++) {
		size_t bl = name_fold(e->names[i].name, strlen(e->names[i].name), b, sizeof b);
		if (al == bl && memcmp(a, b, al) == 0)
			return true;
	}
	return false;
}

/* One derived part: cleaned, checked, added to e and queued as a candidate. */
static es_code add_derived(es_entity *e, candidates *cand, es_name_kind kind, const char *s, size_t n,
			   es_err *err)
{
	while (n && (isspace((unsigned char)*s) || *s == ',' || *s == ';' || *s == ':' || *s == '-'))
		s++, n--;
	while (n && (isspace((unsigned char)s[n - 1]) || s[n - 1] == ',' || s[n - 1] == ';' || s[n - 1] == ':' ||
		     s[n - 1] == '-'))
		n--;
	if (n == 0 || n > DERIVED_NAME_MAX || word_count(s, n) < 2 || known_name(e, s, n))
		return ES_OK;
	if (cand->n - cand->seeds >= MAX_DERIVED || e->n_names >= ES_MAX_NAMES)
		return ES_OK; /* enough: the listed name and its aliases stay */
	char *copy = strndup(s, n);
	if (!copy)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	es_code rc = es_entity_add_name(e, copy, n, kind, ES_STRONG, NULL, err);
	if (rc != ES_OK) {
		free(copy);
		return rc;
	}
	cand->name[cand->n++] = copy;
	return ES_OK;
}

es_code es_name_derive_apply(es_name_derive *c, es_entity *e, es_err *err)
{
	if (!c || !c->pats.n || e->type == ES_TYPE_PERSON || !e->name)
		return ES_OK;
	candidates cand = {.n = 0};
	es_code rc = ES_OK;
	/* the listed name first, then its strong aliases: an alias carries the
	 * same clauses ("CETC 11th Research Institute (CETC 11th RI)") */
	for (size_t i = 0; i < e->n_names && cand.n < MAX_SEEDS; i++) {
		const es_name *nm = &e->names[i];
		if (i > 0 && (nm->strength != ES_STRONG || nm->kind != ES_NAME_AKA))
			continue;
		if (!(cand.name[cand.n] = strdup(nm->name))) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			break;
		}
		cand.n++;
	}
	cand.seeds = cand.n;
	char buf[ES_MAX_NAME + 1];
	for (size_t ci = 0; ci < cand.n && rc == ES_OK; ci++) {
		const char *subject = cand.name[ci];
		size_t slen = strlen(subject);
		for (size_t pi = 0; pi < c->pats.n && rc == ES_OK; pi++) {
			const name_pattern *p = &((const name_pattern *)c->pats.data)[pi];
			if (pcre2_match(p->re, (PCRE2_SPTR)subject, slen, 0, 0, c->md, c->mctx) < 0)
				continue; /* no match, or a limit hit: nothing derived */
			/* the outputs are built from this match before any is added */
			char outs[MAX_NAME_OUTS][ES_MAX_NAME + 1];
			size_t olen[MAX_NAME_OUTS];
			bool ok[MAX_NAME_OUTS];
			for (size_t k = 0; k < p->n_out; k++)
				ok[k] = expand(c, p, &p->out[k], subject, outs[k], sizeof outs[k], &olen[k]);
			for (size_t k = 0; k < p->n_out && rc == ES_OK; k++) {
				if (!ok[k])
					continue;
				const char *o = outs[k], *end = o + olen[k];
				size_t seplen = p->split ? strlen(p->split) : 0;
				while (o < end && rc == ES_OK) {
					const char *q = p->split ? memmem(o, (size_t)(end - o), p->split, seplen) : NULL;
					if (!q)
						q = end;
					memcpy(buf, o, (size_t)(q - o));
					buf[q - o] = '\0';
					rc = add_derived(e, &cand, p->out[k].kind, buf, (size_t)(q - o), err);
					o = q < end ? q + seplen : end;
				}
			}
			break; /* the first pattern that matches a candidate decides */
		}
	}
	for (size_t i = 0; i < cand.n; i++)
		free(cand.name[i]);
	return rc;
}
