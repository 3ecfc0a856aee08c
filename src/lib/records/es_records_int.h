/* es_records_int — what the records layer's files share (not a public API). */
#ifndef ES_RECORDS_INT_H
#define ES_RECORDS_INT_H

#include <openssl/evp.h>

#include "es_buf.h"
#include "es_normalize.h"
#include "es_records.h"
#include "es_store.h"

#define ES_KEY_BYTES 32

/* one record waiting for es_records_commit */
typedef struct {
	char *kind, *at, *order_id, *decision, *extra;
	char *input, *output;
	size_t input_len, output_len;
	size_t first_party, n_parties; /* into records.pparties */
} pending_rec;

/* one party's state to store with a pending record */
typedef struct {
	char *name, *country, *ptype, *role, *hits;
	int pidx;
} pending_party;

/* an active disposition, loaded for the filter hook */
typedef struct {
	es_disposition_view view;
	char *party_key, *country, *source, *entry_id, *entry_hash, *expires;
	char *by, *at, *reason;
} loaded_disp;

struct es_records {
	es_store *st;
	char *path, *key_path;
	unsigned char key[ES_KEY_BYTES];
	EVP_MAC *mac;
	EVP_MAC_CTX *mac_tmpl; /* keyed with key: copied for each MAC (made on first use) */
	long long run_id;
	/* the run's fields, part of every record's MAC body */
	char *run_list_version, *run_lists, *run_rules, *run_tool, *run_host, *run_user, *run_csv_header;
	es_vec pending;   /* pending_rec */
	es_vec pparties;  /* pending_party */
	size_t pending_bytes;
	/* dispositions for the filter hook */
	es_vec disps;     /* loaded_disp */
	bool disps_loaded;
	size_t disps_bad;  /* rows whose MAC does not match: never applied */
	bool have_key;     /* the key file was there (read-only opens may lack it) */
	const es_matcher *hook_matcher;
	bool hook_record;
	es_ntoks *ntoks;
	/* es_records_describe's strings */
	char *d_lists, *d_rules;
	char today[11];
};

/* "YYYY-MM-DDTHH:MM:SSZ" now, UTC. */
void es_rec_now(char out[32]);
/* Normalized party key ("" when the name has no words); out has cap bytes. */
void es_rec_party_key(es_records *r, const es_matcher *m, const char *name, char *out, size_t cap);
/* Adds a record to the pending batch (copies everything). */
es_code es_rec_pend(es_records *r, const char *kind, const char *order_id, const char *decision,
		    const char *input, size_t input_len, const char *output, size_t output_len, const char *extra,
		    es_err *err);
/* Party pi's hits in a screening: "source|entry|ACTION[|fp|tm];..." sorted. */
void es_rec_party_hits(const es_filter_event *ev, size_t pi, es_buf *out);
/* Runs fn's writes and the pending records in one write transaction. */
es_code es_rec_write_with(es_records *r, es_code (*fn)(es_records *r, void *u, es_err *err), void *u, es_err *err);
/* Finds the first disposition row whose MAC does not match (*bad_id 0: none). */
es_code es_rec_verify_disps(es_records *r, long long *bad_id, es_err *err);
/* Loads the active dispositions (once). */
es_code es_rec_load_disps(es_records *r, es_err *err);
/* HMAC of a disposition row's fields (in the order of SQL_DISP_FIELDS). */
bool es_rec_disp_mac(es_records *r, const char *const *fields, size_t n, char out[65]);
/* A stored output: the first prefix bytes of the input, then tail (caller frees). */
char *es_rec_output(const char *in, size_t in_len, long long prefix, const char *tail, size_t *len);
/* JSON string literal of s (NULL -> null) appended to b. */
void es_rec_json_str(es_buf *b, const char *s);
/* "until" date -> the day after, for at < ? comparisons ("" when NULL). */
bool es_rec_day_after(const char *date, char out[11]);

#endif
