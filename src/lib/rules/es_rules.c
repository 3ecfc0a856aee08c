/* es_rules — loading the rules data files (lists/rules) and deciding one order (see es_rules.h). */
#include "es_rules.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unicode/ucasemap.h>

#include "es_io.h"
#include "es_text.h"

#define RULES_MAX_FILE (4u << 20)
#define FOLD_MAX 4096

/* ---- small containers ------------------------------------------------------ */

/* A set of ISO alpha-2 codes as a 26x26 bitmap. */
typedef struct {
	unsigned char bits[(26 * 26 + 7) / 8];
	char *citation;
} cset;

static int cc_index(const char *cc)
{
	if (!cc || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' || cc[2])
		return -1;
	return (cc[0] - 'A') * 26 + (cc[1] - 'A');
}

static bool cset_has(const cset *s, const char *cc)
{
	int i = cc_index(cc);
	return i >= 0 && (s->bits[i / 8] >> (i % 8)) & 1;
}

typedef enum { COND_NONE, COND_ENTRY_TEXT, COND_SUPP2, COND_EXCEPTION, COND_RU_BY } cond_kind;
typedef enum { AFF_NO, AFF_BIS, AFF_OFAC } aff_kind;

typedef struct {
	char *source, *list;
	es_decision action;
	cond_kind cond;
	char *code, *citation;
	aff_kind affiliates;
} list_action;

typedef enum { CLS_EAR99, CLS_ENCRYPTION, CLS_MASS_MARKET, CLS_AT_ONLY, CLS_UNKNOWN } eccn_class;
typedef enum { CARVE_NO, CARVE_YES, CARVE_ENC } carve_kind;

typedef struct {
	char *prefix;
	eccn_class cls;
	bool supp2;
	carve_kind carve;
} eccn_row;

typedef enum { RK_ISO, RK_POSTAL_UA, RK_POSTAL_RU, RK_REGION, RK_CITY, RK_MARKER } region_kind;

typedef struct {
	region_kind kind;
	char *area;
	es_decision decision;
	char *value;   /* folded phrase (" a b ") or digits prefix or ISO code */
} region_row;

typedef struct {
	char *kind;
	char *phrase;  /* folded " a b " */
	size_t plen;   /* strlen(phrase) */
} keyword;

typedef struct {
	char *code, *citation, *tmpl;
} reason_row;

typedef struct {
	void *v;
	size_t n, cap, size;
} vec;

static void *vec_push(vec *v)
{
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 16;
		void *nv = realloc(v->v, nc * v->size);
		if (!nv)
			return NULL;
		v->v = nv;
		v->cap = nc;
	}
	void *p = (char *)v->v + v->n++ * v->size;
	memset(p, 0, v->size);
	return p;
}

enum {
	G_E1, G_E2, G_D1, G_D5, G_SUPP3, G_EMBARGO, G_SYRIA, G_RUBY, G_MIL, G_MIL_UNC, G_INTEL, G_INTEL_UNC,
	G_GOVBLOCK, G_NS1EX, G_A5A6, G_DOMESTIC, G_HUB, G_DIVERT, G_SAME_CN, G_COUNT
};
static const char *const group_names[G_COUNT] = {
	"E1", "E2", "D1", "D5", "ENC_SUPP3", "EMBARGO", "SYRIA_2025", "RU_BY", "MIL_END_USER",
	"MIL_END_USER_UNCERTAIN", "MIL_INTEL", "MIL_INTEL_UNCERTAIN", "GOV_BLOCKED", "NS1_EXEMPT", "A5A6",
	"DOMESTIC", "HUB", "DIVERSION_TARGET", "SAME_AS_CN",
};

struct es_rules {
	UCaseMap *csm;
	cset groups[G_COUNT];
	bool group_loaded[G_COUNT];
	vec actions;   /* list_action */
	vec eccns;     /* eccn_row */
	vec regions;   /* region_row */
	vec keywords;  /* keyword */
	struct kw_kind { const char *kind; size_t lo, hi; } *kinds; /* each kind's range in keywords, by kind */
	size_t n_kinds;
	vec reasons;   /* reason_row */
	vec addrwords; /* keyword: kind = canonical word (" w "), phrase = variant (" v ") */
	double strong, review, contradicted, corroborated;
	bool literal;
	double own_pct;
	int aff_eff, aff_from, aff_to; /* yyyymmdd */
	size_t max_hits;
	char addr_lists[512]; /* " source:list source:list " */
	char high_end[256];   /* " MX PTX ... ": SKU prefixes of core routers and large firewalls */
};

/* ---- folding --------------------------------------------------------------- */

/* Latin-1 supplement letters U+00C0..U+00FF (after case folding only the lower
 * half matters) to an ASCII base letter; 0 = not a letter we map. */
static const char latin1_base[64] = "aaaaaaaceeeeiiiidnooooo ouuuuyts" "aaaaaaaceeeeiiiidnooooo ouuuuyty";

/* A 3-byte UTF-8 character: 1 = a CJK ideograph or kana (a word of its own),
 * 2 = CJK or full-width punctuation (a separator), 0 = other. */
static int cjk_class(unsigned char c0, unsigned char c1, unsigned char c2)
{
	unsigned cp = ((unsigned)(c0 & 0x0F) << 12) | ((unsigned)(c1 & 0x3F) << 6) | (unsigned)(c2 & 0x3F);
	if ((cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
	    (cp >= 0xF900 && cp <= 0xFAFF))
		return 1;
	if ((cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
	    (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65))
		return 2;
	return 0;
}

size_t es_rules_fold(const es_rules *r, const char *s, char *out, size_t cap)
{
	char tmp[FOLD_MAX];
	size_t n = 0;
	if (cap < 3) {
		if (cap)
			out[0] = '\0';
		return 0;
	}
	UErrorCode ue = U_ZERO_ERROR;
	int32_t fl = -1;
	size_t slen = s ? strlen(s) : 0;
	bool ascii = true;
	for (size_t i = 0; i < slen && ascii; i++)
		ascii = (unsigned char)s[i] < 0x80;
	/* ASCII needs no Unicode folding (the loop below lowers it): most names are ASCII */
	if (!ascii && slen && slen < sizeof tmp / 2 && r && r->csm)
		fl = ucasemap_utf8FoldCase(r->csm, tmp, (int32_t)sizeof tmp - 1, s, (int32_t)slen, &ue);
	const char *src = s ? s : "";
	size_t len = slen;
	if (fl >= 0 && U_SUCCESS(ue)) {
		tmp[fl] = '\0';
		src = tmp;
		len = (size_t)fl;
	}
	out[n++] = ' ';
	for (size_t i = 0; i < len && n + 6 < cap;) {
		unsigned char c = (unsigned char)src[i];
		if (c < 0x80) {
			if (isalnum(c))
				out[n++] = (char)tolower(c);
			else if (c != '\'' && out[n - 1] != ' ')
				out[n++] = ' '; /* apostrophes join: "people's" = "peoples" */
			i++;
			continue;
		}
		size_t cl = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		if (i + cl > len)
			break;
		unsigned char c1 = (unsigned char)src[i + 1];
		int cjk = cl == 3 ? cjk_class(c, c1, (unsigned char)src[i + 2]) : 0;
		if (cjk) {
			/* Chinese and Japanese write no spaces: each ideograph or kana is its own
			 * word, so "解放军" is found inside "中国人民解放军第61398部队" */
			if (out[n - 1] != ' ')
				out[n++] = ' ';
			if (cjk == 1) {
				memcpy(out + n, src + i, 3);
				n += 3;
				out[n++] = ' ';
			}
		} else if (c == 0xC3 && c1 >= 0x80 && c1 <= 0xBF && latin1_base[c1 - 0x80] != ' ') {
			out[n++] = latin1_base[c1 - 0x80];
		} else if ((c == 0xC2) || (c == 0xE2 && (c1 == 0x80 || c1 == 0x81)) ||
			   (c == 0xCA && c1 >= 0xB9 && c1 <= 0xBC)) {
			/* NBSP, Latin-1 punctuation, general punctuation (dashes, quotes), modifier apostrophes */
			bool apos = (c == 0xE2 && c1 == 0x80 && (unsigned char)src[i + 2] == 0x99) || c == 0xCA;
			if (!apos && out[n - 1] != ' ')
				out[n++] = ' ';
		} else {
			memcpy(out + n, src + i, cl);
			n += cl;
		}
		i += cl;
	}
	if (out[n - 1] != ' ')
		out[n++] = ' ';
	out[n] = '\0';
	return n;
}

size_t es_rules_fold_address(const es_rules *r, const char *s, char *out, size_t cap)
{
	char tmp[FOLD_MAX];
	es_rules_fold(r, s, tmp, sizeof tmp);
	size_t n = 0;
	if (cap < 3) {
		if (cap)
			out[0] = '\0';
		return 0;
	}
	out[n++] = ' ';
	const keyword *aw = r ? r->addrwords.v : NULL;
	size_t naw = r ? r->addrwords.n : 0;
	for (const char *t = tmp; *t == ' ' && t[1];) {
		const char *e = strchr(t + 1, ' ');
		if (!e)
			break;
		size_t tl = (size_t)(e - t) + 1; /* " tok " */
		const char *w = t + 1;
		size_t wl = tl - 2;
		/* ordinals: 9th -> 9 */
		if (wl >= 3 && isdigit((unsigned char)w[0])) {
			const char *sfx = w + wl - 2;
			bool digits = true;
			for (const char *q = w; q < sfx; q++)
				digits &= isdigit((unsigned char)*q) != 0;
			if (digits && (!strncmp(sfx, "st", 2) || !strncmp(sfx, "nd", 2) || !strncmp(sfx, "rd", 2) ||
				       !strncmp(sfx, "th", 2)))
				wl -= 2;
		}
		for (size_t i = 0; i < naw; i++)
			if (aw[i].plen == tl && memcmp(aw[i].phrase, t, tl) == 0) {
				w = aw[i].kind + 1;
				wl = strlen(aw[i].kind) - 2;
				break;
			}
		if (n + wl + 2 >= cap)
			break;
		memcpy(out + n, w, wl);
		n += wl;
		out[n++] = ' ';
		t = e;
	}
	out[n] = '\0';
	return n;
}

static bool has_phrase(const char *folded, const char *phrase)
{
	return strstr(folded, phrase) != NULL;
}

/* ---- loading --------------------------------------------------------------- */

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static int kw_cmp(const void *a, const void *b);

typedef es_code (*line_fn)(es_rules *r, char **cols, int n, const char *where, es_err *err);

static es_code load_file(es_rules *r, const char *lists_dir, const char *name, line_fn fn, es_err *err)
{
	es_code rc = ES_OK;
	char *rel = NULL, *path = NULL, *buf = NULL;
	size_t len;
	size_t rl = strlen(name) + 8;
	rel = malloc(rl);
	if (!rel)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	snprintf(rel, rl, "rules/%s", name);
	path = es_path_join(lists_dir, rel);
	if (!path) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = es_read_file(path, RULES_MAX_FILE, &buf, &len, err)) != ES_OK)
		goto done;
	if (!es_utf8_valid(buf, len, NULL)) {
		rc = es_err_set(err, ES_EFORMAT, "%s: not valid UTF-8", path);
		goto done;
	}
	char *line = buf;
	int lineno = 0;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		size_t ll = strlen(line);
		if (ll && line[ll - 1] == '\r')
			line[--ll] = '\0';
		if (ll && line[0] != '#') {
			char *cols[16];
			int n = (int)es_text_split_tabs(line, cols, 16);
			char where[600];
			snprintf(where, sizeof where, "%s:%d", path, lineno);
			if ((rc = fn(r, cols, n, where, err)) != ES_OK)
				goto done;
		}
		line = nl ? nl + 1 : NULL;
	}
