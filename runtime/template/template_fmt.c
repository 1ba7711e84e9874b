/* template_fmt.c: Python's formatting in templates, through base/pyformat
 * (the one the compiler's constant evaluator uses too): str.format(),
 * 'text' % values and Jinja's format filter. cJSON values are described
 * as biz_pyfmt_val here, and printed and indexed by the callbacks below.
 *
 * Airflow renders text templates in Jinja's sandbox, whose str.format
 * looks fields up as Jinja does ({0.key} finds a dict's key, and a name
 * that is not there is undefined); native rendering is plain Python. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pyformat.h"
#include "pyrepr.h"
#include "template_int.h"

/* One formatting call: the job, and what the callbacks made. */
typedef struct tpl_fmt {
    biz_pyfmt f;
    biz_tpl_ctx *cx;
    int sandbox;            /* str.format in a text template: Jinja's lookups */
    cJSON *made;            /* values made by the callbacks (an array) */
    biz_pyfmt_val *items;   /* a tuple argument's items (malloc'd) */
} tpl_fmt;

/* Describes j (borrowed; NULL is None). An array is a list or a nested
 * tuple: the caller prints it (only '%''s right operand is taken apart). */
static void val_of(const cJSON *j, biz_pyfmt_val *v)
{
    memset(v, 0, sizeof *v);
    v->ref = j;
    if (!j || cJSON_IsNull(j) || cJSON_IsInvalid(j)) {
        v->kind = BIZ_PYFMT_NONE;
    } else if (cJSON_IsBool(j)) {
        v->kind = BIZ_PYFMT_BOOL;
        v->i = cJSON_IsTrue(j);
    } else if (biz_tpl_is_td(j)) {
        v->kind = BIZ_PYFMT_OTHER;
        v->type = "timedelta";
    } else if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        if (!biz_tpl_num_is_int(j)) {
            v->kind = BIZ_PYFMT_FLOAT;
            v->f = d;
        } else {
            v->kind = BIZ_PYFMT_INT;
            if (fabs(d) < 9.2e18)
                v->i = (int64_t)d;
            else
                v->big = 1, v->f = d;
        }
    } else if (biz_tpl_is_dt(j)) {
        v->kind = BIZ_PYFMT_OTHER;
        v->type = "DateTime";
    } else if (cJSON_IsString(j)) {
        v->kind = BIZ_PYFMT_STR;
        v->s = j->valuestring ? j->valuestring : "";
        v->len = strlen(v->s);
    } else {
        v->kind = BIZ_PYFMT_OTHER;
        v->type = biz_tpl_type_name(j);
        /* Python's '%' takes any mapping, and a list is one (it has []) */
        v->mapping = cJSON_IsObject(j) || (cJSON_IsArray(j) && !(j->type & BIZ_TPL_TUPLE_BIT));
    }
}

/* str() or repr() of a list, dict, date-time ... */
static int fmt_text(biz_pyfmt *f, const biz_pyfmt_val *v, int repr, biz_buf *out)
{
    (void)f;
    if (repr)
        biz_tpl_repr_to(out, v->ref);
    else
        biz_tpl_str_to(out, v->ref);
    return 0;
}

/* Keeps j (a value a callback made) until the call ends; describes it. */
static int keep(tpl_fmt *t, cJSON *j, biz_pyfmt_val *out)
{
    if (!j || (!t->made && !(t->made = cJSON_CreateArray()))) {
        cJSON_Delete(j);
        t->f.why = BIZ_PYFMT_NOMEM;
        return -1;
    }
    cJSON_AddItemToArray(t->made, j);
    val_of(j, out);
    return 0;
}

/* Jinja's "undefined" message for obj's missing attribute or key. */
static int undefined(biz_pyfmt *f, const biz_pyfmt_val *obj, const biz_pyfmt_val *key)
{
    if (key->kind == BIZ_PYFMT_INT)
        return biz_pyfmt_fail(f, "UndefinedError: %s object has no element %lld", obj->type, (long long)key->i);
    return biz_pyfmt_fail(f, "UndefinedError: '%s object' has no attribute '%.*s'", obj->type, (int)key->len, key->s);
}

/* obj[key] of a dict or list (a key a dict misses, or a list index out of
 * range: 1, nothing set). */
