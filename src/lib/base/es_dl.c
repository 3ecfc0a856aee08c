#include "es_dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t dl_lock = PTHREAD_MUTEX_INITIALIZER;

static void dl_open(es_dl *d)
{
	void *h = dlopen(d->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(d->why, sizeof d->why, "cannot load %s (%s): %s", d->what, d->soname, e ? e : "not found");
		__atomic_store_n(&d->state, 2, __ATOMIC_RELEASE);
		return;
	}
	for (size_t i = 0; d->syms[i]; i++) {
		d->fn[i] = dlsym(h, d->syms[i]);
		if (!d->fn[i]) {
			snprintf(d->why, sizeof d->why, "%s (%s) has no %s: a version too old", d->what, d->soname,
				 d->syms[i]);
			dlclose(h);
			__atomic_store_n(&d->state, 2, __ATOMIC_RELEASE);
			return;
		}
	}
	/* kept open for the life of the process */
	__atomic_store_n(&d->state, 1, __ATOMIC_RELEASE);
}

es_code es_dl_load(es_dl *d, es_err *err)
{
	int st = __atomic_load_n(&d->state, __ATOMIC_ACQUIRE);
	if (st == 0) {
		pthread_mutex_lock(&dl_lock);
		if (__atomic_load_n(&d->state, __ATOMIC_ACQUIRE) == 0)
			dl_open(d);
		pthread_mutex_unlock(&dl_lock);
		st = __atomic_load_n(&d->state, __ATOMIC_ACQUIRE);
	}
	if (st != 1)
		return es_err_set(err, ES_EMISSING, "%s", d->why);
	return ES_OK;
}
