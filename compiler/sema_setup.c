/* sema_setup.c: Airflow's setup/teardown context managers (2.7+).
 *
 *     with create.as_setup() >> delete.as_teardown(setups=create):
 *         work_a >> work_b
 *
 * The `with` expression is evaluated first (its `>>` and as_teardown make
 * their own edges); its value must be a setup or a teardown task, as in
 * Airflow (AbstractOperator.__enter__). The tasks made in the block that
 * are neither setups nor teardowns ("the work") are then wired as
 * airflow/utils/setup_teardown.py's set_work_task_roots_and_leaves does
 * when the block ends, with the edges as they stand then:
 *   - a teardown T: the work's leaves (tasks with no downstream task at
 *     all) >> T, or the last work task when none; and the setups upstream
 *     of T when the block began >> the work's roots (no upstream task at
 *     all), or the first work task;
 *   - a setup S: S >> the roots, or the first task; the leaves (or the last
 *     task) >> the teardowns downstream of S when the block began.
 * Nested blocks: a task belongs to the innermost block it was made in; when
 * an inner block ends, the outer block's setup >> the inner one's and the
 * inner teardown >> the outer one's, and likewise for the setups (or
 * teardowns) each found (pop_context_managed_*_task, pop_*_of_*).
 */
#include <string.h>
#include "sema_int.h"

/* The blocks being filled, innermost last. */
typedef struct st_block {
    sx_dag *dag;
    int task;                   /* the setup or teardown task */
    int teardown;
    int first;                  /* the DAG's task count when it began */
    int *found, nfound;         /* the setups upstream of a teardown (or the
                                   teardowns downstream of a setup) then */
    struct st_block *outer;
} st_block;

static st_block *innermost;

/* Zeroed memory from the sema's pool (freed with it). */
static void *zalloc(biz_sema *S, size_t n, size_t size)
{
    void *p = sx_alloc(S, (n ? n : 1) * size);
    memset(p, 0, (n ? n : 1) * size);
    return p;
}

/* The setups upstream of task t (want_setup), else the teardowns
 * downstream of it, the nearest ones: Airflow's _get_setups /
 * _get_teardowns look one step further until they find some. */
static void find_related(biz_sema *S, const sx_dag *dag, int t, int want_setup, st_block *b)
{
    unsigned char *seen = zalloc(S, (size_t)dag->ntasks, 1);
    int *level = zalloc(S, (size_t)dag->ntasks, sizeof *level), n = 0;
    b->found = zalloc(S, (size_t)dag->ntasks, sizeof *b->found);
    level[n++] = t;
    seen[t] = 1;
    while (n > 0 && b->nfound == 0) {
        int *next = zalloc(S, (size_t)dag->ntasks, sizeof *next), m = 0;
        for (int k = 0; k < n; k++)
            for (int i = 0; i < dag->nedges; i++) {
                const sx_edge *e = &dag->edges[i];
                int other = want_setup ? e->from : e->to;
                if (e->off || (want_setup ? e->to : e->from) != level[k] || seen[other])
                    continue;
                seen[other] = 1;
                const sx_task *o = dag->tasks[other];
                if (want_setup ? o->setup : o->teardown) {
                    b->found[b->nfound++] = other;
                } else {
                    next[m++] = other;
                }
            }
        level = next;
        n = m;
    }
}

