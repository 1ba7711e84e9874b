/* template_eval.c: evaluates a parsed template against a biz_tpl_env.
 *
 * Values are owned cJSON trees (names are looked up and copied), plus the
 * context's special objects (ti, var, conn, macros) and "undefined", which
 * carries the message StrictUndefined would raise: using it anywhere but
 * under `is defined`, `| default` is an error. Local scopes (set, for) are
 * a stack of cJSON objects searched innermost first, then env->vars. */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "template_int.h"
#include "utf8.h"

#define MAX_EVAL_DEPTH 400


/* Adds the work of copying j to *work: one step a node, one per
 * BIZ_TPL_STEP_BYTES of text. Stops early (-1, with the limit's error)
 * once over a limit, so measuring a huge value costs no more than the
 * budget. */
static int measure(biz_tpl_ctx *cx, int offset, const cJSON *j, double *work, int depth)
{
    long n = 0;
    for (; j; j = j->next) {
        *work += 1;
        if (j->string)
            *work += (double)strlen(j->string) / BIZ_TPL_STEP_BYTES;
        if (cJSON_IsString(j) && j->valuestring) {
            size_t len = strlen(j->valuestring);
            if (len > BIZ_TPL_MAX_STR)
                return biz_tpl_limit(cx, offset, BIZ_TPL_LIM_STR);
            *work += (double)len / BIZ_TPL_STEP_BYTES;
        }
        if (j->child && depth < 1000 && measure(cx, offset, j->child, work, depth + 1) < 0)
            return -1;
        if (++n > BIZ_TPL_MAX_ITEMS && depth > 0)
            return biz_tpl_limit(cx, offset, BIZ_TPL_LIM_ITEMS);
        if (cx->steps + *work > BIZ_TPL_MAX_STEPS)
            return biz_tpl_limit(cx, offset, BIZ_TPL_LIM_STEPS);
        if (depth == 0)
            break; /* the value itself, not its siblings */
    }
    return 0;
}

cJSON *biz_tpl_dup(biz_tpl_ctx *cx, int offset, const cJSON *j)
{
    double work = 0;
    if (measure(cx, offset, j, &work, 0) < 0 || biz_tpl_charge(cx, offset, work) < 0)
        return NULL;
    cJSON *c = cJSON_Duplicate(j, 1);
    if (!c)
        biz_tpl_fail(cx, offset, "out of memory");
    return c;
}

/* The limits on what expression n evaluated to (j): whatever built it,
 * no value bigger than a limit goes further. Charges the walk. */
static int check_result(biz_tpl_ctx *cx, const biz_tpl_node *n, const cJSON *j)
{
    if (cJSON_IsString(j) && j->valuestring)
        return biz_tpl_check_str(cx, n->start, (double)strlen(j->valuestring));
    if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
        long k = 0;
        for (const cJSON *c = j->child; c; c = c->next)
            if (++k > BIZ_TPL_MAX_ITEMS)
                return biz_tpl_limit(cx, n->start, BIZ_TPL_LIM_ITEMS);
        return biz_tpl_charge(cx, n->start, (double)k);
    }
    return 0;
}

const char *biz_tpl_ctx_getenv(biz_tpl_ctx *cx, const char *name)
{
    if (cx->env && cx->env->getenv)
        return cx->env->getenv(cx->env->user, name);
    return getenv(name);
}

char *biz_tpl_node_text(biz_tpl_ctx *cx, const biz_tpl_node *n)
{
    int a = n->start, b = n->end;
    if (b < a || (size_t)b > cx->t->len)
        b = a;
    while (a < b && (cx->t->text[a] == ' ' || cx->t->text[a] == '\n'))
        a++;
    while (b > a && (cx->t->text[b - 1] == ' ' || cx->t->text[b - 1] == '\n'))
        b--;
    if (b - a > 60)
        b = a + 60;
    return strndup(cx->t->text + a, b - a);
}

static int set_undef(biz_tpl_val *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int set_undef(biz_tpl_val *out, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    out->kind = BIZ_TPL_V_UNDEF;
    out->j = NULL;
    out->msg = strdup(buf);
    return 0;
}

static int set_json(biz_tpl_ctx *cx, const biz_tpl_node *n, biz_tpl_val *out, cJSON *j)
{
    out->kind = BIZ_TPL_V_JSON;
    out->msg = NULL;
    out->j = j;
    if (!j)
        return biz_tpl_fail(cx, n->start, "out of memory");
    return 0;
}

static const cJSON *var_item(biz_tpl_ctx *cx, const char *a, const char *b)
{
    const cJSON *v = cx->env ? cx->env->vars : NULL;
    v = cJSON_GetObjectItemCaseSensitive(v, a);
    return b ? cJSON_GetObjectItemCaseSensitive(v, b) : v;
}

int biz_tpl_need_json(biz_tpl_ctx *cx, const biz_tpl_node *n, biz_tpl_val *v)
{
    if (v->kind == BIZ_TPL_V_JSON)
        return 0;
    if (v->kind == BIZ_TPL_V_UNDEF) {
        biz_tpl_fail(cx, n->start, "%s", v->msg ? v->msg : "undefined value");
        biz_tpl_val_free(v);
        return -1;
    }
    cJSON *s = NULL;
    if (v->kind == BIZ_TPL_V_CONNOBJ) {
        s = cJSON_CreateString(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v->j, "conn_id")));
    } else if (v->kind == BIZ_TPL_V_TI) {
        /* what str(ti) shows in Airflow */
        char buf[512];
        const char *task = cx->env && cx->env->task_id ? cx->env->task_id
                         : cJSON_GetStringValue(var_item(cx, "task", "task_id"));
        const char *dag = cJSON_GetStringValue(var_item(cx, "dag", "dag_id"));
        const char *run = cJSON_GetStringValue(var_item(cx, "run_id", NULL));
        snprintf(buf, sizeof buf, "<TaskInstance: %s.%s %s [running]>", dag ? dag : "?",
                 task ? task : "?", run ? run : "?");
        s = cJSON_CreateString(buf);
    } else {
        char *txt = biz_tpl_node_text(cx, n);
        biz_tpl_fail(cx, n->start, "'%s' cannot be used as a value", txt ? txt : "?");
        free(txt);
        biz_tpl_val_free(v);
        return -1;
    }
    biz_tpl_val_free(v);
    return set_json(cx, n, v, s);
}

int biz_tpl_eval_json(biz_tpl_ctx *cx, const biz_tpl_node *n, cJSON **out)
{
    biz_tpl_val v = {0};
    *out = NULL;
    if (biz_tpl_eval(cx, n, &v) < 0 || biz_tpl_need_json(cx, n, &v) < 0)
        return -1;
    *out = v.j;
    return 0;
}

/* Evaluates the arguments of a call / filter / test into a new array. */
int biz_tpl_eval_args(biz_tpl_ctx *cx, const biz_tpl_node *n, cJSON ***out)
{
    *out = calloc(n->nkids ? n->nkids : 1, sizeof **out);
    if (!*out)
        return biz_tpl_fail(cx, n->start, "out of memory");
    for (int i = 0; i < n->nkids; i++)
        if (biz_tpl_eval_json(cx, n->kids[i], &(*out)[i]) < 0)
            return -1;
    return 0;
}

/* Frees what biz_tpl_eval_args made. */
void biz_tpl_free_args(cJSON **a, int n)
{
    if (!a)
        return;
    for (int i = 0; i < n; i++)
        cJSON_Delete(a[i]);
    free(a);
}

/* ------------------------------------------------------------ names */

