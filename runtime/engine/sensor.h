/* sensor.h: what every sensor shares (Airflow's BaseSensorOperator in
 * poke mode): poke now, and while the poke is not truthy, poke again after
 * poke_interval (or an exponential backoff) until timeout, measured from
 * the start of the try. At timeout: skipped with soft_fail, else failed
 * for good (a sensor timeout is never retried). Waits are loop timers.
 *
 * biz_sensor_next_delay is the pure arithmetic; the rest drives it.
 *
 * Ownership: a biz_sensor lives inside the operator's state (try->op);
 * biz_sensor_cancel stops its timer. Nothing here allocates.
 */
#ifndef BIZ_SENSOR_H
#define BIZ_SENSOR_H

#include <stdint.h>
#include "op.h"

/* The sensor arguments, in seconds. */
typedef struct biz_sensor_policy {
    double poke_interval;   /* >= 0 */
    double timeout;         /* >= 0 */
    int backoff;            /* exponential_backoff */
} biz_sensor_policy;

/* Seconds to wait after poke k (1 = the first) was not truthy, elapsed
 * seconds after the try began; -1 when the timeout is reached (elapsed >=
 * timeout: no more pokes). Without backoff: poke_interval. With backoff
 * (AIRFLOW.md): m = max(1, int(poke_interval * 2^(k-2))), wait m + hash % m.
 * Either is capped at the time left, so the last poke happens at the
 * deadline and the sensor ends at its timeout. */
double biz_sensor_next_delay(const biz_sensor_policy *p, int k, double elapsed, uint64_t hash);

/* The jitter source of poke k of a try (deterministic: dag, task, run and
 * try number). */
uint64_t biz_sensor_hash(const biz_try *t, int k);

typedef struct biz_sensor biz_sensor;
/* Starts one poke; it ends in biz_sensor_not_yet or in biz_try_done. */
typedef void (*biz_sensor_poke_fn)(biz_sensor *s);

struct biz_sensor {
    biz_try *t;
    biz_sensor_policy policy;
    int soft_fail;
    int pokes;              /* pokes started */
    uint64_t timer;         /* the pending poke, or 0 */
    int64_t start_ms;       /* the try's start (monotonic) */
    biz_sensor_poke_fn poke;
};

/* Reads poke_interval, timeout, soft_fail and exponential_backoff of t. */
void biz_sensor_init(biz_sensor *s, biz_try *t, biz_sensor_poke_fn poke);
/* Makes the first poke now. */
void biz_sensor_begin(biz_sensor *s);
/* After a poke that was not truthy (why: for the log, may be NULL):
 * schedules the next poke and returns 0, or returns -1 when the timeout
 * is reached: the caller then frees its state and ends the try with
 * biz_sensor_timeout_end. */
int biz_sensor_not_yet(biz_sensor *s, const char *why);
/* Ends the try of a sensor that timed out (what: what was awaited, for the
 * message): skipped with soft_fail, else failed final. The sensor struct
 * may already be freed: pass its soft_fail, pokes and the try. */
void biz_sensor_timeout_end(biz_try *t, int soft_fail, int pokes, double timeout,
                            const char *what);
/* Stops the pending poke, if any. */
void biz_sensor_cancel(biz_sensor *s);

#endif
