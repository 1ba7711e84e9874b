/* sched_int.h: between the scheduler (sched.c) and the try lifecycle
 * (try.c); not for operators.
 *
 * Ownership: biz_try_begin creates the try, owned by ti->cur until it ends.
 */
#ifndef BIZ_SCHED_INT_H
#define BIZ_SCHED_INT_H

#include "run.h"
#include "op.h"

/* Renders ti's arguments and starts a new try (ti->state QUEUED, then
 * RUNNING); a template error ends the try at once as a failure. */
void biz_try_begin(biz_run *run, biz_ti *ti);
/* Cancels a running try through its operator and frees it; the scheduler
 * is not told (the caller settles the task). */
void biz_try_abort(biz_try *t);
/* Called by biz_try_done once the try is freed: moves ti on (success,
 * skip, retry or failure) and posts a pass. */
void biz_sched_try_ended(biz_run *run, biz_ti *ti, int try_number, biz_outcome out,
                         int final, const char *msg, double seconds);

#endif
