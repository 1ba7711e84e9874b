/* graph.c: what sema checks once every task of a DAG is known (task
 * references, branch targets, cycles, lonely tasks) and the IR it builds
 * (tasks in topological order with their merged arguments).
 *
 * Every pass here costs O(tasks + edges) (the cycle search at most 50
 * times, once per cycle reported; the cws_task_id check one walk per task
 * read, which stops once it has reached all the tasks reading it): the
 * edges are indexed by the task they leave and by the task they enter,
 * task and group ids are looked up in sema's hash tables, and the walks
 * use explicit stacks, so a chain of 100,000 tasks neither walks every
 * edge per task nor overflows the stack. Unknown task ids are compared
 * with every task id (for "did you mean"), each at the cost of a length
 * and a character-set test for most (biz_suggester).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sema_int.h"
#include "buf.h"
#include "xalloc.h"

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

/* The edges by endpoint, as compressed rows of edge indices (ascending, so
 * each task's edges come in the order they were written): the edges leaving
 * task u are out_e[out_at[u] .. out_at[u + 1]), those entering it in_e[in_at[u]
 * .. in_at[u + 1]). Edges turned off later stay listed; readers skip them. */
typedef struct adj {
    int *out_at, *out_e;
    int *in_at, *in_e;
} adj;

static void adj_build(const sx_dag *dag, adj *a)
{
    int n = dag->ntasks, m = dag->nedges;
    a->out_at = biz_xcalloc((size_t)n + 1, sizeof(int));
    a->in_at = biz_xcalloc((size_t)n + 1, sizeof(int));
    a->out_e = biz_xcalloc((size_t)m, sizeof(int));
    a->in_e = biz_xcalloc((size_t)m, sizeof(int));
    for (int i = 0; i < m; i++) {
        a->out_at[dag->edges[i].from + 1]++;
        a->in_at[dag->edges[i].to + 1]++;
    }
    for (int u = 0; u < n; u++) {
        a->out_at[u + 1] += a->out_at[u];
        a->in_at[u + 1] += a->in_at[u];
    }
    int *out_next = biz_xcalloc((size_t)n, sizeof(int)), *in_next = biz_xcalloc((size_t)n, sizeof(int));
    memcpy(out_next, a->out_at, (size_t)n * sizeof(int));
    memcpy(in_next, a->in_at, (size_t)n * sizeof(int));
    for (int i = 0; i < m; i++) {
        a->out_e[out_next[dag->edges[i].from]++] = i;
        a->in_e[in_next[dag->edges[i].to]++] = i;
    }
    free(out_next);
    free(in_next);
}

static void adj_free(adj *a)
{
    free(a->out_at);
    free(a->out_e);
    free(a->in_at);
    free(a->in_e);
}

static int has_edge(const sx_dag *dag, const adj *g, int from, int to)
{
    for (int k = g->out_at[from]; k < g->out_at[from + 1]; k++) {
        const sx_edge *e = &dag->edges[g->out_e[k]];
        if (!e->off && e->to == to)
            return 1;
    }
    return 0;
}

/* Is a upstream of b, for every cws_task_id or ti.xcom_pull reference (task
 * a read by its owner b), answered before check_refs reports anything (no edge changes
 * while it runs). Walking up from each b to a costs the size of b's
 * upstream cone per reference: quadratic when many tasks of a chain read
 * its first task, or read a task that is not upstream of them. So the
 * references are grouped by the task they read, and one breadth-first walk
 * down from each such task answers all of its group, stopping as soon as
 * every reader of the group has been reached: near readers (a sensor right
 * after its call) cost a few steps, and a task read by many costs one walk.
 * up[i] is 1 when a reaches the owner of ref i (or is it); other refs get
 * 1, they are not asked about. */
