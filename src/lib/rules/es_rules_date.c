/* es_rules_date — the dates the rules read (ship_date, policy.tsv windows),
 * through the one date parser. A file of its own because base's es_date type
 * and the entity model's es_date (a partial date of a listed person) share a
 * name, so es_date.h and es_entity.h cannot meet in one file. */
#include <stdbool.h>
#include <string.h>

#include "es_date.h"

int rules_parse_date(const char *s, int *yyyymmdd); /* es_rules_impl.h */

/* "2026-06-01", also with a time after it ("2026-06-01T10:00:00Z"), as yyyymmdd;
 * -1 when it is not a date that exists (2026-02-31). */
int rules_parse_date(const char *s, int *yyyymmdd)
{
	es_date d;
	size_t len = s ? strlen(s) : 0;
	size_t k = s ? es_date_parse_iso_prefix(s, len, &d) : 0;
	if (!k || (len > k && s[k] != 'T' && s[k] != ' '))
		return -1;
	*yyyymmdd = d.y * 10000 + d.m * 100 + d.d;
	return 0;
}
