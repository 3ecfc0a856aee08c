#define ES_MHD_IMPL
#include "es_mhd.h"

#include "es_dl.h"

#ifndef ES_MHD_SONAME
#define ES_MHD_SONAME "libmicrohttpd.so.12"
#endif

/* The functions used, in the order of struct api. */
static const char *const syms[] = {
	"MHD_start_daemon", "MHD_add_response_header", "MHD_create_response_from_buffer",
	"MHD_create_response_from_callback", "MHD_destroy_response", "MHD_get_connection_values",
	"MHD_get_daemon_info", "MHD_lookup_connection_value", "MHD_queue_response", "MHD_stop_daemon", NULL,
};

static union {
	void *fn[sizeof syms / sizeof syms[0] - 1];
	struct {
		struct MHD_Daemon *(*start_daemon)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
						   MHD_AccessHandlerCallback, void *, ...);
		enum MHD_Result (*add_response_header)(struct MHD_Response *, const char *, const char *);
		struct MHD_Response *(*create_response_from_buffer)(size_t, void *, enum MHD_ResponseMemoryMode);
		struct MHD_Response *(*create_response_from_callback)(uint64_t, size_t, MHD_ContentReaderCallback,
								      void *, MHD_ContentReaderFreeCallback);
		void (*destroy_response)(struct MHD_Response *);
		int (*get_connection_values)(struct MHD_Connection *, enum MHD_ValueKind, MHD_KeyValueIterator,
					     void *);
		const union MHD_DaemonInfo *(*get_daemon_info)(struct MHD_Daemon *, enum MHD_DaemonInfoType, ...);
		const char *(*lookup_connection_value)(struct MHD_Connection *, enum MHD_ValueKind, const char *);
		enum MHD_Result (*queue_response)(struct MHD_Connection *, unsigned int, struct MHD_Response *);
		void (*stop_daemon)(struct MHD_Daemon *);
	} f;
} api;

static es_dl lib = {"libmicrohttpd", ES_MHD_SONAME, syms, api.fn, 0, ""};

es_code es_mhd_load(es_err *err)
{
	return es_dl_load(&lib, err);
}

struct MHD_Daemon *es_mhd_start_daemon(unsigned int flags, uint16_t port, MHD_AccessHandlerCallback dh,
				       void *dh_cls, const struct MHD_OptionItem *ops)
{
	if (es_mhd_load(NULL) != ES_OK)
		return NULL;
	return api.f.start_daemon(flags, port, NULL, NULL, dh, dh_cls, MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
}

enum MHD_Result es_mhd_add_response_header(struct MHD_Response *r, const char *header, const char *content)
{
	return api.f.add_response_header(r, header, content);
}

struct MHD_Response *es_mhd_create_response_from_buffer(size_t size, void *buffer, enum MHD_ResponseMemoryMode mode)
{
	return api.f.create_response_from_buffer(size, buffer, mode);
}

struct MHD_Response *es_mhd_create_response_from_callback(uint64_t size, size_t block_size,
							  MHD_ContentReaderCallback crc, void *crc_cls,
							  MHD_ContentReaderFreeCallback crfc)
{
	return api.f.create_response_from_callback(size, block_size, crc, crc_cls, crfc);
}

void es_mhd_destroy_response(struct MHD_Response *r)
{
	api.f.destroy_response(r);
}

int es_mhd_get_connection_values(struct MHD_Connection *c, enum MHD_ValueKind kind, MHD_KeyValueIterator it,
				 void *it_cls)
{
	return api.f.get_connection_values(c, kind, it, it_cls);
}

const union MHD_DaemonInfo *es_mhd_get_daemon_info(struct MHD_Daemon *d, enum MHD_DaemonInfoType type)
{
	return api.f.get_daemon_info(d, type);
}

const char *es_mhd_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind kind, const char *key)
{
	return api.f.lookup_connection_value(c, kind, key);
}

enum MHD_Result es_mhd_queue_response(struct MHD_Connection *c, unsigned int status, struct MHD_Response *r)
{
	return api.f.queue_response(c, status, r);
}

void es_mhd_stop_daemon(struct MHD_Daemon *d)
{
	if (d)
		api.f.stop_daemon(d);
}
