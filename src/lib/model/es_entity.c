#include "es_entity.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const source_ids[ES_SRC_COUNT] = {
	"ofac_sdn", "ofac_cons", "us_csl", "un_sc", "eu_fsf", "uk_fcdo",
};

const char *es_source_id(es_source s)
{
	return (unsigned)s < ES_SRC_COUNT ? source_ids[s] : "unknown";
}

int es_source_from_id(const char *id, es_source *out)
{
	for (int i = 0; i < ES_SRC_COUNT; i++) {
		if (strcmp(id, source_ids[i]) == 0) {
			*out = (es_source)i;
			return 0;
		}
	}
	return -1;
}

static const char *const type_names[] = {"unknown", "person", "entity", "vessel", "aircraft"};

const char *es_type_name(es_type t)
{
	return (unsigned)t <= ES_TYPE_AIRCRAFT ? type_names[t] : "unknown";
}

int es_type_from_name(const char *s, es_type *out)
{
	for (int i = 0; i <= ES_TYPE_AIRCRAFT; i++) {
		if (strcmp(s, type_names[i]) == 0) {
			*out = (es_type)i;
			return 0;
		}
	}
	return -1;
}

es_entity *es_entity_new(es_source source)
{
	es_entity *e = calloc(1, sizeof *e);
	if (e)
		e->source = source;
	return e;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void es_entity_free(es_entity *e)
{
	if (!e)
		return;
	free(e->entry_id);
	free(e->list);
	free(e->name);
	for (size_t i = 0; i < e->n_names; i++) {
		free(e->names[i].name);
		free(e->names[i].script);
	}
	free(e->names);
	for (size_t i = 0; i < e->n_addresses; i++) {
		es_address *a = &e->addresses[i];
		free(a->street);
		free(a->city);
		free(a->region);
		free(a->postal_code);
		free(a->full);
	}
	free(e->addresses);
	free(e->countries);
	for (size_t i = 0; i < e->n_dobs; i++)
		free(e->dobs[i].text);
	free(e->dobs);
	free_strv(e->pobs, e->n_pobs);
	for (size_t i = 0; i < e->n_ids; i++) {
		free(e->ids[i].type);
		free(e->ids[i].number);
	}
	free(e->ids);
	free_strv(e->programs, e->n_programs);
	free(e->title);
	free(e->remarks);
	free(e->license_requirement);
	free(e->license_policy);
	free(e->federal_register_notice);
	free(e->start_date);
	free(e->end_date);
	free(e->standard_order);
	free(e->call_sign);
	free(e->vessel_type);
	free(e->vessel_flag);
	free(e->vessel_owner);
	free(e->tonnage);
	free(e->grt);
	free(e);
}

/* Copies s[0..len) trimmed of ASCII whitespace into a new string; *out = NULL when empty. */
static es_code dup_trim(char **out, const char *s, size_t len, size_t max, es_err *err)
{
	*out = NULL;
	if (!s)
		return ES_OK;
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (!len)
		return ES_OK;
	if (len > max)
		return es_err_set(err, ES_ETOOBIG, "field of %zu bytes exceeds the limit of %zu", len, max);
	char *p = malloc(len + 1);
	if (!p)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	memcpy(p, s, len);
	p[len] = '\0';
	*out = p;
	return ES_OK;
}

static size_t slen(const char *s, size_t len)
{
	return len == (size_t)-1 ? strlen(s) : len;
}

es_code es_entity_set(char **field, const char *s, size_t len, es_err *err)
{
	char *copy;
	es_code rc = dup_trim(&copy, s, s ? slen(s, len) : 0, ES_MAX_FIELD, err);
	if (rc != ES_OK)
		return rc;
	free(*field);
	*field = copy;
	return ES_OK;
}

/* Grows *arr (of elem bytes each) to hold n+1 items. */
static es_code grow(void *arr, size_t n, size_t elem, es_err *err)
{
	void **p = arr;
	if (n >= ES_MAX_ITEMS && elem != sizeof(es_name))
		return es_err_set(err, ES_ETOOBIG, "more than %d items in one entry", ES_MAX_ITEMS);
	if (n >= ES_MAX_NAMES && elem == sizeof(es_name))
		return es_err_set(err, ES_ETOOBIG, "more than %d names in one entry", ES_MAX_NAMES);
	/* grow in powers of two */
	if (n == 0 || (n & (n - 1)) == 0) {
		size_t cap = n ? n * 2 : 4;
		void *q = realloc(*p, cap * elem);
		if (!q)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		*p = q;
	}
	return ES_OK;
}

es_code es_entity_add_name(es_entity *e, const char *name, size_t len, es_name_kind kind,
			   es_strength strength, const char *script, es_err *err)
{
	char *n, *sc = NULL;
	es_code rc = dup_trim(&n, name, name ? slen(name, len) : 0, ES_MAX_NAME, err);
	if (rc != ES_OK || !n)
		return rc;
	/* the same name with the same kind twice adds nothing */
	for (size_t i = 0; i < e->n_names; i++) {
		if (strcmp(e->names[i].name, n) == 0) {
			if (strength == ES_STRONG)
				e->names[i].strength = ES_STRONG;
			if (kind == ES_NAME_PRIMARY)
				e->names[i].kind = ES_NAME_PRIMARY;
			free(n);
			return ES_OK;
		}
	}
	if (script && (rc = dup_trim(&sc, script, strlen(script), 64, err)) != ES_OK)
		goto fail;
	if ((rc = grow(&e->names, e->n_names, sizeof(es_name), err)) != ES_OK)
		goto fail;
	e->names[e->n_names++] = (es_name){n, kind, strength, sc};
	return ES_OK;
fail:
	free(n);
	free(sc);
	return rc;
}

es_code es_entity_set_name(es_entity *e, const char *name, size_t len, es_err *err)
{
	char *n;
	es_code rc = dup_trim(&n, name, name ? slen(name, len) : 0, ES_MAX_NAME, err);
	if (rc != ES_OK)
		return rc;
	if (!n)
		return es_err_set(err, ES_EMISSING, "empty name");
	free(e->name);
	e->name = n;
	return es_entity_add_name(e, n, (size_t)-1, ES_NAME_PRIMARY, ES_STRONG, NULL, err);
}

es_code es_entity_add_address(es_entity *e, const es_address *a, es_err *err)
{
	es_address c = {0};
	es_code rc;
	if ((rc = dup_trim(&c.street, a->street, a->street ? strlen(a->street) : 0, ES_MAX_FIELD, err)) ||
	    (rc = dup_trim(&c.city, a->city, a->city ? strlen(a->city) : 0, ES_MAX_FIELD, err)) ||
	    (rc = dup_trim(&c.region, a->region, a->region ? strlen(a->region) : 0, ES_MAX_FIELD, err)) ||
	    (rc = dup_trim(&c.postal_code, a->postal_code, a->postal_code ? strlen(a->postal_code) : 0,
			   ES_MAX_FIELD, err)) ||
	    (rc = dup_trim(&c.full, a->full, a->full ? strlen(a->full) : 0, ES_MAX_FIELD, err)) ||
	    (rc = grow(&e->addresses, e->n_addresses, sizeof(es_address), err)))
		goto fail;
	memcpy(c.country, a->country, 2);
	c.country[2] = '\0';
	e->addresses[e->n_addresses++] = c;
	if (c.country[0])
		return es_entity_add_country(e, c.country, ES_CTRY_ADDRESS, err);
	return ES_OK;
fail:
	free(c.street);
	free(c.city);
	free(c.region);
	free(c.postal_code);
	free(c.full);
	return rc;
}

es_code es_entity_add_country(es_entity *e, const char *cc, es_country_role role, es_err *err)
{
	if (!cc || strlen(cc) != 2 || !isupper((unsigned char)cc[0]) || !isupper((unsigned char)cc[1]))
		return es_err_set(err, ES_EUSAGE, "bad country code '%s'", cc ? cc : "(null)");
	for (size_t i = 0; i < e->n_countries; i++)
		if (e->countries[i].role == role && memcmp(e->countries[i].cc, cc, 2) == 0)
			return ES_OK;
	es_code rc = grow(&e->countries, e->n_countries, sizeof(es_country), err);
	if (rc != ES_OK)
		return rc;
	es_country *c = &e->countries[e->n_countries++];
	memcpy(c->cc, cc, 3);
	c->role = role;
	return ES_OK;
}

es_code es_entity_add_dob(es_entity *e, const es_entity_date *d, es_err *err)
{
	es_entity_date c = *d;
	es_code rc = dup_trim(&c.text, d->text, d->text ? strlen(d->text) : 0, ES_MAX_NAME, err);
	if (rc == ES_OK)
		rc = grow(&e->dobs, e->n_dobs, sizeof(es_entity_date), err);
	if (rc != ES_OK) {
		free(c.text);
		return rc;
	}
	e->dobs[e->n_dobs++] = c;
	return ES_OK;
}

static es_code add_str(char ***v, size_t *n, const char *s, size_t len, es_err *err)
{
	char *c;
	es_code rc = dup_trim(&c, s, s ? slen(s, len) : 0, ES_MAX_NAME, err);
	if (rc != ES_OK || !c)
		return rc;
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*v)[i], c) == 0) {
			free(c);
			return ES_OK;
		}
	}
	if ((rc = grow(v, *n, sizeof(char *), err)) != ES_OK) {
		free(c);
		return rc;
	}
	(*v)[(*n)++] = c;
	return ES_OK;
}

