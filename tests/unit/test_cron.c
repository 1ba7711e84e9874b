/* test_cron.c: cron expressions, schedules and Airflow's data intervals
 * (runtime/calendar/cron.c, runtime/calendar/schedule.c). */
#include "cunit_main.h"
#include "cron.h"
#include "isotime.h"
#include "schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T unit_time   /* an instant written as ISO text (cunit_main.h) */

static const char *fmt(time_t t, char *buf)
{
    if (t == -1)
        return strcpy(buf, "(none)");
    return biz_isotime_utc(t, buf, 32);
}

/* Asserts that next (or prev) of expr from `from` is `want` ("" = none). */
static void step_is(const char *expr, int forward, const char *from, const char *want)
{
    biz_cron c;
    biz_cron_error e;
    int rc = biz_cron_parse(expr, &c, &e);
    if (rc != 0)
        fprintf(stderr, "\n%s: %s\n", expr, e.message);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    time_t got = forward ? biz_cron_next(&c, T(from)) : biz_cron_prev(&c, T(from));
    time_t exp = *want ? T(want) : -1;
    if (got != exp) {
        char a[32], b[32];
        fprintf(stderr, "\n'%s' %s %s: got %s, want %s\n", expr, forward ? "after" : "before",
                from, fmt(got, a), fmt(exp, b));
    }
    CU_ASSERT_EQUAL(got, exp);
}

#define NEXT(e, f, w) step_is(e, 1, f, w)
#define PREV(e, f, w) step_is(e, 0, f, w)

/* ------------------------------------------------------------ cron */

