/* graph.c: what sema checks once every task of a DAG is known (task
 * references, branch targets, cycles, lonely tasks) and the IR it builds
 * (tasks in topological order with their merged arguments).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "sema_int.h"

void sx_add_edge(biz_sema *S, sx_dag *dag, int from, int to, biz_span span)
{
    if (from < 0 || to < 0 || from >= dag->ntasks || to >= dag->ntasks)
        return;
    sx_edge e = { from, to, span, 0 };
    SX_PUSH(S, dag->edges, dag->nedges, dag->cap_edges, e);
    sx_task *a = dag->tasks[from], *b = dag->tasks[to];
    if (!(a->grp && a->grp == b->grp)) {
        a->linked = 1;
        b->linked = 1;
    }
}

static int find_task(const sx_dag *dag, const char *id)
{
    for (int i = 0; i < dag->ntasks; i++)
        if (strcmp(dag->tasks[i]->id, id) == 0)
            return i;
    return -1;
}

static int has_edge(const sx_dag *dag, int from, int to)
{
    for (int i = 0; i < dag->nedges; i++)
        if (!dag->edges[i].off && dag->edges[i].from == from && dag->edges[i].to == to)
            return 1;
    return 0;
}

/* Is a upstream of b (through any path)? */
static int is_upstream(const sx_dag *dag, int a, int b, char *seen)
{
    if (a == b)
        return 1;
    if (seen[b])
        return 0;
    seen[b] = 1;
    for (int i = 0; i < dag->nedges; i++)
        if (!dag->edges[i].off && dag->edges[i].to == b && is_upstream(dag, a, dag->edges[i].from, seen))
            return 1;
    return 0;
}

static const sx_arg *task_arg(const sx_task *t, const char *name)
{
    for (int i = t->nargs - 1; i >= 0; i--)
        if (strcmp(t->args[i].name, name) == 0)
            return &t->args[i];
    return NULL;
}

static void report_missing(biz_sema *S, const sx_dag *dag, const sx_ref *r)
{
    const char *argname = r->kind == REF_XCOM ? "task_ids" : r->arg;
    const char *what = r->kind == REF_XCOM ? "ti.xcom_pull" : argname;
    const char *hint = NULL;
    for (int i = 0; i < dag->ntasks && !hint; i++) {
        const sx_arg *a = task_arg(dag->tasks[i], "cws_name");
        if (a && a->val->kind == BV_STR && strcmp(a->val->u.str.s, r->value) == 0)
            hint = sx_fmt(S, "'%s' is the cws_name of task '%s'; %s takes a task id: %s='%s'", r->value,
                          dag->tasks[i]->id, what, argname, dag->tasks[i]->id);
    }
    for (int i = 0; i < dag->ngroups && !hint; i++) {
        const sx_group *g = dag->groups[i];
        if (strcmp(g->id, r->value) == 0)
            hint = g->read >= 0
                ? sx_fmt(S, "'%s' is a task group; its tasks are '%s.call', '%s.wait' and '%s.read'",
                         g->id, g->id, g->id, g->id)
                : sx_fmt(S, "'%s' is a task group; its tasks are '%s.call' and '%s.wait'", g->id, g->id,
                         g->id);
    }
    if (!hint && dag->ntasks > 0) {
        const char **ids = sx_alloc(S, sizeof *ids * (size_t)dag->ntasks);
        for (int i = 0; i < dag->ntasks; i++)
            ids[i] = dag->tasks[i]->id;
        const char *sug = biz_suggest(r->value, ids, dag->ntasks);
        if (sug)
            hint = sx_fmt(S, "did you mean '%s'?", sug);
    }
    biz_error(S->d, r->span, hint, "no task '%s' in DAG '%s'", r->value, dag->id);
}

/* Airflow follows a task group's first task when a branch names the
 * group: rewrite the id to '<group>.call' so the runtime needs not know. */
