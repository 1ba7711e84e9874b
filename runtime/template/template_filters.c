/* template_filters.c: Jinja's filters and tests, Python's str and dict
 * methods, and Airflow's macros.ds_add / macros.ds_format, on cJSON
 * values. Each follows the Python original (jinja2/filters.py,
 * jinja2/tests.py, airflow/macros/__init__.py). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strptime */
#endif
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ascii.h"
#include "isotime.h"
#include "template_int.h"
#include "utf8.h"

/* ------------------------------------------------------------ helpers */

static cJSON *new_str(const char *s)
{
    return s ? cJSON_CreateString(s) : NULL;
}

static cJSON *take_str(biz_buf *b)
{
    char *s = biz_buf_take(b);
    cJSON *j = new_str(s);
    free(s);
    return j;
}

/* Appends item (consumed) to *a; when item is NULL (out of memory)
 * deletes *a and sets it NULL. 1 when added. */
static int add_item(cJSON **a, cJSON *item)
{
    if (item) {
        cJSON_AddItemToArray(*a, item);
        return 1;
    }
    cJSON_Delete(*a);
    *a = NULL;
    return 0;
}

/* str(v), malloc'd. */
static char *to_s(const cJSON *v)
{
    biz_buf b = {0};
    biz_tpl_str_to(&b, v);
    return biz_buf_take(&b);
}

static int is_int(const cJSON *j)
{
    return j && cJSON_IsNumber(j) && biz_tpl_num_is_int(j);
}

/* len() of a str. */
static int utf8_len(const char *s)
{
    return (int)biz_utf8_count(s, strlen(s));
}

/* Binds args to the filter's parameters: p[i] (borrowed) or NULL. */
static int bind_params(biz_tpl_ctx *cx, const biz_tpl_node *n, const char *what, const char *const *params,
                       cJSON **args, char **names, int nargs, const cJSON **p)
{
    int np = 0, pos = 0;
    while (np < 4 && params[np])
        np++;
    for (int i = 0; i < 4; i++)
        p[i] = NULL;
    for (int i = 0; i < nargs; i++) {
        const char *kw = names ? names[i] : NULL;
        int k = -1;
        if (!kw) {
            k = pos++;
            if (k >= np)
                return biz_tpl_fail(cx, n->start, "%s takes at most %d argument%s", what, np, np == 1 ? "" : "s");
        } else {
            for (int j = 0; j < np; j++)
                if (!strcmp(params[j], kw))
                    k = j;
            if (k < 0)
                return biz_tpl_fail(cx, n->ops[i], "%s got an unexpected keyword argument '%s'", what, kw);
        }
        p[k] = args[i];
    }
    return 0;
}

/* The items of an iterable as a new array: list items, dict keys, string
 * characters. NULL (with an error) for anything else. */
static cJSON *items_of(biz_tpl_ctx *cx, const biz_tpl_node *n, const cJSON *v)
{
    cJSON *a = NULL;
    if (cJSON_IsArray(v)) {
        a = cJSON_Duplicate(v, 1);
        if (a)
            a->type &= ~BIZ_TPL_TUPLE_BIT;
    } else if (cJSON_IsObject(v)) {
        a = cJSON_CreateArray();
        for (const cJSON *c = v->child; a && c; c = c->next)
            if (!add_item(&a, cJSON_CreateString(c->string ? c->string : "")))
                break;
    } else if (cJSON_IsString(v)) {
        if (biz_tpl_check_items(cx, n->start, utf8_len(v->valuestring)) < 0)
            return NULL;
        a = cJSON_CreateArray();
        const char *s = v->valuestring;
        for (size_t i = 0; a && s[i];) {
            size_t k = biz_utf8_lax_len(s + i, (size_t)-1);
            char *c = strndup(s + i, k);
            cJSON *item = new_str(c);
            free(c);
            if (!add_item(&a, item))
                break;
            i += k;
        }
    } else {
        biz_tpl_fail(cx, n->start, "'%s' object is not iterable", biz_tpl_type_name(v));
        return NULL;
    }
    if (!a)
        biz_tpl_fail(cx, n->start, "out of memory");
    return a;
}

/* item[attribute] for the attribute= parameters ("a.b" walks). Borrowed. */
static const cJSON *attr_of(const cJSON *item, const cJSON *attribute)
{
    if (!attribute || cJSON_IsNull(attribute))
        return item;
    if (is_int(attribute)) {
        double d = attribute->valuedouble; /* cast only once in range: 1e20 as an int is undefined */
        return cJSON_IsArray(item) && d >= 0 && d < cJSON_GetArraySize(item) ? cJSON_GetArrayItem(item, (int)d) : NULL;
    }
    if (!cJSON_IsString(attribute))
        return NULL;
    /* the path's parts walked in place (empty parts skipped): nothing to
     * allocate, so nothing to fail */
    const cJSON *cur = item;
    for (const char *part = attribute->valuestring; cur && *part;) {
        size_t len = strcspn(part, ".");
        if (!len) {
            part++;
            continue;
        }
        if (cJSON_IsObject(cur)) {
            const cJSON *c = cur->child;
            while (c && !(c->string && strlen(c->string) == len && !memcmp(c->string, part, len)))
                c = c->next;
            cur = c;
        } else if (cJSON_IsArray(cur) && isdigit((unsigned char)part[0])) {
            char *end;
            long k = strtol(part, &end, 10); /* atoi overflows on a long number */
            cur = end == part + len && k < cJSON_GetArraySize(cur) ? cJSON_GetArrayItem(cur, (int)k) : NULL;
        } else {
            cur = NULL;
        }
        part += len;
    }
    return cur;
}


/* A string value with case folded for the case-insensitive filters. */
static cJSON *fold(const cJSON *v, int case_sensitive)
{
    cJSON *c = cJSON_Duplicate(v, 1);
    if (c && !case_sensitive && cJSON_IsString(c))
        biz_ascii_case(c->valuestring, 0);
    return c;
}

/* str.strip / lstrip / rstrip (chars NULL = whitespace). */
static char *strip(const char *s, const char *chars, int left, int right)
{
    size_t a = 0, b = strlen(s);
    if (left)
        while (a < b && (chars ? strchr(chars, s[a]) != NULL : biz_ascii_isspace((unsigned char)s[a])))
            a++;
    if (right)
        while (b > a && (chars ? strchr(chars, s[b - 1]) != NULL : biz_ascii_isspace((unsigned char)s[b - 1])))
            b--;
    return strndup(s + a, b - a);
}

/* The next sub (sl bytes, not empty) in [p, end), or NULL. Not a loop of
 * strstr: under ASan (the limits' tests run under it) strstr and memmem
 * check the whole haystack at each call, so splitting a long string was
 * quadratic. A short needle is found with memchr and memcmp (checked only
 * on what they read; at most sl times the length in the worst case), a
 * long one with memmem (linear in glibc). */
