/* es_order — the order model of `filter` and its two readers (JSON Lines and CSV).
 *
 * An es_order is a view: every string points into storage owned by whoever
 * filled it (the JSON document held in o->json_doc, or the CSV row buffer of an
 * es_csv_orders reader) and stays valid until the next fill or es_order_release.
 * Zero-initialise an es_order before its first use.
 * Absent members are NULL; a JSON null counts as absent. Strings are valid UTF-8,
 * at most ES_ORDER_MAX_FIELD characters, never contain NUL.
 *
 * Validation here is what the contract calls "not a valid order" (interface.md):
 * the caller turns a failure into an ERROR record carrying err->msg. Anything
 * merely incomplete (no ECCN, no end user, unknown type) is valid here and is
 * the rules' business (REVIEW). Everything is bounded: parties, items, field
 * length; going over a limit is an error for that order, never truncation. */
#ifndef ES_ORDER_H
#define ES_ORDER_H

#include <stdbool.h>
#include <stddef.h>

#include "es_country.h"
#include "es_error.h"

#define ES_ORDER_MAX_FIELD 1000    /* characters (code points) in one string field */
#define ES_ORDER_MAX_PARTIES 64
#define ES_ORDER_MAX_ITEMS 256
#define ES_ORDER_MAX_SERVICES 32
#define ES_ORDER_MAX_RECORD (1u << 20) /* bytes in one CSV record (a quoted field may span lines) */
#define ES_ORDER_MAX_NOTES 4       /* free-text members read: notes, note, remarks, comments */

typedef enum {
	ES_ROLE_BUYER,
	ES_ROLE_SHIP_TO,
	ES_ROLE_END_USER,
	ES_ROLE_INTERMEDIATE,
	ES_ROLE_FORWARDER,
	ES_ROLE_PAYER,
	ES_ROLE_OTHER,
	ES_ROLE_COUNT
} es_role;

/* Contract spelling: "buyer", "ship_to", "end_user", "intermediate_consignee", ... */
const char *es_role_name(es_role r);
int es_role_from_name(const char *s, es_role *out);

typedef enum {
	ES_EU_UNKNOWN,      /* "unknown", or no type given (type_given tells which) */
	ES_EU_COMMERCIAL,
	ES_EU_GOVERNMENT,
	ES_EU_MILITARY,
	ES_EU_POLICE,
	ES_EU_INTELLIGENCE,
	ES_EU_TELECOM,
	ES_EU_BANK,
	ES_EU_EDUCATION,
	ES_EU_INDIVIDUAL,
	ES_EU_OTHER         /* a type the contract does not know (type holds it) */
} es_eu_type;

const char *es_eu_type_name(es_eu_type t);

typedef struct {
	es_role role;
	const char *name;          /* never NULL, never empty */
	const char *address, *city, *region, *postal_code;
	const char *country;       /* valid ISO alpha-2 or NULL */
	const char *type;          /* as given, or NULL */
	es_eu_type eu_type;
	const char *relationship;  /* extension: "owner", "parent", "notify_party", ... */
	bool has_ownership;        /* ownership_percent member present */
	bool ownership_known;      /* ... and a number (null = share unknown) */
	double ownership_percent;
} es_party;

/* Where an item's classification comes from (es_products_classify sets it). */
typedef enum {
	ES_ITEM_AS_GIVEN = 0,     /* the order's own ECCN/ENC (no catalog, no SKU, or the catalog agrees) */
	ES_ITEM_FROM_CATALOG,     /* the order left ECCN or ENC out: the catalog's values */
	ES_ITEM_MISMATCH,         /* the order contradicts the catalog: the catalog's values,
				     the order's in given_eccn/given_enc */
	ES_ITEM_NOT_IN_CATALOG    /* a catalog is in use and the SKU is not in it */
} es_item_source;

typedef struct {
	const char *sku, *eccn, *enc;
	es_item_source source;
	const char *given_eccn, *given_enc; /* ES_ITEM_MISMATCH: what the order said */
	const char *ccats;                  /* from the catalog, or NULL */
} es_item;

