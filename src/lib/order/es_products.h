/* es_products — a product classification catalog: the company's own
 * classification of its part numbers (ECCN, License Exception ENC paragraph,
 * CCATS, note), applied to an order's items before the rules see them.
 *
 * File format: CSV (UTF-8; one record a line, no field spanning lines; blank
 * lines and lines starting with '#' skipped). The first record is the header;
 * columns by name, in any order, any case: part_number (required; "sku" is
 * accepted for it), eccn (required), enc, ccats, note; other columns ignored.
 *
 *     part_number,eccn,enc,ccats,note
 *     SRX300-SYS-JB,5A002.a,b1,G123456,example value
 *     EX4300-*,5A992.c,mass_market,,whole family
 *
 * A part number holding '*', '?' or '[' is a pattern (fnmatch(3) glob; no
 * backslash escapes). Part numbers are compared in upper case with blanks around
 * them trimmed. A SKU takes the exact entry, else the matching pattern with the
 * most literal characters (on a tie the earlier line). enc is empty or one of
 * b1, b2, b3, mass_market, none. Bad lines fail with "file:line: reason"; a part
 * number or pattern listed twice is an error. Immutable after loading. */
#ifndef ES_PRODUCTS_H
#define ES_PRODUCTS_H

#include <stddef.h>

#include "es_error.h"
#include "es_order.h"

#define ES_PRODUCTS_MAX_BYTES (64u << 20)
#define ES_PRODUCTS_MAX_PART 64

typedef struct es_products es_products;

typedef struct {
	const char *part;    /* as listed (upper case); a pattern when pattern is set */
	int pattern;
	const char *eccn;
	const char *enc;     /* NULL when the catalog gives none */
	const char *ccats;   /* NULL when none */
	const char *note;    /* NULL when none */
	long line;
} es_product;

es_code es_products_load(es_products **out, const char *path, es_err *err);
/* The same from text in memory (name is used in messages). */
es_code es_products_parse(es_products **out, const char *text, size_t len, const char *name, es_err *err);
void es_products_free(es_products *c);

size_t es_products_count(const es_products *c);

/* The entry for a part number, or NULL. Owned by the catalog. */
const es_product *es_products_lookup(const es_products *c, const char *sku);

/* Whether an order's ECCN agrees with the catalog's: the same ECCN, or one a
 * sub-paragraph of the other ("5A002" and "5A002.a.1"); blanks and case ignored. */
int es_products_eccn_agrees(const char *order_eccn, const char *catalog_eccn);

/* Classifies o's items in place (es_item.source): an item with a SKU in the
 * catalog takes the catalog's ECCN and ENC (ES_ITEM_FROM_CATALOG when the order
 * left one out, ES_ITEM_MISMATCH when it said something else, keeping what it
 * said in given_eccn/given_enc); a SKU not in the catalog is
 * ES_ITEM_NOT_IN_CATALOG; an item without a SKU is left as it is. The strings
 * set point into the catalog. */
void es_products_classify(const es_products *c, es_order *o);

#endif
