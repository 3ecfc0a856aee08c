/* es_filter — streaming driver (see es_filter.h). */
#include "es_filter.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "es_address.h"
#include "es_decode.h"
#include "es_hash.h"
#include "es_io.h"
#include "es_jsonw.h"
#include "es_order.h"
#include "es_products.h"
#include "es_script.h"

#define READ_CHUNK 65536

/* ---- the filter ---------------------------------------------------------------- */

#define ES_QCACHE_SLOTS 4096
#define ES_QCACHE_HITS 8

typedef struct {
	bool used;
	uint64_t hash;
	char name[120];
	size_t n;
	uint32_t entity[ES_QCACHE_HITS];
	double score[ES_QCACHE_HITS];
	const char *matched[ES_QCACHE_HITS];
	uint8_t by[ES_QCACHE_HITS];
	bool same[ES_QCACHE_HITS];
} es_qslot;

struct es_filter {
	es_filter_config cfg;
	es_qslot *qcache;
	es_order order;
	es_result result;
	es_party_hit *hits;
	size_t hits_cap;
	es_hit *mhits;
	size_t mhits_cap;
	es_address_index *addrs;
	es_buf out;
	es_buf raw;            /* current CSV record (physical lines) */
	es_csv_orders *csv;
	bool crlf;             /* the last line that ended, ended with CRLF */
	const char *decoded_from; /* the input's encoding when decoded (0xFF marks what could not be), else NULL */
	/* records hooks (es_filter_hooks): dispositions per hit, per result hit */
	const es_disposition_view **hdisp;      /* per f->hits[k] */
	const es_disposition_view *rdisp[ES_MAX_HIT_USES];
	es_party_hit *dhits;                    /* hits as the rules see them */
	es_code hook_rc;                        /* first hook failure: stops the run */
	es_err hook_err;
};

static bool address_list(void *arg, const es_rec *r)
{
	return r->list && es_rules_address_list(arg, es_source_id(r->source), r->list);
}

es_code es_filter_new(es_filter **out, const es_filter_config *cfg, es_err *err)
{
	es_code rc = ES_OK;
	es_filter *f = calloc(1, sizeof *f);
	*out = NULL;
	if (!f)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	f->cfg = *cfg;
	f->mhits_cap = es_rules_max_hits(cfg->rules) + 2;
	f->hits_cap = ES_ORDER_MAX_PARTIES * (f->mhits_cap + 2);
	f->mhits = calloc(f->mhits_cap, sizeof *f->mhits);
	f->hits = calloc(f->hits_cap, sizeof *f->hits);
	f->qcache = calloc(ES_QCACHE_SLOTS, sizeof *f->qcache);
	if (!f->mhits || !f->hits || !f->qcache) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto done;
	}
	if (cfg->hooks && cfg->hooks->disposition) {
		f->hdisp = calloc(f->hits_cap, sizeof *f->hdisp);
		f->dhits = calloc(f->hits_cap, sizeof *f->dhits);
		if (!f->hdisp || !f->dhits) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto done;
		}
	}
	if (cfg->matcher && (rc = es_address_index_build(&f->addrs, cfg->matcher, es_rules_folder(cfg->rules),
							  address_list, (void *)cfg->rules, err)) != ES_OK)
		goto done;
	*out = f;
	f = NULL;
done:
	es_filter_free(f);
	return rc;
}

es_code es_filter_set_lists(es_filter *f, const es_matcher *m, const char *list_version, bool lists_stale,
			    es_err *err)
{
	es_address_index *addrs = NULL;
	es_code rc = ES_OK;
	if (m && (rc = es_address_index_build(&addrs, m, es_rules_folder(f->cfg.rules), address_list,
					      (void *)f->cfg.rules, err)) != ES_OK)
		return rc;
	/* the hooks may have gained dispositions with the new set */
	if (f->cfg.hooks && f->cfg.hooks->disposition && !f->hdisp) {
		f->hdisp = calloc(f->hits_cap, sizeof *f->hdisp);
		f->dhits = calloc(f->hits_cap, sizeof *f->dhits);
		if (!f->hdisp || !f->dhits) {
			es_address_index_free(addrs);
			return es_err_set(err, ES_ENOMEM, "out of memory");
		}
	}
	es_address_index_free(f->addrs);
	f->addrs = addrs;
	f->cfg.matcher = m;
	f->cfg.list_version = list_version;
	f->cfg.lists_stale = lists_stale;
	memset(f->qcache, 0, ES_QCACHE_SLOTS * sizeof *f->qcache);
	return ES_OK;
}

void es_filter_free(es_filter *f)
{
	if (!f)
		return;
	es_order_dispose(&f->order);
	es_csv_orders_free(f->csv);
	free(f->hits);
	free(f->mhits);
	free(f->hdisp);
	free(f->dhits);
	free(f->qcache);
	es_address_index_free(f->addrs);
	es_buf_free(&f->out);
	es_buf_free(&f->raw);
	free(f);
}

