/* es_disposition — reviewers' decisions on list hits (see es_records.h). */
#include "es_records_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "es_io.h"
#include "es_jsonw.h"

static const char SQL_ALL[] =
	"SELECT id, party, party_key, country, source, entry_id, entry_name, entry_hash, kind, reason, by_user, at,"
	" expires, revoked_at, revoked_by, revoke_reason, mac FROM dispositions ORDER BY id";
static const char SQL_ONE[] =
	"SELECT id, party, party_key, country, source, entry_id, entry_name, entry_hash, kind, reason, by_user, at,"
	" expires, revoked_at, revoked_by, revoke_reason, mac FROM dispositions WHERE id = ?";
static const char SQL_SETMAC[] = "UPDATE dispositions SET mac = ? WHERE id = ?";
#define DISP_FIELDS 16 /* the columns of SQL_ALL before mac */

/* The MAC of the row at the cursor (columns as SQL_ALL). */
static bool row_mac(es_records *r, es_cursor *c, char out[65])
{
	const es_store_ops *o = r->st->ops;
	char id[32];
	const char *f[DISP_FIELDS];
	snprintf(id, sizeof id, "%lld", o->col_int(c, 0));
	f[0] = id;
	for (int i = 1; i < DISP_FIELDS; i++)
		f[i] = o->col_text(c, i);
	return es_rec_disp_mac(r, f, DISP_FIELDS, out);
}

/* Whether the row at the cursor is as exportscreen wrote it (never true without the key). */
static bool row_ok(es_records *r, es_cursor *c)
{
	char m[65];
	const char *stored = r->st->ops->col_text(c, DISP_FIELDS);
	return r->have_key && stored && row_mac(r, c, m) && strcmp(m, stored) == 0;
}

/* Re-MACs disposition id after a write (inside the write transaction). */
static es_code seal(es_records *r, long long id, es_err *err)
{
	const es_store_ops *o = r->st->ops;
	es_cursor *c;
	es_val k[] = {ES_VINT(id)};
	es_code rc = o->query(r->st, SQL_ONE, k, 1, &c, err);
	if (rc != ES_OK)
		return rc;
	char m[65];
	int s = o->step(c, err);
	bool ok = s > 0 && row_mac(r, c, m);
	o->done(c);
	if (!ok)
		return s < 0 ? ES_EIO : es_err_set(err, ES_EINTERNAL, "disposition %lld: cannot seal", id);
	es_val a[] = {ES_VTEXT(m), ES_VINT(id)};
	return o->exec(r->st, SQL_SETMAC, a, 2, NULL, err);
}

es_code es_rec_verify_disps(es_records *r, long long *bad_id, es_err *err);
es_code es_rec_verify_disps(es_records *r, long long *bad_id, es_err *err)
{
	const es_store_ops *o = r->st->ops;
	es_cursor *c;
	*bad_id = 0;
	es_code rc = o->query(r->st, SQL_ALL, NULL, 0, &c, err);
	if (rc != ES_OK)
		return rc;
	int s;
	while ((s = o->step(c, err)) > 0)
		if (!row_ok(r, c)) {
			*bad_id = o->col_int(c, 0);
			break;
		}
	o->done(c);
	return s < 0 ? ES_EIO : ES_OK;
}
static const char SQL_INS[] =
	"INSERT INTO dispositions (party, party_key, country, source, entry_id, entry_name, entry_hash, kind,"
	" reason, by_user, at, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_MAXID[] = "SELECT max(id) FROM dispositions";
static const char SQL_REVOKE[] =
	"UPDATE dispositions SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL";
static const char SQL_GET[] = "SELECT revoked_at, party, source, entry_id FROM dispositions WHERE id = ?";

static char *dup0(const char *s)
{
	return strdup(s ? s : "");
}

