#include "es_io.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "es_buf.h"

es_code es_read_file(const char *path, size_t max_bytes, char **out, size_t *out_len, es_err *err)
{
	es_code rc = ES_OK;
	es_buf b = {0};
	*out = NULL;
	*out_len = 0;
	/* gzopen reads plain files unchanged, so one path serves both */
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return es_err_set(err, ES_EIO, "%s: cannot open: %s", path, strerror(errno ? errno : ENOENT));
	gzbuffer(gz, 1 << 16);
	for (;;) {
		if (!es_buf_reserve(&b, 65536)) {
			rc = es_err_set(err, ES_ENOMEM, "%s: out of memory", path);
			goto out;
		}
		int n = gzread(gz, b.s + b.len, 65536);
		if (n < 0) {
			int zerr;
			const char *m = gzerror(gz, &zerr);
			rc = es_err_set(err, zerr == Z_ERRNO ? ES_EIO : ES_EFORMAT, "%s: %s", path,
					zerr == Z_ERRNO ? strerror(errno) : m);
			goto out;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		if (b.len > max_bytes) {
			rc = es_err_set(err, ES_ETOOBIG, "%s: larger than the limit of %zu bytes", path, max_bytes);
			goto out;
		}
	}
	/* a truncated gzip stream reads as a short file: zlib flags it at close */
	{
		int zerr;
		gzerror(gz, &zerr);
		if (zerr != Z_OK && zerr != Z_BUF_ERROR) {
			rc = es_err_set(err, ES_EFORMAT, "%s: corrupt compressed data", path);
			goto out;
		}
		if (zerr == Z_BUF_ERROR) {
			rc = es_err_set(err, ES_EFORMAT, "%s: truncated compressed data", path);
			goto out;
		}
	}
	b.s[b.len] = '\0';
	*out_len = b.len;
	*out = es_buf_take(&b);
out:
	gzclose(gz);
	es_buf_free(&b);
	return rc;
}

/* OpenSSL's start without its tables of every cipher and digest by name
 * (EVP_get_*byname, which nothing here uses) and without reading
 * openssl.cnf (nothing here is configured there): most of its start-up,
 * and a cold check hashes its text data once. SHA-256 is fetched from the
 * default provider once, not at every digest. */
static EVP_MD *sha256_md;

static void crypto_init(void)
{
	OPENSSL_init_crypto(OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS |
				    OPENSSL_INIT_NO_LOAD_CONFIG,
			    NULL);
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void es_sha256_hex(const void *data, size_t len, char out[65])
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, crypto_init);
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_Digest(data, len, md, &mdlen, sha256_md ? sha256_md : EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

es_code es_sha256_file(const char *path, size_t max_bytes, char out[65], es_err *err)
{
	char *buf;
	size_t len;
	es_code rc = es_read_file(path, max_bytes, &buf, &len, err);
	if (rc != ES_OK)
		return rc;
	es_sha256_hex(buf, len, out);
	free(buf);
	return ES_OK;
}


es_code es_mkdirs(const char *path, es_err *err)
{
	char *p = strdup(path);
	if (!p)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	for (char *q = p + 1; *q; q++) {
		if (*q == '/') {
			*q = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST) {
				es_err_set(err, ES_EIO, "%s: cannot create directory: %s", p, strerror(errno));
				free(p);
				return ES_EIO;
			}
			*q = '/';
		}
	}
	if (mkdir(p, 0755) != 0 && errno != EEXIST) {
		es_err_set(err, ES_EIO, "%s: cannot create directory: %s", p, strerror(errno));
		free(p);
		return ES_EIO;
	}
	free(p);
	return ES_OK;
}

char *es_path_join(const char *dir, const char *rel)
{
	size_t a = strlen(dir), b = strlen(rel);
	char *p = malloc(a + b + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, a);
	size_t o = a;
	if (a && dir[a - 1] != '/')
		p[o++] = '/';
	memcpy(p + o, rel, b + 1);
	return p;
}

es_code es_write_atomic(const char *path, const void *data, size_t len, es_err *err)
{
	es_code rc = ES_OK;
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16);
	int fd = -1;
	if (!tmp)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = es_err_set(err, ES_EIO, "%s: cannot create temporary file: %s", path, strerror(errno));
		goto out;
	}
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = es_err_set(err, ES_EIO, "%s: write failed: %s", tmp, strerror(errno));
			goto out;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
		rc = es_err_set(err, ES_EIO, "%s: fsync failed: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = es_err_set(err, ES_EIO, "%s: close failed: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = es_err_set(err, ES_EIO, "%s: rename failed: %s", path, strerror(errno));
		goto out;
	}
	/* make the rename itself durable */
	{
		char *dir = strdup(path);
		if (dir) {
			char *slash = strrchr(dir, '/');
			if (slash) {
				*slash = '\0';
				int dfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY);
				if (dfd >= 0) {
					fsync(dfd);
					close(dfd);
				}
			}
			free(dir);
		}
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc != ES_OK)
		unlink(tmp);
	free(tmp);
	return rc;
}