static void rename_in(biz_sema *S, sx_val *v, const char *from, const char *to)
{
    if (v->kind == BV_STR && strcmp(v->u.str.s, from) == 0) {
        v->u.str.s = sx_strdup(S, to);
        v->u.str.len = strlen(to);
    } else if (v->kind == BV_LIST || v->kind == BV_TUPLE) {
        for (int i = 0; i < v->u.seq.n; i++)
            rename_in(S, v->u.seq.items[i], from, to);
    }
}

static int branch_to_group(biz_sema *S, sx_dag *dag, sx_ref *r)
{
    for (int i = 0; i < dag->ngroups; i++) {
        const sx_group *g = dag->groups[i];
        if (strcmp(g->id, r->value) != 0)
            continue;
        sx_task *o = dag->tasks[r->owner];
        const char *call = dag->tasks[g->call]->id;
        for (int j = 0; j < o->nargs; j++)
            if (strcmp(o->args[j].name, r->arg) == 0)
                rename_in(S, o->args[j].val, g->id, call);
        r->value = sx_strdup(S, call);
        return g->call;
    }
    return -1;
}

static void check_refs(biz_sema *S, sx_dag *dag)
{
    for (int i = 0; i < dag->nrefs; i++) {
        sx_ref *r = &dag->refs[i];
        int t = find_task(dag, r->value);
        if (t < 0 && r->kind == REF_BRANCH && r->owner >= 0)
            t = branch_to_group(S, dag, r);
        if (t < 0) {
            report_missing(S, dag, r);
            continue;
        }
        if (r->owner < 0)
            continue;
        const sx_task *o = dag->tasks[r->owner];
        if (r->kind == REF_BRANCH && !has_edge(dag, r->owner, t)) {
            biz_warning(S->d, r->span, sx_fmt(S, "add the dependency %s >> %s", o->id, r->value),
                        "branch '%s' follows '%s', which is not directly downstream of it; "
                        "Airflow would not skip the branches properly", o->id, r->value);
        } else if (r->kind == REF_TASK_ARG && strcmp(r->arg, "cws_task_id") == 0) {
            char *seen = calloc((size_t)dag->ntasks, 1);
            int up = is_upstream(dag, t, r->owner, seen);
            free(seen);
            if (!up && t != r->owner)
                biz_warning(S->d, r->span, sx_fmt(S, "add the dependency %s >> %s", r->value, o->id),
                            "'%s' reads the result of '%s', which is not upstream of it; it may run first",
                            o->id, r->value);
        }
    }
}

/* ---------------------------------------------------------------- cycles */

typedef struct cyc {
    const sx_dag *dag;
    char *color;
    int *stack_node, *stack_edge;  /* node, and the edge that reached it */
    int depth;
    int closing;                   /* the back edge found, or -1 */
    int start;                     /* stack position of the cycle's first node */
} cyc;

static int dfs(cyc *c, int u, int via)
{
    c->color[u] = 1;
    c->stack_node[c->depth] = u;
    c->stack_edge[c->depth] = via;
    c->depth++;
    for (int i = 0; i < c->dag->nedges; i++) {
        const sx_edge *e = &c->dag->edges[i];
        if (e->off || e->from != u)
            continue;
        if (c->color[e->to] == 1) {
            c->closing = i;
            for (int k = 0; k < c->depth; k++)
                if (c->stack_node[k] == e->to)
                    c->start = k;
            return 1;
        }
        if (c->color[e->to] == 0 && dfs(c, e->to, i))
            return 1;
    }
    c->depth--;
    c->color[u] = 2;
    return 0;
}

