/* consteval.c: compile-time values and the expression evaluator.
 *
 * Module constants, DAG arguments and operator arguments are all evaluated
 * here into sx_val trees: numbers, strings, lists, dicts, timedelta,
 * datetime, trigger rules, plus the non-constant things a DAG body handles
 * (tasks, task.output, DAG parameters). Calls that create tasks or wire them
 * are handed to sema.c (sx_call). Scopes chain, so that loops and
 * comprehensions can bind their variables later.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "isotime.h"
#include "ascii.h"
#include "sema.h"
#include "params.h"
#include "pyrepr.h"
#include "sema_int.h"
#include "template.h"
#include "tz.h"
#include "tzif.h"
#include "arena.h"
#include "xalloc.h"

/* ---------------------------------------------------------------- pool */

/* The pool is an arena (base/arena.c) of 64 KiB blocks, freed by
 * biz_sema_check. */
void *sx_alloc(biz_sema *S, size_t size)
{
    return biz_arena_alloc(&S->pool, size);
}

char *sx_strndup(biz_sema *S, const char *s, size_t n)
{
    return biz_arena_strndup(&S->pool, s, n);
}

char *sx_strdup(biz_sema *S, const char *s)
{
    return sx_strndup(S, s ? s : "", s ? strlen(s) : 0);
}

char *sx_fmt(biz_sema *S, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = sx_alloc(S, (size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* ----------------------------------------------------------------- text */


void sx_text_add(biz_sema *S, sx_text *t, const char *s, size_t n)
{
    if (t->over)
        return;
    if (t->max && n > t->max - t->len) {
        t->over = 1;
        return;
    }
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 32;
        while (t->len + n + 1 > cap)
            cap *= 2;
        char *b = sx_alloc(S, cap);
        if (t->len)
            memcpy(b, t->s, t->len);
        t->s = b;
        t->cap = cap;
    }
    if (n)
        memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = 0;
}

/* Appends the C string s, as "%s" would. */
static void text_str(biz_sema *S, sx_text *t, const char *s)
{
    sx_text_add(S, t, s, strlen(s));
}

/* The text so far (a pooled string, "" when nothing was added). */
static char *text_get(biz_sema *S, sx_text *t)
{
    return t->s ? t->s : sx_strdup(S, "");
}

/* ----------------------------------------------------------------- maps */

/* FNV-1a. */
static size_t map_hash(const char *s)
{
    uint64_t h = 14695981039346656037u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)(h ^ (h >> 29));
}

/* The slot of key, or the empty slot where it would go (open addressing,
 * linear probing; the table is never more than half full). */
static size_t map_slot(const sx_map *m, const char *key)
{
    size_t mask = m->cap - 1, i = map_hash(key) & mask;
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & mask;
    return i;
}

void *sx_map_get(const sx_map *m, const char *key)
{
    if (!m->cap)
        return NULL;
    size_t i = map_slot(m, key);
    return m->keys[i] ? m->vals[i] : NULL;
}

void sx_map_put(biz_sema *S, sx_map *m, const char *key, void *val)
{
    if (2 * (m->n + 1) > m->cap) {
        /* The old arrays stay in the pool: all tables together cost at
         * most twice their final size. */
        sx_map old = *m;
        m->cap = old.cap ? 2 * old.cap : 16;
        m->keys = sx_alloc(S, m->cap * sizeof *m->keys);
        m->vals = sx_alloc(S, m->cap * sizeof *m->vals);
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i]) {
                size_t j = map_slot(m, old.keys[i]);
                m->keys[j] = old.keys[i];
                m->vals[j] = old.vals[i];
            }
    }
    size_t i = map_slot(m, key);
    if (!m->keys[i]) {
        m->keys[i] = key;
        m->n++;
    }
    m->vals[i] = val;
}

/* Finds the repeated keys among n (a dict's), by their hashes and eq:
 * dup[i] = 1 when a key before i equals key i; for the others last[i] is
 * the index of the last key equal to key i (i itself when it is alone).
 * Comparing each key with all the others would be quadratic in a dict of
 * generated routes; this compares only keys of equal hash. */
static void find_repeats(int n, const uint64_t *hash, int (*eq)(const void *ctx, int i, int j),
                         const void *ctx, char *dup, int *last)
{
    size_t cap = 16;
    while (cap < 2 * (size_t)n)
        cap *= 2;
    int *slot = biz_xcalloc(cap, sizeof *slot);   /* index of a first key + 1 */
    for (int i = 0; i < n; i++) {
        size_t k = (size_t)hash[i] & (cap - 1);
        dup[i] = 0;
        last[i] = i;
        for (; slot[k]; k = (k + 1) & (cap - 1)) {
            int j = slot[k] - 1;
            if (hash[j] == hash[i] && eq(ctx, j, i)) {
                dup[i] = 1;
                last[j] = i;
                break;
            }
        }
        if (!dup[i])
            slot[k] = i + 1;
    }
    free(slot);
}

int sx_once(biz_sema *S, const char *key)
{
    if (sx_map_get(&S->reported, key))
        return 1;
    char *k = sx_strdup(S, key);
    sx_map_put(S, &S->reported, k, k);
    return 0;
}

/* -------------------------------------------------------------- values */

sx_val *sx_new(biz_sema *S, sx_kind kind, biz_span span)
{
    sx_val *v = sx_alloc(S, sizeof *v);
    v->kind = kind;
    v->span = span;
    return v;
}

sx_val *sx_new_str(biz_sema *S, const char *s, size_t len, biz_span span)
{
    sx_val *v = sx_new(S, BV_STR, span);
    v->u.str.s = sx_strndup(S, s, len);
    v->u.str.len = len;
    return v;
}

sx_val *sx_new_int(biz_sema *S, int64_t i, biz_span span)
{
    sx_val *v = sx_new(S, BV_INT, span);
    v->u.i = i;
    return v;
}

static sx_val *new_err(biz_sema *S, biz_span span)
{
    return sx_new(S, BV_ERROR, span);
}

const char *sx_kind_name(const sx_val *v)
{
    switch (v->kind) {
    case BV_ERROR: return "an invalid value";
    case BV_NONE: return "None";
    case BV_BOOL: return "a boolean";
    case BV_INT: return "an integer";
    case BV_FLOAT: return "a float";
    case BV_STR: return "a string";
    case BV_LIST: return "a list";
    case BV_TUPLE: return "a tuple";
    case BV_DICT: return "a dict";
    case BV_DURATION: return "a timedelta";
    case BV_DATETIME: return "a datetime";
    case BV_NODE: return v->u.node.grp ? "a task group" : "a task";
    case BV_TGROUP: return "a task group";
    case BV_TGFUNC: return "a task group function";
    case BV_PYFUNC: return "a function";
    case BV_LABEL: return "an edge label";
    case BV_OUTPUT: return "a task's output";
    case BV_PARAM: return "a DAG parameter";
    case BV_REJECTED: return "Python code";
    case BV_DAG: return "a DAG";
    case BV_DAGFUNC: return "a DAG function";
    case BV_MODULE: return "a module";
    case BV_BUILTIN: return "a function";
    case BV_OPAQUE: return "an unknown object";
    }
    return "a value";
}

sx_val *sx_dict_get(const sx_val *dict, const char *key)
{
    if (!dict || dict->kind != BV_DICT)
        return NULL;
    /* The last occurrence wins, as in a Python dict display. */
    for (int i = dict->u.dict.n - 1; i >= 0; i--) {
        const sx_val *k = dict->u.dict.keys[i];
        if (k->kind == BV_STR && strcmp(k->u.str.s, key) == 0)
            return dict->u.dict.vals[i];
    }
    return NULL;
}

/* Dicts with fewer keys are scanned: an index would cost more. */
#define DICT_INDEX_MIN 32

sx_val *sx_dict_lookup(biz_sema *S, const sx_val *dict, const char *key)
{
    if (!dict || dict->kind != BV_DICT || dict->u.dict.n < DICT_INDEX_MIN)
        return sx_dict_get(dict, key);
    struct sx_dict_index *x = NULL;
    for (int i = 0; i < 4 && !x; i++)
        if (S->dict_index[i].keys == dict->u.dict.keys && S->dict_index[i].n == dict->u.dict.n)
            x = &S->dict_index[i];
    if (!x) {
        for (int i = 0; i < dict->u.dict.n; i++)
            if (!dict->u.dict.vals[i])
                return sx_dict_get(dict, key);   /* the map holds no NULL */
        x = &S->dict_index[S->dict_index_next++ % 4];
        /* Reuse the slot's table: alternating between many dicts must not
         * fill the pool with tables. */
        if (x->map.cap)
            memset(x->map.keys, 0, x->map.cap * sizeof *x->map.keys);
        x->map.n = 0;
        x->keys = dict->u.dict.keys;
        x->n = dict->u.dict.n;
        for (int i = 0; i < dict->u.dict.n; i++)   /* the last occurrence wins */
            if (dict->u.dict.keys[i]->kind == BV_STR)
                sx_map_put(S, &x->map, dict->u.dict.keys[i]->u.str.s, dict->u.dict.vals[i]);
    }
    return sx_map_get(&x->map, key);
}

int sx_is_template(const sx_val *v)
{
    return v && v->kind == BV_STR && biz_tpl_is_template(v->u.str.s, v->u.str.len);
}

int sx_has_template(const sx_val *v)
{
    if (!v)
        return 0;
    switch (v->kind) {
    case BV_STR: return sx_is_template(v);
    case BV_LIST: case BV_TUPLE:
        for (int i = 0; i < v->u.seq.n; i++)
            if (sx_has_template(v->u.seq.items[i]))
                return 1;
        return 0;
    case BV_DICT:
        for (int i = 0; i < v->u.dict.n; i++)
            if (sx_has_template(v->u.dict.vals[i]))
                return 1;
        return 0;
    default: return 0;
    }
}

/* ------------------------------------------------------------ datetime */

/* A datetime as the generated C's JSON holds it (UTC, no fraction). A
 * zone can move 9999-12-31 into year 10000: the year stays 9999, as bizc
 * has always written it, so the text keeps four digits. */
void sx_iso(int64_t t, char *buf)
{
    biz_isotime_tm u;
    biz_isotime_split((time_t)t, &u);
    if (u.year < 0 || u.year > 9999)
        t = biz_isotime_join(u.year < 0 ? 0 : 9999, u.month, u.day, u.hour, u.minute, u.second);
    biz_isotime_utc((time_t)t, buf, 64);
}

/* ------------------------------------------------------------- scopes */

/* A scope with more bindings than this indexes them: a DAG body binding
 * one name per task would otherwise make each lookup walk all of them. */
#define SCOPE_INDEX_MIN 8

static sx_binding *scope_find(const sx_scope *sc, const char *name)
{
    if (sc->names.cap)
        return sx_map_get(&sc->names, name);
    for (sx_binding *b = sc->head; b; b = b->next)
        if (strcmp(b->name, name) == 0)
            return b;
    return NULL;
}

sx_val *sx_lookup(sx_scope *sc, const char *name)
{
    for (; sc; sc = sc->parent) {
        sx_binding *b = scope_find(sc, name);
        if (b)
            return b->val;
    }
    return NULL;
}

void sx_bind(biz_sema *S, sx_scope *sc, const char *name, sx_val *v)
{
    sx_scope *to = sc->bind_to ? sc->bind_to : sc;
    sx_binding *b = scope_find(to, name);
    if (b) {
        b->val = v;
        return;
    }
    b = sx_alloc(S, sizeof *b);
    b->name = sx_strdup(S, name);
    b->val = v;
    b->next = to->head;
    to->head = b;
    to->nbind++;
    if (to->names.cap) {
        sx_map_put(S, &to->names, b->name, b);
    } else if (to->nbind > SCOPE_INDEX_MIN) {
        for (sx_binding *x = to->head; x; x = x->next)
            sx_map_put(S, &to->names, x->name, x);
    }
}

/* --------------------------------------------------------------- JSON */

static int strs_eq(const void *ctx, int i, int j)
{
    const char *const *keys = ctx;
    return strcmp(keys[i], keys[j]) == 0;
}

void sx_last_of_keys(const char *const *keys, int n, char *keep)
{
    size_t cnt = n > 0 ? (size_t)n : 0;
    uint64_t *hash = biz_xcalloc(cnt + 1, sizeof *hash);
    int *last = biz_xcalloc(cnt + 1, sizeof *last);
    char *dup = biz_xcalloc(cnt + 1, 1);
    for (int i = 0; i < n; i++)
        hash[i] = map_hash(keys[i]);
    find_repeats(n, hash, strs_eq, keys, dup, last);
    memset(keep, 0, cnt);
    for (int i = 0; i < n; i++)
        if (!dup[i])
            keep[last[i]] = 1;
    free(hash);
    free(last);
    free(dup);
}