typedef struct es_order {
	const char *order_id;      /* string ids only; numeric ids stay in the raw record */
	const char *destination;   /* valid ISO alpha-2 or NULL */
	const char *ship_date, *payment_terms, *end_use;
	const char *notes[ES_ORDER_MAX_NOTES]; /* free-text members (notes, remarks, ...), strings only */
	size_t n_notes;
	const char *services_declined[ES_ORDER_MAX_SERVICES];
	size_t n_services_declined;
	bool has_screening;        /* the input already carries a "screening" member */
	es_party parties[ES_ORDER_MAX_PARTIES];
	size_t n_parties;
	es_item items[ES_ORDER_MAX_ITEMS];
	size_t n_items;
	bool items_given;          /* an "items" member (or eccn column) was present */
	const struct es_jval *json_root; /* the document of a JSON order (in json_doc), else NULL */
	struct es_jsondoc *json_doc;      /* the memory of JSON orders, reused (es_jsondoc.h) */
} es_order;

/* Releases what a fill left in o (the JSON document) and clears it. */
void es_order_release(es_order *o);
/* Releases o and the memory it keeps for the next JSON order (end of use). */
void es_order_dispose(es_order *o);

/* Parses one JSON Lines record (without its line terminator) into o.
 * Rejects: invalid UTF-8, invalid JSON as jansson reads it (duplicate member names
 * included, nesting beyond ES_JSON_MAX_DEPTH, \u0000, lone surrogates, numbers
 * beyond the double range) or with a raw NUL byte, a non-object, missing/empty/non-array
 * parties, bad party (role, name, country), non-string fields, over-long fields, too
 * many parties or items. On failure err holds one line without the "line N:" prefix. */
es_code es_order_parse_json(const char *line, size_t len, const es_countries *countries, es_order *o,
			    es_err *err);

/* A CSV order reader (interface.md: header-driven, one order per row).
 * Memory is bounded by the record limit (ES_ORDER_MAX_RECORD unless set): a record
 * that grows past it (an unbalanced quote swallowing the lines after it) is an
 * error for the lines read so far, and reading starts afresh at the next line with
 * the header kept. */
typedef struct es_csv_orders es_csv_orders;

typedef struct es_colmap es_colmap;

es_code es_csv_orders_new(es_csv_orders **out, es_err *err);
void es_csv_orders_free(es_csv_orders *r);

/* Options, set before the first feed. delimiter: ',', ';', '\t' (or any byte but
 * quote, CR, LF); 0 = detected from the header line (the most frequent of ',', ';'
 * and tab outside quotes; ',' when none). map (borrowed, may be NULL) names the
 * contract column of headers an ERP writes differently. */
void es_csv_orders_set_delimiter(es_csv_orders *r, char delimiter);
void es_csv_orders_set_columns(es_csv_orders *r, const es_colmap *map);
void es_csv_orders_set_max_record(es_csv_orders *r, size_t bytes);

/* The delimiter in use (',' until the header has been read when detecting). */
char es_csv_orders_delimiter(const es_csv_orders *r);

/* Feeds one physical line (terminator included if it had one). Sets *row_done
 * when a complete CSV record ends with this line (a quoted field may span lines),
 * or when the record fails (malformed, or past the record limit: the lines fed so
 * far are that one record's). The first complete record is the header; *is_header
 * is set for it. */
es_code es_csv_orders_feed(es_csv_orders *r, const char *line, size_t len, bool at_eof, bool *row_done,
			   bool *is_header, es_err *err);

/* Drops a half-read record (the caller skipped the rest of an over-long line);
 * the header and options stay. */
es_code es_csv_orders_reset(es_csv_orders *r, es_err *err);

/* Bytes the reader holds now (its buffers and the CSV parser's): bounded by a
 * small multiple of the record limit, whatever the input. For tests and fuzzing. */
size_t es_csv_orders_footprint(const es_csv_orders *r);

/* Turns the last complete data row into o (valid until the next feed).
 * Same validation as the JSON reader; eccn/enc columns hold ';'-separated items. */
es_code es_csv_orders_row(es_csv_orders *r, const es_countries *countries, es_order *o, es_err *err);

/* Number of header columns (0 before the header). */
size_t es_csv_orders_columns(const es_csv_orders *r);

/* Whether name is a column the contract defines (order_id, eccn, end_user_name, ...). */
bool es_csv_column_known(const char *name);

#endif