static void check_cycles(biz_sema *S, sx_dag *dag)
{
    int n = dag->ntasks;
    if (n == 0)
        return;
    cyc c = { dag, calloc((size_t)n, 1), calloc((size_t)n + 1, sizeof(int)),
              calloc((size_t)n + 1, sizeof(int)), 0, -1, 0 };
    for (int round = 0; round < 50; round++) {
        memset(c.color, 0, (size_t)n);
        c.closing = -1;
        for (int u = 0; u < n && c.closing < 0; u++) {
            c.depth = 0;
            if (c.color[u] == 0)
                dfs(&c, u, -1);
        }
        if (c.closing < 0)
            break;
        /* The cycle's edges in order; it is reported at the one written
         * last, which is the one that closes it when reading the file. */
        int len = c.depth - c.start;
        int *edges = calloc((size_t)len + 1, sizeof(int));
        for (int k = 1; k < len; k++)
            edges[k - 1] = c.stack_edge[c.start + k];
        edges[len - 1] = c.closing;
        int last = 0;
        for (int k = 1; k < len; k++)
            if (dag->edges[edges[k]].span.begin.off > dag->edges[edges[last]].span.begin.off)
                last = k;
        const sx_edge *ce = &dag->edges[edges[last]];
        char *path = sx_strdup(S, dag->tasks[ce->to]->id);
        for (int k = 1; k <= len; k++) {
            const sx_edge *e = &dag->edges[edges[(last + k) % len]];
            path = sx_fmt(S, "%s >> %s", path, dag->tasks[e->to]->id);
        }
        biz_error(S->d, ce->span, NULL, "cycle in DAG '%s': %s", dag->id, path);
        dag->edges[edges[last]].off = 1;
        free(edges);
    }
    free(c.color);
    free(c.stack_node);
    free(c.stack_edge);
}

/* --------------------------------------------------------------- warnings */

static void check_lonely(biz_sema *S, sx_dag *dag)
{
    if (dag->body_errors || S->syntax_errors)
        return;   /* a task, a dependency or a statement that failed would explain it */
    int entities = dag->ngroups;
    for (int i = 0; i < dag->ntasks; i++)
        if (!dag->tasks[i]->grp)
            entities++;
    if (entities == 0) {
        if (!S->d->nerrors)   /* a failed import or call would explain it */
            biz_warning(S->d, dag->span, NULL, "DAG '%s' has no tasks", dag->id);
        return;
    }
    if (entities < 2)
        return;
    for (int i = 0; i < dag->ntasks; i++) {
        const sx_task *t = dag->tasks[i];
        if (!t->grp && !t->linked)
            biz_warning(S->d, t->span, NULL, "task '%s' has no upstream or downstream tasks", t->id);
    }
    for (int i = 0; i < dag->ngroups; i++) {
        const sx_group *g = dag->groups[i];
        int linked = dag->tasks[g->call]->linked || dag->tasks[g->wait]->linked
                     || (g->read >= 0 && dag->tasks[g->read]->linked);
        if (!linked)
            biz_warning(S->d, g->span, NULL, "task group '%s' has no upstream or downstream tasks", g->id);
    }
}

/* --------------------------------------------------------------------- IR */

typedef struct merge_ctx {
    const sx_task *t;
    const sx_dag *dag;
    cJSON *out;
} merge_ctx;