cJSON *sx_to_json(const sx_val *v)
{
    char buf[64];
    switch (v->kind) {
    case BV_NONE: return cJSON_CreateNull();
    case BV_BOOL: return cJSON_CreateBool(v->u.b);
    case BV_INT: return cJSON_CreateNumber((double)v->u.i);
    case BV_FLOAT: return cJSON_CreateNumber(v->u.f);
    case BV_STR: return cJSON_CreateString(v->u.str.s);
    case BV_DURATION: return cJSON_CreateNumber(v->u.dur);
    case BV_DATETIME: sx_iso(v->u.dt.t, buf); return cJSON_CreateString(buf);
    /* Airflow resolves these to their values, not to text (template.h) */
    case BV_OUTPUT: {
        char *s = biz_xmalloc(strlen(v->u.out.tpl) + sizeof BIZ_TPL_RESOLVE_MARK);
        sprintf(s, "%s%s", BIZ_TPL_RESOLVE_MARK, v->u.out.tpl);
        cJSON *j = cJSON_CreateString(s);
        free(s);
        return j;
    }
    case BV_PARAM: {
        char *s = biz_xmalloc(strlen(v->u.param) + 20 + sizeof BIZ_TPL_RESOLVE_MARK);
        sprintf(s, "%s{{ params.%s }}", BIZ_TPL_RESOLVE_MARK, v->u.param);
        cJSON *j = cJSON_CreateString(s);
        free(s);
        return j;
    }
    case BV_LIST: case BV_TUPLE: {
        cJSON *a = cJSON_CreateArray();
        for (int i = 0; i < v->u.seq.n; i++)
            cJSON_AddItemToArray(a, sx_to_json(v->u.seq.items[i]));
        return a;
    }
    case BV_DICT: {
        /* A repeated key keeps its last value, as Python does, and the
         * place of its last occurrence (as deleting the earlier member
         * before adding it again would; finding it in the object each
         * time would be quadratic in a dict of generated keys). */
        int n = v->u.dict.n;
        size_t cnt = n > 0 ? (size_t)n : 0;
        const char **keys = biz_xcalloc(cnt + 1, sizeof *keys);
        char (*buf)[32] = biz_xcalloc(cnt + 1, sizeof *buf);   /* keys that are not strings */
        char *keep = biz_xcalloc(cnt + 1, 1);
        for (int i = 0; i < n; i++) {
            const sx_val *k = v->u.dict.keys[i];
            keys[i] = buf[i];
            if (k->kind == BV_STR)
                keys[i] = k->u.str.s;
            else if (k->kind == BV_INT)
                snprintf(buf[i], sizeof buf[i], "%lld", (long long)k->u.i);
            else
                snprintf(buf[i], sizeof buf[i], "?");
        }
        sx_last_of_keys(keys, n, keep);
        cJSON *o = cJSON_CreateObject();
        for (int i = 0; i < n; i++)
            if (keep[i])
                cJSON_AddItemToObject(o, keys[i], sx_to_json(v->u.dict.vals[i]));
        free(keys);
        free(buf);
        free(keep);
        return o;
    }
    default: return cJSON_CreateNull();
    }
}

/* -------------------------------------------------- template positions */

biz_pos sx_str_pos(biz_sema *S, const sx_val *v, int off)
{
    const biz_expr *e = v ? v->origin : NULL;
    if (!e || e->kind != BIZ_E_STR || e->u.str.pieces.len == 0)
        return v ? v->span.begin : (biz_pos){ 0, 0, 0 };
    const biz_str_piece *p = NULL;
    for (int i = 0; i < e->u.str.pieces.len; i++) {
        const biz_str_piece *q = e->u.str.pieces.items[i];
        if (!q)
            continue;
        if (!p || off >= q->value_off)
            p = q;
        if (off < q->value_off + q->value_len)
            break;
    }
    if (!p)
        return e->span.begin;
    biz_pos pos = p->body;
    int want = off - p->value_off;
    const biz_source *src = S->d ? S->d->src : NULL;
    if (!src || !src->text || pos.off < 0 || (size_t)pos.off >= src->len) {
        pos.col += want;
        pos.off += want;
        return pos;
    }
    /* Walk the literal's source, decoding escapes so that value offsets
     * become source columns; newlines in triple-quoted strings move down. */
    const char *t = src->text;
    size_t i = (size_t)pos.off;
    int got = 0;
    while (got < want && i < src->len) {
        unsigned char c = (unsigned char)t[i];
        if (c == '\\' && !p->raw && i + 1 < src->len) {
            char n = t[i + 1];
            size_t adv = 2;
            int produced = 1;
            if (n == '\n') {
                produced = 0;
            } else if (n == 'x') {
                adv = 4;
            } else if (n == 'u' || n == 'U') {
                adv = n == 'u' ? 6 : 10;
                unsigned long cp = strtoul(sx_strndup(S, t + i + 2, adv - 2), NULL, 16);
                produced = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            } else if (n >= '0' && n <= '7') {
                adv = 2;
                while (adv < 4 && i + adv < src->len && t[i + adv] >= '0' && t[i + adv] <= '7')
                    adv++;
            } else if (n == 'N') {
                adv = 2;
                while (i + adv < src->len && t[i + adv] != '}')
                    adv++;
                adv++;
                produced = 3;
            }
            if (n == '\n') {
                pos.line++;
                pos.col = 1;
                pos.off += (int)adv;
                i += adv;
                continue;
            }
            i += adv;
            pos.off += (int)adv;
            pos.col += (int)adv;
            got += produced;
            continue;
        }
        i++;
        pos.off++;
        got++;
        if (c == '\n') {
            pos.line++;
            pos.col = 1;
        } else {
            pos.col++;
        }
    }
    return pos;
}

/* ---------------------------------------------------------- evaluation */

static int truthy(const sx_val *v)
{
    switch (v->kind) {
    case BV_NONE: return 0;
    case BV_BOOL: return v->u.b;
    case BV_INT: return v->u.i != 0;
    case BV_FLOAT: return v->u.f != 0;
    case BV_STR: return v->u.str.len != 0;
    case BV_LIST: case BV_TUPLE: return v->u.seq.n != 0;
    case BV_DICT: return v->u.dict.n != 0;
    case BV_DURATION: return v->u.dur != 0;
    default: return 1;
    }
}

static int is_num(const sx_val *v)
{
    return v->kind == BV_INT || v->kind == BV_FLOAT || v->kind == BV_BOOL;
}

static double num(const sx_val *v)
{
    return v->kind == BV_FLOAT ? v->u.f : v->kind == BV_INT ? (double)v->u.i : v->u.b;
}

static int64_t inum(const sx_val *v)
{
    return v->kind == BV_INT ? v->u.i : v->u.b;
}

static sx_val *new_num(biz_sema *S, double f, biz_span span)
{
    sx_val *v = sx_new(S, BV_FLOAT, span);
    v->u.f = f;
    return v;
}

/* Python's integers are unbounded; the compiler's constants are 64-bit. */
static sx_val *int_too_large(biz_sema *S, biz_span span)
{
    biz_error(S->d, span, NULL, "integer too large (the limit is %lld)", (long long)INT64_MAX);
    return new_err(S, span);
}

sx_val *sx_str_too_large(biz_sema *S, biz_span span)
{
    biz_error(S->d, span, NULL, "string too large for a constant (over %d bytes)", SX_MAX_STR);
    return new_err(S, span);
}

/* The most a timedelta holds (Python's: 999999999 days); past it, the
 * conversions to whole seconds would not fit in 64 bits. */
#define SX_MAX_DUR (999999999.0 * 86400)

static sx_val *new_dur(biz_sema *S, double s, biz_span span)
{
    if (!(fabs(s) <= SX_MAX_DUR)) { /* NaN too */
        biz_error(S->d, span, NULL, "timedelta too large (at most 999999999 days)");
        return new_err(S, span);
    }
    sx_val *v = sx_new(S, BV_DURATION, span);
    v->u.dur = s;
    return v;
}

/* A datetime t seconds from the epoch, or an error past year 9999 (or
 * before year 1), as Python's OverflowError. */
static sx_val *new_dt(biz_sema *S, double t, biz_span span)
{
    double lo = (double)biz_isotime_days_from_civil(1, 1, 1) * 86400;
    double hi = (double)biz_isotime_days_from_civil(10000, 1, 1) * 86400;
    if (!(t >= lo && t < hi)) {
        biz_error(S->d, span, NULL, "date value out of range");
        return new_err(S, span);
    }
    sx_val *v = sx_new(S, BV_DATETIME, span);
    v->u.dt.t = (int64_t)t;
    v->u.dt.tz = NULL;
    return v;
}

static sx_val *eval_seq(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_kind kind)
{
    sx_val *v = sx_new(S, kind, e->span);
    const biz_vec *seq = &e->u.seq;
    for (int i = 0; i < seq->len; i++) {
        const biz_expr *it = seq->items[i];
        if (!it)
            continue;
        if (it->kind == BIZ_E_STARRED) {
            sx_val *x = it->u.unary.operand ? sx_eval(S, sc, it->u.unary.operand) : new_err(S, it->span);
            sx_val **xs;
            int nx;
            if (x->kind == BV_ERROR || x->kind == BV_REJECTED)
                return new_err(S, e->span);
            /* a list, a tuple, a string's characters, a dict's keys */
            if (!sx_iterate(S, x, it->span, "'*' unpacking", &xs, &nx))
                return new_err(S, e->span);
            for (int j = 0; j < nx; j++)
                sx_seq_push(S, v, xs[j]);
            continue;
        }
        sx_seq_push(S, v, sx_eval(S, sc, it));
    }
    return v;
}

/* The capacity after growing an array of n items by one: doubling, so
 * that n pushes cost O(n) time and pool memory. */
static int grown(int n)
{
    return n < 4 ? 8 : 2 * n;
}

static int vals_equal(const sx_val *a, const sx_val *b);

void sx_dict_put(biz_sema *S, sx_val *d, sx_val *k, sx_val *val)
{
    int n = d->u.dict.n;
    /* A key already there keeps its place and takes the new value, as in
     * Python; the lookup indexes of this dict are then out of date. */
    for (int i = n - 1; i >= 0; i--)
        if (vals_equal(d->u.dict.keys[i], k)) {
            d->u.dict.vals[i] = val;
            for (int j = 0; j < 4; j++)
                if (S->dict_index[j].keys == d->u.dict.keys)
                    S->dict_index[j].keys = NULL;
            return;
        }
    if (n >= d->u.dict.cap) {
        int cap = grown(n);
        sx_val **keys = sx_alloc(S, (size_t)cap * sizeof *keys);
        sx_val **vals = sx_alloc(S, (size_t)cap * sizeof *vals);
        if (n > 0) {
            memcpy(keys, d->u.dict.keys, (size_t)n * sizeof *keys);
            memcpy(vals, d->u.dict.vals, (size_t)n * sizeof *vals);
        }
        d->u.dict.keys = keys;
        d->u.dict.vals = vals;
        d->u.dict.cap = cap;
    }
    d->u.dict.keys[n] = k;
    d->u.dict.vals[n] = val;
    d->u.dict.n = n + 1;
}

void sx_seq_push(biz_sema *S, sx_val *v, sx_val *x)
{
    int n = v->u.seq.n;
    if (n >= v->u.seq.cap) {
        int cap = grown(n);
        sx_val **items = sx_alloc(S, (size_t)cap * sizeof *items);
        if (n > 0)
            memcpy(items, v->u.seq.items, (size_t)n * sizeof *items);
        v->u.seq.items = items;
        v->u.seq.cap = cap;
    }
    v->u.seq.items[n] = x;
    v->u.seq.n = n + 1;
}

static sx_val *eval_dict(biz_sema *S, sx_scope *sc, const biz_expr *e)
{
    sx_val *d = sx_new(S, BV_DICT, e->span);
    for (int i = 0; i < e->u.dict.len; i++) {
        const biz_dict_item *it = e->u.dict.items[i];
        if (!it || !it->value)
            continue;
        sx_val *val = sx_eval(S, sc, it->value);
        if (!it->key) {
            if (val->kind == BV_DICT) {
                for (int j = 0; j < val->u.dict.n; j++)
                    sx_dict_put(S, d, val->u.dict.keys[j], val->u.dict.vals[j]);
            } else if (val->kind != BV_ERROR && val->kind != BV_REJECTED) {
                biz_error(S->d, it->value->span, NULL, "'**' needs a dict, got %s", sx_kind_name(val));
            }
            continue;
        }
        sx_val *k = sx_eval(S, sc, it->key);
        if (k->kind != BV_STR && k->kind != BV_INT && k->kind != BV_ERROR) {
            biz_error(S->d, it->key->span, NULL, "a dict key must be a string here, got %s",
                      sx_kind_name(k));
            continue;
        }
        sx_dict_put(S, d, k, val);
    }
    return d;
}