/* ---- screening one order ------------------------------------------------------ */

static bool addr_role(es_role r)
{
	return r == ES_ROLE_SHIP_TO || r == ES_ROLE_END_USER || r == ES_ROLE_INTERMEDIATE || r == ES_ROLE_BUYER;
}

typedef struct {
	es_filter *f;
	size_t party, nh;
} address_visit;

/* One listed address that matches party v->party's: a hit, unless the countries
 * differ or it is the listed party itself (already hit by name). */
static bool add_address_hit(void *arg, size_t entity, const es_rec *r, size_t addr)
{
	address_visit *v = arg;
	es_filter *f = v->f;
	const es_party *p = &f->order.parties[v->party];
	const es_rec_address *a = &r->addresses[addr];
	(void)entity;
	if (v->nh >= f->hits_cap)
		return false;
	if (p->country && *p->country && a->country[0] && !es_rules_same_country(f->cfg.rules, p->country, a->country))
		return true;
	for (size_t k = 0; k < v->nh; k++)
		if (f->hits[k].party == v->party && f->hits[k].rec.entry_id == r->entry_id)
			return true;
	es_party_hit *h = &f->hits[v->nh++];
	h->party = v->party;
	h->score = 1.0;
	h->by_address = true;
	h->matched_name = es_address_text(a);
	h->rec = *r;
	h->by = ES_MATCH_BY_NAME;
	h->same_words = false;
	return v->nh < f->hits_cap;
}

/* Address hits for party pi (es_address: its street address begins a listed one). */
static size_t address_hits(es_filter *f, size_t pi, size_t nh)
{
	const es_party *p = &f->order.parties[pi];
	if (!addr_role(p->role))
		return nh;
	address_visit v = {f, pi, nh};
	es_address_find(f->addrs, p->address, p->city, add_address_hit, &v);
	return v.nh;
}

/* The matcher's answer for one name. Buyers and resellers recur on order after
 * order and the ship-to is often the end user, so answers are kept in a small
 * direct-mapped cache (fixed size: memory does not grow with the stream). The
 * matcher is read-only, so a cached answer stays exact. */
static es_qslot *qcache_slot(es_filter *f, const char *name, size_t len, uint64_t *h)
{
	*h = es_hash(name, len);
	return &f->qcache[*h % ES_QCACHE_SLOTS];
}

static es_code query_name(es_filter *f, size_t pi, size_t *nh, es_err *err)
{
	const char *name = f->order.parties[pi].name;
	size_t len = strlen(name);
	uint64_t h = 0;
	es_qslot *slot = len < sizeof f->qcache[0].name ? qcache_slot(f, name, len, &h) : NULL;
	if (!slot || !slot->used || slot->hash != h || strcmp(slot->name, name) != 0) {
		es_query q = {.threshold = es_rules_query_threshold(f->cfg.rules), .limit = f->mhits_cap};
		size_t n = 0;
		es_err qe = {0};
		es_code rc = es_matcher_query(f->cfg.matcher, name, &q, f->mhits, f->mhits_cap, &n, &qe);
		if (rc != ES_OK)
			return es_err_set(err, rc, "party %zu: %s", pi, qe.msg[0] ? qe.msg : "cannot screen the name");
		if (!slot || n > ES_QCACHE_HITS) {
			for (size_t k = 0; k < n && *nh < f->hits_cap; k++) {
				es_party_hit *ph = &f->hits[(*nh)++];
				ph->party = pi;
				ph->score = f->mhits[k].score;
				ph->by_address = false;
				ph->matched_name = f->mhits[k].matched_name;
				ph->by = f->mhits[k].by;
				ph->same_words = f->mhits[k].same_words;
				es_matcher_entity(f->cfg.matcher, f->mhits[k].entity, &ph->rec);
			}
			return ES_OK;
		}
		slot->used = true;
		slot->hash = h;
		memcpy(slot->name, name, len + 1);
		slot->n = n;
		for (size_t k = 0; k < slot->n; k++) {
			slot->entity[k] = (uint32_t)f->mhits[k].entity;
			slot->score[k] = f->mhits[k].score;
			slot->matched[k] = f->mhits[k].matched_name;
			slot->by[k] = (uint8_t)f->mhits[k].by;
			slot->same[k] = f->mhits[k].same_words;
		}
	}
	for (size_t k = 0; k < slot->n && *nh < f->hits_cap; k++) {
		es_party_hit *ph = &f->hits[(*nh)++];
		ph->party = pi;
		ph->score = slot->score[k];
		ph->by_address = false;
		ph->matched_name = slot->matched[k];
		ph->by = (es_match_by)slot->by[k];
		ph->same_words = slot->same[k];
		es_matcher_entity(f->cfg.matcher, slot->entity[k], &ph->rec);
	}
	return ES_OK;
}

