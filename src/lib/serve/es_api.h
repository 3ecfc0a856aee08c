/* es_api — the JSON bodies of the service's read endpoints, the same bytes the
 * CLI prints: one `check --json` line, one `compare --json` line, the
 * `lists --json` object. Each builder writes a NUL-terminated string with its
 * final newline into *out (caller frees) and never prints.
 *
 * The list -> action column of check comes from lists/rules/list_actions.tsv,
 * loaded once (es_api_actions_load) and read-only after: safe to share. */
#ifndef ES_API_H
#define ES_API_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "es_error.h"
#include "es_live.h"
#include "es_match.h"

typedef struct es_api_actions es_api_actions;

/* A missing rules file is not an error: the built-in fall-back (sanctions
 * lists prohibit, EL needs a licence, others review) answers, as in `check`. */
es_code es_api_actions_load(es_api_actions **out, const char *lists_dir, es_err *err);
void es_api_actions_free(es_api_actions *a);
const char *es_api_action_for(const es_api_actions *a, es_source src, const char *list);

#define ES_API_MAX_NAME 4096 /* bytes of a queried name, as `check -` reads lines */
#define ES_API_MAX_LIMIT 1000

/* The object `check --json` prints for name (ES_EENCODING / ES_ETOOBIG /
 * ES_EUSAGE when the name cannot be screened: err says why). */
es_code es_api_check_json(const es_matcher *m, const es_api_actions *act, const char *name, size_t len,
			  const es_query *q, bool explain, char **out, size_t *out_len, size_t *n_matches,
			  es_err *err);

/* The object `compare --json` prints. */
es_code es_api_compare_json(const es_matcher *m, const char *a, const char *b, es_type type, double threshold,
			    char **out, size_t *out_len, es_err *err);

/* The object `lists --json` prints for the snapshot, ages at time now. */
es_code es_api_lists_json(const es_snapshot *s, long max_age_days, time_t now, char **out, size_t *out_len,
			  es_err *err);

#endif
