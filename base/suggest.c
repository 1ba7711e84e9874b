/* suggest.c: the closest known name to a misspelt one (suggest.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "suggest.h"

/* Optimal-string-alignment distance (Damerau with adjacent swaps) of
 * a[0..n) and b[0..m) when it is at most bound; bound + 1 once it is known
 * to be more. biz_suggest asks it of every candidate (every task id of a
 * DAG, for each unknown one), so it gives up early: a cell derives from
 * the row above, its left neighbour or (a swap) the row two above plus
 * one, so once two rows in a row exceed bound every later row does too. */
static int edit_distance_within(const char *a, size_t n, const char *b, size_t m, int bound)
{
    int stack[3 * 64];
    int *rows = m + 1 <= 64 ? stack : malloc(sizeof(int) * 3 * (m + 1));
    if (!rows)
        return bound + 1;   /* out of memory: no suggestion */
    int *pp = rows, *p = rows + (m + 1), *c = rows + 2 * (m + 1);
    int prev_over = 0;   /* the row before p exceeded bound */
    for (size_t j = 0; j <= m; j++)
        p[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        c[0] = (int)i;
        int lo = c[0];
        for (size_t j = 1; j <= m; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = p[j] + 1;
            if (c[j - 1] + 1 < v)
                v = c[j - 1] + 1;
            if (p[j - 1] + cost < v)
                v = p[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            c[j] = v;
            if (v < lo)
                lo = v;
        }
        int *t = pp;
        pp = p;
        p = c;
        c = t;
        if (lo > bound && prev_over)
            break;   /* p[m], in the row that exceeded, is more than bound */
        prev_over = lo > bound;
    }
    int r = p[m];
    if (rows != stack)
        free(rows);
    return r > bound ? bound + 1 : r;
}

/* Which characters s holds, case folded, as bits (digits, letters, '_',
 * '.' and '-' each their own; other bytes share the rest); *len gets
 * strlen(s). */
static uint64_t char_bits(const char *s, size_t *len)
{
    uint64_t bits = 0;
    const char *p = s;
    for (; *p; p++) {
        int c = tolower((unsigned char)*p), b;
        if (c >= '0' && c <= '9')
            b = c - '0';
        else if (c >= 'a' && c <= 'z')
            b = 10 + (c - 'a');
        else if (c == '_')
            b = 36;
        else if (c == '.')
            b = 37;
        else if (c == '-')
            b = 38;
        else
            b = 39 + c % 25;
        bits |= (uint64_t)1 << b;
    }
    *len = (size_t)(p - s);
    return bits;
}

/* Has x more than k bits set? */
static int more_bits(uint64_t x, int k)
{
    for (int i = 0; i <= k; i++) {
        if (!x)
            return 0;
        x &= x - 1;
    }
    return 1;
}

/* biz_suggest's search, with each candidate's length and char_bits given
 * (or NULL: computed here). Only a candidate within limit edits, and
 * within best_d once there is a best, changes the answer (a new best, or a
 * tie), so two cheap lower bounds of the distance skip most without
 * measuring it: the difference of the lengths, and the characters one has
 * that the other lacks (case folded: an edit adds or removes at most one
 * of them; a swap none). The others are measured no further than that. */
/* The one candidate that word is a whole underscore-separated part of
 * ('query' for 'query_params', 'id' is too short to say), else NULL. */
static const char *word_part_of(const char *word, size_t wlen, const char *const *candidates, int n)
{
    const char *found = NULL;
    if (wlen < 3)
        return NULL;
    for (int i = 0; i < n; i++) {
        const char *c = candidates[i];
        if (!c)
            continue;
        size_t clen = strlen(c);
        if (clen <= wlen)
            continue;
        int head = strncasecmp(c, word, wlen) == 0 && c[wlen] == '_';
        int tail = strcasecmp(c + clen - wlen, word) == 0 && c[clen - wlen - 1] == '_';
        if (!head && !tail)
            continue;
        if (found && strcmp(found, c) != 0)
            return NULL;
        found = c;
    }
    return found;
}

static const char *suggest_among(const char *word, const char *const *candidates, int n,
                                 const size_t *lens, const uint64_t *bits)
{
    size_t wlen;
    uint64_t wbits = char_bits(word, &wlen);
    int limit = (int)wlen / 3;
    if (limit < 1)
        limit = 1;
    const char *best = NULL;
    int best_d = limit + 1, ties = 0;
    for (int i = 0; i < n; i++) {
        if (!candidates[i])
            continue;
        int bound = best ? best_d : limit;
        size_t clen;
        uint64_t cbits = bits ? bits[i] : char_bits(candidates[i], &clen);
        if (lens)
            clen = lens[i];
        if ((clen > wlen ? clen - wlen : wlen - clen) > (size_t)bound
            || more_bits(wbits & ~cbits, bound) || more_bits(cbits & ~wbits, bound))
            continue;
        int dist = strcasecmp(word, candidates[i]) == 0
                       ? 0 : edit_distance_within(word, wlen, candidates[i], clen, bound);
        if (dist < best_d) {
            best = candidates[i];
            best_d = dist;
            ties = 0;
        } else if (dist == best_d && best && strcmp(best, candidates[i]) != 0) {
            ties++;
        }
    }
    if (!best || best_d > limit || ties)
        return word_part_of(word, wlen, candidates, n);
    return best;
}

/* The compiler's policy (suggest.h). */
const char *biz_suggest(const char *word, const char *const *candidates, int n)
{
    if (!word || !candidates)
        return NULL;
    return suggest_among(word, candidates, n, NULL, NULL);
}

void biz_suggester_init(biz_suggester *sg, const char *const *candidates, int n)
{
    sg->candidates = candidates;
    sg->n = n;
    sg->lens = malloc(sizeof *sg->lens * (size_t)(n > 0 ? n : 1));
    sg->bits = malloc(sizeof *sg->bits * (size_t)(n > 0 ? n : 1));
    if (!sg->lens || !sg->bits) {
        /* out of memory: biz_suggester_find measures them each time */
        biz_suggester_free(sg);
        return;
    }
    for (int i = 0; i < n; i++)
        sg->bits[i] = candidates[i] ? char_bits(candidates[i], &sg->lens[i]) : 0;
}

const char *biz_suggester_find(const biz_suggester *sg, const char *word)
{
    if (!word || !sg->candidates)
        return NULL;
    return suggest_among(word, sg->candidates, sg->n, sg->lens, sg->bits);
}

void biz_suggester_free(biz_suggester *sg)
{
    free(sg->lens);
    free(sg->bits);
    sg->lens = NULL;
    sg->bits = NULL;
}

/* The template parser's policy (suggest.h). Its names are short (filters,
 * tests, methods, statements: under 40 bytes), so measuring within the
 * limit gives what a full distance would: the first at the least distance
 * when that is within the limit. */
const char *biz_suggest_first(const char *word, const char *const *names)
{
    size_t wlen = strlen(word);
    int limit = (int)(wlen / 3) + 1;
    if (limit > 3)
        limit = 3;
    const char *best = NULL;
    int best_d = limit + 1;
    for (; *names; names++) {
        int d = edit_distance_within(word, wlen, *names, strlen(*names), limit);
        if (d < best_d) {
            best_d = d;
            best = *names;
        }
    }
    return best;
}