/* ---- records hook: reviewers' dispositions (docs/records.md) ----------------
 * A false-positive disposition makes its hit inert for the rules (score 0: it
 * raises nothing, but still lends its countries to a copy of the same entry)
 * and the hit goes back into the output with the action it would have had; a
 * true-match disposition makes the rules read its hit as a strong, literal
 * match located in the party's country. Returns false when no disposition
 * applies (decide as usual). */
static bool apply_dispositions(es_filter *f, size_t nh, const es_rules_ctx *ctx)
{
	const es_order *o = &f->order;
	size_t nfp = 0, ntm = 0;
	for (size_t k = 0; k < nh; k++) {
		const es_disposition_view *d = f->cfg.hooks->disposition(f->cfg.hooks->user, o, &f->hits[k]);
		f->hdisp[k] = d;
		nfp += d && !d->true_match;
		ntm += d && d->true_match;
	}
	if (!nfp && !ntm)
		return false;
	es_result all; /* with every hit: the action each cleared hit would have had */
	if (nfp)
		es_rules_decide(f->cfg.rules, o, f->hits, nh, ctx, &all);
	for (size_t k = 0; k < nh; k++) {
		es_party_hit *h = &f->dhits[k];
		*h = f->hits[k];
		const es_disposition_view *d = f->hdisp[k];
		if (!d)
			continue;
		h->by_address = false;
		if (!d->true_match) {
			h->score = 0.0;
			continue;
		}
		/* reviewed as this entry: read as identical to the listed name ... */
		h->score = 1.0;
		h->matched_name = o->parties[h->party].name;
		/* ... and located where the party is: no country contradiction */
		const char *pc = o->parties[h->party].country;
		if (pc && strlen(pc) == 2) {
			h->rec.countries = (const char(*)[3])pc;
			h->rec.n_countries = 1;
		}
	}
	es_rules_decide(f->cfg.rules, o, f->dhits, nh, ctx, &f->result);
	es_result *r = &f->result;
	for (size_t i = 0; i < r->n_hits; i++)
		f->rdisp[i] = f->hdisp[r->hits[i].hit];
	for (size_t i = 0; nfp && i < all.n_hits && r->n_hits < ES_MAX_HIT_USES; i++) {
		const es_disposition_view *d = f->hdisp[all.hits[i].hit];
		if (d && !d->true_match) {
			f->rdisp[r->n_hits] = d;
			r->hits[r->n_hits++] = all.hits[i];
		}
	}
	return true;
}

/* A party name the matcher cannot screen (a script no listed name can be
 * reached from) or that mixes scripts inside a word (look-alike letters) is
 * REVIEW, never a silent CLEAR. */
static void script_reasons(es_filter *f)
{
	const es_order *o = &f->order;
	const es_normalizer *nz = es_matcher_normalizer(f->cfg.matcher);
	for (size_t i = 0; i < o->n_parties; i++) {
		const char *name = o->parties[i].name;
		if (!name)
			continue;
		char det[96];
		unsigned sf = es_normalize_script_flags(nz, name, strlen(name), det, sizeof det);
		if (sf & ES_SCRIPT_UNBRIDGED)
			es_rules_add_review(f->cfg.rules, o, &f->result, "UNSCREENABLE_SCRIPT", (int)i, det);
		if (sf & ES_SCRIPT_MIXED)
			es_rules_add_review(f->cfg.rules, o, &f->result, "MIXED_SCRIPT", (int)i, det);
	}
}

/* Runs the matcher on every party and the rules on the order; fills f->result. */
static es_code screen(es_filter *f, size_t *n_hits, es_err *err)
{
	es_code rc = ES_OK;
	size_t nh = 0;
	const es_order *o = &f->order;
	if (f->cfg.matcher) {
		for (size_t i = 0; i < o->n_parties; i++)
			if ((rc = query_name(f, i, &nh, err)) != ES_OK)
				return rc;
		for (size_t i = 0; i < o->n_parties; i++)
			nh = address_hits(f, i, nh);
	}
	es_rules_ctx ctx = {.stale = f->cfg.lists_stale && !f->cfg.allow_stale,
			    .max_age_days = f->cfg.max_age_days,
			    .now = f->cfg.now};
	if (f->cfg.catalog)
		es_products_classify(f->cfg.catalog, &f->order);
	memset(f->rdisp, 0, sizeof f->rdisp);
	if (!f->hdisp || !apply_dispositions(f, nh, &ctx))
		es_rules_decide(f->cfg.rules, o, f->hits, nh, &ctx, &f->result);
	if (f->cfg.matcher)
		script_reasons(f);
	*n_hits = nh;
	return ES_OK;
}

