/* template_exec.c: runs a template's statements (text, {{ }}, if, for,
 * set) and collects the output: text, or in native mode the values of the
 * output nodes for native_concat (template.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template_int.h"
#include "utf8.h"

/* Counts len more bytes of output (the text, or in native mode the
 * pieces joined at the end): the output limit fails the render before the
 * bytes are added. */
static int add_output(biz_tpl_ctx *cx, const biz_tpl_node *n, size_t len)
{
    size_t *count = cx->native ? &cx->native_out : &cx->out.n;
    if (len > BIZ_TPL_MAX_OUTPUT || *count > BIZ_TPL_MAX_OUTPUT - len)
        return biz_tpl_limit(cx, n->start, BIZ_TPL_LIM_OUTPUT);
    if (cx->native)
        *count += len;
    return biz_tpl_charge(cx, n->start, (double)len / BIZ_TPL_STEP_BYTES);
}

static int emit_text(biz_tpl_ctx *cx, const biz_tpl_node *n, const char *s)
{
    size_t len = strlen(s);
    if (add_output(cx, n, len) < 0)
        return -1;
    if (cx->native) {
        if (!*s)
            return 0;
        cJSON *j = cJSON_CreateString(s);
        if (!j)
            return biz_tpl_fail(cx, n->start, "out of memory");
        cJSON_AddItemToArray(cx->pieces, j);
    } else {
        biz_buf_add(&cx->out, s, len);
    }
    if (cx->out.oom)
        return biz_tpl_fail(cx, n->start, "out of memory");
    return 0;
}

static int emit_value(biz_tpl_ctx *cx, const biz_tpl_node *n, cJSON *j)
{
    if (cx->native) {
        /* a piece's text counts when it is a string (the pieces are joined
         * as text then); any other value is one piece of its own */
        if (add_output(cx, n, cJSON_IsString(j) ? strlen(j->valuestring) : 1) < 0) {
            cJSON_Delete(j);
            return -1;
        }
        cJSON_AddItemToArray(cx->pieces, j);
        return 0;
    }
    /* str() of a value is bounded by the value's limits; the output's
     * own limit is checked on the text it adds */
    biz_buf piece = {0};
    biz_tpl_str_to(&piece, j);
    cJSON_Delete(j);
    if (piece.oom)
        return biz_tpl_fail(cx, n->start, "out of memory");
    int r = add_output(cx, n, piece.n);
    if (r == 0)
        biz_buf_add(&cx->out, piece.p ? piece.p : "", piece.n);
    free(biz_buf_take(&piece));
    if (r < 0)
        return -1;
    if (cx->out.oom)
        return biz_tpl_fail(cx, n->start, "out of memory");
    return 0;
}

/* Binds target (a name or a tuple of names) to v (consumed) in frame. */
static int bind(biz_tpl_ctx *cx, const biz_tpl_node *target, cJSON *frame, cJSON *v)
{
    if (target->kind == BIZ_TPL_E_NAME) {
        cJSON_DeleteItemFromObjectCaseSensitive(frame, target->s);
        if (!v || !cJSON_AddItemToObject(frame, target->s, v)) {
            cJSON_Delete(v);
            return biz_tpl_fail(cx, target->start, "out of memory");
        }
        return 0;
    }
    int want = target->nkids, got;
    if (!cJSON_IsArray(v)) {
        int r = biz_tpl_fail(cx, target->start, "cannot unpack non-sequence %s", biz_tpl_type_name(v));
        cJSON_Delete(v);
        return r;
    }
    got = cJSON_GetArraySize(v);
    if (got != want) {
        int r = got > want ? biz_tpl_fail(cx, target->start, "too many values to unpack (expected %d)", want)
                           : biz_tpl_fail(cx, target->start, "not enough values to unpack (expected %d, got %d)",
                                          want, got);
        cJSON_Delete(v);
        return r;
    }
    for (int i = 0; i < want; i++)
        if (bind(cx, target->kids[i], frame, cJSON_DetachItemFromArray(v, 0)) < 0) {
            cJSON_Delete(v);
            return -1;
        }
    cJSON_Delete(v);
    return 0;
}

static int push_frame(biz_tpl_ctx *cx, const biz_tpl_node *n)
{
    if (cx->nframes == BIZ_TPL_MAX_FRAMES)
        return biz_tpl_fail(cx, n->start, "loops nested too deeply");
    if (!(cx->frames[cx->nframes] = cJSON_CreateObject()))
        return biz_tpl_fail(cx, n->start, "out of memory");
    cx->nframes++;
    return 0;
}

