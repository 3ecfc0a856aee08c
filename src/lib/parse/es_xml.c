#include "es_xml.h"

#include <stdlib.h>
#include <string.h>

#include "es_buf.h"
#include "es_io.h"
#include "es_text.h"

struct es_xml {
	xmlTextReaderPtr r;
	char name[256];
	char errmsg[256];
	int errline;
	bool failed;
};

static void on_error(void *arg, const char *msg, xmlParserSeverities sev, xmlTextReaderLocatorPtr loc)
{
	es_xml *x = arg;
	if (sev != XML_PARSER_SEVERITY_ERROR && sev != XML_PARSER_SEVERITY_VALIDITY_ERROR)
		return;
	if (x->failed)
		return;
	x->failed = true;
	x->errline = loc ? xmlTextReaderLocatorLineNumber(loc) : 0;
	snprintf(x->errmsg, sizeof x->errmsg, "%s", msg ? msg : "XML error");
	/* libxml2 messages may span lines; errors must stay one line */
	for (char *p = x->errmsg; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	size_t n = strlen(x->errmsg);
	while (n && x->errmsg[n - 1] == ' ')
		x->errmsg[--n] = '\0';
}

es_code es_xml_check_utf8(const char *buf, size_t len, const char *name, es_err *err)
{
	size_t bad;
	if (es_utf8_valid(buf, len, &bad))
		return ES_OK;
	long line = 1;
	for (size_t i = 0; i < bad; i++)
		line += buf[i] == '\n';
	return es_err_set(err, ES_EENCODING, "%s:%ld: invalid UTF-8 byte 0x%02X", name, line, (unsigned char)buf[bad]);
}

es_code es_xml_open(es_xml **out, const char *buf, size_t len, const char *name, es_err *err)
{
	*out = NULL;
	if (len > (size_t)0x7fffffff)
		return es_err_set(err, ES_ETOOBIG, "%s: XML document too large", name);
	es_xml *x = calloc(1, sizeof *x);
	if (!x)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	snprintf(x->name, sizeof x->name, "%s", name);
	/* NONET: no network; no NOENT/DTDLOAD/DTDVALID; HUGE not set, so libxml2's own limits stay on */
	x->r = xmlReaderForMemory(buf, (int)len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!x->r) {
		free(x);
		return es_err_set(err, ES_EFORMAT, "%s: cannot start the XML parser", name);
	}
	xmlTextReaderSetErrorHandler(x->r, on_error, x);
	*out = x;
	return ES_OK;
}

void es_xml_free(es_xml *x)
{
	if (!x)
		return;
	xmlFreeTextReader(x->r);
	free(x);
}

static int fail(es_xml *x, es_err *err)
{
	es_err_set(err, ES_EFORMAT, "%s:%d: %s", x->name, x->errline ? x->errline : es_xml_line(x),
		   x->errmsg[0] ? x->errmsg : "malformed XML");
	return -1;
}

int es_xml_next(es_xml *x, es_err *err)
{
	int rc = xmlTextReaderRead(x->r);
	if (rc < 0 || x->failed)
		return fail(x, err);
	if (rc == 0)
		return 0;
	if (xmlTextReaderNodeType(x->r) == XML_READER_TYPE_DOCUMENT_TYPE) {
		es_err_set(err, ES_EFORMAT, "%s:%d: DOCTYPE declarations are not allowed in list files",
			   x->name, es_xml_line(x));
		return -1;
	}
	if (xmlTextReaderNodeType(x->r) == XML_READER_TYPE_ENTITY_REFERENCE) {
		es_err_set(err, ES_EFORMAT, "%s:%d: entity references are not allowed in list files",
			   x->name, es_xml_line(x));
		return -1;
	}
	return 1;
}

xmlTextReaderPtr es_xml_reader(es_xml *x)
{
	return x->r;
}

const char *es_xml_name(es_xml *x)
{
	const xmlChar *n = xmlTextReaderConstLocalName(x->r);
	return n ? (const char *)n : "";
}

int es_xml_type(es_xml *x)
{
	return xmlTextReaderNodeType(x->r);
}

int es_xml_depth(es_xml *x)
{
	return xmlTextReaderDepth(x->r);
}

int es_xml_line(es_xml *x)
{
	xmlNodePtr n = xmlTextReaderCurrentNode(x->r);
	long line = n ? xmlGetLineNo(n) : -1;
	/* DTD and some other nodes carry no line: fall back to the parser's position */
	return line > 0 ? (int)line : xmlTextReaderGetParserLineNumber(x->r);
}

bool es_xml_is_start(es_xml *x, const char *local)
{
	return xmlTextReaderNodeType(x->r) == XML_READER_TYPE_ELEMENT && strcmp(es_xml_name(x), local) == 0;
}

bool es_xml_is_end(es_xml *x, const char *local)
{
	int t = xmlTextReaderNodeType(x->r);
	if (strcmp(es_xml_name(x), local) != 0)
		return false;
	return t == XML_READER_TYPE_END_ELEMENT ||
	       (t == XML_READER_TYPE_ELEMENT && xmlTextReaderIsEmptyElement(x->r));
}

char *es_xml_text(es_xml *x, size_t max, es_err *err)
{
	if (xmlTextReaderNodeType(x->r) != XML_READER_TYPE_ELEMENT)
		return NULL;
	if (xmlTextReaderIsEmptyElement(x->r))
		return NULL;
	int depth = xmlTextReaderDepth(x->r);
	es_buf out = {0}; /* out.s stays NULL when the element holds no text */
	for (;;) {
		int rc = es_xml_next(x, err);
		if (rc <= 0) {
			if (rc == 0)
				es_err_set(err, ES_EFORMAT, "%s: document ends inside an element", x->name);
			es_buf_free(&out);
			return NULL;
		}
		int t = xmlTextReaderNodeType(x->r);
		if (t == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(x->r) == depth)
			break;
		if (t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_CDATA ||
		    t == XML_READER_TYPE_SIGNIFICANT_WHITESPACE || t == XML_READER_TYPE_WHITESPACE) {
			const char *v = (const char *)xmlTextReaderConstValue(x->r);
			size_t n = v ? strlen(v) : 0;
			if (out.len + n > max) {
				es_err_set(err, ES_ETOOBIG, "%s:%d: element text longer than %zu bytes", x->name,
					   es_xml_line(x), max);
				es_buf_free(&out);
				return NULL;
			}
			es_buf_add(&out, v, n);
			if (out.oom) {
				es_err_set(err, ES_ENOMEM, "out of memory");
				es_buf_free(&out);
				return NULL;
			}
		}
	}
	return out.s;
}

char *es_xml_attr(es_xml *x, const char *name)
{
	xmlChar *v = xmlTextReaderGetAttribute(x->r, (const xmlChar *)name);
	if (!v)
		return NULL;
	char *s = strdup((const char *)v);
	xmlFree(v);
	return s;
}

bool es_xml_is_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

char *es_xml_node_text(const xmlNode *n)
{
	xmlChar *v = xmlNodeGetContent(n);
	if (!v)
		return NULL;
	char *out = es_text_trimdup((const char *)v);
	xmlFree(v);
	return out;
}

char *es_xml_child_text(const xmlNode *parent, const char *name)
{
	for (const xmlNode *c = parent->children; c; c = c->next)
		if (es_xml_is_elem(c, name))
			return es_xml_node_text(c);
	return NULL;
}
