/* es_rules_load — reading the rules data files of lists/rules/ (see es_rules.h).
 * Every line is checked; an error names file:line and what is wrong with it. */
#include "es_rules_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "es_io.h"
#include "es_match.h"
#include "es_text.h"
#include "es_utf8.h"

#define RULES_MAX_FILE (4u << 20)

const char *const rules_group_names[G_COUNT] = {
	"E1", "E2", "D1", "D5", "ENC_SUPP3", "EMBARGO", "SYRIA_2025", "RU_BY", "MIL_END_USER",
	"MIL_END_USER_UNCERTAIN", "MIL_INTEL", "MIL_INTEL_UNCERTAIN", "GOV_BLOCKED", "NS1_EXEMPT", "A5A6",
	"DOMESTIC", "HUB", "DIVERSION_TARGET", "SAME_AS_CN", "UA_REGION_ADDRESSES", "RU_POSTAL_CODES",
};

/* policy.tsv keys every rules set must state (no defaults in C) */
enum {
	P_STRONG, P_REVIEW, P_LITERAL, P_CORROBORATED, P_CONTRADICTED, P_OWN_PCT, P_AFF_EFF, P_AFF_FROM, P_AFF_TO,
	P_MAX_HITS, P_ADDR_LISTS, P_HIGH_END, P_EL_ALL_ITEMS, P_NEG_WINDOW, P_LANG_WINDOW, P_COUNT
};
static const char *const policy_keys[P_COUNT] = {
	"strong_threshold", "review_threshold", "strong_requires_literal", "corroborated_review_threshold",
	"contradicted_review_threshold", "ownership_percent_threshold", "affiliates_rule_effective",
	"affiliates_suspended_from", "affiliates_suspended_to", "max_hits_per_party", "address_match_lists",
	"high_end_sku_prefixes", "entity_list_all_items_text", "free_text_negation_words",
	"free_text_language_words",
};

typedef struct {
	es_rules *r;
	bool policy_seen[P_COUNT];
} loader;