void es_rec_party_key(es_records *r, const es_matcher *m, const char *name, char *out, size_t cap)
{
	out[0] = '\0';
	if (!m || !name)
		return;
	es_err e = {0};
	if (es_normalize(es_matcher_normalizer(m), name, strlen(name), r->ntoks, &e) != ES_OK) {
		snprintf(out, cap, "%s", name);
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < r->ntoks->n; i++) {
		const es_tok *t = &r->ntoks->tok[i];
		if (n + t->canon_len + 2 >= cap)
			break;
		if (n)
			out[n++] = ' ';
		memcpy(out + n, t->canon, t->canon_len);
		n += t->canon_len;
	}
	out[n] = '\0';
}

void es_records_entry_hash(const es_rec *rec, char out[65])
{
	es_buf b = {0};
#define F(s) (es_buf_adds(&b, (s) ? (s) : ""), es_buf_addc(&b, '\x1f'))
	F(es_source_id(rec->source));
	F(rec->entry_id);
	F(rec->list);
	es_buf_printf(&b, "%d\x1f", (int)rec->type);
	F(rec->name);
	for (size_t i = 0; i < rec->n_programs; i++)
		F(rec->programs[i]);
	es_buf_addc(&b, '\x1e');
	for (size_t i = 0; i < rec->n_countries; i++) {
		es_buf_add(&b, rec->countries[i], 2);
		es_buf_addc(&b, '\x1f');
	}
	es_buf_addc(&b, '\x1e');
	for (size_t i = 0; i < rec->n_addresses; i++) {
		const es_rec_address *a = &rec->addresses[i];
		F(a->street);
		F(a->city);
		F(a->region);
		F(a->postal_code);
		F(a->full);
		F(a->country);
	}
	es_buf_addc(&b, '\x1e');
	F(rec->license_requirement);
	F(rec->license_policy);
	F(rec->federal_register_notice);
	F(rec->start_date);
	F(rec->end_date);
#undef F
	es_sha256_hex(b.s ? b.s : "", b.len, out);
	es_buf_free(&b);
}

es_code es_rec_load_disps(es_records *r, es_err *err);
es_code es_rec_load_disps(es_records *r, es_err *err)
{
	if (r->disps_loaded)
		return ES_OK;
	const es_store_ops *o = r->st->ops;
	es_cursor *c;
	es_code rc = o->query(r->st, SQL_ALL, NULL, 0, &c, err);
	if (rc != ES_OK)
		return rc;
	int s;
	while ((s = o->step(c, err)) > 0) {
		if (o->col_text(c, 13))
			continue; /* revoked */
		const char *exp = o->col_text(c, 12);
		if (exp && *exp && strcmp(exp, r->today) < 0)
			continue; /* expired */
		if (!row_ok(r, c)) {
			/* changed outside exportscreen (or no key to tell): never applied */
			r->disps_bad++;
			continue;
		}
		loaded_disp *d = es_vec_push(&r->disps, sizeof *d);
		if (!d) {
			o->done(c);
			return es_err_set(err, ES_ENOMEM, "out of memory");
		}
		d->view.id = o->col_int(c, 0);
		d->party_key = dup0(o->col_text(c, 2));
		d->country = dup0(o->col_text(c, 3));
		d->source = dup0(o->col_text(c, 4));
		d->entry_id = dup0(o->col_text(c, 5));
		d->entry_hash = dup0(o->col_text(c, 7));
		d->expires = dup0(exp);
		d->by = dup0(o->col_text(c, 10));
		d->at = dup0(o->col_text(c, 11));
		d->reason = dup0(o->col_text(c, 9));
		const char *k = o->col_text(c, 8);
		d->view.true_match = k && strcmp(k, "true_match") == 0;
		d->view.by = d->by;
		d->view.at = d->at;
		d->view.reason = d->reason;
	}
	o->done(c);
	if (s < 0)
		return ES_EIO;
	r->disps_loaded = true;
	return ES_OK;
}