static void cws_upstream(const sx_dag *dag, const adj *g, char *up)
{
    int n = dag->ntasks, q = 0;
    int *qa = biz_xcalloc((size_t)dag->nrefs, sizeof(int));   /* ref -> task it reads, or -1 */
    for (int i = 0; i < dag->nrefs; i++) {
        const sx_ref *r = &dag->refs[i];
        up[i] = 1;
        qa[i] = -1;
        if (r->owner < 0 || !(r->kind == REF_XCOM || (r->kind == REF_TASK_ARG && !strcmp(r->arg, "cws_task_id"))))
            continue;
        int t = sx_find_task(dag, r->value);
        if (t >= 0 && t != r->owner) {
            qa[i] = t;
            q++;
        }
    }
    if (q == 0) {
        free(qa);
        return;
    }
    /* The references by the task they read: grp[at[a] .. at[a + 1]). */
    int *at = biz_xcalloc((size_t)n + 1, sizeof(int)), *grp = biz_xcalloc((size_t)q, sizeof(int));
    for (int i = 0; i < dag->nrefs; i++)
        if (qa[i] >= 0)
            at[qa[i] + 1]++;
    for (int a = 0; a < n; a++)
        at[a + 1] += at[a];
    int *next = biz_xcalloc((size_t)n + 1, sizeof(int));
    memcpy(next, at, (size_t)n * sizeof(int));
    for (int i = 0; i < dag->nrefs; i++)
        if (qa[i] >= 0)
            grp[next[qa[i]]++] = i;
    /* seen[x] == stamp: x reached in this walk; want[x] == stamp: x reads
     * the walk's task and has not been reached yet. */
    int *seen = biz_xcalloc((size_t)n, sizeof(int)), *want = biz_xcalloc((size_t)n, sizeof(int));
    int *queue = biz_xcalloc((size_t)n, sizeof(int));
    int stamp = 0;
    for (int a = 0; a < n; a++) {
        if (at[a] == at[a + 1])
            continue;
        stamp++;
        int left = 0;
        for (int k = at[a]; k < at[a + 1]; k++) {
            int b = dag->refs[grp[k]].owner;
            if (want[b] != stamp) {
                want[b] = stamp;
                left++;
            }
        }
        int head = 0, tail = 0;
        seen[a] = stamp;
        queue[tail++] = a;
        while (head < tail && left > 0) {
            int x = queue[head++];
            for (int k = g->out_at[x]; k < g->out_at[x + 1] && left > 0; k++) {
                const sx_edge *e = &dag->edges[g->out_e[k]];
                if (e->off || seen[e->to] == stamp)
                    continue;
                seen[e->to] = stamp;
                queue[tail++] = e->to;
                if (want[e->to] == stamp)
                    left--;
            }
        }
        for (int k = at[a]; k < at[a + 1]; k++)
            up[grp[k]] = seen[dag->refs[grp[k]].owner] == stamp;
    }
    free(qa);
    free(at);
    free(grp);
    free(next);
    free(seen);
    free(want);
    free(queue);
}

static const sx_arg *task_arg(const sx_task *t, const char *name)
{
    for (int i = t->nargs - 1; i >= 0; i--)
        if (strcmp(t->args[i].name, name) == 0)
            return &t->args[i];
    return NULL;
}

/* What report_missing looks names up in, built when a first reference is
 * missing: services by cws_name (the first task calling each) and every
 * task id, for suggestions. */
typedef struct missing_ctx {
    int built;
    sx_map services;
    const char **ids;
    biz_suggester ids_sg;    /* ids prepared for one search per missing one */
} missing_ctx;

