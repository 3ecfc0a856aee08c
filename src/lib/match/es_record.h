/* es_record — the read-only view of one indexed entity that the index
 * stores and the matcher hands out (es_matcher_entity). */
#ifndef ES_RECORD_H
#define ES_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "es_entity.h"

/* Read-only view of one indexed entity. All pointers are owned by the
 * matcher (valid until es_matcher_free). Arrays are NULL when empty. */
typedef struct {
	const char *street, *city, *region, *postal_code, *full;
	char country[3];
} es_rec_address;

typedef struct {
	es_source source;
	const char *entry_id;
	const char *list;             /* "SDN", "EL", "DPL", "UN", ... */
	es_type type;
	const char *name;             /* primary name */
	const char *const *programs;
	size_t n_programs;
	const char (*countries)[3];   /* all countries (any role), deduplicated */
	size_t n_countries;
	const es_rec_address *addresses;
	size_t n_addresses;
	const char *license_requirement, *license_policy, *federal_register_notice;
	const char *start_date, *end_date;
	const char *remarks;          /* the source's remarks (OFAC, UN, CSL), or NULL */
	bool address_only;            /* an Entity List entry that names an address, not a party */
} es_rec;

#endif
