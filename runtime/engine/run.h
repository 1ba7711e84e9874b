/* run.h: one run of a DAG: its task instances, their tries and XComs.
 *
 * The run is plain data (states, try counts, times, XComs as cJSON) so a
 * later state directory can serialize it and resume from it. Scheduling
 * (sched.h) moves task instances between states; operators (op.h) act on
 * one try at a time.
 *
 * Ownership: biz_run_new copies or parses everything it keeps; the run owns
 * its task instances, tries, XComs and context; biz_run_free frees them all.
 * The DAG tables are borrowed (static data of the executable).
 */
#ifndef BIZ_RUN_H
#define BIZ_RUN_H

#include <stdint.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "bizrt.h"
#include "loop.h"

/* ORDER: biz_ti_state_names[] in run.c is indexed by this enum. */
typedef enum biz_ti_state {
    BIZ_TI_NONE,            /* waiting for its upstream tasks */
    BIZ_TI_SCHEDULED,       /* may run, waits for a slot (max_active_tasks) */
    BIZ_TI_QUEUED,          /* has a slot, its try is being prepared */
    BIZ_TI_RUNNING,
    BIZ_TI_SUCCESS,
    BIZ_TI_FAILED,
    BIZ_TI_UPSTREAM_FAILED,
    BIZ_TI_SKIPPED,
    BIZ_TI_UP_FOR_RETRY,    /* failed, a timer will schedule it again */
    BIZ_TI__COUNT
} biz_ti_state;

extern const char *const biz_ti_state_names[BIZ_TI__COUNT];

/* True for success, failed, upstream_failed and skipped. */
int biz_ti_state_finished(biz_ti_state s);

typedef enum biz_run_state {
    BIZ_RUN_RUNNING,
    BIZ_RUN_SUCCESS,
    BIZ_RUN_FAILED,
    BIZ_RUN_TIMED_OUT,      /* dagrun_timeout: failed, exit status 3 */
    BIZ_RUN__COUNT
} biz_run_state;

/* Indexed by biz_run_state: what the record, the summary and the metrics
 * write ("running", "success", "failed", "timed_out"). */
extern const char *const biz_run_state_names[BIZ_RUN__COUNT];

struct biz_try;

/* One task in this run. */
typedef struct biz_ti {
    struct biz_run *run;    /* back pointer */
    const biz_task_def *def;
    int index;
    cJSON *args;            /* args_json parsed (templates not rendered) */
    int rule;               /* biz_trigger_rule */
    int retries;
    double retry_delay;     /* seconds */
    int backoff;            /* retry_exponential_backoff */
    double max_retry_delay; /* seconds, < 0 when none */
    double exec_timeout;    /* seconds, < 0 when none */
    int *down;              /* direct downstream task indices */
    int ndown;

    biz_ti_state state;
    int tries;              /* tries started */
    double first_start;     /* wall seconds of the first try, 0 before */
    double end;             /* wall seconds when finished, 0 before */
    char *reason;           /* why it failed / was skipped, or NULL */
    cJSON *xcom;            /* object key -> value; a new try clears it */
    cJSON *branch;          /* a branch task's chosen ids (array), or NULL */
    struct biz_try *cur;    /* the running try, or NULL */
    uint64_t retry_timer;   /* pending retry, or 0 */
    int try_base;           /* tries made before this run was resumed: the
                             * retry budget counts from here */
    char *blocked;          /* depends_on_past not met: why (never runs) */
    cJSON *history;         /* earlier outcomes a resume or rerun cleared
                             * (array of objects, oldest first), or NULL */
    /* The states of its direct upstream tasks that have finished, kept
     * by biz_ti_set_state so a trigger rule is decided in O(1). */
    int up_success, up_failed, up_upstream_failed, up_skipped;
    /* Setup and teardown tasks (Airflow 2.7): the marks, the direct
     * upstream setups and how many of them succeeded or skipped, the
     * indirect setups it waits for (sched.c) and, for a setup, the tasks
     * that wait for it so. */
    int is_setup, is_teardown, fail_dagrun;
    int up_setups, up_setup_success, up_setup_skipped;
    int *isetups, nisetups;
    int *iwaiting, niwaiting;
    int dirty;              /* changed since the store last wrote it */
    int nup;                /* direct upstream task instances: the DAG's
                             * edges, a mapped upstream counting once per
                             * instance once it has expanded */

    /* Dynamic task mapping (map.h). A mapped task waits for its upstream
     * tasks as any task; when its trigger rule lets it run, it expands into
     * instances, ordinary task instances after the DAG's own in run->tis,
     * keyed by (task, map_index) and named "task_id[map_index]". The task
     * itself then only follows them: running until they all finish, then
     * their aggregate state, its XComs the lists of theirs. */
    cJSON *map;             /* the task's def->map_json parsed, or NULL */
    int nmaps;              /* instances made, -1 before it expanded */
    int map_first;          /* the index of its first instance */
    int map_done;           /* of its instances, how many finished */
    int map_next;           /* the next instance to release */
    int map_active;         /* released and not finished */
    int map_limit;          /* max_active_tis_per_dag(run), 0 when none */
    cJSON *map_restore;     /* --resume: the record's entries of its instances */
    int feeds_map;          /* a mapped task maps over its return_value */
    int map_index;          /* an instance: its index, else -1 */
    struct biz_ti *parent;  /* an instance: its mapped task, else NULL */
    int released;           /* an instance counted in parent->map_active */
    cJSON *map_raw;         /* an instance: arguments taken from an XCom,
                             * put in after rendering (not templates) */
    char *map_label;        /* an instance: its map_index_template rendered */
    biz_task_def *own_def;  /* an instance: its def (task_id "id[k]"), owned */
} biz_ti;

