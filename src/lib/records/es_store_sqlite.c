/* es_store_sqlite — the SQLite implementation of es_store (see es_store.h). */
#include "es_store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STMT_CACHE 48
#define BUSY_TIMEOUT_MS 60000

struct es_cursor {
	sqlite3_stmt *st;
	struct sq_store *owner;
};

typedef struct {
	const char *sql; /* identity: the caller's string */
	es_cursor cur;
} stmt_slot;

typedef struct sq_store {
	es_store base;
	sqlite3 *db;
	char *path;
	stmt_slot slots[STMT_CACHE];
	size_t n_slots;
} sq_store;

static es_code sq_err(sq_store *s, es_err *err, const char *what)
{
	int ec = sqlite3_extended_errcode(s->db);
	int pc = ec & 0xff;
	es_code code = pc == SQLITE_FULL || pc == SQLITE_IOERR || pc == SQLITE_CANTOPEN || pc == SQLITE_READONLY
			       ? ES_EIO
		       : pc == SQLITE_BUSY || pc == SQLITE_LOCKED ? ES_ELOCKED
		       : pc == SQLITE_CORRUPT || pc == SQLITE_NOTADB ? ES_ECORRUPT
		       : pc == SQLITE_NOMEM ? ES_ENOMEM
					    : ES_EIO;
	return es_err_set(err, code, "%s: %s: %s", s->path, what,
			  pc == SQLITE_FULL ? "disk full (database or disk is full)" : sqlite3_errmsg(s->db));
}

static es_code sq_simple(sq_store *s, const char *sql, es_err *err)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		sqlite3_free(msg);
		return sq_err(s, err, sql);
	}
	return ES_OK;
}

static es_code sq_begin_write(es_store *b, es_err *err)
{
	return sq_simple((sq_store *)b, "BEGIN IMMEDIATE", err);
}

static es_code sq_begin_read(es_store *b, es_err *err)
{
	return sq_simple((sq_store *)b, "BEGIN", err);
}