/* The data a name stands for (a local, then the context's), borrowed; NULL
 * for the special objects and undefined names. */
static const cJSON *name_data(biz_tpl_ctx *cx, const char *name)
{
    for (int i = cx->nframes - 1; i >= 0; i--) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(cx->frames[i], name);
        if (it)
            return it;
    }
    return var_item(cx, name, NULL);
}

/* The data an access path (name, name.attr, name['key'], name[0], ...)
 * stands for, borrowed, when every step finds its item; NULL otherwise
 * (the caller then evaluates n the long way, for the special objects and
 * the messages). Copying only the item reached, instead of the whole of
 * dag_run at each step, keeps `dag_run.conf['x']` cheap whatever the size
 * of the conf. */
/* Item d of array a (borrowed). Walking the list costs d; a list of the
 * context (not of a local scope, which a set may free and reuse) gets a
 * table of its items once (a few are kept, so a[i] + b[i] does not
 * rebuild them), so data[i] in a loop stays linear. */
static const cJSON *array_item(biz_tpl_ctx *cx, const biz_tpl_node *n, const cJSON *a, int d, int stable)
{
    if (stable && d > 16) {
        int w;
        for (w = 0; w < 4 && cx->aix[w].arr != a; w++)
            ;
        if (w == 4) {
            int len = cJSON_GetArraySize(a), k = 0;
            const cJSON **tab = malloc(sizeof *tab * (size_t)(len ? len : 1));
            if (!tab || biz_tpl_charge(cx, n->start, len) < 0) {
                free(tab);
                if (!cx->failed)
                    biz_tpl_fail(cx, n->start, "out of memory");
                return NULL;
            }
            for (const cJSON *c = a->child; c && k < len; c = c->next)
                tab[k++] = c;
            w = cx->aix_next;
            cx->aix_next = (cx->aix_next + 1) % 4;
            free(cx->aix[w].tab);
            cx->aix[w].arr = a;
            cx->aix[w].tab = tab;
            cx->aix[w].len = k;
        }
        return d < cx->aix[w].len ? cx->aix[w].tab[d] : NULL;
    }
    const cJSON *c = a->child;
    int k = 0;
    for (; c && k < d; k++)
        c = c->next;
    return biz_tpl_charge(cx, n->start, k) < 0 ? NULL : c;
}