static int cc_index(const char *cc)
{
	if (!cc || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' || cc[2])
		return -1;
	return (cc[0] - 'A') * 26 + (cc[1] - 'A');
}

static bool group_has(const es_rules *r, int group, const char *cc)
{
	int i = cc_index(cc);
	return i >= 0 && (r->groups[group].bits[i / 8] >> (i % 8)) & 1;
}

bool rules_in(const dctx *c, int group, const char *cc)
{
	return group_has(c->r, group, cc);
}

typedef es_code (*line_fn)(loader *l, char **cols, int n, const char *where, es_err *err);

/* Calls fn for every data line of lists_dir/rules/name, split at tabs. */
static es_code load_file(loader *l, const char *lists_dir, const char *name, line_fn fn, es_err *err)
{
	es_code rc = ES_OK;
	char rel[128], *path = NULL, *buf = NULL, *cursor;
	size_t len;
	long lineno = 0;
	snprintf(rel, sizeof rel, "rules/%s", name);
	if (!(path = es_path_join(lists_dir, rel)))
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if ((rc = es_read_file(path, RULES_MAX_FILE, &buf, &len, err)) != ES_OK)
		goto done;
	if (!es_utf8_valid(buf, len, NULL)) {
		rc = es_err_set(err, ES_EFORMAT, "%s: not valid UTF-8", path);
		goto done;
	}
	cursor = buf;
	for (char *line; (line = es_text_data_line(&cursor, &lineno));) {
		char *cols[16];
		int n = (int)es_text_split_tabs(line, cols, 16);
		char where[600];
		snprintf(where, sizeof where, "%s:%ld", path, lineno);
		if ((rc = fn(l, cols, n, where, err)) != ES_OK)
			goto done;
	}
done:
	free(path);
	free(buf);
	return rc;
}

static es_code oom(es_err *err)
{
	return es_err_set(err, ES_ENOMEM, "out of memory");
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

static es_code ln_group(loader *l, char **cols, int n, const char *where, es_err *err)
{
	if (n < 3)
		return es_err_set(err, ES_EFORMAT, "%s: expected group, codes, citation", where);
	int g = -1;
	for (int i = 0; i < G_COUNT; i++)
		if (strcmp(cols[0], rules_group_names[i]) == 0)
			g = i;
	if (g < 0)
		return ES_OK; /* groups this version does not use are allowed */
	cset *s = &l->r->groups[g];
	char *save = NULL;
	for (char *t = strtok_r(cols[1], " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		int i = cc_index(t);
		if (i < 0)
			return es_err_set(err, ES_EFORMAT, "%s: '%.10s' is not an upper-case alpha-2 code", where, t);
		s->bits[i / 8] |= (unsigned char)(1u << (i % 8));
	}
	free(s->citation);
	l->r->group_loaded[g] = true;
	return (s->citation = strdup(cols[2])) ? ES_OK : oom(err);
}

static es_code ln_action(loader *l, char **cols, int n, const char *where, es_err *err)
{
	if (n < 8)
		return es_err_set(err, ES_EFORMAT, "%s: expected 8 columns", where);
	list_action *a = es_vec_push(&l->r->actions, sizeof *a);
	if (!a)
		return oom(err);
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
	if (a->affiliates == AFF_NO && strcmp(cols[6], "no") != 0)
		return es_err_set(err, ES_EFORMAT, "%s: affiliates must be bis, ofac or no, not '%.30s'", where,
				  cols[6]);
	a->owner_info = strcmp(cols[7], "info") == 0;
	if (!a->owner_info && strcmp(cols[7], "hold") != 0)
		return es_err_set(err, ES_EFORMAT, "%s: owner must be hold or info, not '%.30s'", where, cols[7]);
	if (!(a->source = strdup(cols[0])) || !(a->list = strdup(cols[1])) || !(a->code = strdup(cols[4])) ||
	    !(a->citation = strdup(cols[5])))
		return oom(err);
	return ES_OK;
}

static es_code ln_eccn(loader *l, char **cols, int n, const char *where, es_err *err)
{
	if (n < 4)
		return es_err_set(err, ES_EFORMAT, "%s: expected prefix, class, supp2, carve-out", where);
	eccn_row *e = es_vec_push(&l->r->eccns, sizeof *e);
	if (!e)
		return oom(err);
	e->cls = strcmp(cols[1], "ear99") == 0	       ? CLS_EAR99
		 : strcmp(cols[1], "encryption") == 0  ? CLS_ENCRYPTION
		 : strcmp(cols[1], "mass_market") == 0 ? CLS_MASS_MARKET
		 : strcmp(cols[1], "at_only") == 0     ? CLS_AT_ONLY
						       : CLS_UNKNOWN;
	if (e->cls == CLS_UNKNOWN)
		return es_err_set(err, ES_EFORMAT, "%s: unknown class '%.30s'", where, cols[1]);
	e->supp2 = strcmp(cols[2], "yes") == 0;
	e->carve = strcmp(cols[3], "yes") == 0 ? CARVE_YES : strcmp(cols[3], "enc") == 0 ? CARVE_ENC : CARVE_NO;
	return (e->prefix = strdup(cols[0])) ? ES_OK : oom(err);
}

static es_code ln_region(loader *l, char **cols, int n, const char *where, es_err *err)
{
	static const char *const kinds[] = {"iso", "postal_ua", "postal_ru", "region", "city", "marker"};
	if (n < 6)
		return es_err_set(err, ES_EFORMAT, "%s: expected kind, area, decision, code, as-of date, values", where);
	int k = -1;
	for (int i = 0; i < 6; i++)
		if (strcmp(cols[0], kinds[i]) == 0)
			k = i;
	if (k < 0)
		return es_err_set(err, ES_EFORMAT, "%s: unknown kind '%.30s'", where, cols[0]);
	es_decision d;
	if (parse_decision(cols[2], &d) != 0)
		return es_err_set(err, ES_EFORMAT, "%s: unknown decision '%.30s'", where, cols[2]);
	if (!cols[3][0])
		return es_err_set(err, ES_EFORMAT, "%s: no reason code", where);
	int as_of;
	if (rules_parse_date(cols[4], &as_of) != 0 || strlen(cols[4]) != 10)
		return es_err_set(err, ES_EFORMAT, "%s: '%.20s' is not the date of the control line", where, cols[4]);
	char *save = NULL;
	for (char *t = strtok_r(cols[5], "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		region_row *rr = es_vec_push(&l->r->regions, sizeof *rr);
		if (!rr)
			return oom(err);
		rr->kind = (region_kind)k;
		rr->decision = d;
		char f[512];
		if (k == RK_REGION || k == RK_CITY || k == RK_MARKER)
			es_fold(l->r->fold, t, f, sizeof f);
		else
			snprintf(f, sizeof f, "%s", t);
		if (!(rr->area = strdup(cols[1])) || !(rr->code = strdup(cols[3])) || !(rr->value = strdup(f)))
			return oom(err);
	}
	return ES_OK;
}

/* kind: the keyword kind every phrase gets; cc: the country (or "") */
static es_code add_phrases(loader *l, const char *kind, const char *cc, char *phrases, es_err *err)
{
	char *save = NULL;
	for (char *t = strtok_r(phrases, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		keyword *k = es_vec_push(&l->r->keywords, sizeof *k);
		if (!k)
			return oom(err);
		char f[512];
		es_fold(l->r->fold, t, f, sizeof f);
		if (!(k->kind = strdup(kind)) || !(k->phrase = strdup(f)))
			return oom(err);
		k->plen = strlen(k->phrase);
		snprintf(k->cc, sizeof k->cc, "%s", cc);
		if (*cc && !(k->text = strdup(t)))
			return oom(err);
	}
	return ES_OK;
}

static es_code ln_keyword(loader *l, char **cols, int n, const char *where, es_err *err)
{
	if (n < 2)
		return es_err_set(err, ES_EFORMAT, "%s: expected kind, phrases", where);
	return add_phrases(l, cols[0], "", cols[1], err);
}

static es_code ln_country_name(loader *l, char **cols, int n, const char *where, es_err *err)
{
	if (n < 3)
		return es_err_set(err, ES_EFORMAT, "%s: expected country, language, phrases", where);
	if (cc_index(cols[0]) < 0)
		return es_err_set(err, ES_EFORMAT, "%s: '%.10s' is not an upper-case alpha-2 code", where, cols[0]);
	return add_phrases(l, "country", cols[0], cols[2], err);
}

static es_code ln_false_friend(loader *l, char **cols, int n, const char *where, es_err *err)
{
	if (n < 2)
		return es_err_set(err, ES_EFORMAT, "%s: expected category, phrases", where);
	return add_phrases(l, "false_friend", "", cols[1], err);
}

static es_code ln_citation(loader *l, char **cols, int n, const char *where, es_err *err)
{
	if (n < 3)
		return es_err_set(err, ES_EFORMAT, "%s: expected code, country, citation", where);
	if (cc_index(cols[1]) < 0)
		return es_err_set(err, ES_EFORMAT, "%s: '%.10s' is not an upper-case alpha-2 code", where, cols[1]);
	country_citation *cit = es_vec_push(&l->r->citations, sizeof *cit);
	if (!cit || !(cit->code = strdup(cols[0])) || !(cit->citation = strdup(cols[2])))
		return oom(err);
	snprintf(cit->cc, sizeof cit->cc, "%s", cols[1]);
	return ES_OK;
}

static es_code ln_reason(loader *l, char **cols, int n, const char *where, es_err *err)
{
	if (n < 3)
		return es_err_set(err, ES_EFORMAT, "%s: expected code, citation, message", where);
	reason_row *rr = es_vec_push(&l->r->reasons, sizeof *rr);
	if (!rr)
		return oom(err);
	if (!(rr->code = strdup(cols[0])) || !(rr->citation = strdup(cols[1])) || !(rr->tmpl = strdup(cols[2])))
		return oom(err);
	return ES_OK;
}

static es_code ln_policy(loader *l, char **cols, int n, const char *where, es_err *err)
{
	es_rules *r = l->r;
	if (n < 2)
		return es_err_set(err, ES_EFORMAT, "%s: expected key, value", where);
	const char *k = cols[0], *v = cols[1];
	int key = -1;
	for (int i = 0; i < P_COUNT; i++)
		if (strcmp(k, policy_keys[i]) == 0)
			key = i;
	char *end;
	double d = strtod(v, &end);
	bool num = end != v && *end == '\0', ok = num;
	switch (key) {
	case P_STRONG: r->strong = d; break;
	case P_REVIEW:
		ok = num || strcmp(v, "matcher_default") == 0;
		r->review = num ? d : ES_MATCH_DEFAULT_THRESHOLD; /* the matcher's tuned value (README) */
		break;
	case P_CORROBORATED: r->corroborated = d; break;
	case P_CONTRADICTED: r->contradicted = d; break;
	case P_OWN_PCT: r->own_pct = d; break;
	case P_MAX_HITS:
		ok = num && d >= 1 && d <= 16;
		r->max_hits = (size_t)d;
		break;
	case P_ADDR_LISTS: ok = snprintf(r->addr_lists, sizeof r->addr_lists, " %s ", v) < (int)sizeof r->addr_lists; break;
	case P_HIGH_END: ok = snprintf(r->high_end, sizeof r->high_end, " %s ", v) < (int)sizeof r->high_end; break;
	case P_EL_ALL_ITEMS:
		ok = *v && snprintf(r->el_all_items, sizeof r->el_all_items, "%s", v) < (int)sizeof r->el_all_items;
		break;
	case P_NEG_WINDOW:
		ok = num && d >= 0 && d <= 32;
		r->negation_window = (size_t)d;
		break;
	case P_LANG_WINDOW:
		ok = num && d >= 0 && d <= 32;
		r->language_window = (size_t)d;
		break;
	case P_LITERAL:
		ok = strcmp(v, "yes") == 0 || strcmp(v, "no") == 0;
		r->literal = strcmp(v, "yes") == 0;
		break;
	case P_AFF_EFF: ok = rules_parse_date(v, &r->aff_eff) == 0; break;
	case P_AFF_FROM: ok = rules_parse_date(v, &r->aff_from) == 0; break;
	case P_AFF_TO: ok = rules_parse_date(v, &r->aff_to) == 0; break;
	default: ok = false;
	}
	if (!ok)
		return es_err_set(err, ES_EFORMAT, "%s: unknown key or bad value '%.40s'", where, k);
	l->policy_seen[key] = true;
	return ES_OK;
}

void es_rules_free(es_rules *r)
{
	if (!r)
		return;
	for (int g = 0; g < G_COUNT; g++)
		free(r->groups[g].citation);
	list_action *a = r->actions.data;
	for (size_t i = 0; i < r->actions.n; i++) {
		free(a[i].source);
		free(a[i].list);
		free(a[i].code);
		free(a[i].citation);
	}
	eccn_row *e = r->eccns.data;
	for (size_t i = 0; i < r->eccns.n; i++)
		free(e[i].prefix);
	region_row *rr = r->regions.data;
	for (size_t i = 0; i < r->regions.n; i++) {
		free(rr[i].area);
		free(rr[i].code);
		free(rr[i].value);
	}
	keyword *k = r->keywords.data;
	for (size_t i = 0; i < r->keywords.n; i++) {
		free(k[i].kind);
		free(k[i].phrase);
		free(k[i].text);
	}
	reason_row *re = r->reasons.data;
	for (size_t i = 0; i < r->reasons.n; i++) {
		free(re[i].code);
		free(re[i].citation);
		free(re[i].tmpl);
	}
	es_vec_free(&r->actions);
	es_vec_free(&r->eccns);
	es_vec_free(&r->regions);
	es_vec_free(&r->keywords);
	es_vec_free(&r->reasons);
	country_citation *cit = r->citations.data;
	for (size_t i = 0; i < r->citations.n; i++) {
		free(cit[i].code);
		free(cit[i].citation);
	}
	es_vec_free(&r->citations);
	free(r->kinds);
	es_map64_free(&r->kw_first);
	es_folder_free(r->fold);
	free(r);
}

/* Keywords are sorted by (kind, phrase); a kind's phrases form one range. Because
 * phrases are " a b " and ' ' sorts before every token byte, the sort order is also
 * the order of their first tokens, so a text is matched by looking up each of its
 * tokens instead of scanning every phrase (rules_keyword). */
static int kw_cmp(const void *a, const void *b)
{
	const keyword *x = a, *y = b;
	int c = strcmp(x->kind, y->kind);
	return c ? c : strcmp(x->phrase, y->phrase);
}

static es_code index_keywords(es_rules *r, es_err *err)
{
	if (!r->keywords.n)
		return ES_OK;
	qsort(r->keywords.data, r->keywords.n, sizeof(keyword), kw_cmp);
	const keyword *k = r->keywords.data;
	if (!(r->kinds = calloc(r->keywords.n, sizeof *r->kinds)))
		return oom(err);
	for (size_t i = 0; i < r->keywords.n; i++) {
		if (r->n_kinds && strcmp(r->kinds[r->n_kinds - 1].kind, k[i].kind) == 0) {
			r->kinds[r->n_kinds - 1].hi = i + 1;
			continue;
		}
		r->kinds[r->n_kinds++] = (struct kw_kind){k[i].kind, i, i + 1};
	}
	/* each first token's phrases of a kind, for rules_keyword(_at) */
	for (size_t c = 0; c < r->n_kinds; c++)
		for (size_t i = r->kinds[c].lo; i < r->kinds[c].hi; i++) {
			const char *end = strchr(k[i].phrase + 1, ' ');
			if (!end)
				continue;
			bool fresh;
			uint32_t *slot = es_map64_slot(&r->kw_first,
						       rules_kw_key(r->kinds[c].lo, k[i].phrase + 1,
								    (size_t)(end - k[i].phrase)),
						       &fresh);
			if (!slot)
				return oom(err);
			if (fresh)
				*slot = (uint32_t)i + 1;
		}
	return ES_OK;
}

es_code es_rules_load(es_rules **out, const char *lists_dir, es_err *err)
{
	es_code rc = ES_OK;
	char *aw = NULL;
	loader l = {.r = calloc(1, sizeof *l.r)};
	es_rules *r = l.r;
	*out = NULL;
	if (!r)
		return oom(err);
	if (!(aw = es_path_join(lists_dir, "rules/address_words.tsv"))) {
		rc = oom(err);
		goto done;
	}
	if ((rc = es_folder_load(&r->fold, aw, err)) != ES_OK ||
	    (rc = load_file(&l, lists_dir, "country_groups.tsv", ln_group, err)) != ES_OK ||
	    (rc = load_file(&l, lists_dir, "list_actions.tsv", ln_action, err)) != ES_OK ||
	    (rc = load_file(&l, lists_dir, "eccn.tsv", ln_eccn, err)) != ES_OK ||
	    (rc = load_file(&l, lists_dir, "ukraine_regions.tsv", ln_region, err)) != ES_OK ||
	    (rc = load_file(&l, lists_dir, "keywords.tsv", ln_keyword, err)) != ES_OK ||
	    (rc = load_file(&l, lists_dir, "false_friends.tsv", ln_false_friend, err)) != ES_OK ||
	    (rc = load_file(&l, lists_dir, "country_names.tsv", ln_country_name, err)) != ES_OK ||
	    (rc = load_file(&l, lists_dir, "country_citations.tsv", ln_citation, err)) != ES_OK ||
	    (rc = load_file(&l, lists_dir, "reasons.tsv", ln_reason, err)) != ES_OK ||
	    (rc = load_file(&l, lists_dir, "policy.tsv", ln_policy, err)) != ES_OK ||
	    (rc = index_keywords(r, err)) != ES_OK)
		goto done;
	for (int g = 0; g < G_COUNT; g++)
		if (!r->group_loaded[g]) {
			rc = es_err_set(err, ES_EFORMAT, "rules/country_groups.tsv: group %s missing", rules_group_names[g]);
			goto done;
		}
	for (int p = 0; p < P_COUNT; p++)
		if (!l.policy_seen[p]) {
			rc = es_err_set(err, ES_EFORMAT, "rules/policy.tsv: key %s missing", policy_keys[p]);
			goto done;
		}
	*out = r;
	r = NULL;
done:
	free(aw);
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
const es_folder *es_rules_folder(const es_rules *r) { return r->fold; }

bool es_rules_address_list(const es_rules *r, const char *source, const char *list)
{
	char key[128];
	snprintf(key, sizeof key, " %s:%s ", source, list);
	return strstr(r->addr_lists, key) != NULL;
}

bool es_rules_same_country(const es_rules *r, const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return true;
	return group_has(r, G_SAME_CN, a) && group_has(r, G_SAME_CN, b);
}

const list_action *rules_action_for(const es_rules *r, const char *source, const char *list)
{
	const list_action *a = r->actions.data, *any = NULL;
	for (size_t i = 0; i < r->actions.n; i++) {
		if (strcmp(a[i].source, source) != 0)
			continue;
		if (list && strcmp(a[i].list, list) == 0)
			return &a[i];
		if (strcmp(a[i].list, "*") == 0 && !any)
			any = &a[i];
	}
	return any;
}

es_decision es_rules_list_action(const es_rules *r, const char *source, const char *list)
{
	const list_action *a = source ? rules_action_for(r, source, list) : NULL;
	return a ? a->action : ES_DEC_REVIEW;
}

const eccn_row *rules_eccn_lookup(const es_rules *r, const char *raw)
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
	const eccn_row *e = r->eccns.data;
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

const char *rules_country_citation(const es_rules *r, const char *code, const char *cc)
{
	const country_citation *cit = r->citations.data;
	for (size_t i = 0; cc && i < r->citations.n; i++)
		if (strcmp(cit[i].cc, cc) == 0 && strcmp(cit[i].code, code) == 0)
			return cit[i].citation;
	return NULL;
}

enc_kind rules_enc_kind(const char *s)
{
	static const char *const names[] = {"b1", "b2", "b3", "mass_market", "none"};
	static const enc_kind kinds[] = {ENC_B1, ENC_B2, ENC_B3, ENC_MASS, ENC_NONE};
	if (!s || !*s)
		return ENC_MISSING;
	for (size_t i = 0; i < 5; i++)
		if (strcasecmp(s, names[i]) == 0)
			return kinds[i];
	/* the paragraph as classifications and ERP exports write it:
	 * "740.17(b)(2)", "ENC (b)(1)", "(b)(3)", "Mass Market", "mass-market" */
	char k[32];
	size_t n = 0;
	const char *p = s;
	if (strncmp(p, "740.17", 6) == 0)
		p += 6;
	else if (strncasecmp(p, "enc", 3) == 0)
		p += 3;
	for (; *p && n + 1 < sizeof k; p++)
		if (*p != ' ' && *p != '(' && *p != ')' && *p != '-' && *p != '_')
			k[n++] = (char)tolower((unsigned char)*p);
	if (*p)
		return ENC_BAD;
	k[n] = '\0';
	if (strcmp(k, "massmarket") == 0)
		return ENC_MASS;
	for (size_t i = 0; i < 3; i++)
		if (strcmp(k, names[i]) == 0)
			return kinds[i];
	return ENC_BAD;
}