static void pop_frame(biz_tpl_ctx *cx)
{
    cJSON_Delete(cx->frames[--cx->nframes]);
}

/* The items a for loop walks: a list's items, a dict's keys, a string's
 * characters. */
static cJSON *iter_items(biz_tpl_ctx *cx, const biz_tpl_node *n, cJSON *v)
{
    cJSON *items = NULL;
    if (cJSON_IsArray(v)) {
        items = v;
        items->type &= ~BIZ_TPL_TUPLE_BIT;
        return items;
    }
    if (cJSON_IsObject(v)) {
        items = cJSON_CreateArray();
        for (const cJSON *c = v->child; items && c; c = c->next) {
            cJSON *k = cJSON_CreateString(c->string ? c->string : "");
            if (!k) {
                cJSON_Delete(items);
                items = NULL;
                break;
            }
            cJSON_AddItemToArray(items, k);
        }
    } else if (cJSON_IsString(v)) {
        int len = (int)biz_utf8_lax_count(v->valuestring, strlen(v->valuestring));
        if (biz_tpl_check_items(cx, n->start, len) < 0) {
            cJSON_Delete(v);
            return NULL;
        }
        size_t *cp = biz_tpl_code_points(v->valuestring, &len);
        items = cp ? cJSON_CreateArray() : NULL;
        for (int i = 0; items && i < len; i++) {
            char *s = strndup(v->valuestring + cp[i], cp[i + 1] - cp[i]);
            cJSON *c = s ? cJSON_CreateString(s) : NULL;
            free(s);
            if (!c) {
                cJSON_Delete(items);
                items = NULL;
                break;
            }
            cJSON_AddItemToArray(items, c);
        }
        free(cp);
    } else {
        biz_tpl_fail(cx, n->start, "'%s' object is not iterable", biz_tpl_type_name(v));
        cJSON_Delete(v);
        return NULL;
    }
    cJSON_Delete(v);
    if (!items)
        biz_tpl_fail(cx, n->start, "out of memory");
    return items;
}

static int exec_body(biz_tpl_ctx *cx, const biz_tpl_node *body);

/* Adds v (consumed) to obj under key: 0, or -1 when v or the key could
 * not be made. */
static int add_to(cJSON *obj, const char *key, cJSON *v)
{
    if (v && cJSON_AddItemToObject(obj, key, v))
        return 0;
    cJSON_Delete(v);
    return -1;
}

/* Sets loop.* in frame for item i of len: 0, or -1 out of memory. */
static int add_loop(cJSON *frame, int i, int len)
{
    cJSON *loop = cJSON_AddObjectToObject(frame, "loop");
    if (!loop)
        return -1;
    if (add_to(loop, "index", biz_tpl_new_int(i + 1)) || add_to(loop, "index0", biz_tpl_new_int(i))
        || add_to(loop, "revindex", biz_tpl_new_int(len - i))
        || add_to(loop, "revindex0", biz_tpl_new_int(len - i - 1))
        || add_to(loop, "first", cJSON_CreateBool(i == 0)) || add_to(loop, "last", cJSON_CreateBool(i == len - 1))
        || add_to(loop, "length", biz_tpl_new_int(len)))
        return -1;
    return 0;
}

static int exec_for(biz_tpl_ctx *cx, const biz_tpl_node *n)
{
    cJSON *v, *items;
    if (biz_tpl_eval_json(cx, n->b, &v) < 0 || !(items = iter_items(cx, n->b, v)))
        return -1;
    if (n->d) { /* "for x in seq if cond": filter first, so loop.length counts what is left */
        cJSON *kept = cJSON_CreateArray();
        while (kept && items->child) {
            cJSON *it = cJSON_DetachItemFromArray(items, 0), *c = NULL;
            int ok = push_frame(cx, n) == 0;
            if (ok) {
                ok = bind(cx, n->a, cx->frames[cx->nframes - 1], cJSON_Duplicate(it, 1)) == 0
                  && biz_tpl_eval_json(cx, n->d, &c) == 0;
                pop_frame(cx);
            }
            if (!ok) {
                cJSON_Delete(it);
                cJSON_Delete(kept);
                cJSON_Delete(items);
                return -1;
            }
            if (biz_tpl_truthy(c))
                cJSON_AddItemToArray(kept, it);
            else
                cJSON_Delete(it);
            cJSON_Delete(c);
        }
        cJSON_Delete(items);
        if (!(items = kept))
            return biz_tpl_fail(cx, n->start, "out of memory");
    }
    int len = cJSON_GetArraySize(items), i = 0, r = 0;
    while (items->child && r == 0) {
        cJSON *it = cJSON_DetachItemFromArray(items, 0);
        if (++cx->iters > BIZ_TPL_MAX_ITER || biz_tpl_charge(cx, n->start, 1) < 0) {
            cJSON_Delete(it);
            r = cx->failed ? -1 : biz_tpl_limit(cx, n->start, BIZ_TPL_LIM_ITER);
            break;
        }
        if (push_frame(cx, n) < 0) {
            cJSON_Delete(it);
            r = -1;
            break;
        }
        cJSON *frame = cx->frames[cx->nframes - 1];
        if (add_loop(frame, i, len) < 0) {
            cJSON_Delete(it);
            r = biz_tpl_fail(cx, n->start, "out of memory");
        } else {
            r = bind(cx, n->a, frame, it);
        }
        if (r == 0)
            r = exec_body(cx, n->c);
        pop_frame(cx);
        i++;
    }
    cJSON_Delete(items);
    if (r == 0 && len == 0 && n->nkids)
        r = exec_body(cx, n->kids[0]);
    return r;
}

