/* consteval_py.c: the Python builtins, methods and json.dumps that DAG
 * files use around their tasks, over compile-time constants:
 *
 *   max min sum abs round any all bool float dict set
 *   str: replace split rsplit startswith endswith title capitalize zfill
 *        lstrip rstrip (and strip with characters) count find index
 *        isdigit isalpha isalnum islower isupper swapcase ljust rjust center
 *   dict: get copy update      list: index count copy
 *   json.dumps(obj, indent=, sort_keys=)      textwrap.dedent(text)
 *
 * Each gives what CPython gives for the same constants; what it cannot
 * (a key= function, a set's arbitrary order) is said, not guessed. The
 * core builtins (range, len, sorted ...) and methods (format, join, keys
 * ...) are in consteval.c.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "ascii.h"
#include "diag.h"
#include "sema_int.h"
#include "utf8.h"

static sx_val *err_at(biz_sema *S, biz_span span)
{
    return sx_new(S, BV_ERROR, span);
}

static sx_val *new_bool(biz_sema *S, int b, biz_span span)
{
    sx_val *v = sx_new(S, BV_BOOL, span);
    v->u.b = b != 0;
    return v;
}

static sx_val *new_float(biz_sema *S, double f, biz_span span)
{
    sx_val *v = sx_new(S, BV_FLOAT, span);
    v->u.f = f;
    return v;
}

static sx_val *new_list(biz_sema *S, sx_kind kind, biz_span span)
{
    return sx_new(S, kind, span);   /* the pool is zeroed: no items yet */
}

static int is_num(const sx_val *v)
{
    return v->kind == BV_INT || v->kind == BV_FLOAT || v->kind == BV_BOOL;
}

static double num(const sx_val *v)
{
    return v->kind == BV_FLOAT ? v->u.f : v->kind == BV_INT ? (double)v->u.i : v->u.b;
}

/* The call's positional arguments evaluated; NULL after reporting. */
static sx_val **eval_args(biz_sema *S, sx_scope *sc, const biz_expr *e, const char *what,
                          int min, int max, int *n)
{
    int na = e->u.call.args.len;
    if (na < min || na > max) {
        if (min == max)
            biz_error(S->d, e->span, NULL, "%s takes %d argument%s, got %d", what, min, min == 1 ? "" : "s", na);
        else
            biz_error(S->d, e->span, NULL, "%s takes %d to %d arguments, got %d", what, min, max, na);
        return NULL;
    }
    sx_val **v = sx_alloc(S, sizeof *v * (size_t)(na + 1));
    for (int i = 0; i < na; i++) {
        const biz_expr *a = e->u.call.args.items[i];
        if (!a)
            return NULL;
        if (a->kind == BIZ_E_STARRED) {
            biz_error(S->d, a->span, NULL, "'*' is not supported in %s", what);
            return NULL;
        }
        v[i] = sx_eval(S, sc, a);
        if (v[i]->kind == BV_ERROR || v[i]->kind == BV_REJECTED)
            return NULL;
    }
    *n = na;
    return v;
}

/* The keyword argument name, evaluated, or NULL; *bad when another
 * keyword than those in allowed was given (reported). */
static sx_val *keyword(biz_sema *S, sx_scope *sc, const biz_expr *e, const char *name,
                       const char *const *allowed, const char *what, int *bad)
{
    sx_val *found = NULL;
    for (int i = 0; i < e->u.call.keywords.len; i++) {
        const biz_keyword *k = e->u.call.keywords.items[i];
        if (!k || !k->value)
            continue;
        if (!k->name || !sx_in_list(k->name, allowed)) {
            if (!*bad)
                biz_error(S->d, k->span, NULL, "%s takes no keyword argument '%s' at compile time", what,
                          k->name ? k->name : "**");
            *bad = 1;
            continue;
        }
        if (!strcmp(k->name, name))
            found = sx_eval(S, sc, k->value);
    }
    return found;
}

static int need_str(biz_sema *S, const sx_val *v, biz_span span, const char *what)
{
    if (v->kind == BV_STR)
        return 1;
    biz_error(S->d, span, NULL, "%s needs a string, got %s", what, sx_kind_name(v));
    return 0;
}

static int need_int(biz_sema *S, const sx_val *v, biz_span span, const char *what)
{
    if (v->kind == BV_INT || v->kind == BV_BOOL)
        return 1;
    biz_error(S->d, span, NULL, "%s needs an integer, got %s", what, sx_kind_name(v));
    return 0;
}

static int64_t ival(const sx_val *v)
{
    return v->kind == BV_INT ? v->u.i : v->u.b;
}

/* ------------------------------------------------------------ builtins */

static const char *const builtins[] = {
    "max", "min", "sum", "abs", "round", "any", "all", "bool", "float", "dict", "set", "isinstance", NULL
};

int sx_py_is_builtin(const char *name)
{
    return sx_in_list(name, builtins);
}

/* max(iterable) / max(a, b, ...), default= for an empty iterable. */
static sx_val *max_min(biz_sema *S, sx_scope *sc, const biz_expr *e, const char *name)
{
    int bad = 0, n;
    static const char *const kw[] = { "default", NULL };
    sx_val *dflt = keyword(S, sc, e, "default", kw, sx_fmt(S, "%s()", name), &bad);
    sx_val **a = eval_args(S, sc, e, sx_fmt(S, "%s()", name), 1, 64, &n);
    if (!a || bad)
        return err_at(S, e->span);
    sx_val **items = a;
    int m = n;
    if (n == 1 && !sx_iterate(S, a[0], e->span, sx_fmt(S, "%s()", name), &items, &m))
        return err_at(S, e->span);
    if (m == 0) {
        if (dflt)
            return dflt;
        biz_error(S->d, e->span, NULL, "%s() arg is an empty sequence", name);
        return err_at(S, e->span);
    }
    sx_val *best = items[0];
    for (int i = 1; i < m; i++) {
        int c = sx_order(items[i], best);
        if (c == 2) {
            biz_error(S->d, e->span, NULL, "%s() cannot compare %s and %s", name, sx_kind_name(items[i]),
                      sx_kind_name(best));
            return err_at(S, e->span);
        }
        if (name[1] == 'a' ? c > 0 : c < 0)   /* the first of equal ones wins, as in Python */
            best = items[i];
    }
    return best;
}

static sx_val *sum(biz_sema *S, sx_scope *sc, const biz_expr *e)
{
    int n, m;
    sx_val **a = eval_args(S, sc, e, "sum()", 1, 2, &n), **items;
    if (!a || !sx_iterate(S, a[0], e->span, "sum()", &items, &m))
        return err_at(S, e->span);
    int is_float = n == 2 && a[1]->kind == BV_FLOAT;
    if (n == 2 && !is_num(a[1])) {
        biz_error(S->d, e->span, NULL, "sum() adds numbers at compile time, got a start of %s",
                  sx_kind_name(a[1]));
        return err_at(S, e->span);
    }
    double f = n == 2 ? num(a[1]) : 0;
    int64_t i = n == 2 && !is_float ? ival(a[1]) : 0;
    for (int k = 0; k < m; k++) {
        if (!is_num(items[k])) {
            biz_error(S->d, e->span, NULL, "sum() adds numbers at compile time, got %s",
                      sx_kind_name(items[k]));
            return err_at(S, e->span);
        }
        if (items[k]->kind == BV_FLOAT)
            is_float = 1;
        f += num(items[k]);
        if (!is_float && __builtin_add_overflow(i, ival(items[k]), &i)) {
            biz_error(S->d, e->span, NULL, "integer too large in sum()");
            return err_at(S, e->span);
        }
    }
    return is_float ? new_float(S, f, e->span) : sx_new_int(S, i, e->span);
}

/* round(x) gives an int, round(x, n) a float, both with Python's
 * round-half-to-even. */
