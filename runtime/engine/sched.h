/* sched.h: scheduling a run: trigger rules, retries, timeouts, outcome.
 *
 * The pure parts (biz_rules_trigger_eval, biz_rules_retry_delay) take plain
 * numbers so they can be tested alone. biz_sched_start / the loop do the
 * rest: every state change posts one scheduling pass (a 0 ms timer), which
 * decides what runs, what is skipped and when the run is over.
 *
 * Ownership: nothing here allocates what the caller must free.
 */
#ifndef BIZ_SCHED_H
#define BIZ_SCHED_H

#include <stdint.h>
#include "run.h"

/* The states of a task's direct upstream tasks. */
typedef struct biz_rules_counts {
    int total;              /* direct upstream tasks */
    int success;
    int failed;
    int upstream_failed;
    int skipped;
    int done;               /* finished: success + failed + upstream_failed + skipped */
    int setups;             /* of the direct upstream tasks, the setup tasks */
    int setup_success, setup_skipped;
} biz_rules_counts;

typedef enum biz_rules_trig {
    BIZ_TRIG_WAIT,          /* not decided yet */
    BIZ_TRIG_RUN,
    BIZ_TRIG_SKIP,
    BIZ_TRIG_UPSTREAM_FAILED,
} biz_rules_trig;

/* What a task with trigger rule rule does given its upstream counts
 * (AIRFLOW.md's table; no upstream at all: run). */
biz_rules_trig biz_rules_trigger_eval(int rule, const biz_rules_counts *c);

/* Retry policy of a task. */
typedef struct biz_rules_retry {
    double delay;           /* retry_delay, seconds */
    int backoff;            /* retry_exponential_backoff */
    double max_delay;       /* max_retry_delay, seconds; < 0 none */
} biz_rules_retry;

/* Seconds to wait before retry n (1 = the first retry). hash is the
 * deterministic jitter source (biz_rules_retry_hash); used with backoff only:
 * min = max(1, ceil(delay * 2^(n-1))), wait = min + hash % min, capped at
 * 86400 then at max_delay. */
double biz_rules_retry_delay(const biz_rules_retry *p, int n, uint64_t hash);
/* FNV-1a 64 of "dag_id#task_id#logical_date#try". */
uint64_t biz_rules_retry_hash(const char *dag_id, const char *task_id,
                           const char *logical_date, int try_number);

/* Starts the run on run->loop: posts the first pass and the dagrun_timeout
 * timer. The run ends when the loop runs dry; see run->state. */
void biz_sched_start(biz_run *run);
/* Posts a scheduling pass (idempotent). */
void biz_sched_poke(biz_run *run);
/* Stops the run for signal signo (named signame): running tries cancelled
 * and marked failed, retries dropped, run->interrupted set; the loop then
 * runs dry once the killed children are reaped. */
void biz_sched_interrupt(biz_run *run, int signo, const char *signame);
/* Exit status for the run's state: 0, 1 failed, 3 timed out. */
int biz_sched_exit_status(const biz_run *run);

#endif