/* The value of a keyword or positional argument of a constant call. */
static const biz_expr *call_arg(const biz_expr *call, int pos, const char *name)
{
    for (int i = 0; i < call->u.call.keywords.len; i++) {
        const biz_keyword *k = call->u.call.keywords.items[i];
        if (k && k->name && strcmp(k->name, name) == 0)
            return k->value;
    }
    if (pos >= 0 && pos < call->u.call.args.len)
        return call->u.call.args.items[pos];
    return NULL;
}

/* Checks the keywords of a constant call against names (NULL-terminated);
 * returns 0 after reporting an unknown one. */
static int check_keywords(biz_sema *S, const biz_expr *call, const char *fname,
                          const char *const *names, int maxpos)
{
    int ok = 1;
    int n = 0;
    while (names[n])
        n++;
    for (int i = 0; i < call->u.call.keywords.len; i++) {
        const biz_keyword *k = call->u.call.keywords.items[i];
        if (!k)
            continue;
        if (!k->name) {
            biz_error(S->d, k->span, NULL, "'**' is not supported in a call of %s()", fname);
            ok = 0;
            continue;
        }
        int found = 0;
        for (int j = 0; j < n; j++)
            if (strcmp(names[j], k->name) == 0)
                found = 1;
        if (!found) {
            const char *sug = biz_suggest(k->name, names, n);
            biz_error(S->d, k->name_span, sug ? sx_fmt(S, "did you mean '%s'?", sug) : NULL,
                      "unknown argument '%s' for %s()", k->name, fname);
            ok = 0;
        }
    }
    if (call->u.call.args.len > maxpos) {
        const biz_expr *a = call->u.call.args.items[maxpos];
        biz_error(S->d, a ? a->span : call->span, NULL,
                  "%s() takes at most %d positional arguments", fname, maxpos);
        ok = 0;
    }
    return ok;
}

/* A number argument of a constant call; *ok cleared on error. */
static double num_arg(biz_sema *S, sx_scope *sc, const biz_expr *call, int pos,
                      const char *name, const char *fname, double dflt, int *ok, int want_int)
{
    const biz_expr *e = call_arg(call, pos, name);
    if (!e)
        return dflt;
    sx_val *v = sx_eval(S, sc, e);
    if (v->kind == BV_ERROR) {
        *ok = 0;
        return dflt;
    }
    if (v->kind == BV_INT || (!want_int && v->kind == BV_FLOAT))
        return num(v);
    biz_error(S->d, e->span, NULL, "%s() argument '%s' expects %s, got %s", fname, name,
              want_int ? "an integer" : "a number", sx_kind_name(v));
    *ok = 0;
    return dflt;
}

static sx_val *eval_timedelta(biz_sema *S, sx_scope *sc, const biz_expr *e, const char *fname,
                              int pendulum)
{
    static const char *const td_names[] = { "days", "seconds", "microseconds", "milliseconds",
                                            "minutes", "hours", "weeks", NULL };
    static const double mult[] = { 86400, 1, 1e-6, 1e-3, 60, 3600, 604800 };
    if (!check_keywords(S, e, fname, td_names, pendulum ? 0 : 7))
        return new_err(S, e->span);
    int ok = 1;
    double total = 0;
    for (int i = 0; td_names[i]; i++)
        total += mult[i] * num_arg(S, sc, e, pendulum ? -1 : i, td_names[i], fname, 0, &ok, 0);
    return ok ? new_dur(S, total, e->span) : new_err(S, e->span);
}

/* A time zone argument: None or a UTC name gives *zone NULL; another
 * name must be a zone of the build machine's tzdata, whose rules bizc
 * compiles into the executable (tzif.c). 0 after an error. */
static int check_tz(biz_sema *S, sx_scope *sc, const biz_expr *e, const char **zone)
{
    *zone = NULL;
    if (!e)
        return 1;
    sx_val *v = sx_eval(S, sc, e);
    if (v->kind == BV_ERROR)
        return 0;
    if (v->kind == BV_NONE)
        return 1;
    if (v->kind == BV_STR) {
        const char *s = v->u.str.s;
        if (biz_tz_name_is_utc(s))
            return 1;
        char err[300];
        const biz_tz_def *z = biz_tzif_load(s, err, sizeof err);
        if (!z) {
            biz_error(S->d, e->span, "use a tzdata name such as 'Europe/Paris' or 'UTC'", "%s", err);
            return 0;
        }
        *zone = z->name;
        return 1;
    }
    biz_error(S->d, e->span, "use a zone name: tz='Europe/Paris' or tzinfo=pendulum.timezone('Europe/Paris')",
              "this time zone is not supported: give a tzdata zone name (%s here)", sx_kind_name(v));
    return 0;
}

static sx_val *eval_datetime(biz_sema *S, sx_scope *sc, const biz_expr *e, const char *fname,
                             int pendulum)
{
    static const char *const dt_names[] = { "year", "month", "day", "hour", "minute", "second",
                                            "microsecond", "tzinfo", "tz", "fold", NULL };
    if (!check_keywords(S, e, fname, dt_names, 8))
        return new_err(S, e->span);
    int ok = 1;
    const char *const *n = dt_names;
    if (!call_arg(e, 0, "year") || !call_arg(e, 1, "month") || !call_arg(e, 2, "day")) {
        if (!(pendulum && call_arg(e, 0, "year"))) {
            biz_error(S->d, e->span, "write datetime(2024, 1, 1)",
                      "%s() needs a year, a month and a day", fname);
            return new_err(S, e->span);
        }
    }
    int64_t y = (int64_t)num_arg(S, sc, e, 0, n[0], fname, 1970, &ok, 1);
    int m = (int)num_arg(S, sc, e, 1, n[1], fname, 1, &ok, 1);
    int d = (int)num_arg(S, sc, e, 2, n[2], fname, 1, &ok, 1);
    int h = (int)num_arg(S, sc, e, 3, n[3], fname, 0, &ok, 1);
    int mi = (int)num_arg(S, sc, e, 4, n[4], fname, 0, &ok, 1);
    int s = (int)num_arg(S, sc, e, 5, n[5], fname, 0, &ok, 1);
    (void)num_arg(S, sc, e, 6, n[6], fname, 0, &ok, 1);
    const char *zi = NULL, *zt = NULL;
    if (!check_tz(S, sc, call_arg(e, 7, "tzinfo"), &zi) || !check_tz(S, sc, call_arg(e, -1, "tz"), &zt))
        ok = 0;
    /* pendulum.datetime() defaults to fold=1, datetime() to 0. */
    int fold = (int)num_arg(S, sc, e, -1, "fold", fname, pendulum ? 1 : 0, &ok, 1);
    if (!ok)
        return new_err(S, e->span);
    const char *bad = NULL;
    if (y < 1 || y > 9999)
        bad = "year must be in 1..9999";
    else if (m < 1 || m > 12)
        bad = "month must be in 1..12";
    else if (d < 1 || d > biz_isotime_days_in_month((int)y, m))
        bad = "day is out of range for month";
    else if (h < 0 || h > 23)
        bad = "hour must be in 0..23";
    else if (mi < 0 || mi > 59)
        bad = "minute must be in 0..59";
    else if (s < 0 || s > 59)
        bad = "second must be in 0..59";
    if (bad) {
        biz_error(S->d, e->span, NULL, "invalid date in %s(): %s", fname, bad);
        return new_err(S, e->span);
    }
    sx_val *v = sx_new(S, BV_DATETIME, e->span);
    int64_t local = biz_isotime_days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s;
    const char *zone = zt ? zt : zi;
    const biz_tz_def *z = zone ? biz_tzif_load(zone, NULL, 0) : NULL;
    /* pendulum moves a time in a DST gap forward by the gap (its
     * Timezone.convert); datetime(tzinfo=) takes the offset fold picks. */
    v->u.dt.t = !z ? local : pendulum ? biz_tz_from_local(z, (time_t)local, fold != 0)
                           : local - biz_tz_local_offset(z, (time_t)local, fold != 0);
    v->u.dt.tz = zone;
    return v;
}

static sx_val *const_method(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_val *obj, const char *m);
static sx_val *py_builtin(biz_sema *S, sx_scope *sc, const biz_expr *e, const char *name);
static int is_py_builtin(const char *name);
static sx_val *new_seq(biz_sema *S, sx_kind kind, sx_val **items, int n, biz_span span);
static sx_val *eval_listcomp(biz_sema *S, sx_scope *sc, const biz_expr *e);

/* JSON Schema keywords that annotate a Param (Airflow's trigger form)
 * and validate nothing. */
static int annotation_keyword(const char *k)
{
    static const char *const names[] = { "title", "description_md", "values_display", "section",
                                         "examples", "$comment", "custom_html_form", "readOnly",
                                         "writeOnly", "deprecated", "default", NULL };
    for (int i = 0; names[i]; i++)
        if (!strcmp(k, names[i]))
            return 1;
    return 0;
}

/* One schema keyword of a Param: refused when bizc cannot check it the
 * way Airflow does (a value would pass that Airflow refuses). */
static int check_schema_keyword(biz_sema *S, const char *k, sx_val *v, biz_span span)
{
    if (annotation_keyword(k))
        return 0;
    if (!biz_params_keyword_known(k)) {
        biz_error(S->d, span, "use type, enum, minimum, maximum, exclusiveMinimum, exclusiveMaximum, "
                  "minLength, maxLength, pattern or format",
                  "Param's JSON Schema keyword '%s' is not supported yet", k);
        return 0;
    }
    if (!strcmp(k, "pattern") && v->kind == BV_STR) {
        char *ere;
        const char *why;
        if (biz_params_pyre_to_ere(v->u.str.s, &ere, &why) < 0) {
            biz_error(S->d, v->span, "write it with classes, groups, alternatives and quantifiers",
                      "the pattern cannot be checked by bizc: it uses %s", why);
            return 0;
        }
        free(ere);
    } else if (!strcmp(k, "pattern")) {
        biz_error(S->d, v->span, NULL, "a Param's pattern must be a string");
        return 0;
    }
    if (!strcmp(k, "format") && v->kind == BV_STR && !biz_params_format_known(v->u.str.s)) {
        biz_error(S->d, v->span, "check it with a pattern instead",
                  "format '%s' is not checked by bizc yet (Airflow checks it)", v->u.str.s);
        return 0;
    }
    return 1;
}

/* Param(default, description, **schema): the default, carrying its schema
 * (the keywords as written, in order: they are checked in that order) and
 * description. A scheduled DAG's params must validate at compile time, and
 * every run's are checked with its conf (runtime/template/params.c). */
static sx_val *eval_param(biz_sema *S, sx_scope *sc, const biz_expr *e)
{
    const biz_expr *d = call_arg(e, 0, "default");
    sx_val *v = d ? sx_eval(S, sc, d) : sx_new(S, BV_NONE, e->span);
    if (v->kind == BV_ERROR || v->kind == BV_REJECTED)
        return v;
    sx_pschema *p = sx_alloc(S, sizeof *p);
    p->has_default = d != NULL;
    p->span = e->span;
    p->schema = sx_new(S, BV_DICT, e->span);
    const biz_expr *de = call_arg(e, 1, "description");
    if (de) {
        sx_val *dv = sx_eval(S, sc, de);
        if (dv->kind == BV_STR)
            p->description = dv->u.str.s;
        else if (dv->kind != BV_NONE && dv->kind != BV_ERROR && dv->kind != BV_REJECTED)
            biz_error(S->d, de->span, NULL, "a Param's description must be a string");
    }
    const biz_expr *sch = call_arg(e, -1, "schema");
    if (sch) {
        sx_val *schema = sx_eval(S, sc, sch);
        if (schema->kind == BV_DICT) {
            for (int i = 0; i < schema->u.dict.n; i++) {
                sx_val *k = schema->u.dict.keys[i], *kv = schema->u.dict.vals[i];
                if (k->kind == BV_STR && check_schema_keyword(S, k->u.str.s, kv, k->span))
                    sx_dict_put(S, p->schema, k, kv);
            }
        } else if (schema->kind != BV_ERROR && schema->kind != BV_REJECTED)
            biz_error(S->d, sch->span, NULL, "a Param's schema must be a dict");
    } else {
        for (int i = 0; i < e->u.call.keywords.len; i++) {
            const biz_keyword *k = e->u.call.keywords.items[i];
            if (!k || !k->name || !strcmp(k->name, "default") || !strcmp(k->name, "description"))
                continue;
            sx_val *kv = sx_eval(S, sc, k->value);
            if (kv->kind == BV_ERROR || kv->kind == BV_REJECTED)
                continue;
            if (check_schema_keyword(S, k->name, kv, k->name_span))
                sx_dict_put(S, p->schema, sx_new_str(S, k->name, strlen(k->name), k->name_span), kv);
        }
    }
    sx_val *c = sx_new(S, v->kind, v->span);
    *c = *v;
    c->pschema = p;
    /* The copy shares v's items: it must not grow into v's spare slots. */
    if (c->kind == BV_LIST || c->kind == BV_TUPLE)
        c->u.seq.cap = 0;
    else if (c->kind == BV_DICT)
        c->u.dict.cap = 0;
    return c;
}

