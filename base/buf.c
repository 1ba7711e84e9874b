/* buf.c: a growable string (buf.h). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void biz_buf_add(biz_buf *b, const char *s, size_t n)
{
    if (b->oom || b->over)
        return;
    if (b->max && n > b->max - b->n) {
        b->over = 1;
        return;
    }
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void biz_buf_adds(biz_buf *b, const char *s)
{
    biz_buf_add(b, s, strlen(s));
}

void biz_buf_addc(biz_buf *b, char c)
{
    biz_buf_add(b, &c, 1);
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