static sx_val *round_(biz_sema *S, sx_scope *sc, const biz_expr *e)
{
    int n;
    sx_val **a = eval_args(S, sc, e, "round()", 1, 2, &n);
    if (!a)
        return err_at(S, e->span);
    if (!is_num(a[0])) {
        biz_error(S->d, e->span, NULL, "round() needs a number, got %s", sx_kind_name(a[0]));
        return err_at(S, e->span);
    }
    if (n == 2 && !need_int(S, a[1], e->span, "round()'s ndigits"))
        return err_at(S, e->span);
    if (a[0]->kind != BV_FLOAT) {
        int64_t i = ival(a[0]), nd = n == 2 ? ival(a[1]) : 0;
        if (nd >= 0)
            return sx_new_int(S, i, e->span);
        if (nd < -18)
            return sx_new_int(S, 0, e->span);
        /* round(1234, -2) == 1200, halves to even as for floats */
        int64_t p = 1;
        for (int64_t k = 0; k < -nd; k++)
            p *= 10;
        int64_t q = i / p, r = i % p;
        if (r < 0) {
            r += p;
            q--;
        }
        if (2 * r > p || (2 * r == p && (q & 1)))
            q++;
        int64_t out;
        if (__builtin_mul_overflow(q, p, &out)) {
            biz_error(S->d, e->span, NULL, "integer too large in round()");
            return err_at(S, e->span);
        }
        return sx_new_int(S, out, e->span);
    }
    double x = a[0]->u.f;
    if (n == 1) {
        if (!isfinite(x) || fabs(x) >= 9.2e18) {
            biz_error(S->d, e->span, NULL, "round() of %g does not fit an integer", x);
            return err_at(S, e->span);
        }
        return sx_new_int(S, (int64_t)nearbyint(x), e->span);   /* FE_TONEAREST: half to even */
    }
    int64_t nd = ival(a[1]);
    if (nd > 300 || nd < -300)
        return new_float(S, nd > 0 ? x : 0.0 * x, e->span);
    /* Through the shortest decimal text, as CPython rounds the decimal
     * value it shows (round(2.675, 2) is 2.67: 2.675 is 2.67499...). */
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", nd >= 0 ? (int)nd : 0, nd >= 0 ? x : x / pow(10, (double)-nd));
    double r = strtod(buf, NULL);
    if (nd < 0)
        r = nearbyint(x / pow(10, (double)-nd)) * pow(10, (double)-nd);
    return new_float(S, r, e->span);
}

/* dict(a=1, b=2), dict(other), dict(pairs) and dict(pairs, c=3). */
static sx_val *dict_(biz_sema *S, sx_scope *sc, const biz_expr *e)
{
    int n;
    sx_val **a = eval_args(S, sc, e, "dict()", 0, 1, &n);
    if (!a)
        return err_at(S, e->span);
    sx_val *d = sx_new(S, BV_DICT, e->span);
    if (n == 1) {
        if (a[0]->kind == BV_DICT) {
            for (int i = 0; i < a[0]->u.dict.n; i++)
                sx_dict_put(S, d, a[0]->u.dict.keys[i], a[0]->u.dict.vals[i]);
        } else {
            sx_val **items;
            int m;
            if (!sx_iterate(S, a[0], e->span, "dict()", &items, &m))
                return err_at(S, e->span);
            for (int i = 0; i < m; i++) {
                sx_val *p = items[i];
                if ((p->kind != BV_TUPLE && p->kind != BV_LIST) || p->u.seq.n != 2) {
                    biz_error(S->d, e->span, NULL, "dict() needs pairs (key, value), got %s", sx_kind_name(p));
                    return err_at(S, e->span);
                }
                sx_dict_put(S, d, p->u.seq.items[0], p->u.seq.items[1]);
            }
        }
    }
    for (int i = 0; i < e->u.call.keywords.len; i++) {
        const biz_keyword *k = e->u.call.keywords.items[i];
        if (!k || !k->value)
            continue;
        sx_val *v = sx_eval(S, sc, k->value);
        if (v->kind == BV_ERROR || v->kind == BV_REJECTED)
            return v;
        if (!k->name) {   /* dict(**other) */
            if (v->kind != BV_DICT) {
                biz_error(S->d, k->span, NULL, "'**' needs a dict, got %s", sx_kind_name(v));
                return err_at(S, e->span);
            }
            for (int j = 0; j < v->u.dict.n; j++)
                sx_dict_put(S, d, v->u.dict.keys[j], v->u.dict.vals[j]);
            continue;
        }
        sx_dict_put(S, d, sx_new_str(S, k->name, strlen(k->name), k->span), v);
    }
    return d;
}

/* The items of v without repeats, first ones kept. */
static sx_val *unique(biz_sema *S, sx_val **items, int n, sx_kind kind, biz_span span)
{
    sx_val *out = new_list(S, kind, span);
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < out->u.seq.n && !seen; j++)
            seen = sx_vals_equal(out->u.seq.items[j], items[i]);
        if (!seen)
            sx_seq_push(S, out, items[i]);
    }
    return out;
}

/* Does v have the builtin type named by t (a name, or a tuple of them)? -1
 * once an error is reported. */
static int has_type(biz_sema *S, const sx_val *v, const biz_expr *t)
{
    if (t && t->kind == BIZ_E_TUPLE) {
        for (int i = 0; i < t->u.seq.len; i++) {
            int r = has_type(S, v, t->u.seq.items[i]);
            if (r != 0)
                return r;
        }
        return 0;
    }
    static const char *const types[] = { "str", "int", "float", "bool", "list", "tuple", "dict", NULL };
    if (!t || t->kind != BIZ_E_NAME || !sx_in_list(t->u.name.id, types)) {
        biz_error(S->d, t ? t->span : (biz_span){ { 0, 0, 0 }, { 0, 0, 0 } },
                  "use str, int, float, bool, list, tuple or dict, or a tuple of them",
                  "isinstance() can only check a builtin type at compile time");
        return -1;
    }
    const char *n = t->u.name.id;
    switch (v->kind) {
    case BV_STR: return !strcmp(n, "str");
    case BV_BOOL: return !strcmp(n, "bool") || !strcmp(n, "int");   /* bool is an int */
    case BV_INT: return !strcmp(n, "int");
    case BV_FLOAT: return !strcmp(n, "float");
    case BV_LIST: return !strcmp(n, "list");
    case BV_TUPLE: return !strcmp(n, "tuple");
    case BV_DICT: return !strcmp(n, "dict");
    default: return 0;
    }
}

/* isinstance(x, str) / isinstance(x, (list, tuple)), as helper functions
 * use it to accept a name or a list of names. */
static sx_val *isinstance_(biz_sema *S, sx_scope *sc, const biz_expr *e)
{
    if (e->u.call.args.len != 2 || e->u.call.keywords.len) {
        biz_error(S->d, e->span, NULL, "isinstance expected 2 arguments, got %d", e->u.call.args.len);
        return err_at(S, e->span);
    }
    sx_val *v = sx_eval(S, sc, e->u.call.args.items[0]);
    if (v->kind == BV_ERROR || v->kind == BV_REJECTED)
        return v;
    if (v->kind == BV_PARAM || v->kind == BV_OUTPUT) {
        biz_error(S->d, v->span, "to choose tasks when the DAG runs, use BranchTechMicroServiceOperator",
                  "isinstance() needs a value known at compile time, got %s", sx_kind_name(v));
        return err_at(S, e->span);
    }
    int r = has_type(S, v, e->u.call.args.items[1]);
    return r < 0 ? err_at(S, e->span) : new_bool(S, r, e->span);
}