static int exec_body(biz_tpl_ctx *cx, const biz_tpl_node *body)
{
    if (!body)
        return 0;
    for (int k = 0; k < body->nkids && !cx->failed; k++) {
        const biz_tpl_node *n = body->kids[k];
        cJSON *v;
        switch (n->kind) {
        case BIZ_TPL_N_TEXT:
            if (emit_text(cx, n, n->s) < 0)
                return -1;
            break;
        case BIZ_TPL_N_OUT:
            if (biz_tpl_eval_json(cx, n->a, &v) < 0 || emit_value(cx, n, v) < 0)
                return -1;
            break;
        case BIZ_TPL_N_IF: {
            int done = 0;
            for (int i = 0; i + 1 < n->nkids && !done; i += 2) {
                if (biz_tpl_eval_json(cx, n->kids[i], &v) < 0)
                    return -1;
                done = biz_tpl_truthy(v);
                cJSON_Delete(v);
                if (done && exec_body(cx, n->kids[i + 1]) < 0)
                    return -1;
            }
            if (!done && exec_body(cx, n->c) < 0)
                return -1;
            break;
        }
        case BIZ_TPL_N_FOR:
            if (exec_for(cx, n) < 0)
                return -1;
            break;
        case BIZ_TPL_N_SET:
            if (biz_tpl_eval_json(cx, n->b, &v) < 0 || bind(cx, n->a, cx->frames[cx->nframes - 1], v) < 0)
                return -1;
            break;
        default:
            return biz_tpl_fail(cx, n->start, "internal error: not a statement");
        }
    }
    return cx->failed ? -1 : 0;
}

/* Runs t: *text gets the output (text mode) or *pieces the output nodes'
 * values (native mode). 0 ok, -1 with *err set. */
int biz_tpl_run(const biz_tpl *t, const biz_tpl_env *env, int native, biz_tpl_error *err,
                char **text, cJSON **pieces)
{
    biz_tpl_ctx cx;
    biz_tpl_error dummy;
    memset(&cx, 0, sizeof cx);
    if (!err)
        err = &dummy;
    err->offset = -1;
    err->message[0] = '\0';
    cx.t = t;
    cx.env = env;
    cx.err = err;
    cx.native = native;
    if (text)
        *text = NULL;
    if (pieces)
        *pieces = NULL;
    if (!t) {
        snprintf(err->message, sizeof err->message, "no template");
        return -1;
    }
    if ((native && !(cx.pieces = cJSON_CreateArray())) || !(cx.frames[0] = cJSON_CreateObject())) {
        cJSON_Delete(cx.pieces);
        snprintf(err->message, sizeof err->message, "out of memory");
        return -1;
    }
    cx.nframes = 1;
    int r = exec_body(&cx, t->root);
    while (cx.nframes)
        pop_frame(&cx);
    for (int i = 0; i < 4; i++) {
        free(cx.aix[i].tab);
        free(cx.oix[i].slot);
    }
    char *s = biz_buf_take(&cx.out);
    if (r < 0 || cx.failed || (!native && !s)) {
        if (!cx.failed)
            biz_tpl_fail(&cx, -1, "out of memory");
        free(s);
        cJSON_Delete(cx.pieces);
        return -1;
    }
    if (native) {
        free(s);
        *pieces = cx.pieces;
    } else {
        *text = s;
    }
    return 0;
}