static void report_missing(biz_sema *S, const sx_dag *dag, missing_ctx *mc, const sx_ref *r)
{
    const char *argname = r->kind == REF_XCOM ? "task_ids" : r->arg;
    const char *what = r->kind == REF_XCOM ? "ti.xcom_pull" : argname;
    const char *hint = NULL;
    if (!mc->built) {
        mc->built = 1;
        mc->ids = sx_alloc(S, sizeof *mc->ids * (size_t)(dag->ntasks + 1));
        for (int i = 0; i < dag->ntasks; i++) {
            const sx_arg *a = task_arg(dag->tasks[i], "cws_name");
            if (a && a->val->kind == BV_STR && !sx_map_get(&mc->services, a->val->u.str.s))
                sx_map_put(S, &mc->services, a->val->u.str.s, dag->tasks[i]);
            mc->ids[i] = dag->tasks[i]->id;
        }
        biz_suggester_init(&mc->ids_sg, mc->ids, dag->ntasks);
    }
    const sx_task *caller = sx_map_get(&mc->services, r->value);
    if (caller)
        hint = sx_fmt(S, "'%s' is the cws_name of task '%s'; %s takes a task id: %s='%s'", r->value,
                      caller->id, what, argname, caller->id);
    const sx_group *g = hint ? NULL : sx_map_get(&dag->group_ids, r->value);
    if (g)
        hint = g->read >= 0
            ? sx_fmt(S, "'%s' is a task group; its tasks are '%s.call', '%s.wait' and '%s.read'",
                     g->id, g->id, g->id, g->id)
            : sx_fmt(S, "'%s' is a task group; its tasks are '%s.call' and '%s.wait'", g->id, g->id,
                     g->id);
    if (!hint) {
        /* A TaskGroup's task named by its own id: Airflow wants the full
         * one, prefix included. The referring task's group first. */
        const sx_tgroup *tg = r->owner >= 0 ? dag->tasks[r->owner]->tg : NULL;
        for (; tg && !hint; tg = tg->parent) {
            const char *full = sx_tgroup_child_id(S, tg, r->value);
            if (strcmp(full, r->value) && sx_find_task(dag, full) >= 0)
                hint = sx_fmt(S, "a task made in TaskGroup '%s' has the group's id in front: '%s'",
                              tg->id, full);
        }
        size_t n = strlen(r->value);
        for (int i = 0; i < dag->ntasks && !hint; i++) {
            const char *id = dag->tasks[i]->id;
            size_t k = strlen(id);
            if (dag->tasks[i]->tg && k > n + 1 && id[k - n - 1] == '.' && !strcmp(id + k - n, r->value))
                hint = sx_fmt(S, "a task made in TaskGroup '%s' has the group's id in front: '%s'",
                              dag->tasks[i]->tg->id, id);
        }
    }
    if (!hint && dag->ntasks > 0) {
        const char *sug = biz_suggester_find(&mc->ids_sg, r->value);
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
    const sx_group *g = sx_map_get(&dag->group_ids, r->value);
    if (!g)
        return -1;
    sx_task *o = dag->tasks[r->owner];
    const char *call = dag->tasks[g->call]->id;
    for (int j = 0; j < o->nargs; j++)
        if (strcmp(o->args[j].name, r->arg) == 0)
            rename_in(S, o->args[j].val, g->id, call);
    r->value = sx_strdup(S, call);
    return g->call;
}

/* {{ params.X }}: X must be one of the DAG's params or the task's own
 * params=; otherwise every run without X in its conf fails the task
 * (StrictUndefined), so it is an error. */
static void check_param_ref(biz_sema *S, const sx_dag *dag, const sx_ref *r)
{
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(dag->settings, "params");
    if (cJSON_GetObjectItemCaseSensitive(params, r->value))
        return;
    const sx_arg *own = r->owner >= 0 ? task_arg(dag->tasks[r->owner], "params") : NULL;
    if (own && own->val->kind == BV_DICT && sx_dict_get(own->val, r->value))
        return;
    int n = cJSON_GetArraySize(params);
    const char **names = sx_alloc(S, sizeof *names * (size_t)(n + 1));
    int k = 0;
    for (const cJSON *p = params ? params->child : NULL; p; p = p->next)
        names[k++] = p->string;
    const char *sug = biz_suggest(r->value, names, k);
    biz_error(S->d, r->span,
              sug ? sx_fmt(S, "did you mean '%s'?", sug)
                  : sx_fmt(S, "add it to the DAG's params, e.g. params={'%s': Param(...)}, or write "
                              "params.%s | default(...)", r->value, r->value),
              "unknown param '%s' in template: the DAG has no such param", r->value);
}

static void check_refs(biz_sema *S, sx_dag *dag, const adj *g)
{
    char *up = biz_xcalloc((size_t)dag->nrefs, 1);
    cws_upstream(dag, g, up);
    missing_ctx mc;
    memset(&mc, 0, sizeof mc);
    for (int i = 0; i < dag->nrefs; i++) {
        sx_ref *r = &dag->refs[i];
        if (r->kind == REF_PARAM) {
            check_param_ref(S, dag, r);
            continue;
        }
        int t = sx_find_task(dag, r->value);
        if (t < 0 && r->kind == REF_BRANCH && r->owner >= 0)
            t = branch_to_group(S, dag, r);
        if (t < 0) {
            report_missing(S, dag, &mc, r);
            continue;
        }
        if (r->owner < 0)
            continue;
        const sx_task *o = dag->tasks[r->owner];
        if (r->kind == REF_BRANCH && !has_edge(dag, g, r->owner, t)) {
            biz_warning(S->d, r->span, sx_fmt(S, "add the dependency %s >> %s", o->id, r->value),
                        "branch '%s' follows '%s', which is not directly downstream of it; "
                        "Airflow would not skip the branches properly", o->id, r->value);
        } else if (r->kind == REF_TASK_ARG && strcmp(r->arg, "cws_task_id") == 0) {
            if (!up[i])
                biz_warning(S->d, r->span, sx_fmt(S, "add the dependency %s >> %s", r->value, o->id),
                            "'%s' reads the result of '%s', which is not upstream of it; it may run first",
                            o->id, r->value);
        } else if (r->kind == REF_XCOM && !up[i]) {
            /* Airflow adds no dependency for a pull written in a template:
             * when the task pulled from has not run yet, the pull is None. */
            biz_warning(S->d, r->span, sx_fmt(S, "add the dependency %s >> %s", r->value, o->id),
                        "'%s' pulls the XCom of '%s', which is not upstream of it; the pull gives None "
                        "when '%s' has not run yet", o->id, r->value, r->value);
        }
    }
    if (mc.built)
        biz_suggester_free(&mc.ids_sg);
    free(up);
}

/* ---------------------------------------------------------------- cycles */

typedef struct cyc {
    const sx_dag *dag;
    const adj *g;
    char *color;                   /* 0 unseen, 1 on the stack, 2 done */
    int *stack_node, *stack_edge;  /* node, and the edge that reached it */
    int *stack_next;               /* the node's next out_e position to try */
    int depth;
    int closing;                   /* the back edge found, or -1 */
    int start;                     /* stack position of the cycle's first node */
} cyc;

static void dfs_push(cyc *c, int u, int via)
{
    c->color[u] = 1;
    c->stack_node[c->depth] = u;
    c->stack_edge[c->depth] = via;
    c->stack_next[c->depth] = c->g->out_at[u];
    c->depth++;
}

/* Depth-first from root, each task's edges in the order written; on a back
 * edge, stops with the path to it on the stack. Returns 1 then. */
static int dfs(cyc *c, int root)
{
    dfs_push(c, root, -1);
    while (c->depth > 0) {
        int top = c->depth - 1, u = c->stack_node[top];
        if (c->stack_next[top] == c->g->out_at[u + 1]) {
            c->depth--;
            c->color[u] = 2;
            continue;
        }
        int i = c->g->out_e[c->stack_next[top]++];
        const sx_edge *e = &c->dag->edges[i];
        if (e->off)
            continue;
        if (c->color[e->to] == 1) {
            c->closing = i;
            for (int k = 0; k < c->depth; k++)
                if (c->stack_node[k] == e->to)
                    c->start = k;
            return 1;
        }
        if (c->color[e->to] == 0)
            dfs_push(c, e->to, i);
    }
    return 0;
}

static void check_cycles(biz_sema *S, sx_dag *dag, const adj *g)
{
    int n = dag->ntasks;
    if (n == 0)
        return;
    cyc c = { dag, g, biz_xcalloc((size_t)n, 1), biz_xcalloc((size_t)n + 1, sizeof(int)),
              biz_xcalloc((size_t)n + 1, sizeof(int)), biz_xcalloc((size_t)n + 1, sizeof(int)), 0, -1, 0 };
    for (int round = 0; round < 50; round++) {
        memset(c.color, 0, (size_t)n);
        c.closing = -1;
        for (int u = 0; u < n && c.closing < 0; u++) {
            c.depth = 0;
            if (c.color[u] == 0)
                dfs(&c, u);
        }
        if (c.closing < 0)
            break;
        /* The cycle's edges in order; it is reported at the one written
         * last, which is the one that closes it when reading the file. */
        int len = c.depth - c.start;
        int *edges = biz_xcalloc((size_t)len + 1, sizeof(int));
        for (int k = 1; k < len; k++)
            edges[k - 1] = c.stack_edge[c.start + k];
        edges[len - 1] = c.closing;
        int last = 0;
        for (int k = 1; k < len; k++)
            if (dag->edges[edges[k]].span.begin.off > dag->edges[edges[last]].span.begin.off)
                last = k;
        const sx_edge *ce = &dag->edges[edges[last]];
        biz_buf path = { 0 };   /* "a >> b >> c >> a" */
        biz_buf_adds(&path, dag->tasks[ce->to]->id);
        for (int k = 1; k <= len; k++) {
            const sx_edge *e = &dag->edges[edges[(last + k) % len]];
            biz_buf_adds(&path, " >> ");
            biz_buf_adds(&path, dag->tasks[e->to]->id);
        }
        if (biz_buf_failed(&path))
            biz_xalloc_die();
        biz_error(S->d, ce->span, NULL, "cycle in DAG '%s': %s", dag->id, path.p);
        biz_buf_free(&path);
        dag->edges[edges[last]].off = 1;
        free(edges);
    }
    free(c.color);
    free(c.stack_node);
    free(c.stack_edge);
    free(c.stack_next);
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
    /* A DAG without a single dependency is a set of independent tasks by
     * design (a loop's, say): only a task left out of a DAG that has
     * dependencies looks like a forgotten >>. */
    int any_linked = 0;
    for (int i = 0; i < dag->ntasks && !any_linked; i++)
        any_linked = dag->tasks[i]->linked;
    if (!any_linked)
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
    /* A TaskGroup's default_args (the DAG's updated by the group's). */
    const sx_val *defaults = m->t->tg ? m->t->tg->default_args : m->dag->default_args;
    cJSON *j = NULL;
    if (a && a->val->kind != BV_ERROR) {
        j = sx_to_json(a->val);
    } else if (!(spec->flags & BIZ_A_NOT_DEFAULT) && sx_dict_get(defaults, spec->name)
               && strcmp(spec->name, "params")) {   /* default_args' params are the DAG's (sema.c) */
        j = sx_to_json(sx_dict_get(defaults, spec->name));
    } else if (spec->default_json) {
        j = cJSON_Parse(spec->default_json);
    }
    if (!j)
        j = cJSON_CreateNull();
    if (spec->type == BIZ_T_METHOD && cJSON_IsString(j))
        for (char *p = j->valuestring; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    /* The operator tables' names live as long as the program: the key is
     * not copied (a copy per argument per task was a third of the IR's
     * allocations). */
    cJSON_AddItemToObjectCS(m->out, spec->name, j);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* A binary min-heap of task indices: the ready tasks. */
typedef struct heap {
    int *v;
    int n;
} heap;

static void heap_push(heap *h, int x)
{
    int i = h->n++;
    while (i > 0 && h->v[(i - 1) / 2] > x) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = x;
}

static int heap_pop(heap *h)
{
    int top = h->v[0], x = h->v[--h->n], i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->v[c + 1] < h->v[c])
            c++;
        if (h->v[c] >= x)
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n > 0)
        h->v[i] = x;
    return top;
}

/* ------------------------------------------------------ setup / teardown */

/* The trigger rule task t ends with: given, else its default_args', else
 * all_success. */
static const char *rule_of(const sx_dag *dag, const sx_task *t, biz_span *at)
{
    const sx_arg *a = task_arg(t, "trigger_rule");
    const sx_val *defaults = t->tg ? t->tg->default_args : dag->default_args;
    const sx_val *v = a ? a->val : sx_dict_get(defaults, "trigger_rule");
    *at = a ? a->val_span : t->span;
    if (v && v->kind == BV_STR)
        return v->u.str.s;
    return "all_success";
}

/* Airflow's DAG.validate_setup_teardown: what directly follows a setup is
 * a teardown or runs on all_success (so clearing a task clears its setups
 * consistently). */
static void check_setup_teardown(biz_sema *S, const sx_dag *dag, const adj *g)
{
    for (int i = 0; i < dag->ntasks; i++) {
        if (!dag->tasks[i]->setup)
            continue;
        for (int j = g->out_at[i]; j < g->out_at[i + 1]; j++) {
            const sx_edge *e = &dag->edges[g->out_e[j]];
            const sx_task *d = dag->tasks[e->to];
            biz_span at;
            const char *rule = rule_of(dag, d, &at);
            if (e->off || d->teardown || !strcmp(rule, "all_success"))
                continue;
            biz_error(S->d, at, sx_fmt(S, "'%s' follows the setup task '%s': give it trigger_rule='all_success', "
                                          "or make it a teardown", d->id, dag->tasks[i]->id),
                      "Setup tasks must be followed with trigger rule ALL_SUCCESS. (Airflow refuses '%s' "
                      "with trigger rule %s)", d->id, rule);
        }
    }
}

void sx_check_dag(biz_sema *S, sx_dag *dag)
{
    adj g;
    adj_build(dag, &g);
    check_refs(S, dag, &g);
    check_cycles(S, dag, &g);
    check_setup_teardown(S, dag, &g);
    check_lonely(S, dag);
    adj_free(&g);
}

/* Marks in seen (stamp) every task reachable from start, downstream or
 * upstream, start excluded; the marked ones are also listed in *list. */
static int reach(const sx_dag *dag, const adj *g, int start, int down, int *seen, int stamp, int *list)
{
    int n = 0, head = 0;
    list[n++] = start;
    seen[start] = stamp;
    while (head < n) {
        int x = list[head++];
        int from = down ? g->out_at[x] : g->in_at[x], to = down ? g->out_at[x + 1] : g->in_at[x + 1];
        for (int j = from; j < to; j++) {
            const sx_edge *e = &dag->edges[down ? g->out_e[j] : g->in_e[j]];
            int y = down ? e->to : e->from;
            if (!e->off && seen[y] != stamp) {
                seen[y] = stamp;
                list[n++] = y;
            }
        }
    }
    seen[start] = 0;
    memmove(list, list + 1, (size_t)(n - 1) * sizeof *list);
    return n - 1;
}

/* Each task's indirect setups, as Airflow's get_upstreams_only_setups
 * minus its direct upstream: the setups upstream of it that have no
 * teardown, or a teardown downstream of it. Teardowns have none. A task
 * waits for them to succeed (trigger_rule_dep's setup constraint). NULL
 * when the DAG has no setup; else per task NULL or a -1-ended array. */
static int **indirect_setups(const sx_dag *dag, const adj *g)
{
    int n = dag->ntasks, any = 0;
    for (int i = 0; i < n && !any; i++)
        any = dag->tasks[i]->setup;
    if (!any)
        return NULL;
    int **out = biz_xcalloc((size_t)n + 1, sizeof *out);
    int *cnt = biz_xcalloc((size_t)n + 1, sizeof(int)), *cap = biz_xcalloc((size_t)n + 1, sizeof(int));
    int *down = biz_xcalloc((size_t)n + 1, sizeof(int)), *up = biz_xcalloc((size_t)n + 1, sizeof(int));
    int *dseen = biz_xcalloc((size_t)n + 1, sizeof(int)), *useen = biz_xcalloc((size_t)n + 1, sizeof(int));
    int *direct = biz_xcalloc((size_t)n + 1, sizeof(int));
    int stamp = 0;
    for (int s = 0; s < n; s++) {
        if (!dag->tasks[s]->setup)
            continue;
        stamp++;
        int nd = reach(dag, g, s, 1, dseen, stamp, down);
        /* direct downstream of s, and the tasks upstream of its teardowns */
        int teardowns = 0;
        for (int j = g->out_at[s]; j < g->out_at[s + 1]; j++) {
            const sx_edge *e = &dag->edges[g->out_e[j]];
            if (e->off)
                continue;
            direct[e->to] = stamp;
            if (dag->tasks[e->to]->teardown && useen[e->to] != stamp) {
                teardowns = 1;
                reach(dag, g, e->to, 0, useen, stamp, up);
                useen[e->to] = stamp;
            }
        }
        for (int k = 0; k < nd; k++) {
            int x = down[k];
            if (dag->tasks[x]->teardown || direct[x] == stamp || (teardowns && useen[x] != stamp))
                continue;
            if (cnt[x] + 1 >= cap[x]) {   /* room for it and the -1 */
                cap[x] = cap[x] ? 2 * cap[x] : 4;
                int *bigger = biz_xcalloc((size_t)cap[x], sizeof(int));
                if (out[x])
                    memcpy(bigger, out[x], (size_t)cnt[x] * sizeof(int));
                free(out[x]);
                out[x] = bigger;
            }
            out[x][cnt[x]++] = s;
            out[x][cnt[x]] = -1;
        }
    }
    free(cnt);
    free(cap);
    free(down);
    free(up);
    free(dseen);
    free(useen);
    free(direct);
    return out;
}

void sx_build_ir(sx_dag *dag, biz_ir_dag *out)
{
    adj g;   /* indexed again: the same edges, some turned off by check_cycles */
    adj_build(dag, &g);
    int n = dag->ntasks;
    out->dag_id = biz_xstrdup(dag->id);
    out->line = dag->span.begin.line;
    out->col = dag->span.begin.col;
    out->settings = dag->settings;
    dag->settings = NULL;
    out->ntasks = n;
    out->tasks = biz_xcalloc((size_t)n, sizeof *out->tasks);

    /* Kahn's algorithm, always taking the earliest-created ready task, so
     * the order is stable and follows the source where it can. A task
     * enters the heap when its last upstream edge is taken (once: counts
     * only go down); one taken meanwhile to break a cycle is skipped. */
    int *indeg = biz_xcalloc((size_t)n + 1, sizeof(int));
    int *order = biz_xcalloc((size_t)n + 1, sizeof(int));
    int *newidx = biz_xcalloc((size_t)n + 1, sizeof(int));
    char *done = biz_xcalloc((size_t)n + 1, 1);
    heap ready = { biz_xcalloc((size_t)n + 1, sizeof(int)), 0 };
    for (int i = 0; i < dag->nedges; i++)
        if (!dag->edges[i].off)
            indeg[dag->edges[i].to]++;
    for (int i = 0; i < n; i++)
        if (indeg[i] == 0)
            heap_push(&ready, i);
    int undone = 0;   /* no task below it is left */
    for (int k = 0; k < n; k++) {
        int pick = -1;
        while (pick < 0 && ready.n > 0) {
            int x = heap_pop(&ready);
            if (!done[x])
                pick = x;
        }
        if (pick < 0) {   /* a cycle left (already reported): keep going */
            while (done[undone])
                undone++;
            pick = undone;
        }
        done[pick] = 1;
        order[k] = pick;
        newidx[pick] = k;
        for (int j = g.out_at[pick]; j < g.out_at[pick + 1]; j++) {
            const sx_edge *e = &dag->edges[g.out_e[j]];
            if (!e->off && --indeg[e->to] == 0)
                heap_push(&ready, e->to);
        }
    }
    free(ready.v);
    int **isetups = indirect_setups(dag, &g);

    for (int k = 0; k < n; k++) {
        const sx_task *t = dag->tasks[order[k]];
        biz_ir_task *it = &out->tasks[k];
        it->task_id = biz_xstrdup(t->id);
        it->op = t->op->kind;
        it->group_id = t->grp ? biz_xstrdup(t->grp->id) : t->tg ? biz_xstrdup(t->tg->id) : NULL;
        it->line = t->span.begin.line;
        it->col = t->span.begin.col;
        merge_ctx m = { t, dag, cJSON_CreateObject() };
        biz_ops_each_arg(t->op, merge_arg, &m);
        it->args = m.out;
        /* Setup and teardown marks, as extra members the runtime reads
         * (run.c): a teardown's trigger rule is Airflow's
         * all_done_setup_success, whatever was given. */
        if (t->setup)
            cJSON_AddTrueToObject(it->args, biz_arg_name(BIZ_ARG_is_setup));
        if (t->teardown) {
            cJSON_AddTrueToObject(it->args, biz_arg_name(BIZ_ARG_is_teardown));
            cJSON_ReplaceItemInObjectCaseSensitive(it->args, biz_arg_name(BIZ_ARG_trigger_rule),
                                                   cJSON_CreateString(biz_trigger_names[BIZ_TR_ALL_DONE_SETUP_SUCCESS]));
        }
        if (t->fail_dagrun)
            cJSON_AddTrueToObject(it->args, biz_arg_name(BIZ_ARG_on_failure_fail_dagrun));
        if (isetups && isetups[order[k]]) {
            cJSON *a = cJSON_CreateArray();
            for (int *x = isetups[order[k]]; *x >= 0; x++)
                cJSON_AddItemToArray(a, cJSON_CreateNumber(newidx[*x]));
            cJSON_AddItemToObject(it->args, biz_arg_name(BIZ_ARG_indirect_setups), a);
            free(isetups[order[k]]);
        }
        it->map = t->map ? sx_to_json(t->map) : NULL;
        it->locs = biz_xcalloc((size_t)t->nargs + 1, sizeof *it->locs);
        for (int i = 0; i < t->nargs; i++) {
            const sx_arg *a = &t->args[i];
            if (!a->has_loc)
                continue;
            biz_ir_loc *l = &it->locs[it->nlocs++];
            l->name = biz_xstrdup(a->name);
            l->line = a->val_span.begin.line;
            l->col = a->val_span.begin.col;
        }
        /* Every edge written into the task (even one that closed a
         * reported cycle), each upstream task once, ascending. */
        int u0 = order[k], nin = g.in_at[u0 + 1] - g.in_at[u0];
        it->upstream = biz_xcalloc((size_t)nin + 1, sizeof(int));
        for (int j = g.in_at[u0]; j < g.in_at[u0 + 1]; j++) {
            const sx_edge *e = &dag->edges[g.in_e[j]];
            if (e->from != e->to)
                it->upstream[it->nupstream++] = newidx[e->from];
        }
        qsort(it->upstream, (size_t)it->nupstream, sizeof(int), cmp_int);
        int nu = 0;
        for (int j = 0; j < it->nupstream; j++)
            if (nu == 0 || it->upstream[j] != it->upstream[nu - 1])
                it->upstream[nu++] = it->upstream[j];
        it->nupstream = nu;
    }
    free(isetups);
    free(indeg);
    free(order);
    free(newidx);
    free(done);
    adj_free(&g);
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
            cJSON_Delete(t->map);
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