static size_t key_hash(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* Member key of object o (borrowed), as cJSON_GetObjectItemCaseSensitive
 * (the first of repeated keys). cJSON walks the members, so in a loop over
 * a big --conf each dag_run.conf.x cost the whole conf: past 32 members,
 * a dict of the context gets a hash index once per render (a few are
 * kept), and other walks are charged as steps. */
static const cJSON *obj_item(biz_tpl_ctx *cx, const biz_tpl_node *n, const cJSON *o, const char *key, int stable)
{
    const cJSON *c = o->child;
    int k = 0;
    for (; c && k < 32; c = c->next, k++)
        if (c->string && !strcmp(c->string, key))
            return c;
    if (!c)
        return NULL;
    if (!stable) {
        for (; c; c = c->next, k++)
            if (c->string && !strcmp(c->string, key))
                break;
        return biz_tpl_charge(cx, n->start, k) < 0 ? NULL : c;
    }
    int w;
    for (w = 0; w < 4 && cx->oix[w].obj != o; w++)
        ;
    if (w == 4) { /* build one, in the next of the slots */
        size_t count = 0, size = 64;
        for (const cJSON *m = o->child; m; m = m->next)
            count++;
        while (size < 2 * count)
            size *= 2;
        const cJSON **slot = calloc(size, sizeof *slot);
        if (!slot || biz_tpl_charge(cx, n->start, (double)count) < 0) {
            free(slot);
            if (!cx->failed)
                biz_tpl_fail(cx, n->start, "out of memory");
            return NULL;
        }
        for (const cJSON *m = o->child; m; m = m->next) {
            if (!m->string)
                continue;
            size_t i = key_hash(m->string) & (size - 1);
            while (slot[i] && strcmp(slot[i]->string, m->string))
                i = (i + 1) & (size - 1);
            if (!slot[i])
                slot[i] = m; /* the first of repeated keys */
        }
        w = cx->oix_next;
        cx->oix_next = (cx->oix_next + 1) % 4;
        free(cx->oix[w].slot);
        cx->oix[w].obj = o;
        cx->oix[w].slot = slot;
        cx->oix[w].mask = size - 1;
    }
    size_t i = key_hash(key) & cx->oix[w].mask;
    while (cx->oix[w].slot[i] && strcmp(cx->oix[w].slot[i]->string, key))
        i = (i + 1) & cx->oix[w].mask;
    return cx->oix[w].slot[i];
}

static const cJSON *borrow_path_in(biz_tpl_ctx *cx, const biz_tpl_node *n, int *stable)
{
    const cJSON *base, *found = NULL;
    switch (n->kind) {
    case BIZ_TPL_E_NAME:
        for (int i = cx->nframes - 1; i >= 0; i--) {
            const cJSON *it = cJSON_GetObjectItemCaseSensitive(cx->frames[i], n->s);
            if (it) {
                *stable = 0;
                return it;
            }
        }
        *stable = 1;
        return var_item(cx, n->s, NULL);
    case BIZ_TPL_E_ATTR:
        base = borrow_path_in(cx, n->a, stable);
        return cJSON_IsObject(base) ? obj_item(cx, n, base, n->s, *stable) : NULL;
    case BIZ_TPL_E_SUB: {
        if (!n->b || !(base = borrow_path_in(cx, n->a, stable)) || !(cJSON_IsObject(base) || cJSON_IsArray(base)))
            return NULL;
        /* any key expression (data[i] in a loop must not copy data at
         * each turn); it has no side effect, so when the item is not
         * found the long way evaluates it again for the message */
        cJSON *own = NULL;
        const cJSON *key = n->b->kind == BIZ_TPL_E_LIT ? n->b->lit : NULL;
        if (!key && biz_tpl_eval_json(cx, n->b, &own) < 0)
            return NULL; /* the error is set: the long way stops at once */
        if (!key)
            key = own;
        if (cJSON_IsObject(base) && cJSON_IsString(key)) {
            found = obj_item(cx, n, base, key->valuestring, *stable);
        } else if (cJSON_IsArray(base) && cJSON_IsNumber(key) && biz_tpl_num_is_int(key)) {
            /* the size only for a negative index: counting the items of
             * a long list at each data[i] made a loop over it quadratic */
            double d = key->valuedouble;
            if (d < 0 && biz_tpl_charge(cx, n->start, 1) == 0) {
                int len = cJSON_GetArraySize(base);
                if (biz_tpl_charge(cx, n->start, len) == 0)
                    d += len;
            }
            if (d >= 0 && d < INT_MAX && !cx->failed)
                found = array_item(cx, n, base, (int)d, *stable);
        }
        cJSON_Delete(own);
        return found;
    }
    default:
        return NULL;
    }
}

static const cJSON *borrow_path(biz_tpl_ctx *cx, const biz_tpl_node *n)
{
    int stable = 0;
    return borrow_path_in(cx, n, &stable);
}

static int eval_name(biz_tpl_ctx *cx, const biz_tpl_node *n, biz_tpl_val *out)
{
    const cJSON *it = name_data(cx, n->s);
    if (it) {
        cJSON *c = biz_tpl_dup(cx, n->start, it);
        if (!c)
            return -1;
        return set_json(cx, n, out, c);
    }
    memset(out, 0, sizeof *out);
    if (!strcmp(n->s, "ti") || !strcmp(n->s, "task_instance"))
        out->kind = BIZ_TPL_V_TI;
    else if (!strcmp(n->s, "var"))
        out->kind = BIZ_TPL_V_VAR;
    else if (!strcmp(n->s, "conn"))
        out->kind = BIZ_TPL_V_CONN;
    else if (!strcmp(n->s, "macros"))
        out->kind = BIZ_TPL_V_MACROS;
    else
        return set_undef(out, "'%s' is undefined", n->s);
    return 0;
}

/* AIRFLOW_VAR_<NAME>: the value or NULL. */
static const char *airflow_var(biz_tpl_ctx *cx, const char *name)
{
    char env[300];
    size_t k = snprintf(env, sizeof env, "AIRFLOW_VAR_");
    for (const char *s = name; *s && k < sizeof env - 1; s++)
        env[k++] = (*s >= 'a' && *s <= 'z') ? (char)(*s - 32) : *s;
    env[k] = '\0';
    return biz_tpl_ctx_getenv(cx, env);
}

/* var.value.NAME / var.json.NAME: *out gets the value, or NULL when unset. */
static int var_get(biz_tpl_ctx *cx, const biz_tpl_node *n, int json, const char *name, cJSON **out)
{
    const char *s = airflow_var(cx, name);
    *out = NULL;
    if (!s)
        return 0;
    /* A variable named like a secret (archive_token) is masked in every
     * message from now on, as Airflow does. */
    if (biz_log_sensitive_name(name))
        biz_log_secret(s);
    if (!json) {
        *out = cJSON_CreateString(s);
    } else if (!(*out = cJSON_Parse(s))) {
        return biz_tpl_fail(cx, n->start, "Variable %s does not hold valid JSON", name);
    }
    if (!*out)
        return biz_tpl_fail(cx, n->start, "out of memory");
    return 0;
}

/* Adds v (consumed) to *o under key; when v is NULL or cannot be added
 * (out of memory), deletes *o and sets it NULL. */
static void obj_add(cJSON **o, const char *key, cJSON *v)
{
    if (*o && v && cJSON_AddItemToObject(*o, key, v))
        return;
    cJSON_Delete(v);
    cJSON_Delete(*o);
    *o = NULL;
}

static int conn_get(biz_tpl_ctx *cx, const biz_tpl_node *n, const char *id, biz_tpl_val *out)
{
    biz_conn c;
    char msg[200] = "";
    memset(&c, 0, sizeof c);
    int r = biz_conn_lookup(id, cx->env ? cx->env->getenv : NULL, cx->env ? cx->env->user : NULL,
                            &c, msg, sizeof msg);
    if (r == 1)
        return set_undef(out, "The conn_id `%s` isn't defined", id);
    if (r < 0)
        return biz_tpl_fail(cx, n->op, "connection '%s': %s", id, msg);
    /* As Airflow masks a connection's password once it is read: a template
     * can put it anywhere (a Bash command, a body a service echoes). */
    if (c.password)
        biz_log_secret(c.password);
    cJSON *o = cJSON_CreateObject();
    obj_add(&o, "conn_id", cJSON_CreateString(c.conn_id ? c.conn_id : id));
    obj_add(&o, "conn_type", cJSON_CreateString(c.conn_type ? c.conn_type : ""));
    obj_add(&o, "host", cJSON_CreateString(c.host ? c.host : ""));
    obj_add(&o, "login", c.login ? cJSON_CreateString(c.login) : cJSON_CreateNull());
    obj_add(&o, "password", c.password ? cJSON_CreateString(c.password) : cJSON_CreateNull());
    obj_add(&o, "port", c.port ? cJSON_CreateNumber(c.port) : cJSON_CreateNull());
    obj_add(&o, "schema", cJSON_CreateString(c.schema ? c.schema : ""));
    obj_add(&o, "extra_dejson", c.extra ? cJSON_Duplicate(c.extra, 1) : cJSON_CreateObject());
    if (o && c.extra && c.extra->child) {
        char *s = cJSON_PrintUnformatted(c.extra);
        obj_add(&o, "extra", s ? cJSON_CreateString(s) : NULL);
        free(s);
    } else {
        obj_add(&o, "extra", cJSON_CreateNull());
    }
    biz_conn_free(&c);
    if (!o)
        return biz_tpl_fail(cx, n->start, "out of memory");
    memset(out, 0, sizeof *out);
    out->kind = BIZ_TPL_V_CONNOBJ;
    out->j = o;
    return 0;
}

/* ------------------------------------------------------------ attributes, items */

static int eval_attr(biz_tpl_ctx *cx, const biz_tpl_node *n, biz_tpl_val *out)
{
    biz_tpl_val v = {0};
    if (biz_tpl_eval(cx, n->a, &v) < 0)
        return -1;
    const char *name = n->s;
    memset(out, 0, sizeof *out);
    int r = 0;
    switch (v.kind) {
    case BIZ_TPL_V_UNDEF:
        biz_tpl_fail(cx, n->a->start, "%s", v.msg ? v.msg : "undefined value");
        biz_tpl_val_free(&v);
        return -1;
    case BIZ_TPL_V_TI:
        if (!strcmp(name, "task_id")) {
            const char *task = cx->env && cx->env->task_id ? cx->env->task_id
                             : cJSON_GetStringValue(var_item(cx, "task", "task_id"));
            r = set_json(cx, n, out, task ? cJSON_CreateString(task) : cJSON_CreateNull());
        } else if (!strcmp(name, "try_number")) {
            r = set_json(cx, n, out, biz_tpl_new_int(cx->env ? cx->env->try_number : 1));
        } else if (!strcmp(name, "map_index")) {
            r = set_json(cx, n, out, biz_tpl_new_int(cx->env && cx->env->is_mapped ? cx->env->map_index : -1));
        } else if (!strcmp(name, "dag_id") || !strcmp(name, "run_id")) {
            const cJSON *x = !strcmp(name, "dag_id") ? var_item(cx, "dag", "dag_id") : var_item(cx, "run_id", NULL);
            r = set_json(cx, n, out, x ? cJSON_Duplicate(x, 1) : cJSON_CreateNull());
        } else {
            r = set_undef(out, "'ti' has no attribute '%s'", name);
        }
        break;
    case BIZ_TPL_V_VAR:
        if (!strcmp(name, "value"))
            out->kind = BIZ_TPL_V_VARVALUE;
        else if (!strcmp(name, "json"))
            out->kind = BIZ_TPL_V_VARJSON;
        else
            r = set_undef(out, "'var' has no attribute '%s' (use var.value.%s or var.json.%s)", name, name, name);
        break;
    case BIZ_TPL_V_VARVALUE:
    case BIZ_TPL_V_VARJSON: {
        cJSON *j;
        if (var_get(cx, n, v.kind == BIZ_TPL_V_VARJSON, name, &j) < 0)
            r = -1;
        else if (!j)
            r = set_undef(out, "Variable %s does not exist (AIRFLOW_VAR_%s is not set)", name, name);
        else
            r = set_json(cx, n, out, j);
        /* upper-case the name in the message */
        if (out->msg)
            for (char *m = strstr(out->msg, "AIRFLOW_VAR_"); m && *m && *m != ' '; m++)
                if (*m >= 'a' && *m <= 'z')
                    *m = (char)(*m - 32);
        break;
    }
    case BIZ_TPL_V_CONN:
        r = conn_get(cx, n, name, out);
        break;
    case BIZ_TPL_V_CONNOBJ: {
        cJSON *it = cJSON_GetObjectItemCaseSensitive(v.j, name);
        if (it)
            r = set_json(cx, n, out, cJSON_DetachItemViaPointer(v.j, it));
        else
            r = set_undef(out, "connection has no attribute '%s'", name);
        break;
    }
    case BIZ_TPL_V_MACROS:
        r = set_undef(out, "macros.%s is not supported (only macros.ds_add, macros.ds_format and macros.timedelta, called)", name);
        break;
    default: {
        cJSON *it = cJSON_IsObject(v.j) ? cJSON_GetObjectItemCaseSensitive(v.j, name) : NULL;
        cJSON *dt = NULL;
        if (biz_tpl_is_dt(v.j) && biz_tpl_dt_attr(v.j, name, &dt) == 0) {
            r = dt ? set_json(cx, n, out, dt) : biz_tpl_fail(cx, n->start, "out of memory");
        } else if (it) {
            r = set_json(cx, n, out, cJSON_DetachItemViaPointer(v.j, it));
        } else {
            char *txt = biz_tpl_node_text(cx, n->a);
            r = set_undef(out, "'%s' has no attribute '%s'", txt ? txt : "?", name);
            free(txt);
        }
    }
    }
    biz_tpl_val_free(&v);
    return r;
}

size_t *biz_tpl_code_points(const char *s, int *n)
{
    size_t len = strlen(s);
    size_t chars = biz_utf8_lax_count(s, len);   /* first: one entry a character, not a byte */
    size_t *o = malloc(sizeof *o * (chars + 1));
    int k = 0;
    if (!o)
        return NULL;
    for (size_t i = 0; i < len; i++)
        if (!biz_utf8_cont((unsigned char)s[i]))
            o[k++] = i;
    o[k] = len;
    *n = k;
    return o;
}

static int eval_sub(biz_tpl_ctx *cx, const biz_tpl_node *n, biz_tpl_val *out)
{
    biz_tpl_val v = {0};
    cJSON *key = NULL;
    int r = 0;
    if (biz_tpl_eval(cx, n->a, &v) < 0)
        return -1;
    if (v.kind == BIZ_TPL_V_UNDEF) {
        biz_tpl_fail(cx, n->a->start, "%s", v.msg ? v.msg : "undefined value");
        biz_tpl_val_free(&v);
        return -1;
    }
    if (biz_tpl_eval_json(cx, n->b, &key) < 0) {
        biz_tpl_val_free(&v);
        return -1;
    }
    memset(out, 0, sizeof *out);
    char *txt = biz_tpl_node_text(cx, n->a);
    biz_buf kb = {0};
    biz_tpl_repr_to(&kb, key);
    char *krepr = biz_buf_take(&kb);
    if (v.kind == BIZ_TPL_V_VARVALUE || v.kind == BIZ_TPL_V_VARJSON) {
        cJSON *j = NULL;
        if (!cJSON_IsString(key))
            r = biz_tpl_fail(cx, n->b->start, "variable names are strings");
        else if (var_get(cx, n, v.kind == BIZ_TPL_V_VARJSON, key->valuestring, &j) < 0)
            r = -1;
        else if (!j)
            r = set_undef(out, "Variable %s does not exist", key->valuestring);
        else
            r = set_json(cx, n, out, j);
    } else if (v.kind == BIZ_TPL_V_CONN && cJSON_IsString(key)) {
        r = conn_get(cx, n, key->valuestring, out);
    } else if (v.kind != BIZ_TPL_V_JSON && v.kind != BIZ_TPL_V_CONNOBJ) {
        r = biz_tpl_fail(cx, n->start, "'%s' is not subscriptable", txt ? txt : "?");
    } else if (cJSON_IsObject(v.j)) {
        cJSON *it = cJSON_IsString(key) ? cJSON_GetObjectItemCaseSensitive(v.j, key->valuestring) : NULL;
        if (it)
            r = set_json(cx, n, out, cJSON_DetachItemViaPointer(v.j, it));
        else
            r = set_undef(out, "key %s not found in %s%s", krepr ? krepr : "?", txt ? txt : "?",
                          /* what a user running the executable can do about it */
                          txt && !strcmp(txt, "dag_run.conf") ? " (give the run's conf with --conf '{...}')" : "");
    } else if (cJSON_IsArray(v.j) || cJSON_IsString(v.j)) {
        /* a string's characters are counted and walked, not indexed
         * through a table of offsets (8 bytes a byte of the string) */
        int len = 0, str = cJSON_IsString(v.j);
        if (!str)
            len = cJSON_GetArraySize(v.j);
        else
            len = (int)biz_utf8_lax_count(v.j->valuestring, strlen(v.j->valuestring));
        if (r == 0 && !(cJSON_IsNumber(key) && biz_tpl_num_is_int(key))) {
            r = biz_tpl_fail(cx, n->b->start, "%s indices must be integers, not %s",
                             biz_tpl_type_name(v.j), biz_tpl_type_name(key));
        } else if (r == 0) {
            double d = key->valuedouble;
            if (d < 0)
                d += len;
            if (d < 0 || d >= len) {
                r = set_undef(out, "index %s out of range for %s", krepr ? krepr : "?", txt ? txt : "?");
            } else if (str) {
                /* characters start at the bytes that are not UTF-8
                 * continuation bytes (as biz_tpl_code_points counts them) */
                const char *p = v.j->valuestring, *q;
                while (biz_utf8_cont((unsigned char)*p))
                    p++;
                for (int i = (int)d; i > 0; i--) /* to the start of character d */
                    p += biz_utf8_lax_len(p, (size_t)-1);
                q = p + biz_utf8_lax_len(p, (size_t)-1);
                char *s = strndup(p, (size_t)(q - p));
                r = set_json(cx, n, out, s ? cJSON_CreateString(s) : NULL);
                free(s);
            } else {
                r = set_json(cx, n, out, cJSON_DetachItemFromArray(v.j, (int)d));
            }
        }
    } else {
        r = biz_tpl_fail(cx, n->start, "'%s' object is not subscriptable", biz_tpl_type_name(v.j));
    }
    free(txt);
    free(krepr);
    cJSON_Delete(key);
    biz_tpl_val_free(&v);
    return r;
}

/* Python's slice.indices. */
static int slice_index(biz_tpl_ctx *cx, const biz_tpl_node *e, int len, int step, int is_stop, int *out)
{
    if (!e) {
        *out = step < 0 ? (is_stop ? -1 : len - 1) : (is_stop ? len : 0);
        return 0;
    }
    cJSON *j;
    if (biz_tpl_eval_json(cx, e, &j) < 0)
        return -1;
    if (cJSON_IsNull(j)) {
        cJSON_Delete(j);
        return slice_index(cx, NULL, len, step, is_stop, out);
    }
    if (!cJSON_IsNumber(j) || !biz_tpl_num_is_int(j)) {
        cJSON_Delete(j);
        return biz_tpl_fail(cx, e->start, "slice indices must be integers or None");
    }
    double d = j->valuedouble;
    cJSON_Delete(j);
    if (d < 0) {
        d += len;
        if (d < 0)
            d = step < 0 ? -1 : 0;
    } else if (d >= len) {
        d = step < 0 ? len - 1 : len;
    }
    *out = (int)d;
    return 0;
}

static int eval_slice(biz_tpl_ctx *cx, const biz_tpl_node *n, biz_tpl_val *out)
{
    cJSON *v, *st = NULL;
    int step = 1, len = 0, a, b;
    size_t *cp = NULL;
    if (biz_tpl_eval_json(cx, n->a, &v) < 0)
        return -1;
    if (n->d) {
        if (biz_tpl_eval_json(cx, n->d, &st) < 0) {
            cJSON_Delete(v);
            return -1;
        }
        if (!cJSON_IsNull(st)) {
            if (!cJSON_IsNumber(st) || !biz_tpl_num_is_int(st) || fabs(st->valuedouble) > 1e9) {
                cJSON_Delete(st);
                cJSON_Delete(v);
                return biz_tpl_fail(cx, n->d->start, "slice indices must be integers or None");
            }
            step = (int)st->valuedouble;
        }
        cJSON_Delete(st);
        if (step == 0) {
            cJSON_Delete(v);
            return biz_tpl_fail(cx, n->d->start, "slice step cannot be zero");
        }
    }
    int ascii = 0;
    if (cJSON_IsArray(v))
        len = cJSON_GetArraySize(v);
    else if (cJSON_IsString(v)) {
        /* an ASCII string is sliced by byte offsets, without a table */
        size_t bytes = strlen(v->valuestring), chars = biz_utf8_lax_count(v->valuestring, bytes);
        if ((ascii = chars == bytes && bytes <= (size_t)INT_MAX))
            len = (int)bytes;
        else
            cp = biz_tpl_code_points(v->valuestring, &len);
    } else {
        int r = biz_tpl_fail(cx, n->start, "'%s' object is not subscriptable", biz_tpl_type_name(v));
        cJSON_Delete(v);
        return r;
    }
    if ((cJSON_IsString(v) && !cp && !ascii) || slice_index(cx, n->b, len, step, 0, &a) < 0
        || slice_index(cx, n->c, len, step, 1, &b) < 0) {
        free(cp);
        cJSON_Delete(v);
        return biz_tpl_fail(cx, n->start, "out of memory");
    }
    cJSON *res = NULL;
    if (cp || ascii) {
        biz_buf buf = {0};
        for (long i = a; step > 0 ? i < b : i > b; i += step)
            biz_buf_add(&buf, v->valuestring + (cp ? cp[i] : (size_t)i), cp ? cp[i + 1] - cp[i] : 1);
        char *s = biz_buf_take(&buf);
        res = s ? cJSON_CreateString(s) : NULL;
        free(s);
    } else {
        /* the items by index first: cJSON_GetArrayItem walks the list, so
         * calling it per item made a slice quadratic */
        const cJSON **item = malloc(sizeof *item * (size_t)(len ? len : 1));
        int k = 0;
        for (const cJSON *c = v->child; item && c && k < len; c = c->next)
            item[k++] = c;
        res = item ? cJSON_CreateArray() : NULL;
        for (long i = a; res && (step > 0 ? i < b : i > b); i += step) {
            cJSON *d = cJSON_Duplicate(item[i], 1);
            if (!d) {
                cJSON_Delete(res);
                res = NULL;
                break;
            }
            cJSON_AddItemToArray(res, d);
        }
        if (res)
            res->type |= v->type & BIZ_TPL_TUPLE_BIT;
        free(item);
    }
    free(cp);
    cJSON_Delete(v);
    return set_json(cx, n, out, res);
}

/* ------------------------------------------------------------ calls */

static int xcom_pull(biz_tpl_ctx *cx, const biz_tpl_node *n, cJSON **args, cJSON **out)
{
    static const char *const params[] = {"task_ids", "dag_id", "key", "include_prior_dates",
                                         "session", "map_indexes", "default"};
    const cJSON *task_ids = NULL, *key = NULL, *dflt = NULL;
    for (int i = 0; i < n->nkids; i++) {
        const char *name = n->names[i];
        if (!name) {
            if (i >= 7)
                return biz_tpl_fail(cx, n->kids[i]->start, "xcom_pull() takes at most 7 arguments");
            name = params[i];
        }
        if (!strcmp(name, "task_ids"))
            task_ids = args[i];
        else if (!strcmp(name, "key"))
            key = args[i];
        else if (!strcmp(name, "default"))
            dflt = args[i];
        else if (strcmp(name, "dag_id") && strcmp(name, "include_prior_dates") && strcmp(name, "session")
                 && strcmp(name, "map_indexes"))
            return biz_tpl_fail(cx, n->ops[i], "xcom_pull() got an unexpected keyword argument '%s'", name);
    }
    const char *k = "return_value";
    if (key && !cJSON_IsNull(key)) {
        if (!cJSON_IsString(key))
            return biz_tpl_fail(cx, n->start, "xcom_pull(): key must be a string");
        k = key->valuestring;
    } else if (key) {
        return biz_tpl_fail(cx, n->start, "xcom_pull(key=None) is not supported: give the key");
    }
    if (!task_ids || cJSON_IsNull(task_ids))
        return biz_tpl_fail(cx, n->start, "xcom_pull() needs task_ids");
    cJSON *(*pull)(void *, const char *, const char *, int *) = cx->env ? cx->env->xcom_pull : NULL;
    void *user = cx->env ? cx->env->user : NULL;
    int failed = 0;
    if (cJSON_IsString(task_ids)) {
        cJSON *v = pull ? pull(user, task_ids->valuestring, k, &failed) : NULL;
        if (failed)
            return biz_tpl_fail(cx, n->start, "out of memory");
        if (!v)
            v = dflt ? cJSON_Duplicate(dflt, 1) : cJSON_CreateNull();
        *out = v;
        return v ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
    }
    if (!cJSON_IsArray(task_ids))
        return biz_tpl_fail(cx, n->start, "xcom_pull(): task_ids must be a string or a list of strings");
    cJSON *list = cJSON_CreateArray();
    if (!list)
        return biz_tpl_fail(cx, n->start, "out of memory");
    for (const cJSON *t = task_ids->child; t; t = t->next) {
        if (!cJSON_IsString(t)) {
            cJSON_Delete(list);
            return biz_tpl_fail(cx, n->start, "xcom_pull(): task_ids must be a string or a list of strings");
        }
        cJSON *v = pull ? pull(user, t->valuestring, k, &failed) : NULL;
        if (failed) {
            cJSON_Delete(list);
            return biz_tpl_fail(cx, n->start, "out of memory");
        }
        if (v)
            cJSON_AddItemToArray(list, v);
    }
    *out = list;
    return 0;
}

static int call_global(biz_tpl_ctx *cx, const biz_tpl_node *n, const char *name, cJSON **args, cJSON **out)
{
    if (!strcmp(name, "dict")) {
        cJSON *o = cJSON_CreateObject();
        for (int i = 0; o && i < n->nkids; i++) {
            if (!n->names[i]) {
                cJSON_Delete(o);
                return biz_tpl_fail(cx, n->kids[i]->start, "dict() takes keyword arguments only");
            }
            cJSON_DeleteItemFromObjectCaseSensitive(o, n->names[i]);
            obj_add(&o, n->names[i], args[i]);
            args[i] = NULL;
        }
        *out = o;
        return o ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
    }
    /* range([start,] stop[, step]) */
    double v[3] = {0, 0, 1};
    if (n->nkids < 1 || n->nkids > 3)
        return biz_tpl_fail(cx, n->start, "range expected 1 to 3 arguments, got %d", n->nkids);
    for (int i = 0; i < n->nkids; i++) {
        if (n->names[i] || !cJSON_IsNumber(args[i]) || !biz_tpl_num_is_int(args[i]))
            return biz_tpl_fail(cx, n->kids[i]->start, "range() takes integer arguments");
    }
    if (n->nkids == 1)
        v[1] = args[0]->valuedouble;
    else
        for (int i = 0; i < n->nkids; i++)
            v[i] = args[i]->valuedouble;
    if (v[2] == 0)
        return biz_tpl_fail(cx, n->start, "range() arg 3 must not be zero");
    double count = ceil((v[1] - v[0]) / v[2]);
    if (!(count > 0))
        count = 0;
    if (biz_tpl_check_items(cx, n->start, count) < 0)
        return -1;
    cJSON *a = cJSON_CreateArray();
    for (double i = 0; a && i < count; i++) {
        cJSON *k = biz_tpl_new_int(v[0] + i * v[2]);
        if (!k) {
            cJSON_Delete(a);
            a = NULL;
            break;
        }
        cJSON_AddItemToArray(a, k);
    }
    *out = a;
    return a ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
}

static int eval_call(biz_tpl_ctx *cx, const biz_tpl_node *n, biz_tpl_val *out)
{
    const biz_tpl_node *f = n->a;
    cJSON **args = NULL, *res = NULL;
    biz_tpl_val obj = {0};
    int r = -1;
    memset(out, 0, sizeof *out);
    if (f->kind == BIZ_TPL_E_NAME) {
        for (int i = cx->nframes - 1; i >= 0; i--)
            if (cJSON_GetObjectItemCaseSensitive(cx->frames[i], f->s))
                return biz_tpl_fail(cx, n->start, "'%s' is not callable", f->s);
        if (var_item(cx, f->s, NULL))
            return biz_tpl_fail(cx, n->start, "'%s' is not callable", f->s);
        if (biz_tpl_eval_args(cx, n, &args) == 0)
            r = call_global(cx, n, f->s, args, &res);
        goto done;
    }
    if (biz_tpl_eval(cx, f->a, &obj) < 0)
        return -1;
    if (obj.kind == BIZ_TPL_V_UNDEF) {
        biz_tpl_fail(cx, f->a->start, "%s", obj.msg ? obj.msg : "undefined value");
        goto done;
    }
    if (biz_tpl_eval_args(cx, n, &args) < 0)
        goto done;
    switch (obj.kind) {
    case BIZ_TPL_V_TI:
        if (strcmp(f->s, "xcom_pull"))
            biz_tpl_fail(cx, f->op, "ti.%s() is not supported", f->s);
        else
            r = xcom_pull(cx, n, args, &res);
        break;
    case BIZ_TPL_V_VARVALUE:
    case BIZ_TPL_V_VARJSON:
        if (strcmp(f->s, "get")) {
            biz_tpl_fail(cx, f->op, "var.%s.%s() is not supported", obj.kind == BIZ_TPL_V_VARJSON ? "json" : "value", f->s);
        } else if (n->nkids < 1 || n->nkids > 2 || !cJSON_IsString(args[0])) {
            biz_tpl_fail(cx, n->start, "var.value.get() takes a variable name and an optional default");
        } else if ((r = var_get(cx, n, obj.kind == BIZ_TPL_V_VARJSON, args[0]->valuestring, &res)) == 0 && !res) {
            res = n->nkids == 2 ? cJSON_Duplicate(args[1], 1) : cJSON_CreateNull();
        }
        break;
    case BIZ_TPL_V_MACROS: {
        int pos = 0;
        for (int i = 0; i < n->nkids; i++)
            pos += !n->names[i];
        if (!strcmp(f->s, "timedelta"))
            r = biz_tpl_td_macro(cx, n, args, n->names, n->nkids, &res);
        else if (pos != n->nkids)
            biz_tpl_fail(cx, n->start, "macros.%s() takes positional arguments only", f->s);
        else
            r = biz_tpl_call_macro(cx, n, f->s, args, n->nkids, &res);
        break;
    }
    case BIZ_TPL_V_JSON:
        r = biz_tpl_call_method(cx, n, obj.j, f->s, args, n->names, n->nkids, &res);
        break;
    default: {
        char *txt = biz_tpl_node_text(cx, f->a);
        biz_tpl_fail(cx, f->op, "'%s' has no method '%s'", txt ? txt : "?", f->s);
        free(txt);
    }
    }
done:
    biz_tpl_free_args(args, n->nkids);
    biz_tpl_val_free(&obj);
    if (r < 0) {
        cJSON_Delete(res);
        return -1;
    }
    return set_json(cx, n, out, res);
}

/* ------------------------------------------------------------ operators */

static int num_of(const cJSON *j, double *d, int *isint)
{
    if (cJSON_IsNumber(j)) {
        *d = j->valuedouble;
        *isint = biz_tpl_num_is_int(j);
        return 1;
    }
    if (cJSON_IsBool(j)) {
        *d = cJSON_IsTrue(j);
        *isint = 1;
        return 1;
    }
    return 0;
}

/* seq * times (Python's sequence repetition). The size is checked before
 * anything is built, never a loop of 10 ** 20 turns. A count past the
 * size limit fails even for an empty sequence (Python's own fails past
 * 2 ** 63): '' * n with a huge n is a mistake, not a way to get ''. */
static int repeat(biz_tpl_ctx *cx, const biz_tpl_node *n, const cJSON *seq, double times, cJSON **out)
{
    if (!(times > 0))
        times = 0;
    if (cJSON_IsString(seq) && times > BIZ_TPL_MAX_STR)
        return biz_tpl_limit(cx, n->start, BIZ_TPL_LIM_STR);
    if (!cJSON_IsString(seq) && times > BIZ_TPL_MAX_ITEMS)
        return biz_tpl_limit(cx, n->start, BIZ_TPL_LIM_ITEMS);
    if (cJSON_IsString(seq)) {
        size_t len = strlen(seq->valuestring);
        if (len == 0 || times == 0) {
            *out = cJSON_CreateString("");
            return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
        }
        if (biz_tpl_check_str(cx, n->start, (double)len * times) < 0)
            return -1;
        size_t k = (size_t)times, total = len * k; /* both bounded by the check */
        char *s = malloc(total + 1);
        if (!s)
            return biz_tpl_fail(cx, n->start, "out of memory");
        for (size_t i = 0; i < k; i++)
            memcpy(s + i * len, seq->valuestring, len);
        s[total] = '\0';
        *out = cJSON_CreateString(s);
        free(s);
        return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
    }
    int size = cJSON_GetArraySize(seq);
    cJSON *a = cJSON_CreateArray();
    if (!a)
        return biz_tpl_fail(cx, n->start, "out of memory");
    a->type |= seq->type & BIZ_TPL_TUPLE_BIT;
    if (size == 0 || times == 0) {
        *out = a;
        return 0;
    }
    double work = 0;
    if (biz_tpl_check_items(cx, n->start, (double)size * times) < 0
        || measure(cx, n->start, seq, &work, 0) < 0 || biz_tpl_charge(cx, n->start, work * times) < 0) {
        cJSON_Delete(a);
        return -1;
    }
    for (size_t i = 0; i < (size_t)times; i++)
        for (const cJSON *c = seq->child; c; c = c->next) {
            cJSON *d = cJSON_Duplicate(c, 1);
            if (!d || !cJSON_AddItemToArray(a, d)) {
                cJSON_Delete(d);
                cJSON_Delete(a);
                return biz_tpl_fail(cx, n->start, "out of memory");
            }
        }
    *out = a;
    return 0;
}

static int arith(biz_tpl_ctx *cx, const biz_tpl_node *n, int op, const cJSON *a, const cJSON *b, cJSON **out)
{
    double x, y;
    int xi, yi;
    *out = NULL;
    int dr = biz_tpl_dt_arith(cx, n, op, a, b, out);
    if (dr != 1)
        return dr;
    if (num_of(a, &x, &xi) && num_of(b, &y, &yi)) {
        int ints = xi && yi;
        double r;
        switch (op) {
        case '+': r = x + y; break;
        case '-': r = x - y; break;
        case '*': r = x * y; break;
        case '/':
            if (y == 0)
                return biz_tpl_fail(cx, n->start, ints ? "division by zero" : "float division by zero");
            *out = biz_tpl_new_float(x / y);
            return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
        case BIZ_TPL_OP_FLOORDIV:
            if (y == 0)
                return biz_tpl_fail(cx, n->start, ints ? "integer division or modulo by zero"
                                                       : "float floor division by zero");
            r = floor(x / y);
            break;
        case '%':
            if (y == 0)
                return biz_tpl_fail(cx, n->start, ints ? "integer division or modulo by zero" : "float modulo");
            r = fmod(x, y);
            if (r != 0 && ((r < 0) != (y < 0)))
                r += y;
            break;
        default: /* ** */
            if (x == 0 && y < 0)
                return biz_tpl_fail(cx, n->start, "0.0 cannot be raised to a negative power");
            if (x < 0 && y != floor(y))
                return biz_tpl_fail(cx, n->start, "negative number cannot be raised to a fractional power");
            r = pow(x, y);
            if (ints && y < 0)
                ints = 0;
        }
        *out = ints ? biz_tpl_new_int(r) : biz_tpl_new_float(r);
        return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
    }
    if (op == '%' && cJSON_IsString(a) && !biz_tpl_is_dt(a))
        return biz_tpl_percent(cx, n, a->valuestring, b, out);
    if (op == '+' && cJSON_IsString(a) && cJSON_IsString(b)) {
        if (biz_tpl_check_str(cx, n->start, (double)strlen(a->valuestring) + (double)strlen(b->valuestring)) < 0)
            return -1;
        biz_buf buf = {0};
        biz_buf_adds(&buf, a->valuestring);
        biz_buf_adds(&buf, b->valuestring);
        char *s = biz_buf_take(&buf);
        *out = s ? cJSON_CreateString(s) : NULL;
        free(s);
        return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
    }
    if (op == '+' && cJSON_IsArray(a) && cJSON_IsArray(b)
        && (a->type & BIZ_TPL_TUPLE_BIT) == (b->type & BIZ_TPL_TUPLE_BIT)) {
        if (biz_tpl_check_items(cx, n->start, (double)cJSON_GetArraySize(a) + cJSON_GetArraySize(b)) < 0)
            return -1;
        *out = cJSON_Duplicate(a, 1);
        for (const cJSON *c = b->child; *out && c; c = c->next) {
            cJSON *d = cJSON_Duplicate(c, 1);
            if (!d) {
                cJSON_Delete(*out);
                *out = NULL;
                break;
            }
            cJSON_AddItemToArray(*out, d);
        }
        return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
    }
    if (op == '*') {
        const cJSON *seq = NULL, *cnt = NULL;
        if ((cJSON_IsString(a) || cJSON_IsArray(a)) && num_of(b, &y, &yi) && yi)
            seq = a, cnt = b;
        else if ((cJSON_IsString(b) || cJSON_IsArray(b)) && num_of(a, &x, &xi) && xi)
            seq = b, cnt = a;
        if (seq) {
            num_of(cnt, &y, &yi);
            return repeat(cx, n, seq, y, out);
        }
    }
    return biz_tpl_fail(cx, n->start, "unsupported operand type(s) for %s: '%s' and '%s'",
                        op == BIZ_TPL_OP_FLOORDIV ? "//" : op == BIZ_TPL_OP_POW ? "**" : op == '+' ? "+"
                        : op == '-' ? "-" : op == '*' ? "*" : op == '/' ? "/" : "%",
                        biz_tpl_type_name(a), biz_tpl_type_name(b));
}

static const char *cmp_name(int op)
{
    switch (op) {
    case BIZ_TPL_OP_LT: return "<";
    case BIZ_TPL_OP_LE: return "<=";
    case BIZ_TPL_OP_GT: return ">";
    case BIZ_TPL_OP_GE: return ">=";
    default: return "?";
    }
}

static int compare(biz_tpl_ctx *cx, const biz_tpl_node *n, int op, const cJSON *a, const cJSON *b, int *res)
{
    int o;
    switch (op) {
    case BIZ_TPL_OP_EQ: *res = biz_tpl_equal(a, b); return 0;
    case BIZ_TPL_OP_NE: *res = !biz_tpl_equal(a, b); return 0;
    case BIZ_TPL_OP_IN:
    case BIZ_TPL_OP_NOTIN:
        if (cJSON_IsString(b)) {
            if (!cJSON_IsString(a))
                return biz_tpl_fail(cx, n->start, "'in <string>' requires string as left operand, not %s",
                                    biz_tpl_type_name(a));
            *res = strstr(b->valuestring, a->valuestring) != NULL;
        } else if (cJSON_IsArray(b)) {
            *res = 0;
            for (const cJSON *c = b->child; c && !*res; c = c->next)
                *res = biz_tpl_equal(a, c);
        } else if (cJSON_IsObject(b)) {
            *res = cJSON_IsString(a) && cJSON_GetObjectItemCaseSensitive(b, a->valuestring) != NULL;
        } else {
            return biz_tpl_fail(cx, n->start, "argument of type '%s' is not iterable", biz_tpl_type_name(b));
        }
        if (op == BIZ_TPL_OP_NOTIN)
            *res = !*res;
        return 0;
    default:
        if (biz_tpl_order(a, b, &o) < 0)
            return biz_tpl_fail(cx, n->start, "'%s' not supported between instances of '%s' and '%s'",
                                cmp_name(op), biz_tpl_type_name(a), biz_tpl_type_name(b));
        *res = op == BIZ_TPL_OP_LT ? o < 0 : op == BIZ_TPL_OP_LE ? o <= 0 : op == BIZ_TPL_OP_GT ? o > 0 : o >= 0;
        return 0;
    }
}

static int eval_cmp(biz_tpl_ctx *cx, const biz_tpl_node *n, biz_tpl_val *out)
{
    cJSON *l, *r;
    int res = 1;
    if (biz_tpl_eval_json(cx, n->kids[0], &l) < 0)
        return -1;
    for (int i = 1; i < n->nkids && res; i++) {
        if (biz_tpl_eval_json(cx, n->kids[i], &r) < 0) {
            cJSON_Delete(l);
            return -1;
        }
        if (compare(cx, n->kids[i - 1], n->ops[i - 1], l, r, &res) < 0) {
            cJSON_Delete(l);
            cJSON_Delete(r);
            return -1;
        }
        cJSON_Delete(l);
        l = r;
    }
    cJSON_Delete(l);
    return set_json(cx, n, out, cJSON_CreateBool(res));
}

static int eval_seq(biz_tpl_ctx *cx, const biz_tpl_node *n, biz_tpl_val *out)
{
    cJSON *a = n->kind == BIZ_TPL_E_DICT ? cJSON_CreateObject() : cJSON_CreateArray();
    if (!a)
        return biz_tpl_fail(cx, n->start, "out of memory");
    if (n->kind == BIZ_TPL_E_TUPLE)
        a->type |= BIZ_TPL_TUPLE_BIT;
    for (int i = 0; i < n->nkids; i++) {
        cJSON *v;
        if (biz_tpl_eval_json(cx, n->kids[i], &v) < 0) {
            cJSON_Delete(a);
            return -1;
        }
        if (n->kind != BIZ_TPL_E_DICT) {
            cJSON_AddItemToArray(a, v);
            continue;
        }
        cJSON *val;
        if (biz_tpl_eval_json(cx, n->kids[++i], &val) < 0) {
            cJSON_Delete(v);
            cJSON_Delete(a);
            return -1;
        }
        if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
            cJSON_Delete(v);
            cJSON_Delete(val);
            cJSON_Delete(a);
            return biz_tpl_fail(cx, n->kids[i - 1]->start, "unhashable type as a dict key");
        }
        char *k = biz_tpl_str(v); /* JSON keys are strings */
        cJSON_Delete(v);
        if (!k) {
            cJSON_Delete(val);
            cJSON_Delete(a);
            return biz_tpl_fail(cx, n->start, "out of memory");
        }
        cJSON_DeleteItemFromObjectCaseSensitive(a, k);
        obj_add(&a, k, val);
        free(k);
        if (!a)
            return biz_tpl_fail(cx, n->start, "out of memory");
    }
    return set_json(cx, n, out, a);
}