static int lookup(const cJSON *obj, const biz_pyfmt_val *key, biz_pyfmt_val *out)
{
    if (cJSON_IsObject(obj) && key->kind == BIZ_PYFMT_STR) {
        for (const cJSON *c = obj->child; c; c = c->next)
            if (c->string && strlen(c->string) == key->len && !memcmp(c->string, key->s, key->len)) {
                val_of(c, out);
                return 0;
            }
    } else if (cJSON_IsArray(obj) && key->kind == BIZ_PYFMT_INT && key->i < cJSON_GetArraySize(obj)) {
        val_of(cJSON_GetArrayItem(obj, (int)key->i), out);
        return 0;
    }
    return 1;
}

/* {0[key]} and '%(key)s'. */
static int fmt_item(biz_pyfmt *f, const biz_pyfmt_val *obj, const biz_pyfmt_val *key, biz_pyfmt_val *out)
{
    tpl_fmt *t = f->user;
    const cJSON *j = obj->ref;
    if (!lookup(j, key, out))
        return 0;
    if (t->sandbox)
        return undefined(f, obj, key);  /* Jinja's getitem: any failure */
    if (cJSON_IsObject(j) && key->kind == BIZ_PYFMT_INT)
        return biz_pyfmt_fail(f, "KeyError: %lld", (long long)key->i);
    if (cJSON_IsObject(j)) {
        biz_buf r = {0};
        biz_pyrepr_str(&r, key->s, key->len);
        biz_pyfmt_fail(f, "KeyError: %s", r.p ? r.p : "?");
        biz_buf_free(&r);
        return -1;
    }
    if (cJSON_IsArray(j) && key->kind == BIZ_PYFMT_INT)
        return biz_pyfmt_fail(f, "IndexError: %s index out of range", obj->type);
    if (cJSON_IsArray(j))
        return biz_pyfmt_fail(f, "TypeError: %s indices must be integers or slices, not str", obj->type);
    return biz_pyfmt_fail(f, "TypeError: '%s' object is not subscriptable", obj->type);
}

/* {0.name}: a date-time's attributes; in the sandbox a dict's key too. */
static int fmt_attr(biz_pyfmt *f, const biz_pyfmt_val *obj, const char *name, biz_pyfmt_val *out)
{
    tpl_fmt *t = f->user;
    const cJSON *j = obj->ref;
    cJSON *made = NULL;
    if (biz_tpl_is_dt(j) && biz_tpl_dt_attr(j, name, &made) == 0)
        return keep(t, made, out);
    biz_pyfmt_val key = { .kind = BIZ_PYFMT_STR, .s = name, .len = strlen(name) };
    if (t->sandbox) {
        if (cJSON_IsObject(j) && !lookup(j, &key, out))
            return 0;
        return undefined(f, obj, &key);
    }
    return biz_pyfmt_fail(f, "AttributeError: '%s' object has no attribute '%s'", obj->type, name);
}

static void fmt_init(tpl_fmt *t, biz_tpl_ctx *cx)
{
    memset(t, 0, sizeof *t);
    t->cx = cx;
    t->f.user = t;
    t->f.text = fmt_text;
    t->f.item = fmt_item;
    t->f.attr = fmt_attr;
    t->f.max_len = BIZ_TPL_MAX_STR;
    t->f.max_width = BIZ_TPL_MAX_STR;   /* more could not be built anyway */
}

/* '%''s right operand: a tuple's items become the arguments. */
static int arg_of(tpl_fmt *t, const cJSON *j, biz_pyfmt_val *v)
{
    val_of(j, v);
    if (!cJSON_IsArray(j) || !(j->type & BIZ_TPL_TUPLE_BIT))
        return 0;
    int n = cJSON_GetArraySize(j), i = 0;
    t->items = malloc(sizeof *t->items * (size_t)(n ? n : 1));
    if (!t->items)
        return -1;
    for (const cJSON *c = j->child; c; c = c->next)
        val_of(c, &t->items[i++]);
    memset(v, 0, sizeof *v);
    v->kind = BIZ_PYFMT_TUPLE;
    v->items = t->items;
    v->n = n;
    return 0;
}

