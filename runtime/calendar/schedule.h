/* schedule.h: a DAG's schedule and Airflow 2's data-interval arithmetic,
 * in UTC (ISO-8601 text and the calendar: base/isotime.h).
 *
 * A cron schedule is evaluated on the wall clock of its zone (the DAG's
 * start_date's) with Airflow's DST rules (timetables/_cron.py): a tick in
 * a gap moves on by the gap, a repeated one is the second occurrence, and
 * a schedule that fires every hour keeps its spacing in real time.
 *
 * A schedule is None (manual runs only), "@once", a cron expression or
 * preset, or a timedelta (fixed intervals from start_date). A scheduled run
 * covers the interval that just ended: it is due at the interval's end and
 * its logical date is the interval's start (timetables/interval.py).
 *
 * Ownership: plain values; biz_schedule_crontab returns a malloc'd string.
 */
#ifndef BIZ_SCHEDULE_H
#define BIZ_SCHEDULE_H

#include <stddef.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "cron.h"
#include "tz.h"

/* "No time" for an optional start_date / end_date. */
#define BIZ_NO_TIME ((time_t)-0x7fffffffffffffffLL)

typedef enum biz_schedule_kind {
    BIZ_SCHEDULE_NONE,    /* schedule=None: manual runs only */
    BIZ_SCHEDULE_ONCE,    /* "@once": one run at start_date */
    BIZ_SCHEDULE_CRON,    /* a cron expression or preset */
    BIZ_SCHEDULE_DELTA    /* a timedelta */
} biz_schedule_kind;

typedef struct biz_schedule {
    biz_schedule_kind kind;
    biz_cron cron;        /* BIZ_SCHEDULE_CRON */
    char expr[128];       /* BIZ_SCHEDULE_CRON: the five fields (a preset expanded) */
    long long delta;      /* BIZ_SCHEDULE_DELTA: seconds, > 0 */
    /* The zone cron ticks are wall times of (start_date's); NULL = UTC.
     * A timedelta adds seconds to instants, whatever the zone (Airflow). */
    const biz_tz *tz;
} biz_schedule;

/* A data interval [start, end). */
typedef struct biz_interval {
    time_t start;
    time_t end;
} biz_interval;

/* Parses a schedule string: a preset (@once @hourly @daily @weekly
 * @monthly @quarterly @yearly @annually), a cron expression, or "None" / ""
 * for manual only. Returns 0, or -1 with a message in err ("invalid
 * schedule '...': day-of-week: unknown name 'MOO' (column 9)"). */
int biz_schedule_parse(const char *text, biz_schedule *out, char *err, size_t errlen);

/* A schedule from the DAG settings' JSON: null (manual), a string (as
 * biz_schedule_parse) or a number of seconds (a timedelta). */
int biz_schedule_from_json(const cJSON *v, biz_schedule *out, char *err, size_t errlen);

/* A timedelta schedule of seconds (> 0). */
int biz_schedule_delta(long long seconds, biz_schedule *out, char *err, size_t errlen);

/* Airflow's next_dagrun_info: the data interval of the next scheduled run
 * after the last one (last NULL: none yet), given start_date / end_date
 * (BIZ_NO_TIME when not set), catchup and the current time (used when
 * catchup is off). Returns 0 with *out set, or 1 when there is no next run
 * (manual schedule, @once done, past end_date, no start_date with catchup).
 * The run is due once out->end <= now. */
int biz_schedule_next(const biz_schedule *s, time_t start_date, time_t end_date, int catchup,
                   const biz_interval *last, time_t now, biz_interval *out);

/* The data intervals due at now, oldest first, at most max of them:
 * with catchup every interval not yet run, without only the latest
 * completed one. Returns how many were written to out. Calling again with
 * last = the final one continues a backlog cut short by max. */
int biz_schedule_due(const biz_schedule *s, time_t start_date, time_t end_date, int catchup,
                  const biz_interval *last, time_t now, biz_interval *out, int max);

/* The data interval of a run triggered by hand at t: for cron, the last
 * complete interval ending at or before t; for a timedelta [t - delta, t];
 * otherwise [t, t]. The run's logical date is t itself. */
biz_interval biz_schedule_manual(const biz_schedule *s, time_t t);

/* The crontab time fields that start the executable when a run falls due:
 * the expression for cron; for a timedelta whose ticks (start_date + k *
 * delta) a single cron line can hit (it divides an hour or a day, or is a
 * week), that line; else NULL with the reason in reason. Cron daemons use
 * local time unless told otherwise (CRON_TZ=...): the times here are those
 * of the schedule's zone for cron (s->tz), UTC for a timedelta.
 * Returns a malloc'd string. */
char *biz_schedule_crontab(const biz_schedule *s, time_t start_date, char *reason, size_t len);

/* The DAG's schedule settings. */
typedef struct biz_schedule_settings {
    biz_schedule sched;
    time_t start_date, end_date;   /* BIZ_NO_TIME when not set */
    int catchup;
} biz_schedule_settings;

/* Reads schedule, start_date, end_date and catchup (default True) from
 * the DAG's settings. 0, or -1 with a message. */
int biz_schedule_settings_read(const cJSON *settings, biz_schedule_settings *out, char *err, size_t errlen);

/* "now": $BIZ_NOW (ISO) when set, else the clock. 0, or -1 when BIZ_NOW
 * is malformed. */
int biz_schedule_now(double *now, char *err, size_t errlen);

#endif