static const char *find_in(const char *p, const char *end, const char *sub, size_t sl)
{
    if (p > end || sl > (size_t)(end - p))
        return NULL;
    if (sl > 8)
        return memmem(p, (size_t)(end - p), sub, sl);
    for (const char *last = end - sl; p <= last; p++) {
        p = memchr(p, sub[0], (size_t)(last - p) + 1);
        if (!p)
            return NULL;
        if (!memcmp(p, sub, sl))
            return p;
    }
    return NULL;
}

/* The size str.replace(old, new, count) gives s, found without building
 * it (so a replace that would be huge is refused before it allocates). */
static double replace_size(const char *s, const char *old, const char *new_, double count)
{
    double n = 0, len = (double)strlen(s), ol = (double)strlen(old), nl = (double)strlen(new_);
    if (!*old) {
        double slots = 1;
        slots += (double)biz_utf8_lax_count(s, strlen(s));
        n = count < 0 || count > slots ? slots : count;
    } else {
        const char *end = s + strlen(s);
        size_t sl = strlen(old);
        for (const char *m = find_in(s, end, old, sl); m && (count < 0 || n < count); m = find_in(m + sl, end, old, sl))
            n++;
    }
    return len + n * (nl - ol);
}

/* str.replace(old, new, count); the caller checked replace_size. */
static char *replace(const char *s, const char *old, const char *new_, double count)
{
    biz_buf b = {0};
    size_t ol = strlen(old);
    double done = 0;
    if (!ol) { /* Python inserts new between every character */
        const char *p = s;
        for (;;) {
            if (count < 0 || done < count) {
                biz_buf_adds(&b, new_);
                done++;
            }
            if (!*p)
                break;
            size_t k = biz_utf8_lax_len(p, (size_t)-1);
            biz_buf_add(&b, p, k);
            p += k;
        }
        return biz_buf_take(&b);
    }
    const char *p = s, *m, *end = s + strlen(s);
    while ((count < 0 || done < count) && (m = find_in(p, end, old, ol))) {
        biz_buf_add(&b, p, m - p);
        biz_buf_adds(&b, new_);
        p = m + ol;
        done++;
        if (b.n > (64u << 20))
            break;
    }
    biz_buf_adds(&b, p);
    return biz_buf_take(&b);
}

static int cmp_values(biz_tpl_ctx *cx, const biz_tpl_node *n, const cJSON *a, const cJSON *b, int *res)
{
    if (biz_tpl_charge(cx, n->start, 1) < 0) /* sorting is n log n comparisons */
        return -1;
    if (biz_tpl_order(a, b, res) < 0)
        return biz_tpl_fail(cx, n->start, "'<' not supported between instances of '%s' and '%s'",
                            biz_tpl_type_name(a), biz_tpl_type_name(b));
    return 0;
}

/* Stable merge sort of items by key(item) (keys[i] parallel). */
static int merge_sort(biz_tpl_ctx *cx, const biz_tpl_node *n, cJSON **it, cJSON **keys, int len, int reverse)
{
    if (len < 2)
        return 0;
    int h = len / 2;
    if (merge_sort(cx, n, it, keys, h, reverse) < 0 || merge_sort(cx, n, it + h, keys + h, len - h, reverse) < 0)
        return -1;
    cJSON **ti = malloc(sizeof *ti * len), **tk = malloc(sizeof *tk * len);
    if (!ti || !tk) {
        free(ti);
        free(tk);
        return biz_tpl_fail(cx, n->start, "out of memory");
    }
    int i = 0, j = h, k = 0;
    while (i < h && j < len) {
        int c;
        if (cmp_values(cx, n, keys[j], keys[i], &c) < 0) {
            free(ti);
            free(tk);
            return -1;
        }
        if (reverse ? c > 0 : c < 0)
            ti[k] = it[j], tk[k++] = keys[j++];
        else
            ti[k] = it[i], tk[k++] = keys[i++];
    }
    while (i < h)
        ti[k] = it[i], tk[k++] = keys[i++];
    while (j < len)
        ti[k] = it[j], tk[k++] = keys[j++];
    memcpy(it, ti, sizeof *ti * len);
    memcpy(keys, tk, sizeof *tk * len);
    free(ti);
    free(tk);
    return 0;
}

/* Python int(s, base) on a string; 0 on success. */
static int parse_int(const char *s, int base, double *out)
{
    while (biz_ascii_isspace((unsigned char)*s))
        s++;
    int neg = 0;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    if (s[0] == '0' && s[1] && strchr("xXoObB", s[1])) {
        int b = strchr("xX", s[1]) ? 16 : strchr("oO", s[1]) ? 8 : 2;
        if (base != b && base != 0)
            return -1;
        base = b;
        s += 2;
        if (*s == '_')
            s++;
    } else if (base == 0) {
        base = 10;
    }
    double v = 0;
    int digits = 0;
    for (; *s && !biz_ascii_isspace((unsigned char)*s); s++) {
        if (*s == '_' && digits && s[1] && s[1] != '_')
            continue;
        int d = isdigit((unsigned char)*s) ? *s - '0' : isalpha((unsigned char)*s) ? tolower((unsigned char)*s) - 'a' + 10 : 99;
        if (d >= base)
            return -1;
        v = v * base + d;
        digits++;
    }
    while (biz_ascii_isspace((unsigned char)*s))
        s++;
    if (*s || !digits)
        return -1;
    *out = neg ? -v : v;
    return 0;
}

/* Python float(s) on a string; 0 on success. */
static int parse_float(const char *s, double *out)
{
    char buf[128];
    size_t k = 0;
    while (biz_ascii_isspace((unsigned char)*s))
        s++;
    for (; *s && k < sizeof buf - 1; s++) {
        if (*s == '_')
            continue;
        if (*s == 'x' || *s == 'X' || *s == 'p' || *s == 'P')
            return -1; /* strtod reads hex floats, Python does not */
        buf[k++] = *s;
    }
    while (k && biz_ascii_isspace((unsigned char)buf[k - 1]))
        k--;
    buf[k] = '\0';
    if (!k)
        return -1;
    char *end;
    *out = strtod(buf, &end);
    return *end ? -1 : 0;
}

static void url_quote(biz_buf *b, const char *s, int for_qs)
{
    char tmp[4];
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~' || (!for_qs && c == '/')) {
            biz_buf_addc(b, (char)c);
        } else if (for_qs && c == ' ') {
            biz_buf_addc(b, '+');
        } else {
            snprintf(tmp, sizeof tmp, "%%%02X", c);
            biz_buf_adds(b, tmp);
        }
    }
}

/* ------------------------------------------------------------ filters */

static int filter_core(biz_tpl_ctx *cx, const biz_tpl_node *n, const char *name, const cJSON *v,
                       int undef, cJSON **args, char **names, int nargs, cJSON **out);

