/* suggest.h: "did you mean ...?": the closest known name to a misspelt
 * one, by edit distance (optimal string alignment: insertions, deletions,
 * substitutions and swaps of neighbours), one copy for the compiler's
 * diagnostics and the template parser's errors.
 *
 * Two policies, each the one its messages have always followed:
 *   biz_suggest, biz_suggester_find: the compiler's. The unique closest
 *     within max(1, len/3) edits (a word equal but for case is at 0);
 *     on a tie or nothing close, the one candidate the word is a whole
 *     '_'-separated part of; else NULL.
 *   biz_suggest_first: the template parser's (filters, tests, methods,
 *     statements). The first closest within min(3, len/3 + 1) edits, case
 *     counted; else NULL.
 *
 * Ownership: candidates are borrowed; the answer is one of them. Nothing
 * here aborts: when memory runs out the search goes on without its caches.
 */
#ifndef BIZ_SUGGEST_H
#define BIZ_SUGGEST_H

#include <stddef.h>
#include <stdint.h>

/* The closest of candidates[0..n) (NULL entries skipped) to word, or NULL
 * when none is close enough to suggest. */
const char *biz_suggest(const char *word, const char *const *candidates, int n);

/* The same search over candidates prepared once, for many words (every
 * unknown task id of a DAG against all its task ids): their lengths and
 * characters are kept, so most are ruled out without reading them. The
 * candidates are borrowed. */
typedef struct biz_suggester {
    const char *const *candidates;
    int n;
    size_t *lens;       /* NULL when they could not be allocated */
    uint64_t *bits;
} biz_suggester;
void biz_suggester_init(biz_suggester *sg, const char *const *candidates, int n);
const char *biz_suggester_find(const biz_suggester *sg, const char *word);
void biz_suggester_free(biz_suggester *sg);

/* The first of the NULL-terminated names closest to word, or NULL. */
const char *biz_suggest_first(const char *word, const char *const *names);

#endif