static void write_reasons(es_filter *f, es_buf *b)
{
	const es_result *r = &f->result;
	es_buf_adds(b, "[");
	for (size_t i = 0; i < r->n_reasons; i++) {
		const es_reason *rs = &r->reasons[i];
		if (i)
			es_buf_adds(b, ",");
		es_buf_adds(b, "{\"code\":");
		es_jsonw_cstr(b, rs->code);
		es_buf_adds(b, ",\"decision\":");
		es_jsonw_cstr(b, es_decision_name(rs->decision));
		if (rs->party >= 0) {
			es_buf_adds(b, ",\"role\":");
			es_jsonw_cstr(b, es_role_name(f->order.parties[rs->party].role));
			es_buf_printf(b, ",\"party\":%d", rs->party);
		} else {
			es_buf_adds(b, ",\"role\":null,\"party\":null");
		}
		es_buf_adds(b, ",\"message\":");
		es_jsonw_cstr(b, rs->message);
		es_buf_adds(b, ",\"citation\":");
		es_jsonw_cstr(b, rs->citation);
		es_buf_adds(b, "}");
	}
	es_buf_adds(b, "]");
}

static void write_hits(es_filter *f, es_buf *b)
{
	const es_result *r = &f->result;
	es_buf_adds(b, "[");
	for (size_t i = 0; i < r->n_hits; i++) {
		const es_party_hit *h = &f->hits[r->hits[i].hit];
		if (i)
			es_buf_adds(b, ",");
		es_buf_adds(b, "{\"role\":");
		es_jsonw_cstr(b, es_role_name(f->order.parties[h->party].role));
		es_buf_printf(b, ",\"party\":%zu,\"score\":%.3f,\"source\":", h->party, h->score);
		es_jsonw_cstr(b, es_source_id(h->rec.source));
		es_buf_adds(b, ",\"list\":");
		es_jsonw_cstr(b, h->rec.list);
		es_buf_adds(b, ",\"entry_id\":");
		es_jsonw_cstr(b, h->rec.entry_id);
		es_buf_adds(b, ",\"name\":");
		es_jsonw_cstr(b, h->rec.name);
		es_buf_adds(b, ",\"matched_name\":");
		es_jsonw_cstr(b, h->matched_name);
		es_buf_adds(b, ",\"by\":");
		es_buf_adds(b, h->by_address ? "\"address\"" : "\"name\"");
		es_buf_adds(b, ",\"action\":");
		es_jsonw_cstr(b, es_decision_name(r->hits[i].action));
		if (f->rdisp[i]) { /* records hook: the reviewer's disposition of this hit */
			const es_disposition_view *d = f->rdisp[i];
			es_buf_printf(b, ",\"disposition\":{\"id\":%lld,\"kind\":", d->id);
			es_buf_adds(b, d->true_match ? "\"true_match\"" : "\"false_positive\"");
			es_buf_adds(b, ",\"by\":");
			es_jsonw_cstr(b, d->by);
			es_buf_adds(b, ",\"at\":");
			es_jsonw_cstr(b, d->at);
			es_buf_adds(b, ",\"reason\":");
			es_jsonw_cstr(b, d->reason);
			es_buf_adds(b, "}");
		}
		es_buf_adds(b, "}");
	}
	es_buf_adds(b, "]");
}

static void write_screening(es_filter *f, es_buf *b)
{
	es_buf_adds(b, "\"screening\":{\"decision\":");
	es_jsonw_cstr(b, es_decision_name(f->result.decision));
	es_buf_adds(b, ",\"reasons\":");
	write_reasons(f, b);
	es_buf_adds(b, ",\"hits\":");
	write_hits(f, b);
	es_buf_adds(b, ",\"lists\":{\"version\":");
	es_jsonw_cstr(b, f->cfg.list_version ? f->cfg.list_version : "");
	es_buf_adds(b, f->cfg.lists_stale ? ",\"stale\":true}}" : ",\"stale\":false}}");
}

static void write_error_json(es_buf *b, const char *line, size_t len, size_t lineno, const char *msg, const char *eol)
{
	char head[64];
	snprintf(head, sizeof head, "line %zu: ", lineno);
	es_buf_printf(b, "{\"line\":%zu,\"raw\":", lineno);
	es_jsonw_str(b, line, len);
	es_buf_adds(b, ",\"error\":");
	/* the message may quote input bytes (jansson's "near '...'"): escape like raw */
	size_t hl = strlen(head), ml = strlen(msg);
	char *full = malloc(hl + ml + 1);
	if (full) {
		memcpy(full, head, hl);
		memcpy(full + hl, msg, ml + 1);
		es_jsonw_str(b, full, hl + ml);
		free(full);
	} else {
		es_jsonw_str(b, head, hl);
	}
	es_buf_adds(b, ",\"screening\":{\"decision\":\"ERROR\",\"reasons\":[],\"hits\":[]}}");
	es_buf_adds(b, eol);
}

/* A reader's "invalid UTF-8" of decoded input means text the decoder could not
 * decode: say so (into buf) rather than blame UTF-8. */
static const char *encoding_message(const es_filter *f, const es_err *e, char *buf, size_t cap)
{
	if (!f->decoded_from || e->code != ES_EENCODING)
		return e->msg;
	snprintf(buf, cap, "%s (text that is not valid %s)", e->msg, f->decoded_from);
	return buf;
}