static int filter_map(biz_tpl_ctx *cx, const biz_tpl_node *n, const cJSON *v, cJSON **args, char **names,
                      int nargs, cJSON **out)
{
    const cJSON *attribute = NULL, *dflt = NULL;
    int fpos = -1;
    for (int i = 0; i < nargs; i++) {
        if (names[i] && !strcmp(names[i], "attribute"))
            attribute = args[i];
        else if (names[i] && !strcmp(names[i], "default"))
            dflt = args[i];
        else if (!names[i] && fpos < 0)
            fpos = i;
    }
    if (!attribute && (fpos < 0 || !cJSON_IsString(args[fpos]) || !biz_tpl_filter_known(args[fpos]->valuestring)))
        return biz_tpl_fail(cx, n->start, "map() needs attribute= or the name of a known filter");
    cJSON *items = items_of(cx, n, v);
    if (!items)
        return -1;
    cJSON *res = cJSON_CreateArray();
    for (cJSON *it = items->child; res && it; it = it->next) {
        cJSON *r = NULL;
        if (biz_tpl_charge(cx, n->start, 1) < 0) {
            cJSON_Delete(res);
            cJSON_Delete(items);
            return -1;
        }
        if (attribute) {
            const cJSON *a = attr_of(it, attribute);
            if (!a && !dflt) {
                char *k = to_s(attribute);
                biz_tpl_fail(cx, n->start, "an item has no attribute '%s'", k ? k : "?");
                free(k);
                cJSON_Delete(res);
                cJSON_Delete(items);
                return -1;
            }
            if (!(r = cJSON_Duplicate(a ? a : dflt, 1))) {
                cJSON_Delete(res);
                cJSON_Delete(items);
                return biz_tpl_fail(cx, n->start, "out of memory");
            }
        } else {
            /* the rest of the arguments go to the named filter */
            int rest = nargs - fpos - 1;
            if (filter_core(cx, n, args[fpos]->valuestring, it, 0, args + fpos + 1, names + fpos + 1, rest, &r) < 0) {
                cJSON_Delete(res);
                cJSON_Delete(items);
                return -1;
            }
        }
        cJSON_AddItemToArray(res, r);
    }
    cJSON_Delete(items);
    *out = res;
    return res ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
}

static int filter_minmax(biz_tpl_ctx *cx, const biz_tpl_node *n, const cJSON *v, const cJSON **p, int max, cJSON **out)
{
    cJSON *items = items_of(cx, n, v);
    if (!items)
        return -1;
    int cs = biz_tpl_truthy(p[0]);
    const cJSON *best = NULL;
    cJSON *bestkey = NULL;
    for (const cJSON *it = items->child; it; it = it->next) {
        const cJSON *a = attr_of(it, p[1]);
        cJSON *key = fold(a ? a : it, cs);
        int c = 0;
        if (!key || (bestkey && cmp_values(cx, n, key, bestkey, &c) < 0)) {
            if (!key)
                biz_tpl_fail(cx, n->start, "out of memory");
            cJSON_Delete(key);
            cJSON_Delete(bestkey);
            cJSON_Delete(items);
            return -1;
        }
        if (!bestkey || (max ? c > 0 : c < 0)) {
            cJSON_Delete(bestkey);
            bestkey = key;
            best = it;
        } else {
            cJSON_Delete(key);
        }
    }
    cJSON_Delete(bestkey);
    if (!best) {
        cJSON_Delete(items);
        return biz_tpl_fail(cx, n->start, "No aggregated item, sequence was empty.");
    }
    *out = cJSON_Duplicate(best, 1);
    cJSON_Delete(items);
    return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
}

static int filter_sort(biz_tpl_ctx *cx, const biz_tpl_node *n, const cJSON *v, const cJSON **p, int unique, cJSON **out)
{
    cJSON *items = items_of(cx, n, v);
    if (!items)
        return -1;
    int len = cJSON_GetArraySize(items), k = 0, r = 0;
    int cs = biz_tpl_truthy(unique ? p[0] : p[1]);
    const cJSON *attribute = unique ? p[1] : p[2];
    cJSON **it = calloc(len ? len : 1, sizeof *it), **keys = calloc(len ? len : 1, sizeof *keys);
    if (!it || !keys)
        r = biz_tpl_fail(cx, n->start, "out of memory");
    for (cJSON *c = items->child; r == 0 && c; c = c->next, k++) {
        const cJSON *a = attr_of(c, attribute);
        it[k] = c;
        if (!(keys[k] = fold(a ? a : c, cs)))
            r = biz_tpl_fail(cx, n->start, "out of memory");
    }
    cJSON *res = r == 0 ? cJSON_CreateArray() : NULL;
    if (res && !unique) {
        if (merge_sort(cx, n, it, keys, len, biz_tpl_truthy(p[0])) < 0)
            r = -1;
        for (int i = 0; r == 0 && i < len; i++)
            if (!add_item(&res, cJSON_Duplicate(it[i], 1)))
                r = biz_tpl_fail(cx, n->start, "out of memory");
    } else if (res) {
        /* each item is compared with the ones kept so far (an item equal
         * to a dropped one equals a kept one): quadratic in the distinct
         * items, so charged a step a comparison */
        int *kept = calloc(len ? len : 1, sizeof *kept), nkept = 0;
        if (!kept)
            r = biz_tpl_fail(cx, n->start, "out of memory");
        for (int i = 0; r == 0 && i < len; i++) {
            int seen = 0;
            if (biz_tpl_charge(cx, n->start, nkept) < 0) {
                r = -1;
                break;
            }
            for (int j = 0; j < nkept && !seen; j++)
                seen = biz_tpl_equal(keys[i], keys[kept[j]]);
            if (!seen) {
                kept[nkept++] = i;
                if (!add_item(&res, cJSON_Duplicate(it[i], 1)))
                    r = biz_tpl_fail(cx, n->start, "out of memory");
            }
        }
        free(kept);
    }
    for (int i = 0; keys && i < len; i++)
        cJSON_Delete(keys[i]);
    free(keys);
    free(it);
    cJSON_Delete(items);
    if (r < 0) {
        cJSON_Delete(res);
        return -1;
    }
    *out = res;
    return res ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
}

static int filter_round(biz_tpl_ctx *cx, const biz_tpl_node *n, const cJSON *v, const cJSON **p, cJSON **out)
{
    double x, prec = 0;
    if (cJSON_IsBool(v))
        x = cJSON_IsTrue(v);
    else if (cJSON_IsNumber(v))
        x = v->valuedouble;
    else
        return biz_tpl_fail(cx, n->start, "type %s doesn't define __round__ method", biz_tpl_type_name(v));
    if (p[0] && !cJSON_IsNull(p[0])) {
        if (!is_int(p[0]) || fabs(p[0]->valuedouble) > 300)
            return biz_tpl_fail(cx, n->start, "round(): precision must be an integer");
        prec = p[0]->valuedouble;
    }
    const char *method = p[1] && cJSON_IsString(p[1]) ? p[1]->valuestring : "common";
    if (!strcmp(method, "common")) {
        if (!cJSON_IsNumber(v) || biz_tpl_num_is_int(v)) { /* round(int, n) stays an int */
            double m = pow(10, -prec);
            *out = biz_tpl_new_int(prec >= 0 ? x : nearbyint(x / m) * m);
            return 0;
        }
        char buf[400];
        if (prec >= 0) { /* correctly rounded, ties to even, as Python's round */
            snprintf(buf, sizeof buf, "%.*f", (int)prec, x);
            *out = biz_tpl_new_float(strtod(buf, NULL));
        } else {
            double m = pow(10, -prec);
            *out = biz_tpl_new_float(nearbyint(x / m) * m);
        }
        return 0;
    }
    if (strcmp(method, "ceil") && strcmp(method, "floor"))
        return biz_tpl_fail(cx, n->start, "method must be common, ceil or floor");
    double m = pow(10, prec);
    *out = biz_tpl_new_float((method[0] == 'c' ? ceil(x * m) : floor(x * m)) / m);
    return 0;
}

