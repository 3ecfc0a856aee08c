/* es_decode — a streaming decoder from another character encoding to UTF-8
 * (ICU converters), for order streams that ERP systems write in Latin-1,
 * Windows-1252 or UTF-16.
 *
 * Invariants: the output is UTF-8 except at the places where the input could not
 * be decoded (a byte Windows-1252 leaves undefined, a Latin-1 byte 0x80..0x9F,
 * which are C1 control codes no ERP writes in text and mean the file is in
 * another encoding, a lone UTF-16 surrogate, an odd byte at the end of
 * UTF-16): each such place becomes the one byte 0xFF, which
 * is never valid UTF-8, so the record holding it fails UTF-8 validation and is an
 * ERROR record, never screened with a guessed character. A byte order mark is
 * decoded like any character (U+FEFF -> EF BB BF) and left to the reader, which
 * skips it at the start of the stream. Output grows at most 3 bytes per input
 * byte plus 4 (UTF-16 -> at most 3 bytes per 2 input bytes; one-byte encodings at
 * most 3 per byte). Input may be cut anywhere: a sequence split across two calls
 * is decoded whole. */
#ifndef ES_DECODE_H
#define ES_DECODE_H

#include <stdbool.h>
#include <stddef.h>

#include "es_buf.h"
#include "es_error.h"

typedef struct es_decoder es_decoder;

/* encoding: "utf-8" (no decoding; es_decoder_new sets *out = NULL), "latin1"
 * (ISO-8859-1), "cp1252" (Windows-1252), "utf-16" (byte order from a BOM, else
 * guessed from where the zero bytes of ASCII text fall, else little-endian as
 * Windows writes it), "utf-16le", "utf-16be"; case and '-'/'_' ignored, and
 * "iso-8859-1", "windows-1252" are accepted. An unknown name fails with
 * ES_EUSAGE. The caller frees the decoder with es_decoder_free (NULL: no-op). */
es_code es_decoder_new(es_decoder **out, const char *encoding, es_err *err);
void es_decoder_free(es_decoder *d);

/* The canonical name of the decoder's encoding ("latin1", "utf-16", ...). */
const char *es_decoder_name(const es_decoder *d);

/* The canonical name ("latin1", "cp1252", "utf-16le", ...) of an encoding
 * name es_decoder_new accepts, or NULL. */
const char *es_decode_name(const char *encoding);

/* The encoding a byte order mark at the start of data announces: "utf-8",
 * "utf-16le", "utf-16be", or NULL (none; fewer than 2 bytes are never a BOM). */
const char *es_decode_bom(const char *data, size_t n);

/* Decodes n bytes and appends the UTF-8 to out; flush = the input ends here
 * (a sequence left incomplete becomes 0xFF). Fails only for lack of memory. */
es_code es_decoder_run(es_decoder *d, const char *in, size_t n, bool flush, es_buf *out, es_err *err);

#endif