/* Why value v does not validate against Param p, in jsonschema's words
 * (Airflow's "Invalid input for param ..." message), or NULL. */
const char *sx_pschema_problem(biz_sema *S, const sx_val *v, const sx_pschema *p)
{
    if (!p->has_default && v->kind == BV_NONE && v->pschema == p)
        return "No value passed and Param has no default value";
    cJSON *schema = sx_to_json(p->schema), *jv = sx_to_json(v);
    int oom;
    char *why = biz_params_problem(schema, jv, &oom);
    cJSON_Delete(schema);
    cJSON_Delete(jv);
    if (oom)
        return "out of memory";
    if (!why)
        return NULL;
    const char *r = sx_fmt(S, "%s", why);
    free(why);
    return r;
}

static sx_val *eval_call(biz_sema *S, sx_scope *sc, const biz_expr *e)
{
    const biz_expr *f = e->u.call.func;
    if (!f)
        return new_err(S, e->span);
    sx_val *fn;
    if (sx_is_mapped_call(e))
        return sx_mapped_call(S, sc, e);
    if (f->kind == BIZ_E_ATTR && f->u.attr.obj) {
        sx_val *obj = sx_eval(S, sc, f->u.attr.obj);
        if (obj->kind == BV_ERROR || obj->kind == BV_REJECTED)
            return obj;
        if (obj->kind == BV_TGFUNC && !strcmp(f->u.attr.name, "override")) {
            /* group.override(group_id=...): the same function, these
             * arguments winning over its decorator's */
            sx_val *o = sx_new(S, BV_TGFUNC, e->span);
            o->u.tgf = obj->u.tgf;
            o->u.tgf.over = e;
            return o;
        }
        if (obj->kind == BV_NODE || obj->kind == BV_DAG)
            return sx_method_call(S, sc, e, obj, f->u.attr.name);
        if (obj->kind == BV_STR || obj->kind == BV_DICT || obj->kind == BV_LIST || obj->kind == BV_TUPLE)
            return const_method(S, sc, e, obj, f->u.attr.name ? f->u.attr.name : "");
        sx_val *r = obj->kind == BV_MODULE && f->u.attr.name
                    ? sx_py_module_call(S, sc, e, obj->u.module, f->u.attr.name) : NULL;
        if (r)
            return r;
        fn = sx_eval(S, sc, f);
    } else if (f->kind == BIZ_E_NAME) {
        fn = sx_lookup(sc, f->u.name.id);
        if (!fn && is_py_builtin(f->u.name.id))
            return py_builtin(S, sc, e, f->u.name.id);
        if (!fn && sx_py_is_builtin(f->u.name.id))
            return sx_py_builtin(S, sc, e, f->u.name.id);
        if (!fn)
            fn = sx_undefined(S, sc, f->u.name.id, f->span, 1);
    } else {
        fn = sx_eval(S, sc, f);
    }
    if (fn->kind == BV_ERROR || fn->kind == BV_REJECTED)
        return fn;
    if (fn->kind == BV_OPAQUE && fn->u.fn.path) {   /* from textwrap import dedent */
        sx_val *r = sx_py_imported_call(S, sc, e, fn->u.fn.path);
        if (r)
            return r;
    }
    if (fn->kind == BV_BUILTIN) {
        const char *name = fn->u.fn.name;
        switch (fn->u.fn.fn) {
        case FN_TIMEDELTA: return eval_timedelta(S, sc, e, name, 0);
        case FN_PENDULUM_DURATION: return eval_timedelta(S, sc, e, name, 1);
        case FN_DATETIME: return eval_datetime(S, sc, e, name, 0);
        case FN_PENDULUM_DATETIME: return eval_datetime(S, sc, e, name, 1);
        case FN_PARAM: return eval_param(S, sc, e);
        case FN_TIMEZONE: {
            const biz_expr *a = call_arg(e, 0, "name");
            const char *zone;
            if (!check_tz(S, sc, a, &zone))
                return new_err(S, e->span);
            if (!zone)
                return sx_new(S, BV_NONE, e->span);
            sx_val *zv = sx_new(S, BV_STR, e->span);
            zv->u.str.s = (char *)zone;
            zv->u.str.len = strlen(zone);
            return zv;
        }
        case FN_NONDET:
            biz_error(S->d, e->span, "use a fixed date, e.g. start_date=datetime(2024, 1, 1)",
                      "%s() depends on when the DAG is compiled, so the compiled DAG would "
                      "never change", name);
            return new_err(S, e->span);
        default:
            return sx_call(S, sc, e, fn);
        }
    }
    return sx_call(S, sc, e, fn);
}

static sx_val *eval_attr(biz_sema *S, sx_scope *sc, const biz_expr *e)
{
    const char *name = e->u.attr.name ? e->u.attr.name : "";
    if (!e->u.attr.obj)
        return new_err(S, e->span);
    sx_val *obj = sx_eval(S, sc, e->u.attr.obj);
    switch (obj->kind) {
    case BV_ERROR: case BV_REJECTED:
        return obj;
    case BV_NODE: case BV_OUTPUT:
        return sx_attr_of_node(S, obj, name, e->span, e->u.attr.name_span);
    case BV_TGROUP:
        return sx_attr_of_tgroup(S, obj, name, e->span, e->u.attr.name_span);
    case BV_MODULE: case BV_BUILTIN: case BV_OPAQUE: {
        /* datetime.timedelta, pendulum.datetime, TriggerRule.ALL_DONE ... */
        if (obj->kind == BV_BUILTIN && obj->u.fn.fn == FN_TRIGGER_RULE) {
            char low[64];
            biz_ascii_case_copy(low, sizeof low, name, strlen(name), 0);
            int r = biz_trigger_from_name(low);
            if (r < 0 || strcmp(name, "DUMMY") == 0) {
                char up[BIZ_TR__COUNT][64];
                const char *cands[BIZ_TR__COUNT];
                for (int i = 0; i < BIZ_TR__COUNT; i++) {
                    biz_ascii_case_copy(up[i], sizeof up[i], biz_trigger_names[i], (size_t)-1, 1);
                    cands[i] = up[i];
                }
                const char *sug = biz_suggest(name, cands, BIZ_TR__COUNT);
                if (r < 0) {
                    biz_error(S->d, e->u.attr.name_span,
                              sug ? sx_fmt(S, "did you mean 'TriggerRule.%s'?", sug) : NULL,
                              "TriggerRule has no member '%s'", name);
                    return new_err(S, e->span);
                }
            }
            /* Airflow's TriggerRule is a str enum: a member is its value
             * ("all_done"), wherever a string goes (a task_id too) */
            return sx_new_str(S, biz_trigger_names[r], strlen(biz_trigger_names[r]), e->span);
        }
        if (obj->kind == BV_BUILTIN && obj->u.fn.fn == FN_WEIGHT_RULE) {
            /* Airflow's WeightRule is a str enum: its members are their values */
            static const char *const members[] = { "DOWNSTREAM", "UPSTREAM", "ABSOLUTE" };
            for (int i = 0; i < 3; i++)
                if (!strcmp(name, members[i])) {
                    char low[16];
                    size_t k = biz_ascii_case_copy(low, sizeof low, members[i], (size_t)-1, 0);
                    return sx_new_str(S, low, k, e->span);
                }
            const char *sug = biz_suggest(name, members, 3);
            biz_error(S->d, e->u.attr.name_span, sug ? sx_fmt(S, "did you mean 'WeightRule.%s'?", sug) : NULL,
                      "WeightRule has no member '%s'", name);
            return new_err(S, e->span);
        }
        return sx_resolve_member(S, obj, name, e->span);
    }
    default:
        biz_error(S->d, e->u.attr.name_span, NULL,
                  "cannot read attribute '%s' of %s at compile time", name, sx_kind_name(obj));
        return new_err(S, e->span);
    }
}

static sx_val *eval_subscript(biz_sema *S, sx_scope *sc, const biz_expr *e)
{
    if (!e->u.subscript.obj || !e->u.subscript.index)
        return new_err(S, e->span);
    sx_val *obj = sx_eval(S, sc, e->u.subscript.obj);
    if (obj->kind == BV_ERROR || obj->kind == BV_REJECTED)
        return obj;
    if (e->u.subscript.index->kind == BIZ_E_SLICE) {
        const biz_expr *x = e->u.subscript.index;
        sx_val *bound[3] = { NULL, NULL, NULL };
        const biz_expr *parts[3] = { x->u.slice.lower, x->u.slice.upper, x->u.slice.step };
        for (int i = 0; i < 3; i++)
            if (parts[i]) {
                bound[i] = sx_eval(S, sc, parts[i]);
                if (bound[i]->kind == BV_ERROR || bound[i]->kind == BV_REJECTED)
                    return bound[i];
            }
        return sx_py_slice(S, obj, bound, x->span, e->span);
    }
    sx_val *idx = sx_eval(S, sc, e->u.subscript.index);
    if (idx->kind == BV_ERROR)
        return idx;
    if (obj->kind == BV_OUTPUT && idx->kind == BV_STR) {
        if (strchr(idx->u.str.s, '\'') || strchr(idx->u.str.s, '\\')) {
            biz_error(S->d, e->u.subscript.index->span, NULL, "an XCom key cannot contain quotes");
            return new_err(S, e->span);
        }
        sx_val *v = sx_new(S, BV_OUTPUT, e->span);
        v->u.out = obj->u.out;
        size_t n = strlen(obj->u.out.tpl);
        /* "{{ ti.xcom_pull(task_ids='x') }}" -> "... , key='k') }}" */
        char *base = sx_strndup(S, obj->u.out.tpl, n > 4 ? n - 4 : n);
        v->u.out.tpl = sx_fmt(S, "%s, key='%s') }}", base, idx->u.str.s);
        return v;
    }
    if (obj->kind == BV_DICT) {
        if (idx->kind == BV_STR) {
            sx_val *v = sx_dict_lookup(S, obj, idx->u.str.s);
            if (v)
                return v;
        } else if (idx->kind == BV_INT) {
            for (int i = obj->u.dict.n - 1; i >= 0; i--)
                if (obj->u.dict.keys[i]->kind == BV_INT && obj->u.dict.keys[i]->u.i == idx->u.i)
                    return obj->u.dict.vals[i];
        }
        biz_error(S->d, e->u.subscript.index->span, NULL, "key not found in the dict (KeyError)");
        return new_err(S, e->span);
    }
    if ((obj->kind == BV_LIST || obj->kind == BV_TUPLE || obj->kind == BV_STR)
        && idx->kind == BV_INT) {
        int64_t n = obj->kind == BV_STR ? (int64_t)obj->u.str.len : obj->u.seq.n;
        int64_t i = idx->u.i < 0 ? idx->u.i + n : idx->u.i;
        if (i < 0 || i >= n) {
            biz_error(S->d, e->u.subscript.index->span, NULL, "index out of range (IndexError)");
            return new_err(S, e->span);
        }
        if (obj->kind == BV_STR)
            return sx_new_str(S, obj->u.str.s + i, 1, e->span);
        return obj->u.seq.items[i];
    }
    if (obj->kind == BV_OPAQUE && obj->u.fn.path && !strcmp(obj->u.fn.path, "os.environ") && idx->kind == BV_STR)
        return sx_py_environ_item(S, idx->u.str.s, e->span);
    biz_error(S->d, e->span, NULL, "cannot index %s with %s at compile time",
              sx_kind_name(obj), sx_kind_name(idx));
    return new_err(S, e->span);
}

/* The longest constant list or tuple: a.extend(a) in a loop doubles it,
 * and the counts are ints. */
#define SX_MAX_LIST 1000000

static sx_val *list_too_large(biz_sema *S, biz_span span)
{
    biz_error(S->d, span, NULL, "list too large for a constant (over %d items)", SX_MAX_LIST);
    return new_err(S, span);
}

static sx_val *concat_seq(biz_sema *S, sx_val *a, sx_val *b, biz_span span)
{
    if ((long)a->u.seq.n + b->u.seq.n > SX_MAX_LIST)
        return list_too_large(S, span);
    sx_val *v = sx_new(S, a->kind, span);
    int n = 0, cap = 0;
    for (int i = 0; i < a->u.seq.n; i++)
        SX_PUSH(S, v->u.seq.items, n, cap, a->u.seq.items[i]);
    for (int i = 0; i < b->u.seq.n; i++)
        SX_PUSH(S, v->u.seq.items, n, cap, b->u.seq.items[i]);
    v->u.seq.n = n;
    v->u.seq.cap = cap;
    return v;
}