static int filter_title(const char *s, biz_buf *b)
{
    /* Jinja's title: words start after '-', whitespace, or an opening bracket */
    int start = 1;
    for (; *s; s++) {
        char c = *s;
        if (c == '-' || biz_ascii_isspace((unsigned char)c) || strchr("([{<", c)) {
            biz_buf_addc(b, c);
            start = 1;
            continue;
        }
        biz_buf_addc(b, (char)(start ? toupper((unsigned char)c) : tolower((unsigned char)c)));
        start = 0;
    }
    return 0;
}

static int filter_core(biz_tpl_ctx *cx, const biz_tpl_node *n, const char *name, const cJSON *v,
                       int undef, cJSON **args, char **names, int nargs, cJSON **out)
{
    const biz_tpl_fdef *f = biz_tpl_find_filter(name);
    const cJSON *p[4];
    char what[64];
    *out = NULL;
    if (!f)
        return biz_tpl_fail(cx, n->start, "unknown filter '%s'", name);
    snprintf(what, sizeof what, "filter '%s'", name);
    if (!strcmp(name, "format"))
        return biz_tpl_format_filter(cx, n, v, args, names, nargs, out);
    if (strcmp(name, "map") && bind_params(cx, n, what, f->params, args, names, nargs, p) < 0)
        return -1;
    biz_buf b = {0};
    char *s = NULL;
    int r = 0;

    if ((r = biz_tpl_dt_filter(cx, n->start, name, v, out)) != 1)
        return r;
    r = 0;
    if (!strcmp(name, "default") || !strcmp(name, "d")) {
        if (undef || (biz_tpl_truthy(p[1]) && !biz_tpl_truthy(v)))
            *out = p[0] ? cJSON_Duplicate(p[0], 1) : cJSON_CreateString("");
        else
            *out = cJSON_Duplicate(v, 1);
    } else if (!strcmp(name, "map")) {
        return filter_map(cx, n, v, args, names, nargs, out);
    } else if (!strcmp(name, "tojson")) {
        int indent = -1;
        if (p[0] && !cJSON_IsNull(p[0])) {
            if (!cJSON_IsNumber(p[0]) || !biz_tpl_num_is_int(p[0]) || p[0]->valuedouble < 0
                || p[0]->valuedouble > 64)
                return biz_tpl_fail(cx, n->start, "tojson(indent): indent must be an integer from 0 to 64");
            indent = (int)p[0]->valuedouble;
        }
        biz_tpl_tojson_to(&b, v, indent);
        *out = take_str(&b);
    } else if (!strcmp(name, "string") || !strcmp(name, "safe")) {
        *out = (s = to_s(v)) ? cJSON_CreateString(s) : NULL;
    } else if (!strcmp(name, "upper") || !strcmp(name, "lower")) {
        if ((s = to_s(v)))
            biz_ascii_case(s, name[0] == 'u');
        *out = new_str(s);
    } else if (!strcmp(name, "capitalize")) {
        if ((s = to_s(v))) {
            biz_ascii_case(s, 0);
            s[0] = (char)toupper((unsigned char)s[0]);
        }
        *out = new_str(s);
    } else if (!strcmp(name, "title")) {
        if ((s = to_s(v)))
            filter_title(s, &b);
        *out = take_str(&b);
    } else if (!strcmp(name, "trim")) {
        char *t = to_s(v);
        const char *chars = p[0] && cJSON_IsString(p[0]) ? p[0]->valuestring : NULL;
        s = t ? strip(t, chars, 1, 1) : NULL;
        free(t);
        *out = new_str(s);
    } else if (!strcmp(name, "replace")) {
        char *t = to_s(v), *o = p[0] ? to_s(p[0]) : NULL, *w = p[1] ? to_s(p[1]) : NULL;
        if (!p[0] || !p[1])
            r = biz_tpl_fail(cx, n->start, "filter 'replace' needs the old and the new string");
        else if (t && o && w && biz_tpl_check_str(cx, n->start, replace_size(t, o, w, is_int(p[2]) ? p[2]->valuedouble : -1)) < 0)
            r = -1;
        else if (t && o && w)
            *out = new_str(s = replace(t, o, w, is_int(p[2]) ? p[2]->valuedouble : -1));
        free(t);
        free(o);
        free(w);
    } else if (!strcmp(name, "length") || !strcmp(name, "count")) {
        if (cJSON_IsString(v))
            *out = biz_tpl_new_int(utf8_len(v->valuestring));
        else if (cJSON_IsArray(v) || cJSON_IsObject(v))
            *out = biz_tpl_new_int(cJSON_GetArraySize(v));
        else
            return biz_tpl_fail(cx, n->start, "object of type '%s' has no len()", biz_tpl_type_name(v));
    } else if (!strcmp(name, "first") || !strcmp(name, "last") || !strcmp(name, "list")
               || !strcmp(name, "reverse")) {
        cJSON *items = items_of(cx, n, v);
        if (!items)
            return -1;
        int len = cJSON_GetArraySize(items);
        if (name[0] == 'l' && name[1] == 'i') {
            *out = items;
            return 0;
        }
        if (name[0] == 'r') {
            /* each item moved from the front of items to the front of the
             * result: linear (indexing from the end walked the list each time) */
            cJSON *rev = cJSON_CreateArray();
            while (rev && items->child)
                cJSON_InsertItemInArray(rev, 0, cJSON_DetachItemFromArray(items, 0));
            if (rev && cJSON_IsString(v)) {
                for (const cJSON *c = rev->child; c; c = c->next)
                    biz_buf_adds(&b, c->valuestring);
                *out = take_str(&b);
                cJSON_Delete(rev);
            } else {
                *out = rev;
            }
            cJSON_Delete(items);
        } else if (!len) {
            cJSON_Delete(items);
            return biz_tpl_fail(cx, n->start, "No %s item, sequence was empty.", name);
        } else {
            *out = cJSON_DetachItemFromArray(items, name[0] == 'f' ? 0 : len - 1);
            cJSON_Delete(items);
        }
    } else if (!strcmp(name, "items")) {
        if (!cJSON_IsObject(v))
            return biz_tpl_fail(cx, n->start, "filter 'items' needs a dict, not %s", biz_tpl_type_name(v));
        *out = cJSON_CreateArray();
        for (const cJSON *c = v->child; *out && c; c = c->next) {
            cJSON *t = cJSON_CreateArray();
            if (t) {
                t->type |= BIZ_TPL_TUPLE_BIT;
                if (add_item(&t, cJSON_CreateString(c->string ? c->string : "")))
                    add_item(&t, cJSON_Duplicate(c, 1));
            }
            if (!add_item(out, t))
                break;
        }
    } else if (!strcmp(name, "join")) {
        cJSON *items = items_of(cx, n, v);
        if (!items)
            return -1;
        char *sep = p[0] ? to_s(p[0]) : strdup("");
        if (!sep)
            r = biz_tpl_fail(cx, n->start, "out of memory");
        for (const cJSON *c = items->child; sep && c && r == 0; c = c->next) {
            const cJSON *a = attr_of(c, p[1]);
            if (c != items->child)
                biz_buf_adds(&b, sep);
            biz_tpl_str_to(&b, a ? a : c);
            /* the text so far is the size of the result so far: stop there */
            if (b.n > BIZ_TPL_MAX_STR)
                r = biz_tpl_limit(cx, n->start, BIZ_TPL_LIM_STR);
        }
        free(sep);
        cJSON_Delete(items);
        if (r == 0)
            *out = take_str(&b);
    } else if (!strcmp(name, "abs")) {
        if (cJSON_IsBool(v))
            *out = biz_tpl_new_int(cJSON_IsTrue(v));
        else if (cJSON_IsNumber(v))
            *out = biz_tpl_num_is_int(v) ? biz_tpl_new_int(fabs(v->valuedouble)) : biz_tpl_new_float(fabs(v->valuedouble));
        else
            return biz_tpl_fail(cx, n->start, "bad operand type for abs(): '%s'", biz_tpl_type_name(v));
    } else if (!strcmp(name, "int")) {
        double d;
        /* the base is checked as a double: (int) of 1e20 is undefined */
        double bd = is_int(p[1]) ? p[1]->valuedouble : 10;
        if (bd < 0 || bd == 1 || bd > 36)
            return biz_tpl_fail(cx, n->start, "int() base must be >= 2 and <= 36, or 0");
        int base = (int)bd;
        if (cJSON_IsBool(v))
            *out = biz_tpl_new_int(cJSON_IsTrue(v));
        else if (cJSON_IsNumber(v) && isfinite(v->valuedouble))
            *out = biz_tpl_new_int(trunc(v->valuedouble));
        else if (cJSON_IsString(v) && parse_int(v->valuestring, base, &d) == 0)
            *out = biz_tpl_new_int(d);
        else if (cJSON_IsString(v) && parse_float(v->valuestring, &d) == 0 && isfinite(d))
            *out = biz_tpl_new_int(trunc(d));
        else
            *out = p[0] ? cJSON_Duplicate(p[0], 1) : biz_tpl_new_int(0);
    } else if (!strcmp(name, "float")) {
        double d;
        if (cJSON_IsBool(v))
            *out = biz_tpl_new_float(cJSON_IsTrue(v));
        else if (cJSON_IsNumber(v))
            *out = biz_tpl_new_float(v->valuedouble);
        else if (cJSON_IsString(v) && parse_float(v->valuestring, &d) == 0)
            *out = biz_tpl_new_float(d);
        else
            *out = p[0] ? cJSON_Duplicate(p[0], 1) : biz_tpl_new_float(0);
    } else if (!strcmp(name, "round")) {
        return filter_round(cx, n, v, p, out);
    } else if (!strcmp(name, "min") || !strcmp(name, "max")) {
        return filter_minmax(cx, n, v, p, name[1] == 'a', out);
    } else if (!strcmp(name, "sort")) {
        return filter_sort(cx, n, v, p, 0, out);
    } else if (!strcmp(name, "unique")) {
        return filter_sort(cx, n, v, p, 1, out);
    } else if (!strcmp(name, "sum")) {
        cJSON *items = items_of(cx, n, v);
        if (!items)
            return -1;
        double total = 0;
        int ints = 1;
        if (p[1]) {
            if (!cJSON_IsNumber(p[1]) && !cJSON_IsBool(p[1])) {
                cJSON_Delete(items);
                return biz_tpl_fail(cx, n->start, "sum(): start must be a number");
            }
            total = cJSON_IsBool(p[1]) ? cJSON_IsTrue(p[1]) : p[1]->valuedouble;
            ints = !cJSON_IsNumber(p[1]) || biz_tpl_num_is_int(p[1]);
        }
        for (const cJSON *c = items->child; c; c = c->next) {
            const cJSON *a = attr_of(c, p[0]);
            if (!a || (!cJSON_IsNumber(a) && !cJSON_IsBool(a))) {
                cJSON_Delete(items);
                return biz_tpl_fail(cx, n->start, "unsupported operand type(s) for +: 'int' and '%s'",
                                    biz_tpl_type_name(a));
            }
            total += cJSON_IsBool(a) ? cJSON_IsTrue(a) : a->valuedouble;
            if (cJSON_IsNumber(a) && !biz_tpl_num_is_int(a))
                ints = 0;
        }
        cJSON_Delete(items);
        *out = ints ? biz_tpl_new_int(total) : biz_tpl_new_float(total);
    } else if (!strcmp(name, "urlencode")) {
        if (cJSON_IsObject(v)) {
            for (const cJSON *c = v->child; c; c = c->next) {
                char *val = to_s(c);
                if (!val) {
                    r = biz_tpl_fail(cx, n->start, "out of memory");
                    break;
                }
                if (c != v->child)
                    biz_buf_addc(&b, '&');
                url_quote(&b, c->string ? c->string : "", 1);
                biz_buf_addc(&b, '=');
                url_quote(&b, val, 1);
                free(val);
            }
        } else {
            char *t = to_s(v);
            if (t)
                url_quote(&b, t, 0);
            else
                r = biz_tpl_fail(cx, n->start, "out of memory");
            free(t);
        }
        *out = take_str(&b);
    } else {
        return biz_tpl_fail(cx, n->start, "filter '%s' is not implemented", name);
    }
    free(s);
    free(biz_buf_take(&b));
    if (r < 0) {
        cJSON_Delete(*out);
        *out = NULL;
        return -1;
    }
    return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
}

