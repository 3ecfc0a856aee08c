/* es_fetch — download the lists of a source catalog, validate them, and swap
 * a new list set into the data directory atomically.
 *
 * Invariants (what a concurrent reader can rely on):
 *   - DATA/current always points at a complete set whose files match its
 *     manifest: a new set is built in DATA/sets/<id>.part/, its manifest and
 *     compiled index are written there, the directory is renamed to
 *     DATA/sets/<id>/ and only then is DATA/current replaced, with one
 *     rename(2) of a fresh symlink;
 *   - a download replaces a source only after the whole new copy has been
 *     parsed with the parser the tool uses and has passed validation (not
 *     empty, not HTML, parses, declared count matches, has not lost more than
 *     max_shrink of its entries); otherwise the last good copy stays;
 *   - one fetch at a time: flock(2) on DATA/fetch.lock;
 *   - at the start of every fetch and after a swap, under the lock, what
 *     killed fetches left (sets/<id>.part, complete sets never swapped in,
 *     current.tmp-* links) is removed; the previous two sets are kept so
 *     that a reader that resolved an older "current" can finish, older ones
 *     are removed;
 *   - only a 304 to a conditional request confirms a held file (es_http);
 *   - once the data dir has held a fetched set (DATA/fetched-once, written
 *     at the first swap), the bundled snapshot is never a held copy: the
 *     sources of a vanished or damaged set are fetched as never held;
 *   - the new manifest names the sources the set must hold (the catalog's
 *     and the previous set's): readers refuse a set that lacks one.
 * Nothing here prints: progress and results go through callbacks and the
 * report. */
#ifndef ES_FETCH_H
#define ES_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "es_entity.h"
#include "es_error.h"
#include "es_http.h"
#include "es_manifest.h"

/* ---- the source catalog (lists/sources.tsv; format documented there) ---- */

#define ES_CATALOG_MAX_URLS 4

typedef struct {
	char role[16];
	char *file;          /* relative path inside a set */
	char *version;       /* "sha256", "sha256-xml-attr:NAME", "sha256-skip-lines:N" */
	char *urls[ES_CATALOG_MAX_URLS];
	size_t n_urls;
} es_catalog_file;

typedef struct {
	es_source source;
	char format[16];
	es_catalog_file files[ES_MANIFEST_MAX_FILES];
	size_t n_files;
} es_catalog_source;

typedef struct es_catalog es_catalog;

/* Loads and checks a catalog (unknown ids/formats/roles, bad URLs, a source
 * without a main file, duplicate roles: ES_EFORMAT naming file:line). */
es_code es_catalog_load(es_catalog **out, const char *path, es_err *err);
void es_catalog_free(es_catalog *c);
size_t es_catalog_count(const es_catalog *c);
/* The i-th source (catalog order); owned by c. */
const es_catalog_source *es_catalog_get(const es_catalog *c, size_t i);
const es_catalog_source *es_catalog_find(const es_catalog *c, es_source s);

/* ---- fetch ---- */

typedef enum {
	ES_FETCH_UPDATED,    /* a new copy was validated and is in use */
	ES_FETCH_UNCHANGED,  /* 304 or same content: confirmed unchanged (fetched_at = now) */
	ES_FETCH_FAILED,     /* download failed; the last good copy (if any) is kept */
	ES_FETCH_REJECTED    /* downloaded but failed validation; the last good copy is kept */
} es_fetch_status;

const char *es_fetch_status_name(es_fetch_status s); /* "updated", ... */

typedef enum { ES_FETCH_EV_START, ES_FETCH_EV_PROGRESS, ES_FETCH_EV_DONE } es_fetch_event;

/* Progress of one file download: bytes so far and expected total (0 = unknown). */
typedef void (*es_fetch_progress_cb)(void *ctx, es_fetch_event ev, const char *source_id, const char *role,
				     double now, double total);

typedef struct {
	const char *data_dir;      /* required */
	const char *lists_dir;     /* bundled lists + data files; required */
	const char *catalog_path;  /* NULL = <lists_dir>/sources.tsv */
	const es_source *only;     /* fetch only these sources (others are carried over); NULL = all */
	size_t n_only;
	bool force;                /* no conditional requests; replace even identical content */
	double max_shrink;         /* reject a list that lost more than this share; < 0 = 0.10 */
	es_http_opts http;         /* timeouts, retries, limits, CA bundle (validators/progress ignored) */
	es_fetch_progress_cb progress;
	void *progress_ctx;
} es_fetch_opts;

#define ES_FETCH_DEFAULT_MAX_SHRINK 0.10

typedef struct {
	es_source source;
	es_fetch_status status;
	long entries_before;       /* entries of the copy in use before; -1 none */
	long entries_after;        /* entries of the copy in use after; -1 none */
	char data_date[32];        /* of the copy in use after */
	char message[ES_ERR_MSG_MAX]; /* why it failed / was rejected; "" otherwise */
} es_fetch_result;

typedef struct {
	es_fetch_result results[ES_SRC_COUNT];
	size_t n_results;          /* in catalog order */
	char version_before[65];   /* set hash in use before (bundled or fetched) */
	char version_after[65];
	bool swapped;              /* a new set was swapped in */
	char set_dir[4096];        /* set in use after */
	char index_note[ES_ERR_MSG_MAX]; /* e.g. "matcher not implemented: no index built" */
} es_fetch_report;

/* Runs one fetch. Returns ES_OK when the run completed (per-source outcomes,
 * failures included, are in rep); an error when it could not run at all:
 * ES_ELOCKED (another fetch), ES_EUSAGE (a source not in the catalog), catalog
 * errors, I/O errors on the data directory, or an index build failure (the
 * old set stays in use in every case). */
es_code es_fetch_run(const es_fetch_opts *o, es_fetch_report *rep, es_err *err);

#endif
