#define CURLDL_IMPL
#include "curldl.h"

#include <dlfcn.h>
#include <string.h>

#include "log.h"
#include "util.h"

struct curldl curldl;

/* the soname the headers were built for */
#define CURL_SONAME "libcurl.so.4"

bool curldl_load(void)
{
	static int state; /* 0 not tried, 1 loaded, -1 failed */
	if (state)
		return state > 0;
	state = -1;
	void *h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		log_err("cannot load libcurl (%s): %s", CURL_SONAME, dlerror());
		return false;
	}
	static const struct {
		const char *name;
		size_t offset;
	} syms[] = {
#define SYM(field, name) {name, offsetof(struct curldl, field)}
		SYM(easy_init, "curl_easy_init"),
		SYM(easy_setopt, "curl_easy_setopt"),
		SYM(easy_getinfo, "curl_easy_getinfo"),
		SYM(easy_cleanup, "curl_easy_cleanup"),
		SYM(easy_strerror, "curl_easy_strerror"),
		SYM(easy_escape, "curl_easy_escape"),
		SYM(easy_unescape, "curl_easy_unescape"),
		SYM(free, "curl_free"),
		SYM(multi_init, "curl_multi_init"),
		SYM(multi_setopt, "curl_multi_setopt"),
		SYM(multi_add_handle, "curl_multi_add_handle"),
		SYM(multi_remove_handle, "curl_multi_remove_handle"),
		SYM(multi_perform, "curl_multi_perform"),
		SYM(multi_poll, "curl_multi_poll"),
		SYM(multi_info_read, "curl_multi_info_read"),
		SYM(multi_cleanup, "curl_multi_cleanup"),
#undef SYM
	};
	struct curldl t;
	for (size_t i = 0; i < ARRAY_LEN(syms); i++) {
		void *p = dlsym(h, syms[i].name);
		if (!p) {
			log_err("%s has no %s: %s", CURL_SONAME, syms[i].name, dlerror());
			dlclose(h);
			return false;
		}
		memcpy((char *)&t + syms[i].offset, &p, sizeof(p));
	}
	curldl = t;
	state = 1;
	return true;
}