int biz_tpl_apply_filter(biz_tpl_ctx *cx, const biz_tpl_node *n, biz_tpl_val *v, biz_tpl_val *out)
{
    cJSON **args = NULL, *res = NULL;
    memset(out, 0, sizeof *out);
    if (biz_tpl_eval_args(cx, n, &args) < 0) {
        biz_tpl_free_args(args, n->nkids);
        return -1;
    }
    int r = filter_core(cx, n, n->s, v->j, v->kind == BIZ_TPL_V_UNDEF, args, n->names, n->nkids, &res);
    biz_tpl_free_args(args, n->nkids);
    if (r < 0)
        return -1;
    out->kind = BIZ_TPL_V_JSON;
    out->j = res;
    return 0;
}

/* ------------------------------------------------------------ tests */

int biz_tpl_apply_test(biz_tpl_ctx *cx, const biz_tpl_node *n, biz_tpl_val *v, int *res)
{
    const char *t = n->s;
    const cJSON *j = v->j;
    cJSON **args = NULL;
    int r = 0;
    *res = 0;
    if (!strcmp(t, "defined") || !strcmp(t, "undefined")) {
        *res = (v->kind == BIZ_TPL_V_UNDEF) == (t[0] == 'u');
        return 0;
    }
    if (biz_tpl_eval_args(cx, n, &args) < 0) {
        biz_tpl_free_args(args, n->nkids);
        return -1;
    }
    const cJSON *a = n->nkids ? args[0] : NULL;
    int need_arg = !strcmp(t, "divisibleby") || !strcmp(t, "eq") || !strcmp(t, "equalto") || !strcmp(t, "ne")
                || !strcmp(t, "lt") || !strcmp(t, "le") || !strcmp(t, "gt") || !strcmp(t, "ge") || !strcmp(t, "in");
    if (need_arg != (n->nkids == 1)) {
        r = biz_tpl_fail(cx, n->start, "test '%s' takes %s", t, need_arg ? "one argument" : "no arguments");
    } else if (!strcmp(t, "none")) {
        *res = cJSON_IsNull(j);
    } else if (!strcmp(t, "true")) {
        *res = cJSON_IsTrue(j);
    } else if (!strcmp(t, "false")) {
        *res = cJSON_IsFalse(j);
    } else if (!strcmp(t, "boolean")) {
        *res = cJSON_IsBool(j);
    } else if (!strcmp(t, "string")) {
        *res = cJSON_IsString(j);
    } else if (!strcmp(t, "number")) {
        *res = cJSON_IsNumber(j) || cJSON_IsBool(j);
    } else if (!strcmp(t, "integer")) {
        *res = is_int(j);
    } else if (!strcmp(t, "float")) {
        *res = cJSON_IsNumber(j) && !biz_tpl_num_is_int(j);
    } else if (!strcmp(t, "mapping")) {
        *res = cJSON_IsObject(j);
    } else if (!strcmp(t, "iterable") || !strcmp(t, "sequence")) {
        *res = cJSON_IsArray(j) || cJSON_IsObject(j) || cJSON_IsString(j);
    } else if (!strcmp(t, "lower") || !strcmp(t, "upper")) {
        char *s = to_s(j), *c = s ? strdup(s) : NULL;
        if (c)
            biz_ascii_case(c, t[0] == 'u');
        else
            r = biz_tpl_fail(cx, n->start, "out of memory");
        *res = s && c && !strcmp(s, c);
        free(s);
        free(c);
    } else if (!strcmp(t, "even") || !strcmp(t, "odd") || !strcmp(t, "divisibleby")) {
        double d = 2;
        if (!cJSON_IsNumber(j) || (a && !cJSON_IsNumber(a)))
            r = biz_tpl_fail(cx, n->start, "test '%s' needs numbers", t);
        else if (a && (d = a->valuedouble) == 0)
            r = biz_tpl_fail(cx, n->start, "integer division or modulo by zero");
        else {
            double m = fmod(j->valuedouble, d);
            *res = t[0] == 'o' ? m != 0 : m == 0;
        }
    } else if (!strcmp(t, "in")) {
        if (cJSON_IsString(a))
            *res = cJSON_IsString(j) && strstr(a->valuestring, j->valuestring);
        else if (cJSON_IsArray(a))
            for (const cJSON *c = a->child; c && !*res; c = c->next)
                *res = biz_tpl_equal(j, c);
        else if (cJSON_IsObject(a))
            *res = cJSON_IsString(j) && cJSON_GetObjectItemCaseSensitive(a, j->valuestring);
        else
            r = biz_tpl_fail(cx, n->start, "argument of type '%s' is not iterable", biz_tpl_type_name(a));
    } else if (!strcmp(t, "eq") || !strcmp(t, "equalto")) {
        *res = biz_tpl_equal(j, a);
    } else if (!strcmp(t, "ne")) {
        *res = !biz_tpl_equal(j, a);
    } else {
        int o;
        if (biz_tpl_order(j, a, &o) < 0)
            r = biz_tpl_fail(cx, n->start, "test '%s' cannot order '%s' and '%s'", t, biz_tpl_type_name(j),
                             biz_tpl_type_name(a));
        else
            *res = !strcmp(t, "lt") ? o < 0 : !strcmp(t, "le") ? o <= 0 : !strcmp(t, "gt") ? o > 0 : o >= 0;
    }
    biz_tpl_free_args(args, n->nkids);
    return r;
}