static sx_val *eval_arith(biz_sema *S, biz_astop op, sx_val *a, sx_val *b, const biz_expr *e)
{
    biz_span sp = e->span;
    int ints = (a->kind == BV_INT || a->kind == BV_BOOL) && (b->kind == BV_INT || b->kind == BV_BOOL);
    if (is_num(a) && is_num(b)) {
        double x = num(a), y = num(b);
        switch (op) {
        case BIZ_ASTOP_ADD: case BIZ_ASTOP_SUB: case BIZ_ASTOP_MUL: {
            if (ints) {
                int64_t r;
                int of = op == BIZ_ASTOP_ADD ? __builtin_add_overflow(inum(a), inum(b), &r)
                       : op == BIZ_ASTOP_SUB ? __builtin_sub_overflow(inum(a), inum(b), &r)
                       : __builtin_mul_overflow(inum(a), inum(b), &r);
                if (of)
                    return int_too_large(S, sp);
                return sx_new_int(S, r, sp);
            }
            return new_num(S, op == BIZ_ASTOP_ADD ? x + y : op == BIZ_ASTOP_SUB ? x - y : x * y, sp);
        }
        case BIZ_ASTOP_DIV: case BIZ_ASTOP_FLOORDIV: case BIZ_ASTOP_MOD:
            if (y == 0) {
                biz_error(S->d, sp, NULL, "division by zero");
                return new_err(S, sp);
            }
            if (op == BIZ_ASTOP_DIV)
                return new_num(S, x / y, sp);
            if (ints) {
                int64_t p = inum(a), q = inum(b);
                if (p == INT64_MIN && q == -1) { /* in C, both are undefined */
                    if (op == BIZ_ASTOP_MOD)
                        return sx_new_int(S, 0, sp);
                    return int_too_large(S, sp); /* 2 ** 63 */
                }
                int64_t d = p / q, m = p % q;
                if (m != 0 && ((m < 0) != (q < 0))) {
                    d--;
                    m += q;
                }
                return sx_new_int(S, op == BIZ_ASTOP_FLOORDIV ? d : m, sp);
            }
            return new_num(S, op == BIZ_ASTOP_FLOORDIV ? floor(x / y) : x - y * floor(x / y), sp);
        case BIZ_ASTOP_POW:
            if (x == 0 && y < 0) {
                biz_error(S->d, sp, NULL, "0.0 cannot be raised to a negative power");
                return new_err(S, sp);
            }
            if (ints && y >= 0) {
                /* exact, by squaring: pow() in doubles made 10 ** 20 a float
                 * and 3 ** 39 inexact */
                int64_t base = inum(a), ex = inum(b), r = 1;
                while (ex > 0) {
                    if ((ex & 1) && __builtin_mul_overflow(r, base, &r))
                        return int_too_large(S, sp);
                    ex >>= 1;
                    if (ex && __builtin_mul_overflow(base, base, &base))
                        return int_too_large(S, sp); /* |base| >= 2: the result would overflow too */
                }
                return sx_new_int(S, r, sp);
            }
            if (x < 0 && y != floor(y)) {
                biz_error(S->d, sp, NULL, "negative number cannot be raised to a fractional power");
                return new_err(S, sp);
            }
            if (isinf(pow(x, y)) && isfinite(x) && isfinite(y)) {
                biz_error(S->d, sp, NULL, "number too large: %s ** %s overflows a float", sx_to_text(S, a, 0),
                          sx_to_text(S, b, 0));
                return new_err(S, sp);
            }
            return new_num(S, pow(x, y), sp);
        case BIZ_ASTOP_RSHIFT: case BIZ_ASTOP_LSHIFT:
            if (ints) {
                int64_t v = inum(a), k = inum(b);
                if (k < 0) {
                    biz_error(S->d, sp, NULL, "negative shift count");
                    return new_err(S, sp);
                }
                if (op == BIZ_ASTOP_RSHIFT) /* Python's >> floors: -1 >> 100 is -1 */
                    return sx_new_int(S, k >= 63 ? (v < 0 ? -1 : 0) : v >> k, sp);
                if (v == 0)
                    return sx_new_int(S, 0, sp);
                int64_t r;
                /* v << k as v * 2 ** k: a shift of a negative number or past
                 * 63 bits is undefined in C */
                if (k >= 63 || __builtin_mul_overflow(v, (int64_t)1 << k, &r))
                    return int_too_large(S, sp);
                return sx_new_int(S, r, sp);
            }
            break;
        default: break;
        }
    }
    if (op == BIZ_ASTOP_ADD && a->kind == BV_STR && b->kind == BV_STR) {
        if (a->u.str.len + b->u.str.len > SX_MAX_STR) /* s = s + s in a loop doubles */
            return sx_str_too_large(S, sp);
        char *s = sx_alloc(S, a->u.str.len + b->u.str.len + 1);
        memcpy(s, a->u.str.s, a->u.str.len);
        memcpy(s + a->u.str.len, b->u.str.s, b->u.str.len);
        sx_val *v = sx_new(S, BV_STR, sp);
        v->u.str.s = s;
        v->u.str.len = a->u.str.len + b->u.str.len;
        return v;
    }
    if (op == BIZ_ASTOP_MOD && a->kind == BV_STR)
        return sx_fmt_percent(S, a, b, e);
    if (op == BIZ_ASTOP_MUL && ((a->kind == BV_STR && b->kind == BV_INT) || (a->kind == BV_INT && b->kind == BV_STR))) {
        sx_val *s = a->kind == BV_STR ? a : b;
        int64_t k = a->kind == BV_INT ? a->u.i : b->u.i;
        if (k < 0)
            k = 0;
        /* the count is bounded on its own, so '' * 10 ** 18 is refused
         * too (the result is empty, the request a mistake) */
        if (k > SX_MAX_STR || s->u.str.len * (size_t)k > SX_MAX_STR)
            return sx_str_too_large(S, sp);
        char *r = sx_alloc(S, s->u.str.len * (size_t)k + 1);
        for (int64_t i = 0; i < k; i++)
            memcpy(r + (size_t)i * s->u.str.len, s->u.str.s, s->u.str.len);
        sx_val *v = sx_new(S, BV_STR, sp);
        v->u.str.s = r;
        v->u.str.len = s->u.str.len * (size_t)k;
        return v;
    }
    if (op == BIZ_ASTOP_ADD && a->kind == b->kind && (a->kind == BV_LIST || a->kind == BV_TUPLE))
        return concat_seq(S, a, b, sp);
    int a_seq = a->kind == BV_LIST || a->kind == BV_TUPLE, b_seq = b->kind == BV_LIST || b->kind == BV_TUPLE;
    int a_int = a->kind == BV_INT || a->kind == BV_BOOL, b_int = b->kind == BV_INT || b->kind == BV_BOOL;
    if (op == BIZ_ASTOP_MUL && ((a_seq && b_int) || (b_seq && a_int))) {
        /* [x] * n: the same items n times (not copies, as in Python) */
        const sx_val *l = a_seq ? a : b;
        int64_t k = inum(l == a ? b : a);
        if (k < 0)
            k = 0;
        if (k > SX_MAX_LIST || (int64_t)l->u.seq.n * k > SX_MAX_LIST)
            return list_too_large(S, sp);
        int total = (int)(l->u.seq.n * k);
        sx_val **items = sx_alloc(S, sizeof *items * (size_t)(total + 1));
        for (int64_t i = 0; i < k; i++)
            memcpy(items + i * l->u.seq.n, l->u.seq.items, sizeof *items * (size_t)l->u.seq.n);
        return new_seq(S, l->kind, items, total, sp);
    }
    if (a->kind == BV_DURATION && b->kind == BV_DURATION) {
        if (op == BIZ_ASTOP_ADD) return new_dur(S, a->u.dur + b->u.dur, sp);
        if (op == BIZ_ASTOP_SUB) return new_dur(S, a->u.dur - b->u.dur, sp);
    }
    if (op == BIZ_ASTOP_MUL && a->kind == BV_DURATION && is_num(b))
        return new_dur(S, a->u.dur * num(b), sp);
    if (op == BIZ_ASTOP_MUL && b->kind == BV_DURATION && is_num(a))
        return new_dur(S, b->u.dur * num(a), sp);
    if ((op == BIZ_ASTOP_DIV || op == BIZ_ASTOP_FLOORDIV) && a->kind == BV_DURATION && is_num(b) && num(b) != 0)
        return new_dur(S, a->u.dur / num(b), sp);
    /* An aware datetime plus a timedelta keeps its zone; the sum is taken
     * on the instant, as pendulum does. */
    if (a->kind == BV_DATETIME && b->kind == BV_DURATION && (op == BIZ_ASTOP_ADD || op == BIZ_ASTOP_SUB)) {
        sx_val *r = new_dt(S, (double)a->u.dt.t + (op == BIZ_ASTOP_ADD ? b->u.dur : -b->u.dur), sp);
        if (r->kind == BV_DATETIME)
            r->u.dt.tz = a->u.dt.tz;
        return r;
    }
    if (a->kind == BV_DURATION && b->kind == BV_DATETIME && op == BIZ_ASTOP_ADD) {
        sx_val *r = new_dt(S, (double)b->u.dt.t + a->u.dur, sp);
        if (r->kind == BV_DATETIME)
            r->u.dt.tz = b->u.dt.tz;
        return r;
    }
    if (a->kind == BV_DATETIME && b->kind == BV_DATETIME && op == BIZ_ASTOP_SUB)
        return new_dur(S, (double)(a->u.dt.t - b->u.dt.t), sp);
    if (a->kind == BV_DICT && b->kind == BV_DICT && op == BIZ_ASTOP_BITOR) {
        /* d | other (Python 3.9): a new dict, other's values win */
        sx_val *d = sx_new(S, BV_DICT, sp);
        for (int i = 0; i < a->u.dict.n; i++)
            sx_dict_put(S, d, a->u.dict.keys[i], a->u.dict.vals[i]);
        for (int i = 0; i < b->u.dict.n; i++)
            sx_dict_put(S, d, b->u.dict.keys[i], b->u.dict.vals[i]);
        return d;
    }
    biz_error(S->d, e->u.binop.op_span, NULL, "unsupported operand types for '%s': %s and %s",
              biz_ast_op_name(op), sx_kind_name(a), sx_kind_name(b));
    return new_err(S, sp);
}

static int vals_equal(const sx_val *a, const sx_val *b);

int sx_vals_equal(const sx_val *a, const sx_val *b)
{
    return vals_equal(a, b);
}

static int vals_equal(const sx_val *a, const sx_val *b)
{
    if (is_num(a) && is_num(b))
        return num(a) == num(b);
    if (a->kind != b->kind)
        return a->kind == BV_NONE && b->kind == BV_NONE;
    switch (a->kind) {
    case BV_NONE: return 1;
    case BV_STR: return a->u.str.len == b->u.str.len && memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
    case BV_DURATION: return a->u.dur == b->u.dur;
    case BV_DATETIME: return a->u.dt.t == b->u.dt.t;
    case BV_LIST: case BV_TUPLE:
        if (a->u.seq.n != b->u.seq.n)
            return 0;
        for (int i = 0; i < a->u.seq.n; i++)
            if (!vals_equal(a->u.seq.items[i], b->u.seq.items[i]))
                return 0;
        return 1;
    default: return a == b;
    }
}

static uint64_t hash_double(double d)
{
    uint64_t h;
    if (d == 0)
        d = 0;   /* -0.0 == 0.0 */
    memcpy(&h, &d, sizeof h);
    return h * 0x9E3779B97F4A7C15u;
}

/* A hash of v that values equal by vals_equal share. */
static uint64_t val_hash(const sx_val *v)
{
    if (is_num(v))
        return hash_double(num(v));
    uint64_t h = 14695981039346656037u;
    switch (v->kind) {
    case BV_NONE: return 1;
    case BV_STR:
        for (size_t i = 0; i < v->u.str.len; i++)
            h = (h ^ (unsigned char)v->u.str.s[i]) * 1099511628211u;
        return h;
    case BV_DURATION: return hash_double(v->u.dur);
    case BV_DATETIME: return (uint64_t)v->u.dt.t * 0x9E3779B97F4A7C15u;
    case BV_LIST: case BV_TUPLE:
        for (int i = 0; i < v->u.seq.n; i++)
            h = (h ^ val_hash(v->u.seq.items[i])) * 1099511628211u;
        return h;
    default: return (uint64_t)(uintptr_t)v * 0x9E3779B97F4A7C15u;
    }
}

static int dict_keys_eq(const void *ctx, int i, int j)
{
    const sx_val *d = ctx;
    return vals_equal(d->u.dict.keys[i], d->u.dict.keys[j]);
}

