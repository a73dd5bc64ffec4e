/* Linked into every C++ side module that kiln links with its private libc++ built without
 * exception support (lib/private/libc++-noexcept.a, libc++abi-noexcept.a; docs/abi.md).
 *
 * Code compiled with Emscripten's default -fignore-exceptions still throws: a throw
 * allocates the exception with __cxa_allocate_exception and raises it with __cxa_throw,
 * both the runtime's (JavaScript-based exceptions). Nothing in such a module catches, and
 * the noexcept libc++abi has no code that reads an exception header (no catch, no
 * std::current_exception or rethrow), so the header's layout is only ever seen by the
 * runtime that made it: these two imports are safe. The custom section "kiln.libcxx"
 * lists them for `kiln abi-check`; every other libc++abi entry point (__cxa_begin_catch,
 * __cxa_find_matching_catch_N, ...) stays a finding. */
__asm__(".section .custom_section.kiln.libcxx,\"\",@\n"
	".asciz \"__cxa_allocate_exception\"\n"
	".asciz \"__cxa_throw\"\n");