int biz_tpl_eval(biz_tpl_ctx *cx, const biz_tpl_node *n, biz_tpl_val *out)
{
    cJSON *a = NULL, *b = NULL, *res = NULL;
    biz_tpl_val v = {0};
    int r;
    memset(out, 0, sizeof *out);
    if (cx->failed)
        return -1;
    if (biz_tpl_charge(cx, n->start, 1) < 0)
        return -1;
    if (++cx->depth > MAX_EVAL_DEPTH) {
        cx->depth--;
        return biz_tpl_fail(cx, n->start, "expression nested too deeply");
    }
    const cJSON *path;
    switch (n->kind) {
    case BIZ_TPL_E_LIT:
        r = set_json(cx, n, out, cJSON_Duplicate(n->lit, 1));
        break;
    case BIZ_TPL_E_NAME:
        r = eval_name(cx, n, out);
        break;
    case BIZ_TPL_E_ATTR:
    case BIZ_TPL_E_SUB:
        if ((path = borrow_path(cx, n))) {
            cJSON *c = biz_tpl_dup(cx, n->start, path);
            r = c ? set_json(cx, n, out, c) : -1;
        } else if (cx->failed) {
            r = -1; /* a key's error, or a limit */
        } else {
            r = n->kind == BIZ_TPL_E_ATTR ? eval_attr(cx, n, out) : eval_sub(cx, n, out);
        }
        break;
    case BIZ_TPL_E_SLICE:
        r = eval_slice(cx, n, out);
        break;
    case BIZ_TPL_E_CALL:
        r = eval_call(cx, n, out);
        break;
    case BIZ_TPL_E_FILTER:
        r = biz_tpl_eval(cx, n->a, &v);
        if (r == 0 && v.kind == BIZ_TPL_V_UNDEF && strcmp(n->s, "default") && strcmp(n->s, "d"))
            r = biz_tpl_need_json(cx, n->a, &v);
        else if (r == 0 && v.kind != BIZ_TPL_V_UNDEF)
            r = biz_tpl_need_json(cx, n->a, &v);
        if (r == 0)
            r = biz_tpl_apply_filter(cx, n, &v, out);
        biz_tpl_val_free(&v);
        break;
    case BIZ_TPL_E_TEST: {
        int t = 0;
        r = biz_tpl_eval(cx, n->a, &v);
        if (r == 0 && (v.kind != BIZ_TPL_V_UNDEF || (strcmp(n->s, "defined") && strcmp(n->s, "undefined"))))
            r = biz_tpl_need_json(cx, n->a, &v);
        if (r == 0)
            r = biz_tpl_apply_test(cx, n, &v, &t);
        biz_tpl_val_free(&v);
        if (r == 0)
            r = set_json(cx, n, out, cJSON_CreateBool(n->op ? !t : t));
        break;
    }
    case BIZ_TPL_E_BIN:
        r = biz_tpl_eval_json(cx, n->a, &a);
        if (r == 0)
            r = biz_tpl_eval_json(cx, n->b, &b);
        if (r == 0)
            r = arith(cx, n, n->op, a, b, &res);
        if (r == 0)
            r = set_json(cx, n, out, res);
        break;
    case BIZ_TPL_E_NEG:
    case BIZ_TPL_E_POS: {
        double d;
        int isint;
        r = biz_tpl_eval_json(cx, n->a, &a);
        if (r == 0 && !num_of(a, &d, &isint))
            r = biz_tpl_fail(cx, n->start, "bad operand type for unary %c: '%s'",
                             n->kind == BIZ_TPL_E_NEG ? '-' : '+', biz_tpl_type_name(a));
        if (r == 0) {
            if (n->kind == BIZ_TPL_E_NEG)
                d = -d;
            r = set_json(cx, n, out, isint ? biz_tpl_new_int(d) : biz_tpl_new_float(d));
        }
        break;
    }
    case BIZ_TPL_E_NOT:
        r = biz_tpl_eval_json(cx, n->a, &a);
        if (r == 0)
            r = set_json(cx, n, out, cJSON_CreateBool(!biz_tpl_truthy(a)));
        break;
    case BIZ_TPL_E_AND:
    case BIZ_TPL_E_OR:
        r = biz_tpl_eval_json(cx, n->a, &a);
        if (r == 0) {
            int t = biz_tpl_truthy(a);
            if ((n->kind == BIZ_TPL_E_AND) == (t != 0)) { /* the right side decides */
                cJSON_Delete(a);
                a = NULL;
                r = biz_tpl_eval_json(cx, n->b, &b);
                if (r == 0) {
                    r = set_json(cx, n, out, b);
                    b = NULL;
                }
            } else {
                r = set_json(cx, n, out, a);
                a = NULL;
            }
        }
        break;
    case BIZ_TPL_E_CMP:
        r = eval_cmp(cx, n, out);
        break;
    case BIZ_TPL_E_COND:
        r = biz_tpl_eval_json(cx, n->b, &a);
        if (r == 0) {
            if (biz_tpl_truthy(a))
                r = biz_tpl_eval(cx, n->a, out);
            else if (n->c)
                r = biz_tpl_eval(cx, n->c, out);
            else
                r = set_undef(out, "the inline if-expression evaluated to false and no else section was defined");
        }
        break;
    case BIZ_TPL_E_LIST:
    case BIZ_TPL_E_TUPLE:
    case BIZ_TPL_E_DICT:
        r = eval_seq(cx, n, out);
        break;
    case BIZ_TPL_E_CONCAT: {
        r = biz_tpl_eval_json(cx, n->a, &a);
        if (r == 0)
            r = biz_tpl_eval_json(cx, n->b, &b);
        if (r == 0 && cJSON_IsString(a) && cJSON_IsString(b))
            r = biz_tpl_check_str(cx, n->start, (double)strlen(a->valuestring) + (double)strlen(b->valuestring));
        if (r == 0) {
            biz_buf buf = {0};
            biz_tpl_str_to(&buf, a);
            biz_tpl_str_to(&buf, b);
            char *s = biz_buf_take(&buf);
            r = set_json(cx, n, out, s ? cJSON_CreateString(s) : NULL);
            free(s);
        }
        break;
    }
    default:
        r = biz_tpl_fail(cx, n->start, "internal error: not an expression");
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
    cx->depth--;
    if (r == 0 && out->kind == BIZ_TPL_V_JSON && check_result(cx, n, out->j) < 0)
        r = -1;
    if (r < 0)
        biz_tpl_val_free(out);
    return r;
}