static sx_val *eval_compare(biz_sema *S, biz_astop op, sx_val *a, sx_val *b, const biz_expr *e)
{
    sx_val *r = sx_new(S, BV_BOOL, e->span);
    switch (op) {
    case BIZ_ASTOP_EQ: r->u.b = vals_equal(a, b); return r;
    case BIZ_ASTOP_NE: r->u.b = !vals_equal(a, b); return r;
    case BIZ_ASTOP_IS: r->u.b = (a->kind == BV_NONE && b->kind == BV_NONE) || a == b; return r;
    case BIZ_ASTOP_IS_NOT: r->u.b = !((a->kind == BV_NONE && b->kind == BV_NONE) || a == b); return r;
    case BIZ_ASTOP_IN: case BIZ_ASTOP_NOT_IN: {
        int found = 0;
        if (b->kind == BV_LIST || b->kind == BV_TUPLE) {
            for (int i = 0; i < b->u.seq.n && !found; i++)
                found = vals_equal(a, b->u.seq.items[i]);
        } else if (b->kind == BV_DICT && a->kind == BV_STR) {
            found = sx_dict_lookup(S, b, a->u.str.s) != NULL;
        } else if (b->kind == BV_STR && a->kind == BV_STR) {
            found = strstr(b->u.str.s, a->u.str.s) != NULL;
        } else {
            break;
        }
        r->u.b = op == BIZ_ASTOP_IN ? found : !found;
        return r;
    }
    default: {
        int c;
        if (is_num(a) && is_num(b))
            c = num(a) < num(b) ? -1 : num(a) > num(b);
        else if (a->kind == BV_STR && b->kind == BV_STR)
            c = strcmp(a->u.str.s, b->u.str.s);
        else if (a->kind == BV_DURATION && b->kind == BV_DURATION)
            c = a->u.dur < b->u.dur ? -1 : a->u.dur > b->u.dur;
        else if (a->kind == BV_DATETIME && b->kind == BV_DATETIME)
            c = a->u.dt.t < b->u.dt.t ? -1 : a->u.dt.t > b->u.dt.t;
        else
            break;
        r->u.b = op == BIZ_ASTOP_LT ? c < 0 : op == BIZ_ASTOP_LE ? c <= 0 : op == BIZ_ASTOP_GT ? c > 0 : c >= 0;
        return r;
    }
    }
    biz_error(S->d, e->u.binop.op_span, NULL, "cannot compare %s and %s with '%s'",
              sx_kind_name(a), sx_kind_name(b), biz_ast_op_name(op));
    return new_err(S, e->span);
}

/* ---------------------------------------------- loops and comprehensions */

/* Most items one loop or comprehension may produce: the loop is unrolled
 * into the executable, so a runaway range() would be a huge program. */
enum { SX_MAX_ITEMS = 10000 };

static sx_val *new_seq(biz_sema *S, sx_kind kind, sx_val **items, int n, biz_span span)
{
    sx_val *v = sx_new(S, kind, span);
    v->u.seq.items = sx_alloc(S, sizeof *items * (size_t)(n + 1));
    if (n > 0)
        memcpy(v->u.seq.items, items, sizeof *items * (size_t)n);
    v->u.seq.n = n;
    return v;
}

int sx_iterate(biz_sema *S, sx_val *v, biz_span span, const char *what, sx_val ***items, int *n)
{
    switch (v->kind) {
    case BV_LIST: case BV_TUPLE:
        *items = v->u.seq.items;
        *n = v->u.seq.n;
        return 1;
    case BV_DICT:
        *items = v->u.dict.keys;
        *n = v->u.dict.n;
        return 1;
    case BV_STR: {
        sx_val **it = sx_alloc(S, sizeof *it * (v->u.str.len + 1));
        for (size_t i = 0; i < v->u.str.len; i++)
            it[i] = sx_new_str(S, v->u.str.s + i, 1, v->span);
        *items = it;
        *n = (int)v->u.str.len;
        return 1;
    }
    case BV_ERROR: case BV_REJECTED:
        return 0;
    default:
        biz_error(S->d, span,
                  v->kind == BV_PARAM ? "a DAG parameter is only known when the DAG runs; loop over a module constant instead"
                                      : "loop over a constant list, tuple, dict or string, or range(...)",
                  "the iterable of %s must be a compile-time constant, got %s", what, sx_kind_name(v));
        return 0;
    }
}

int sx_truthy(const sx_val *v)
{
    return truthy(v);
}

/* Python's str() (repr = 0) or repr() (repr = 1) of a constant; NULL when
 * it has no compile-time text (a task, a DAG parameter ...). */
char *sx_to_text(biz_sema *S, const sx_val *v, int repr)
{
    switch (v->kind) {
    case BV_NONE: return sx_strdup(S, "None");
    case BV_BOOL: return sx_strdup(S, v->u.b ? "True" : "False");
    case BV_INT: return sx_fmt(S, "%lld", (long long)v->u.i);
    case BV_FLOAT: case BV_STR: {
        /* the text Python's repr gives, from base/pyrepr as the template
         * engine's (a str's own text for str()) */
        if (v->kind == BV_STR && !repr)
            return sx_strndup(S, v->u.str.s, v->u.str.len);
        biz_buf b = {0};
        if (v->kind == BV_FLOAT)
            biz_pyrepr_float(&b, v->u.f);
        else
            biz_pyrepr_str(&b, v->u.str.s, v->u.str.len);
        if (biz_buf_failed(&b))
            biz_xalloc_die();
        char *t = sx_strndup(S, b.p, b.n);
        biz_buf_free(&b);
        return t;
    }
    case BV_LIST: case BV_TUPLE: {
        sx_text s = { NULL, 0, 0, 0, 0 };
        text_str(S, &s, v->kind == BV_LIST ? "[" : "(");
        for (int i = 0; i < v->u.seq.n; i++) {
            char *x = sx_to_text(S, v->u.seq.items[i], 1);
            if (!x)
                return NULL;
            text_str(S, &s, i ? ", " : "");
            text_str(S, &s, x);
        }
        text_str(S, &s, v->kind == BV_LIST ? "]" : v->u.seq.n == 1 ? ",)" : ")");
        return text_get(S, &s);
    }
    case BV_DICT: {
        sx_text s = { NULL, 0, 0, 0, 0 };
        text_str(S, &s, "{");
        for (int i = 0; i < v->u.dict.n; i++) {
            char *k = sx_to_text(S, v->u.dict.keys[i], 1), *x = sx_to_text(S, v->u.dict.vals[i], 1);
            if (!k || !x)
                return NULL;
            text_str(S, &s, i ? ", " : "");
            text_str(S, &s, k);
            text_str(S, &s, ": ");
            text_str(S, &s, x);
        }
        text_str(S, &s, "}");
        return text_get(S, &s);
    }
    default: return NULL;
    }
}

char *sx_text_or_report(biz_sema *S, const sx_val *v, int repr, biz_span span)
{
    if (v->kind == BV_ERROR || v->kind == BV_REJECTED)
        return NULL;
    char *s = sx_to_text(S, v, repr);
    if (!s)
        biz_error(S->d, span,
                  v->kind == BV_NODE ? "use its .task_id"
                  : v->kind == BV_PARAM ? "use a Jinja template such as '{{ params.name }}' instead" : NULL,
                  "%s has no text at compile time", sx_kind_name(v));
    return s;
}

/* Where, in the f-string e's source, '{{' then name is written (width
 * columns underlined); e's start when not found. */
static biz_span fstr_brace_span(biz_sema *S, const biz_expr *e, const char *name, int width)
{
    const biz_source *src = S->d->src;
    biz_span sp = biz_span_at(e->span.begin);
    if (!src || e->span.end.off > (int)src->len)
        return sp;
    biz_pos p = e->span.begin;
    for (int o = e->span.begin.off; o + 1 < e->span.end.off; o++) {
        if (src->text[o] == '{' && src->text[o + 1] == '{') {
            int q = o + 2;
            while (q < e->span.end.off && src->text[q] == ' ')
                q++;
            if (!strncmp(src->text + q, name, strlen(name))) {
                sp = biz_span_at(p);
                sp.end.col += width;
                sp.end.off += width;
                return sp;
            }
        }
        if (src->text[o] == '\n') {
            p.line++;
            p.col = 1;
        } else {
            p.col++;
        }
        p.off++;
    }
    return sp;
}

/* A Jinja template written inside an f-string: f'/inv/{{ ds }}' is the
 * text '/inv/{ ds }' (an f-string makes doubled braces single), which no
 * template engine renders. Reports literal text holding '{ NAME' with NAME
 * a template context name; 0 then. */
static int fstr_jinja_ok(biz_sema *S, const biz_expr *e, const biz_fpart *fp)
{
    const char *t = fp->text;
    for (size_t i = 0; t && i < fp->len; i++) {
        if (t[i] != '{' || (i > 0 && t[i - 1] == '{') || (i + 1 < fp->len && t[i + 1] == '{'))
            continue;   /* '{{' in the text: a template after all */
        size_t j = i + 1;
        while (j < fp->len && (t[j] == ' ' || t[j] == '\t'))
            j++;
        size_t k = j;
        while (k < fp->len && (isalnum((unsigned char)t[k]) || t[k] == '_'))
            k++;
        if (k == j || isdigit((unsigned char)t[j]) || !memchr(t + k, '}', fp->len - k))
            continue;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(k - j < 63 ? k - j : 63), t + j);
        if (!(biz_tpl_name_flags(name) & BIZ_TPL_NAME_CONTEXT))
            continue;
        const char *close = memchr(t + k, '}', fp->len - k);
        int n = (int)(close - (t + i)) + 1;
        biz_error(S->d, fstr_brace_span(S, e, name, n + 2),
                  sx_fmt(S, "write the template outside the f-string (f'...' + '{%.*s}') or double its braces "
                            "again ('{{{{ %s }}}}' in an f-string)", n, t + i, name),
                  "in an f-string, '{%.*s}' is the text '%.*s': an f-string makes doubled braces single, "
                  "so this is not a Jinja template", n, t + i, n, t + i);
        return 0;
    }
    return 1;
}

/* f'text {expr!r:spec}': every field over constants and loop variables,
 * formatted as str.format does. */
static sx_val *eval_fstr(biz_sema *S, sx_scope *sc, const biz_expr *e)
{
    sx_text out = { NULL, 0, 0, SX_MAX_STR, 0 };
    for (int i = 0; i < e->u.fstr.parts.len && !out.over; i++) {
        const biz_fpart *fp = e->u.fstr.parts.items[i];
        if (fp->broken || (!fp->expr && fp->src_end))
            return new_err(S, e->span);     /* a syntax error, reported */
        if (!fp->expr) {
            if (!fstr_jinja_ok(S, e, fp))
                return new_err(S, e->span);
            sx_text_add(S, &out, fp->text ? fp->text : "", fp->text ? fp->len : 0);
            continue;
        }
        sx_val *v = sx_eval(S, sc, fp->expr);
        if (v->kind == BV_ERROR || v->kind == BV_REJECTED)
            return v;
        const char *spec = NULL;
        if (fp->spec) {
            sx_val *sv = eval_fstr(S, sc, fp->spec);
            if (sv->kind != BV_STR)
                return sv;
            spec = sv->u.str.s;
        }
        char conv = fp->conv;
        if (fp->debug && !conv && !spec)
            conv = 'r';    /* {x=} shows repr(x), as Python */
        if (!sx_to_text(S, v, 0)) {
            char name[128];
            const char *n = biz_expr_dotted(fp->expr, name, sizeof name);
            biz_error(S->d, fp->expr->span,
                      v->kind == BV_NODE ? "use its .task_id"
                      : v->kind == BV_PARAM ? "use a Jinja template such as '{{ params.name }}' instead" : NULL,
                      "f-string field {%s} is %s, which has no text at compile time", n ? n : "...",
                      sx_kind_name(v));
            return new_err(S, fp->span);
        }
        size_t len = 0;
        char *t = sx_fmt_field(S, v, conv, spec, fp->span, &len);
        if (!t)
            return new_err(S, fp->span);
        if (fp->debug)
            sx_text_add(S, &out, fp->debug, strlen(fp->debug));
        sx_text_add(S, &out, t, len);
    }
    if (out.over)
        return sx_str_too_large(S, e->span);
    return sx_new_str(S, text_get(S, &out), out.len, e->span);
}