/* A growable array of task indices. */
typedef struct biz_idx {
    int *v;
    int n, cap;
} biz_idx;

/* One run. */
typedef struct biz_run {
    const biz_dag_def *dag;
    cJSON *settings;        /* settings_json parsed */
    cJSON *conf;            /* dag_run.conf (object) */
    char *run_id;
    time_t logical_date;    /* UTC seconds */
    int logical_us;         /* and microseconds (a manual run's date is "now") */
    int interval_us;        /* microseconds of the data interval when it is the
                             * logical instant (a manual run without schedule) */
    double start_wall;      /* wall seconds when the run began */
    int64_t start_mono;     /* monotonic ms */
    int run_number;         /* for the trace header; 1 until runs are recorded */
    int native;             /* render_template_as_native_obj */
    int max_active;         /* max_active_tasks */
    double dagrun_timeout;  /* seconds, < 0 when none */

    biz_ti **tis;           /* the DAG's tasks in dag order, then the
                             * instances of mapped tasks as they expand */
    int n;                  /* of them */
    int nstatic;            /* the DAG's own: dag->ntasks */
    int cap_tis;
    biz_ti *ti_block;       /* the DAG's own tasks (tis[i] points in) */
    int only_task;          /* --task: the one task to run, else -1 */
    int dry_run;

    biz_run_state state;
    int in_flight;          /* queued + running */
    biz_loop *loop;
    uint64_t pump_timer;    /* pending scheduling pass, or 0 */
    uint64_t timeout_timer; /* dagrun_timeout, or 0 */
    cJSON *context;         /* template context (context.h) */
    const char *(*getenv_fn)(void *user, const char *name);  /* NULL: getenv */
    /* The variables read through biz_try_getenv, remembered for the run (a
     * call reads six; nothing in the runtime sets one). */
    struct { char name[48]; const char *value; } env_seen[16];
    int n_env_seen;

    /* Run state (state.h, runplan.h); biz_run_new makes a manual run. */
    const char *run_type;   /* "manual" or "scheduled" (static string) */
    time_t interval_start;  /* data interval [start, end) */
    time_t interval_end;
    double end_wall;        /* wall seconds when the run ended, 0 before */
    int has_prev_success;   /* the previous successful run's interval: */
    time_t prev_success_start, prev_success_end;
    void (*on_change)(struct biz_run *run);  /* saves the record, or NULL */
    void *store;            /* on_change's own state */
    /* Writes the changes not recorded yet before a task is taken to start,
     * or NULL; -1: the record cannot be written, no task starts. */
    int (*before_start)(struct biz_run *run);
    int batch, dirty;       /* biz_run_batch_begin/end */
    int interrupted;        /* the signal that stopped the run, or 0 */
    cJSON *history;         /* the resumes and reruns of this run (array of
                             * objects, oldest first), or NULL */
    int any_effective_leaf; /* some task is a leaf without the ignorable teardowns */

    /* Kept by biz_ti_set_state, so no pass walks the whole DAG: */
    int nstate[BIZ_TI__COUNT];  /* tasks in each state */
    biz_idx todo;           /* tasks whose trigger rule may now be decided */
    biz_idx ready;          /* scheduled tasks, a min-heap of indices (DAG order) */
    biz_idx changed;        /* tasks with ti->dirty set (the store's journal) */
    int *index;             /* task id hash table: index + 1, 0 empty */
    int index_cap;          /* a power of two */
} biz_run;

/* A new run of dag with conf (consumed; NULL = {}). logical_date 0 means
 * now. NULL with a message in err on a malformed table. */
biz_run *biz_run_new(const biz_dag_def *dag, cJSON *conf, time_t logical_date,
                     char *err, size_t errlen);
void biz_run_free(biz_run *run);

/* The task indices in the order a summary shows them (malloc'd, run->n of
 * them): the DAG's order, each mapped task followed by its instances. */
int *biz_show_order(const biz_run *run);
/* Whether task i is shown when the run is of one task (--task): that task
 * and its mapped instances; every task otherwise. */
int biz_run_shows(const biz_run *run, int i);

/* The index of task_id, or -1. */
int biz_run_find(const biz_run *run, const char *task_id);

/* Moves ti to state s; every change of a task's state goes through here.
 * Keeps the state counters, queues a scheduled task for dispatch, and,
 * when ti finishes, counts it in its downstream tasks and queues them to
 * be decided. Marks ti changed for the record (the caller still calls
 * biz_run_changed once its other fields are set). */
void biz_ti_set_state(biz_ti *ti, biz_ti_state s);
/* Marks ti changed for the record without a state change (an XCom...). */
void biz_ti_touch(biz_ti *ti);
/* Appends i to a; -1 when out of memory. */
int biz_run_idx_push(biz_idx *a, int i);
/* The smallest index of the ready heap, removed; -1 when empty, or when
 * run->before_start says the record cannot be written (a task must not
 * start that the record could not show). */
int biz_run_ready_pop(biz_run *run);

/* Tells the run's record a task (or the run) changed state: calls
 * run->on_change now, or once at biz_run_batch_end when inside a batch
 * (the changes of one scheduling pass are written together). */
void biz_run_changed(biz_run *run);
void biz_run_batch_begin(biz_run *run);
void biz_run_batch_end(biz_run *run);

/* XComs: push (value consumed), read (borrowed, NULL when absent). */
void biz_run_xcom_push(biz_run *run, int task, const char *key, cJSON *value);
const cJSON *biz_run_xcom_get(const biz_run *run, int task, const char *key);

/* Wall clock in seconds (with fractions). */
double biz_run_wall_now(void);

#endif