static void merge_arg(const biz_arg_spec *spec, void *user)
{
    merge_ctx *m = user;
    const sx_arg *a = task_arg(m->t, spec->name);
    cJSON *j = NULL;
    if (a && a->val->kind != BV_ERROR) {
        j = sx_to_json(a->val);
    } else if (!(spec->flags & BIZ_A_NOT_DEFAULT) && sx_dict_get(m->dag->default_args, spec->name)
               && strcmp(spec->name, "params")) {   /* default_args' params are the DAG's (sema.c) */
        j = sx_to_json(sx_dict_get(m->dag->default_args, spec->name));
    } else if (spec->default_json) {
        j = cJSON_Parse(spec->default_json);
    }
    if (!j)
        j = cJSON_CreateNull();
    if (spec->type == BIZ_T_METHOD && cJSON_IsString(j))
        for (char *p = j->valuestring; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    cJSON_AddItemToObject(m->out, spec->name, j);
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (!p)
        abort();
    memcpy(p, s, n);
    return p;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

void sx_finish_dag(biz_sema *S, sx_dag *dag, biz_ir_dag *out)
{
    check_refs(S, dag);
    check_cycles(S, dag);
    check_lonely(S, dag);

    int n = dag->ntasks;
    out->dag_id = xstrdup(dag->id);
    out->line = dag->span.begin.line;
    out->col = dag->span.begin.col;
    out->settings = dag->settings;
    dag->settings = NULL;
    out->ntasks = n;
    out->tasks = calloc((size_t)(n ? n : 1), sizeof *out->tasks);
    if (!out->tasks)
        abort();

    /* Kahn's algorithm, always taking the earliest-created ready task, so
     * the order is stable and follows the source where it can. */
    int *indeg = calloc((size_t)n + 1, sizeof(int));
    int *order = calloc((size_t)n + 1, sizeof(int));
    int *newidx = calloc((size_t)n + 1, sizeof(int));
    char *done = calloc((size_t)n + 1, 1);
    for (int i = 0; i < dag->nedges; i++)
        if (!dag->edges[i].off)
            indeg[dag->edges[i].to]++;
    for (int k = 0; k < n; k++) {
        int pick = -1;
        for (int i = 0; i < n && pick < 0; i++)
            if (!done[i] && indeg[i] == 0)
                pick = i;
        if (pick < 0)   /* a cycle left (already reported): keep going */
            for (int i = 0; i < n && pick < 0; i++)
                if (!done[i])
                    pick = i;
        done[pick] = 1;
        order[k] = pick;
        newidx[pick] = k;
        for (int i = 0; i < dag->nedges; i++)
            if (!dag->edges[i].off && dag->edges[i].from == pick)
                indeg[dag->edges[i].to]--;
    }

    for (int k = 0; k < n; k++) {
        const sx_task *t = dag->tasks[order[k]];
        biz_ir_task *it = &out->tasks[k];
        it->task_id = xstrdup(t->id);
        it->op = t->op->kind;
        it->group_id = t->grp ? xstrdup(t->grp->id) : NULL;
        it->line = t->span.begin.line;
        it->col = t->span.begin.col;
        merge_ctx m = { t, dag, cJSON_CreateObject() };
        biz_op_each_arg(t->op, merge_arg, &m);
        it->args = m.out;
        it->locs = calloc((size_t)t->nargs + 1, sizeof *it->locs);
        for (int i = 0; i < t->nargs; i++) {
            const sx_arg *a = &t->args[i];
            if (!a->has_loc)
                continue;
            biz_ir_loc *l = &it->locs[it->nlocs++];
            l->name = xstrdup(a->name);
            l->line = a->val_span.begin.line;
            l->col = a->val_span.begin.col;
        }
        it->upstream = calloc((size_t)dag->nedges + 1, sizeof(int));
        for (int i = 0; i < dag->nedges; i++) {
            const sx_edge *e = &dag->edges[i];
            if (e->to != order[k] || e->from == e->to)
                continue;
            int u = newidx[e->from], dup = 0;
            for (int j = 0; j < it->nupstream; j++)
                if (it->upstream[j] == u)
                    dup = 1;
            if (!dup)
                it->upstream[it->nupstream++] = u;
        }
        qsort(it->upstream, (size_t)it->nupstream, sizeof(int), cmp_int);
    }
    free(indeg);
    free(order);
    free(newidx);
    free(done);
}

void biz_ir_free(biz_ir *ir)
{
    if (!ir)
        return;
    for (int i = 0; i < ir->ndags; i++) {
        biz_ir_dag *d = &ir->dags[i];
        free(d->dag_id);
        cJSON_Delete(d->settings);
        for (int k = 0; k < d->ntasks; k++) {
            biz_ir_task *t = &d->tasks[k];
            free(t->task_id);
            free(t->group_id);
            cJSON_Delete(t->args);
            free(t->upstream);
            for (int j = 0; j < t->nlocs; j++)
                free(t->locs[j].name);
            free(t->locs);
        }
        free(d->tasks);
    }
    free(ir->dags);
    free(ir);
}

const biz_ir_dag *biz_ir_find_dag(const biz_ir *ir, const char *dag_id)
{
    for (int i = 0; ir && i < ir->ndags; i++)
        if (strcmp(ir->dags[i].dag_id, dag_id) == 0)
            return &ir->dags[i];
    return NULL;
}
