/* xalloc.h: allocation that cannot fail, for bizc (the compiler and the
 * grammar). Out of memory, each prints "bizc: out of memory" to stderr and
 * aborts: the compiler has no way to go on. The runtime does not use
 * these: out of memory there fails a task, so it checks every return.
 *
 * Ownership: the caller frees what each returns (free()).
 */
#ifndef BIZ_XALLOC_H
#define BIZ_XALLOC_H

#include <stddef.h>

/* malloc(n) (n of 0 gives a block of its own too). */
void *biz_xmalloc(size_t n);
/* calloc(n, size), zeroed; n * size overflowing is out of memory. */
void *biz_xcalloc(size_t n, size_t size);
/* realloc(p, n). */
void *biz_xrealloc(void *p, size_t n);
/* A copy of the string s. */
char *biz_xstrdup(const char *s);
/* A copy of s[0..n) (stopping at a NUL before n), NUL-terminated. */
char *biz_xstrndup(const char *s, size_t n);

/* Prints "bizc: out of memory" and aborts (for callers whose allocation
 * is not one of the above). */
_Noreturn void biz_xalloc_die(void);

#endif
