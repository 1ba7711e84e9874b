/* rules.c: the pure parts of scheduling (sched.h): trigger rules and
 * retry delays, kept apart so unit tests link them alone. */
#include <math.h>
#include <stdio.h>
#include "sched.h"
#include "ops.h"

/* What a task does given its trigger rule and upstream counts. */
biz_rules_trig biz_rules_trigger_eval(int rule, const biz_rules_counts *c)
{
    int fails = c->failed + c->upstream_failed;
    int all_done = c->done >= c->total;
    if (c->total == 0 || rule == BIZ_TR_ALWAYS)
        return BIZ_TRIG_RUN;
    switch (rule) {
    case BIZ_TR_ALL_SUCCESS:
        if (fails > 0)
            return BIZ_TRIG_UPSTREAM_FAILED;
        if (c->skipped > 0)
            return BIZ_TRIG_SKIP;
        return c->success == c->total ? BIZ_TRIG_RUN : BIZ_TRIG_WAIT;
    case BIZ_TR_ALL_FAILED:
        if (c->success + c->skipped > 0)
            return BIZ_TRIG_SKIP;
        return fails == c->total ? BIZ_TRIG_RUN : BIZ_TRIG_WAIT;
    case BIZ_TR_ALL_DONE:
        return all_done ? BIZ_TRIG_RUN : BIZ_TRIG_WAIT;
    case BIZ_TR_ALL_SKIPPED:
        if (c->success + fails > 0)
            return BIZ_TRIG_SKIP;
        return c->skipped == c->total ? BIZ_TRIG_RUN : BIZ_TRIG_WAIT;
    case BIZ_TR_ONE_SUCCESS:
        if (c->success > 0)
            return BIZ_TRIG_RUN;
        if (!all_done)
            return BIZ_TRIG_WAIT;
        return c->skipped == c->total ? BIZ_TRIG_SKIP : BIZ_TRIG_UPSTREAM_FAILED;
    case BIZ_TR_ONE_FAILED:
        if (fails > 0)
            return BIZ_TRIG_RUN;
        return all_done ? BIZ_TRIG_SKIP : BIZ_TRIG_WAIT;
    case BIZ_TR_ONE_DONE:
        if (c->success + c->failed > 0)
            return BIZ_TRIG_RUN;
        return all_done ? BIZ_TRIG_SKIP : BIZ_TRIG_WAIT;
    case BIZ_TR_NONE_FAILED:
        if (fails > 0)
            return BIZ_TRIG_UPSTREAM_FAILED;
        return all_done ? BIZ_TRIG_RUN : BIZ_TRIG_WAIT;
    case BIZ_TR_NONE_FAILED_MIN_ONE_SUCCESS:
        if (fails > 0)
            return BIZ_TRIG_UPSTREAM_FAILED;
        if (!all_done)
            return BIZ_TRIG_WAIT;
        return c->skipped == c->total ? BIZ_TRIG_SKIP : BIZ_TRIG_RUN;
    case BIZ_TR_NONE_SKIPPED:
        if (c->skipped > 0)
            return BIZ_TRIG_SKIP;
        return all_done ? BIZ_TRIG_RUN : BIZ_TRIG_WAIT;
    case BIZ_TR_ALL_DONE_SETUP_SUCCESS:
        /* A teardown: once everything upstream is done, whatever happened,
         * if one of its setups (when it has some) succeeded; all of them
         * skipped: skipped; none succeeded: upstream_failed. */
        if (!all_done)
            return BIZ_TRIG_WAIT;
        if (c->setups && c->setup_skipped >= c->setups)
            return BIZ_TRIG_SKIP;
        if (c->setups && c->setup_success == 0)
            return BIZ_TRIG_UPSTREAM_FAILED;
        return BIZ_TRIG_RUN;
    default:
        return BIZ_TRIG_WAIT;
    }
}

#define MAX_RETRY_DELAY 86400.0   /* Airflow's global cap */

double biz_rules_retry_delay(const biz_rules_retry *p, int n, uint64_t hash)
{
    double delay = p->delay < 0 ? 0 : p->delay;
    if (!p->backoff)
        return delay;  /* max_retry_delay caps the backoff only, as in Airflow */
    if (n < 1)
        n = 1;
    double m = ceil(delay * pow(2.0, n - 1));
    if (m < 1)
        m = 1;
    if (m > MAX_RETRY_DELAY)
        m = MAX_RETRY_DELAY;  /* keeps the modulo below in range */
    uint64_t mi = (uint64_t)m;
    double wait = (double)(mi + hash % mi);
    if (wait > MAX_RETRY_DELAY)
        wait = MAX_RETRY_DELAY;
    if (p->max_delay >= 0 && wait > p->max_delay)
        wait = p->max_delay;
    return wait;
}

/* FNV-1a 64 of "dag_id#task_id#logical_date#try". */
uint64_t biz_rules_retry_hash(const char *dag_id, const char *task_id,
                           const char *logical_date, int try_number)
{
    char num[16];
    const char *parts[] = { dag_id, "#", task_id, "#", logical_date, "#", num };
    uint64_t h = 14695981039346656037ULL;
    snprintf(num, sizeof num, "%d", try_number);
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        for (const unsigned char *p = (const unsigned char *)parts[i]; p && *p; p++) {
            h ^= *p;
            h *= 1099511628211ULL;
        }
    return h;
}

