#ifndef KILN_CURLDL_H
#define KILN_CURLDL_H

#include <stdbool.h>

/* libcurl, loaded on first use. Every compiler call of a build goes through
 * kiln's start-up; libcurl and the ~25 libraries it depends on would cost
 * each of them about 12 M instructions of dynamic linking. The headers (and
 * so the API and ABI) are the pkg-config libcurl's; the library is its
 * soname, opened with dlopen(3). Include this instead of <curl/curl.h>. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

struct curldl {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	char *(*easy_escape)(CURL *, const char *, int);
	char *(*easy_unescape)(CURL *, const char *, int, int *);
	void (*free)(void *);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLMcode (*multi_cleanup)(CURLM *);
};

extern struct curldl curldl;

/* load libcurl once; false (reported) when it cannot be loaded */
bool curldl_load(void);

#ifndef CURLDL_IMPL
/* curl.h wraps these in argument-count-checking macros */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#define curl_easy_init curldl.easy_init
#define curl_easy_setopt curldl.easy_setopt
#define curl_easy_getinfo curldl.easy_getinfo
#define curl_easy_cleanup curldl.easy_cleanup
#define curl_easy_strerror curldl.easy_strerror
#define curl_easy_escape curldl.easy_escape
#define curl_easy_unescape curldl.easy_unescape
#define curl_free curldl.free
#define curl_multi_init curldl.multi_init
#define curl_multi_setopt curldl.multi_setopt
#define curl_multi_add_handle curldl.multi_add_handle
#define curl_multi_remove_handle curldl.multi_remove_handle
#define curl_multi_perform curldl.multi_perform
#define curl_multi_poll curldl.multi_poll
#define curl_multi_info_read curldl.multi_info_read
#define curl_multi_cleanup curldl.multi_cleanup
#endif

#endif
