/* xalloc.c: allocation that aborts when out of memory (xalloc.h). Its one
 * line to stderr is base's only output: the compiler's last word. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

_Noreturn void biz_xalloc_die(void)
{
    fputs("bizc: out of memory\n", stderr);
    abort();
}

void *biz_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        biz_xalloc_die();
    return p;
}

void *biz_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        biz_xalloc_die();
    return p;
}

void *biz_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        biz_xalloc_die();
    return q;
}

char *biz_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(biz_xmalloc(n), s, n);
}

char *biz_xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = biz_xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
