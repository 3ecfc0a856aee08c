/* es_live — the list set in use by a long-running process (serve, a filter fed
 * for hours), swapped in without a restart when `fetch` points DATA/current at
 * a new set.
 *
 * Invariants: a snapshot is one list set with its matcher (memory-mapped index,
 * read-only, shared by every thread), its version (the set hash) and whether it
 * was stale when taken. A caller screens with the snapshot it acquired from
 * start to end of a request or record, so nothing it answers mixes two sets;
 * snapshots are reference counted and freed when the last user releases them
 * after a newer one took their place. A reload that fails (a damaged new set)
 * leaves the snapshot in use untouched and is reported through
 * es_live_refresh's error; a data dir that held a fetched set never falls back
 * to the bundled lists (interface.md).
 *
 * Threads: acquire/release may be called from any thread; es_live_refresh from one thread at a time (the watcher). */
#ifndef ES_LIVE_H
#define ES_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "es_country.h"
#include "es_error.h"
#include "es_filter.h"
#include "es_listset.h"
#include "es_match.h"
#include "es_rules.h"

typedef struct es_live es_live;

/* One list set as screened with. Fields are read-only for users. */
typedef struct es_snapshot {
	es_listset *ls;
	es_matcher *m;
	const char *version;  /* ls->set_hash */
	bool stale;           /* older than max_age_days when taken */
	time_t taken_at;
	char **problems;      /* per manifest source: why its files do not match the manifest, or NULL
			       * (sha256 of every file checked once when taken, as `lists` does) */
	struct es_snapshot_priv *priv;
} es_snapshot;

typedef struct {
	const char *data_dir;        /* NULL = default */
	const char *lists_dir;       /* bundled lists and data files */
	const es_countries *countries; /* borrowed; outlives the es_live */
	const es_rules *rules;       /* borrowed; for the filters of es_snapshot_filter_take */
	long max_age_days;
	bool allow_stale;
	bool verify_files;           /* hash each file against the manifest when a set is taken */
} es_live_config;

/* Opens the set in use now. Fails like es_listset_open / es_matcher_open. */
es_code es_live_open(es_live **out, const es_live_config *cfg, es_err *err);
/* Frees the holder; snapshots still acquired stay valid until released. */
void es_live_free(es_live *l);

/* The snapshot in use, with one more reference (never NULL). */
es_snapshot *es_live_acquire(es_live *l);
void es_snapshot_release(es_snapshot *s);

/* Looks whether DATA/current names another set than the one in use (or the
 * staleness of the one in use changed with time) and, if so, takes the new
 * one. *changed says whether a swap happened. On failure the snapshot in use
 * stays and err says why (the new set cannot be opened, or it is the bundled
 * fall-back of a data dir that held a fetched set). */
es_code es_live_refresh(es_live *l, bool *changed, es_err *err);

/* Number of swaps done, and of reloads that failed, since open. */
size_t es_live_reloads(const es_live *l);
size_t es_live_reload_failures(const es_live *l);

/* The filter configuration for screening JSON Lines with this snapshot (its
 * matcher, version and staleness; the holder's rules and countries). The
 * pointers stay valid while the snapshot is held. */
void es_snapshot_filter_config(const es_snapshot *s, es_filter_config *out);

#endif