done:
	free(rel);
	free(path);
	free(buf);
	return rc;
}

static int parse_decision(const char *s, es_decision *d)
{
	static const char *const names[] = {"CLEAR", "REVIEW", "LICENSE_REQUIRED", "PROHIBITED"};
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*d = (es_decision)i;
			return 0;
		}
	return -1;
}

static es_code ln_group(es_rules *r, char **cols, int n, const char *where, es_err *err)
{
	if (n < 3)
		return es_err_set(err, ES_EFORMAT, "%s: expected group, codes, citation", where);
	int g = -1;
	for (int i = 0; i < G_COUNT; i++)
		if (strcmp(cols[0], group_names[i]) == 0)
			g = i;
	if (g < 0)
		return ES_OK; /* groups this version does not use are allowed */
	cset *s = &r->groups[g];
	char *save = NULL;
	for (char *t = strtok_r(cols[1], " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		int i = cc_index(t);
		if (i < 0)
			return es_err_set(err, ES_EFORMAT, "%s: '%.10s' is not an upper-case alpha-2 code", where, t);
		s->bits[i / 8] |= (unsigned char)(1u << (i % 8));
	}
	free(s->citation);
	s->citation = xstrdup(cols[2]);
	r->group_loaded[g] = true;
	return s->citation ? ES_OK : es_err_set(err, ES_ENOMEM, "out of memory");
}

static es_code ln_action(es_rules *r, char **cols, int n, const char *where, es_err *err)
{
	if (n < 7)
		return es_err_set(err, ES_EFORMAT, "%s: expected 7 columns", where);
	list_action *a = vec_push(&r->actions);
	if (!a)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if (parse_decision(cols[2], &a->action) != 0)
		return es_err_set(err, ES_EFORMAT, "%s: unknown action '%.30s'", where, cols[2]);
	a->cond = strcmp(cols[3], "entry_text") == 0 ? COND_ENTRY_TEXT
		  : strcmp(cols[3], "supp2") == 0    ? COND_SUPP2
		  : strcmp(cols[3], "exception") == 0 ? COND_EXCEPTION
		  : strcmp(cols[3], "ru_by") == 0    ? COND_RU_BY
						     : COND_NONE;
	if (a->cond == COND_NONE && strcmp(cols[3], "-") != 0)
		return es_err_set(err, ES_EFORMAT, "%s: unknown condition '%.30s'", where, cols[3]);
	a->affiliates = strcmp(cols[6], "bis") == 0 ? AFF_BIS : strcmp(cols[6], "ofac") == 0 ? AFF_OFAC : AFF_NO;
	a->source = xstrdup(cols[0]);
	a->list = xstrdup(cols[1]);
	a->code = xstrdup(cols[4]);
	a->citation = xstrdup(cols[5]);
	if (!a->source || !a->list || !a->code || !a->citation)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	return ES_OK;
}

static es_code ln_eccn(es_rules *r, char **cols, int n, const char *where, es_err *err)
{
	if (n < 4)
		return es_err_set(err, ES_EFORMAT, "%s: expected prefix, class, supp2, carve-out", where);
	eccn_row *e = vec_push(&r->eccns);
	if (!e)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	e->cls = strcmp(cols[1], "ear99") == 0	       ? CLS_EAR99
		 : strcmp(cols[1], "encryption") == 0  ? CLS_ENCRYPTION
		 : strcmp(cols[1], "mass_market") == 0 ? CLS_MASS_MARKET
		 : strcmp(cols[1], "at_only") == 0     ? CLS_AT_ONLY
						       : CLS_UNKNOWN;
	if (e->cls == CLS_UNKNOWN)
		return es_err_set(err, ES_EFORMAT, "%s: unknown class '%.30s'", where, cols[1]);
	e->supp2 = strcmp(cols[2], "yes") == 0;
	e->carve = strcmp(cols[3], "yes") == 0 ? CARVE_YES : strcmp(cols[3], "enc") == 0 ? CARVE_ENC : CARVE_NO;
	e->prefix = xstrdup(cols[0]);
	return e->prefix ? ES_OK : es_err_set(err, ES_ENOMEM, "out of memory");
}

static es_code ln_region(es_rules *r, char **cols, int n, const char *where, es_err *err)
{
	if (n < 4)
		return es_err_set(err, ES_EFORMAT, "%s: expected kind, area, decision, values", where);
	region_kind k;
	if (strcmp(cols[0], "iso") == 0)
		k = RK_ISO;
	else if (strcmp(cols[0], "postal_ua") == 0)
		k = RK_POSTAL_UA;
	else if (strcmp(cols[0], "postal_ru") == 0)
		k = RK_POSTAL_RU;
	else if (strcmp(cols[0], "region") == 0)
		k = RK_REGION;
	else if (strcmp(cols[0], "city") == 0)
		k = RK_CITY;
	else if (strcmp(cols[0], "marker") == 0)
		k = RK_MARKER;
	else
		return es_err_set(err, ES_EFORMAT, "%s: unknown kind '%.30s'", where, cols[0]);
	es_decision d;
	if (parse_decision(cols[2], &d) != 0)
		return es_err_set(err, ES_EFORMAT, "%s: unknown decision '%.30s'", where, cols[2]);
	char *save = NULL;
	for (char *t = strtok_r(cols[3], "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		region_row *rr = vec_push(&r->regions);
		if (!rr)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		rr->kind = k;
		rr->decision = d;
		rr->area = xstrdup(cols[1]);
		if (k == RK_REGION || k == RK_CITY || k == RK_MARKER) {
			char f[512];
			es_rules_fold(r, t, f, sizeof f);
			rr->value = xstrdup(f);
		} else {
			rr->value = xstrdup(t);
		}
		if (!rr->area || !rr->value)
			return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	return ES_OK;
}

static es_code ln_keyword(es_rules *r, char **cols, int n, const char *where, es_err *err)
{
	if (n < 2)
		return es_err_set(err, ES_EFORMAT, "%s: expected kind, phrases", where);
	char *save = NULL;
	for (char *t = strtok_r(cols[1], "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		keyword *k = vec_push(&r->keywords);
		if (!k)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		char f[512];
		es_rules_fold(r, t, f, sizeof f);
		k->kind = xstrdup(cols[0]);
		k->phrase = xstrdup(f);
		if (!k->kind || !k->phrase)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		k->plen = strlen(k->phrase);
	}
	return ES_OK;
}

static es_code ln_reason(es_rules *r, char **cols, int n, const char *where, es_err *err)
{
	if (n < 3)
		return es_err_set(err, ES_EFORMAT, "%s: expected code, citation, message", where);
	reason_row *rr = vec_push(&r->reasons);
	if (!rr)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	rr->code = xstrdup(cols[0]);
	rr->citation = xstrdup(cols[1]);
	rr->tmpl = xstrdup(cols[2]);
	return rr->code && rr->citation && rr->tmpl ? ES_OK : es_err_set(err, ES_ENOMEM, "out of memory");
}

static es_code ln_addrword(es_rules *r, char **cols, int n, const char *where, es_err *err)
{
	(void)n;
	char *save = NULL, canon[128] = "";
	for (char *t = strtok_r(cols[0], "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		char f[128];
		es_rules_fold(r, t, f, sizeof f);
		if (!canon[0]) {
			snprintf(canon, sizeof canon, "%s", f);
			continue;
		}
		keyword *k = vec_push(&r->addrwords);
		if (!k)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		k->kind = xstrdup(canon);
		k->phrase = xstrdup(f);
		if (!k->kind || !k->phrase)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		k->plen = strlen(k->phrase);
	}
	if (!canon[0])
		return es_err_set(err, ES_EFORMAT, "%s: empty line", where);
	return ES_OK;
}

static int parse_date(const char *s, int *out)
{
	int y, m, d;
	char tail;
	if (!s || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) < 3 || y < 1900 || m < 1 || m > 12 || d < 1 ||
	    d > 31)
		return -1;
	/* "2026-06-01T10:00:00Z" is fine; "2026-06-01x" is not */
	if (strlen(s) > 10 && s[10] != 'T' && s[10] != ' ')
		return -1;
	*out = y * 10000 + m * 100 + d;
	return 0;
}

static es_code ln_policy(es_rules *r, char **cols, int n, const char *where, es_err *err)
{
	if (n < 2)
		return es_err_set(err, ES_EFORMAT, "%s: expected key, value", where);
	const char *k = cols[0], *v = cols[1];
	char *end;
	double d = strtod(v, &end);
	bool num = end != v && *end == '\0';
	int date;
	if (strcmp(k, "strong_threshold") == 0 && num)
		r->strong = d;
	else if (strcmp(k, "review_threshold") == 0 && num)
		r->review = d;
	else if (strcmp(k, "review_threshold") == 0 && strcmp(v, "matcher_default") == 0)
		r->review = ES_MATCH_DEFAULT_THRESHOLD; /* the matcher's tuned value (README) */
	else if (strcmp(k, "corroborated_review_threshold") == 0 && num)
		r->corroborated = d;
	else if (strcmp(k, "contradicted_review_threshold") == 0 && num)
		r->contradicted = d;
	else if (strcmp(k, "ownership_percent_threshold") == 0 && num)
		r->own_pct = d;
	else if (strcmp(k, "max_hits_per_party") == 0 && num && d >= 1 && d <= 16)
		r->max_hits = (size_t)d;
	else if (strcmp(k, "address_match_lists") == 0)
		snprintf(r->addr_lists, sizeof r->addr_lists, " %s ", v);
	else if (strcmp(k, "high_end_sku_prefixes") == 0)
		snprintf(r->high_end, sizeof r->high_end, " %s ", v);
	else if (strcmp(k, "strong_requires_literal") == 0)
		r->literal = strcmp(v, "yes") == 0;
	else if (strcmp(k, "affiliates_rule_effective") == 0 && parse_date(v, &date) == 0)
		r->aff_eff = date;
	else if (strcmp(k, "affiliates_suspended_from") == 0 && parse_date(v, &date) == 0)
		r->aff_from = date;
	else if (strcmp(k, "affiliates_suspended_to") == 0 && parse_date(v, &date) == 0)
		r->aff_to = date;
	else
		return es_err_set(err, ES_EFORMAT, "%s: unknown key or bad value '%.40s'", where, k);
	return ES_OK;
}

void es_rules_free(es_rules *r)
{
	if (!r)
		return;
	for (int g = 0; g < G_COUNT; g++)
		free(r->groups[g].citation);
	list_action *a = r->actions.v;
	for (size_t i = 0; i < r->actions.n; i++) {
		free(a[i].source);
		free(a[i].list);
		free(a[i].code);
		free(a[i].citation);
	}
	eccn_row *e = r->eccns.v;
	for (size_t i = 0; i < r->eccns.n; i++)
		free(e[i].prefix);
	region_row *rr = r->regions.v;
	for (size_t i = 0; i < r->regions.n; i++) {
		free(rr[i].area);
		free(rr[i].value);
	}
	keyword *k = r->keywords.v;
	for (size_t i = 0; i < r->keywords.n; i++) {
		free(k[i].kind);
		free(k[i].phrase);
	}
	reason_row *re = r->reasons.v;
	for (size_t i = 0; i < r->reasons.n; i++) {
		free(re[i].code);
		free(re[i].citation);
		free(re[i].tmpl);
	}
	free(r->actions.v);
	free(r->eccns.v);
	free(r->regions.v);
	free(r->keywords.v);
	free(r->kinds);
	free(r->reasons.v);
	keyword *aw = r->addrwords.v;
	for (size_t i = 0; i < r->addrwords.n; i++) {
		free(aw[i].kind);
		free(aw[i].phrase);
	}
	free(r->addrwords.v);
	if (r->csm)
		ucasemap_close(r->csm);
	free(r);
}

es_code es_rules_load(es_rules **out, const char *lists_dir, es_err *err)
{
	es_code rc = ES_OK;
	es_rules *r = calloc(1, sizeof *r);
	*out = NULL;
	if (!r)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	UErrorCode ue = U_ZERO_ERROR;
	r->csm = ucasemap_open("", 0, &ue);
	if (U_FAILURE(ue)) {
		rc = es_err_set(err, ES_EINTERNAL, "ICU case map: %s", u_errorName(ue));
		goto done;
	}
	r->actions.size = sizeof(list_action);
	r->eccns.size = sizeof(eccn_row);
	r->regions.size = sizeof(region_row);
	r->keywords.size = sizeof(keyword);
	r->reasons.size = sizeof(reason_row);
	r->addrwords.size = sizeof(keyword);
	r->strong = 0.97;
	r->review = 0.90;
	r->contradicted = 0.97;
	r->corroborated = 0.80;
	r->own_pct = 50;
	r->max_hits = 3;
	r->literal = true;
	if ((rc = load_file(r, lists_dir, "country_groups.tsv", ln_group, err)) != ES_OK ||
	    (rc = load_file(r, lists_dir, "list_actions.tsv", ln_action, err)) != ES_OK ||
	    (rc = load_file(r, lists_dir, "eccn.tsv", ln_eccn, err)) != ES_OK ||
	    (rc = load_file(r, lists_dir, "ukraine_regions.tsv", ln_region, err)) != ES_OK ||
	    (rc = load_file(r, lists_dir, "keywords.tsv", ln_keyword, err)) != ES_OK ||
	    (rc = load_file(r, lists_dir, "reasons.tsv", ln_reason, err)) != ES_OK ||
	    (rc = load_file(r, lists_dir, "policy.tsv", ln_policy, err)) != ES_OK ||
	    (rc = load_file(r, lists_dir, "address_words.tsv", ln_addrword, err)) != ES_OK)
		goto done;
	if (r->keywords.n) {
		qsort(r->keywords.v, r->keywords.n, sizeof(keyword), kw_cmp);
		const keyword *k = r->keywords.v;
		r->kinds = calloc(r->keywords.n, sizeof *r->kinds);
		if (!r->kinds) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto done;
		}
		for (size_t i = 0; i < r->keywords.n; i++) {
			if (r->n_kinds && strcmp(r->kinds[r->n_kinds - 1].kind, k[i].kind) == 0) {
				r->kinds[r->n_kinds - 1].hi = i + 1;
				continue;
			}
			r->kinds[r->n_kinds++] = (struct kw_kind){k[i].kind, i, i + 1};
		}
	}
	for (int g = 0; g < G_COUNT; g++)
		if (!r->group_loaded[g]) {
			rc = es_err_set(err, ES_EFORMAT, "rules/country_groups.tsv: group %s missing", group_names[g]);
			goto done;
		}
	if (!r->aff_eff || !r->aff_from || !r->aff_to) {
		rc = es_err_set(err, ES_EFORMAT, "rules/policy.tsv: affiliates-rule dates missing");
		goto done;
	}
	*out = r;
	r = NULL;
done:
	es_rules_free(r);
	return rc;
}

double es_rules_strong_threshold(const es_rules *r) { return r->strong; }
double es_rules_review_threshold(const es_rules *r) { return r->review; }
double es_rules_query_threshold(const es_rules *r) { return r->corroborated < r->review ? r->corroborated : r->review; }
void es_rules_set_review_threshold(es_rules *r, double t)
{
	/* --threshold moves the corroborated threshold by the same amount */
	r->corroborated += t - r->review;
	r->review = t;
}
size_t es_rules_max_hits(const es_rules *r) { return r->max_hits; }

bool es_rules_address_list(const es_rules *r, const char *source, const char *list)
{
	char key[128];
	snprintf(key, sizeof key, " %s:%s ", source, list);
	return strstr(r->addr_lists, key) != NULL;
}

const char *es_decision_name(es_decision d)
{
	switch (d) {
	case ES_DEC_CLEAR: return "CLEAR";
	case ES_DEC_REVIEW: return "REVIEW";
	case ES_DEC_LICENSE: return "LICENSE_REQUIRED";
	case ES_DEC_PROHIBITED: return "PROHIBITED";
	default: return "ERROR";
	}
}

/* ---- deciding --------------------------------------------------------------- */

typedef struct {
	const char *name, *entry, *list, *source, *country, *eccn, *detail;
	double score;
} msg_args;

typedef struct {
	const es_rules *r;
	const es_order *o;
	es_result *res;
	const char *dest;
	const es_party *civil_parent;   /* declared wholly-owning A:5/A:6/US parent */
	int date;                       /* yyyymmdd the order is judged at */
} dctx;

static const reason_row *find_reason(const es_rules *r, const char *code)
{
	const reason_row *rr = r->reasons.v;
	for (size_t i = 0; i < r->reasons.n; i++)
		if (strcmp(rr[i].code, code) == 0)
			return &rr[i];
	return NULL;
}

static void fill_template(char *out, size_t cap, const char *tmpl, const char *role, const msg_args *a)
{
	size_t n = 0;
	char num[32];
	for (const char *t = tmpl; *t && n + 1 < cap;) {
		const char *v = NULL;
		const char *close = *t == '{' ? strchr(t, '}') : NULL;
		if (close) {
			size_t kl = (size_t)(close - t - 1);
#define KEY(k) (kl == sizeof(k) - 1 && strncmp(t + 1, k, kl) == 0)
			if (KEY("role"))
				v = role;
			else if (KEY("name"))
				v = a->name;
			else if (KEY("entry"))
				v = a->entry;
			else if (KEY("list"))
				v = a->list;
			else if (KEY("source"))
				v = a->source;
			else if (KEY("country"))
				v = a->country;
			else if (KEY("eccn"))
				v = a->eccn;
			else if (KEY("detail"))
				v = a->detail;
			else if (KEY("score")) {
				snprintf(num, sizeof num, "%.2f", a->score);
				v = num;
			} else
				close = NULL;
#undef KEY
		}
		if (close) {
			v = v ? v : "";
			/* one-line messages: a newline or tab from the input becomes a space */
			for (; *v && n + 1 < cap; v++)
				out[n++] = (*v == '\n' || *v == '\r' || *v == '\t') ? ' ' : *v;
			t = close + 1;
		} else {
			out[n++] = *t++;
		}
	}
	/* never end inside a UTF-8 sequence */
	while (n > 0 && ((unsigned char)out[n - 1] & 0x80)) {
		size_t k = n - 1;
		while (k > 0 && ((unsigned char)out[k] & 0xC0) == 0x80)
			k--;
		unsigned char lead = (unsigned char)out[k];
		size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
		if (n - k == need)
			break;
		n = k;
	}
	out[n] = '\0';
}

/* Adds a reason (once per code and party); the decision always counts. */
static void add(dctx *c, const char *code, es_decision d, int party, const char *citation, const msg_args *a)
{
	es_result *res = c->res;
	if (d > res->decision)
		res->decision = d;
	for (size_t i = 0; i < res->n_reasons; i++)
		if (res->reasons[i].party == party && strcmp(res->reasons[i].code, code) == 0) {
			if (d > res->reasons[i].decision)
				res->reasons[i].decision = d;
			return;
		}
	if (res->n_reasons >= ES_MAX_REASONS) {
		res->n_dropped++;
		return;
	}
	es_reason *rs = &res->reasons[res->n_reasons++];
	snprintf(rs->code, sizeof rs->code, "%s", code);
	rs->decision = d;
	rs->party = party;
	const reason_row *rr = find_reason(c->r, code);
	if (!rr)
		rr = find_reason(c->r, "LIST_HIT");
	rs->citation = citation ? citation : rr && strcmp(rr->citation, "-") != 0 ? rr->citation : "";
	const char *role = party >= 0 ? es_role_name(c->o->parties[party].role) : "order";
	static const msg_args none = {0};
	fill_template(rs->message, sizeof rs->message, rr ? rr->tmpl : code, role, a ? a : &none);
}

static const eccn_row *eccn_lookup(const es_rules *r, const char *raw)
{
	const eccn_row *best = NULL;
	size_t bl = 0;
	/* blanks are not part of an ECCN: " 5A992.c " and "EAR 99" are 5A992.c and EAR99 */
	char eccn[64];
	size_t n = 0;
	for (; *raw && n + 1 < sizeof eccn; raw++)
		if (*raw != ' ' && *raw != '\t')
			eccn[n++] = *raw;
	eccn[n] = '\0';
	const eccn_row *e = r->eccns.v;
	for (size_t i = 0; i < r->eccns.n; i++) {
		size_t pl = strlen(e[i].prefix);
		if (pl > bl && strncasecmp(eccn, e[i].prefix, pl) == 0 &&
		    (eccn[pl] == '\0' || eccn[pl] == '.' || e[i].prefix[pl - 1] == '.')) {
			best = &e[i];
			bl = pl;
		}
	}
	return best;
}

typedef enum { ENC_MISSING, ENC_B1, ENC_B2, ENC_B3, ENC_MASS, ENC_NONE, ENC_BAD } enc_kind;

static enc_kind enc_of(const char *s)
{
	if (!s || !*s)
		return ENC_MISSING;
	if (strcasecmp(s, "b1") == 0)
		return ENC_B1;
	if (strcasecmp(s, "b2") == 0)
		return ENC_B2;
	if (strcasecmp(s, "b3") == 0)
		return ENC_B3;
	if (strcasecmp(s, "mass_market") == 0)
		return ENC_MASS;
	if (strcasecmp(s, "none") == 0)
		return ENC_NONE;
	return ENC_BAD;
}

static bool in(const dctx *c, int g, const char *cc)
{
	return cc && cset_has(&c->r->groups[g], cc);
}

static bool is_gov(es_eu_type t)
{
	return t == ES_EU_GOVERNMENT || t == ES_EU_MILITARY || t == ES_EU_POLICE || t == ES_EU_INTELLIGENCE;
}

static bool is_owner(const es_party *p)
{
	return p->role == ES_ROLE_OTHER && p->relationship &&
	       (strcasecmp(p->relationship, "owner") == 0 || strcasecmp(p->relationship, "parent") == 0);
}

/* Keywords are sorted by (kind, phrase) at load; a kind's phrases form one range.
 * Because phrases are " a b " and ' ' sorts before every token byte, the sort
 * order is also the order of their first tokens, so a text is matched by looking
 * up each of its tokens instead of scanning every phrase. */
static int kw_cmp(const void *a, const void *b)
{
	const keyword *x = a, *y = b;
	int c = strcmp(x->kind, y->kind);
	return c ? c : strcmp(x->phrase, y->phrase);
}

static void kind_range(const es_rules *r, const char *kind, size_t *lo, size_t *hi)
{
	/* a few kinds, looked up for every end user: search the kinds, not the phrases */
	size_t a = 0, b = r->n_kinds;
	while (a < b) {
		size_t m = (a + b) / 2;
		int c = strcmp(r->kinds[m].kind, kind);
		if (c == 0) {
			*lo = r->kinds[m].lo;
			*hi = r->kinds[m].hi;
			return;
		}
		if (c < 0)
			a = m + 1;
		else
			b = m;
	}
	*lo = *hi = 0;
}

/* First keyword phrase of a kind found in folded text (whole = the text must equal
 * it, prefix = the text must start with it). */
static const char *keyword_hit(const es_rules *r, const char *kind, const char *folded, bool whole, bool prefix)
{
	const keyword *k = r->keywords.v;
	size_t lo, hi;
	kind_range(r, kind, &lo, &hi);
	if (whole || prefix) {
		for (size_t i = lo; i < hi; i++)
			if (whole ? strcmp(folded, k[i].phrase) == 0
				  : strncmp(folded, k[i].phrase, k[i].plen) == 0)
				return k[i].phrase;
		return NULL;
	}
	for (const char *t = folded; *t == ' ' && t[1]; t = strchr(t + 1, ' ')) {
		const char *end = strchr(t + 1, ' ');
		if (!end)
			break;
		size_t tl = (size_t)(end - t); /* token plus its trailing space */
		size_t a = lo, b = hi;
		while (a < b) {
			size_t m = (a + b) / 2;
			if (strncmp(k[m].phrase + 1, t + 1, tl) < 0)
				a = m + 1;
			else
				b = m;
		}
		for (; a < hi && strncmp(k[a].phrase + 1, t + 1, tl) == 0; a++)
			if (strncmp(t, k[a].phrase, k[a].plen) == 0)
				return k[a].phrase;
	}
	return NULL;
}

/* The first item whose SKU starts with a high-end prefix of policy.tsv, or NULL. */
static const char *high_end_item(const es_rules *r, const es_order *o)
{
	for (size_t i = 0; i < o->n_items; i++) {
		const char *sku = o->items[i].sku;
		for (const char *t = r->high_end; sku && *t; t++) {
			if (*t == ' ')
				continue;
			size_t n = strcspn(t, " ");
			if (strncasecmp(sku, t, n) == 0)
				return sku;
			t += n - 1;
		}
	}
	return NULL;
}

/* The end-user type folded text names (intelligence before military before
 * police), with the phrase found in *kw; ES_EU_UNKNOWN when none. */
static es_eu_type keyword_type(const es_rules *r, const char *folded, const char **kw)
{
	if ((*kw = keyword_hit(r, "intelligence", folded, false, false)))
		return ES_EU_INTELLIGENCE;
	if ((*kw = keyword_hit(r, "military", folded, false, false)))
		return ES_EU_MILITARY;
	if ((*kw = keyword_hit(r, "police", folded, false, false)))
		return ES_EU_POLICE;
	return ES_EU_UNKNOWN;
}

/* Syria, Russia/Belarus and comprehensive embargoes for one country a party points to. */
static void country_rules(dctx *c, const char *cc, int party)
{
	const es_order *o = c->o;
	msg_args a = {.country = cc};
	if (!cc || in(c, G_DOMESTIC, cc))
		return;
	if (party >= 0)
		a.name = o->parties[party].name;
	if (in(c, G_EMBARGO, cc)) {
		add(c, "EMBARGO", ES_DEC_PROHIBITED, party, c->r->groups[G_EMBARGO].citation, &a);
		return;
	}
	if (in(c, G_SYRIA, cc)) {
		for (size_t i = 0; i < o->n_items; i++) {
			const char *e = o->items[i].eccn;
			const eccn_row *row = e ? eccn_lookup(c->r, e) : NULL;
			a.eccn = e ? e : "item";
			if (row && row->cls == CLS_EAR99)
				add(c, "SYRIA_SPP", ES_DEC_REVIEW, party, NULL, &a);
			else
				add(c, "SYRIA_LICENSE", ES_DEC_LICENSE, party, NULL, &a);
		}
		if (o->n_items == 0) {
			a.eccn = "any item";
			add(c, "SYRIA_LICENSE", ES_DEC_LICENSE, party, NULL, &a);
		}
	}
	if (in(c, G_RUBY, cc)) {
		bool any = false;
		for (size_t i = 0; i < o->n_items; i++) {
			const char *e = o->items[i].eccn;
			const eccn_row *row = e ? eccn_lookup(c->r, e) : NULL;
			enc_kind ek = enc_of(o->items[i].enc);
			bool carve = row && (row->carve == CARVE_YES ||
					     (row->carve == CARVE_ENC && (ek == ENC_B1 || ek == ENC_B2 || ek == ENC_B3)));
			a.eccn = e ? e : "item";
			if (carve && c->civil_parent) {
				msg_args b = a;
				b.detail = c->civil_parent->name;
				add(c, "RU_CIVIL_CARVEOUT", ES_DEC_REVIEW, party, NULL, &b);
			} else {
				add(c, "RUSSIA_BELARUS", ES_DEC_LICENSE, party, NULL, &a);
				any = true;
			}
		}
		if (o->n_items == 0 && !any) {
			a.eccn = "any item";
			add(c, "RUSSIA_BELARUS", ES_DEC_LICENSE, party, NULL, &a);
		}
	}
}

/* Area of Ukraine a party's address points to. */
static void region_rules(dctx *c, int party)
{
	const es_party *p = &c->o->parties[party];
	const es_rules *r = c->r;
	if (p->country && strcmp(p->country, "UA") != 0 && strcmp(p->country, "RU") != 0)
		return;
	char city[FOLD_MAX], region[FOLD_MAX], all[FOLD_MAX * 2];
	es_rules_fold(r, p->city, city, sizeof city);
	es_rules_fold(r, p->region, region, sizeof region);
	snprintf(all, sizeof all, "%s%s%s", city, region, "");
	char addr[FOLD_MAX];
	es_rules_fold(r, p->address, addr, sizeof addr);
	strncat(all, addr, sizeof all - strlen(all) - 1);
	/* postal code digits */
	char digits[16];
	size_t nd = 0;
	bool postal_other = false;
	if (p->postal_code) {
		for (const char *s = p->postal_code; *s && nd < sizeof digits - 1; s++)
			if (isdigit((unsigned char)*s))
				digits[nd++] = *s;
			else if (!isspace((unsigned char)*s) && *s != '-')
				postal_other = true;
	}
	digits[nd] = '\0';

	const region_row *best_p = NULL, *best_r = NULL; /* strongest PROHIBITED / REVIEW evidence */
	const char *why_p = NULL, *why_r = NULL;
	bool postal_outside = nd >= 5 && !postal_other; /* a well-formed code that names no region */
	const region_row *rr = r->regions.v;
	for (size_t i = 0; i < r->regions.n; i++) {
		bool hit = false;
		const char *why = NULL;
		switch (rr[i].kind) {
		case RK_ISO:
			hit = p->region && strcasecmp(p->region, rr[i].value) == 0;
			why = "ISO 3166-2 code";
			break;
		case RK_POSTAL_UA:
			hit = nd == 5 && !postal_other && strncmp(digits, rr[i].value, strlen(rr[i].value)) == 0;
			why = "postal code";
			if (hit)
				postal_outside = false;
			break;
		case RK_POSTAL_RU:
			hit = nd == 6 && !postal_other && strncmp(digits, rr[i].value, strlen(rr[i].value)) == 0;
			why = "Russian-format postal code";
			if (hit)
				postal_outside = false;
			break;
		case RK_REGION:
			hit = has_phrase(region, rr[i].value);
			why = "region name";
			break;
		case RK_CITY:
			hit = has_phrase(city, rr[i].value);
			why = "city name";
			break;
		case RK_MARKER:
			hit = has_phrase(all, rr[i].value);
			why = "address marker";
			break;
		}
		if (!hit)
			continue;
		if (rr[i].decision == ES_DEC_PROHIBITED) {
			if (!best_p) {
				best_p = &rr[i];
				why_p = why;
			}
		} else if (!best_r) {
			best_r = &rr[i];
			why_r = why;
		}
	}
	/* postal codes of Ukraine's other oblasts are not evidence against a city name
	 * (a 5-digit code of another oblast next to "Donetsk" is contradictory: review) */
	bool city_only = best_p && strcmp(why_p, "city name") == 0;
	msg_args a = {.name = p->name};
	char detail[200];
	if (best_p && !(city_only && postal_outside && nd == 6 && p->country && strcmp(p->country, "RU") == 0)) {
		if (city_only && postal_outside) {
			snprintf(detail, sizeof detail, "%s '%s' but a postal code of another area", why_p,
				 p->city ? p->city : "");
			a.detail = detail;
			add(c, "OCCUPIED_REGION_RISK", ES_DEC_REVIEW, party, NULL, &a);
			return;
		}
		snprintf(detail, sizeof detail, "%s", why_p);
		a.detail = detail;
		const char *code = strcmp(best_p->area, "crimea") == 0	    ? "CRIMEA"
				   : strcmp(best_p->area, "sevastopol") == 0 ? "SEVASTOPOL"
				   : strcmp(best_p->area, "dnr") == 0	    ? "DNR"
				   : strcmp(best_p->area, "lnr") == 0	    ? "LNR"
									    : "CRIMEA";
		add(c, code, ES_DEC_PROHIBITED, party, NULL, &a);
		return;
	}
	if (best_r) {
		snprintf(detail, sizeof detail, "%s, %s", best_r->area, why_r);
		a.detail = detail;
		add(c, "OCCUPIED_REGION_RISK", ES_DEC_REVIEW, party, NULL, &a);
	}
}

/* Rules that depend on who the end user is: 744.21, 744.22, GoV, ENC (b)(2). fname is
 * the end user's name as es_rules_fold gives it (the caller has it already). */
static void end_user_rules(dctx *c, int party, const char *fname, const char *cc, es_eu_type t, bool type_known)
{
	const es_order *o = c->o;
	const es_party *p = &o->parties[party];
	msg_args a = {.name = p->name, .country = cc};
	if (!cc || in(c, G_DOMESTIC, cc))
		return;
	bool gov = is_gov(t);
	bool milish = t == ES_EU_MILITARY || t == ES_EU_POLICE || t == ES_EU_INTELLIGENCE;
	if (gov && in(c, G_GOVBLOCK, cc))
		add(c, "GOV_BLOCKED", ES_DEC_PROHIBITED, party, NULL, &a);
	if (t == ES_EU_INTELLIGENCE && in(c, G_INTEL, cc))
		add(c, "MILITARY_INTELLIGENCE", ES_DEC_LICENSE, party, NULL, &a);
	if (milish && in(c, G_MIL, cc)) {
		for (size_t i = 0; i < o->n_items; i++) {
			const char *e = o->items[i].eccn;
			const eccn_row *row = e ? eccn_lookup(c->r, e) : NULL;
			a.eccn = e ? e : "item";
			if (row && row->supp2)
				add(c, "MILITARY_END_USER", ES_DEC_LICENSE, party, NULL, &a);
			else
				add(c, "MILITARY_END_USER_REVIEW", ES_DEC_REVIEW, party, NULL, &a);
		}
	}
	if (gov && (in(c, G_MIL_UNC, cc) || (t == ES_EU_INTELLIGENCE && in(c, G_INTEL_UNC, cc)))) {
		msg_args b = a;
		b.detail = es_eu_type_name(t);
		add(c, "MILITARY_END_USER_UNCERTAIN", ES_DEC_REVIEW, party, NULL, &b);
	}
	bool supp3 = in(c, G_SUPP3, cc);
	bool less_sensitive = keyword_hit(c->r, "less_sensitive_gov", fname, false, false) != NULL;
	bool not_gov_eu = t == ES_EU_GOVERNMENT && keyword_hit(c->r, "not_gov_end_user", fname, false, false) != NULL;
	bool sensitive = in(c, G_MIL, cc) || in(c, G_INTEL, cc) || in(c, G_GOVBLOCK, cc) || in(c, G_MIL_UNC, cc);
	for (size_t i = 0; i < o->n_items; i++) {
		const char *e = o->items[i].eccn;
		const eccn_row *row = e ? eccn_lookup(c->r, e) : NULL;
		enc_kind ek = enc_of(o->items[i].enc);
		a.eccn = e ? e : "item";
		if (!row || row->cls != CLS_ENCRYPTION)
			continue;
		/* a state hospital or utility is not a "government end user" (772.1) */
		if (ek == ENC_B2 && !supp3 && !not_gov_eu) {
			if (t == ES_EU_GOVERNMENT && less_sensitive)
				add(c, "ENC_LESS_SENSITIVE_GOV", ES_DEC_REVIEW, party, NULL, &a);
			else if (gov)
				add(c, "ENC_GOV_END_USER", ES_DEC_LICENSE, party, NULL, &a);
			else if (!type_known) {
				msg_args b = a;
				b.detail = "an ENC (b)(2) item outside Supp. 3 to Part 740";
				add(c, "MISSING_END_USER_TYPE", ES_DEC_REVIEW, party, NULL, &b);
			}
		}
		if (ek == ENC_NONE && !in(c, G_NS1EX, cc))
			add(c, "ENC_NOT_ELIGIBLE", ES_DEC_LICENSE, party, NULL, &a);
	}
	if (!type_known && sensitive) {
		msg_args b = a;
		b.detail = "military and government end-user rules of this country";
		add(c, "MISSING_END_USER_TYPE", ES_DEC_REVIEW, party, NULL, &b);
	}
}

/* The name without case, accents, punctuation (curly quotes included) or blanks:
 * equality of this form = "the same name as listed". */
static size_t literal_fold(const es_rules *r, const char *s, char *out, size_t cap)
{
	char f[FOLD_MAX];
	es_rules_fold(r, s, f, sizeof f);
	size_t n = 0;
	for (const char *t = f; *t && n + 1 < cap; t++)
		if (*t != ' ')
			out[n++] = *t;
	out[n] = '\0';
	return n;
}

/* ASCII case-insensitive substring test. */
static bool ci_contains(const char *hay, const char *needle)
{
	size_t nl = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, nl) == 0)
			return true;
	return false;
}

static const list_action *action_for(const es_rules *r, const es_rec *rec)
{
	const list_action *a = r->actions.v, *any = NULL;
	const char *src = es_source_id(rec->source);
	for (size_t i = 0; i < r->actions.n; i++) {
		if (strcmp(a[i].source, src) != 0)
			continue;
		if (rec->list && strcmp(a[i].list, rec->list) == 0)
			return &a[i];
		if (strcmp(a[i].list, "*") == 0 && !any)
			any = &a[i];
	}
	return any;
}

static bool country_contradicts(const dctx *c, const es_party *p, const es_rec *rec)
{
	if (!p->country || rec->n_countries == 0)
		return false;
	for (size_t i = 0; i < rec->n_countries; i++) {
		const char *lc = rec->countries[i];
		if (strcmp(lc, p->country) == 0)
			return false;
		if (in(c, G_SAME_CN, lc) && in(c, G_SAME_CN, p->country))
			return false;
	}
	return true;
}

/* The listed countries include the party's: the match is corroborated. */
static bool corroborated(const dctx *c, const es_party *p, const es_rec *rec)
{
	return p->country && rec->n_countries && !country_contradicts(c, p, rec);
}

static bool item_needs_exception(const es_order *o, const es_rules *r)
{
	for (size_t i = 0; i < o->n_items; i++) {
		const eccn_row *row = o->items[i].eccn ? eccn_lookup(r, o->items[i].eccn) : NULL;
		enc_kind ek = enc_of(o->items[i].enc);
		if (row && row->cls == CLS_ENCRYPTION && (ek == ENC_B1 || ek == ENC_B2 || ek == ENC_B3))
			return true;
		if (!row && o->items[i].eccn)
			return true; /* unknown classification: assume the worst */
	}
	return false;
}

static bool item_in_supp2(const es_order *o, const es_rules *r)
{
	for (size_t i = 0; i < o->n_items; i++) {
		const eccn_row *row = o->items[i].eccn ? eccn_lookup(r, o->items[i].eccn) : NULL;
		if (row && row->supp2)
			return true;
	}
	return false;
}

static void use_hit(dctx *c, size_t hi, es_decision d)
{
	es_result *res = c->res;
	for (size_t i = 0; i < res->n_hits; i++)
		if (res->hits[i].hit == hi) {
			if (d > res->hits[i].action)
				res->hits[i].action = d;
			return;
		}
	if (res->n_hits < ES_MAX_HIT_USES)
		res->hits[res->n_hits++] = (es_hit_use){hi, d};
}

/* The action a strong match on a listed party takes, given the order. */
static es_decision list_decision(const dctx *c, const list_action *la, const es_rec *rec, const char **detail)
{
	*detail = "";
	switch (la->cond) {
	case COND_ENTRY_TEXT:
		if (rec->license_requirement && *rec->license_requirement &&
		    !ci_contains(rec->license_requirement, "all items")) {
			*detail = ": the entry's licence requirement is narrower than all items, check it covers these items";
			return ES_DEC_REVIEW;
		}
		*detail = ": licence required for all items subject to the EAR";
		return la->action;
	case COND_SUPP2:
		if (item_in_supp2(c->o, c->r)) {
			*detail = ": an item is in Supp. 2 to Part 744";
			return la->action;
		}
		*detail = ": no item in Supp. 2 to Part 744, review";
		return ES_DEC_REVIEW;
	case COND_EXCEPTION:
		if (item_needs_exception(c->o, c->r)) {
			*detail = ": no licence exception may be used (ENC item)";
			return la->action;
		}
		*detail = ": NLR shipment needs a UVL statement and AES filing";
		return ES_DEC_REVIEW;
	case COND_RU_BY:
		if (in(c, G_RUBY, c->dest)) {
			*detail = ": destination RU/BY";
			return ES_DEC_LICENSE;
		}
		return ES_DEC_REVIEW;
	default:
		return la->action;
	}
}

static void party_hits(dctx *c, const es_party_hit *hits, size_t n_hits)
{
	const es_rules *r = c->r;
	const es_order *o = c->o;
	size_t per_party[ES_ORDER_MAX_PARTIES] = {0};
	for (size_t hi = 0; hi < n_hits; hi++) {
		const es_party_hit *h = &hits[hi];
		if (h->party >= o->n_parties)
			continue;
		const es_party *p = &o->parties[h->party];
		int pi = (int)h->party;
		const list_action *la = action_for(r, &h->rec);
		const char *code = la ? la->code : "OTHER_LIST";
		const char *cit = la ? la->citation : "";
		char pf[ES_ORDER_MAX_FIELD * 4 + 8], lf[ES_ORDER_MAX_FIELD * 4 + 8];
		literal_fold(r, p->name, pf, sizeof pf);
		literal_fold(r, h->matched_name, lf, sizeof lf);
		/* literal: the listed name as written, or its "SURNAME, Given" turned
		 * "Given SURNAME" (the matcher's same_words) */
		bool literal = !h->by_address && ((pf[0] && strcmp(pf, lf) == 0) || h->same_words);
		bool strong = !h->by_address && h->score >= r->strong && (!r->literal || literal);
		/* an OFAC file entry often carries no country while its CSL copy (same entry id)
		 * does: corroborate with the copy's countries */
		const es_rec *cr = &h->rec;
		for (size_t k = 0; k < n_hits && cr->n_countries == 0; k++)
			if (k != hi && hits[k].party == h->party && !hits[k].by_address && hits[k].rec.n_countries &&
			    hits[k].rec.entry_id && h->rec.entry_id && strcmp(hits[k].rec.entry_id, h->rec.entry_id) == 0)
				cr = &hits[k].rec;
		/* a branch or office of a listed party (the name contains the
		 * listed one) is abroad by nature: its country contradicts nothing */
		bool contra = h->by != ES_MATCH_BY_CONTAINS && country_contradicts(c, p, cr);
		msg_args a = {.name = p->name, .entry = h->rec.name, .list = h->rec.list ? h->rec.list : "?",
			      .source = es_source_id(h->rec.source), .score = h->score, .country = p->country};
		es_decision d = ES_DEC_CLEAR;
		if (is_owner(p)) {
			/* a declared owner is not a party to the export: the ownership rules decide */
			char det[80];
			if (p->ownership_known)
				snprintf(det, sizeof det, "%g %% owner", p->ownership_percent);
			else
				snprintf(det, sizeof det, "share unknown");
			a.detail = det;
			if (!strong || contra) {
				if (h->score >= r->review && !h->by_address && (!contra || h->score >= r->contradicted)) {
					d = ES_DEC_REVIEW;
					add(c, "OWNER_FUZZY", d, pi, NULL, &a);
				}
			} else if (!la || la->affiliates == AFF_NO) {
				d = ES_DEC_REVIEW;
				add(c, "OWNER_LISTED", d, pi, NULL, &a);
			} else if (!p->ownership_known) {
				d = ES_DEC_REVIEW;
				add(c, "OWNER_LISTED_PERCENT_UNKNOWN", d, pi, NULL, &a);
			} else if (p->ownership_percent < r->own_pct) {
				d = ES_DEC_REVIEW;
				add(c, "OWNER_LISTED_MINORITY", d, pi, NULL, &a);
			} else if (la->affiliates == AFF_OFAC) {
				d = ES_DEC_PROHIBITED;
				add(c, "OWNER_BLOCKED", d, pi, NULL, &a);
			} else if (c->date < r->aff_eff || (c->date >= r->aff_from && c->date <= r->aff_to)) {
				d = ES_DEC_REVIEW;
				add(c, "OWNER_LISTED_SUSPENDED", d, pi, NULL, &a);
			} else {
				/* the owned company inherits the list's own condition: an MEU
				 * owner restricts Supp. 2 items only */
				const char *unused = "";
				d = list_decision(c, la, &h->rec, &unused);
				add(c, "OWNER_LISTED_AFFILIATES", d, pi, NULL, &a);
			}
		} else if (h->by_address) {
			bool consignee = p->role == ES_ROLE_SHIP_TO || p->role == ES_ROLE_END_USER ||
					 p->role == ES_ROLE_INTERMEDIATE;
			if (h->rec.address_only && consignee && la && la->cond == COND_ENTRY_TEXT) {
				const char *det;
				d = list_decision(c, la, &h->rec, &det);
				add(c, "ADDRESS_ONLY_ENTRY", d, pi, cit, &a);
			} else {
				d = ES_DEC_REVIEW;
				add(c, "ADDRESS_MATCH", d, pi, NULL, &a);
			}
		} else if (strong && !contra) {
			const char *det = "";
			d = la ? list_decision(c, la, &h->rec, &det) : ES_DEC_REVIEW;
			a.detail = det;
			add(c, code, d, pi, cit, &a);
		} else if (strong) {
			char lc[64] = "";
			for (size_t i = 0; i < h->rec.n_countries && strlen(lc) + 4 < sizeof lc; i++) {
				strcat(lc, i ? " " : "");
				strcat(lc, h->rec.countries[i]);
			}
			a.detail = lc;
			d = ES_DEC_REVIEW;
			add(c, "LIST_MATCH_COUNTRY_MISMATCH", d, pi, NULL, &a);
		} else if (contra ? h->score >= r->contradicted
				  : h->score >= r->review || (corroborated(c, p, cr) && h->score >= r->corroborated)) {
			d = ES_DEC_REVIEW;
			add(c, "FUZZY_MATCH", d, pi, NULL, &a);
		}
		if (d != ES_DEC_CLEAR && per_party[h->party] < r->max_hits) {
			per_party[h->party]++;
			use_hit(c, hi, d);
		}
	}
}

void es_rules_decide(const es_rules *r, const es_order *o, const es_party_hit *hits, size_t n_hits,
		     const es_rules_ctx *ctx, es_result *res)
{
	dctx c = {.r = r, .o = o, .res = res};
	res->decision = ES_DEC_CLEAR;
	res->n_reasons = res->n_dropped = res->n_hits = 0;
	char buf[64];

	if (ctx && ctx->stale) {
		snprintf(buf, sizeof buf, "%ld", ctx->max_age_days);
		msg_args a = {.detail = buf};
		add(&c, "LISTS_STALE", ES_DEC_REVIEW, -1, NULL, &a);
	}

	/* the date the order is judged at: its ship_date, else today */
	time_t now = ctx && ctx->now ? ctx->now : time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	c.date = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
	if (o->ship_date) {
		int d;
		if (parse_date(o->ship_date, &d) == 0) {
			c.date = d;
		} else {
			msg_args a = {.detail = o->ship_date};
			add(&c, "SHIP_DATE_INVALID", ES_DEC_REVIEW, -1, NULL, &a);
			c.date = 99991231; /* fail closed: every dated rule in force */
		}
	}

	/* ultimate destination: stated, else end user's, ship-to's, buyer's country */
	c.dest = o->destination;
	static const es_role pref[] = {ES_ROLE_END_USER, ES_ROLE_SHIP_TO, ES_ROLE_BUYER};
	for (size_t k = 0; k < 3 && !c.dest; k++)
		for (size_t i = 0; i < o->n_parties && !c.dest; i++)
			if (o->parties[i].role == pref[k])
				c.dest = o->parties[i].country;
	if (!c.dest)
		add(&c, "MISSING_DESTINATION", ES_DEC_REVIEW, -1, NULL, NULL);

	/* items */
	if (!o->items_given || o->n_items == 0)
		add(&c, "MISSING_ITEMS", ES_DEC_REVIEW, -1, NULL, NULL);
	for (size_t i = 0; i < o->n_items; i++) {
		const es_item *it = &o->items[i];
		msg_args a = {.eccn = it->eccn, .detail = it->enc};
		if (!it->eccn || !*it->eccn) {
			add(&c, "MISSING_ECCN", ES_DEC_REVIEW, -1, NULL, &a);
			continue;
		}
		const eccn_row *row = eccn_lookup(r, it->eccn);
		enc_kind ek = enc_of(it->enc);
		if (!row)
			add(&c, "UNKNOWN_ECCN", ES_DEC_REVIEW, -1, NULL, &a);
		if (ek == ENC_BAD)
			add(&c, "BAD_ENC", ES_DEC_REVIEW, -1, NULL, &a);
		else if (row && row->cls == CLS_ENCRYPTION && ek == ENC_MISSING)
			add(&c, "MISSING_ENC", ES_DEC_REVIEW, -1, NULL, &a);
		else if (row && row->cls == CLS_ENCRYPTION && ek == ENC_MASS)
			add(&c, "ENC_MISMATCH", ES_DEC_REVIEW, -1, NULL, &a);
	}

	/* a declared wholly-owning parent in A:5/A:6 (or the US) makes a RU/BY end user civil */
	for (size_t i = 0; i < o->n_parties; i++) {
		const es_party *p = &o->parties[i];
		if (is_owner(p) && p->ownership_known && p->ownership_percent >= 100 && p->country &&
		    in(&c, G_A5A6, p->country) && !in(&c, G_RUBY, p->country))
			c.civil_parent = p;
	}

	/* a military / intelligence / police end use re-types the end users, as their names do */
	const char *use_kw = NULL;
	es_eu_type use_t = ES_EU_UNKNOWN;
	char fuse[FOLD_MAX];
	if (o->end_use) {
		es_rules_fold(r, o->end_use, fuse, sizeof fuse);
		if (!keyword_hit(r, "not_military", fuse, false, false))
			use_t = keyword_type(r, fuse, &use_kw);
	}

	/* end users: red flags, keyword re-typing, end-user rules */
	bool have_eu = false;
	for (size_t i = 0; i < o->n_parties; i++)
		have_eu |= o->parties[i].role == ES_ROLE_END_USER;
	if (!have_eu)
		add(&c, "MISSING_END_USER", ES_DEC_REVIEW, -1, NULL, NULL);
	char fname[FOLD_MAX], faddr[FOLD_MAX];
	const char *big = high_end_item(r, o);
	for (size_t i = 0; i < o->n_parties; i++) {
		const es_party *p = &o->parties[i];
		bool eu = p->role == ES_ROLE_END_USER || (!have_eu && p->role == ES_ROLE_SHIP_TO);
		if (!eu)
			continue;
		int pi = (int)i;
		msg_args a = {.name = p->name};
		es_rules_fold(r, p->name, fname, sizeof fname);
		es_rules_fold(r, p->address, faddr, sizeof faddr);
		if (keyword_hit(r, "unspecified", fname, true, false) ||
		    keyword_hit(r, "unspecified_prefix", fname, false, true))
			add(&c, "END_USER_UNSPECIFIED", ES_DEC_REVIEW, pi, NULL, &a);
		if (keyword_hit(r, "forwarder", fname, false, false))
			add(&c, "FORWARDER_END_USER", ES_DEC_REVIEW, pi, NULL, &a);
		if (keyword_hit(r, "ftz", faddr, false, false) || keyword_hit(r, "ftz", fname, false, false))
			add(&c, "FREE_TRADE_ZONE", ES_DEC_REVIEW, pi, NULL, &a);
		es_eu_type t = p->eu_type;
		bool type_known = t != ES_EU_UNKNOWN && t != ES_EU_OTHER;
		if (t == ES_EU_OTHER) {
			msg_args b = a;
			b.detail = p->type;
			add(&c, "UNKNOWN_END_USER_TYPE", ES_DEC_REVIEW, pi, NULL, &b);
		}
		if (t != ES_EU_MILITARY && t != ES_EU_POLICE && t != ES_EU_INTELLIGENCE &&
		    !keyword_hit(r, "not_military", fname, false, false)) {
			/* the name outranks a 'commercial' label: re-type and judge as such */
			const char *kw = NULL;
			es_eu_type kt = keyword_type(r, fname, &kw);
			if (kt != ES_EU_UNKNOWN) {
				/* a government label with a military/police name is re-typed quietly:
				 * the label was not wrong, only unspecific */
				if (t != ES_EU_GOVERNMENT) {
					char det[160];
					size_t kl = strlen(kw);
					snprintf(det, sizeof det, "%s end user ('%.*s'), though typed '%s'",
						 es_eu_type_name(kt), kl > 2 ? (int)(kl - 2) : 0, kw + 1,
						 p->type ? p->type : "-");
					msg_args b = a;
					b.detail = det;
					add(&c, "KEYWORD_END_USER", ES_DEC_REVIEW, pi, NULL, &b);
				}
				t = kt;
				type_known = true;
			} else if (use_t != ES_EU_UNKNOWN) {
				t = use_t; /* END_USE_RED_FLAG below gives the reason */
				type_known = true;
			}
		}
		/* core routers for a private person or a corner shop (rules.md §5 item 6) */
		if (big && (t == ES_EU_INDIVIDUAL || keyword_hit(r, "retail_business", fname, false, false))) {
			msg_args b = a;
			b.detail = big;
			add(&c, "PRODUCT_MISMATCH", ES_DEC_REVIEW, pi, NULL, &b);
		}
		const char *cc = p->country;
		if (!cc) {
			add(&c, "MISSING_END_USER_COUNTRY", ES_DEC_REVIEW, pi, NULL, &a);
			cc = c.dest;
		}
		end_user_rules(&c, pi, fname, cc, t, type_known);
		if (c.dest && cc != c.dest && strcmp(cc, c.dest) != 0)
			end_user_rules(&c, pi, fname, c.dest, t, type_known);
	}

	/* countries: destination first, then every party that takes part in the export */
	country_rules(&c, c.dest, -1);
	for (size_t i = 0; i < o->n_parties; i++) {
		const es_party *p = &o->parties[i];
		if (is_owner(p))
			continue;
		const char *cc = p->country ? p->country : (p->role == ES_ROLE_END_USER ? c.dest : NULL);
		region_rules(&c, (int)i);
		if (!cc || (c.dest && strcmp(cc, c.dest) == 0))
			continue;
		country_rules(&c, cc, (int)i);
		if (in(&c, G_DIVERT, cc)) {
			msg_args a = {.name = p->name, .country = cc, .detail = c.dest ? c.dest : "unknown"};
			add(&c, "DIVERSION_RISK", ES_DEC_REVIEW, (int)i, NULL, &a);
		}
	}

	/* a payer in a country no other party of the order is in: payment from an
	 * unrelated third country */
	for (size_t i = 0; i < o->n_parties; i++) {
		const es_party *p = &o->parties[i];
		if (p->role != ES_ROLE_PAYER || !p->country || (c.dest && strcmp(p->country, c.dest) == 0))
			continue;
		bool related = false;
		for (size_t j = 0; j < o->n_parties && !related; j++)
			related = j != i && o->parties[j].role != ES_ROLE_PAYER && o->parties[j].country &&
				  strcmp(o->parties[j].country, p->country) == 0;
		if (!related) {
			msg_args a = {.name = p->name, .country = p->country};
			add(&c, "PAYER_THIRD_COUNTRY", ES_DEC_REVIEW, (int)i, NULL, &a);
		}
	}

	/* order-level red flags */
	if (o->payment_terms) {
		char f[FOLD_MAX];
		es_rules_fold(r, o->payment_terms, f, sizeof f);
		if (keyword_hit(r, "payment", f, false, false)) {
			msg_args a = {.detail = o->payment_terms};
			add(&c, "PAYMENT_RED_FLAG", ES_DEC_REVIEW, -1, NULL, &a);
		}
	}
	if (o->n_services_declined) {
		char det[256] = "";
		for (size_t i = 0; i < o->n_services_declined; i++) {
			if (i)
				strncat(det, ", ", sizeof det - strlen(det) - 1);
			strncat(det, o->services_declined[i], sizeof det - strlen(det) - 1);
		}
		msg_args a = {.detail = det};
		add(&c, "SERVICES_DECLINED", ES_DEC_REVIEW, -1, NULL, &a);
	}
	if (o->end_use) {
		const char *kw = use_kw;
		if (!kw && keyword_hit(r, "unspecified", fuse, true, false))
			kw = " no real end use ";
		if (kw) {
			char det[128];
			size_t kl = strlen(kw);
			snprintf(det, sizeof det, "'%.*s'", kl > 2 ? (int)(kl - 2) : 0, kw + 1);
			msg_args a = {.detail = det};
			add(&c, "END_USE_RED_FLAG", ES_DEC_REVIEW, -1, NULL, &a);
		}
	}

	party_hits(&c, hits, n_hits);
}
