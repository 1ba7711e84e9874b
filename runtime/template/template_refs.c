/* template_refs.c: what a parsed template refers to (names, XCom task ids,
 * Airflow variables and connections), for the compiler's checks. Walks the
 * tree in order, keeping the names bound by {% set %} / {% for %}. */
#include <stdlib.h>
#include <string.h>

#include "template_int.h"

typedef struct refs {
    biz_tpl_ref_fn fn;
    void *user;
    char **bound; /* names bound by set / for, in scope */
    int nbound, cap;
} refs;

static int is_bound(refs *r, const char *s)
{
    for (int i = r->nbound - 1; i >= 0; i--)
        if (!strcmp(r->bound[i], s))
            return 1;
    return 0;
}

static void bind(refs *r, biz_tpl_node *target)
{
    if (!target)
        return;
    if (target->kind == BIZ_TPL_E_TUPLE) {
        for (int i = 0; i < target->nkids; i++)
            bind(r, target->kids[i]);
        return;
    }
    if (r->nbound == r->cap) {
        int cap = r->cap ? r->cap * 2 : 8;
        char **b = realloc(r->bound, sizeof *b * cap);
        if (!b)
            return;
        r->bound = b;
        r->cap = cap;
    }
    r->bound[r->nbound++] = target->s;
}

static void walk(refs *r, biz_tpl_node *n, int guarded);

static void walk_xcom_ids(refs *r, biz_tpl_node *a)
{
    if (a->kind == BIZ_TPL_E_LIT && cJSON_IsString(a->lit))
        r->fn(r->user, "xcom_task", a->lit->valuestring, a->start);
    else if (a->kind == BIZ_TPL_E_LIST || a->kind == BIZ_TPL_E_TUPLE)
        for (int i = 0; i < a->nkids; i++)
            if (a->kids[i]->kind == BIZ_TPL_E_LIT && cJSON_IsString(a->kids[i]->lit))
                r->fn(r->user, "xcom_task", a->kids[i]->lit->valuestring, a->kids[i]->start);
}

static int is_name_node(biz_tpl_node *n, const char *a, const char *b)
{
    return n && n->kind == BIZ_TPL_E_NAME && (!strcmp(n->s, a) || (b && !strcmp(n->s, b)));
}

static void walk(refs *r, biz_tpl_node *n, int guarded)
{
    if (!n)
        return;
    switch (n->kind) {
    case BIZ_TPL_E_NAME:
        if (!guarded && !is_bound(r, n->s) && !(biz_tpl_name_flags(n->s) & BIZ_TPL_NAME_GLOBAL))
            r->fn(r->user, "name", n->s, n->start);
        return;
    case BIZ_TPL_E_ATTR:
        /* var.value.X / var.json.X / conn.X */
        if (n->a->kind == BIZ_TPL_E_ATTR && is_name_node(n->a->a, "var", NULL) && !is_bound(r, "var")
            && (!strcmp(n->a->s, "value") || !strcmp(n->a->s, "json"))) {
            if (strcmp(n->s, "get"))
                r->fn(r->user, "var", n->s, n->op);
            return;
        }
        if (is_name_node(n->a, "conn", NULL) && !is_bound(r, "conn")) {
            r->fn(r->user, "conn", n->s, n->op);
            return;
        }
        /* params.X, unless guarded (| default, is defined) */
        if (is_name_node(n->a, "params", NULL) && !is_bound(r, "params")) {
            if (!guarded)
                r->fn(r->user, "param", n->s, n->op);
            return;
        }
        walk(r, n->a, guarded);
        return;
    case BIZ_TPL_E_SUB:
        /* params['X'] */
        if (is_name_node(n->a, "params", NULL) && !is_bound(r, "params") && n->b
            && n->b->kind == BIZ_TPL_E_LIT && cJSON_IsString(n->b->lit)) {
            if (!guarded)
                r->fn(r->user, "param", n->b->lit->valuestring, n->b->start + 1);   /* past the quote */
            return;
        }
        walk(r, n->a, guarded);
        walk(r, n->b, 0);
        return;
    case BIZ_TPL_E_CALL: {
        biz_tpl_node *f = n->a;
        if (f->kind == BIZ_TPL_E_ATTR && !strcmp(f->s, "xcom_pull") && is_name_node(f->a, "ti", "task_instance")) {
            for (int i = 0; i < n->nkids; i++)
                if ((!n->names[i] && i == 0) || (n->names[i] && !strcmp(n->names[i], "task_ids")))
                    walk_xcom_ids(r, n->kids[i]);
        } else if (f->kind == BIZ_TPL_E_ATTR && !strcmp(f->s, "get") && f->a->kind == BIZ_TPL_E_ATTR
                   && is_name_node(f->a->a, "var", NULL) && n->nkids >= 1 && n->kids[0]->kind == BIZ_TPL_E_LIT
                   && cJSON_IsString(n->kids[0]->lit)) {
            r->fn(r->user, "var", n->kids[0]->lit->valuestring, n->kids[0]->start);
        } else if (f->kind == BIZ_TPL_E_ATTR && (!strcmp(f->s, "in_timezone") || !strcmp(f->s, "in_tz")
                                             || !strcmp(f->s, "astimezone"))
                   && n->nkids == 1 && n->kids[0]->kind == BIZ_TPL_E_LIT && cJSON_IsString(n->kids[0]->lit)) {
            r->fn(r->user, "tz", n->kids[0]->lit->valuestring, n->kids[0]->start);
        }
        if (f->kind == BIZ_TPL_E_ATTR)
            walk(r, f->a, 0);
        for (int i = 0; i < n->nkids; i++)
            walk(r, n->kids[i], 0);
        return;
    }
    case BIZ_TPL_E_FILTER:
        walk(r, n->a, !strcmp(n->s, "default") || !strcmp(n->s, "d"));
        for (int i = 0; i < n->nkids; i++)
            walk(r, n->kids[i], 0);
        return;
    case BIZ_TPL_E_TEST:
        walk(r, n->a, !strcmp(n->s, "defined") || !strcmp(n->s, "undefined"));
        for (int i = 0; i < n->nkids; i++)
            walk(r, n->kids[i], 0);
        return;
    case BIZ_TPL_N_FOR: {
        walk(r, n->b, 0);
        int save = r->nbound;
        bind(r, n->a);
        static char loop[] = "loop";
        biz_tpl_node ln = {0};
        ln.kind = BIZ_TPL_E_NAME;
        ln.s = loop;
        bind(r, &ln);
        walk(r, n->d, 0);
        walk(r, n->c, 0);
        r->nbound = save;
        for (int i = 0; i < n->nkids; i++)
            walk(r, n->kids[i], 0);
        return;
    }
    case BIZ_TPL_N_SET:
        walk(r, n->b, 0);
        bind(r, n->a);
        return;
    default:
        walk(r, n->a, 0);
        walk(r, n->b, 0);
        walk(r, n->c, 0);
        walk(r, n->d, 0);
        for (int i = 0; i < n->nkids; i++)
            walk(r, n->kids[i], 0);
    }
}

void biz_tpl_refs(const biz_tpl *t, biz_tpl_ref_fn fn, void *user)
{
    if (!t || !fn)
        return;
    refs r = {fn, user, NULL, 0, 0};
    walk(&r, t->root, 0);
    free(r.bound);
}