const es_disposition_view *es_records_disposition_for(es_records *r, const es_matcher *m, const char *party,
						      const char *country, const es_rec *rec)
{
	if (!r->disps_loaded && es_rec_load_disps(r, NULL) != ES_OK)
		return NULL;
	if (!rec->entry_id)
		return NULL;
	loaded_disp *d = r->disps.data;
	const char *src = es_source_id(rec->source);
	char key[1024];
	char hash[65];
	bool have_key = false, have_hash = false;
	const es_disposition_view *found = NULL;
	/* when reviewers disagree, a true match wins (fail closed) */
	for (size_t i = 0; i < r->disps.n && !(found && found->true_match); i++) {
		if (strcmp(d[i].entry_id, rec->entry_id) != 0 || strcmp(d[i].source, src) != 0)
			continue;
		if (d[i].country[0] && (!country || strcasecmp(country, d[i].country) != 0))
			continue;
		if (!have_key) {
			es_rec_party_key(r, m, party, key, sizeof key);
			have_key = true;
		}
		if (!key[0] || strcmp(key, d[i].party_key) != 0)
			continue;
		if (!have_hash) {
			es_records_entry_hash(rec, hash);
			have_hash = true;
		}
		if (strcmp(hash, d[i].entry_hash) != 0)
			continue; /* the entry changed since the review */
		if (!found || d[i].view.true_match)
			found = &d[i].view;
	}
	return found;
}

/* The entity of source/entry_id in m, or false. */
static bool find_entry(const es_matcher *m, const char *source, const char *entry_id, es_rec *out)
{
	size_t n = es_matcher_count(m);
	for (size_t i = 0; i < n; i++) {
		es_matcher_entity(m, i, out);
		if (out->entry_id && strcmp(out->entry_id, entry_id) == 0 && strcmp(es_source_id(out->source), source) == 0)
			return true;
	}
	return false;
}

typedef struct {
	const es_disposition_new *d;
	const char *key, *hash, *entry_name, *at;
	long long id;
	char *extra;
} add_ctx;

static es_code add_rows(es_records *r, void *u, es_err *err)
{
	add_ctx *a = u;
	const es_disposition_new *d = a->d;
	const es_store_ops *o = r->st->ops;
	es_val v[] = {ES_VTEXT(d->party), ES_VTEXT(a->key), ES_VTEXT(d->country && *d->country ? d->country : NULL),
		      ES_VTEXT(d->source), ES_VTEXT(d->entry_id), ES_VTEXT(a->entry_name), ES_VTEXT(a->hash),
		      ES_VTEXT(d->true_match ? "true_match" : "false_positive"), ES_VTEXT(d->reason),
		      ES_VTEXT(d->by), ES_VTEXT(a->at), ES_VTEXT(d->expires)};
	es_code rc = o->exec(r->st, SQL_INS, v, 12, NULL, err);
	if (rc != ES_OK)
		return rc;
	es_cursor *c;
	if ((rc = o->query(r->st, SQL_MAXID, NULL, 0, &c, err)) != ES_OK)
		return rc;
	if (o->step(c, err) > 0)
		a->id = o->col_int(c, 0);
	o->done(c);
	if ((rc = seal(r, a->id, err)) != ES_OK)
		return rc;
	es_buf b = {0};
	es_buf_printf(&b, "{\"disposition\":%lld,\"party\":", a->id);
	es_rec_json_str(&b, d->party);
	es_buf_adds(&b, ",\"country\":");
	es_rec_json_str(&b, d->country && *d->country ? d->country : NULL);
	es_buf_adds(&b, ",\"source\":");
	es_rec_json_str(&b, d->source);
	es_buf_adds(&b, ",\"entry_id\":");
	es_rec_json_str(&b, d->entry_id);
	es_buf_adds(&b, ",\"entry_name\":");
	es_rec_json_str(&b, a->entry_name);
	es_buf_adds(&b, ",\"entry_hash\":");
	es_rec_json_str(&b, a->hash);
	es_buf_adds(&b, d->true_match ? ",\"kind\":\"true_match\",\"reason\":" : ",\"kind\":\"false_positive\",\"reason\":");
	es_rec_json_str(&b, d->reason);
	es_buf_adds(&b, ",\"by\":");
	es_rec_json_str(&b, d->by);
	es_buf_adds(&b, ",\"expires\":");
	es_rec_json_str(&b, d->expires);
	es_buf_adds(&b, "}");
	if (b.oom)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	rc = es_rec_pend(r, "review_add", NULL, NULL, NULL, 0, NULL, 0, b.s, err);
	es_buf_free(&b);
	return rc;
}

