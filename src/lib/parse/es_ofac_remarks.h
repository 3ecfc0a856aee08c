/* es_ofac_remarks — what the OFAC parsers share: the Remarks extractor, the OFAC
 * date reader and the non-SDN program -> sub-list table (es_ofac_load_tables
 * loads the data files of both for a parse).
 *
 * OFAC keeps weak aliases, dates and places of birth, nationalities and
 * identifiers of the CSV files only inside the free-text Remarks
 * ("DOB 03 May 1938; POB Egypt; a.k.a. 'BNC'."). The item forms are PCRE2
 * patterns in a data file (lists/patterns/ofac_remarks.tsv), compiled once per
 * load; an es_ofac_remarks handle holds match scratch space, so one handle is
 * used by one thread at a time. Nothing here prints or aborts on bad data. */
#ifndef ES_OFAC_REMARKS_H
#define ES_OFAC_REMARKS_H

#include <stdbool.h>
#include <stddef.h>

#include "es_country.h"
#include "es_entity.h"
#include "es_error.h"
#include "es_parser.h"

#define ES_OFAC_REMARKS_FILE "patterns/ofac_remarks.tsv"
#define ES_OFAC_CONS_LISTS_FILE "ofac_cons_lists.tsv"

typedef struct es_ofac_remarks es_ofac_remarks;

/* Loads and compiles the patterns of path. A bad pattern fails with ES_EFORMAT
 * naming the file line. *out is freed with es_ofac_remarks_free. */
es_code es_ofac_remarks_load(es_ofac_remarks **out, const char *path, es_err *err);
void es_ofac_remarks_free(es_ofac_remarks *r);

/* Applies the patterns to each ';'-item of text[0..len) and adds what they
 * find to e (weak aliases, DOBs, POBs, countries, identifiers). Country names
 * are looked up in countries; unknown ones are left out. Items that no pattern
 * matches are ignored (they stay in e->remarks). Fails only when e refuses an
 * addition (ES_ETOOBIG past a per-entity limit, ES_ENOMEM). */
es_code es_ofac_remarks_apply(es_ofac_remarks *r, const es_countries *countries, const char *text,
			      size_t len, es_entity *e, es_err *err);

/* Adds a place of birth and, when its last comma-separated part is a known
 * country ("Cairo, Egypt"), that country with role ES_CTRY_BIRTH. */
es_code es_ofac_add_pob(es_entity *e, const es_countries *countries, const char *pob, es_err *err);

/* Reads an OFAC date: "03 May 1938", "May 1938", "1938", "circa 1960",
 * "1960 to 1962", "01 Jan 1960 to 31 Dec 1962". Fills year/month/day,
 * year_to and approximate of *d (d->text is not touched). Returns false when
 * the text is not such a date (then *d has year 0). */
bool es_ofac_parse_date(const char *s, size_t len, es_entity_date *d);

/* Program tag -> non-SDN sub-list code (lists/ofac_cons_lists.tsv). */
typedef struct es_ofac_lists es_ofac_lists;
es_code es_ofac_lists_load(es_ofac_lists **out, const char *path, es_err *err);
void es_ofac_lists_free(es_ofac_lists *l);
/* Code for an entry with these programs: the first rule (file order) that
 * matches any program; the default rule when none does. Owned by l. */
const char *es_ofac_lists_code(const es_ofac_lists *l, char *const *programs, size_t n);

/* Loads what an OFAC parse needs from in->lists_dir: the Remarks patterns
 * into *rem and, for any source but ES_SRC_OFAC_SDN, the sub-list table into
 * *lists (left NULL for the SDN list). The caller frees both, also on failure. */
es_code es_ofac_load_tables(const es_parse_input *in, es_ofac_remarks **rem, es_ofac_lists **lists, es_err *err);

/* In-memory entry points of the OFAC parsers: es_parse_ofac_csv_buf and
 * es_parse_ofac_xml_buf, declared in es_parser.h. */

#endif
