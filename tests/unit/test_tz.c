/* test_tz.c: time zones (compiler/tzif.c reading tzdata, runtime/calendar/tz.c's
 * conversions) and cron schedules on a zone's wall clock with Airflow's
 * DST rules (runtime/calendar/schedule.c). The zones come from the machine's
 * tzdata, as bizc reads them; the expected instants were checked against
 * Airflow 2.11 (tests/conformance/schedule has the same cases). */
#include "cunit_main.h"
#include "isotime.h"
#include "schedule.h"
#include "tz.h"
#include "tzif.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T unit_time   /* an instant written as ISO text (cunit_main.h) */

static const biz_tz *zone(const char *name)
{
    char err[300];
    const biz_tz *z = biz_tzif_load(name, err, sizeof err);
    if (!z)
        fprintf(stderr, "\n%s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    return z;
}

static void test_offsets(void)
{
    const biz_tz *p = zone("Europe/Paris");
    CU_ASSERT_EQUAL(biz_tz_offset(p, T("2024-01-15T12:00:00Z")), 3600);
    CU_ASSERT_EQUAL(biz_tz_offset(p, T("2024-07-15T12:00:00Z")), 7200);
    /* the changes of 2024: 01:00 UTC on March 31 and October 27 */
    CU_ASSERT_EQUAL(biz_tz_offset(p, T("2024-03-31T00:59:59Z")), 3600);
    CU_ASSERT_EQUAL(biz_tz_offset(p, T("2024-03-31T01:00:00Z")), 7200);
    CU_ASSERT_EQUAL(biz_tz_offset(p, T("2024-10-27T00:59:59Z")), 7200);
    CU_ASSERT_EQUAL(biz_tz_offset(p, T("2024-10-27T01:00:00Z")), 3600);
    /* past the file's own table (2037): from its POSIX rule */
    CU_ASSERT_EQUAL(biz_tz_offset(p, T("2150-07-01T00:00:00Z")), 7200);
    CU_ASSERT_EQUAL(biz_tz_offset(p, T("2150-12-01T00:00:00Z")), 3600);
    const biz_tz *ny = zone("America/New_York");
    CU_ASSERT_EQUAL(biz_tz_offset(ny, T("2024-03-10T06:59:59Z")), -5 * 3600);
    CU_ASSERT_EQUAL(biz_tz_offset(ny, T("2024-03-10T07:00:00Z")), -4 * 3600);
    CU_ASSERT_EQUAL(biz_tz_offset(ny, T("2024-11-03T06:00:00Z")), -5 * 3600);
    CU_ASSERT_EQUAL(biz_tz_offset(NULL, T("2024-07-15T12:00:00Z")), 0);
    /* abbreviations, from the table and from the rule after it */
    CU_ASSERT_STRING_EQUAL(biz_tz_abbr(p, T("2024-01-15T12:00:00Z")), "CET");
    CU_ASSERT_STRING_EQUAL(biz_tz_abbr(p, T("2024-07-15T12:00:00Z")), "CEST");
    CU_ASSERT_STRING_EQUAL(biz_tz_abbr(p, T("2150-07-01T00:00:00Z")), "CEST");
    CU_ASSERT_STRING_EQUAL(biz_tz_abbr(p, T("2150-12-01T00:00:00Z")), "CET");
    CU_ASSERT_STRING_EQUAL(biz_tz_abbr(ny, T("2024-11-03T06:00:00Z")), "EST");
    CU_ASSERT_STRING_EQUAL(biz_tz_abbr(ny, T("2024-07-01T06:00:00Z")), "EDT");
    CU_ASSERT_STRING_EQUAL(biz_tz_abbr(NULL, 0), "UTC");
    CU_ASSERT_TRUE(biz_tz_is_utc(NULL));
    CU_ASSERT_FALSE(biz_tz_is_utc(p));
}

/* Local wall times to instants, as zoneinfo (fold) and pendulum do. */
static void test_local(void)
{
    const biz_tz *p = zone("Europe/Paris");
    /* 02:30 on March 31 is in the gap */
    time_t gap = T("2024-03-31T02:30:00Z");    /* the naive wall time */
    CU_ASSERT_EQUAL(biz_tz_local_offset(p, gap, 0), 3600);
    CU_ASSERT_EQUAL(biz_tz_local_offset(p, gap, 1), 7200);
    CU_ASSERT_EQUAL(biz_tz_from_local(p, gap, 1), T("2024-03-31T01:30:00Z")); /* 03:30 CEST */
    /* 02:30 on October 27 happens twice */
    time_t rep = T("2024-10-27T02:30:00Z");
    CU_ASSERT_EQUAL(biz_tz_from_local(p, rep, 0), T("2024-10-27T00:30:00Z"));
    CU_ASSERT_EQUAL(biz_tz_from_local(p, rep, 1), T("2024-10-27T01:30:00Z"));
    CU_ASSERT_EQUAL(biz_tz_from_local(p, T("2024-06-01T12:00:00Z"), 1), T("2024-06-01T10:00:00Z"));
    CU_ASSERT_EQUAL(biz_tz_to_local(p, T("2024-10-27T01:30:00Z")), rep);
}

/* The POSIX rule of a file's footer gives the changes its table lists. */
static void test_rule_matches_table(void)
{
    const char *names[] = { "Europe/Paris", "America/New_York", "Australia/Sydney" };
    for (int k = 0; k < 3; k++) {
        const biz_tz *z = zone(names[k]);
        long long cut = T("2010-01-01T00:00:00Z"), stop = T("2037-01-01T00:00:00Z");
        biz_tz_def head = { .offset0 = z->offset0 };
        int n = 0;
        while (n < z->n && z->at[n] < cut)
            n++;
        long long *at = malloc(sizeof *at * (size_t)n);
        int *off = malloc(sizeof *off * (size_t)n);
        memcpy(at, z->at, sizeof *at * (size_t)n);
        memcpy(off, z->offset, sizeof *off * (size_t)n);
        head.at = at;
        head.offset = off;
        head.n = n;
        const char *rule = k == 0 ? "CET-1CEST,M3.5.0,M10.5.0/3"
                         : k == 1 ? "EST5EDT,M3.2.0,M11.1.0" : "AEST-10AEDT,M10.1.0,M4.1.0/3";
        CU_ASSERT_EQUAL_FATAL(biz_tzif_extend(&head, rule, at[n - 1]), 0);
        int same = 0, i = n;
        for (; i < z->n && z->at[i] < stop; i++)
            if (i < head.n && head.at[i] == z->at[i] && head.offset[i] == z->offset[i])
                same++;
        CU_ASSERT_EQUAL(same, i - n);
        CU_ASSERT_TRUE(i - n > 40);
        free((void *)head.at);
        free((void *)head.offset);
        free((void *)head.abbr);
    }
    biz_tz_def bad = { 0 };
    CU_ASSERT_EQUAL(biz_tzif_extend(&bad, "CET-1CEST,M13.5.0,M10.5.0/3", 0), -1);
    CU_ASSERT_EQUAL(biz_tzif_extend(&bad, "X", 0), -1);
}

static void test_load_errors(void)
{
    char err[300];
    CU_ASSERT_PTR_NULL(biz_tzif_load("Europe/Pariss", err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown time zone 'Europe/Pariss'"));
    CU_ASSERT_PTR_NULL(biz_tzif_load("../../etc/passwd", err, sizeof err));
    CU_ASSERT_PTR_NULL(biz_tzif_load("", err, sizeof err));
    CU_ASSERT_PTR_NULL(biz_tzif_load("Europe", err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "unknown time zone 'Europe' (a folder of tzdata's zones, e.g. 'Europe/...')");
    unsigned char junk[60] = "TZif2";
    biz_tz_def z;
    CU_ASSERT_EQUAL(biz_tzif_parse(junk, sizeof junk, &z, err, sizeof err), -1);
    CU_ASSERT_EQUAL(biz_tzif_parse(junk, 10, &z, err, sizeof err), -1);
    CU_ASSERT_PTR_NULL(biz_tz_find("Europe/Paris", NULL));   /* not registered */
    int known = 0;
    CU_ASSERT_PTR_NULL(biz_tz_find("UTC", &known));
    CU_ASSERT_EQUAL(known, 1);
    biz_tz_register(zone("Europe/Paris"));
    CU_ASSERT_PTR_NOT_NULL(biz_tz_find("Europe/Paris", &known));
}

/* Every prefix of a real TZif file, and flipped bytes, parse or fail
 * cleanly (run under the sanitizers, scripts/test.sh). */
static void test_truncated(void)
{
    FILE *f = fopen("/usr/share/zoneinfo/Europe/Paris", "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    unsigned char data[8192];
    size_t len = fread(data, 1, sizeof data, f);
    fclose(f);
    CU_ASSERT_TRUE_FATAL(len > 100);
    char err[200];
    int ok = 0;
    for (size_t n = 0; n <= len; n++) {
        biz_tz_def z;
        if (biz_tzif_parse(data, n, &z, err, sizeof err) == 0)
            ok++;
        free((void *)z.at);
        free((void *)z.offset);
        free((void *)z.abbr);
    }
    CU_ASSERT_TRUE(ok >= 1);   /* the whole file at least */
    for (size_t i = 0; i < len; i += 7) {
        unsigned char copy[8192];
        memcpy(copy, data, len);
        copy[i] ^= 0xA5;
        biz_tz_def z;
        (void)biz_tzif_parse(copy, len, &z, err, sizeof err);
        free((void *)z.at);
        free((void *)z.offset);
        free((void *)z.abbr);
    }
}

/* The scheduled runs due at now: their starts (logical dates), joined. */
static void due_is(const char *expr, const char *tz, const char *start, const char *now,
                   const char *want)
{
    biz_schedule s;
    char err[200];
    CU_ASSERT_EQUAL_FATAL(biz_schedule_parse(expr, &s, err, sizeof err), 0);
    s.tz = zone(tz);
    biz_interval iv[64];
    int n = biz_schedule_due(&s, T(start), BIZ_NO_TIME, 1, NULL, T(now), iv, 64);
    char got[2048] = "";
    for (int i = 0; i < n; i++) {
        char b[32];
        biz_isotime_utc(iv[i].start, b, sizeof b);
        strcat(got, i ? " " : "");
        strcat(got, b + 5);   /* MM-DDTHH:MM:SS+00:00 */
        got[strlen(got) - 9] = '\0';
        if (i + 1 < n && iv[i].end != iv[i + 1].start)
            strcat(got, "!");
    }
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\n%s in %s:\n  got  %s\n  want %s\n", expr, tz, got, want);
    CU_ASSERT_STRING_EQUAL(got, want);
}

static void test_schedules(void)
{
    /* 02:30 Paris: the gap day's tick is 03:30 CEST, the repeat day's the
     * second 02:30 */
    due_is("30 2 * * *", "Europe/Paris", "2024-03-29T00:00:00+01:00", "2024-04-02T12:00Z",
           "03-29T01:30 03-30T01:30 03-31T01:30 04-01T00:30");
    due_is("30 2 * * *", "Europe/Paris", "2024-10-25T00:00:00+02:00", "2024-10-29T12:00Z",
           "10-25T00:30 10-26T00:30 10-27T01:30 10-28T01:30");
    /* hourly: both 02:30s of the repeat */
    due_is("30 * * * *", "Europe/Paris", "2024-10-26T23:00:00+02:00", "2024-10-27T03:40Z",
           "10-26T21:30 10-26T22:30 10-26T23:30 10-27T00:30 10-27T01:30 10-27T02:30");
    /* midnight, New York, over the spring change */
    due_is("@daily", "America/New_York", "2024-03-08T00:00:00-05:00", "2024-03-12T12:00Z",
           "03-08T05:00 03-09T05:00 03-10T05:00 03-11T04:00");
    due_is("30 2 * * *", "America/New_York", "2024-03-08T00:00:00-05:00", "2024-03-12T12:00Z",
           "03-08T07:30 03-09T07:30 03-10T07:30 03-11T06:30");
}

static void test_crontab_zoned(void)
{
    biz_schedule s;
    char err[200], reason[300];
    CU_ASSERT_EQUAL_FATAL(biz_schedule_parse("30 2,23 * * 1-5", &s, err, sizeof err), 0);
    s.tz = zone("Europe/Paris");
    char *line = biz_schedule_crontab(&s, BIZ_NO_TIME, reason, sizeof reason);
    CU_ASSERT_STRING_EQUAL(line, "30 0,2,3,23 * * 1-5");
    free(line);
    CU_ASSERT_EQUAL_FATAL(biz_schedule_parse("@hourly", &s, err, sizeof err), 0);
    s.tz = zone("Europe/Paris");
    line = biz_schedule_crontab(&s, BIZ_NO_TIME, reason, sizeof reason);
    CU_ASSERT_STRING_EQUAL(line, "0 * * * *");
    free(line);
}

/* The zones come from the machine's tzdata (or TZDIR). */
const char *unit_skip(void)
{
    if (getenv("TZDIR"))
        return NULL;
    FILE *f = fopen("/usr/share/zoneinfo/Europe/Paris", "rb");
    if (!f)
        return "no tzdata on this machine (/usr/share/zoneinfo)";
    fclose(f);
    return NULL;
}

static const unit_test tz_tests[] = {
    {"offsets at instants", test_offsets},
    {"wall times to instants", test_local},
    {"POSIX rule = tzdata's table", test_rule_matches_table},
    {"load and lookup errors", test_load_errors},
    {"truncated and damaged TZif data", test_truncated},
    {"cron schedules over DST changes", test_schedules},
    {"zoned crontab lines", test_crontab_zoned},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"tz", NULL, NULL, tz_tests},
    UNIT_SUITES_END,
};