/* records hook: the record just appended to f->out (from start) was screened.
 * A failure is kept and stops the run before anything more is written. */
static void hook_screened(es_filter *f, const char *raw, size_t rawlen, size_t lineno, bool header, size_t start,
			  es_decision d)
{
	const es_filter_hooks *h = f->cfg.hooks;
	if (!h || !h->screened || f->hook_rc != ES_OK)
		return;
	bool ok = d != ES_DEC_ERROR && !header;
	es_filter_event ev = {
		.raw = raw, .raw_len = rawlen, .lineno = lineno, .csv_header = header,
		.order = ok ? &f->order : NULL,
		.output = f->out.s ? f->out.s + start : "", .output_len = f->out.len - start,
		.decision = d, .hits = f->hits, .result = ok ? &f->result : NULL, .disp = f->rdisp,
	};
	f->hook_rc = h->screened(h->user, &ev, &f->hook_err);
}

/* Screens one JSONL record into f->out. */
/* skip: bytes of a byte order mark at the start, part of raw but not of the order */
static es_decision jsonl_record(es_filter *f, const char *raw, size_t rawlen, size_t skip, size_t lineno,
				const char *toolong)
{
	es_err e = {0};
	size_t nh = 0;
	es_code rc = ES_OK;
	const char *line = raw + skip;
	size_t len = rawlen - skip;
	/* the record ends as its line did (as the last line that ended, for a last
	 * line without a terminator) */
	const char *eol = f->crlf ? "\r\n" : "\n";
	size_t start = f->out.len;
	if (toolong) {
		write_error_json(&f->out, raw, rawlen, lineno, toolong, eol);
		hook_screened(f, raw, rawlen, lineno, false, start, ES_DEC_ERROR);
		return ES_DEC_ERROR;
	}
	if ((rc = es_order_parse_json(line, len, f->cfg.countries, &f->order, &e)) != ES_OK ||
	    (rc = screen(f, &nh, &e)) != ES_OK) {
		char msg[ES_ERR_MSG_MAX + 64];
		es_order_release(&f->order);
		write_error_json(&f->out, raw, rawlen, lineno,
				 e.msg[0] ? encoding_message(f, &e, msg, sizeof msg) : es_strerror(rc), eol);
		hook_screened(f, raw, rawlen, lineno, false, start, ES_DEC_ERROR);
		return ES_DEC_ERROR;
	}
	/* splice: the input up to its final '}', then ,"screening":{...}} */
	size_t end = len;
	while (end > 0 && line[end - 1] != '}')
		end--;
	size_t k = end - 1; /* index of the closing brace */
	size_t j = k;
	while (j > 0 && (line[j - 1] == ' ' || line[j - 1] == '\t' || line[j - 1] == '\r' || line[j - 1] == '\n'))
		j--;
	bool empty = j > 0 && line[j - 1] == '{';
	es_buf_add(&f->out, line, k);
	if (!empty)
		es_buf_add(&f->out, ",", 1);
	write_screening(f, &f->out);
	es_buf_add(&f->out, "}", 1);
	es_buf_adds(&f->out, eol);
	hook_screened(f, raw, rawlen, lineno, false, start, f->result.decision);
	es_order_release(&f->order);
	return f->result.decision;
}

es_code es_filter_jsonl_record(es_filter *f, const char *line, size_t len, size_t lineno, bool ended, es_buf *out,
			       es_decision *decision, es_err *err)
{
	es_buf saved = f->out;
	f->out = *out;
	/* as es_filter_run reads it: a byte order mark on line 1 is raw input, not order */
	size_t skip = lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	/* the line is given without its '\n': one that ended "\r\n" keeps the CRLF;
	 * a last line that did not end ends as the line before it */
	if (ended)
		f->crlf = len && line[len - 1] == '\r';
	es_decision d = jsonl_record(f, line, len, skip, lineno, NULL);
	*out = f->out;
	f->out = saved;
	if (decision)
		*decision = d;
	if (f->hook_rc != ES_OK) { /* records hook failed */
		es_code hrc = f->hook_rc;
		f->hook_rc = ES_OK;
		if (err)
			*err = f->hook_err;
		return hrc;
	}
	return out->oom ? es_err_set(err, ES_ENOMEM, "out of memory") : ES_OK;
}

/* ---- CSV ---------------------------------------------------------------------- */

static void csv_quote_field(es_buf *b, const char *s, size_t n)
{
	es_buf_add(b, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '"') {
			es_buf_add(b, s + run, i + 1 - run);
			es_buf_add(b, "\"", 1);
			run = i + 1;
		}
	es_buf_add(b, s + run, n - run);
	es_buf_add(b, "\"", 1);
}

/* Writes the raw record without its final terminator; returns the terminator
 * its output record ends with: the record's own, else (the input ended without
 * one) the last line's. */