static es_code sq_commit(es_store *b, es_err *err)
{
	sq_store *s = (sq_store *)b;
	es_code rc = sq_simple(s, "COMMIT", err);
	if (rc != ES_OK && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static void sq_rollback(es_store *b)
{
	sq_store *s = (sq_store *)b;
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static es_code prepare(sq_store *s, const char *sql, const es_val *args, size_t n, es_cursor **out, es_err *err)
{
	stmt_slot *slot = NULL;
	for (size_t i = 0; i < s->n_slots && !slot; i++)
		if (s->slots[i].sql == sql)
			slot = &s->slots[i];
	if (!slot) {
		if (s->n_slots == STMT_CACHE) {
			/* full: reuse the oldest slot */
			sqlite3_finalize(s->slots[0].cur.st);
			memmove(s->slots, s->slots + 1, (STMT_CACHE - 1) * sizeof *s->slots);
			s->n_slots--;
		}
		slot = &s->slots[s->n_slots];
		if (sqlite3_prepare_v2(s->db, sql, -1, &slot->cur.st, NULL) != SQLITE_OK)
			return sq_err(s, err, "prepare");
		slot->sql = sql;
		slot->cur.owner = s;
		s->n_slots++;
	} else {
		sqlite3_reset(slot->cur.st);
		sqlite3_clear_bindings(slot->cur.st);
	}
	for (size_t i = 0; i < n; i++) {
		int k = (int)i + 1, rc;
		switch (args[i].t) {
		case ES_V_INT:
			rc = sqlite3_bind_int64(slot->cur.st, k, args[i].i);
			break;
		case ES_V_TEXT:
			rc = sqlite3_bind_text(slot->cur.st, k, args[i].s, args[i].n ? (int)args[i].n : -1, SQLITE_STATIC);
			break;
		case ES_V_BLOB:
			rc = sqlite3_bind_blob(slot->cur.st, k, args[i].s ? args[i].s : "", (int)args[i].n, SQLITE_STATIC);
			break;
		default:
			rc = sqlite3_bind_null(slot->cur.st, k);
		}
		if (rc != SQLITE_OK)
			return sq_err(s, err, "bind");
	}
	*out = &slot->cur;
	return ES_OK;
}

static es_code sq_exec(es_store *b, const char *sql, const es_val *args, size_t n, long long *changes, es_err *err)
{
	sq_store *s = (sq_store *)b;
	es_cursor *c;
	es_code rc = prepare(s, sql, args, n, &c, err);
	if (rc != ES_OK)
		return rc;
	int r = sqlite3_step(c->st);
	if (r != SQLITE_DONE && r != SQLITE_ROW) {
		rc = sq_err(s, err, "write");
		sqlite3_reset(c->st);
		return rc;
	}
	if (changes)
		*changes = sqlite3_changes(s->db);
	sqlite3_reset(c->st);
	return ES_OK;
}

static es_code sq_query(es_store *b, const char *sql, const es_val *args, size_t n, es_cursor **out, es_err *err)
{
	return prepare((sq_store *)b, sql, args, n, out, err);
}

static int sq_step(es_cursor *c, es_err *err)
{
	int r = sqlite3_step(c->st);
	if (r == SQLITE_ROW)
		return 1;
	if (r == SQLITE_DONE)
		return 0;
	sq_err(c->owner, err, "read");
	return -1;
}

static long long sq_col_int(es_cursor *c, int i)
{
	return sqlite3_column_int64(c->st, i);
}

static const char *sq_col_text(es_cursor *c, int i)
{
	return (const char *)sqlite3_column_text(c->st, i);
}

static const void *sq_col_blob(es_cursor *c, int i, size_t *n)
{
	const void *p = sqlite3_column_blob(c->st, i);
	*n = (size_t)sqlite3_column_bytes(c->st, i);
	return p;
}

static void sq_done(es_cursor *c)
{
	if (c)
		sqlite3_reset(c->st);
}

static es_code sq_script(es_store *b, const char *sql, es_err *err)
{
	return sq_simple((sq_store *)b, sql, err);
}

static void sq_close(es_store *b)
{
	sq_store *s = (sq_store *)b;
	if (!s)
		return;
	for (size_t i = 0; i < s->n_slots; i++)
		sqlite3_finalize(s->slots[i].cur.st);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

static const es_store_ops sq_ops = {
	sq_begin_write, sq_begin_read, sq_commit, sq_rollback, sq_exec, sq_query, sq_step,
	sq_col_int, sq_col_text, sq_col_blob, sq_done, sq_script, sq_close,
};

es_code es_store_open_sqlite(es_store **out, const char *path, bool create, bool readonly, es_err *err)
{
	es_code rc = ES_OK;
	*out = NULL;
	sq_store *s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path))) {
		free(s);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	s->base.ops = &sq_ops;
	struct stat sb;
	if (stat(path, &sb) != 0 && !create) {
		rc = es_err_set(err, ES_EMISSING, "%s: no records store (run 'exportscreen filter --record' first)",
				path);
		goto fail;
	}
	if (create && stat(path, &sb) != 0) {
		/* the store holds order data: not world-readable */
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST) {
			rc = es_err_set(err, ES_EIO, "%s: cannot create: %s", path, strerror(errno));
			goto fail;
		}
		if (fd >= 0)
			close(fd);
	}
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = s->db ? sq_err(s, err, "cannot open") : es_err_set(err, ES_ENOMEM, "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if (!readonly) {
		/* a checkpoint costs two fsyncs: one per 64 MB of log, not per 4 MB */
		if ((rc = sq_simple(s, "PRAGMA journal_mode=WAL", err)) != ES_OK ||
		    (rc = sq_simple(s, "PRAGMA wal_autocheckpoint=16384", err)) != ES_OK ||
		    (rc = sq_simple(s, "PRAGMA journal_size_limit=67108864", err)) != ES_OK)
			goto fail;
	}
	if ((rc = sq_simple(s, "PRAGMA synchronous=NORMAL", err)) != ES_OK ||
	    (rc = sq_simple(s, "PRAGMA cache_size=-16384", err)) != ES_OK ||
	    (rc = sq_simple(s, "PRAGMA foreign_keys=ON", err)) != ES_OK)
		goto fail;
	/* a file that is not a database fails here, not half-way through */
	if ((rc = sq_simple(s, "SELECT count(*) FROM sqlite_master", err)) != ES_OK)
		goto fail;
	*out = &s->base;
	return ES_OK;
fail:
	sq_close(&s->base);
	return rc;
}
