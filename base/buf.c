/* buf.c: a growable string (buf.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int biz_buf_reserve(biz_buf *b, size_t n)
{
    if (b->oom || b->over)
        return -1;
    if (b->max && n > b->max - b->n) {
        b->over = 1;
        return -1;
    }
    if (n >= b->cap - b->n) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        if (b->max && cap > b->max + 1)
            cap = b->max + 1;   /* no doubling past the cap */
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return -1;
        }
        b->p = p;
        b->cap = cap;
    }
    return 0;
}

void biz_buf_add_grow(biz_buf *b, const char *s, size_t n)
{
    if (biz_buf_reserve(b, n) < 0)
        return;
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void biz_buf_adds(biz_buf *b, const char *s)
{
    biz_buf_add(b, s, strlen(s));
}

void biz_buf_vprintf(biz_buf *b, const char *fmt, va_list ap)
{
    if (b->oom || b->over)
        return;
    if (!b->max && biz_buf_reserve(b, 255) < 0)   /* one pass, mostly */
        return;
    va_list again;
    va_copy(again, ap);
    size_t room = b->p ? b->cap - b->n : 0;
    int n = vsnprintf(room ? b->p + b->n : NULL, room, fmt, ap);
    if (n < 0) {
        b->oom = 1;   /* only an encoding error or a length past INT_MAX */
        if (b->p)
            b->p[b->n] = '\0';
    } else if ((size_t)n < room && !(b->max && (size_t)n > b->max - b->n)) {
        b->n += (size_t)n;
    } else if (biz_buf_reserve(b, (size_t)n) == 0) {
        vsnprintf(b->p + b->n, b->cap - b->n, fmt, again);
        b->n += (size_t)n;
    } else if (b->p) {
        b->p[b->n] = '\0';   /* what did not fit is dropped */
    }
    va_end(again);
}

void biz_buf_printf(biz_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    biz_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void biz_buf_clear(biz_buf *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = '\0';
    b->oom = b->over = 0;
}

void biz_buf_fill(biz_buf *b, const char *c, size_t clen, size_t n)
{
    /* checked first: a width of millions must not loop before failing */
    if (b->max && clen && n > (b->max - b->n) / clen) {
        b->over = 1;
        return;
    }
    for (size_t i = 0; i < n && !biz_buf_failed(b); i++)
        biz_buf_add(b, c, clen);
}

int biz_buf_failed(const biz_buf *b)
{
    return b->oom || b->over;
}

char *biz_buf_take(biz_buf *b)
{
    char *p;
    if (biz_buf_failed(b)) {
        free(b->p);
        p = NULL;
    } else if (!b->p) {
        p = calloc(1, 1);
    } else {
        p = b->p;
    }
    size_t max = b->max;
    memset(b, 0, sizeof *b);
    b->max = max;
    return p;
}

void biz_buf_free(biz_buf *b)
{
    free(b->p);
    size_t max = b->max;
    memset(b, 0, sizeof *b);
    b->max = max;
}
