/* es_xml — a libxml2 streaming reader set up safely for hostile input, and
 * small helpers shared by the XML list parsers: reading the current node, and
 * reading text out of one record expanded into a subtree
 * (xmlTextReaderExpand), which the UN, EU and UK parsers do.
 *
 * Safety: network access off (XML_PARSE_NONET), no entity substitution (no
 * XML_PARSE_NOENT), no DTD loading or validation, and any document that has
 * a DOCTYPE is refused outright: no list format uses one, and refusing it
 * closes XXE and entity-expansion ("billion laughs") attacks at the door.
 * Element names are compared by local name, so a default namespace (OFAC's
 * two, EU's) does not matter. */
#ifndef ES_XML_H
#define ES_XML_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/xmlreader.h>

#include "es_error.h"

typedef struct es_xml es_xml;

/* Refuses buf[0..len) unless it is valid UTF-8: ES_EENCODING with
 * "<name>:<line>: invalid UTF-8 byte 0x92". The UN, EU and UK lists are UTF-8;
 * a wrong byte is a file error, not a garbled name. */
es_code es_xml_check_utf8(const char *buf, size_t len, const char *name, es_err *err);

/* Opens a reader over buf[0..len) (not copied: must outlive the reader).
 * name is used in messages (e.g. the file name). */
es_code es_xml_open(es_xml **out, const char *buf, size_t len, const char *name, es_err *err);
void es_xml_free(es_xml *x);

/* Advances to the next node. Returns 1 on a node, 0 at the end of the
 * document, or -1 on an error (err set: "<name>:<line>: <libxml2 message>",
 * or a refused DOCTYPE). */
int es_xml_next(es_xml *x, es_err *err);

/* The underlying reader, for node type / depth / attribute access. */
xmlTextReaderPtr es_xml_reader(es_xml *x);

/* Current node: local name ("" for text), type, depth, line. */
const char *es_xml_name(es_xml *x);
int es_xml_type(es_xml *x);
int es_xml_depth(es_xml *x);
int es_xml_line(es_xml *x);
bool es_xml_is_start(es_xml *x, const char *local);  /* element start with that local name */
bool es_xml_is_end(es_xml *x, const char *local);    /* element end (or empty element) */

/* Text content of the current element (reads up to its end; the reader is left
 * on the element's end). Caller frees. NULL for an empty element or on error
 * (then err is set when it is an error). Content longer than max is an error. */
char *es_xml_text(es_xml *x, size_t max, es_err *err);

/* Attribute value of the current element (caller frees), or NULL. */
char *es_xml_attr(es_xml *x, const char *name);

/* ---- over an expanded subtree; the nodes belong to the reader ---- */

/* True when n is an element with that (local) name. */
bool es_xml_is_elem(const xmlNode *n, const char *name);

/* Text content of n with surrounding whitespace trimmed (caller frees); NULL
 * when it is empty — and, as the parsers have always had it, when memory runs
 * out. */
char *es_xml_node_text(const xmlNode *n);

/* es_xml_node_text of the first child element of parent called name, or NULL. */
char *es_xml_child_text(const xmlNode *parent, const char *name);

#endif
