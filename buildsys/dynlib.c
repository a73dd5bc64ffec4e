#include "dynlib.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

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
