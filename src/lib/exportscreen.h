/* exportscreen.h — the public interface of the exportscreen library: what the
 * exportscreen executable and other programs may call. It is the only header
 * the CLI includes (tests/cli/test_public_header.sh checks) and the only one
 * installed (`cmake --install build --component dev` writes it as one file
 * with the headers below inlined, plus libexportscreen.a); every other header
 * under src/lib/ is private to the library and may change without notice.
 *
 * What it offers, by task (each header says who owns what):
 *   errors        es_code, es_err, es_strerror                  (es_error.h)
 *   installation  es_install_lists_dir: the bundled data files   (es_install.h)
 *   files, text   es_read_file, es_path_join, es_sha256_file     (es_io.h),
 *                 UTF-8 validation and cutting by display width  (es_utf8.h)
 *   lists         es_listset_open, the manifest, staleness      (es_listset.h)
 *   countries     es_countries_load, es_country_valid            (es_country.h)
 *   names         es_matcher_open / _query / _compare / _entity  (es_match.h),
 *                 the scripts of a name (es_normalize.h, es_script.h)
 *   orders        es_rules_load, es_filter_new / _run            (es_rules.h, es_filter.h)
 *   review        a name's hits grouped into listed entities     (es_check.h)
 *   sources       official links, data-date ages (es_links.h, es_data_age.h)
 *   fetching      es_http_global_init, es_fetch_run              (es_http.h, es_fetch.h)
 *   ERP input     decoders, column maps, the product catalog
 *                 (es_decode.h, es_colmap.h, es_products.h)
 *   records       the audit trail, dispositions, re-screening    (es_records.h) */
#ifndef EXPORTSCREEN_H
#define EXPORTSCREEN_H

#include "es_error.h"
#include "es_install.h"
#include "es_io.h"
#include "es_utf8.h"
#include "es_country.h"
#include "es_entity.h"
#include "es_data_age.h"
#include "es_links.h"
#include "es_check.h"
#include "es_check_json.h"
#include "es_listset.h"
#include "es_match.h"
#include "es_normalize.h"
#include "es_script.h"
#include "es_rules.h"
#include "es_filter.h"
#include "es_http.h"
#include "es_fetch.h"
#include "es_decode.h"
#include "es_colmap.h"
#include "es_products.h"
#include "es_records.h"
#include "es_live.h"
#include "es_serve.h"
#include "es_api.h"

#endif
