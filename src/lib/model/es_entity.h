/* es_entity — the one entity model every list parser produces.
 *
 * An es_entity owns all of its strings and arrays; es_entity_free releases
 * them. Builders (es_entity_add_*) copy their arguments and enforce the
 * per-entity limits below: going over a limit returns ES_ETOOBIG, never
 * truncates silently. Strings are UTF-8; "" is never stored for an absent
 * value (NULL is). Country codes are ISO 3166-1 alpha-2, upper case. */
#ifndef ES_ENTITY_H
#define ES_ENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include "es_error.h"

/* Limits on anything built from outside input. */
#define ES_MAX_FIELD 65536     /* bytes in one field (remarks included) */
#define ES_MAX_NAME 1024       /* bytes in one name or alias */
#define ES_MAX_NAMES 512       /* names (primary + aliases) per entity */
#define ES_MAX_ITEMS 512       /* addresses, ids, dates, programs... per entity */

typedef enum {
	ES_SRC_OFAC_SDN,
	ES_SRC_OFAC_CONS,
	ES_SRC_US_CSL,
	ES_SRC_UN_SC,
	ES_SRC_EU_FSF,
	ES_SRC_UK_FCDO,
	ES_SRC_COUNT
} es_source;

/* "ofac_sdn", "ofac_cons", "us_csl", "un_sc", "eu_fsf", "uk_fcdo" (interface.md). */
const char *es_source_id(es_source s);
/* Returns 0 and sets *out, or -1 for an unknown id. */
int es_source_from_id(const char *id, es_source *out);

typedef enum {
	ES_TYPE_UNKNOWN,
	ES_TYPE_PERSON,
	ES_TYPE_ENTITY,
	ES_TYPE_VESSEL,
	ES_TYPE_AIRCRAFT
} es_type;

const char *es_type_name(es_type t); /* "unknown", "person", ... */
int es_type_from_name(const char *s, es_type *out);

typedef enum {
	ES_NAME_PRIMARY,  /* the listed primary name (also in es_entity.name) */
	ES_NAME_AKA,
	ES_NAME_FKA,
	ES_NAME_NKA,
	ES_NAME_ORIGINAL  /* original-script form of the primary name */
} es_name_kind;

typedef enum { ES_STRONG, ES_WEAK } es_strength;

typedef struct {
	char *name;          /* as listed */
	es_name_kind kind;
	es_strength strength;
	char *script;        /* "Arabic", "Cyrillic", ... or NULL (Latin / unknown) */
} es_name;

typedef struct {
	char *street, *city, *region, *postal_code;
	char country[3];     /* ISO alpha-2 or "" when unknown */
	char *full;          /* the address as written in the source, or NULL */
} es_address;

typedef enum {
	ES_CTRY_NATIONALITY,
	ES_CTRY_CITIZENSHIP,
	ES_CTRY_ADDRESS,
	ES_CTRY_BIRTH,
	ES_CTRY_OTHER
} es_country_role;

typedef struct {
	char cc[3];
	es_country_role role;
} es_country;

/* A (possibly partial or ranged) date. Unknown parts are 0. */
typedef struct {
	char *text;          /* original text */
	int year, month, day;
	int year_to;         /* for ranges ("1960 to 1962", UN BETWEEN), else 0 */
	bool approximate;    /* "circa", UN APPROXIMATELY */
} es_entity_date;

typedef struct {
	char *type;          /* "Passport", "National ID No.", "IMO", ... */
	char *number;
	char country[3];     /* issuing country or "" */
} es_ident;

typedef struct es_entity {
	es_source source;
	char *entry_id;      /* interface.md "entry_id" */
	char *list;          /* sub-list: "SDN", "EL", "DPL", "UN", ... */
	es_type type;
	char *name;          /* primary name; never NULL in a parsed entity */

	es_name *names;      /* all names: primary first, then aliases, originals */
	size_t n_names;
	es_address *addresses;
	size_t n_addresses;
	es_country *countries;
	size_t n_countries;
	es_entity_date *dobs;
	size_t n_dobs;
	char **pobs;         /* places of birth as text */
	size_t n_pobs;
	es_ident *ids;
	size_t n_ids;
	char **programs;
	size_t n_programs;

	char *title;
	char *remarks;

	/* Export-control fields (CSL) */
	char *license_requirement;
	char *license_policy;
	char *federal_register_notice;
	char *start_date;
	char *end_date;
	char *standard_order;

	/* Vessel / aircraft */
	char *call_sign, *vessel_type, *vessel_flag, *vessel_owner, *tonnage, *grt;
} es_entity;

/* Allocates a zeroed entity; returns NULL on out of memory. */
es_entity *es_entity_new(es_source source);
void es_entity_free(es_entity *e);

/* Replaces *field with a copy of s (NULL or all-whitespace clears it).
 * Leading/trailing whitespace is trimmed. Fails with ES_ETOOBIG past ES_MAX_FIELD. */
es_code es_entity_set(char **field, const char *s, size_t len, es_err *err);

/* Sets the primary name (also adds it as names[0] if not there yet). */
es_code es_entity_set_name(es_entity *e, const char *name, size_t len, es_err *err);
es_code es_entity_add_name(es_entity *e, const char *name, size_t len, es_name_kind kind,
			   es_strength strength, const char *script, es_err *err);
/* Adds an address; takes ownership of nothing (all fields copied; NULLs allowed). */
es_code es_entity_add_address(es_entity *e, const es_address *a, es_err *err);
/* Adds a country unless the same (cc, role) is already present; cc must be 2 letters. */
es_code es_entity_add_country(es_entity *e, const char *cc, es_country_role role, es_err *err);
es_code es_entity_add_dob(es_entity *e, const es_entity_date *d, es_err *err);
es_code es_entity_add_pob(es_entity *e, const char *pob, es_err *err);
es_code es_entity_add_ident(es_entity *e, const char *type, const char *number,
			    const char *cc, es_err *err);
es_code es_entity_add_program(es_entity *e, const char *program, size_t len, es_err *err);

/* Checks the invariants of a finished entity (entry id and name present). */
es_code es_entity_validate(const es_entity *e, es_err *err);

/* A growable array of owned entities. */
typedef struct {
	es_entity **items;
	size_t n, cap;
} es_entityset;

void es_entityset_init(es_entityset *s);
/* Takes ownership of e (also on failure, where e is freed). */
es_code es_entityset_add(es_entityset *s, es_entity *e, es_err *err);
void es_entityset_clear(es_entityset *s);

#endif
