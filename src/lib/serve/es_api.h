/* es_api — the JSON bodies of the service's read endpoints, the same bytes the
 * CLI prints: one `check --json` line, one `compare --json` line, the
 * `lists --json` object. Each builder writes a NUL-terminated string with its
 * final newline into *out (caller frees) and never prints.
 *
 * The action of a match is the rules' (es_rules_list_action), and with a
 * records store a match carries the reviewers' disposition, as in `check`. */
#ifndef ES_API_H
#define ES_API_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "es_data_age.h"
#include "es_error.h"
#include "es_links.h"
#include "es_live.h"
#include "es_match.h"
#include "es_records.h"
#include "es_rules.h"

#define ES_API_MAX_NAME 4096 /* bytes of a queried name, as `check -` reads lines */
#define ES_API_MAX_LIMIT 1000

/* The object `check --json` prints for name (ES_EENCODING / ES_ETOOBIG /
 * ES_EUSAGE when the name cannot be screened: err says why). records may be
 * NULL; the country qualifier of q also picks the dispositions. */
es_code es_api_check_json(const es_matcher *m, const es_rules *rules, const es_links *links, es_records *records,
			  const char *name, size_t len,
			  const es_query *q, bool explain, char **out, size_t *out_len, size_t *n_matches,
			  es_err *err);

/* The object `compare --json` prints. */
es_code es_api_compare_json(const es_matcher *m, const char *a, const char *b, es_type type, double threshold,
			    char **out, size_t *out_len, es_err *err);

/* The object `lists --json` prints for the snapshot, ages at time now. */
es_code es_api_lists_json(const es_snapshot *s, const es_data_age *ages, long max_age_days, time_t now, char **out,
			  size_t *out_len,
			  es_err *err);

#endif
