/* buf.h: a growable string, for the compiler and the runtime alike.
 *
 * Ownership: the buffer owns its bytes; biz_buf_take hands them to the
 * caller (free()) and empties the buffer, biz_buf_free drops them. All
 * zeroes is an empty buffer with no size cap.
 */
#ifndef BIZ_BUF_H
#define BIZ_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

typedef struct biz_buf {
    char *p;        /* NUL-terminated once anything was added */
    size_t n, cap;
    size_t max;     /* when not 0: the most bytes it may hold */
    int over;       /* an append went past max (and was dropped) */
    int oom;        /* an allocation failed (and the append was dropped) */
} biz_buf;

/* biz_buf_add's part out of line: grows b (or fails) and appends. */
void biz_buf_add_grow(biz_buf *b, const char *s, size_t n);

/* Appends s[0..n) (NUL bytes too). Inline: a record, a journal line or a
 * generated C file is made of many short pieces, and the call cost more
 * than the copy; only growing, a cap or a failure take the call. */
static inline void biz_buf_add(biz_buf *b, const char *s, size_t n)
{
    if (n && n < b->cap - b->n && !(b->max | (size_t)b->over | (size_t)b->oom)) {
        memcpy(b->p + b->n, s, n);
        b->n += n;
        b->p[b->n] = '\0';
    } else {
        biz_buf_add_grow(b, s, n);
    }
}

/* Appends one byte. */
static inline void biz_buf_addc(biz_buf *b, char c)
{
    biz_buf_add(b, &c, 1);
}

/* Appends the string s. */
void biz_buf_adds(biz_buf *b, const char *s);
/* Appends printf(fmt, ...)'s text, formatted in place (a second pass only
 * when it did not fit). */
void biz_buf_printf(biz_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void biz_buf_vprintf(biz_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Makes room for n more bytes and the NUL, for a caller that writes at
 * p + n itself (and then moves n on); 0, or -1 when it failed (over max or
 * out of memory). */
int biz_buf_reserve(biz_buf *b, size_t n);
/* Empties b but keeps its bytes for reuse (p stays "" once allocated),
 * and forgets a failure; its max kept. */
void biz_buf_clear(biz_buf *b);
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