es_code es_rec_write_with(es_records *r, es_code (*fn)(es_records *r, void *u, es_err *err), void *u, es_err *err);

es_code es_records_disposition_add(es_records *r, const es_matcher *m, const es_disposition_new *d, long long *id,
				   es_err *err)
{
	es_rec rec;
	if (!d->party || !*d->party || !d->source || !d->entry_id || !d->reason || !*d->reason || !d->by)
		return es_err_set(err, ES_EUSAGE, "a disposition needs a party, a source, an entry, a reason and a reviewer");
	if (d->expires && *d->expires && strcmp(d->expires, r->today) < 0)
		return es_err_set(err, ES_EUSAGE, "--expires %s is in the past", d->expires);
	if (!find_entry(m, d->source, d->entry_id, &rec))
		return es_err_set(err, ES_EMISSING, "no entry %s in source %s of the lists in use", d->entry_id, d->source);
	char key[1024], hash[65], now[32];
	es_rec_party_key(r, m, d->party, key, sizeof key);
	if (!key[0])
		return es_err_set(err, ES_EUSAGE, "the party name '%s' has no words to match", d->party);
	es_records_entry_hash(&rec, hash);
	es_rec_now(now);
	add_ctx a = {d, key, hash, rec.name, now, 0, NULL};
	es_code rc = es_rec_write_with(r, add_rows, &a, err);
	if (rc == ES_OK && id)
		*id = a.id;
	return rc;
}

typedef struct {
	long long id;
	const char *by, *reason, *at;
} revoke_ctx;

static es_code revoke_rows(es_records *r, void *u, es_err *err)
{
	revoke_ctx *a = u;
	const es_store_ops *o = r->st->ops;
	es_val v[] = {ES_VTEXT(a->at), ES_VTEXT(a->by), ES_VTEXT(a->reason), ES_VINT(a->id)};
	long long ch = 0;
	es_code rc = o->exec(r->st, SQL_REVOKE, v, 4, &ch, err);
	if (rc != ES_OK)
		return rc;
	if (ch == 0) {
		es_cursor *c;
		es_val k[] = {ES_VINT(a->id)};
		if ((rc = o->query(r->st, SQL_GET, k, 1, &c, err)) != ES_OK)
			return rc;
		int s = o->step(c, err);
		o->done(c);
		return s > 0 ? es_err_set(err, ES_EUSAGE, "disposition %lld is already revoked", a->id)
			     : es_err_set(err, ES_EMISSING, "no disposition %lld", a->id);
	}
	if ((rc = seal(r, a->id, err)) != ES_OK)
		return rc;
	es_buf b = {0};
	es_buf_printf(&b, "{\"disposition\":%lld,\"revoked_by\":", a->id);
	es_rec_json_str(&b, a->by);
	es_buf_adds(&b, ",\"reason\":");
	es_rec_json_str(&b, a->reason);
	es_buf_adds(&b, "}");
	rc = b.oom ? es_err_set(err, ES_ENOMEM, "out of memory")
		   : es_rec_pend(r, "review_revoke", NULL, NULL, NULL, 0, NULL, 0, b.s, err);
	es_buf_free(&b);
	return rc;
}