/* Methods of constants: dict.items(), str.format(), list.append() ... */
static sx_val *const_method(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_val *obj, const char *m)
{
    int na = e->u.call.args.len, nk = e->u.call.keywords.len;
    if (obj->kind == BV_STR && !strcmp(m, "format"))
        return sx_fmt_str_format(S, sc, e, obj);
    if (nk == 0 && na == 0) {
        if (obj->kind == BV_DICT && (!strcmp(m, "items") || !strcmp(m, "keys") || !strcmp(m, "values"))) {
            int nd = obj->u.dict.n;
            sx_val **it = sx_alloc(S, sizeof *it * (size_t)(nd + 1));
            int n = 0;
            /* a repeated key keeps its first place and its last value */
            uint64_t *hash = sx_alloc(S, sizeof *hash * (size_t)(nd + 1));
            int *last = sx_alloc(S, sizeof *last * (size_t)(nd + 1));
            char *dup = sx_alloc(S, (size_t)nd + 1);
            for (int i = 0; i < nd; i++)
                hash[i] = val_hash(obj->u.dict.keys[i]);
            find_repeats(nd, hash, dict_keys_eq, obj, dup, last);
            for (int i = 0; i < nd; i++) {
                if (dup[i])
                    continue;
                sx_val *k = obj->u.dict.keys[i];
                sx_val *val = obj->u.dict.vals[last[i]];
                if (m[0] == 'k')
                    it[n++] = k;
                else if (m[0] == 'v')
                    it[n++] = val;
                else
                    it[n++] = new_seq(S, BV_TUPLE, (sx_val *[]){ k, val }, 2, e->span);
            }
            return new_seq(S, BV_LIST, it, n, e->span);
        }
        if (obj->kind == BV_STR && (!strcmp(m, "upper") || !strcmp(m, "lower") || !strcmp(m, "strip"))) {
            char *s = sx_strndup(S, obj->u.str.s, obj->u.str.len);
            size_t len = obj->u.str.len;
            if (m[0] == 's') {
                const char *b = s;
                len = biz_ascii_trim(&b, len);
                return sx_new_str(S, b, len, e->span);
            }
            for (size_t i = 0; i < len; i++)
                s[i] = (char)(m[0] == 'u' ? toupper((unsigned char)s[i]) : tolower((unsigned char)s[i]));
            return sx_new_str(S, s, len, e->span);
        }
    }
    if (nk == 0 && na == 1 && obj->kind == BV_STR && !strcmp(m, "join")) {
        sx_val *a = sx_eval(S, sc, e->u.call.args.items[0]);
        sx_val **it;
        int n;
        if (!sx_iterate(S, a, ((const biz_expr *)e->u.call.args.items[0])->span, "join()", &it, &n))
            return new_err(S, e->span);
        sx_text out = { NULL, 0, 0, SX_MAX_STR, 0 };
        for (int i = 0; i < n && !out.over; i++) {
            if (it[i]->kind != BV_STR) {
                biz_error(S->d, e->span, NULL, "join() needs strings, got %s", sx_kind_name(it[i]));
                return new_err(S, e->span);
            }
            text_str(S, &out, i ? obj->u.str.s : "");
            text_str(S, &out, it[i]->u.str.s);
        }
        if (out.over)
            return sx_str_too_large(S, e->span);
        char *text = text_get(S, &out);
        return sx_new_str(S, text, strlen(text), e->span);
    }
    if (nk == 0 && na == 1 && obj->kind == BV_LIST && (!strcmp(m, "append") || !strcmp(m, "extend"))) {
        sx_val *a = sx_eval(S, sc, e->u.call.args.items[0]);
        if (a->kind == BV_ERROR || a->kind == BV_REJECTED)
            return sx_new(S, BV_NONE, e->span);
        sx_val **add = &a;
        int nadd = 1;
        if (m[0] == 'e' && !sx_iterate(S, a, ((const biz_expr *)e->u.call.args.items[0])->span, "extend()", &add, &nadd))
            return sx_new(S, BV_NONE, e->span);
        if ((long)obj->u.seq.n + nadd > SX_MAX_LIST) {
            list_too_large(S, e->span);
            return sx_new(S, BV_NONE, e->span);
        }
        /* lists grow in place, as in Python: every name for it sees it
         * (a.extend(a) reads add, a's old items, while a grows) */
        for (int i = 0; i < nadd; i++)
            sx_seq_push(S, obj, add[i]);
        return sx_new(S, BV_NONE, e->span);
    }
    sx_val *more = sx_py_method(S, sc, e, obj, m);
    if (more)
        return more;
    biz_error(S->d, e->span, NULL, "method '%s' of %s cannot be used at compile time", m, sx_kind_name(obj));
    return new_err(S, e->span);
}

/* The Python builtins that make sense over constants. */
static const char *const py_builtins[] = {
    "range", "enumerate", "zip", "sorted", "reversed", "str", "repr", "len", "list", "tuple", "int", NULL
};

/* -1, 0, 1 as Python orders a and b; 2 when it cannot. */
int sx_order(const sx_val *a, const sx_val *b)
{
    if (is_num(a) && is_num(b))
        return (num(a) > num(b)) - (num(a) < num(b));
    if (a->kind == BV_STR && b->kind == BV_STR) {
        int c = strcmp(a->u.str.s, b->u.str.s);
        return (c > 0) - (c < 0);
    }
    if (a->kind == b->kind && (a->kind == BV_TUPLE || a->kind == BV_LIST)) {
        for (int i = 0; i < a->u.seq.n && i < b->u.seq.n; i++) {
            int c = sx_order(a->u.seq.items[i], b->u.seq.items[i]);
            if (c)
                return c;
        }
        return (a->u.seq.n > b->u.seq.n) - (a->u.seq.n < b->u.seq.n);
    }
    return 2;
}

static int is_py_builtin(const char *name)
{
    return sx_in_list(name, py_builtins);
}

static sx_val *py_builtin(biz_sema *S, sx_scope *sc, const biz_expr *e, const char *name)
{
    int na = e->u.call.args.len;
    sx_val *a[3] = { NULL, NULL, NULL };
    for (int i = 0; i < e->u.call.keywords.len; i++) {
        const biz_keyword *k = e->u.call.keywords.items[i];
        if (k && k->name && !strcmp(name, "enumerate") && !strcmp(k->name, "start") && na == 1) {
            a[1] = sx_eval(S, sc, k->value);
            continue;
        }
        if (k && k->name && !strcmp(name, "sorted") && !strcmp(k->name, "reverse")) {
            a[2] = sx_eval(S, sc, k->value);
            continue;
        }
        biz_error(S->d, k ? k->span : e->span, NULL, "%s() takes no keyword argument '%s' here", name,
                  k && k->name ? k->name : "**");
        return new_err(S, e->span);
    }
    int maxa = !strcmp(name, "range") ? 3 : !strcmp(name, "zip") ? 8 : !strcmp(name, "enumerate") ? 2 : 1;
    int mina = !strcmp(name, "zip") ? 0 : 1;
    if (na < mina || na > maxa) {
        biz_error(S->d, e->span, NULL, "%s() takes %s%d argument%s", name, mina == maxa ? "" : "at most ",
                  maxa, maxa == 1 ? "" : "s");
        return new_err(S, e->span);
    }
    sx_val **vals = sx_alloc(S, sizeof *vals * (size_t)(na + 1));
    for (int i = 0; i < na; i++) {
        const biz_expr *x = e->u.call.args.items[i];
        if (x && x->kind == BIZ_E_STARRED) {
            biz_error(S->d, x->span, NULL, "'*' is not supported in %s()", name);
            return new_err(S, e->span);
        }
        vals[i] = sx_eval(S, sc, x);
        if (vals[i]->kind == BV_ERROR || vals[i]->kind == BV_REJECTED)
            return vals[i];
        if (i < 3 && strcmp(name, "zip"))
            a[i] = vals[i];
    }
    biz_span sp = e->span;
    if (!strcmp(name, "range")) {
        int64_t r[3] = { 0, 0, 1 };
        for (int i = 0; i < na; i++) {
            if (vals[i]->kind != BV_INT) {
                biz_error(S->d, ((biz_expr *)e->u.call.args.items[i])->span, NULL,
                          "range() needs integers, got %s", sx_kind_name(vals[i]));
                return new_err(S, sp);
            }
        }
        if (na == 1)
            r[1] = vals[0]->u.i;
        else {
            r[0] = vals[0]->u.i;
            r[1] = vals[1]->u.i;
            if (na == 3)
                r[2] = vals[2]->u.i;
        }
        if (r[2] == 0) {
            biz_error(S->d, sp, NULL, "range() arg 3 must not be zero");
            return new_err(S, sp);
        }
        double count = ceil(((double)r[1] - (double)r[0]) / (double)r[2]);
        if (count > SX_MAX_ITEMS) {
            biz_error(S->d, sp, NULL, "range() of %.0f items is too long to unroll (at most %d)", count,
                      SX_MAX_ITEMS);
            return new_err(S, sp);
        }
        int n = count > 0 ? (int)count : 0;
        sx_val **it = sx_alloc(S, sizeof *it * (size_t)(n + 1));
        for (int i = 0; i < n; i++)
            it[i] = sx_new_int(S, r[0] + (int64_t)i * r[2], sp);
        return new_seq(S, BV_LIST, it, n, sp);
    }
    if (!strcmp(name, "str") || !strcmp(name, "repr")) {
        char *t = sx_text_or_report(S, vals[0], name[0] == 'r', sp);
        return t ? sx_new_str(S, t, strlen(t), sp) : new_err(S, sp);
    }
    if (!strcmp(name, "int")) {
        sx_val *v = vals[0];
        if (v->kind == BV_INT || v->kind == BV_BOOL)
            return sx_new_int(S, inum(v), sp);
        if (v->kind == BV_FLOAT && isnan(v->u.f)) {
            biz_error(S->d, sp, NULL, "cannot convert float NaN to integer");
            return new_err(S, sp);
        }
        if (v->kind == BV_FLOAT && isinf(v->u.f)) {
            biz_error(S->d, sp, NULL, "cannot convert float infinity to integer");
            return new_err(S, sp);
        }
        /* the cast only in range: (int64_t) of 1e19 is undefined */
        if (v->kind == BV_FLOAT)
            return v->u.f > -9223372036854775808.0 && v->u.f < 9223372036854775808.0
                 ? sx_new_int(S, (int64_t)v->u.f, sp) : int_too_large(S, sp);
        if (v->kind == BV_STR) {
            char *end;
            errno = 0;
            long long x = strtoll(v->u.str.s, &end, 10);
            int range = errno == ERANGE;
            while (isspace((unsigned char)*end))
                end++;
            if (end != v->u.str.s && !*end && strlen(v->u.str.s) == v->u.str.len)
                return range ? int_too_large(S, sp) : sx_new_int(S, x, sp);
        }
        biz_error(S->d, sp, NULL, "int() cannot convert %s at compile time", sx_kind_name(v));
        return new_err(S, sp);
    }
    if (!strcmp(name, "len")) {
        sx_val *v = vals[0];
        if (v->kind == BV_STR) return sx_new_int(S, (int64_t)v->u.str.len, sp);
        if (v->kind == BV_LIST || v->kind == BV_TUPLE) return sx_new_int(S, v->u.seq.n, sp);
        if (v->kind == BV_DICT) return sx_new_int(S, v->u.dict.n, sp);
        biz_error(S->d, sp, NULL, "len() of %s is not known at compile time", sx_kind_name(v));
        return new_err(S, sp);
    }
    /* the rest iterate their arguments */
    sx_val ***its = sx_alloc(S, sizeof *its * (size_t)(na + 1));
    int *ns = sx_alloc(S, sizeof *ns * (size_t)(na + 1));
    int minn = na ? INT32_MAX : 0;
    for (int i = 0; i < na; i++) {
        if (!sx_iterate(S, vals[i], ((biz_expr *)e->u.call.args.items[i])->span, sx_fmt(S, "%s()", name),
                        &its[i], &ns[i]))
            return new_err(S, sp);
        if (ns[i] < minn)
            minn = ns[i];
    }
    if (!strcmp(name, "list") || !strcmp(name, "tuple"))
        return new_seq(S, name[0] == 'l' ? BV_LIST : BV_TUPLE, its[0], ns[0], sp);
    if (!strcmp(name, "reversed")) {
        sx_val **it = sx_alloc(S, sizeof *it * (size_t)(ns[0] + 1));
        for (int i = 0; i < ns[0]; i++)
            it[i] = its[0][ns[0] - 1 - i];
        return new_seq(S, BV_LIST, it, ns[0], sp);
    }
    if (!strcmp(name, "enumerate")) {
        int64_t start = 0;
        if (a[1]) {
            if (a[1]->kind != BV_INT) {
                biz_error(S->d, sp, NULL, "enumerate() start needs an integer, got %s", sx_kind_name(a[1]));
                return new_err(S, sp);
            }
            start = a[1]->u.i;
        }
        sx_val **it = sx_alloc(S, sizeof *it * (size_t)(ns[0] + 1));
        for (int i = 0; i < ns[0]; i++)
            it[i] = new_seq(S, BV_TUPLE, (sx_val *[]){ sx_new_int(S, start + i, sp), its[0][i] }, 2, sp);
        return new_seq(S, BV_LIST, it, ns[0], sp);
    }
    if (!strcmp(name, "zip")) {
        sx_val **it = sx_alloc(S, sizeof *it * (size_t)(minn + 1));
        for (int i = 0; i < minn; i++) {
            sx_val **row = sx_alloc(S, sizeof *row * (size_t)(na + 1));
            for (int j = 0; j < na; j++)
                row[j] = its[j][i];
            it[i] = new_seq(S, BV_TUPLE, row, na, sp);
        }
        return new_seq(S, BV_LIST, it, minn, sp);
    }
    /* sorted: numbers, strings or tuples of them; stable insertion sort */
    int n = ns[0];
    sx_val **it = sx_alloc(S, sizeof *it * (size_t)(n + 1));
    int rev = a[2] && truthy(a[2]);
    for (int i = 0; i < n; i++) {
        sx_val *x = its[0][i];
        int j = i;
        while (j > 0) {
            sx_val *y = it[j - 1];
            int c = sx_order(y, x);
            if (c == 2) {
                biz_error(S->d, sp, NULL, "sorted() cannot order %s and %s at compile time", sx_kind_name(y),
                          sx_kind_name(x));
                return new_err(S, sp);
            }
            if (rev ? c >= 0 : c <= 0)
                break;
            it[j] = y;
            j--;
        }
        it[j] = x;
    }
    return new_seq(S, BV_LIST, it, n, sp);
}

