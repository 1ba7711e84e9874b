/* schedule.c: schedules and Airflow 2's data intervals
 * (airflow/timetables/interval.py, simple.py), in UTC.
 *
 * One deliberate difference from Airflow: with catchup=False a timedelta
 * schedule runs the latest interval of the grid start_date + k * delta that
 * has ended, where Airflow takes [now - delta, now]. A compiled DAG is
 * started by cron a little after each tick; Airflow's rule would give every
 * run an interval (and a logical date) shifted by that lag.
 */
#include "schedule.h"
#include "ascii.h"
#include "isotime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    const char *expr;
} presets[] = {
    {"@hourly", "0 * * * *"},    {"@daily", "0 0 * * *"},     {"@midnight", "0 0 * * *"},
    {"@weekly", "0 0 * * 0"},    {"@monthly", "0 0 1 * *"},   {"@quarterly", "0 0 1 */3 *"},
    {"@yearly", "0 0 1 1 *"},    {"@annually", "0 0 1 1 *"},
};

/* Parses a schedule string (see schedule.h). */
int biz_schedule_parse(const char *text, biz_schedule *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (err && errlen)
        err[0] = '\0';
    char buf[128];
    const char *s = text ? text : "";
    size_t n = biz_ascii_trim(&s, strlen(s));
    if (n >= sizeof buf) {
        snprintf(err, errlen, "invalid schedule: longer than %zu characters", sizeof buf - 1);
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (n == 0) {
        snprintf(err, errlen, "invalid schedule: empty (use None for manual runs only)");
        return -1;
    }
    if (strcmp(buf, "None") == 0) {
        out->kind = BIZ_SCHEDULE_NONE;
        return 0;
    }
    const char *expr = buf;
    if (buf[0] == '@') {
        if (strcasecmp(buf, "@once") == 0) {
            out->kind = BIZ_SCHEDULE_ONCE;
            return 0;
        }
        expr = NULL;
        for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
            if (strcasecmp(buf, presets[i].name) == 0)
                expr = presets[i].expr;
        if (!expr) {
            if (strcasecmp(buf, "@continuous") == 0)
                snprintf(err, errlen, "schedule '@continuous' is not supported: a compiled DAG "
                         "runs when started (use a cron expression)");
            else
                snprintf(err, errlen, "unknown schedule preset '%s' (expected @once, @hourly, "
                         "@daily, @weekly, @monthly, @quarterly, @yearly or @annually)", buf);
            return -1;
        }
    }
    biz_cron_error ce;
    if (biz_cron_parse(expr, &out->cron, &ce) < 0) {
        snprintf(err, errlen, "invalid schedule '%s': %s", buf, ce.message);
        return -1;
    }
    if (biz_cron_next(&out->cron, 0) == -1) {
        snprintf(err, errlen, "invalid schedule '%s': it never fires (no such day)", buf);
        return -1;
    }
    out->kind = BIZ_SCHEDULE_CRON;
    snprintf(out->expr, sizeof out->expr, "%s", expr);
    return 0;
}

/* A timedelta schedule. */
int biz_schedule_delta(long long seconds, biz_schedule *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (seconds <= 0 || seconds > 100LL * 366 * 86400) {
        snprintf(err, errlen, "invalid schedule: a timedelta must be positive and under a "
                 "century (got %lld seconds)", seconds);
        return -1;
    }
    out->kind = BIZ_SCHEDULE_DELTA;
    out->delta = seconds;
    return 0;
}

/* A schedule from JSON: null, a string or seconds. */
int biz_schedule_from_json(const cJSON *v, biz_schedule *out, char *err, size_t errlen)
{
    if (!v || cJSON_IsNull(v)) {
        memset(out, 0, sizeof *out);
        out->kind = BIZ_SCHEDULE_NONE;
        return 0;
    }
    if (cJSON_IsString(v))
        return biz_schedule_parse(v->valuestring, out, err, errlen);
    if (cJSON_IsNumber(v)) {
        if (v->valuedouble < 1 || v->valuedouble > 1e10) {
            snprintf(err, errlen, "invalid schedule: a timedelta of %g seconds", v->valuedouble);
            return -1;
        }
        return biz_schedule_delta((long long)v->valuedouble, out, err, errlen);
    }
    snprintf(err, errlen, "invalid schedule: expected null, a string or a number of seconds");
    return -1;
}

/* ------------------------------------------------------------ timetables */

/* True when the cron fires in every hour (croniter normalises such an
 * hour field to "*": Airflow's _covers_every_hour). */
static int every_hour(const biz_schedule *s)
{
    return s->cron.hour == 0xFFFFFFu;
}

/* Airflow's CronMixin._get_next / _get_prev in a zone: croniter runs on
 * the naive wall time; the tick found is made aware with fold=1, except
 * for a schedule of every hour, which moves from t by the wall-clock
 * distance (so an hourly job runs twice in the repeated hour and skips
 * none of the gap). */
static time_t zoned_cron(const biz_schedule *s, time_t t, int forward)
{
    time_t naive = biz_tz_to_local(s->tz, t);
    time_t tick = forward ? biz_cron_next(&s->cron, naive) : biz_cron_prev(&s->cron, naive);
    if (tick == -1)
        return -1;
    if (!every_hour(s))
        return biz_tz_from_local(s->tz, tick, 1);
    return t + (tick - naive);
}

static int zoned(const biz_schedule *s)
{
    return s->kind == BIZ_SCHEDULE_CRON && !biz_tz_is_utc(s->tz);
}

static time_t get_next(const biz_schedule *s, time_t t)
{
    if (zoned(s))
        return zoned_cron(s, t, 1);
    return s->kind == BIZ_SCHEDULE_DELTA ? t + (time_t)s->delta : biz_cron_next(&s->cron, t);
}

static time_t get_prev(const biz_schedule *s, time_t t)
{
    if (zoned(s))
        return zoned_cron(s, t, 0);
    return s->kind == BIZ_SCHEDULE_DELTA ? t - (time_t)s->delta : biz_cron_prev(&s->cron, t);
}

/* t when it is a tick, else the next tick (cron only). In a zone as
 * Airflow's _align_to_next: t unless prev(next(t)) != t. */
static time_t align_next(const biz_schedule *s, time_t t)
{
    if (s->kind == BIZ_SCHEDULE_DELTA)
        return t;
    if (zoned(s)) {
        time_t n = get_next(s, t);
        if (n == -1)
            return -1;
        return get_prev(s, n) == t ? t : n;
    }
    return biz_cron_matches(&s->cron, t) && t % 60 == 0 ? t : biz_cron_next(&s->cron, t);
}

/* t when it is a tick, else the previous tick (cron only); zoned as
 * Airflow's _align_to_prev. */
static time_t align_prev(const biz_schedule *s, time_t t)
{
    if (s->kind == BIZ_SCHEDULE_DELTA)
        return t;
    if (zoned(s)) {
        time_t p = get_prev(s, t);
        if (p == -1)
            return -1;
        return get_next(s, p) == t ? t : p;
    }
    return biz_cron_matches(&s->cron, t) && t % 60 == 0 ? t : biz_cron_prev(&s->cron, t);
}

/* The start of the latest interval that has ended by now, not before
 * earliest (Airflow's _skip_to_latest; see the top for timedeltas). */
static time_t skip_to_latest(const biz_schedule *s, time_t earliest, time_t now)
{
    time_t new_start;
    if (s->kind == BIZ_SCHEDULE_DELTA) {
        if (earliest == BIZ_NO_TIME)
            return now - (time_t)s->delta;
        if (now < earliest + (time_t)s->delta)
            return earliest;
        long long k = (long long)((now - earliest) / (time_t)s->delta);
        return earliest + (time_t)((k - 1) * s->delta);
    }
    time_t last_start = get_prev(s, now);
    time_t next_start = get_next(s, last_start);
    new_start = next_start == now ? last_start : get_prev(s, last_start);
    if (earliest == BIZ_NO_TIME)
        return new_start;
    time_t e = align_next(s, earliest);
    return new_start > e ? new_start : e;
}

/* Airflow's next_dagrun_info (see schedule.h). */
int biz_schedule_next(const biz_schedule *s, time_t start_date, time_t end_date, int catchup,
                   const biz_interval *last, time_t now, biz_interval *out)
{
    if (s->kind == BIZ_SCHEDULE_NONE)
        return 1;
    if (s->kind == BIZ_SCHEDULE_ONCE) {
        /* @once runs at start_date whatever catchup says (Airflow 1.10 on). */
        if (last || start_date == BIZ_NO_TIME)
            return 1;
        if (end_date != BIZ_NO_TIME && start_date > end_date)
            return 1;
        out->start = out->end = start_date;
        return 0;
    }
    time_t earliest = start_date;
    if (!catchup)
        earliest = skip_to_latest(s, earliest, now);
    else if (earliest != BIZ_NO_TIME)
        earliest = align_next(s, earliest);
    time_t start;
    if (!last) {
        if (earliest == BIZ_NO_TIME)
            return 1;
        start = earliest;
    } else {
        /* Aligning matters when the schedule changed since the last run. */
        start = align_prev(s, last->end);
        if (earliest != BIZ_NO_TIME && earliest > start)
            start = earliest;
    }
    if (start == -1 || (end_date != BIZ_NO_TIME && start > end_date))
        return 1;
    time_t end = get_next(s, start);
    if (end == -1)
        return 1;
    out->start = start;
    out->end = end;
    return 0;
}

/* The intervals due at now, oldest first. */
int biz_schedule_due(const biz_schedule *s, time_t start_date, time_t end_date, int catchup,
                  const biz_interval *last, time_t now, biz_interval *out, int max)
{
    int n = 0;
    const biz_interval *cur = last;
    while (n < max) {
        biz_interval iv;
        if (biz_schedule_next(s, start_date, end_date, catchup, cur, now, &iv) != 0)
            break;
        if (iv.end > now)
            break;
        if (n > 0 && iv.start < out[n - 1].end)
            break;    /* never run an interval twice */
        out[n++] = iv;
        cur = &out[n - 1];
    }
    return n;
}

/* The data interval of a manual run at t. */
biz_interval biz_schedule_manual(const biz_schedule *s, time_t t)
{
    biz_interval iv = {t, t};
    if (s->kind == BIZ_SCHEDULE_DELTA) {
        iv.start = t - (time_t)s->delta;
    } else if (s->kind == BIZ_SCHEDULE_CRON) {
        time_t end = align_prev(s, t);
        time_t start = end == -1 ? -1 : get_prev(s, end);
        if (end != -1 && start != -1) {
            iv.start = start;
            iv.end = end;
        }
    }
    return iv;
}

/* ------------------------------------------------------------ crontab */

/* A zoned cron's line: its hours and each next hour too. On the day the
 * clocks go forward a tick in the gap falls due at the end of it (an hour
 * later on the wall clock); on the day they go back the tick is the
 * second of the repeated hour, which cron daemons start only once, at the
 * first: the start an hour later runs it. A start with nothing due exits
 * at once. */
static char *zoned_crontab(const biz_schedule *s)
{
    char f[5][64];
    if (sscanf(s->expr, "%63s %63s %63s %63s %63s", f[0], f[1], f[2], f[3], f[4]) != 5)
        return strdup(s->expr);
    char hours[100] = "";
    size_t n = 0;
    for (int h = 0; h < 24; h++) {
        int prev = (h + 23) % 24;
        if (!(s->cron.hour >> h & 1) && !(s->cron.hour >> prev & 1))
            continue;
        n += (size_t)snprintf(hours + n, sizeof hours - n, "%s%d", n ? "," : "", h);
    }
    char *line = NULL;
    if (asprintf(&line, "%s %s %s %s %s", f[0], hours, f[2], f[3], f[4]) < 0)
        return NULL;
    return line;
}

/* The crontab fields for a schedule (see schedule.h). */
char *biz_schedule_crontab(const biz_schedule *s, time_t start_date, char *reason, size_t len)
{
    char line[64];
    if (reason && len)
        reason[0] = '\0';
    switch (s->kind) {
    case BIZ_SCHEDULE_NONE:
        snprintf(reason, len, "the schedule is None: runs are started by hand only");
        return NULL;
    case BIZ_SCHEDULE_ONCE:
        snprintf(reason, len, "the schedule is @once: a single run, start it by hand (or with at)");
        return NULL;
    case BIZ_SCHEDULE_CRON:
        return zoned(s) && !every_hour(s) ? zoned_crontab(s) : strdup(s->expr);
    case BIZ_SCHEDULE_DELTA:
        break;
    }
    long long d = s->delta;
    if (start_date == BIZ_NO_TIME) {
        snprintf(reason, len, "a timedelta schedule needs a start_date to place its runs");
        return NULL;
    }
    biz_isotime_tm u;
    biz_isotime_split(start_date, &u);
    if (d % 60 != 0 || u.second != 0) {
        snprintf(reason, len, "runs every %lld seconds from a start_date at %02d:%02d:%02d fall "
                 "between minutes: cron starts commands on whole minutes", d, u.hour, u.minute,
                 u.second);
        return NULL;
    }
    long long m = d / 60;
    if (m < 60 && 60 % m == 0) {
        int off = (int)(u.minute % m);
        if (m == 1)
            snprintf(line, sizeof line, "* * * * *");
        else if (off == 0)
            snprintf(line, sizeof line, "*/%lld * * * *", m);
        else
            snprintf(line, sizeof line, "%d-59/%lld * * * *", off, m);
    } else if (m % 60 == 0 && 24 % (m / 60) == 0) {
        long long h = m / 60;
        int off = (int)(u.hour % h);
        if (h == 1)
            snprintf(line, sizeof line, "%d * * * *", u.minute);
        else if (h == 24)
            snprintf(line, sizeof line, "%d %d * * *", u.minute, u.hour);
        else if (off == 0)
            snprintf(line, sizeof line, "%d */%lld * * *", u.minute, h);
        else
            snprintf(line, sizeof line, "%d %d-23/%lld * * *", u.minute, off, h);
    } else if (m == 7 * 24 * 60) {
        snprintf(line, sizeof line, "%d %d * * %d", u.minute, u.hour, u.wday);
    } else if (m % (24 * 60) == 0) {
        snprintf(reason, len, "runs every %lld days cannot be one crontab line: months have "
                 "different lengths", m / (24 * 60));
        return NULL;
    } else {
        snprintf(reason, len, "runs every %lld minutes do not divide an hour or a day evenly: "
                 "no single crontab line hits them", m);
        return NULL;
    }
    return strdup(line);
}

/* ------------------------------------------------ the DAG's settings */

static int read_date(const cJSON *settings, const char *name, time_t *out, char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(settings, name);
    *out = BIZ_NO_TIME;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v) || biz_isotime_parse(v->valuestring, out) != 0) {
        snprintf(err, errlen, "the DAG's %s is not an ISO date", name);
        return -1;
    }
    return 0;
}