sx_val *sx_py_builtin(biz_sema *S, sx_scope *sc, const biz_expr *e, const char *name)
{
    biz_span sp = e->span;
    if (!strcmp(name, "max") || !strcmp(name, "min"))
        return max_min(S, sc, e, name);
    if (!strcmp(name, "sum"))
        return sum(S, sc, e);
    if (!strcmp(name, "round"))
        return round_(S, sc, e);
    if (!strcmp(name, "dict"))
        return dict_(S, sc, e);
    if (!strcmp(name, "isinstance"))
        return isinstance_(S, sc, e);
    int bad = 0, n;
    static const char *const none[] = { NULL };
    (void)keyword(S, sc, e, "", none, sx_fmt(S, "%s()", name), &bad);
    if (bad)
        return err_at(S, sp);
    int lo = !strcmp(name, "bool") || !strcmp(name, "float") || !strcmp(name, "set") ? 0 : 1;
    sx_val **a = eval_args(S, sc, e, sx_fmt(S, "%s()", name), lo, 1, &n);
    if (!a)
        return err_at(S, sp);
    if (!strcmp(name, "abs")) {
        if (a[0]->kind == BV_FLOAT)
            return new_float(S, fabs(a[0]->u.f), sp);
        if (a[0]->kind == BV_INT || a[0]->kind == BV_BOOL) {
            int64_t i = ival(a[0]);
            if (i == INT64_MIN) {
                biz_error(S->d, sp, NULL, "integer too large in abs()");
                return err_at(S, sp);
            }
            return sx_new_int(S, i < 0 ? -i : i, sp);
        }
        if (a[0]->kind == BV_DURATION) {
            sx_val *d = sx_new(S, BV_DURATION, sp);
            d->u.dur = fabs(a[0]->u.dur);
            return d;
        }
        biz_error(S->d, sp, NULL, "abs() needs a number, got %s", sx_kind_name(a[0]));
        return err_at(S, sp);
    }
    if (!strcmp(name, "bool"))
        return new_bool(S, n ? sx_truthy(a[0]) : 0, sp);
    if (!strcmp(name, "float")) {
        if (!n)
            return new_float(S, 0, sp);
        if (is_num(a[0]))
            return new_float(S, num(a[0]), sp);
        if (a[0]->kind == BV_STR) {
            char *end;
            const char *s = a[0]->u.str.s;
            while (isspace((unsigned char)*s))
                s++;
            double f = strtod(s, &end);
            while (isspace((unsigned char)*end))
                end++;
            if (end != s && !*end)
                return new_float(S, f, sp);
            biz_error(S->d, sp, NULL, "could not convert string to float: '%s'", a[0]->u.str.s);
            return err_at(S, sp);
        }
        biz_error(S->d, sp, NULL, "float() cannot convert %s at compile time", sx_kind_name(a[0]));
        return err_at(S, sp);
    }
    sx_val **items;
    int m = 0;
    if (n && !sx_iterate(S, a[0], sp, sx_fmt(S, "%s()", name), &items, &m))
        return err_at(S, sp);
    if (!strcmp(name, "set")) {
        /* A set of constants, as a list without repeats in first-seen
         * order: sorted(set(x)) and `for x in set(...)` make the same
         * tasks as on Airflow (whose order is arbitrary, not the ids). */
        return unique(S, items, m, BV_LIST, sp);
    }
    int all = !strcmp(name, "all");
    for (int i = 0; i < m; i++)
        if (sx_truthy(items[i]) != all)
            return new_bool(S, !all, sp);
    return new_bool(S, all, sp);
}

/* ------------------------------------------------------------- methods */

/* chars of lstrip/rstrip/strip, or NULL for white space. */
static const char *strip_chars(biz_sema *S, sx_val **a, int n, biz_span span, const char *what, int *ok)
{
    *ok = 1;
    if (n == 0 || a[0]->kind == BV_NONE)
        return NULL;
    if (!need_str(S, a[0], span, what))
        *ok = 0;
    return *ok ? a[0]->u.str.s : NULL;
}

static int strip_this(const char *chars, char c)
{
    return chars ? (c && strchr(chars, c) != NULL) : isspace((unsigned char)c);
}

static sx_val *str_strip(biz_sema *S, const sx_val *obj, const char *chars, int left, int right, biz_span sp)
{
    const char *b = obj->u.str.s;
    size_t len = obj->u.str.len;
    while (left && len && strip_this(chars, *b)) {
        b++;
        len--;
    }
    while (right && len && strip_this(chars, b[len - 1]))
        len--;
    return sx_new_str(S, b, len, sp);
}

/* s.split(sep=None, maxsplit=-1) and rsplit, as Python. */
static sx_val *str_split(biz_sema *S, const sx_val *obj, const char *sep, int64_t maxsplit, int from_right,
                         biz_span sp)
{
    const char *s = obj->u.str.s;
    size_t len = obj->u.str.len;
    sx_val *out = new_list(S, BV_LIST, sp);
    /* Pieces found from the right are collected reversed, then turned. */
    if (!sep) {
        size_t i = from_right ? len : 0;
        for (;;) {
            if (!from_right) {
                while (i < len && isspace((unsigned char)s[i]))
                    i++;
                if (i >= len)
                    break;
                size_t j = i;
                if (maxsplit >= 0 && out->u.seq.n == maxsplit) {
                    /* the rest as it is (its trailing blanks kept) */
                    sx_seq_push(S, out, sx_new_str(S, s + i, len - i, sp));
                    break;
                }
                while (j < len && !isspace((unsigned char)s[j]))
                    j++;
                sx_seq_push(S, out, sx_new_str(S, s + i, j - i, sp));
                i = j;
            } else {
                while (i > 0 && isspace((unsigned char)s[i - 1]))
                    i--;
                if (i == 0)
                    break;
                size_t j = i;
                if (maxsplit >= 0 && out->u.seq.n == maxsplit) {
                    sx_seq_push(S, out, sx_new_str(S, s, i, sp));   /* leading blanks kept */
                    break;
                }
                while (j > 0 && !isspace((unsigned char)s[j - 1]))
                    j--;
                sx_seq_push(S, out, sx_new_str(S, s + j, i - j, sp));
                i = j;
            }
        }
    } else {
        size_t k = strlen(sep);
        if (!from_right) {
            const char *at = s, *hit;
            while ((maxsplit < 0 || out->u.seq.n < maxsplit) && (hit = strstr(at, sep)) != NULL) {
                sx_seq_push(S, out, sx_new_str(S, at, (size_t)(hit - at), sp));
                at = hit + k;
            }
            sx_seq_push(S, out, sx_new_str(S, at, len - (size_t)(at - s), sp));
        } else {
            size_t end = len;
            while (maxsplit < 0 || out->u.seq.n < maxsplit) {
                size_t i = end >= k ? end - k + 1 : 0, found = (size_t)-1;
                while (i-- > 0)
                    if (!strncmp(s + i, sep, k)) {
                        found = i;
                        break;
                    }
                if (found == (size_t)-1)
                    break;
                sx_seq_push(S, out, sx_new_str(S, s + found + k, end - found - k, sp));
                end = found;
            }
            sx_seq_push(S, out, sx_new_str(S, s, end, sp));
        }
    }
    if (from_right)
        for (int i = 0, j = out->u.seq.n - 1; i < j; i++, j--) {
            sx_val *t = out->u.seq.items[i];
            out->u.seq.items[i] = out->u.seq.items[j];
            out->u.seq.items[j] = t;
        }
    return out;
}