/* ------------------------------------------------------------ macros */

/* Fills tm's weekday and day of year from its date. */
static void fix_tm(struct tm *tm)
{
    int64_t y = tm->tm_year + 1900L;
    tm->tm_wday = biz_isotime_weekday(y, tm->tm_mon + 1, tm->tm_mday);
    tm->tm_yday = biz_isotime_yday(y, tm->tm_mon + 1, tm->tm_mday);
}

int biz_tpl_call_macro(biz_tpl_ctx *cx, const biz_tpl_node *n, const char *name,
                       cJSON **args, int nargs, cJSON **out)
{
    *out = NULL;
    if (!strcmp(name, "ds_add")) {
        long y;
        int m, d, used = 0;
        if (nargs != 2 || !cJSON_IsString(args[0]) || !(cJSON_IsNumber(args[1]) || cJSON_IsBool(args[1])))
            return biz_tpl_fail(cx, n->start, "macros.ds_add(ds, days) takes a 'YYYY-MM-DD' string and a number of days");
        const char *ds = args[0]->valuestring;
        if (sscanf(ds, "%4ld-%2d-%2d%n", &y, &m, &d, &used) != 3 || used != 10 || strlen(ds) != 10 || m < 1
            || m > 12 || d < 1 || d > biz_isotime_days_in_month((int)y, m))
            return biz_tpl_fail(cx, n->kids[0]->start, "time data '%s' does not match format '%%Y-%%m-%%d'", ds);
        double days = cJSON_IsBool(args[1]) ? cJSON_IsTrue(args[1]) : args[1]->valuedouble;
        if (!isfinite(days) || fabs(days) > 3e6)
            return biz_tpl_fail(cx, n->kids[1]->start, "macros.ds_add(): days out of range");
        int64_t z = biz_isotime_days_from_civil(y, m, d) + (int64_t)floor(days);
        int64_t year;
        biz_isotime_civil_from_days(z, &year, &m, &d);
        y = (long)year;
        if (y < 1 || y > 9999)
            return biz_tpl_fail(cx, n->start, "date value out of range");
        char buf[32];
        snprintf(buf, sizeof buf, "%04ld-%02d-%02d", y, m, d);
        *out = cJSON_CreateString(buf);
        return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
    }
    if (!strcmp(name, "ds_format")) {
        if (nargs != 3 || !cJSON_IsString(args[0]) || !cJSON_IsString(args[1]) || !cJSON_IsString(args[2]))
            return biz_tpl_fail(cx, n->start, "macros.ds_format(ds, input_format, output_format) takes three strings");
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        tm.tm_mday = 1;
        tm.tm_year = 1900 - 1900;
        const char *end = strptime(args[0]->valuestring, args[1]->valuestring, &tm);
        if (!end || *end)
            return biz_tpl_fail(cx, n->kids[0]->start, "time data '%s' does not match format '%s'",
                                args[0]->valuestring, args[1]->valuestring);
        if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1
            || tm.tm_mday > biz_isotime_days_in_month(tm.tm_year + 1900, tm.tm_mon + 1))
            return biz_tpl_fail(cx, n->kids[0]->start, "day is out of range for month");
        fix_tm(&tm);
        char buf[512];
        size_t k = strlen(args[2]->valuestring) ? strftime(buf, sizeof buf, args[2]->valuestring, &tm) : 0;
        buf[k < sizeof buf ? k : 0] = '\0';
        *out = cJSON_CreateString(buf);
        return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
    }
    return biz_tpl_fail(cx, n->a->op, "macros.%s() is not supported (only ds_add and ds_format)", name);
}

