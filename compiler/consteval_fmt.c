/* consteval_fmt.c: Python's formatting over compile-time constants,
 * through base/pyformat (the one the template engine uses too): f-string
 * fields, str.format() and 'text' % values. Constants are described as
 * biz_pyfmt_val here; lists, dicts and the rest are printed and indexed
 * by the callbacks below. A value with no text at compile time (a task,
 * a DAG parameter) is reported where it is formatted, with its hint. */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "pyformat.h"
#include "pyrepr.h"
#include "sema_int.h"

/* One formatting call. */
typedef struct sx_fmtjob {
    biz_pyfmt f;
    biz_sema *S;
    biz_span span;      /* where its errors are reported */
} sx_fmtjob;

/* Python's name of v's type, for Python's messages. */
static const char *py_type(const sx_val *v)
{
    switch (v->kind) {
    case BV_LIST: return "list";
    case BV_TUPLE: return "tuple";
    case BV_DICT: return "dict";
    case BV_DURATION: return "timedelta";
    case BV_DATETIME: return "datetime";
    default: return sx_kind_name(v);
    }
}

/* Describes v (a tuple as an OTHER value: see pyval_args). */
static void pyval(const sx_val *v, biz_pyfmt_val *out)
{
    memset(out, 0, sizeof *out);
    out->ref = v;
    switch (v->kind) {
    case BV_NONE: out->kind = BIZ_PYFMT_NONE; break;
    case BV_BOOL: out->kind = BIZ_PYFMT_BOOL; out->i = v->u.b != 0; break;
    case BV_INT: out->kind = BIZ_PYFMT_INT; out->i = v->u.i; break;
    case BV_FLOAT: out->kind = BIZ_PYFMT_FLOAT; out->f = v->u.f; break;
    case BV_STR: out->kind = BIZ_PYFMT_STR; out->s = v->u.str.s; out->len = v->u.str.len; break;
    default:
        out->kind = BIZ_PYFMT_OTHER;
        out->type = py_type(v);
        out->mapping = v->kind == BV_DICT || v->kind == BV_LIST;   /* what '%' takes as a mapping */
    }
}

/* Describes '%''s right operand: a tuple's items are the arguments. */
static void pyval_args(biz_sema *S, const sx_val *v, biz_pyfmt_val *out)
{
    pyval(v, out);
    if (v->kind != BV_TUPLE)
        return;
    biz_pyfmt_val *items = sx_alloc(S, sizeof *items * (size_t)(v->u.seq.n + 1));
    for (int i = 0; i < v->u.seq.n; i++)
        pyval(v->u.seq.items[i], &items[i]);
    memset(out, 0, sizeof *out);
    out->kind = BIZ_PYFMT_TUPLE;
    out->items = items;
    out->n = v->u.seq.n;
}

/* str() or repr() of a list, dict, datetime ...; a value with no text at
 * compile time is reported here. */
static int fmt_text(biz_pyfmt *f, const biz_pyfmt_val *v, int repr, biz_buf *out)
{
    sx_fmtjob *j = f->user;
    char *t = sx_text_or_report(j->S, v->ref, repr, j->span);
    if (!t) {
        f->why = BIZ_PYFMT_REPORTED;
        return -1;
    }
    biz_buf_adds(out, t);
    return 0;
}

/* {0[key]} of a list, tuple or dict, and '%(key)s'. */
static int fmt_item(biz_pyfmt *f, const biz_pyfmt_val *obj, const biz_pyfmt_val *key, biz_pyfmt_val *out)
{
    sx_fmtjob *j = f->user;
    const sx_val *v = obj->ref;
    if (v->kind == BV_DICT) {
        /* the last of equal keys wins, as in a dict display */
        for (int i = v->u.dict.n - 1; i >= 0; i--) {
            const sx_val *k = v->u.dict.keys[i];
            if ((key->kind == BIZ_PYFMT_STR && k->kind == BV_STR && k->u.str.len == key->len
                 && !memcmp(k->u.str.s, key->s, key->len))
                || (key->kind == BIZ_PYFMT_INT && k->kind == BV_INT && k->u.i == key->i)) {
                pyval(v->u.dict.vals[i], out);
                return 0;
            }
        }
        if (key->kind == BIZ_PYFMT_INT)
            return biz_pyfmt_fail(f, "KeyError: %lld", (long long)key->i);
        biz_buf r = {0};
        biz_pyrepr_str(&r, key->s, key->len);
        char *text = sx_strndup(j->S, r.p ? r.p : "", r.n);
        biz_buf_free(&r);
        return biz_pyfmt_fail(f, "KeyError: %s", text);
    }
    if (v->kind == BV_LIST || v->kind == BV_TUPLE) {
        if (key->kind != BIZ_PYFMT_INT)
            return biz_pyfmt_fail(f, "TypeError: %s indices must be integers or slices, not str", obj->type);
        if (key->i >= v->u.seq.n)
            return biz_pyfmt_fail(f, "IndexError: %s index out of range", obj->type);
        pyval(v->u.seq.items[key->i], out);
        return 0;
    }
    return biz_pyfmt_fail(f, "TypeError: '%s' object is not subscriptable", obj->type);
}