es_code es_entity_add_pob(es_entity *e, const char *pob, es_err *err)
{
	return add_str(&e->pobs, &e->n_pobs, pob, (size_t)-1, err);
}

es_code es_entity_add_program(es_entity *e, const char *program, size_t len, es_err *err)
{
	return add_str(&e->programs, &e->n_programs, program, len, err);
}

es_code es_entity_add_ident(es_entity *e, const char *type, const char *number,
			    const char *cc, es_err *err)
{
	es_ident c = {0};
	es_code rc;
	if ((rc = dup_trim(&c.type, type, type ? strlen(type) : 0, ES_MAX_NAME, err)) ||
	    (rc = dup_trim(&c.number, number, number ? strlen(number) : 0, ES_MAX_NAME, err)))
		goto fail;
	if (!c.number) /* an identifier without a number carries nothing */
		goto fail;
	if ((rc = grow(&e->ids, e->n_ids, sizeof(es_ident), err)))
		goto fail;
	if (cc && strlen(cc) == 2)
		memcpy(c.country, cc, 3);
	e->ids[e->n_ids++] = c;
	return ES_OK;
fail:
	free(c.type);
	free(c.number);
	return rc;
}

es_code es_entity_validate(const es_entity *e, es_err *err)
{
	if (!e->entry_id)
		return es_err_set(err, ES_EMISSING, "entry has no id");
	if (!e->name)
		return es_err_set(err, ES_EMISSING, "entry %s has no name", e->entry_id);
	if (!e->list)
		return es_err_set(err, ES_EMISSING, "entry %s has no list code", e->entry_id);
	return ES_OK;
}

void es_entityset_init(es_entityset *s)
{
	memset(s, 0, sizeof *s);
}

es_code es_entityset_add(es_entityset *s, es_entity *e, es_err *err)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		es_entity **p = realloc(s->items, cap * sizeof *p);
		if (!p) {
			es_entity_free(e);
			return es_err_set(err, ES_ENOMEM, "out of memory");
		}
		s->items = p;
		s->cap = cap;
	}
	s->items[s->n++] = e;
	return ES_OK;
}

void es_entityset_clear(es_entityset *s)
{
	for (size_t i = 0; i < s->n; i++)
		es_entity_free(s->items[i]);
	free(s->items);
	es_entityset_init(s);
}
