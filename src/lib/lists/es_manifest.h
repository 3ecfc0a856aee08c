/* es_manifest — the description of one list set (bundled or fetched):
 * per source its id, format, files (role, relative path, sha256 of the
 * uncompressed content), data date, fetched/confirmed time, entry count and
 * HTTP validators. Stored as manifest.json in the set's directory, replaced
 * atomically. The set hash (the "list version" of interface.md) is derived
 * from the sources' ids and file hashes, so it changes exactly when data does. */
#ifndef ES_MANIFEST_H
#define ES_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "es_entity.h"
#include "es_error.h"

#define ES_MANIFEST_MAX_FILES 8

typedef struct {
	char role[16];        /* "main", "add", "alt", "comments" */
	char *path;           /* relative to the set directory */
	char sha256[65];
} es_manifest_file;

typedef struct {
	es_source source;
	char format[16];
	char data_date[32];   /* YYYY-MM-DD or "" */
	char fetched_at[32];  /* ISO 8601 UTC: last fetched or confirmed unchanged */
	long entries;
	char *etag, *last_modified, *url;   /* NULL when unknown */
	es_manifest_file files[ES_MANIFEST_MAX_FILES];
	size_t n_files;
} es_manifest_source;

typedef struct {
	char set[16];         /* "bundled" or "fetched" */
	es_manifest_source sources[ES_SRC_COUNT];
	size_t n_sources;
	/* The sources the set must hold ("required" in manifest.json): for a
	 * fetched set, every source of the catalog the fetch used (and of the
	 * sets before it). A set lacking one of them is incomplete and not used. */
	bool required[ES_SRC_COUNT];
	bool has_required;    /* the manifest states "required" */
} es_manifest;

/* Loads and checks manifest.json: known source ids, each once, files with
 * relative paths and sha256, data_date empty or a real YYYY-MM-DD date,
 * fetched_at empty or an ISO-8601 time; ES_ECORRUPT naming the path. */
es_code es_manifest_load(es_manifest *m, const char *path, es_err *err);
es_code es_manifest_save(const es_manifest *m, const char *path, es_err *err);
void es_manifest_free(es_manifest *m);

/* The source entry with this id, or NULL. */
es_manifest_source *es_manifest_find(es_manifest *m, es_source s);

/* Path of the file with this role (e.g. "main"), or NULL. Owned by m. */
const char *es_manifest_file_path(const es_manifest_source *s, const char *role);

/* Set hash: sha256 over "id sha256..." lines of every source; 64 hex + NUL. */
void es_manifest_set_hash(const es_manifest *m, char out[65]);

/* Seconds since the epoch for an ISO-8601 UTC time ("2024-07-02T08:24:03Z",
 * "2024-07-02"), or -1 when it is not one (an impossible date or time
 * included: es_date). */
time_t es_parse_iso_time(const char *s);

#endif
