/* sensor.c: the poke loop every sensor shares (sensor.h). */
#include <math.h>
#include <stdio.h>
#include "sensor.h"
#include "sched.h"

/* Seconds to wait before the next poke, or -1 at timeout (sensor.h). */
double biz_sensor_next_delay(const biz_sensor_policy *p, int k, double elapsed, uint64_t hash)
{
    double timeout = p->timeout > 0 ? p->timeout : 0;
    /* Airflow tests run_duration > timeout; >= here spares a zero-length
     * wait before a last poke at the very deadline. */
    if (elapsed >= timeout)
        return -1;
    double left = timeout - elapsed;
    double interval = p->poke_interval > 0 ? p->poke_interval : 0;
    double wait = interval;
    if (p->backoff) {
        if (k < 1)
            k = 1;
        /* int(poke_interval * 2^(k-2)), at least 1; kept in range for the
         * modulo (the cap below makes anything beyond a week moot). */
        double m = floor(interval * pow(2.0, k - 2));
        if (m < 1)
            m = 1;
        if (m > 1e12)
            m = 1e12;
        uint64_t mi = (uint64_t)m;
        wait = (double)(mi + hash % mi);
    }
    /* Airflow caps only the backoff; capping the plain interval too ends
     * the sensor at its timeout, not up to a poke_interval later. */
    return wait < left ? wait : left;
}

/* The jitter source of poke k of a try. */
uint64_t biz_sensor_hash(const biz_try *t, int k)
{
    char stamp[160];
    snprintf(stamp, sizeof stamp, "%s#%d", t->run->run_id ? t->run->run_id : "", t->number);
    return biz_rules_retry_hash(t->run->dag->dag_id, t->task_id, stamp, k);
}

/* Reads the sensor arguments of t. */
void biz_sensor_init(biz_sensor *s, biz_try *t, biz_sensor_poke_fn poke)
{
    s->t = t;
    s->policy.poke_interval = biz_try_arg_num(t, BIZ_ARG_poke_interval);
    s->policy.timeout = biz_try_arg_num(t, BIZ_ARG_timeout);
    s->policy.backoff = biz_try_arg_bool(t, BIZ_ARG_exponential_backoff);
    s->soft_fail = biz_try_arg_bool(t, BIZ_ARG_soft_fail);
    if (!(s->policy.poke_interval >= 0))
        s->policy.poke_interval = 0;
    if (!(s->policy.timeout >= 0))
        s->policy.timeout = 0;
    s->pokes = 0;
    s->timer = 0;
    s->start_ms = t->start_mono;
    s->poke = poke;
}

/* Makes the first poke now. */
void biz_sensor_begin(biz_sensor *s)
{
    s->pokes = 1;
    s->poke(s);
}

static long poke_timer(biz_loop *loop, void *user)
{
    (void)loop;
    biz_sensor *s = user;
    s->timer = 0;
    s->pokes++;
    s->poke(s);
    return BIZ_LOOP_NOMORE;
}

/* Schedules the next poke, or says the timeout is reached. */
int biz_sensor_not_yet(biz_sensor *s, const char *why)
{
    double elapsed = (biz_loop_now_ms() - s->start_ms) / 1000.0;
    double wait = biz_sensor_next_delay(&s->policy, s->pokes, elapsed,
                                        biz_sensor_hash(s->t, s->pokes));
    if (wait < 0) {
        biz_try_log(s->t, BIZ_LOG_DEBUG, "poke %d: %s; timeout of %gs reached", s->pokes,
                    why ? why : "not yet", s->policy.timeout);
        return -1;
    }
    biz_try_log(s->t, BIZ_LOG_DEBUG, "poke %d: %s; next poke in %.3gs", s->pokes,
                why ? why : "not yet", wait);
    s->timer = biz_loop_timer_add(s->t->run->loop, (long)ceil(wait * 1000), poke_timer, s);
    return 0;
}

/* Ends the try of a sensor that timed out. */
void biz_sensor_timeout_end(biz_try *t, int soft_fail, int pokes, double timeout,
                            const char *what)
{
    double secs = (biz_loop_now_ms() - t->start_mono) / 1000.0;
    if (soft_fail)
        biz_try_done(t, BIZ_OUT_SKIPPED, 0,
                     "sensor timed out after %.1fs (timeout %gs, %d poke%s; soft_fail): %s",
                     secs, timeout, pokes, pokes == 1 ? "" : "s", what);
    else
        biz_try_done(t, BIZ_OUT_FAILED, 1,
                     "sensor timed out after %.1fs (timeout %gs, %d poke%s; a sensor "
                     "timeout is not retried): %s", secs, timeout, pokes,
                     pokes == 1 ? "" : "s", what);
}

/* Stops the pending poke, if any. */
void biz_sensor_cancel(biz_sensor *s)
{
    if (s->timer)
        biz_loop_timer_cancel(s->t->run->loop, s->timer);
    s->timer = 0;
}