static void job_init(sx_fmtjob *j, biz_sema *S, biz_span span)
{
    memset(j, 0, sizeof *j);
    j->S = S;
    j->span = span;
    j->f.user = j;
    j->f.text = fmt_text;
    j->f.item = fmt_item;
    j->f.max_width = SX_MAX_WIDTH;
    j->f.max_len = SX_MAX_STR;
}

/* The text out holds (into the pool, *len its bytes), or NULL after
 * reporting why the call (rc) failed. */
static char *job_result(sx_fmtjob *j, int rc, biz_buf *out, size_t *len)
{
    char *text = NULL;
    if (rc == 0) {
        text = sx_strndup(j->S, out->p ? out->p : "", out->n);
        *len = out->n;
    } else if (j->f.why == BIZ_PYFMT_TOO_LONG) {
        sx_str_too_large(j->S, j->span);
    } else if (j->f.why != BIZ_PYFMT_REPORTED) {
        biz_error(j->S->d, j->span, NULL, "%s", j->f.msg);
    }
    biz_buf_free(out);
    return text;
}

char *sx_fmt_field(biz_sema *S, const sx_val *v, char conv, const char *spec, biz_span span, size_t *len)
{
    sx_fmtjob j;
    job_init(&j, S, span);
    biz_pyfmt_val pv;
    pyval(v, &pv);
    biz_buf out = {0};
    int rc = biz_pyfmt_field(&j.f, &pv, conv, spec ? spec : "", spec ? strlen(spec) : 0, &out);
    return job_result(&j, rc, &out, len);
}

sx_val *sx_fmt_percent(biz_sema *S, const sx_val *fmtv, const sx_val *arg, const biz_expr *e)
{
    sx_fmtjob j;
    job_init(&j, S, e->u.binop.op_span);
    biz_pyfmt_val pv;
    pyval_args(S, arg, &pv);
    biz_buf out = {0};
    size_t len = 0;
    int rc = biz_pyfmt_percent(&j.f, fmtv->u.str.s, fmtv->u.str.len, &pv, &out);
    char *text = job_result(&j, rc, &out, &len);
    return text ? sx_new_str(S, text, len, e->span) : sx_err_val(S, e->span);
}

sx_val *sx_fmt_str_format(biz_sema *S, sx_scope *sc, const biz_expr *e, const sx_val *fmtv)
{
    int na = e->u.call.args.len, nk = e->u.call.keywords.len;
    int cap_pos = 0, cap_kw = 0, cap_names = 0, npos = 0, nkw = 0, nnames = 0;
    biz_pyfmt_val *pos = NULL, *kw = NULL, pv;
    const char **names = NULL;
    for (int i = 0; i < na; i++) {
        const biz_expr *x = e->u.call.args.items[i];
        int star = x->kind == BIZ_E_STARRED;
        sx_val *v = sx_eval(S, sc, star ? x->u.unary.operand : x);
        if (v->kind == BV_ERROR || v->kind == BV_REJECTED)
            return v;
        if (!star) {
            pyval(v, &pv);
            SX_PUSH(S, pos, npos, cap_pos, pv);
        } else if (v->kind == BV_LIST || v->kind == BV_TUPLE) {
            for (int k = 0; k < v->u.seq.n; k++) {
                pyval(v->u.seq.items[k], &pv);
                SX_PUSH(S, pos, npos, cap_pos, pv);
            }
        } else {
            biz_error(S->d, x->span, NULL, "'*' needs a list or tuple, got %s", sx_kind_name(v));
            return sx_err_val(S, e->span);
        }
    }
    for (int i = 0; i < nk; i++) {
        const biz_keyword *k = e->u.call.keywords.items[i];
        sx_val *v = sx_eval(S, sc, k->value);
        if (v->kind == BV_ERROR || v->kind == BV_REJECTED)
            return v;
        if (k->name) {
            pyval(v, &pv);
            SX_PUSH(S, kw, nkw, cap_kw, pv);
            SX_PUSH(S, names, nnames, cap_names, k->name);
        } else if (v->kind == BV_DICT) {
            for (int d = 0; d < v->u.dict.n; d++) {
                const sx_val *key = v->u.dict.keys[d];
                if (key->kind != BV_STR) {
                    biz_error(S->d, k->span, NULL, "TypeError: keywords must be strings");
                    return sx_err_val(S, e->span);
                }
                pyval(v->u.dict.vals[d], &pv);
                SX_PUSH(S, kw, nkw, cap_kw, pv);
                SX_PUSH(S, names, nnames, cap_names, key->u.str.s);
            }
        } else {
            biz_error(S->d, k->span, NULL, "'**' needs a dict, got %s", sx_kind_name(v));
            return sx_err_val(S, e->span);
        }
    }
    sx_fmtjob j;
    job_init(&j, S, e->span);
    biz_buf out = {0};
    size_t len = 0;
    int rc = biz_pyfmt_str_format(&j.f, fmtv->u.str.s, fmtv->u.str.len, pos, npos, names, kw, nkw, &out);
    char *text = job_result(&j, rc, &out, &len);
    return text ? sx_new_str(S, text, len, e->span) : sx_err_val(S, e->span);
}