/* s.replace(old, new, count=-1). */
static sx_val *str_replace(biz_sema *S, const sx_val *obj, const sx_val *old, const sx_val *by, int64_t count,
                           biz_span sp)
{
    const char *s = obj->u.str.s, *o = old->u.str.s, *b = by->u.str.s;
    size_t ol = old->u.str.len, bl = by->u.str.len, len = obj->u.str.len;
    /* An empty old inserts by between characters (and at both ends). */
    size_t room = len + 1;
    size_t hits = 0;
    if (ol == 0)
        hits = len + 1;
    else
        for (const char *p = s; (p = strstr(p, o)) != NULL; p += ol)
            hits++;
    if (count >= 0 && (size_t)count < hits)
        hits = (size_t)count;
    if (bl > ol)
        room += hits * (bl - ol);
    if (room > 1000000) {
        biz_error(S->d, sp, NULL, "replace() would make a string of more than 1,000,000 bytes");
        return err_at(S, sp);
    }
    char *out = sx_alloc(S, room), *w = out;
    const char *p = s;
    for (size_t h = 0; h < hits; h++) {
        const char *at = ol ? strstr(p, o) : p;
        memcpy(w, p, (size_t)(at - p));
        w += at - p;
        memcpy(w, b, bl);
        w += bl;
        p = at + ol;
        if (!ol && *p) {
            *w++ = *p++;   /* one byte a step (ASCII; UTF-8 text keeps its bytes) */
        }
    }
    size_t rest = len - (size_t)(p - s);
    memcpy(w, p, rest);
    w += rest;
    *w = 0;
    return sx_new_str(S, out, (size_t)(w - out), sp);
}

/* prefix or a tuple of prefixes. */
static int affix_match(biz_sema *S, const sx_val *obj, const sx_val *x, int end, biz_span sp, int *ok)
{
    *ok = 1;
    if (x->kind == BV_TUPLE) {
        for (int i = 0; i < x->u.seq.n; i++) {
            int m = affix_match(S, obj, x->u.seq.items[i], end, sp, ok);
            if (!*ok || m)
                return m;
        }
        return 0;
    }
    if (x->kind != BV_STR) {
        biz_error(S->d, sp, NULL, "%s needs a string or a tuple of strings, got %s",
                  end ? "endswith()" : "startswith()", sx_kind_name(x));
        *ok = 0;
        return 0;
    }
    size_t k = x->u.str.len, len = obj->u.str.len;
    if (k > len)
        return 0;
    return !memcmp(obj->u.str.s + (end ? len - k : 0), x->u.str.s, k);
}

static sx_val *str_method(biz_sema *S, sx_scope *sc, const biz_expr *e, const sx_val *obj, const char *m)
{
    static const char *const known[] = {
        "replace", "split", "rsplit", "startswith", "endswith", "title", "capitalize", "zfill",
        "lstrip", "rstrip", "strip", "count", "find", "rfind", "index", "isdigit", "isalpha",
        "isalnum", "islower", "isupper", "isspace", "swapcase", "ljust", "rjust", "center",
        "partition", "rpartition", "removeprefix", "removesuffix", NULL
    };
    if (!sx_in_list(m, known))
        return NULL;
    biz_span sp = e->span;
    const char *what = sx_fmt(S, "str.%s()", m);
    int bad = 0, n = 0;
    static const char *const split_kw[] = { "sep", "maxsplit", NULL };
    static const char *const none[] = { NULL };
    int is_split = !strcmp(m, "split") || !strcmp(m, "rsplit");
    sx_val *ksep = keyword(S, sc, e, "sep", is_split ? split_kw : none, what, &bad);
    sx_val *kmax = is_split ? keyword(S, sc, e, "maxsplit", split_kw, what, &bad) : NULL;
    if (bad)
        return err_at(S, sp);
    int maxa = is_split || !strcmp(m, "replace") ? 3 : !strcmp(m, "ljust") || !strcmp(m, "rjust")
               || !strcmp(m, "center") ? 2 : 1;
    int mina = !strcmp(m, "replace") ? 2 : !strcmp(m, "startswith") || !strcmp(m, "endswith")
               || !strcmp(m, "zfill") || !strcmp(m, "count") || !strcmp(m, "find") || !strcmp(m, "rfind")
               || !strcmp(m, "index") || !strcmp(m, "ljust") || !strcmp(m, "rjust") || !strcmp(m, "center")
               || strstr(m, "partition") || !strncmp(m, "remove", 6) ? 1 : 0;
    if (!strncmp(m, "is", 2) || !strcmp(m, "title") || !strcmp(m, "capitalize") || !strcmp(m, "swapcase"))
        maxa = 0;
    if (is_split)
        maxa = 2;
    sx_val **a = eval_args(S, sc, e, what, mina, maxa, &n);
    if (!a)
        return err_at(S, sp);
    const char *s = obj->u.str.s;
    size_t len = obj->u.str.len;

    if (is_split) {
        sx_val *sepv = n >= 1 ? a[0] : ksep;
        sx_val *maxv = n >= 2 ? a[1] : kmax;
        if (sepv && sepv->kind != BV_NONE && !need_str(S, sepv, sp, what))
            return err_at(S, sp);
        if (maxv && !need_int(S, maxv, sp, what))
            return err_at(S, sp);
        const char *sep = sepv && sepv->kind == BV_STR ? sepv->u.str.s : NULL;
        if (sep && !*sep) {
            biz_error(S->d, sp, NULL, "empty separator");
            return err_at(S, sp);
        }
        return str_split(S, obj, sep, maxv ? ival(maxv) : -1, m[0] == 'r', sp);
    }
    if (strstr(m, "partition")) {
        /* (head, sep, tail) at the first (last) sep; not found: (s, '', '')
         * or, from the right, ('', '', s) */
        if (!need_str(S, a[0], sp, what))
            return err_at(S, sp);
        const char *sep = a[0]->u.str.s;
        size_t k = a[0]->u.str.len;
        if (k == 0) {
            biz_error(S->d, sp, NULL, "empty separator");
            return err_at(S, sp);
        }
        long at = -1;
        for (size_t i = 0; i + k <= len; i++)
            if (!memcmp(s + i, sep, k)) {
                at = (long)i;
                if (m[0] != 'r')
                    break;
            }
        sx_val *out = new_list(S, BV_TUPLE, sp);
        if (at < 0) {
            sx_seq_push(S, out, sx_new_str(S, m[0] == 'r' ? "" : s, m[0] == 'r' ? 0 : len, sp));
            sx_seq_push(S, out, sx_new_str(S, "", 0, sp));
            sx_seq_push(S, out, sx_new_str(S, m[0] == 'r' ? s : "", m[0] == 'r' ? len : 0, sp));
        } else {
            sx_seq_push(S, out, sx_new_str(S, s, (size_t)at, sp));
            sx_seq_push(S, out, sx_new_str(S, sep, k, sp));
            sx_seq_push(S, out, sx_new_str(S, s + at + k, len - (size_t)at - k, sp));
        }
        return out;
    }
    if (!strncmp(m, "remove", 6)) {
        if (!need_str(S, a[0], sp, what))
            return err_at(S, sp);
        size_t k = a[0]->u.str.len;
        int suffix = m[6] == 's';
        if (k <= len && !memcmp(s + (suffix ? len - k : 0), a[0]->u.str.s, k))
            return sx_new_str(S, s + (suffix ? 0 : k), len - k, sp);
        return sx_new_str(S, s, len, sp);
    }
    if (!strcmp(m, "replace")) {
        if (!need_str(S, a[0], sp, what) || !need_str(S, a[1], sp, what)
            || (n == 3 && !need_int(S, a[2], sp, what)))
            return err_at(S, sp);
        return str_replace(S, obj, a[0], a[1], n == 3 ? ival(a[2]) : -1, sp);
    }
    if (!strcmp(m, "startswith") || !strcmp(m, "endswith")) {
        int ok, r = affix_match(S, obj, a[0], m[0] == 'e', sp, &ok);
        return ok ? new_bool(S, r, sp) : err_at(S, sp);
    }
    if (!strcmp(m, "lstrip") || !strcmp(m, "rstrip") || !strcmp(m, "strip")) {
        int ok;
        const char *chars = strip_chars(S, a, n, sp, what, &ok);
        return ok ? str_strip(S, obj, chars, m[0] != 'r', m[0] != 'l', sp) : err_at(S, sp);
    }
    if (!strcmp(m, "title") || !strcmp(m, "capitalize") || !strcmp(m, "swapcase")) {
        /* ASCII letters, as the rest of the compiler's strings: bytes of
         * UTF-8 characters are kept as they are. */
        char *out = sx_strndup(S, s, len);
        int prev_letter = 0;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)out[i];
            if (m[0] == 't')
                out[i] = (char)(prev_letter ? tolower(c) : toupper(c));
            else if (m[0] == 'c')
                out[i] = (char)(i == 0 ? toupper(c) : tolower(c));
            else
                out[i] = (char)(isupper(c) ? tolower(c) : islower(c) ? toupper(c) : c);
            prev_letter = isalpha(c) || c >= 0x80;
        }
        return sx_new_str(S, out, len, sp);
    }
    if (!strncmp(m, "is", 2)) {
        int r = len > 0, cased = 0;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)s[i];
            if (!strcmp(m, "isdigit")) r &= isdigit(c) != 0;
            else if (!strcmp(m, "isalpha")) r &= isalpha(c) != 0;
            else if (!strcmp(m, "isalnum")) r &= isalnum(c) != 0;
            else if (!strcmp(m, "isspace")) r &= isspace(c) != 0;
            else if (!strcmp(m, "islower")) { r &= !isupper(c); cased |= islower(c) != 0; }
            else { r &= !islower(c); cased |= isupper(c) != 0; }
        }
        if (!strcmp(m, "islower") || !strcmp(m, "isupper"))
            r = r && cased;
        return new_bool(S, r, sp);
    }
    if (!strcmp(m, "zfill") || !strcmp(m, "ljust") || !strcmp(m, "rjust") || !strcmp(m, "center")) {
        if (!need_int(S, a[0], sp, what))
            return err_at(S, sp);
        char fill = ' ';
        if (n == 2) {
            if (!need_str(S, a[1], sp, what))
                return err_at(S, sp);
            if (a[1]->u.str.len != 1) {
                biz_error(S->d, sp, NULL, "the fill character must be exactly one character long");
                return err_at(S, sp);
            }
            fill = a[1]->u.str.s[0];
        }
        int64_t w = ival(a[0]);
        if (w > 1000000) {
            biz_error(S->d, sp, NULL, "%s of width %lld is too wide (at most 1,000,000)", what, (long long)w);
            return err_at(S, sp);
        }
        if (w <= (int64_t)len)
            return sx_new_str(S, s, len, sp);
        size_t pad = (size_t)w - len, left;
        if (!strcmp(m, "ljust"))
            left = 0;
        else if (!strcmp(m, "center"))   /* CPython's rule for where the odd one goes */
            left = pad / 2 + (pad & (size_t)w & 1);
        else
            left = pad;
        char *out = sx_alloc(S, (size_t)w + 1);
        if (m[0] == 'z') {
            size_t sign = len && (s[0] == '+' || s[0] == '-');
            memcpy(out, s, sign);
            memset(out + sign, '0', pad);
            memcpy(out + sign + pad, s + sign, len - sign);
        } else {
            memset(out, fill, left);
            memcpy(out + left, s, len);
            memset(out + left + len, fill, pad - left);
        }
        out[w] = 0;
        return sx_new_str(S, out, (size_t)w, sp);
    }
    /* count, find, rfind, index */
    if (!need_str(S, a[0], sp, what))
        return err_at(S, sp);
    const char *sub = a[0]->u.str.s;
    size_t k = a[0]->u.str.len;
    if (!strcmp(m, "count")) {
        int64_t c = 0;
        if (!k)
            c = (int64_t)len + 1;
        else
            for (const char *p = s; (p = strstr(p, sub)) != NULL; p += k)
                c++;
        return sx_new_int(S, c, sp);
    }
    int64_t at = -1;
    if (m[0] == 'r') {
        for (size_t i = len + 1; i-- > 0;)
            if (i + k <= len && !strncmp(s + i, sub, k)) {
                at = (int64_t)i;
                break;
            }
    } else {
        const char *p = strstr(s, sub);
        at = p ? p - s : -1;
    }
    if (at < 0 && !strcmp(m, "index")) {
        biz_error(S->d, sp, NULL, "substring not found");
        return err_at(S, sp);
    }
    return sx_new_int(S, at, sp);
}

