#include "base/dynlib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"

bool dynlib_load(const char *soname, const struct dynsym *syms, size_t n, void *table, size_t size)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		log_err("cannot load %s: %s", soname, dlerror());
		return false;
	}
	char *t = xmalloc(size);
	memcpy(t, table, size);
	for (size_t i = 0; i < n; i++) {
		void *p = dlsym(h, syms[i].name);
		if (!p) {
			log_err("%s has no %s: %s", soname, syms[i].name, dlerror());
			free(t);
			dlclose(h);
			return false;
		}
		memcpy(t + syms[i].offset, &p, sizeof(p));
	}
	memcpy(table, t, size);
	free(t);
	return true;
}

void *dynlib_need(struct dynlib *l)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	if (atomic_load_explicit(&l->loaded, memory_order_acquire))
		return l->table;
	pthread_mutex_lock(&mu);
	if (!atomic_load_explicit(&l->loaded, memory_order_relaxed)) {
		if (!dynlib_load(l->soname, l->syms, l->n, l->table, l->size))
			exit(1);
		atomic_store_explicit(&l->loaded, 1, memory_order_release);
	}
	pthread_mutex_unlock(&mu);
	return l->table;
}
