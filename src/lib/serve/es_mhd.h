/* es_mhd — libmicrohttpd, loaded when serve starts (es_dl), so that the
 * other commands start without it. es_serve.c includes this instead of
 * <microhttpd.h> and calls libmicrohttpd under its own names, which the
 * macros at the end send here; the daemon starts with es_mhd_start_daemon
 * and its options as an array (MHD_OPTION_ARRAY). Without the library,
 * es_mhd_load says why.
 */
#ifndef ES_MHD_H
#define ES_MHD_H

#include <microhttpd.h>

#include "es_error.h"

/* Loads libmicrohttpd once; ES_EMISSING with the reason when it cannot. */
es_code es_mhd_load(es_err *err);

/* MHD_start_daemon with the options in ops (ended by MHD_OPTION_END); NULL
 * when libmicrohttpd is not loaded or refuses. */
struct MHD_Daemon *es_mhd_start_daemon(unsigned int flags, uint16_t port, MHD_AccessHandlerCallback dh,
				       void *dh_cls, const struct MHD_OptionItem *ops);

/* The rest need the library loaded (a daemon running, so they are only
 * ever called when it is). */
enum MHD_Result es_mhd_add_response_header(struct MHD_Response *r, const char *header, const char *content);
struct MHD_Response *es_mhd_create_response_from_buffer(size_t size, void *buffer, enum MHD_ResponseMemoryMode mode);
struct MHD_Response *es_mhd_create_response_from_callback(uint64_t size, size_t block_size,
							  MHD_ContentReaderCallback crc, void *crc_cls,
							  MHD_ContentReaderFreeCallback crfc);
void es_mhd_destroy_response(struct MHD_Response *r);
int es_mhd_get_connection_values(struct MHD_Connection *c, enum MHD_ValueKind kind, MHD_KeyValueIterator it,
				 void *it_cls);
const union MHD_DaemonInfo *es_mhd_get_daemon_info(struct MHD_Daemon *d, enum MHD_DaemonInfoType type);
const char *es_mhd_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind kind, const char *key);
enum MHD_Result es_mhd_queue_response(struct MHD_Connection *c, unsigned int status, struct MHD_Response *r);
void es_mhd_stop_daemon(struct MHD_Daemon *d);

#ifndef ES_MHD_IMPL
#define MHD_add_response_header es_mhd_add_response_header
#define MHD_create_response_from_buffer es_mhd_create_response_from_buffer
#define MHD_create_response_from_callback es_mhd_create_response_from_callback
#define MHD_destroy_response es_mhd_destroy_response
#define MHD_get_connection_values es_mhd_get_connection_values
#define MHD_get_daemon_info es_mhd_get_daemon_info
#define MHD_lookup_connection_value es_mhd_lookup_connection_value
#define MHD_queue_response es_mhd_queue_response
#define MHD_stop_daemon es_mhd_stop_daemon
#endif

#endif
