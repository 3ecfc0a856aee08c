/* es_io — bounded file reading (plain or gzip, detected by content),
 * SHA-256 of content, UTF-8 validation and atomic file replacement.
 * Buffers returned are owned by the caller (free()). */
#ifndef ES_IO_H
#define ES_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "es_error.h"
#include "es_utf8.h"

/* Reads the whole file, transparently decompressing gzip, into a NUL-terminated
 * buffer. More than max_bytes (after decompression) fails with ES_ETOOBIG. */
es_code es_read_file(const char *path, size_t max_bytes, char **out, size_t *out_len, es_err *err);

/* SHA-256 of a buffer as 64 lower-case hex digits + NUL. */
void es_sha256_hex(const void *data, size_t len, char out[65]);
/* SHA-256 of a file's (decompressed) content. */
es_code es_sha256_file(const char *path, size_t max_bytes, char out[65], es_err *err);


/* Writes data to path atomically: temp file in the same directory, fsync,
 * rename, fsync of the directory. */
es_code es_write_atomic(const char *path, const void *data, size_t len, es_err *err);

/* Creates a directory and its parents (mode 0755); existing is fine. */
es_code es_mkdirs(const char *path, es_err *err);

/* Joins a directory and a relative path into a new string (caller frees). */
char *es_path_join(const char *dir, const char *rel);

#endif
