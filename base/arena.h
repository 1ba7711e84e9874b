/* arena.h: a bump allocator for bizc (the syntax tree's nodes, the semantic
 * layer's values): allocations are carved in turn from large zeroed
 * blocks and all freed at once. Out of memory ends bizc (xalloc.h); the
 * runtime does not use it.
 *
 * Ownership: the arena owns every block; biz_arena_free frees them all.
 * All zeroes is an empty arena with the default block size.
 */
#ifndef BIZ_ARENA_H
#define BIZ_ARENA_H

#include <stddef.h>

/* The default block size (bytes). */
#define BIZ_ARENA_CHUNK (64 * 1024)

typedef struct biz_arena {
    struct biz_arena_block *head;   /* every block, the newest first */
    char *at, *end;                 /* what is left of the current block */
    size_t chunk;                   /* block size when not 0 */
} biz_arena;

/* Zeroed memory for any type, its own address even for size 0. One larger
 * than a quarter of a block gets a block of its own (the current block's
 * rest stays in use). */
void *biz_arena_alloc(biz_arena *a, size_t size);
/* A copy of s[0..n) plus a NUL. */
char *biz_arena_strndup(biz_arena *a, const char *s, size_t n);
/* Frees every block; a is empty again (its block size kept). */
void biz_arena_free(biz_arena *a);

#endif