/* d.pop(key[, default]) and d.setdefault(key[, default]), in place as in
 * Python. pop makes new key and value arrays: a dict's arrays only ever
 * grow (the subscript index in biz_sema relies on it). */
static sx_val *dict_pop_setdefault(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_val *obj, const char *m,
                                   const char *what)
{
    int n, bad = 0;
    static const char *const none[] = { NULL };
    (void)keyword(S, sc, e, "", none, what, &bad);
    sx_val **a = eval_args(S, sc, e, what, 1, 2, &n);
    if (!a || bad)
        return err_at(S, e->span);
    if (a[0]->kind == BV_LIST || a[0]->kind == BV_DICT) {
        biz_error(S->d, e->span, NULL, "unhashable type: %s", sx_kind_name(a[0]));
        return err_at(S, e->span);
    }
    int found = -1;
    for (int i = obj->u.dict.n - 1; i >= 0 && found < 0; i--)
        if (sx_vals_equal(obj->u.dict.keys[i], a[0]))
            found = i;
    if (!strcmp(m, "setdefault")) {
        if (found >= 0)
            return obj->u.dict.vals[found];
        sx_val *v = n == 2 ? a[1] : sx_new(S, BV_NONE, e->span);
        sx_dict_put(S, obj, a[0], v);
        return v;
    }
    if (found < 0) {
        if (n == 2)
            return a[1];
        biz_error(S->d, e->span, NULL, "KeyError: %s", sx_to_text(S, a[0], 1));
        return err_at(S, e->span);
    }
    sx_val *v = obj->u.dict.vals[found];
    int cap = obj->u.dict.n;
    sx_val **keys = sx_alloc(S, sizeof *keys * (size_t)cap), **vals = sx_alloc(S, sizeof *vals * (size_t)cap);
    int k = 0;
    for (int i = 0; i < obj->u.dict.n; i++)
        if (!sx_vals_equal(obj->u.dict.keys[i], a[0])) {
            keys[k] = obj->u.dict.keys[i];
            vals[k++] = obj->u.dict.vals[i];
        }
    obj->u.dict.keys = keys;
    obj->u.dict.vals = vals;
    obj->u.dict.n = k;
    obj->u.dict.cap = cap;
    return v;
}

static sx_val *dict_method(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_val *obj, const char *m)
{
    static const char *const known[] = { "get", "copy", "update", "pop", "setdefault", NULL };
    if (!sx_in_list(m, known))
        return NULL;
    biz_span sp = e->span;
    const char *what = sx_fmt(S, "dict.%s()", m);
    int n;
    if (!strcmp(m, "pop") || !strcmp(m, "setdefault"))
        return dict_pop_setdefault(S, sc, e, obj, m, what);
    if (!strcmp(m, "update")) {
        /* In place, as Python: every name for the dict sees it. */
        sx_val *other = sx_py_builtin(S, sc, e, "dict");
        if (other->kind != BV_DICT)
            return other;
        for (int i = 0; i < other->u.dict.n; i++)
            sx_dict_put(S, obj, other->u.dict.keys[i], other->u.dict.vals[i]);
        return sx_new(S, BV_NONE, sp);
    }
    int bad = 0;
    static const char *const none[] = { NULL };
    (void)keyword(S, sc, e, "", none, what, &bad);
    sx_val **a = eval_args(S, sc, e, what, !strcmp(m, "get") ? 1 : 0, !strcmp(m, "get") ? 2 : 0, &n);
    if (!a || bad)
        return err_at(S, sp);
    if (!strcmp(m, "copy")) {
        sx_val *d = sx_new(S, BV_DICT, sp);
        for (int i = 0; i < obj->u.dict.n; i++)
            sx_dict_put(S, d, obj->u.dict.keys[i], obj->u.dict.vals[i]);
        return d;
    }
    /* get(key, default=None): the last value for key, as a lookup gives. */
    for (int i = obj->u.dict.n - 1; i >= 0; i--)
        if (sx_vals_equal(obj->u.dict.keys[i], a[0]))
            return obj->u.dict.vals[i];
    return n == 2 ? a[1] : sx_new(S, BV_NONE, sp);
}

