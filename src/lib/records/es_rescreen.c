/* es_rescreen — re-screening every distinct recorded party with the lists now
 * in use (see es_records.h).
 *
 * A party's state (its hits and its order's decision) was stored when its
 * order was recorded. Re-screening runs the party's latest recorded order
 * again through the filter (so the hits are judged in the same context: the
 * order's destination, items, other parties) with the reviewers' dispositions,
 * and compares the party's hits (by source and entry) and the order's decision
 * with that state. Parties are read in pages ordered by their order's record,
 * so consecutive parties of one order share one screening and memory stays
 * flat; each page's changes are written in one transaction. */
#include "es_records_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGE 2000
#define MAX_PARTIES ES_ORDER_MAX_PARTIES /* per order, as captured */

static const char SQL_PAGE[] =
	"SELECT p.id, p.name, p.country, p.role, p.pidx, p.last_seq, p.last_order, p.hits, p.decision, a.input,"
	" r.csv_header FROM parties p JOIN audit a ON a.seq = p.last_seq LEFT JOIN runs r ON r.id = a.run_id"
	" WHERE (p.last_seq, p.id) > (?, ?) AND (? IS NULL OR p.last_at >= ?)"
	" ORDER BY p.last_seq, p.id LIMIT 2000";
static const char SQL_UPDATE[] = "UPDATE parties SET hits = ?, decision = ? WHERE id = ?";

typedef struct {
	long long id, pidx, seq;
	char *name, *country, *role, *order_id, *hits, *decision, *input, *header;
	size_t input_len, header_len;
} prow;

typedef struct {
	es_buf hits[MAX_PARTIES];   /* per party index: the hits string */
	es_buf hitjson[MAX_PARTIES];/* per party index: lines of "key TAB json" */
	size_t n_parties;
	es_decision decision;
	bool screened;
} capture;

typedef struct {
	es_records *r;
	capture cap;
} rs_ctx;

static void json_hit(es_buf *b, const es_filter_event *ev, size_t i)
{
	const es_party_hit *h = &ev->hits[ev->result->hits[i].hit];
	es_buf_adds(b, "{\"source\":");
	es_rec_json_str(b, es_source_id(h->rec.source));
	es_buf_adds(b, ",\"list\":");
	es_rec_json_str(b, h->rec.list);
	es_buf_adds(b, ",\"entry_id\":");
	es_rec_json_str(b, h->rec.entry_id);
	es_buf_adds(b, ",\"name\":");
	es_rec_json_str(b, h->rec.name);
	es_buf_adds(b, ",\"matched_name\":");
	es_rec_json_str(b, h->matched_name);
	es_buf_printf(b, ",\"score\":%.3f,\"action\":", h->score);
	es_rec_json_str(b, es_decision_name(ev->result->hits[i].action));
	const es_disposition_view *d = ev->disp ? ev->disp[i] : NULL;
	if (d) {
		es_buf_printf(b, ",\"disposition\":{\"id\":%lld,\"kind\":\"%s\"}", d->id,
			      d->true_match ? "true_match" : "false_positive");
	}
	es_buf_adds(b, "}");
}

