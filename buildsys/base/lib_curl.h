#ifndef KILN_LIB_CURL_H
#define KILN_LIB_CURL_H

#include <stdbool.h>

/* libcurl, loaded on first use. Every compiler call of a build goes through
 * kiln's start-up; libcurl and the ~25 libraries it depends on would cost
 * each of them about 12 M instructions of dynamic linking. The headers (and
 * so the API and ABI) are the pkg-config libcurl's; the library is its
 * soname, opened with dlopen(3). Include this instead of <curl/curl.h>. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

struct lib_curl {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	char *(*easy_escape)(CURL *, const char *, int);
	char *(*easy_unescape)(CURL *, const char *, int, int *);
	void (*free)(void *);
	CURLcode (*easy_perform)(CURL *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	CURLU *(*url)(void);
	CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
	CURLUcode (*url_get)(const CURLU *, CURLUPart, char **, unsigned int);
	void (*url_cleanup)(CURLU *);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLMcode (*multi_cleanup)(CURLM *);
};

extern struct lib_curl lib_curl;

/* load libcurl once; false (reported) when it cannot be loaded */
bool lib_curl_load(void);

#ifndef LIB_CURL_IMPL
/* curl.h wraps these in argument-count-checking macros */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#define curl_easy_init lib_curl.easy_init
#define curl_easy_setopt lib_curl.easy_setopt
#define curl_easy_getinfo lib_curl.easy_getinfo
#define curl_easy_cleanup lib_curl.easy_cleanup
#define curl_easy_reset lib_curl.easy_reset
#define curl_easy_strerror lib_curl.easy_strerror
#define curl_easy_escape lib_curl.easy_escape
#define curl_easy_unescape lib_curl.easy_unescape
#define curl_free lib_curl.free
#define curl_easy_perform lib_curl.easy_perform
#define curl_slist_append lib_curl.slist_append
#define curl_slist_free_all lib_curl.slist_free_all
#define curl_url lib_curl.url
#define curl_url_set lib_curl.url_set
#define curl_url_get lib_curl.url_get
#define curl_url_cleanup lib_curl.url_cleanup
#define curl_multi_init lib_curl.multi_init
#define curl_multi_setopt lib_curl.multi_setopt
#define curl_multi_add_handle lib_curl.multi_add_handle
#define curl_multi_remove_handle lib_curl.multi_remove_handle
#define curl_multi_perform lib_curl.multi_perform
#define curl_multi_poll lib_curl.multi_poll
#define curl_multi_info_read lib_curl.multi_info_read
#define curl_multi_cleanup lib_curl.multi_cleanup
#endif

#endif