/* Reads the DAG's schedule settings (schedule.h). */
int biz_schedule_settings_read(const cJSON *settings, biz_schedule_settings *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(settings, "schedule");
    if (!sv)
        sv = cJSON_GetObjectItemCaseSensitive(settings, "schedule_interval");
    if (!sv || cJSON_IsNull(sv))
        out->sched.kind = BIZ_SCHEDULE_NONE;
    else if (biz_schedule_from_json(sv, &out->sched, err, errlen) != 0)
        return -1;
    /* start_date's zone: its rules are compiled in (bizrt.h's zones). */
    const char *tz = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(settings, "timezone"));
    if (tz) {
        int known;
        out->sched.tz = biz_tz_find(tz, &known);
        if (!known) {
            snprintf(err, errlen, "the DAG's time zone '%s' is not compiled into this executable", tz);
            return -1;
        }
    }
    if (read_date(settings, "start_date", &out->start_date, err, errlen) < 0 ||
        read_date(settings, "end_date", &out->end_date, err, errlen) < 0)
        return -1;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(settings, "catchup");
    out->catchup = cJSON_IsBool(c) ? cJSON_IsTrue(c) : 1;   /* Airflow 2's default */
    return 0;
}

/* "now" from BIZ_NOW or the clock. */
int biz_schedule_now(double *now, char *err, size_t errlen)
{
    const char *v = getenv("BIZ_NOW");
    if (v && *v) {
        time_t t;
        if (biz_isotime_parse(v, &t) != 0) {
            snprintf(err, errlen, "BIZ_NOW='%s' is not an ISO time (e.g. 2024-01-03T06:00:00Z)", v);
            return -1;
        }
        *now = (double)t;
        return 0;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    *now = (double)ts.tv_sec + ts.tv_nsec / 1e9;
    return 0;
}