static sx_val *list_method(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_val *obj, const char *m)
{
    static const char *const known[] = { "index", "count", "copy", NULL };
    if (!sx_in_list(m, known))
        return NULL;
    biz_span sp = e->span;
    const char *what = sx_fmt(S, "%s.%s()", obj->kind == BV_LIST ? "list" : "tuple", m);
    int n, bad = 0;
    static const char *const none[] = { NULL };
    (void)keyword(S, sc, e, "", none, what, &bad);
    sx_val **a = eval_args(S, sc, e, what, m[1] == 'o' && m[2] == 'p' ? 0 : 1, m[1] == 'o' && m[2] == 'p' ? 0 : 1, &n);
    if (!a || bad)
        return err_at(S, sp);
    if (!strcmp(m, "copy")) {
        if (obj->kind != BV_LIST)
            return NULL;
        sx_val *l = new_list(S, BV_LIST, sp);
        for (int i = 0; i < obj->u.seq.n; i++)
            sx_seq_push(S, l, obj->u.seq.items[i]);
        return l;
    }
    int64_t c = 0, at = -1;
    for (int i = 0; i < obj->u.seq.n; i++)
        if (sx_vals_equal(obj->u.seq.items[i], a[0])) {
            c++;
            if (at < 0)
                at = i;
        }
    if (!strcmp(m, "count"))
        return sx_new_int(S, c, sp);
    if (at < 0) {
        char *t = sx_to_text(S, a[0], 1);
        biz_error(S->d, sp, NULL, "%s is not in %s", t ? t : "the value", obj->kind == BV_LIST ? "list" : "tuple");
        return err_at(S, sp);
    }
    return sx_new_int(S, at, sp);
}

sx_val *sx_py_method(biz_sema *S, sx_scope *sc, const biz_expr *e, sx_val *obj, const char *m)
{
    switch (obj->kind) {
    case BV_STR: return str_method(S, sc, e, obj, m);
    case BV_DICT: return dict_method(S, sc, e, obj, m);
    case BV_LIST: case BV_TUPLE: return list_method(S, sc, e, obj, m);
    default: return NULL;
    }
}

/* -------------------------------------------------------------- slices */

/* Python's slice.indices(len): start, stop, step clamped; 0 after
 * reporting a bad bound. */
static int slice_indices(biz_sema *S, sx_val *bound[3], int64_t len, biz_span bspan,
                         int64_t *start, int64_t *stop, int64_t *step)
{
    for (int i = 0; i < 3; i++)
        if (bound[i] && bound[i]->kind != BV_NONE && bound[i]->kind != BV_INT && bound[i]->kind != BV_BOOL) {
            biz_error(S->d, bspan, NULL, "slice indices must be integers or None, got %s",
                      sx_kind_name(bound[i]));
            return 0;
        }
    int64_t st = bound[2] && bound[2]->kind != BV_NONE ? ival(bound[2]) : 1;
    if (st == 0) {
        biz_error(S->d, bspan, NULL, "slice step cannot be zero");
        return 0;
    }
    int64_t lo = st < 0 ? -1 : 0, hi = st < 0 ? len - 1 : len;
    int64_t b[2];
    for (int i = 0; i < 2; i++) {
        if (!bound[i] || bound[i]->kind == BV_NONE) {
            b[i] = (st < 0) == (i == 0) ? hi : lo;
            continue;
        }
        int64_t x = ival(bound[i]);
        if (x < 0)
            x = x < -len ? lo : x + len;   /* no overflow: x >= -len here */
        b[i] = x < lo ? lo : x > hi ? hi : x;
    }
    *start = b[0];
    *stop = b[1];
    *step = st;
    return 1;
}

/* The byte offset of each character of a UTF-8 string, and the end. */
static size_t *char_offsets(biz_sema *S, const char *s, size_t len, int64_t *n)
{
    size_t *at = sx_alloc(S, sizeof *at * (len + 1));
    int64_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (!biz_utf8_cont((unsigned char)s[i]))
            at[k++] = i;
    at[k] = len;
    *n = k;
    return at;
}

sx_val *sx_py_slice(biz_sema *S, sx_val *obj, sx_val *bound[3], biz_span bspan, biz_span span)
{
    int64_t n, start, stop, step;
    if (obj->kind == BV_STR) {
        size_t *at = char_offsets(S, obj->u.str.s, obj->u.str.len, &n);
        if (!slice_indices(S, bound, n, bspan, &start, &stop, &step))
            return err_at(S, span);
        char *out = sx_alloc(S, obj->u.str.len + 1);
        size_t w = 0;
        for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
            size_t len = at[i + 1] - at[i];
            memcpy(out + w, obj->u.str.s + at[i], len);
            w += len;
        }
        out[w] = 0;
        return sx_new_str(S, out, w, span);
    }
    if (obj->kind != BV_LIST && obj->kind != BV_TUPLE) {
        biz_error(S->d, span, NULL, "%s cannot be sliced", sx_kind_name(obj));
        return err_at(S, span);
    }
    if (!slice_indices(S, bound, obj->u.seq.n, bspan, &start, &stop, &step))
        return err_at(S, span);
    sx_val *out = new_list(S, obj->kind, span);
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
        sx_seq_push(S, out, obj->u.seq.items[i]);
    return out;
}

/* ---------------------------------------------------------- json.dumps */

typedef struct out_buf {
    biz_sema *S;
    sx_text t;   /* capped at 1,000,000 bytes, as every constant string */
} out_buf;

static void put(out_buf *b, const char *s, size_t n)
{
    sx_text_add(b->S, &b->t, s, n);
}

static void puts_(out_buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* A JSON string as Python's json.dumps writes it (ensure_ascii: every
 * character past U+007F as \uXXXX, surrogate pairs past U+FFFF). */
static void put_json_str(out_buf *b, const char *s, size_t len)
{
    put(b, "\"", 1);
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        char tmp[16];
        if (c < 0x80) {
            i++;
            switch (c) {
            case '"': puts_(b, "\\\""); continue;
            case '\\': puts_(b, "\\\\"); continue;
            case '\n': puts_(b, "\\n"); continue;
            case '\r': puts_(b, "\\r"); continue;
            case '\t': puts_(b, "\\t"); continue;
            case '\b': puts_(b, "\\b"); continue;
            case '\f': puts_(b, "\\f"); continue;
            default:
                if (c < 0x20) {
                    snprintf(tmp, sizeof tmp, "\\u%04x", c);
                    puts_(b, tmp);
                } else {
                    put(b, (const char *)&c, 1);
                }
                continue;
            }
        }
        /* UTF-8 to a code point (a bad byte stands for itself, U+00XX) */
        unsigned cp;
        size_t k = biz_utf8_seq((const unsigned char *)s + i, len - i, &cp);
        if (!k) {
            cp = c;
            k = 1;
        }
        i += k;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            snprintf(tmp, sizeof tmp, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
        } else {
            snprintf(tmp, sizeof tmp, "\\u%04x", cp);
        }
        puts_(b, tmp);
    }
    put(b, "\"", 1);
}

