/* es_store — the small storage interface the records layer is written against.
 *
 * The records layer speaks portable SQL (standard types INTEGER / TEXT / BLOB,
 * `?` placeholders in order, INSERT ... ON CONFLICT ... DO UPDATE, no
 * engine-specific functions) through these few calls, so a server database
 * (PostgreSQL: `?` -> `$n`, BLOB -> BYTEA, BEGIN + LOCK TABLE for a write
 * transaction) can be added as a second implementation of the same table.
 * SQLite is the embedded default (es_store_sqlite.c).
 *
 * Statements are identified by their SQL text and cached by the backend; a
 * cursor is valid until the next es_store_query with the same SQL text or
 * es_store_done. */
#ifndef ES_STORE_H
#define ES_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "es_error.h"

typedef struct es_store es_store;

typedef enum { ES_V_NULL, ES_V_INT, ES_V_TEXT, ES_V_BLOB } es_vtype;

typedef struct {
	es_vtype t;
	long long i;
	const char *s;   /* TEXT (NUL-terminated when n == 0) or BLOB */
	size_t n;
} es_val;

#define ES_VNULL ((es_val){ES_V_NULL, 0, NULL, 0})
#define ES_VINT(x) ((es_val){ES_V_INT, (x), NULL, 0})
static inline es_val es_vtext(const char *s)
{
	es_val v = {s ? ES_V_TEXT : ES_V_NULL, 0, s, 0};
	return v;
}
#define ES_VTEXT(x) es_vtext(x)
#define ES_VBLOB(p, len) ((es_val){ES_V_BLOB, 0, (p), (len)})

typedef struct es_cursor es_cursor;

typedef struct {
	/* Write transaction: taken before anything is read, so concurrent writers
	 * are serialized (SQLite: BEGIN IMMEDIATE with a busy timeout). */
	es_code (*begin_write)(es_store *s, es_err *err);
	es_code (*begin_read)(es_store *s, es_err *err);
	es_code (*commit)(es_store *s, es_err *err);
	void (*rollback)(es_store *s);
	/* Runs one statement with args; *changes = rows changed (may be NULL). */
	es_code (*exec)(es_store *s, const char *sql, const es_val *args, size_t n, long long *changes,
			es_err *err);
	/* Starts a query; rows come from step. */
	es_code (*query)(es_store *s, const char *sql, const es_val *args, size_t n, es_cursor **out,
			 es_err *err);
	/* 1 = a row, 0 = done, < 0 = error (err set). */
	int (*step)(es_cursor *c, es_err *err);
	long long (*col_int)(es_cursor *c, int i);
	const char *(*col_text)(es_cursor *c, int i); /* NULL for SQL NULL */
	const void *(*col_blob)(es_cursor *c, int i, size_t *n);
	void (*done)(es_cursor *c);
	/* Creates or migrates the tables: runs the script (statements separated by ';'). */
	es_code (*script)(es_store *s, const char *sql, es_err *err);
	void (*close)(es_store *s);
} es_store_ops;

struct es_store {
	const es_store_ops *ops;
};

/* Opens (create: creating) an SQLite store: WAL mode, synchronous NORMAL
 * (a committed transaction survives the process being killed), a busy
 * timeout so concurrent writers wait for each other. */
es_code es_store_open_sqlite(es_store **out, const char *path, bool create, bool readonly, es_err *err);

#endif