static const char *csv_tail(es_filter *f, es_buf *row)
{
	const char *eol = f->crlf ? "\r\n" : "\n";
	if (row->len && row->s[row->len - 1] == '\n')
		eol = row->len >= 2 && row->s[row->len - 2] == '\r' ? "\r\n" : "\n";
	while (row->len && (row->s[row->len - 1] == '\n' || row->s[row->len - 1] == '\r'))
		row->len--;
	const char *p = row->s ? row->s : "";
	const char *mark = f->decoded_from ? memchr(p, 0xFF, row->len) : NULL;
	if (!mark) {
		es_buf_add(&f->out, p, row->len);
		return eol;
	}
	/* decoded input is echoed as UTF-8: what could not be decoded shows as U+FFFD */
	for (size_t i = 0; i < row->len; i++) {
		if ((unsigned char)p[i] == 0xFF)
			es_buf_adds(&f->out, "\xEF\xBF\xBD");
		else
			es_buf_add(&f->out, p + i, 1);
	}
	return eol;
}

static es_decision csv_record(es_filter *f, size_t lineno, bool is_header, const char *errmsg)
{
	es_buf *row = &f->raw;
	size_t start = f->out.len;
	const char *eol = csv_tail(f, row);
	char d = es_csv_orders_delimiter(f->csv);
	if (is_header && !errmsg) {
		es_buf_printf(&f->out, "%cdecision%creasons%chits%s", d, d, d, eol);
		hook_screened(f, row->s ? row->s : "", row->len, lineno, true, start, ES_DEC_CLEAR);
		return ES_DEC_CLEAR;
	}
	es_err e = {0};
	size_t nh = 0;
	es_code rc = ES_OK;
	char msgbuf[ES_ERR_MSG_MAX + 64];
	if (!errmsg) {
		if ((rc = es_csv_orders_row(f->csv, f->cfg.countries, &f->order, &e)) != ES_OK ||
		    (rc = screen(f, &nh, &e)) != ES_OK)
			errmsg = e.msg[0] ? encoding_message(f, &e, msgbuf, sizeof msgbuf) : es_strerror(rc);
	}
	if (errmsg) {
		/* an unbalanced quote would swallow the columns appended below: close it */
		size_t quotes = 0;
		for (size_t i = 0; i < row->len; i++)
			quotes += row->s[i] == '"';
		if (quotes % 2)
			es_buf_add(&f->out, "\"", 1);
		es_buf j = {0};
		char head[48];
		snprintf(head, sizeof head, "line %zu: ", lineno);
		es_buf_adds(&j, "[{\"code\":\"ERROR\",\"message\":");
		size_t hl = strlen(head), ml = strlen(errmsg);
		char *full = malloc(hl + ml + 1);
		if (full) {
			memcpy(full, head, hl);
			memcpy(full + hl, errmsg, ml + 1);
			es_jsonw_str(&j, full, hl + ml);
			free(full);
		}
		es_buf_printf(&j, ",\"line\":%zu}]", lineno);
		es_buf_printf(&f->out, "%cERROR%c", d, d);
		csv_quote_field(&f->out, j.s ? j.s : "[]", j.len);
		es_buf_printf(&f->out, "%c\"[]\"%s", d, eol);
		free(j.s);
		hook_screened(f, row->s ? row->s : "", row->len, lineno, false, start, ES_DEC_ERROR);
		es_order_release(&f->order);
		return ES_DEC_ERROR;
	}
	es_buf j = {0};
	es_buf_add(&f->out, &d, 1);
	es_buf_adds(&f->out, es_decision_name(f->result.decision));
	es_buf_add(&f->out, &d, 1);
	write_reasons(f, &j);
	csv_quote_field(&f->out, j.s ? j.s : "[]", j.len);
	j.len = 0;
	es_buf_add(&f->out, &d, 1);
	write_hits(f, &j);
	csv_quote_field(&f->out, j.s ? j.s : "[]", j.len);
	es_buf_adds(&f->out, eol);
	free(j.s);
	hook_screened(f, row->s ? row->s : "", row->len, lineno, false, start, f->result.decision);
	es_order_release(&f->order);
	return f->result.decision;
}

/* ---- the stream ---------------------------------------------------------------- */

static bool blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

static es_code flush_out(es_filter *f, FILE *out, es_filter_stats *st, es_err *err)
{
	if (f->out.oom)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	/* records hook: nothing is written before its record is durable */
	if (f->hook_rc != ES_OK) {
		*err = f->hook_err;
		return f->hook_rc;
	}
	if (f->out.len && f->cfg.hooks && f->cfg.hooks->commit) {
		es_code hrc = f->cfg.hooks->commit(f->cfg.hooks->user, err);
		if (hrc != ES_OK)
			return hrc;
	}
	if (f->out.len && fwrite(f->out.s, 1, f->out.len, out) != f->out.len) {
		int e = errno;
		st->output_closed = e == EPIPE;
		return es_err_set(err, ES_EIO, "cannot write to standard output: %s", strerror(e));
	}
	f->out.len = 0;
	return ES_OK;
}