static void test_presets(void)
{
    static const char *const p[][2] = {
        {"@hourly", "0 * * * *"},  {"@daily", "0 0 * * *"},       {"@weekly", "0 0 * * 0"},
        {"@monthly", "0 0 1 * *"}, {"@quarterly", "0 0 1 */3 *"}, {"@yearly", "0 0 1 1 *"},
        {"@annually", "0 0 1 1 *"}, {"@DAILY", "0 0 * * *"},      {" 5 4 * * * ", "5 4 * * *"},
    };
    char err[256];
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
        biz_schedule s;
        CU_ASSERT_EQUAL(biz_schedule_parse(p[i][0], &s, err, sizeof err), 0);
        CU_ASSERT_EQUAL(s.kind, BIZ_SCHEDULE_CRON);
        CU_ASSERT_STRING_EQUAL(s.expr, p[i][1]);
    }
    biz_schedule s;
    CU_ASSERT_EQUAL(biz_schedule_parse("@once", &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL(s.kind, BIZ_SCHEDULE_ONCE);
    CU_ASSERT_EQUAL(biz_schedule_parse("None", &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL(s.kind, BIZ_SCHEDULE_NONE);
    CU_ASSERT_EQUAL(biz_schedule_parse("@sometimes", &s, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown schedule preset '@sometimes'"));
    CU_ASSERT_EQUAL(biz_schedule_parse("@continuous", &s, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not supported"));
    CU_ASSERT_EQUAL(biz_schedule_parse("", &s, err, sizeof err), -1);
    CU_ASSERT_EQUAL(biz_schedule_parse("0 0 30 2 *", &s, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "never fires"));
    CU_ASSERT_EQUAL(biz_schedule_parse("0 0 * * MOO", &s, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "invalid schedule '0 0 * * MOO': day-of-week: unknown name "
                                "'MOO' (column 9)");

    /* presets tick where Airflow says */
    NEXT("0 * * * *", "2024-01-01T10:30", "2024-01-01T11:00");
    NEXT("0 0 * * 0", "2024-01-01T00:00", "2024-01-07T00:00");   /* Sunday */
    NEXT("0 0 1 */3 *", "2024-02-10T00:00", "2024-04-01T00:00");
    NEXT("0 0 1 */3 *", "2024-11-10T00:00", "2025-01-01T00:00");
    NEXT("0 0 1 1 *", "2024-01-01T00:00", "2025-01-01T00:00");
    NEXT("0 0 1 * *", "2024-01-31T23:59", "2024-02-01T00:00");
}

static void test_steps_ranges_lists(void)
{
    NEXT("*/15 * * * *", "2024-03-05T10:07", "2024-03-05T10:15");
    NEXT("*/15 * * * *", "2024-03-05T10:15", "2024-03-05T10:30");   /* strictly after */
    NEXT("*/15 * * * *", "2024-03-05T10:15:30", "2024-03-05T10:30");
    NEXT("*/15 * * * *", "2024-03-05T10:45", "2024-03-05T11:00");
    NEXT("1-10/2 * * * *", "2024-03-05T10:00", "2024-03-05T10:01");
    NEXT("1-10/2 * * * *", "2024-03-05T10:09", "2024-03-05T11:01");
    NEXT("50/5 * * * *", "2024-03-05T10:51", "2024-03-05T10:55");    /* A/S: A to the end */
    NEXT("50/5 * * * *", "2024-03-05T10:56", "2024-03-05T11:50");
    NEXT("0 9-17/4 * * *", "2024-03-05T09:00", "2024-03-05T13:00");
    NEXT("0 9-17/4 * * *", "2024-03-05T17:00", "2024-03-06T09:00");
    NEXT("5,10,55 * * * *", "2024-03-05T10:10", "2024-03-05T10:55");
    NEXT("0 1,2-3,22 * * *", "2024-03-05T03:00", "2024-03-05T22:00");
    NEXT("* * * * *", "2024-03-05T10:10:59", "2024-03-05T10:11");
}

static void test_names(void)
{
    NEXT("0 0 * * MON-FRI", "2024-01-05T01:00", "2024-01-08T00:00");  /* Fri -> Mon */
    NEXT("0 0 * * mon-fri", "2024-01-06T00:00", "2024-01-08T00:00");
    NEXT("0 0 1 jan,JUL *", "2024-01-02T00:00", "2024-07-01T00:00");
    NEXT("0 0 1 Oct-DEC *", "2024-01-02T00:00", "2024-10-01T00:00");
    NEXT("0 0 * * 7", "2024-01-01T00:00", "2024-01-07T00:00");        /* 7 is Sunday */
    NEXT("0 0 * * sun", "2024-01-01T00:00", "2024-01-07T00:00");
    NEXT("0 0 * * 5-7", "2024-01-01T00:00", "2024-01-05T00:00");      /* Fri-Sun */
    NEXT("0 0 * * 6,7", "2024-01-06T00:00", "2024-01-07T00:00");
    NEXT("0 0 * * SAT/2", "2024-01-01T00:00", "2024-01-06T00:00");
}

static void test_dom_dow_or(void)
{
    /* both restricted: either matches */
    NEXT("0 0 13 * FRI", "2024-01-01T00:00", "2024-01-05T00:00");
    NEXT("0 0 13 * FRI", "2024-01-12T00:00", "2024-01-13T00:00");   /* Saturday the 13th */
    NEXT("0 0 13 * FRI", "2024-01-13T00:00", "2024-01-19T00:00");
    NEXT("0 0 */10 * 1", "2024-01-02T00:00", "2024-01-08T00:00");   /* a step is a restriction */
    NEXT("0 0 */10 * 1", "2024-01-08T00:00", "2024-01-11T00:00");
    /* one covers everything: only the other counts */
    NEXT("0 0 1-31 * MON", "2024-01-02T00:00", "2024-01-08T00:00");
    NEXT("0 0 13 * *", "2024-01-01T00:00", "2024-01-13T00:00");
    NEXT("0 0 13 * 0-7", "2024-01-01T00:00", "2024-01-13T00:00");
    NEXT("0 0 ? * 3", "2024-01-01T00:00", "2024-01-03T00:00");
}

static void test_month_ends_leap(void)
{
    NEXT("0 0 31 * *", "2024-01-31T00:00", "2024-03-31T00:00");
    NEXT("0 0 31 * *", "2024-03-31T00:00", "2024-05-31T00:00");
    NEXT("0 0 30 * *", "2024-01-30T00:00", "2024-03-30T00:00");
    NEXT("0 0 29 * *", "2023-01-29T00:00", "2023-03-29T00:00");     /* 2023: no Feb 29 */
    NEXT("0 0 29 * *", "2024-01-29T00:00", "2024-02-29T00:00");
    NEXT("0 0 29 2 *", "2023-01-01T00:00", "2024-02-29T00:00");
    NEXT("0 0 29 2 *", "2024-03-01T00:00", "2028-02-29T00:00");
    NEXT("0 0 29 2 *", "2096-03-01T00:00", "2104-02-29T00:00");     /* 2100 is not leap */
    NEXT("0 0 29 2 *", "2000-01-01T00:00", "2000-02-29T00:00");     /* 2000 is */
    NEXT("0 0 28-31 2 *", "2023-02-01T00:00", "2023-02-28T00:00");
    NEXT("0 0 28-31 2 *", "2023-02-28T00:00", "2024-02-28T00:00");
    CU_ASSERT_EQUAL(biz_isotime_days_in_month(2024, 2), 29);
    CU_ASSERT_EQUAL(biz_isotime_days_in_month(2023, 2), 28);
    CU_ASSERT_EQUAL(biz_isotime_days_in_month(2100, 2), 28);
    CU_ASSERT_EQUAL(biz_isotime_days_in_month(2000, 2), 29);
    biz_cron c;
    CU_ASSERT_EQUAL(biz_cron_parse("0 0 30 2 *", &c, NULL), 0);
    CU_ASSERT_EQUAL(biz_cron_next(&c, T("2024-01-01")), -1);
    CU_ASSERT_EQUAL(biz_cron_prev(&c, T("2024-01-01")), -1);
}

static void test_rollover_prev(void)
{
    NEXT("0 0 1 1 *", "2023-12-31T23:59", "2024-01-01T00:00");
    NEXT("59 23 31 12 *", "2024-12-31T23:59", "2025-12-31T23:59");
    NEXT("*/5 * * * *", "2023-12-31T23:58", "2024-01-01T00:00");
    PREV("0 0 * * *", "2024-01-03T06:00", "2024-01-03T00:00");
    PREV("0 0 * * *", "2024-01-03T00:00", "2024-01-02T00:00");      /* strictly before */
    PREV("0 0 * * *", "2024-01-03T00:00:01", "2024-01-03T00:00");
    PREV("0 12 * * *", "2024-01-01T00:00", "2023-12-31T12:00");
    PREV("0 0 29 2 *", "2024-01-01T00:00", "2020-02-29T00:00");
    PREV("0 0 31 * *", "2024-05-01T00:00", "2024-03-31T00:00");
    PREV("*/15 * * * *", "2024-03-05T10:07", "2024-03-05T10:00");
    PREV("0 0 13 * FRI", "2024-01-19T00:00", "2024-01-13T00:00");
    PREV("0 0 * * MON-FRI", "2024-01-08T00:00", "2024-01-05T00:00");
    PREV("0 0 1 */3 *", "2024-01-01T00:00", "2023-10-01T00:00");
    NEXT("30 2 * * *", "1969-12-31T12:00", "1970-01-01T02:30");     /* before the epoch */
    PREV("30 2 * * *", "1970-01-01T00:00", "1969-12-31T02:30");
}

/* Parse must fail with exactly this message and offset. */
static void cron_bad(const char *expr, int field, int offset, const char *msg)
{
    biz_cron c;
    biz_cron_error e;
    CU_ASSERT_EQUAL(biz_cron_parse(expr, &c, &e), -1);
    if (strcmp(e.message, msg) != 0 || e.field != field || e.offset != offset)
        fprintf(stderr, "\n'%s': got [%d,%d] '%s', want [%d,%d] '%s'\n", expr, e.field, e.offset,
                e.message, field, offset, msg);
    CU_ASSERT_STRING_EQUAL(e.message, msg);
    CU_ASSERT_EQUAL(e.field, field);
    CU_ASSERT_EQUAL(e.offset, offset);
}

static void test_cron_errors(void)
{
    cron_bad("* * * *", -1, 7,
             "expected 5 fields (minute hour day-of-month month day-of-week), got 4");
    cron_bad("* * * * * *", -1, 10,
             "expected 5 fields (minute hour day-of-month month day-of-week), got more than 5");
    cron_bad("", -1, 0, "expected 5 fields (minute hour day-of-month month day-of-week), got 0");
    cron_bad("60 * * * *", 0, 0, "minute: 60 is out of range 0-59 (column 1)");
    cron_bad("0 24 * * *", 1, 2, "hour: 24 is out of range 0-23 (column 3)");
    cron_bad("0 0 0 * *", 2, 4, "day-of-month: 0 is out of range 1-31 (column 5)");
    cron_bad("0 0 * 13 *", 3, 6, "month: 13 is out of range 1-12 (column 7)");
    cron_bad("0 0 * * 8", 4, 8, "day-of-week: 8 is out of range 0-7 (column 9)");
    cron_bad("0 0 * * MOO", 4, 8, "day-of-week: unknown name 'MOO' (column 9)");
    cron_bad("0 0 * FOO *", 3, 6, "month: unknown name 'FOO' (column 7)");
    cron_bad("0 0 * MON *", 3, 6, "month: unknown name 'MON' (column 7)");
    cron_bad("MON * * * *", 0, 0,
             "minute: names like 'MON' are only allowed in the month and day-of-week fields "
             "(column 1)");
    cron_bad("*/0 * * * *", 0, 2, "minute: a step of 0 (column 3)");
    cron_bad("*/x * * * *", 0, 2, "minute: a step must be a number (column 3)");
    cron_bad("0 5-1 * * *", 1, 4, "hour: range 5-1 is reversed (column 5)");
    cron_bad("1,,2 * * * *", 0, 2, "minute: unexpected ',' (column 3)");
    cron_bad("1, * * * *", 0, 2, "minute: a value is missing (column 3)");
    cron_bad("? * * * *", 0, 0, "minute: unexpected '?' (column 1)");
    cron_bad("0 0 1-* * *", 2, 6, "day-of-month: unexpected '*' (column 7)");
    cron_bad("1x * * * *", 0, 1, "minute: unexpected 'x' (column 2)");
    cron_bad("*/61 * * * *", 0, 2, "minute: step 61 is larger than the field's range (column 3)");
}

/* next/prev against a minute-by-minute scan of matches(). */
static void test_against_scan(void)
{
    static const char *const exprs[] = {
        "*/7 * * * *", "3-50/9 */5 * * *", "0 0 13 * FRI", "15 10 * * 1-5", "0 */6 1,15 * *",
        "30 23 28-31 * *", "0 12 * 2 *", "0 0 */3 * SUN", "45 6 1 * 2,4", "0 0 1-7 * MON",
    };
    static const char *const starts[] = {"2024-01-01T00:00", "2024-02-27T13:37:12",
                                         "2023-12-31T23:30", "2100-02-20T00:00"};
    for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
        biz_cron c;
        CU_ASSERT_EQUAL_FATAL(biz_cron_parse(exprs[i], &c, NULL), 0);
        for (size_t j = 0; j < sizeof starts / sizeof starts[0]; j++) {
            time_t t0 = T(starts[j]);
            time_t want = -1;
            for (time_t t = (t0 / 60 + 1) * 60; t < t0 + 40 * 86400; t += 60)
                if (biz_cron_matches(&c, t)) {
                    want = t;
                    break;
                }
            /* nothing within the window: the answer lies beyond it */
            time_t got = biz_cron_next(&c, t0);
            if (want == -1) {
                CU_ASSERT_TRUE(got == -1 || got >= t0 + 40 * 86400);
            } else {
                CU_ASSERT_EQUAL(got, want);
            }
            want = -1;
            for (time_t t = (t0 - 1) / 60 * 60; t > t0 - 40 * 86400; t -= 60)
                if (biz_cron_matches(&c, t)) {
                    want = t;
                    break;
                }
            got = biz_cron_prev(&c, t0);
            if (want == -1) {
                CU_ASSERT_TRUE(got != -1 && got <= t0 - 40 * 86400);
            } else {
                CU_ASSERT_EQUAL(got, want);
            }
        }
    }
}

/* ------------------------------------------------------------ intervals */

static biz_schedule S(const char *text)
{
    biz_schedule s;
    char err[256];
    int rc = biz_schedule_parse(text, &s, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "\n%s\n", err);
    CU_ASSERT_EQUAL(rc, 0);
    return s;
}

static biz_schedule D(long long seconds)
{
    biz_schedule s;
    char err[256];
    CU_ASSERT_EQUAL(biz_schedule_delta(seconds, &s, err, sizeof err), 0);
    return s;
}

/* Runs biz_schedule_due and compares with want: a NULL-terminated list of
 * start/end ISO pairs. */
static void due_is(const biz_schedule *s, const char *start, const char *end, int catchup,
                   const biz_interval *last, const char *now, int max, const char *const *want)
{
    biz_interval out[64];
    int n = biz_schedule_due(s, start ? T(start) : BIZ_NO_TIME, end ? T(end) : BIZ_NO_TIME,
                          catchup, last, T(now), out, max);
    int wn = 0;
    while (want[2 * wn])
        wn++;
    int ok = n == wn;
    for (int i = 0; ok && i < n; i++)
        ok = out[i].start == T(want[2 * i]) && out[i].end == T(want[2 * i + 1]);
    if (!ok) {
        fprintf(stderr, "\ngot %d intervals:", n);
        for (int i = 0; i < n; i++) {
            char a[32], b[32];
            fprintf(stderr, " [%s, %s]", fmt(out[i].start, a), fmt(out[i].end, b));
        }
        fprintf(stderr, "; want %d\n", wn);
    }
    CU_ASSERT_TRUE(ok);
}

static void test_catchup_example(void)
{
    biz_schedule d = S("@daily");
    static const char *const both[] = {"2024-01-01", "2024-01-02", "2024-01-02", "2024-01-03", NULL};
    static const char *const last1[] = {"2024-01-02", "2024-01-03", NULL};
    static const char *const none[] = {NULL};
    due_is(&d, "2024-01-01", NULL, 1, NULL, "2024-01-03T06:00Z", 100, both);
    due_is(&d, "2024-01-01", NULL, 0, NULL, "2024-01-03T06:00Z", 100, last1);
    /* on the boundary: the interval that just ended */
    due_is(&d, "2024-01-01", NULL, 0, NULL, "2024-01-03T00:00Z", 100, last1);
    /* the first interval already ran */
    biz_interval last = {T("2024-01-01"), T("2024-01-02")};
    due_is(&d, "2024-01-01", NULL, 1, &last, "2024-01-03T06:00Z", 100, last1);
    /* the latest ran too: nothing */
    biz_interval latest = {T("2024-01-02"), T("2024-01-03")};
    due_is(&d, "2024-01-01", NULL, 1, &latest, "2024-01-03T06:00Z", 100, none);
    due_is(&d, "2024-01-01", NULL, 0, &latest, "2024-01-03T23:59Z", 100, none);
    /* no catchup after a long pause: only the latest */
    biz_interval old = {T("2023-12-01"), T("2023-12-02")};
    due_is(&d, "2023-11-01", NULL, 0, &old, "2024-01-03T06:00Z", 100, last1);
    /* before the first interval ends: nothing */
    due_is(&d, "2024-01-01", NULL, 1, NULL, "2024-01-01T23:59Z", 100, none);
    due_is(&d, "2024-01-01", NULL, 0, NULL, "2024-01-01T23:59Z", 100, none);
}

static void test_bounds_and_max(void)
{
    biz_schedule d = S("@daily");
    static const char *const first[] = {"2024-01-01", "2024-01-02", NULL};
    static const char *const none[] = {NULL};
    /* end_date: no interval starts after it */
    due_is(&d, "2024-01-01", "2024-01-01T12:00", 1, NULL, "2024-01-10", 100, first);
    due_is(&d, "2024-01-01", "2023-12-31", 1, NULL, "2024-01-10", 100, none);
    due_is(&d, "2024-01-01", "2024-01-01T12:00", 0, NULL, "2024-01-10", 100, none);
    /* max: the oldest first, then continue from the last one */
    due_is(&d, "2024-01-01", NULL, 1, NULL, "2024-01-10", 1, first);
    biz_interval out[16];
    int n = biz_schedule_due(&d, T("2024-01-01"), BIZ_NO_TIME, 1, NULL, T("2024-01-10"), out, 16);
    CU_ASSERT_EQUAL(n, 9);
    CU_ASSERT_EQUAL(out[8].start, T("2024-01-09"));
    biz_interval last = out[4];
    n = biz_schedule_due(&d, T("2024-01-01"), BIZ_NO_TIME, 1, &last, T("2024-01-10"), out, 16);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT_EQUAL(out[0].start, T("2024-01-06"));
    /* start_date not on a tick rounds up to the next one */
    static const char *const up[] = {"2024-01-02", "2024-01-03", NULL};
    due_is(&d, "2024-01-01T10:00", NULL, 1, NULL, "2024-01-03T06:00", 100, up);
    /* no start_date: catchup has nowhere to begin; without it, the latest */
    due_is(&d, NULL, NULL, 1, NULL, "2024-01-03T06:00", 100, none);
    due_is(&d, NULL, NULL, 0, NULL, "2024-01-03T06:00", 100, up);
}

static void test_other_schedules(void)
{
    /* @weekly from a Monday: the first tick is Sunday the 7th */
    biz_schedule w = S("@weekly");
    static const char *const wk[] = {"2024-01-07", "2024-01-14", "2024-01-14", "2024-01-21", NULL};
    due_is(&w, "2024-01-01", NULL, 1, NULL, "2024-01-22", 100, wk);
    /* @monthly from mid-month */
    biz_schedule m = S("@monthly");
    static const char *const mo[] = {"2024-02-01", "2024-03-01", "2024-03-01", "2024-04-01", NULL};
    due_is(&m, "2024-01-15", NULL, 1, NULL, "2024-04-02", 100, mo);
    /* @once: one run at start_date, whatever catchup */
    biz_schedule o = S("@once");
    static const char *const once[] = {"2024-01-01", "2024-01-01", NULL};
    static const char *const none[] = {NULL};
    due_is(&o, "2024-01-01", NULL, 0, NULL, "2024-05-01", 100, once);
    due_is(&o, "2024-01-01", NULL, 1, NULL, "2023-12-31", 100, none);
    biz_interval done = {T("2024-01-01"), T("2024-01-01")};
    due_is(&o, "2024-01-01", NULL, 1, &done, "2024-05-01", 100, none);
    /* None: never scheduled */
    biz_schedule nn = S("None");
    due_is(&nn, "2024-01-01", NULL, 1, NULL, "2024-05-01", 100, none);
}

static void test_timedelta(void)
{
    biz_schedule h6 = D(6 * 3600);
    static const char *const all[] = {
        "2024-01-01T00:00", "2024-01-01T06:00", "2024-01-01T06:00", "2024-01-01T12:00",
        "2024-01-01T12:00", "2024-01-01T18:00", "2024-01-01T18:00", "2024-01-02T00:00", NULL};
    static const char *const latest[] = {"2024-01-01T18:00", "2024-01-02T00:00", NULL};
    due_is(&h6, "2024-01-01", NULL, 1, NULL, "2024-01-02T01:00", 100, all);
    due_is(&h6, "2024-01-01", NULL, 0, NULL, "2024-01-02T01:00", 100, latest);
    /* not aligned to the clock: from start_date */
    static const char *const odd[] = {"2024-01-01T01:30", "2024-01-01T07:30",
                                      "2024-01-01T07:30", "2024-01-01T13:30", NULL};
    due_is(&h6, "2024-01-01T01:30", NULL, 1, NULL, "2024-01-01T14:00", 100, odd);
    static const char *const odd1[] = {"2024-01-01T07:30", "2024-01-01T13:30", NULL};
    due_is(&h6, "2024-01-01T01:30", NULL, 0, NULL, "2024-01-01T14:00", 100, odd1);
    biz_interval last = {T("2024-01-01T00:00"), T("2024-01-01T06:00")};
    static const char *const rest[] = {"2024-01-01T06:00", "2024-01-01T12:00", NULL};
    due_is(&h6, "2024-01-01", NULL, 1, &last, "2024-01-01T13:00", 100, rest);
    biz_schedule s;
    char err[128];
    CU_ASSERT_EQUAL(biz_schedule_delta(0, &s, err, sizeof err), -1);
    CU_ASSERT_EQUAL(biz_schedule_delta(-5, &s, err, sizeof err), -1);
}

static void test_manual(void)
{
    biz_schedule d = S("@daily");
    biz_interval iv = biz_schedule_manual(&d, T("2024-01-03T06:00"));
    CU_ASSERT_EQUAL(iv.start, T("2024-01-02"));
    CU_ASSERT_EQUAL(iv.end, T("2024-01-03"));
    iv = biz_schedule_manual(&d, T("2024-01-03T00:00"));
    CU_ASSERT_EQUAL(iv.start, T("2024-01-02"));
    CU_ASSERT_EQUAL(iv.end, T("2024-01-03"));
    biz_schedule h = S("*/15 * * * *");
    iv = biz_schedule_manual(&h, T("2024-01-03T06:20:30"));
    CU_ASSERT_EQUAL(iv.start, T("2024-01-03T06:00"));
    CU_ASSERT_EQUAL(iv.end, T("2024-01-03T06:15"));
    biz_schedule h6 = D(6 * 3600);
    iv = biz_schedule_manual(&h6, T("2024-01-03T06:20"));
    CU_ASSERT_EQUAL(iv.start, T("2024-01-03T00:20"));
    CU_ASSERT_EQUAL(iv.end, T("2024-01-03T06:20"));
    biz_schedule nn = S("None");
    iv = biz_schedule_manual(&nn, T("2024-01-03T06:20"));
    CU_ASSERT_EQUAL(iv.start, T("2024-01-03T06:20"));
    CU_ASSERT_EQUAL(iv.end, T("2024-01-03T06:20"));
    biz_schedule o = S("@once");
    iv = biz_schedule_manual(&o, T("2024-01-03T06:20"));
    CU_ASSERT_EQUAL(iv.start, iv.end);
}

/* The crontab line of a schedule, or NULL with a reason containing why. */
static void crontab_is(const biz_schedule *s, const char *start, const char *want, const char *why)
{
    char reason[256];
    char *line = biz_schedule_crontab(s, start ? T(start) : BIZ_NO_TIME, reason, sizeof reason);
    if (want) {
        CU_ASSERT_PTR_NOT_NULL_FATAL(line);
        if (strcmp(line, want) != 0)
            fprintf(stderr, "\ncrontab '%s', want '%s'\n", line, want);
        CU_ASSERT_STRING_EQUAL(line, want);
    } else {
        CU_ASSERT_PTR_NULL(line);
        if (!strstr(reason, why))
            fprintf(stderr, "\nreason '%s' lacks '%s'\n", reason, why);
        CU_ASSERT_PTR_NOT_NULL(strstr(reason, why));
    }
    free(line);
}

static void test_crontab(void)
{
    biz_schedule s = S("@daily");
    crontab_is(&s, "2024-01-01", "0 0 * * *", NULL);
    s = S("@quarterly");
    crontab_is(&s, NULL, "0 0 1 */3 *", NULL);
    s = S("15 3 * * MON-FRI");
    crontab_is(&s, NULL, "15 3 * * MON-FRI", NULL);
    s = D(6 * 3600);
    crontab_is(&s, "2024-01-01", "0 */6 * * *", NULL);
    crontab_is(&s, "2024-01-01T01:30", "30 1-23/6 * * *", NULL);
    crontab_is(&s, NULL, NULL, "needs a start_date");
    s = D(15 * 60);
    crontab_is(&s, "2024-01-01T00:05", "5-59/15 * * * *", NULL);
    crontab_is(&s, "2024-01-01T00:30", "*/15 * * * *", NULL);
    s = D(60);
    crontab_is(&s, "2024-01-01", "* * * * *", NULL);
    s = D(3600);
    crontab_is(&s, "2024-01-01T00:20", "20 * * * *", NULL);
    s = D(86400);
    crontab_is(&s, "2024-01-01T03:15", "15 3 * * *", NULL);
    s = D(7 * 86400);
    crontab_is(&s, "2024-01-01T08:00", "0 8 * * 1", NULL);
    s = D(90 * 60);
    crontab_is(&s, "2024-01-01", NULL, "do not divide an hour or a day");
    s = D(2 * 86400);
    crontab_is(&s, "2024-01-01", NULL, "every 2 days");
    s = D(45);
    crontab_is(&s, "2024-01-01", NULL, "whole minutes");
    s = D(3600);
    crontab_is(&s, "2024-01-01T00:00:30", NULL, "whole minutes");
    s = S("None");
    crontab_is(&s, NULL, NULL, "by hand");
    s = S("@once");
    crontab_is(&s, "2024-01-01", NULL, "@once");
}

static void test_from_json(void)
{
    biz_schedule s;
    char err[256];
    cJSON *v = cJSON_CreateNull();
    CU_ASSERT_EQUAL(biz_schedule_from_json(v, &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL(s.kind, BIZ_SCHEDULE_NONE);
    cJSON_Delete(v);
    CU_ASSERT_EQUAL(biz_schedule_from_json(NULL, &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL(s.kind, BIZ_SCHEDULE_NONE);
    v = cJSON_CreateString("@hourly");
    CU_ASSERT_EQUAL(biz_schedule_from_json(v, &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL(s.kind, BIZ_SCHEDULE_CRON);
    cJSON_Delete(v);
    v = cJSON_CreateNumber(21600);
    CU_ASSERT_EQUAL(biz_schedule_from_json(v, &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL(s.kind, BIZ_SCHEDULE_DELTA);
    CU_ASSERT_EQUAL(s.delta, 21600);
    cJSON_Delete(v);
    v = cJSON_CreateNumber(0);
    CU_ASSERT_EQUAL(biz_schedule_from_json(v, &s, err, sizeof err), -1);
    cJSON_Delete(v);
    v = cJSON_CreateTrue();
    CU_ASSERT_EQUAL(biz_schedule_from_json(v, &s, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected null, a string or a number"));
    cJSON_Delete(v);
}

static const unit_test cron_tests[] = {
    {"presets", test_presets},
    {"steps, ranges, lists", test_steps_ranges_lists},
    {"month and day names", test_names},
    {"day-of-month OR day-of-week", test_dom_dow_or},
    {"month ends and leap years", test_month_ends_leap},
    {"year rollover and prev", test_rollover_prev},
    {"parse errors", test_cron_errors},
    {"next/prev against a scan", test_against_scan},
    UNIT_TESTS_END,
};

static const unit_test schedule_tests[] = {
    {"AIRFLOW.md catchup example", test_catchup_example},
    {"end_date, max, start rounding", test_bounds_and_max},
    {"weekly, monthly, once, None", test_other_schedules},
    {"timedelta", test_timedelta},
    {"manual runs", test_manual},
    {"crontab lines", test_crontab},
    {"from JSON", test_from_json},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"cron", NULL, NULL, cron_tests},
    {"schedule", NULL, NULL, schedule_tests},
    UNIT_SUITES_END,
};