/* The block has ended: wires its work between its setup and teardown. */
static void wire_block(biz_sema *S, st_block *b, biz_span span)
{
    sx_dag *dag = b->dag;
    int *work = zalloc(S, (size_t)dag->ntasks, sizeof *work), n = 0;
    for (int i = b->first; i < dag->ntasks; i++) {
        sx_task *t = dag->tasks[i];
        if (!t->setup && !t->teardown && !t->st_block) {
            t->st_block = 1;     /* an outer block does not take it */
            work[n++] = i;
        }
    }
    if (n > 0) {
        /* Which tasks have an upstream or a downstream task, as the edges stand now. */
        unsigned char *has_up = zalloc(S, (size_t)dag->ntasks, 1), *has_down = zalloc(S, (size_t)dag->ntasks, 1);
        for (int i = 0; i < dag->nedges; i++)
            if (!dag->edges[i].off) {
                has_up[dag->edges[i].to] = 1;
                has_down[dag->edges[i].from] = 1;
            }
        int *roots = zalloc(S, (size_t)n, sizeof *roots), *leaves = zalloc(S, (size_t)n, sizeof *leaves);
        int nr = 0, nl = 0;
        for (int k = 0; k < n; k++) {
            if (!has_up[work[k]])
                roots[nr++] = work[k];
            if (!has_down[work[k]])
                leaves[nl++] = work[k];
        }
        if (nr == 0)
            roots[nr++] = work[0];
        if (nl == 0)
            leaves[nl++] = work[n - 1];
        if (b->teardown) {
            for (int k = 0; k < nl; k++)
                sx_add_edge(S, dag, leaves[k], b->task, span);
            for (int s = 0; s < b->nfound; s++)
                for (int k = 0; k < nr; k++)
                    sx_add_edge(S, dag, b->found[s], roots[k], span);
        } else {
            for (int k = 0; k < nr; k++)
                sx_add_edge(S, dag, b->task, roots[k], span);
            for (int s = 0; s < b->nfound; s++)
                for (int k = 0; k < nl; k++)
                    sx_add_edge(S, dag, leaves[k], b->found[s], span);
        }
    }
    /* Nested in a block of the same kind: outer setup >> inner setup and
     * inner teardown >> outer teardown, for the blocks' own tasks and for
     * the setups (teardowns) they found. */
    for (st_block *o = b->outer; o; o = o->outer)
        if (o->dag == dag && o->teardown == b->teardown) {
            if (b->teardown) {
                sx_add_edge(S, dag, b->task, o->task, span);
                for (int i = 0; i < o->nfound; i++)
                    for (int k = 0; k < b->nfound; k++)
                        if (o->found[i] != b->found[k])
                            sx_add_edge(S, dag, o->found[i], b->found[k], span);
            } else {
                sx_add_edge(S, dag, o->task, b->task, span);
                for (int k = 0; k < b->nfound; k++)
                    for (int i = 0; i < o->nfound; i++)
                        if (o->found[i] != b->found[k])
                            sx_add_edge(S, dag, b->found[k], o->found[i], span);
            }
            break;
        }
}

void sx_with_setup_teardown(biz_sema *S, sx_scope *sc, const biz_stmt *st, const biz_expr *ctx, int in_dag,
                            void (*body)(biz_sema *, sx_scope *, const biz_vec *, int))
{
    sx_val *v = sx_eval(S, sc, ctx);
    if (v->kind == BV_ERROR || v->kind == BV_REJECTED)
        return;
    if (v->kind == BV_LIST || v->kind == BV_TUPLE) {
        biz_error(S->d, ctx->span, "write one `with` per setup or teardown task",
                  "'%s' object does not support the context manager protocol",
                  v->kind == BV_LIST ? "list" : "tuple");
        return;
    }
    sx_task *t = v->kind == BV_NODE && !v->u.node.grp && v->u.node.first == v->u.node.last
                     ? v->u.node.dag->tasks[v->u.node.first] : NULL;
    if (!t || (!t->setup && !t->teardown)) {
        biz_error(S->d, ctx->span, "mark it with .as_setup() or .as_teardown(setups=...)",
                  "only setup/teardown tasks can be used as context managers");
        return;
    }
    const biz_with_item *it = st->u.with.items.items[0];
    if (it->target || st->u.with.items.len > 1) {
        biz_error(S->d, it->target ? it->target->span : st->span, NULL,
                  "`with` on a setup or teardown task takes one task and no `as`");
        return;
    }
    st_block b = { .dag = v->u.node.dag, .task = v->u.node.first, .teardown = t->teardown,
                   .first = v->u.node.dag->ntasks, .outer = innermost };
    find_related(S, b.dag, b.task, b.teardown, &b);
    innermost = &b;
    body(S, sc, &st->u.with.body, in_dag);
    innermost = b.outer;
    wire_block(S, &b, ctx->span);
}