/* Turns the result of a call (rc) into *out or the render's error. */
static int fmt_finish(tpl_fmt *t, const biz_tpl_node *n, int rc, biz_buf *b, cJSON **out)
{
    biz_tpl_ctx *cx = t->cx;
    cJSON_Delete(t->made);
    free(t->items);
    if (rc < 0) {
        biz_buf_free(b);
        switch (t->f.why) {
        case BIZ_PYFMT_TOO_WIDE: case BIZ_PYFMT_TOO_LONG:
            return biz_tpl_limit(cx, n->start, BIZ_TPL_LIM_STR);
        case BIZ_PYFMT_ERROR:
            return biz_tpl_fail(cx, n->start, "%s", t->f.msg);
        default:
            return biz_tpl_fail(cx, n->start, "out of memory");
        }
    }
    if (biz_tpl_check_str(cx, n->start, (double)b->n) < 0) {
        biz_buf_free(b);
        return -1;
    }
    char *s = biz_buf_take(b);
    *out = s ? cJSON_CreateString(s) : NULL;
    free(s);
    return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
}

int biz_tpl_str_format(biz_tpl_ctx *cx, const biz_tpl_node *n, const char *fmt, cJSON **args, char **names,
                       int nargs, cJSON **out)
{
    tpl_fmt t;
    fmt_init(&t, cx);
    t.sandbox = !cx->native;
    biz_pyfmt_val *pos = malloc(sizeof *pos * (size_t)(nargs + 1)), *kw = pos + 0;
    const char **kwnames = malloc(sizeof *kwnames * (size_t)(nargs + 1));
    biz_buf b = {0};
    int rc = -1, np = 0, nk = 0;
    if (pos && kwnames) {
        /* keyword values go after the positional ones, in the same array */
        for (int i = 0; i < nargs; i++)
            if (!names || !names[i])
                val_of(args[i], &pos[np++]);
        kw = pos + np;
        for (int i = 0; i < nargs; i++)
            if (names && names[i]) {
                kwnames[nk] = names[i];
                val_of(args[i], &kw[nk++]);
            }
        rc = biz_pyfmt_str_format(&t.f, fmt, strlen(fmt), pos, np, kwnames, kw, nk, &b);
    } else {
        t.f.why = BIZ_PYFMT_NOMEM;
    }
    free(pos);
    free(kwnames);
    return fmt_finish(&t, n, rc, &b, out);
}

int biz_tpl_percent(biz_tpl_ctx *cx, const biz_tpl_node *n, const char *fmt, const cJSON *arg, cJSON **out)
{
    tpl_fmt t;
    fmt_init(&t, cx);
    biz_pyfmt_val v;
    biz_buf b = {0};
    int rc = -1;
    if (arg_of(&t, arg, &v) == 0)
        rc = biz_pyfmt_percent(&t.f, fmt, strlen(fmt), &v, &b);
    else
        t.f.why = BIZ_PYFMT_NOMEM;
    return fmt_finish(&t, n, rc, &b, out);
}

int biz_tpl_format_filter(biz_tpl_ctx *cx, const biz_tpl_node *n, const cJSON *v, cJSON **args, char **names,
                          int nargs, cJSON **out)
{
    int npos = 0, nkw = 0;
    for (int i = 0; i < nargs; i++) {
        if (names && names[i])
            nkw++;
        else
            npos++;
    }
    if (npos && nkw)
        return biz_tpl_fail(cx, n->start, "FilterArgumentError: can't handle positional and keyword arguments "
                                          "at the same time");
    /* Jinja's do_format: str(value) % (kwargs or args) */
    cJSON *operand = nkw ? cJSON_CreateObject() : cJSON_CreateArray();
    for (int i = 0; operand && i < nargs; i++) {
        cJSON *c = cJSON_Duplicate(args[i], 1);
        if (nkw)
            cJSON_AddItemToObject(operand, names[i], c);
        else
            cJSON_AddItemToArray(operand, c);
    }
    biz_buf text = {0};
    biz_tpl_str_to(&text, v);
    char *fmt = biz_buf_take(&text);
    if (!operand || !fmt) {
        cJSON_Delete(operand);
        free(fmt);
        return biz_tpl_fail(cx, n->start, "out of memory");
    }
    if (!nkw)
        operand->type |= BIZ_TPL_TUPLE_BIT;
    int rc = biz_tpl_percent(cx, n, fmt, operand, out);
    cJSON_Delete(operand);
    free(fmt);
    return rc;
}
