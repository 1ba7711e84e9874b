/* op.h: how the scheduler runs an operator, and what an operator may call.
 *
 * Each operator kind (ops.h) has a small vtable. The scheduler creates a
 * try (a task's attempt) with its templated arguments already rendered,
 * then calls start(). The operator registers events on the loop (HTTP
 * calls, timers, fds) and eventually calls biz_try_done exactly once --
 * possibly from inside start(). If the runtime has to abort the try first
 * (execution_timeout, dagrun_timeout), it calls cancel() instead, after
 * which the operator must not call biz_try_done. No operator blocks.
 *
 * Ownership: the try and its rendered args belong to the runtime. The
 * operator owns whatever it hangs on try->op and frees it before it calls
 * biz_try_done, or in cancel(). XCom values pushed are consumed.
 */
#ifndef BIZ_OP_H
#define BIZ_OP_H

#include <stdarg.h>
#include <cjson/cJSON.h>
#include "args.h"
#include "run.h"
#include "loop.h"
#include "log.h"

/* One attempt of one task. */
typedef struct biz_try {
    biz_run *run;
    biz_ti *ti;
    const char *task_id;
    int number;             /* 1 for the first try */
    cJSON *args;            /* the templated arguments that rendered to a
                             * new value; read every argument through
                             * biz_try_arg*, which falls back on the task's
                             * own (ti->args) and the table's defaults */
    char job_id[40];        /* unique per try (asynchronous calls' S3 key) */
    void *op;               /* the operator's own state */
    uint64_t timeout_timer; /* execution_timeout, or 0 */
    int64_t start_mono;
} biz_try;

typedef struct biz_op_vt {
    /* Begins the try. Must end in biz_try_done, now or from a later event. */
    void (*start)(biz_try *t);
    /* Stops every event of a try that has not called biz_try_done and
     * frees try->op. May be NULL when the operator keeps no events. */
    void (*cancel)(biz_try *t);
} biz_op_vt;

/* The vtable of an operator kind; never NULL (unsupported kinds get one
 * that fails with "operator X is not supported by this runtime yet"). */
const biz_op_vt *biz_op_vt_for(int kind);

/* The vtable of each operator, biz_op_<run>_vt (ops.def's BIZ_OP lines),
 * defined in its runtime file (op_*.c). */
#define BIZ_OP(kind, name, aliases, modules, sets, is_group, run, doc) extern const biz_op_vt biz_op_##run##_vt;
#include "ops.def"

typedef enum biz_outcome {
    BIZ_OUT_SUCCESS,
    BIZ_OUT_FAILED,         /* retried while tries remain, unless final */
    BIZ_OUT_SKIPPED,
} biz_outcome;

/* Ends the try. final: a failure that is never retried. fmt: why (for a
 * failure or a skip; NULL on success). */
void biz_try_done(biz_try *t, biz_outcome out, int final, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Arguments by id: rendered (t->args), else the task's own (ti->args),
 * else the defaults of the operator table as the try's operator takes
 * them: biz_args_get, _str, _bool and _num of args.h. */
const cJSON *biz_try_arg(const biz_try *t, biz_arg_id id);
const char *biz_try_arg_str(const biz_try *t, biz_arg_id id);
int biz_try_arg_bool(const biz_try *t, biz_arg_id id);
double biz_try_arg_num(const biz_try *t, biz_arg_id id);
/* A copy of an argument of the try, taken out of the rendered ones when it
 * is there (no copy of a large rendered value); NULL when None. */
cJSON *biz_try_arg_take(biz_try *t, biz_arg_id id);

/* Pushes an XCom of this task (value consumed). */
void biz_try_xcom_push(biz_try *t, const char *key, cJSON *value);
/* Another task's XCom (borrowed), or NULL. */
const cJSON *biz_try_xcom_get(const biz_try *t, const char *task_id, const char *key);
/* A branch task's choice: ids (a string, a list of strings, or NULL for
 * none) are followed, its other direct downstream tasks skipped. Copied. */
void biz_try_branch(biz_try *t, const cJSON *ids);

/* Logs a line about this try (redacted). */
void biz_try_log(const biz_try *t, biz_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* getenv through the run (tests may replace it). */
const char *biz_try_getenv(const biz_try *t, const char *name);

#endif