static void newline(out_buf *b, int indent, int depth)
{
    put(b, "\n", 1);
    for (int i = 0; i < indent * depth; i++)
        put(b, " ", 1);
}

/* 0, or -1 with *bad the value json.dumps cannot write. */
static int put_json(out_buf *b, const sx_val *v, int indent, int sort, int depth, const sx_val **bad)
{
    const char *item_sep = indent >= 0 ? "," : ", ";
    switch (v->kind) {
    case BV_NONE: puts_(b, "null"); return 0;
    case BV_BOOL: puts_(b, v->u.b ? "true" : "false"); return 0;
    case BV_INT: case BV_FLOAT: {
        if (v->kind == BV_FLOAT && isnan(v->u.f)) {
            puts_(b, "NaN");
            return 0;
        }
        if (v->kind == BV_FLOAT && isinf(v->u.f)) {
            puts_(b, v->u.f > 0 ? "Infinity" : "-Infinity");
            return 0;
        }
        char *t = sx_to_text(b->S, v, 1);
        puts_(b, t ? t : "0");
        return 0;
    }
    case BV_STR: put_json_str(b, v->u.str.s, v->u.str.len); return 0;
    case BV_LIST: case BV_TUPLE:
        put(b, "[", 1);
        for (int i = 0; i < v->u.seq.n; i++) {
            if (i)
                puts_(b, item_sep);
            if (indent >= 0)
                newline(b, indent, depth + 1);
            if (put_json(b, v->u.seq.items[i], indent, sort, depth + 1, bad) < 0)
                return -1;
        }
        if (indent >= 0 && v->u.seq.n)
            newline(b, indent, depth);
        put(b, "]", 1);
        return 0;
    case BV_DICT: {
        /* The keys as the dict has them (a repeated one: its first place,
         * its last value), sorted when asked. */
        int n = v->u.dict.n, m = 0;
        int *idx = sx_alloc(b->S, sizeof *idx * (size_t)(n + 1));
        for (int i = 0; i < n; i++) {
            int dup = 0;
            for (int j = 0; j < m && !dup; j++)
                dup = sx_vals_equal(v->u.dict.keys[idx[j]], v->u.dict.keys[i]);
            if (!dup)
                idx[m++] = i;
        }
        for (int i = 0; i < m; i++)
            if (v->u.dict.keys[idx[i]]->kind != BV_STR) {
                *bad = v->u.dict.keys[idx[i]];
                return -1;
            }
        if (sort)
            for (int i = 1; i < m; i++)
                for (int j = i; j > 0 && strcmp(v->u.dict.keys[idx[j - 1]]->u.str.s,
                                                v->u.dict.keys[idx[j]]->u.str.s) > 0; j--) {
                    int t = idx[j];
                    idx[j] = idx[j - 1];
                    idx[j - 1] = t;
                }
        put(b, "{", 1);
        for (int i = 0; i < m; i++) {
            const sx_val *k = v->u.dict.keys[idx[i]];
            if (i)
                puts_(b, item_sep);
            if (indent >= 0)
                newline(b, indent, depth + 1);
            put_json_str(b, k->u.str.s, k->u.str.len);
            puts_(b, ": ");
            if (put_json(b, sx_dict_get(v, k->u.str.s), indent, sort, depth + 1, bad) < 0)
                return -1;
        }
        if (indent >= 0 && m)
            newline(b, indent, depth);
        put(b, "}", 1);
        return 0;
    }
    default:
        *bad = v;
        return -1;
    }
}

static sx_val *json_dumps(biz_sema *S, sx_scope *sc, const biz_expr *e)
{
    biz_span sp = e->span;
    int bad = 0, n;
    static const char *const kw[] = { "indent", "sort_keys", NULL };
    sx_val *ind = keyword(S, sc, e, "indent", kw, "json.dumps()", &bad);
    sx_val *sort = keyword(S, sc, e, "sort_keys", kw, "json.dumps()", &bad);
    sx_val **a = eval_args(S, sc, e, "json.dumps()", 1, 1, &n);
    if (!a || bad)
        return err_at(S, sp);
    int indent = -1;
    if (ind && ind->kind != BV_NONE) {
        if (!need_int(S, ind, sp, "json.dumps()'s indent") || ival(ind) < 0 || ival(ind) > 64) {
            if (ind->kind == BV_INT)
                biz_error(S->d, sp, NULL, "json.dumps()'s indent must be 0 to 64 here");
            return err_at(S, sp);
        }
        indent = (int)ival(ind);
    }
    out_buf b = { S, { NULL, 0, 0, 1000000, 0 } };
    const sx_val *what = NULL;
    if (put_json(&b, a[0], indent, sort && sx_truthy(sort), 0, &what) < 0) {
        if (what->kind != BV_ERROR && what->kind != BV_REJECTED)   /* else already said */
            biz_error(S->d, sp, NULL, "json.dumps() cannot write %s", sx_kind_name(what));
        return err_at(S, sp);
    }
    if (b.t.over) {
        biz_error(S->d, sp, NULL, "json.dumps() would make more than 1,000,000 bytes");
        return err_at(S, sp);
    }
    return sx_new_str(S, b.t.s ? b.t.s : "", b.t.len, sp);
}

/* ----------------------------------------------------- textwrap.dedent */

/* Python's textwrap.dedent: lines of blanks only become empty, then the
 * margin common to every other line is removed (spaces and tabs are
 * different characters, as there). */
static sx_val *dedent(biz_sema *S, sx_scope *sc, const biz_expr *e)
{
    int n, bad = 0;
    static const char *const none[] = { NULL };
    (void)keyword(S, sc, e, "", none, "textwrap.dedent()", &bad);
    sx_val **a = eval_args(S, sc, e, "textwrap.dedent()", 1, 1, &n);
    if (!a || bad || !need_str(S, a[0], e->span, "textwrap.dedent()"))
        return err_at(S, e->span);
    const char *s = a[0]->u.str.s;
    size_t len = a[0]->u.str.len;
    char *t = sx_alloc(S, len + 1);
    size_t w = 0;
    /* pass 1: blank lines emptied */
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && (s[j] == ' ' || s[j] == '\t'))
            j++;
        if (j > i && (j == len || s[j] == '\n')) {
            i = j;   /* only blanks up to the line's end: dropped */
            continue;
        }
        while (i < len && s[i] != '\n')
            t[w++] = s[i++];
        if (i < len)
            t[w++] = s[i++];
    }
    t[w] = 0;
    /* pass 2: the margin, the longest prefix of blanks common to every
     * line that has something else */
    const char *margin = NULL;
    size_t mlen = 0;
    for (size_t i = 0; i < w;) {
        size_t j = i;
        while (j < w && (t[j] == ' ' || t[j] == '\t'))
            j++;
        if (j < w && t[j] != '\n') {
            size_t ind = j - i;
            if (!margin) {
                margin = t + i;
                mlen = ind;
            } else {
                size_t k = 0;
                while (k < mlen && k < ind && margin[k] == t[i + k])
                    k++;
                mlen = k;
            }
        }
        while (j < w && t[j] != '\n')
            j++;
        i = j + 1;
    }
    if (!margin || !mlen)
        return sx_new_str(S, t, w, e->span);
    /* pass 3: the margin removed where a line starts with it */
    char *out = sx_alloc(S, w + 1);
    size_t o = 0;
    char *m = sx_strndup(S, margin, mlen);
    for (size_t i = 0; i < w;) {
        if (w - i >= mlen && !memcmp(t + i, m, mlen))
            i += mlen;
        while (i < w && t[i] != '\n')
            out[o++] = t[i++];
        if (i < w)
            out[o++] = t[i++];
    }
    out[o] = 0;
    return sx_new_str(S, out, o, e->span);
}

