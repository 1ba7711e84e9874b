/* ir.h: the checked DAG, what sema produces and codegen reads.
 *
 * Every task carries all the arguments of its operator as one cJSON object
 * (given value, else default_args, else the operator table's default), its
 * upstream tasks as indices, and where each given argument was written.
 * Tasks are topologically sorted (upstream first, ties in source order).
 *
 * Ownership: a biz_ir owns everything reachable from it (strings, arrays,
 * cJSON trees); free it with biz_ir_free. It borrows nothing from the AST
 * or the source, which may be freed before it.
 */
#ifndef BIZ_IR_H
#define BIZ_IR_H

#include <cjson/cJSON.h>

/* Where an argument was written (line:col of its value). */
typedef struct biz_ir_loc {
    char *name;
    int line;
    int col;
} biz_ir_loc;

/* One task. */
typedef struct biz_ir_task {
    char *task_id;        /* "invoice.call" for a group's task */
    int op;               /* biz_op_kind (runtime/contract/ops.h) */
    char *group_id;       /* the group it came from, or NULL */
    cJSON *args;          /* object: every argument of the operator */
    int *upstream;        /* indices into biz_ir_dag.tasks, ascending */
    int nupstream;
    biz_ir_loc *locs;     /* the arguments given in the source */
    int nlocs;
    int line;             /* where the task was created */
    int col;
    cJSON *map;           /* a mapped task: bizrt.h's map_json, else NULL */
} biz_ir_task;

/* One DAG. */
typedef struct biz_ir_dag {
    char *dag_id;
    int line;
    int col;
    cJSON *settings;      /* object, keys as bizrt.h's settings_json */
    biz_ir_task *tasks;   /* topologically sorted */
    int ntasks;
} biz_ir_dag;

/* Every DAG of a file, in source order. */
typedef struct biz_ir {
    biz_ir_dag *dags;
    int ndags;
} biz_ir;

/* Frees ir and everything it owns (NULL is fine). */
void biz_ir_free(biz_ir *ir);

/* The DAG called dag_id, or NULL. */
const biz_ir_dag *biz_ir_find_dag(const biz_ir *ir, const char *dag_id);

#endif