static es_code capture_hook(void *u, const es_filter_event *ev, es_err *err)
{
	rs_ctx *c = u;
	capture *cp = &c->cap;
	if (ev->csv_header)
		return ES_OK;
	cp->screened = true;
	cp->decision = ev->decision;
	cp->n_parties = ev->order ? ev->order->n_parties : 0;
	if (cp->n_parties > MAX_PARTIES)
		cp->n_parties = MAX_PARTIES;
	for (size_t pi = 0; pi < cp->n_parties; pi++) {
		es_buf_clear(&cp->hits[pi]);
		es_buf_clear(&cp->hitjson[pi]);
		es_rec_party_hits(ev, pi, &cp->hits[pi]);
		for (size_t i = 0; i < ev->result->n_hits; i++) {
			const es_party_hit *h = &ev->hits[ev->result->hits[i].hit];
			if (h->party != pi)
				continue;
			es_buf_printf(&cp->hitjson[pi], "%s|%s\t", es_source_id(h->rec.source),
				      h->rec.entry_id ? h->rec.entry_id : "");
			json_hit(&cp->hitjson[pi], ev, i);
			es_buf_addc(&cp->hitjson[pi], '\n');
		}
		if (cp->hits[pi].oom || cp->hitjson[pi].oom)
			return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	return ES_OK;
}

static const es_disposition_view *disp_hook(void *u, const es_order *o, const es_party_hit *h)
{
	rs_ctx *c = u;
	const es_party *p = &o->parties[h->party];
	return es_records_disposition_for(c->r, c->r->hook_matcher, p->name, p->country, &h->rec);
}

static char *dupn(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		if (n)
			memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static void prow_free(prow *p)
{
	free(p->name);
	free(p->country);
	free(p->role);
	free(p->order_id);
	free(p->hits);
	free(p->decision);
	free(p->input);
	free(p->header);
}

/* Screens one recorded order again (JSON line, or CSV header + row). */
static es_code screen_again(es_filter *fj, es_filter *fc, rs_ctx *c, const prow *p, es_err *err)
{
	c->cap.screened = false;
	c->cap.n_parties = 0;
	if (!p->header) {
		es_buf out = {0};
		es_decision d;
		es_code rc = es_filter_jsonl_record(fj, p->input ? p->input : "", p->input_len, 1, true, &out, &d, err);
		es_buf_free(&out);
		return rc;
	}
	/* CSV: header and row through a CSV stream */
	FILE *in = tmpfile(), *out = fopen("/dev/null", "w");
	es_code rc = ES_OK;
	if (!in || !out) {
		rc = es_err_set(err, ES_EIO, "cannot create a temporary file for re-screening");
		goto done;
	}
	fwrite(p->header, 1, p->header_len, in);
	fputc('\n', in);
	fwrite(p->input ? p->input : "", 1, p->input_len, in);
	fputc('\n', in);
	if (fflush(in) != 0 || fseek(in, 0, SEEK_SET) != 0) {
		rc = es_err_set(err, ES_EIO, "cannot write a temporary file for re-screening");
		goto done;
	}
	es_filter_stats st;
	rc = es_filter_run(fc, fileno(in), out, &st, err);
done:
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	return rc;
}

/* Whether key "src|id" is among the hits string's entries. */
static bool has_key(const char *hits, const char *key, size_t kl)
{
	for (const char *p = hits; p && *p;) {
		const char *e = strchr(p, ';');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n > kl && strncmp(p, key, kl) == 0 && p[kl] == '|')
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

static int severity(const char *d)
{
	static const char *const names[] = {"CLEAR", "REVIEW", "LICENSE_REQUIRED", "PROHIBITED", "ERROR"};
	for (int i = 0; i < 5; i++)
		if (d && strcmp(d, names[i]) == 0)
			return i;
	return -1;
}

typedef struct {
	prow *rows;
	size_t n;
	char **after_hits, **after_dec;  /* per changed row, NULL when unchanged */
} page_w;

static es_code page_writes(es_records *r, void *u, es_err *err)
{
	page_w *w = u;
	for (size_t i = 0; i < w->n; i++) {
		if (!w->after_hits[i])
			continue;
		es_val a[] = {ES_VTEXT(w->after_hits[i]), ES_VTEXT(w->after_dec[i]), ES_VINT(w->rows[i].id)};
		es_code rc = r->st->ops->exec(r->st, SQL_UPDATE, a, 3, NULL, err);
		if (rc != ES_OK)
			return rc;
	}
	return ES_OK;
}

static es_code report_change(es_records *r, const prow *p, const char *change, const char *before, const char *after,
			     const char *hit, size_t hitlen, bool raises, es_rescreen_fn fn, void *user,
			     es_rescreen_stats *st, es_err *err)
{
	es_buf b = {0};
	es_buf_adds(&b, "{\"order_id\":");
	es_rec_json_str(&b, p->order_id);
	es_buf_adds(&b, ",\"role\":");
	es_rec_json_str(&b, p->role);
	es_buf_printf(&b, ",\"party\":%lld,\"name\":", p->pidx);
	es_rec_json_str(&b, p->name);
	es_buf_adds(&b, ",\"country\":");
	es_rec_json_str(&b, p->country && *p->country ? p->country : NULL);
	es_buf_adds(&b, ",\"change\":");
	es_rec_json_str(&b, change);
	es_buf_adds(&b, ",\"before\":");
	es_rec_json_str(&b, before);
	es_buf_adds(&b, ",\"after\":");
	es_rec_json_str(&b, after);
	es_buf_adds(&b, ",\"hit\":");
	if (hit)
		es_buf_add(&b, hit, hitlen);
	else
		es_buf_adds(&b, "null");
	es_buf_adds(&b, "}");
	if (b.oom)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	es_code rc = es_rec_pend(r, "rescreen", p->order_id, after, NULL, 0, NULL, 0, b.s, err);
	if (rc == ES_OK) {
		char *hs = hit ? dupn(hit, hitlen) : NULL;
		es_rescreen_change c = {p->order_id, p->role, p->name, p->country, change, before, after, hs, raises, b.s};
		rc = fn ? fn(user, &c, err) : ES_OK;
		free(hs);
	}
	st->changes++;
	st->raised += raises;
	es_buf_free(&b);
	return rc;
}

/* Compares row p with the capture and reports changes; sets new_hits and new_dec when it changed. */
static es_code compare_row(es_records *r, const prow *p, const capture *cp, bool report_decision, char **new_hits,
			   char **new_dec, es_rescreen_fn fn, void *user, es_rescreen_stats *st, es_err *err)
{
	es_code rc = ES_OK;
	const char *after_dec = es_decision_name(cp->decision);
	const char *before = p->decision ? p->decision : "";
	const char *after_hits = p->pidx >= 0 && (size_t)p->pidx < cp->n_parties && cp->hits[p->pidx].s
					 ? cp->hits[p->pidx].s : "";
	const es_buf *hj = p->pidx >= 0 && (size_t)p->pidx < cp->n_parties ? &cp->hitjson[p->pidx] : NULL;
	bool changed = false;
	/* new hits */
	for (const char *q = hj && hj->s ? hj->s : ""; *q;) {
		const char *tab = strchr(q, '\t'), *nl = strchr(q, '\n');
		if (!tab || !nl)
			break;
		if (!has_key(p->hits, q, (size_t)(tab - q))) {
			changed = true;
			if ((rc = report_change(r, p, "new_hit", before, after_dec, tab + 1, (size_t)(nl - tab - 1), false, fn,
						user, st, err)) != ES_OK)
				return rc;
		}
		q = nl + 1;
	}
	/* hits gone */
	for (const char *q = p->hits ? p->hits : ""; *q;) {
		const char *e = strchr(q, ';');
		size_t n = e ? (size_t)(e - q) : strlen(q);
		const char *b1 = memchr(q, '|', n);
		const char *b2 = b1 ? memchr(b1 + 1, '|', n - (size_t)(b1 + 1 - q)) : NULL;
		if (b1 && b2 && !has_key(after_hits, q, (size_t)(b2 - q))) {
			changed = true;
			es_buf hb = {0};
			char *src = dupn(q, (size_t)(b1 - q)), *id = dupn(b1 + 1, (size_t)(b2 - b1 - 1));
			const char *b3 = memchr(b2 + 1, '|', n - (size_t)(b2 + 1 - q));
			char *act = dupn(b2 + 1, b3 ? (size_t)(b3 - b2 - 1) : n - (size_t)(b2 + 1 - q));
			es_buf_adds(&hb, "{\"source\":");
			es_rec_json_str(&hb, src);
			es_buf_adds(&hb, ",\"entry_id\":");
			es_rec_json_str(&hb, id);
			es_buf_adds(&hb, ",\"action\":");
			es_rec_json_str(&hb, act);
			es_buf_adds(&hb, "}");
			free(src);
			free(id);
			free(act);
			rc = hb.oom ? es_err_set(err, ES_ENOMEM, "out of memory")
				    : report_change(r, p, "hit_gone", before, after_dec, hb.s, hb.len, false, fn, user, st, err);
			es_buf_free(&hb);
			if (rc != ES_OK)
				return rc;
		}
		q = e ? e + 1 : q + n;
	}
	if (strcmp(before, after_dec) != 0) {
		changed = true;
		if (report_decision &&
		    (rc = report_change(r, p, "decision_changed", before, after_dec, NULL, 0,
					severity(after_dec) > severity(before), fn, user, st, err)) != ES_OK)
			return rc;
	}
	if (changed || strcmp(p->hits ? p->hits : "", after_hits) != 0) {
		*new_hits = strdup(after_hits);
		*new_dec = strdup(after_dec);
		if (!*new_hits || !*new_dec)
			return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	return ES_OK;
}

es_code es_records_rescreen(es_records *r, const es_filter_config *cfg, const es_matcher *m, const char *since,
			    es_rescreen_fn fn, void *user, es_rescreen_stats *st, es_err *err)
{
	es_code rc = ES_OK;
	memset(st, 0, sizeof *st);
	rs_ctx c = {.r = r};
	es_filter *fj = NULL, *fc = NULL;
	prow *rows = calloc(PAGE, sizeof *rows);
	char **ah = calloc(PAGE, sizeof *ah), **ad = calloc(PAGE, sizeof *ad);
	size_t n = 0;
	if (!rows || !ah || !ad) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto done;
	}
	r->hook_matcher = m;
	if ((rc = es_rec_load_disps(r, err)) != ES_OK)
		goto done;
	es_filter_hooks hooks = {.user = &c, .screened = capture_hook, .disposition = r->disps.n ? disp_hook : NULL};
	es_filter_config fcfg = *cfg;
	fcfg.hooks = &hooks;
	fcfg.format = ES_FMT_JSONL;
	if ((rc = es_filter_new(&fj, &fcfg, err)) != ES_OK)
		goto done;
	fcfg.format = ES_FMT_CSV;
	if ((rc = es_filter_new(&fc, &fcfg, err)) != ES_OK)
		goto done;
	long long last_seq = 0, last_id = 0, screened_seq = -1, reported_seq = -1;
	const es_store_ops *o = r->st->ops;
	for (;;) {
		/* one page of parties, read and closed before anything is written */
		n = 0;
		es_cursor *cur;
		/* keyset paging on the (last_seq, id) index: each page is a range scan */
		es_val a[] = {ES_VINT(last_seq), ES_VINT(last_id), ES_VTEXT(since), ES_VTEXT(since)};
		if ((rc = o->begin_read(r->st, err)) != ES_OK)
			goto done;
		if ((rc = o->query(r->st, SQL_PAGE, a, 4, &cur, err)) != ES_OK) {
			o->rollback(r->st);
			goto done;
		}
		int s;
		while (n < PAGE && (s = o->step(cur, err)) > 0) {
			prow *p = &rows[n++];
			size_t il = 0, hl = 0;
			const char *in = o->col_blob(cur, 9, &il), *hd = o->col_blob(cur, 10, &hl);
			p->id = o->col_int(cur, 0);
			p->name = strdup(o->col_text(cur, 1) ? o->col_text(cur, 1) : "");
			p->country = strdup(o->col_text(cur, 2) ? o->col_text(cur, 2) : "");
			p->role = strdup(o->col_text(cur, 3) ? o->col_text(cur, 3) : "");
			p->pidx = o->col_int(cur, 4);
			p->seq = o->col_int(cur, 5);
			p->order_id = o->col_text(cur, 6) ? strdup(o->col_text(cur, 6)) : NULL;
			p->hits = strdup(o->col_text(cur, 7) ? o->col_text(cur, 7) : "");
			p->decision = strdup(o->col_text(cur, 8) ? o->col_text(cur, 8) : "");
			p->input = dupn(in ? in : "", il);
			p->input_len = il;
			p->header = hd ? dupn(hd, hl) : NULL;
			p->header_len = hl;
			if (!p->name || !p->country || !p->role || !p->hits || !p->decision || !p->input) {
				o->done(cur);
				o->rollback(r->st);
				rc = es_err_set(err, ES_ENOMEM, "out of memory");
				goto done;
			}
		}
		o->done(cur);
		o->rollback(r->st);
		if (s < 0 && n < PAGE) {
			rc = ES_EIO;
			goto done;
		}
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++) {
			prow *p = &rows[i];
			st->parties++;
			if (p->seq != screened_seq) {
				if ((rc = screen_again(fj, fc, &c, p, err)) != ES_OK)
					goto done;
				screened_seq = p->seq;
				st->orders++;
			}
			if (!c.cap.screened)
				continue;
			/* an order's decision change is reported once, with its first party */
			bool rep = reported_seq != p->seq;
			if ((rc = compare_row(r, p, &c.cap, rep, &ah[i], &ad[i], fn, user, st, err)) != ES_OK)
				goto done;
			reported_seq = p->seq;
		}
		page_w w = {rows, n, ah, ad};
		if ((rc = es_rec_write_with(r, page_writes, &w, err)) != ES_OK)
			goto done;
		last_seq = rows[n - 1].seq;
		last_id = rows[n - 1].id;
		for (size_t i = 0; i < n; i++) {
			prow_free(&rows[i]);
			free(ah[i]);
			free(ad[i]);
			ah[i] = ad[i] = NULL;
		}
		memset(rows, 0, n * sizeof *rows);
		n = 0;
	}
done:
	for (size_t i = 0; rows && i < n; i++) {
		prow_free(&rows[i]);
		free(ah[i]);
		free(ad[i]);
	}
	for (size_t i = 0; i < MAX_PARTIES; i++) {
		es_buf_free(&c.cap.hits[i]);
		es_buf_free(&c.cap.hitjson[i]);
	}
	free(rows);
	free(ah);
	free(ad);
	es_filter_free(fj);
	es_filter_free(fc);
	return rc;
}