es_code es_records_disposition_revoke(es_records *r, long long id, const char *by, const char *reason, es_err *err)
{
	if (!reason || !*reason || !by)
		return es_err_set(err, ES_EUSAGE, "revoking needs a reason");
	char now[32];
	es_rec_now(now);
	revoke_ctx a = {id, by, reason, now};
	return es_rec_write_with(r, revoke_rows, &a, err);
}

es_code es_records_disposition_list(es_records *r, const es_matcher *m, bool all, es_disposition_fn fn, void *user,
				    es_err *err)
{
	const es_store_ops *o = r->st->ops;
	es_cursor *c;
	es_code rc = o->begin_read(r->st, err);
	if (rc != ES_OK)
		return rc;
	if ((rc = o->query(r->st, SQL_ALL, NULL, 0, &c, err)) != ES_OK) {
		o->rollback(r->st);
		return rc;
	}
	int s;
	while ((s = o->step(c, err)) > 0) {
		es_disposition d = {0};
		d.id = o->col_int(c, 0);
		d.party = o->col_text(c, 1);
		d.party_key = o->col_text(c, 2);
		d.country = o->col_text(c, 3);
		d.source = o->col_text(c, 4);
		d.entry_id = o->col_text(c, 5);
		d.entry_name = o->col_text(c, 6);
		d.entry_hash = o->col_text(c, 7);
		const char *k = o->col_text(c, 8);
		d.true_match = k && strcmp(k, "true_match") == 0;
		d.reason = o->col_text(c, 9);
		d.by = o->col_text(c, 10);
		d.at = o->col_text(c, 11);
		d.expires = o->col_text(c, 12);
		d.revoked_at = o->col_text(c, 13);
		d.revoked_by = o->col_text(c, 14);
		d.revoke_reason = o->col_text(c, 15);
		es_rec rec;
		char h[65];
		if (!row_ok(r, c))
			d.status = "tampered";
		else if (d.revoked_at)
			d.status = "revoked";
		else if (d.expires && *d.expires && strcmp(d.expires, r->today) < 0)
			d.status = "expired";
		else if (m && !find_entry(m, d.source ? d.source : "", d.entry_id ? d.entry_id : "", &rec))
			d.status = "entry_gone";
		else if (m && (es_records_entry_hash(&rec, h), strcmp(h, d.entry_hash ? d.entry_hash : "") != 0))
			d.status = "entry_changed";
		else
			d.status = "active";
		if (!all && strcmp(d.status, "active") != 0)
			continue;
		if ((rc = fn(user, &d, err)) != ES_OK)
			break;
	}
	o->done(c);
	o->rollback(r->st);
	if (s < 0 && rc == ES_OK)
		rc = ES_EIO;
	return rc;
}

size_t es_records_dispositions_refused(const es_records *r)
{
	return r->disps_bad;
}

void es_records_disposition_write(es_records *r, const es_matcher *m, const char *party, const char *country,
				  const es_rec *rec, es_buf *b)
{
	const es_disposition_view *d = r ? es_records_disposition_for(r, m, party, country, rec) : NULL;
	if (!d)
		return;
	/* still built with jansson and dumped into b (es_jsonw_json), so its
	 * bytes stay those it had inside check's json_t hit; only the hits a
	 * reviewer decided on pay for it */
	json_t *j = json_object();
	json_object_set_new(j, "id", json_integer(d->id));
	json_object_set_new(j, "kind", json_string(d->true_match ? "true_match" : "false_positive"));
	json_object_set_new(j, "by", json_string(d->by ? d->by : ""));
	json_object_set_new(j, "at", json_string(d->at ? d->at : ""));
	json_object_set_new(j, "reason", json_string(d->reason ? d->reason : ""));
	if (j) {
		es_buf_adds(b, ",\"disposition\":");
		es_jsonw_json(b, j);
	}
	json_decref(j);
}