/* ------------------------------------------------------------ methods */

/* str.split(sep=None, maxsplit=-1); *too_many set (and NULL) when the
 * result would have more items than a list may hold. */
static cJSON *str_split(const char *s, const char *sep, double maxsplit, int *too_many)
{
    double done = 0;
    *too_many = 0;
    if (sep && *sep) { /* count first: no million-node list to throw away */
        double k = 1;
        const char *end = s + strlen(s);
        size_t sl = strlen(sep);
        for (const char *m = find_in(s, end, sep, sl); m && (maxsplit < 0 || k <= maxsplit); m = find_in(m + sl, end, sep, sl))
            k++;
        if (k > BIZ_TPL_MAX_ITEMS) {
            *too_many = 1;
            return NULL;
        }
    }
    cJSON *a = cJSON_CreateArray();
    if (!a)
        return NULL;
    if (!sep) {
        const char *p = s;
        for (;;) {
            while (*p && biz_ascii_isspace((unsigned char)*p))
                p++;
            if (!*p)
                break;
            const char *q = p;
            if (maxsplit >= 0 && done >= maxsplit) {
                q = p + strlen(p);
                while (q > p && biz_ascii_isspace((unsigned char)q[-1]))
                    q--;
            } else {
                while (*q && !biz_ascii_isspace((unsigned char)*q))
                    q++;
            }
            char *w = strndup(p, q - p);
            cJSON *item = new_str(w);
            free(w);
            if (!add_item(&a, item))
                return NULL;
            if (++done > BIZ_TPL_MAX_ITEMS) {
                cJSON_Delete(a);
                *too_many = 1;
                return NULL;
            }
            p = q;
            if (maxsplit >= 0 && done > maxsplit)
                break;
        }
        return a;
    }
    size_t sl = strlen(sep);
    const char *p = s, *m, *end = s + strlen(s);
    while ((maxsplit < 0 || done < maxsplit) && (m = find_in(p, end, sep, sl))) {
        char *w = strndup(p, m - p);
        cJSON *item = new_str(w);
        free(w);
        if (!add_item(&a, item))
            return NULL;
        p = m + sl;
        done++;
    }
    add_item(&a, cJSON_CreateString(p));
    return a;
}

static void py_title(const char *s, biz_buf *b)
{
    int prev_cased = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalpha(c)) {
            biz_buf_addc(b, (char)(prev_cased ? tolower(c) : toupper(c)));
            prev_cased = 1;
        } else {
            biz_buf_addc(b, (char)c);
            prev_cased = 0;
        }
    }
}