/* A line with nothing to screen: blanks only, or on the first line a byte order
 * mark and blanks (Excel writes a BOM even on an empty export). */
static bool blank_record(const char *s, size_t n, size_t lineno)
{
	if (lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		n -= 3;
	}
	return blank_line(s, n);
}

/* The format of a stream from its first non-blank line: JSON Lines when it opens
 * an object or array; CSV when csv_hint (a delimiter or column map was given) or
 * the line holds a delimiter and a "<role>_name" column. */
static es_format detect(const char *line, size_t n, bool csv_hint)
{
	size_t i = 0;
	if (n >= 3 && (unsigned char)line[0] == 0xEF && (unsigned char)line[1] == 0xBB && (unsigned char)line[2] == 0xBF)
		i = 3;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < n && (line[i] == '{' || line[i] == '['))
		return ES_FMT_JSONL;
	if (csv_hint)
		return ES_FMT_CSV;
	bool name_col = false;
	for (size_t k = 0; k + 5 <= n && !name_col; k++)
		name_col = strncasecmp(line + k, "_name", 5) == 0;
	bool delim = memchr(line, ',', n) || memchr(line, ';', n) || memchr(line, '\t', n);
	return delim && name_col ? ES_FMT_CSV : ES_FMT_JSONL;
}

/* read(2) of up to cap bytes, retried on EINTR; -1 on error. */
static ssize_t read_chunk(int fd, char *buf, size_t cap)
{
	for (;;) {
		ssize_t r = read(fd, buf, cap);
		if (r >= 0 || errno != EINTR)
			return r;
	}
}

/* The decoder for the stream, from the first bytes: a byte order mark decides,
 * else the configured encoding (NULL decoder = UTF-8 as it is). */
static es_code open_decoder(es_filter *f, const char *head, size_t n, es_decoder **dec, es_err *err)
{
	const char *bom = es_decode_bom(head, n);
	const char *enc = bom ? bom : f->cfg.encoding;
	*dec = NULL;
	if (!enc)
		return ES_OK;
	return es_decoder_new(dec, enc, err);
}