/* [elt for target in iter if cond ...]: a scope of its own, as in Python 3. */
static void bind_target(biz_sema *S, sx_scope *sc, const biz_expr *t, sx_val *v);

/* One `for` clause c of the comprehension e, in scope sc: binds its target
 * to each item of its iterable, filters by its conditions, then runs the
 * next clause or yields e's element (and key) into out. 0 once an error
 * was reported (the other items would say the same). */
static int comp_clause(biz_sema *S, sx_scope *sc, const biz_expr *e, const biz_expr *c, sx_val *out)
{
    const char *what = e->kind == BIZ_E_DICTCOMP ? "a dict comprehension" : "a list comprehension";
    if (!c->u.comp.iter || !c->u.comp.target)
        return 0;
    sx_val *src = sx_eval(S, sc, c->u.comp.iter);
    sx_val **items;
    int n;
    if (!sx_iterate(S, src, c->u.comp.iter->span, what, &items, &n))
        return 0;
    for (int i = 0; i < n; i++) {
        sx_scope cs = { .parent = sc };
        int before = S->d->nerrors;
        bind_target(S, &cs, c->u.comp.target, items[i]);
        int keep = 1;
        for (int k = 0; k < c->u.comp.conds.len && keep; k++) {
            sx_val *cv = sx_eval(S, &cs, c->u.comp.conds.items[k]);
            if (cv->kind == BV_ERROR)
                keep = 0;
            else if (cv->kind == BV_PARAM || cv->kind == BV_OUTPUT || cv->kind == BV_REJECTED) {
                if (cv->kind != BV_REJECTED)
                    biz_error(S->d, ((biz_expr *)c->u.comp.conds.items[k])->span, NULL,
                              "the condition of %s must be a compile-time constant, got %s", what,
                              sx_kind_name(cv));
                keep = 0;
            } else
                keep = truthy(cv);
        }
        if (keep && c->u.comp.next) {
            if (!comp_clause(S, &cs, e, c->u.comp.next, out))
                return 0;
        } else if (keep && e->kind == BIZ_E_DICTCOMP) {
            sx_val *key = sx_eval(S, &cs, e->u.comp.key);
            sx_val *val = sx_eval(S, &cs, e->u.comp.elt);
            if (key->kind == BV_LIST || key->kind == BV_DICT) {
                biz_error(S->d, e->u.comp.key->span, NULL, "unhashable type: %s", sx_kind_name(key));
                return 0;
            }
            if (key->kind != BV_ERROR && key->kind != BV_REJECTED)
                sx_dict_put(S, out, key, val);
        } else if (keep) {
            sx_seq_push(S, out, sx_eval(S, &cs, e->u.comp.elt));
        }
        if (S->d->nerrors > before)
            return 0;
    }
    return 1;
}

static sx_val *eval_listcomp(biz_sema *S, sx_scope *sc, const biz_expr *e)
{
    if (!e->u.comp.elt || (e->kind == BIZ_E_DICTCOMP && !e->u.comp.key))
        return new_err(S, e->span);
    sx_val *out = e->kind == BIZ_E_DICTCOMP ? sx_new(S, BV_DICT, e->span) : new_seq(S, BV_LIST, NULL, 0, e->span);
    comp_clause(S, sc, e, e, out);
    return out;
}

/* Binds a loop or comprehension target: a name, or a tuple to unpack. */
static void bind_target(biz_sema *S, sx_scope *sc, const biz_expr *t, sx_val *v)
{
    if (!t)
        return;
    if (t->kind == BIZ_E_NAME) {
        sx_bind(S, sc, t->u.name.id, v);
        return;
    }
    if (t->kind == BIZ_E_TUPLE || t->kind == BIZ_E_LIST) {
        sx_val **items = NULL;
        int n = 0;
        if (v->kind == BV_ERROR || v->kind == BV_REJECTED) {
            for (int i = 0; i < t->u.seq.len; i++)
                bind_target(S, sc, t->u.seq.items[i], v);
            return;
        }
        if (v->kind == BV_LIST || v->kind == BV_TUPLE || v->kind == BV_STR || v->kind == BV_DICT) {
            sx_iterate(S, v, t->span, "an unpacking", &items, &n);
            if (n == t->u.seq.len) {
                for (int i = 0; i < n; i++)
                    bind_target(S, sc, t->u.seq.items[i], items[i]);
                return;
            }
            biz_error(S->d, t->span, NULL, "cannot unpack %d values into %d names", n, t->u.seq.len);
        } else {
            biz_error(S->d, t->span, NULL, "cannot unpack %s into %d names", sx_kind_name(v), t->u.seq.len);
        }
        for (int i = 0; i < t->u.seq.len; i++)
            bind_target(S, sc, t->u.seq.items[i], new_err(S, t->span));
        return;
    }
    biz_error(S->d, t->span, NULL, "only names can be assigned by a loop");
}

void sx_bind_target(biz_sema *S, sx_scope *sc, const biz_expr *t, sx_val *v)
{
    bind_target(S, sc, t, v);
}

sx_val *sx_eval(biz_sema *S, sx_scope *sc, const biz_expr *e)
{
    if (!e)
        return new_err(S, (biz_span){ { 0, 0, 0 }, { 0, 0, 0 } });
    switch (e->kind) {
    case BIZ_E_NAME: {
        const char *id = e->u.name.id ? e->u.name.id : "";
        sx_val *v = sx_lookup(sc, id);
        return v ? v : sx_undefined(S, sc, id, e->span, 0);
    }
    case BIZ_E_INT: return sx_new_int(S, e->u.int_value, e->span);
    case BIZ_E_FLOAT: return new_num(S, e->u.float_value, e->span);
    case BIZ_E_STR: {
        sx_val *v = sx_new_str(S, e->u.str.value ? e->u.str.value : "",
                               e->u.str.value ? e->u.str.len : 0, e->span);
        v->origin = e;
        return v;
    }
    case BIZ_E_TRUE: case BIZ_E_FALSE: {
        sx_val *v = sx_new(S, BV_BOOL, e->span);
        v->u.b = e->kind == BIZ_E_TRUE;
        return v;
    }
    case BIZ_E_NONE: return sx_new(S, BV_NONE, e->span);
    case BIZ_E_ELLIPSIS:
        biz_error(S->d, e->span, NULL, "'...' has no value here");
        return new_err(S, e->span);
    case BIZ_E_LIST: return eval_seq(S, sc, e, BV_LIST);
    case BIZ_E_TUPLE: return eval_seq(S, sc, e, BV_TUPLE);
    case BIZ_E_SET:
        biz_error(S->d, e->span, "use a list [...]", "sets are not supported");
        return new_err(S, e->span);
    case BIZ_E_DICT: return eval_dict(S, sc, e);
    case BIZ_E_CALL: return eval_call(S, sc, e);
    case BIZ_E_ATTR: return eval_attr(S, sc, e);
    case BIZ_E_SUBSCRIPT: return eval_subscript(S, sc, e);
    case BIZ_E_BINOP: {
        if (!e->u.binop.left || !e->u.binop.right)
            return new_err(S, e->span);
        sx_val *a = sx_eval(S, sc, e->u.binop.left);
        sx_val *b = sx_eval(S, sc, e->u.binop.right);
        biz_astop op = e->u.binop.op;
        if (op == BIZ_ASTOP_RSHIFT || op == BIZ_ASTOP_LSHIFT) {
            int ia = a->kind == BV_INT, ib = b->kind == BV_INT;
            if (!(ia && ib))
                return sx_depend(S, a, b, op, e->u.binop.op_span);
        }
        if (a->kind == BV_ERROR || a->kind == BV_REJECTED)
            return a;
        if (b->kind == BV_ERROR || b->kind == BV_REJECTED)
            return b;
        return eval_arith(S, op, a, b, e);
    }
    case BIZ_E_COMPARE: {
        if (!e->u.binop.left || !e->u.binop.right)
            return new_err(S, e->span);
        sx_val *a = sx_eval(S, sc, e->u.binop.left);
        sx_val *b = sx_eval(S, sc, e->u.binop.right);
        if (a->kind == BV_ERROR || b->kind == BV_ERROR)
            return new_err(S, e->span);
        return eval_compare(S, e->u.binop.op, a, b, e);
    }
    case BIZ_E_BOOLOP: {
        if (!e->u.binop.left || !e->u.binop.right)
            return new_err(S, e->span);
        sx_val *a = sx_eval(S, sc, e->u.binop.left);
        if (a->kind == BV_ERROR)
            return a;
        int t = truthy(a);
        if ((e->u.binop.op == BIZ_ASTOP_AND && !t) || (e->u.binop.op == BIZ_ASTOP_OR && t))
            return a;
        return sx_eval(S, sc, e->u.binop.right);
    }
    case BIZ_E_UNARY: {
        if (!e->u.unary.operand)
            return new_err(S, e->span);
        sx_val *a = sx_eval(S, sc, e->u.unary.operand);
        if (a->kind == BV_ERROR || a->kind == BV_REJECTED)
            return a;
        switch (e->u.unary.op) {
        case BIZ_ASTOP_NOT: {
            sx_val *v = sx_new(S, BV_BOOL, e->span);
            v->u.b = !truthy(a);
            return v;
        }
        case BIZ_ASTOP_NEG:
            if (a->kind == BV_INT && a->u.i == INT64_MIN) return int_too_large(S, e->span);
            if (a->kind == BV_INT) return sx_new_int(S, -a->u.i, e->span);
            if (a->kind == BV_FLOAT) return new_num(S, -a->u.f, e->span);
            if (a->kind == BV_DURATION) return new_dur(S, -a->u.dur, e->span);
            break;
        case BIZ_ASTOP_POS:
            if (is_num(a) || a->kind == BV_DURATION) return a;
            break;
        case BIZ_ASTOP_INVERT:
            if (a->kind == BV_INT) return sx_new_int(S, ~a->u.i, e->span);
            break;
        default: break;
        }
        biz_error(S->d, e->span, NULL, "bad operand type for unary '%s': %s",
                  biz_ast_op_name(e->u.unary.op), sx_kind_name(a));
        return new_err(S, e->span);
    }
    case BIZ_E_IFEXP: {
        if (!e->u.ifexp.cond)
            return new_err(S, e->span);
        sx_val *c = sx_eval(S, sc, e->u.ifexp.cond);
        if (c->kind == BV_ERROR)
            return c;
        return sx_eval(S, sc, truthy(c) ? e->u.ifexp.body : e->u.ifexp.orelse);
    }
    case BIZ_E_LAMBDA:
        biz_error(S->d, e->span,
                  "call a TechMicroService with TechMicroServiceOperator, or run a command with BashOperator",
                  "lambda cannot be compiled: a compiled DAG cannot run Python code");
        return sx_new(S, BV_REJECTED, e->span);
    case BIZ_E_LISTCOMP: case BIZ_E_DICTCOMP:
        return eval_listcomp(S, sc, e);
    case BIZ_E_STARRED:
        biz_error(S->d, e->span, NULL, "'*' is not allowed here");
        return new_err(S, e->span);
    case BIZ_E_SLICE:
        biz_error(S->d, e->span, NULL, "slices are not supported yet");
        return new_err(S, e->span);
    case BIZ_E_FSTR:
        return eval_fstr(S, sc, e);
    default:
        biz_error(S->d, e->span, NULL, "this expression cannot be evaluated at compile time");
        return new_err(S, e->span);
    }
}
