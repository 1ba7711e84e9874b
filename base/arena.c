/* arena.c: the bump allocator (arena.h). A block per allocation cost a
 * header and malloc's own for every value, a third of the memory in a DAG
 * of small values: small ones share blocks. */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "xalloc.h"

typedef struct biz_arena_block {
    struct biz_arena_block *next;
} biz_arena_block;

enum { ALIGN = alignof(max_align_t) };

/* A zeroed block of size bytes after a header padded to keep them
 * aligned for any type. */
static char *new_block(biz_arena *a, size_t size)
{
    size_t hdr = (sizeof(biz_arena_block) + ALIGN - 1) / ALIGN * ALIGN;
    biz_arena_block *b = biz_xcalloc(1, hdr + size);
    b->next = a->head;
    a->head = b;
    return (char *)b + hdr;
}

void *biz_arena_alloc(biz_arena *a, size_t size)
{
    size = size ? (size + ALIGN - 1) / ALIGN * ALIGN : ALIGN;
    size_t chunk = a->chunk ? a->chunk : BIZ_ARENA_CHUNK;
    if (size > chunk / 4)
        return new_block(a, size);
    if (!a->at || (size_t)(a->end - a->at) < size) {
        a->at = new_block(a, chunk);
        a->end = a->at + chunk;
    }
    char *p = a->at;
    a->at += size;
    return p;
}

char *biz_arena_strndup(biz_arena *a, const char *s, size_t n)
{
    char *p = biz_arena_alloc(a, n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void biz_arena_free(biz_arena *a)
{
    for (biz_arena_block *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    size_t chunk = a->chunk;
    memset(a, 0, sizeof *a);
    a->chunk = chunk;
}
