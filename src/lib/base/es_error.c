#include "es_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *es_strerror(es_code code)
{
	switch (code) {
	case ES_OK: return "success";
	case ES_ENOMEM: return "out of memory";
	case ES_EIO: return "input/output error";
	case ES_EFORMAT: return "bad format";
	case ES_ETOOBIG: return "limit exceeded";
	case ES_EENCODING: return "bad encoding";
	case ES_EMISSING: return "missing field or file";
	case ES_EUSAGE: return "bad argument";
	case ES_ECORRUPT: return "corrupt or stale file";
	case ES_ENET: return "download failed";
	case ES_EREJECTED: return "download rejected by validation";
	case ES_ENOTIMPL: return "not implemented";
	case ES_ELOCKED: return "locked by another process";
	case ES_EINTERNAL: return "internal error";
	}
	return "unknown error";
}

es_code es_err_set(es_err *err, es_code code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

void es_err_clear(es_err *err)
{
	if (err) {
		err->code = ES_OK;
		err->msg[0] = '\0';
	}
}