/* ------------------------------------------------------ json.loads */

/* A JSON value as Python's json.loads gives it. */
static sx_val *from_json(biz_sema *S, const cJSON *j, biz_span sp)
{
    if (cJSON_IsNull(j))
        return sx_new(S, BV_NONE, sp);
    if (cJSON_IsBool(j))
        return new_bool(S, cJSON_IsTrue(j), sp);
    if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        /* an integer literal stays an int (cJSON keeps one double) */
        if (d == floor(d) && fabs(d) < 9007199254740992.0)
            return sx_new_int(S, (int64_t)d, sp);
        return new_float(S, d, sp);
    }
    if (cJSON_IsString(j))
        return sx_new_str(S, j->valuestring, strlen(j->valuestring), sp);
    sx_val *v = sx_new(S, cJSON_IsArray(j) ? BV_LIST : BV_DICT, sp);
    const cJSON *x;
    cJSON_ArrayForEach(x, j) {
        if (cJSON_IsArray(j))
            sx_seq_push(S, v, from_json(S, x, sp));
        else
            sx_dict_put(S, v, sx_new_str(S, x->string, strlen(x->string), sp), from_json(S, x, sp));
    }
    return v;
}

static sx_val *json_loads(biz_sema *S, sx_scope *sc, const biz_expr *e)
{
    int n = 0, bad = 0;
    static const char *const none[] = { NULL };
    (void)keyword(S, sc, e, "", none, "json.loads()", &bad);
    sx_val **a = eval_args(S, sc, e, "json.loads()", 1, 1, &n);
    if (!a || bad || !need_str(S, a[0], e->span, "json.loads()"))
        return err_at(S, e->span);
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(a[0]->u.str.s, a[0]->u.str.len, &end, 0);
    if (!j) {
        long at = end ? (long)(end - a[0]->u.str.s) : 0;
        biz_error(S->d, e->span, NULL, "json.loads(): not valid JSON (at char %ld)", at);
        return err_at(S, e->span);
    }
    sx_val *v = from_json(S, j, e->span);
    cJSON_Delete(j);
    return v;
}

/* ------------------------------------------------------ os.environ, os.path */

/* The environment variable name as bizc's environment has it (NULL when
 * unset), read when bizc compiles as Airflow reads it when it parses the
 * file; said once per use, without the value (it may be a secret). */
static const char *read_env(biz_sema *S, const char *name, biz_span span)
{
    const char *val = getenv(name);
    char *low = biz_ascii_case(sx_strdup(S, name), 0);
    biz_warning(S->d, span,
                sx_fmt(S, "to read it when the DAG runs, write '{{ var.value.%s }}' in a templated argument "
                          "(the executable reads AIRFLOW_VAR_%s)", low, name),
                val ? "%s is read when bizc compiles (as Airflow reads it when it parses the file): "
                      "its value is built into the executable"
                    : "%s is read when bizc compiles (as Airflow reads it when it parses the file), and "
                      "is not set", name);
    return val;
}

/* os.environ.get(NAME[, default]) / os.getenv(NAME[, default]). */
static sx_val *getenv_call(biz_sema *S, sx_scope *sc, const biz_expr *e, const char *what)
{
    int n = 0, bad = 0;
    static const char *const kw[] = { "default", NULL };
    sx_val *kdef = keyword(S, sc, e, "default", kw, what, &bad);
    sx_val **a = eval_args(S, sc, e, what, 1, 2, &n);
    if (!a || bad || !need_str(S, a[0], e->span, what))
        return err_at(S, e->span);
    sx_val *dflt = n == 2 ? a[1] : kdef;
    const char *val = read_env(S, a[0]->u.str.s, e->span);
    if (val)
        return sx_new_str(S, val, strlen(val), e->span);
    return dflt ? dflt : sx_new(S, BV_NONE, e->span);
}

sx_val *sx_py_environ_item(biz_sema *S, const char *name, biz_span span)
{
    const char *val = getenv(name) ? read_env(S, name, span) : NULL;
    if (val)
        return sx_new_str(S, val, strlen(val), span);
    biz_error(S->d, span, sx_fmt(S, "set it when you run bizc, or write os.environ.get('%s', default)", name),
              "KeyError: '%s' (not in bizc's environment)", name);
    return err_at(S, span);
}

/* os.path.join / basename / dirname / splitext: POSIX paths, as on Linux. */
static sx_val *os_path(biz_sema *S, sx_scope *sc, const biz_expr *e, const char *name)
{
    const char *what = sx_fmt(S, "os.path.%s()", name);
    int n = 0, join = !strcmp(name, "join");
    sx_val **a = eval_args(S, sc, e, what, 1, join ? 64 : 1, &n);
    if (!a)
        return err_at(S, e->span);
    for (int i = 0; i < n; i++)
        if (!need_str(S, a[i], e->span, what))
            return err_at(S, e->span);
    const char *s = a[0]->u.str.s;
    size_t len = a[0]->u.str.len;
    if (join) {
        /* an absolute part starts again; a '/' between parts unless there is one */
        sx_text t = { 0 };
        for (int i = 0; i < n; i++) {
            const char *p = a[i]->u.str.s;
            if (p[0] == '/')
                t.len = 0;
            else if (t.len && t.s[t.len - 1] != '/')
                sx_text_add(S, &t, "/", 1);
            sx_text_add(S, &t, p, a[i]->u.str.len);
        }
        return sx_new_str(S, t.len ? t.s : "", t.len, e->span);
    }
    const char *slash = memrchr(s, '/', len);
    size_t base = slash ? (size_t)(slash - s) + 1 : 0;
    if (!strcmp(name, "basename"))
        return sx_new_str(S, s + base, len - base, e->span);
    if (!strcmp(name, "dirname")) {
        size_t d = base;
        while (d > 1 && s[d - 1] == '/')   /* "a//b" -> "a", "/b" -> "/" */
            d--;
        return sx_new_str(S, s, d, e->span);
    }
    /* splitext: the last dot of the last part, not a leading one */
    size_t dot = len;
    for (size_t i = len; i > base; i--)
        if (s[i - 1] == '.') {
            dot = i - 1;
            break;
        }
    size_t lead = base;
    while (lead < len && s[lead] == '.')
        lead++;
    if (dot < lead)
        dot = len;
    sx_val *t = new_list(S, BV_TUPLE, e->span);
    sx_seq_push(S, t, sx_new_str(S, s, dot, e->span));
    sx_seq_push(S, t, sx_new_str(S, s + dot, len - dot, e->span));
    return t;
}

sx_val *sx_py_module_call(biz_sema *S, sx_scope *sc, const biz_expr *e, const char *module, const char *name)
{
    if (!strcmp(module, "json") && !strcmp(name, "dumps"))
        return json_dumps(S, sc, e);
    if (!strcmp(module, "json") && !strcmp(name, "loads"))
        return json_loads(S, sc, e);
    if ((!strcmp(module, "os.environ") && !strcmp(name, "get")) || (!strcmp(module, "os") && !strcmp(name, "getenv")))
        return getenv_call(S, sc, e, !strcmp(module, "os") ? "os.getenv()" : "os.environ.get()");
    if (!strcmp(module, "os.path") && (!strcmp(name, "join") || !strcmp(name, "basename") ||
                                       !strcmp(name, "dirname") || !strcmp(name, "splitext")))
        return os_path(S, sc, e, name);
    if (!strcmp(module, "textwrap") && !strcmp(name, "dedent"))
        return dedent(S, sc, e);
    return NULL;
}

sx_val *sx_py_imported_call(biz_sema *S, sx_scope *sc, const biz_expr *e, const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return NULL;
    return sx_py_module_call(S, sc, e, sx_strndup(S, path, (size_t)(dot - path)), dot + 1);
}