static int str_method(biz_tpl_ctx *cx, const biz_tpl_node *n, const char *s, const char *name,
                      cJSON **args, char **names, int nargs, cJSON **out)
{
    biz_buf b = {0};
    char *t = NULL;
    for (int i = 0; i < nargs; i++)
        if (names[i] && strcmp(name, "format") && strcmp(name, "split"))
            return biz_tpl_fail(cx, n->start, "str.%s() takes no keyword arguments", name);
    const cJSON *a0 = nargs > 0 && !names[0] ? args[0] : NULL, *a1 = nargs > 1 && !names[1] ? args[1] : NULL;
    if (!strcmp(name, "format"))
        return biz_tpl_str_format(cx, n, s, args, names, nargs, out);
    if (!strcmp(name, "upper") || !strcmp(name, "lower")) {
        if ((t = strdup(s)))
            biz_ascii_case(t, name[0] == 'u');
    } else if (!strcmp(name, "title")) {
        py_title(s, &b);
        t = biz_buf_take(&b);
    } else if (!strcmp(name, "capitalize")) {
        if ((t = strdup(s))) {
            biz_ascii_case(t, 0);
            t[0] = (char)toupper((unsigned char)t[0]);
        }
    } else if (!strcmp(name, "strip") || !strcmp(name, "lstrip") || !strcmp(name, "rstrip")) {
        if (a0 && !cJSON_IsString(a0) && !cJSON_IsNull(a0))
            return biz_tpl_fail(cx, n->start, "str.%s() arg must be None or str", name);
        t = strip(s, cJSON_IsString(a0) ? a0->valuestring : NULL, name[0] != 'r', name[0] != 'l');
    } else if (!strcmp(name, "split")) {
        const cJSON *sep = NULL, *max = NULL;
        int pos = 0;
        for (int i = 0; i < nargs; i++) {
            if (!names[i] ? pos++ == 0 : !strcmp(names[i], "sep"))
                sep = args[i];
            else if (!names[i] || !strcmp(names[i], "maxsplit"))
                max = args[i];
            else
                return biz_tpl_fail(cx, n->start, "split() got an unexpected keyword argument '%s'", names[i]);
        }
        if (sep && !cJSON_IsNull(sep) && (!cJSON_IsString(sep) || !sep->valuestring[0]))
            return biz_tpl_fail(cx, n->start, cJSON_IsString(sep) ? "empty separator" : "split(): sep must be a string");
        if (max && !is_int(max))
            return biz_tpl_fail(cx, n->start, "split(): maxsplit must be an integer");
        int too_many;
        *out = str_split(s, sep && cJSON_IsString(sep) ? sep->valuestring : NULL, max ? max->valuedouble : -1,
                         &too_many);
        if (too_many)
            return biz_tpl_limit(cx, n->start, BIZ_TPL_LIM_ITEMS);
        return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
    } else if (!strcmp(name, "startswith") || !strcmp(name, "endswith")) {
        int hit = 0, starts = name[0] == 's';
        size_t sl = strlen(s);
        if (nargs != 1 || !(cJSON_IsString(a0) || cJSON_IsArray(a0)))
            return biz_tpl_fail(cx, n->start, "%s() takes a string or a tuple of strings", name);
        const cJSON *one = cJSON_IsString(a0) ? a0 : a0->child;
        for (; one && !hit; one = cJSON_IsString(a0) ? NULL : one->next) {
            if (!cJSON_IsString(one))
                return biz_tpl_fail(cx, n->start, "%s() takes a string or a tuple of strings", name);
            size_t pl = strlen(one->valuestring);
            hit = pl <= sl && !memcmp(starts ? s : s + sl - pl, one->valuestring, pl);
        }
        *out = cJSON_CreateBool(hit);
        return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
    } else if (!strcmp(name, "replace")) {
        const cJSON *a2 = nargs > 2 ? args[2] : NULL;
        if (nargs < 2 || nargs > 3 || !cJSON_IsString(a0) || !cJSON_IsString(a1) || (a2 && !is_int(a2)))
            return biz_tpl_fail(cx, n->start, "replace() takes an old string, a new string and an optional count");
        double count = a2 ? a2->valuedouble : -1;
        if (biz_tpl_check_str(cx, n->start, replace_size(s, a0->valuestring, a1->valuestring, count)) < 0)
            return -1;
        t = replace(s, a0->valuestring, a1->valuestring, count);
    } else if (!strcmp(name, "find") || !strcmp(name, "count")) {
        if (nargs != 1 || !cJSON_IsString(a0))
            return biz_tpl_fail(cx, n->start, "%s() takes a string", name);
        const char *sub = a0->valuestring;
        double r;
        if (name[0] == 'f') {
            const char *m = strstr(s, sub);
            if (m) {
                char *pre = strndup(s, m - s);
                r = pre ? utf8_len(pre) : -1;
                free(pre);
            } else {
                r = -1;
            }
        } else if (!*sub) {
            r = utf8_len(s) + 1;
        } else {
            r = 0;
            const char *end = s + strlen(s);
            size_t sl = strlen(sub);
            for (const char *m = find_in(s, end, sub, sl); m; m = find_in(m + sl, end, sub, sl))
                r++;
        }
        *out = biz_tpl_new_int(r);
        return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
    } else if (!strcmp(name, "join")) {
        cJSON *items = nargs == 1 ? items_of(cx, n, a0) : NULL;
        if (!items)
            return nargs == 1 ? -1 : biz_tpl_fail(cx, n->start, "join() takes exactly one argument");
        int i = 0;
        for (const cJSON *c = items->child; c; c = c->next, i++) {
            if (!cJSON_IsString(c)) {
                cJSON_Delete(items);
                free(biz_buf_take(&b));
                return biz_tpl_fail(cx, n->start, "sequence item %d: expected str instance, %s found", i,
                                    biz_tpl_type_name(c));
            }
            if (i)
                biz_buf_adds(&b, s);
            biz_buf_adds(&b, c->valuestring);
            if (b.n > BIZ_TPL_MAX_STR) {
                cJSON_Delete(items);
                free(biz_buf_take(&b));
                return biz_tpl_limit(cx, n->start, BIZ_TPL_LIM_STR);
            }
        }
        cJSON_Delete(items);
        t = biz_buf_take(&b);
    } else {
        return biz_tpl_fail(cx, n->a->op, "'str' object has no attribute '%s'", name);
    }
    *out = new_str(t);
    free(t);
    return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
}

int biz_tpl_call_method(biz_tpl_ctx *cx, const biz_tpl_node *n, const cJSON *self,
                        const char *name, cJSON **args, char **names, int nargs, cJSON **out)
{
    *out = NULL;
    if (biz_tpl_is_td(self)) {
        int r = biz_tpl_td_method(cx, n, self, name, nargs, out);
        if (r != 1)
            return r;
        return biz_tpl_fail(cx, n->a->op, "'%s' object has no attribute '%s'",
                            biz_tpl_is_interval(self) ? "Interval" : "timedelta", name);
    }
    if (biz_tpl_is_dt(self)) {
        int r = biz_tpl_dt_method(cx, n, self, name, args, names, nargs, out);
        if (r != 1)
            return r;
        return biz_tpl_fail(cx, n->a->op, "'DateTime' object has no attribute '%s' (bizc knows "
                            "strftime, isoformat, add, subtract, in_timezone, timestamp, weekday, "
                            "isoweekday, date, to_date_string, to_datetime_string)", name);
    }
    if (cJSON_IsString(self))
        return str_method(cx, n, self->valuestring, name, args, names, nargs, out);
    if (cJSON_IsObject(self)) {
        for (int i = 0; i < nargs; i++)
            if (names[i])
                return biz_tpl_fail(cx, n->start, "dict.%s() takes no keyword arguments", name);
        if (!strcmp(name, "get")) {
            if (nargs < 1 || nargs > 2)
                return biz_tpl_fail(cx, n->start, "get expected 1 or 2 arguments, got %d", nargs);
            const cJSON *it = cJSON_IsString(args[0]) ? cJSON_GetObjectItemCaseSensitive(self, args[0]->valuestring) : NULL;
            *out = it ? cJSON_Duplicate(it, 1) : nargs == 2 ? cJSON_Duplicate(args[1], 1) : cJSON_CreateNull();
        } else if (!strcmp(name, "keys") || !strcmp(name, "values") || !strcmp(name, "items")) {
            if (nargs)
                return biz_tpl_fail(cx, n->start, "%s() takes no arguments", name);
            *out = cJSON_CreateArray();
            for (const cJSON *c = self->child; *out && c; c = c->next) {
                cJSON *e;
                if (name[0] == 'k') {
                    e = cJSON_CreateString(c->string ? c->string : "");
                } else if (name[0] == 'v') {
                    e = cJSON_Duplicate(c, 1);
                } else if ((e = cJSON_CreateArray())) {
                    e->type |= BIZ_TPL_TUPLE_BIT;
                    if (add_item(&e, cJSON_CreateString(c->string ? c->string : "")))
                        add_item(&e, cJSON_Duplicate(c, 1));
                }
                add_item(out, e);
            }
        } else {
            return biz_tpl_fail(cx, n->a->op, "'dict' object has no attribute '%s'", name);
        }
        return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
    }
    if (cJSON_IsArray(self) && !strcmp(name, "count")) {
        if (nargs != 1 || names[0])
            return biz_tpl_fail(cx, n->start, "count() takes exactly one argument");
        double k = 0;
        for (const cJSON *c = self->child; c; c = c->next)
            k += biz_tpl_equal(c, args[0]);
        *out = biz_tpl_new_int(k);
        return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
    }
    return biz_tpl_fail(cx, n->a->op, "'%s' object has no attribute '%s'", biz_tpl_type_name(self), name);
}
