#include "es_install.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "es_io.h"

/* Candidate directories, relative to the directory holding the executable:
 * the installed layout first, then the build tree's link to lists/. */
static const char *const candidates[] = {"../share/exportscreen", "lists"};

static char *exe_dir(const char *exe_path)
{
	char buf[PATH_MAX];
	const char *p = exe_path;
	if (!p) {
		ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
		if (n <= 0)
			return NULL;
		buf[n] = '\0';
		p = buf;
	}
	const char *slash = strrchr(p, '/');
	if (!slash)
		return strdup(".");
	return strndup(p, slash == p ? 1 : (size_t)(slash - p));
}

es_code es_install_lists_dir(char **out, const char *exe_path, es_err *err)
{
	*out = NULL;
	const char *env = getenv(ES_LISTS_DIR_ENV);
	if (env && *env) {
		if (!(*out = strdup(env)))
			return es_err_set(err, ES_ENOMEM, "out of memory");
		return ES_OK;
	}
	char *dir = exe_dir(exe_path);
	if (!dir)
		return es_err_set(err, ES_EMISSING,
				  "cannot find the bundled lists (where is the executable?): set " ES_LISTS_DIR_ENV
				  " to the directory holding manifest.json");
	for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
		char *cand = es_path_join(dir, candidates[i]);
		char *man = cand ? es_path_join(cand, "manifest.json") : NULL;
		bool found = man && access(man, R_OK) == 0;
		free(man);
		if (found) {
			char *real = realpath(cand, NULL);
			free(cand);
			free(dir);
			*out = real;
			return real ? ES_OK : es_err_set(err, ES_ENOMEM, "out of memory");
		}
		free(cand);
	}
	es_err_set(err, ES_EMISSING,
		   "cannot find the bundled lists: no manifest.json in %s/%s or %s/%s; reinstall exportscreen, "
		   "or set " ES_LISTS_DIR_ENV " to the directory holding manifest.json",
		   dir, candidates[0], dir, candidates[1]);
	free(dir);
	return ES_EMISSING;
}
