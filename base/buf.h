/* buf.h: a growable string, for the compiler and the runtime alike.
 *
 * Ownership: the buffer owns its bytes; biz_buf_take hands them to the
 * caller (free()) and empties the buffer, biz_buf_free drops them. All
 * zeroes is an empty buffer with no size cap.
 */
#ifndef BIZ_BUF_H
#define BIZ_BUF_H

#include <stddef.h>

typedef struct biz_buf {
    char *p;        /* NUL-terminated once anything was added */
    size_t n, cap;
    size_t max;     /* when not 0: the most bytes it may hold */
    int over;       /* an append went past max (and was dropped) */
    int oom;        /* an allocation failed (and the append was dropped) */
} biz_buf;

/* Appends s[0..n) (NUL bytes too). */
void biz_buf_add(biz_buf *b, const char *s, size_t n);
/* Appends the string s. */
void biz_buf_adds(biz_buf *b, const char *s);
/* Appends one byte. */
void biz_buf_addc(biz_buf *b, char c);
/* Appends c n times. */
void biz_buf_fill(biz_buf *b, const char *c, size_t clen, size_t n);
/* Whether an append failed (over max or out of memory). */
int biz_buf_failed(const biz_buf *b);
/* Returns the string (never NULL unless an append failed: then NULL) and
 * empties b. */
char *biz_buf_take(biz_buf *b);
/* Frees b's bytes and empties it (its max kept). */
void biz_buf_free(biz_buf *b);

#endif