es_code es_filter_run(es_filter *f, int in_fd, FILE *out, es_filter_stats *st, es_err *err)
{
	es_code rc = ES_OK;
	char *rbuf = malloc(READ_CHUNK);
	const char *chunk = NULL;
	es_buf line = {0};
	es_buf dbuf = {0};          /* decoded input */
	es_decoder *dec = NULL;
	size_t lineno = 0, cpos = 0, clen = 0, rec_start = 0;
	bool eof = false, toolong = false, started = false, flushed = false;
	es_format fmt = f->cfg.format;
	bool csv_hint = f->cfg.delimiter || f->cfg.columns;
	memset(st, 0, sizeof *st);
	/* each run is one stream: a CSV header read by an earlier run does not carry over */
	es_csv_orders_free(f->csv);
	f->csv = NULL;
	if (!rbuf)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	for (;;) {
		/* one physical line into `line` (bounded; the excess is skipped) */
		bool have = false, had_nl = false;
		line.len = 0;
		toolong = false;
		while (!have) {
			if (cpos == clen) {
				if (eof)
					break;
				/* about to wait for input: let the pipeline see what is done */
				if ((rc = flush_out(f, out, st, err)) != ES_OK)
					goto done;
				if (fflush(out) != 0) {
					st->output_closed = errno == EPIPE;
					rc = es_err_set(err, ES_EIO, "cannot write to standard output: %s", strerror(errno));
					goto done;
				}
				ssize_t r = read_chunk(in_fd, rbuf, READ_CHUNK);
				/* a byte order mark needs the first 3 bytes together */
				while (!started && r > 0 && r < 3) {
					ssize_t more = read_chunk(in_fd, rbuf + r, READ_CHUNK - (size_t)r);
					if (more <= 0) {
						if (more < 0)
							r = -1;
						break;
					}
					r += more;
				}
				if (r < 0) {
					rc = es_err_set(err, ES_EIO, "cannot read standard input: %s", strerror(errno));
					goto done;
				}
				if (!started && r > 0) {
					started = true;
					if ((rc = open_decoder(f, rbuf, (size_t)r, &dec, err)) != ES_OK)
						goto done;
					f->decoded_from = dec ? es_decoder_name(dec) : NULL;
				}
				if (r == 0 && (!dec || flushed)) {
					eof = true;
					break;
				}
				cpos = 0;
				if (dec) {
					/* at the end, what the decoder still holds (a cut sequence) */
					flushed = r == 0;
					es_buf_clear(&dbuf);
					if ((rc = es_decoder_run(dec, rbuf, (size_t)r, flushed, &dbuf, err)) != ES_OK)
						goto done;
					chunk = dbuf.s;
					clen = dbuf.len;
				} else {
					chunk = rbuf;
					clen = (size_t)r;
				}
				if (clen == 0)
					continue;
			}
			const char *nl = memchr(chunk + cpos, '\n', clen - cpos);
			size_t take = nl ? (size_t)(nl - (chunk + cpos)) : clen - cpos;
			size_t room = ES_FILTER_MAX_LINE > line.len ? ES_FILTER_MAX_LINE - line.len : 0;
			if (take > room) {
				toolong = true;
				es_buf_add(&line, chunk + cpos, room);
			} else {
				es_buf_add(&line, chunk + cpos, take);
			}
			cpos += take;
			if (nl) {
				cpos++;
				have = had_nl = true;
			}
		}
		if (line.oom) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto done;
		}
		if (!have && line.len == 0)
			break; /* end of input */
		lineno++;
		if (f->cfg.between_records && f->raw.len == 0 &&
		    (rc = f->cfg.between_records(f->cfg.between_ud, f, err)) != ES_OK)
			goto done;
		const char *lp = line.s ? line.s : "";
		size_t ln = line.len;
		if (had_nl)
			f->crlf = ln && lp[ln - 1] == '\r';
		if (fmt == ES_FMT_AUTO) {
			if (blank_record(lp, ln, lineno))
				goto next;
			fmt = detect(lp, ln, csv_hint);
		}
		if (fmt == ES_FMT_JSONL) {
			if (blank_record(lp, ln, lineno) && !toolong) {
				st->skipped_blank++;
				goto next;
			}
			/* a UTF-8 byte order mark on the first line is not part of the record */
			size_t skip = 0;
			if (lineno == 1 && ln >= 3 && (unsigned char)lp[0] == 0xEF && (unsigned char)lp[1] == 0xBB &&
			    (unsigned char)lp[2] == 0xBF)
				skip = 3;
			char msg[96];
			if (toolong)
				snprintf(msg, sizeof msg, "longer than %u bytes", ES_FILTER_MAX_LINE);
			es_decision d = jsonl_record(f, lp, ln, skip, lineno, toolong ? msg : NULL);
			st->by_decision[d]++;
			st->records++;
		} else {
			if (!f->csv) {
				if ((rc = es_csv_orders_new(&f->csv, err)) != ES_OK)
					goto done;
				es_csv_orders_set_delimiter(f->csv, f->cfg.delimiter);
				es_csv_orders_set_columns(f->csv, f->cfg.columns);
			}
			if (f->raw.len == 0 && blank_record(lp, ln, lineno) && !toolong) {
				st->skipped_blank++;
				goto next;
			}
			if (f->raw.len == 0)
				rec_start = lineno;
			es_buf_add(&f->raw, lp, ln);
			if (had_nl)
				es_buf_add(&f->raw, "\n", 1);
			bool done_row = false, is_header = false;
			es_err e = {0};
			es_code frc = ES_OK;
			if (toolong) {
				frc = es_err_set(&e, ES_ETOOBIG, "longer than %u bytes", ES_FILTER_MAX_LINE);
				/* resynchronise: the parser must not carry a half record; the
				 * header stays, so only this record is an ERROR */
				if ((rc = es_csv_orders_reset(f->csv, err)) != ES_OK)
					goto done;
				done_row = true;
			} else {
				frc = es_csv_orders_feed(f->csv, lp, ln + (had_nl ? 0 : 0), !had_nl && eof, &done_row,
							 &is_header, &e);
				if (!had_nl && !done_row) {
					/* last line without newline: the record ends here or never */
					frc = es_err_set(&e, ES_EFORMAT, "the input ends inside a quoted CSV field");
					done_row = true;
				}
			}
			if (done_row) {
				es_decision d = csv_record(f, rec_start, is_header, frc == ES_OK ? NULL : e.msg);
				f->raw.len = 0;
				if (!is_header || frc != ES_OK) {
					st->by_decision[d]++;
					st->records++;
				}
			}
		}
	next:
		if (f->hook_rc != ES_OK) { /* records hook failed: write nothing more */
			*err = f->hook_err;
			rc = f->hook_rc;
			goto done;
		}
		if (f->out.len >= (1u << 16) && (rc = flush_out(f, out, st, err)) != ES_OK)
			goto done;
		if (!have)
			break;
	}
	if (f->raw.len) {
		/* a record left open at end of input */
		es_decision d = csv_record(f, rec_start, false, "the input ends inside a quoted CSV field");
		f->raw.len = 0;
		st->by_decision[d]++;
		st->records++;
	}
	if ((rc = flush_out(f, out, st, err)) != ES_OK)
		goto done;
	if (fflush(out) != 0) {
		st->output_closed = errno == EPIPE;
		rc = es_err_set(err, ES_EIO, "cannot write to standard output: %s", strerror(errno));
	}
done:
	free(rbuf);
	free(line.s);
	es_buf_free(&dbuf);
	es_decoder_free(dec);
	return rc;
}
