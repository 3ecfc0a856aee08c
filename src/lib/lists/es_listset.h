/* es_listset — the list set in use: a fetched set in the data directory when
 * it holds a valid one, otherwise the snapshot bundled with the program.
 *
 * Data directory layout (written by es_fetch, read here):
 *   DATA/current          symlink to sets/<id>/, replaced atomically (rename)
 *   DATA/sets/<id>/       manifest.json + the list files (+ index.bin)
 *   DATA/cache/           compiled indexes of the bundled set
 *   DATA/fetch.lock       held by a running fetch
 *   DATA/fetched-once     written when a fetched set is first put in use
 * Because "current" is swapped with one rename, a reader that resolved it
 * once sees one complete set for as long as it runs.
 *
 * Fail closed: the bundled snapshot serves only a data directory that never
 * held a fetched set (no marker, no "current"). Once one did, a missing,
 * dangling or looping "current", a missing or damaged manifest, a source the
 * manifest says the set must hold but lacks, or a missing file is an error
 * (ES_ECORRUPT, one line saying what is wrong and what to run), never a
 * fall-back to the older bundled lists. */
#ifndef ES_LISTSET_H
#define ES_LISTSET_H

#include <stdbool.h>
#include <time.h>

#include "es_country.h"
#include "es_entity.h"
#include "es_error.h"
#include "es_manifest.h"
#include "es_parser.h"

typedef struct {
	char *set_dir;        /* directory holding manifest.json and the files (resolved, no symlink) */
	char *data_dir;       /* data directory (may not exist) */
	char *lists_dir;      /* bundled lists and data files directory */
	bool bundled;         /* true when the bundled snapshot is in use */
	es_manifest manifest;
	char set_hash[65];
} es_listset;

/* Default data directory: $EXPORTSCREEN_DATA, else $XDG_DATA_HOME/exportscreen,
 * else $HOME/.local/share/exportscreen. Caller frees. */
char *es_default_data_dir(void);

#define ES_FETCHED_MARKER "fetched-once"

/* True when data_dir has held a fetched set (the marker or "current" exists):
 * from then on the bundled snapshot is never used for it. */
bool es_data_dir_has_fetched(const char *data_dir);

/* Opens the set in use (see "fail closed" above). data_dir NULL = default;
 * lists_dir = bundled lists. */
es_code es_listset_open(es_listset **out, const char *data_dir, const char *lists_dir, es_err *err);
void es_listset_free(es_listset *ls);
/* Opens the set in directory dir itself (not via DATA/current): used by fetch
 * to build the index of a new set before it swaps it in. bundled = false. */
es_code es_listset_open_dir(es_listset **out, const char *dir, const char *data_dir, const char *lists_dir,
			    es_err *err);

/* Absolute path of a file of the set (caller frees). */
char *es_listset_path(const es_listset *ls, const char *rel);

/* How to parse a set's sources: where the entities go and who hears about
 * skipped records. */
typedef struct {
	const es_countries *countries;
	es_entityset *out;         /* entities are appended here */
	es_diag_cb on_diag;        /* may be NULL */
	void *diag_ctx;
} es_listset_parse_opts;

/* Parses one source of the set into o->out. Each file is checked against
 * its manifest sha256 on the very bytes the parser reads: a file that fails
 * is never parsed (ES_ECORRUPT naming the file and what to run), so an index
 * is never built from lists other than the ones the set's version stands for. */
es_code es_listset_parse_source(const es_listset *ls, const es_manifest_source *src,
				const es_listset_parse_opts *o, es_parse_stats *stats, es_err *err);
/* Parses every source of the set (in manifest order), each checked as above. */
es_code es_listset_parse_all(const es_listset *ls, const es_listset_parse_opts *o, es_err *err);

/* Age in whole days of a source's fetched_at at time now (-1 if unknown). */
long es_source_age_days(const es_manifest_source *s, time_t now);
/* True when any source is older than max_age_days. */
bool es_listset_stale(const es_listset *ls, time_t now, long max_age_days);

#define ES_DEFAULT_MAX_AGE_DAYS 7

#endif
