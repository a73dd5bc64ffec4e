#define LIB_CURL_IMPL
#include "base/lib_curl.h"

#include "base/dynlib.h"
#include "base/util.h"

struct lib_curl lib_curl;

/* the soname the headers were built for */
#define CURL_SONAME "libcurl.so.4"

bool lib_curl_load(void)
{
	static int state; /* 0 not tried, 1 loaded, -1 failed */
	if (state)
		return state > 0;
	static const struct dynsym syms[] = {
#define SYM(field, name) {name, offsetof(struct lib_curl, field)}
		SYM(easy_init, "curl_easy_init"),
		SYM(easy_setopt, "curl_easy_setopt"),
		SYM(easy_getinfo, "curl_easy_getinfo"),
		SYM(easy_cleanup, "curl_easy_cleanup"),
		SYM(easy_reset, "curl_easy_reset"),
		SYM(easy_strerror, "curl_easy_strerror"),
		SYM(easy_escape, "curl_easy_escape"),
		SYM(easy_unescape, "curl_easy_unescape"),
		SYM(free, "curl_free"),
		SYM(easy_perform, "curl_easy_perform"),
		SYM(slist_append, "curl_slist_append"),
		SYM(slist_free_all, "curl_slist_free_all"),
		SYM(url, "curl_url"),
		SYM(url_set, "curl_url_set"),
		SYM(url_get, "curl_url_get"),
		SYM(url_cleanup, "curl_url_cleanup"),
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
	state = dynlib_load(CURL_SONAME, syms, ARRAY_LEN(syms), &lib_curl, sizeof(lib_curl)) ? 1 : -1;
	return state > 0;
}
