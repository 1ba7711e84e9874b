/* test_isotime.c: UTC calendar arithmetic and ISO-8601 text (base/isotime.c):
 * round trips over the whole calendar, leap years (2100 is not one, 2400
 * is), 1970 and before, the years past four digits, microseconds, and each
 * caller's format against what the C library writes. */
#include "cunit_main.h"
#include "isotime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define T unit_time   /* an instant written as ISO text (cunit_main.h) */

/* biz_isotime_format into a static buffer, for comparisons. */
static const char *F(time_t t, long us, int off, int flags)
{
    static char buf[BIZ_ISOTIME_MAX];
    size_t n = biz_isotime_format(buf, sizeof buf, t, us, off, flags);
    CU_ASSERT_EQUAL(n, strlen(buf));
    return buf;
}

#define FMT_IS(t, us, off, flags, want)                                   \
    do {                                                                  \
        const char *got_ = F(t, us, off, flags);                          \
        if (strcmp(got_, want) != 0)                                      \
            fprintf(stderr, "\n%s:%d: got %s, want %s\n", __FILE__, __LINE__, got_, want); \
        CU_ASSERT_STRING_EQUAL(got_, want);                               \
    } while (0)

/* Every day from year -1000 to 12000 goes to its date and back, and the
 * next day is the next date. */
static void test_round_trip(void)
{
    int64_t lo = biz_isotime_days_from_civil(-1000, 1, 1);
    int64_t hi = biz_isotime_days_from_civil(12000, 1, 1);
    int64_t py = 0;
    int pm = 0, pd = 0, bad = 0;
    for (int64_t z = lo; z < hi; z++) {
        int64_t y;
        int m, d;
        biz_isotime_civil_from_days(z, &y, &m, &d);
        if (biz_isotime_days_from_civil(y, m, d) != z)
            bad++;
        if (m < 1 || m > 12 || d < 1 || d > biz_isotime_days_in_month((int)y, m))
            bad++;
        if (z > lo) {
            int next = (y == py && m == pm && d == pd + 1)
                       || (y == py && m == pm + 1 && d == 1 && pd == biz_isotime_days_in_month((int)py, pm))
                       || (y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31);
            if (!next)
                bad++;
        }
        py = y, pm = m, pd = d;
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* split and join, and the text parsed back, at instants through the range */
    for (int64_t t = -62135596800LL; t < 253402300800LL; t += 86400LL * 97 + 3671) {
        biz_isotime_tm u;
        biz_isotime_split((time_t)t, &u);
        CU_ASSERT_EQUAL(biz_isotime_join(u.year, u.month, u.day, u.hour, u.minute, u.second), (time_t)t);
        time_t back;
        CU_ASSERT_EQUAL(biz_isotime_parse(F((time_t)t, 0, 0, BIZ_ISOTIME_OFFSET), &back), 0);
        CU_ASSERT_EQUAL(back, (time_t)t);
    }
}

static void test_leap_years(void)
{
    CU_ASSERT_EQUAL(biz_isotime_days_in_month(2024, 2), 29);
    CU_ASSERT_EQUAL(biz_isotime_days_in_month(2023, 2), 28);
    CU_ASSERT_EQUAL(biz_isotime_days_in_month(1900, 2), 28);
    CU_ASSERT_EQUAL(biz_isotime_days_in_month(2000, 2), 29);
    CU_ASSERT_EQUAL(biz_isotime_days_in_month(2100, 2), 28);
    CU_ASSERT_EQUAL(biz_isotime_days_in_month(2400, 2), 29);
    CU_ASSERT_EQUAL(biz_isotime_days_in_month(2024, 4), 30);
    CU_ASSERT_EQUAL(biz_isotime_days_in_month(2024, 12), 31);
    /* 2100-02-28 is followed by March 1st, 2400-02-28 by the 29th */
    CU_ASSERT_EQUAL(biz_isotime_days_from_civil(2100, 3, 1) - biz_isotime_days_from_civil(2100, 2, 28), 1);
    CU_ASSERT_EQUAL(biz_isotime_days_from_civil(2400, 3, 1) - biz_isotime_days_from_civil(2400, 2, 28), 2);
    FMT_IS(T("2100-02-28T12:00:00") + 86400, 0, 0, BIZ_ISOTIME_OFFSET, "2100-03-01T12:00:00+00:00");
    FMT_IS(T("2400-02-28T12:00:00") + 86400, 0, 0, BIZ_ISOTIME_OFFSET, "2400-02-29T12:00:00+00:00");
    FMT_IS(T("2024-02-28") + 86400, 0, 0, BIZ_ISOTIME_DATE, "2024-02-29");
    /* 400 years are 146097 days, whatever the century */
    CU_ASSERT_EQUAL(biz_isotime_days_from_civil(2400, 1, 1) - biz_isotime_days_from_civil(2000, 1, 1), 146097);
    CU_ASSERT_EQUAL(biz_isotime_days_from_civil(1600, 1, 1) - biz_isotime_days_from_civil(1200, 1, 1), 146097);
    time_t t;
    CU_ASSERT_EQUAL(biz_isotime_parse("2100-02-29", &t), -1);
    CU_ASSERT_EQUAL(biz_isotime_parse("1900-02-29", &t), -1);
    CU_ASSERT_EQUAL(biz_isotime_parse("2400-02-29", &t), 0);
    CU_ASSERT_EQUAL(biz_isotime_parse("2000-02-29", &t), 0);
}

static void test_epoch_and_before(void)
{
    CU_ASSERT_EQUAL(biz_isotime_days_from_civil(1970, 1, 1), 0);
    CU_ASSERT_EQUAL(biz_isotime_days_from_civil(1969, 12, 31), -1);
    CU_ASSERT_EQUAL(biz_isotime_days_from_civil(1, 1, 1), -719162);
    CU_ASSERT_EQUAL(biz_isotime_days_from_civil(0, 3, 1), -719468);
    FMT_IS(0, 0, 0, BIZ_ISOTIME_OFFSET, "1970-01-01T00:00:00+00:00");
    FMT_IS(-1, 0, 0, BIZ_ISOTIME_OFFSET, "1969-12-31T23:59:59+00:00");
    FMT_IS(-86400, 0, 0, BIZ_ISOTIME_OFFSET, "1969-12-31T00:00:00+00:00");
    FMT_IS(-86401, 0, 0, BIZ_ISOTIME_OFFSET, "1969-12-30T23:59:59+00:00");
    FMT_IS(-62135596800LL, 0, 0, BIZ_ISOTIME_OFFSET, "0001-01-01T00:00:00+00:00");
    FMT_IS(-62135596801LL, 0, 0, BIZ_ISOTIME_OFFSET, "0000-12-31T23:59:59+00:00");
    FMT_IS(T("1900-03-01T01:02:03"), 0, 0, 0, "1900-03-01T01:02:03");
    biz_isotime_tm u;
    biz_isotime_split(0, &u);
    CU_ASSERT_EQUAL(u.wday, 4);   /* a Thursday */
    biz_isotime_split(-1, &u);
    CU_ASSERT_EQUAL(u.wday, 3);
    CU_ASSERT_EQUAL(u.year, 1969);
    CU_ASSERT_EQUAL(u.second, 59);
    biz_isotime_split(T("1066-10-14T09:00:00"), &u);
    CU_ASSERT_EQUAL(u.wday, 0);   /* proleptic Gregorian (Python's date): a Sunday */
    CU_ASSERT_EQUAL(biz_isotime_join(1970, 1, 1, 0, 0, 0), 0);
    CU_ASSERT_EQUAL(biz_isotime_join(1970, 1, 0, 0, 0, 0), -86400);
    CU_ASSERT_EQUAL(biz_isotime_join(2024, 13, 1, 0, 0, 0), T("2025-01-01"));
    CU_ASSERT_EQUAL(biz_isotime_join(2024, 1, 32, 0, 0, 0), T("2024-02-01"));
    CU_ASSERT_EQUAL(biz_isotime_join(2024, 0, 1, 0, 0, 0), T("2023-12-01"));
    CU_ASSERT_EQUAL(biz_isotime_join(2024, -11, 1, 0, 0, 0), T("2023-01-01"));
    CU_ASSERT_EQUAL(biz_isotime_join(2024, 3, 1, -1, 0, 0), T("2024-02-29T23:00"));
}

/* Years past four digits, and the plain year of C's strftime %Y. */
static void test_years(void)
{
    FMT_IS(253402300799LL, 0, 0, BIZ_ISOTIME_OFFSET, "9999-12-31T23:59:59+00:00");
    FMT_IS(253402300800LL, 0, 0, BIZ_ISOTIME_OFFSET, "10000-01-01T00:00:00+00:00");
    FMT_IS(T("0005-06-07"), 0, 0, BIZ_ISOTIME_DATE, "0005-06-07");
    FMT_IS(T("0005-06-07"), 0, 0, BIZ_ISOTIME_DATE | BIZ_ISOTIME_PLAIN_YEAR, "5-06-07");
    FMT_IS(T("0999-06-07"), 0, 0, BIZ_ISOTIME_DATE | BIZ_ISOTIME_PLAIN_YEAR, "999-06-07");
    FMT_IS(T("2024-06-07"), 0, 0, BIZ_ISOTIME_DATE | BIZ_ISOTIME_PLAIN_YEAR, "2024-06-07");
    time_t y_minus3 = (time_t)biz_isotime_days_from_civil(-3, 12, 31) * 86400;
    FMT_IS(y_minus3, 0, 0, BIZ_ISOTIME_DATE, "-003-12-31");
    FMT_IS(y_minus3, 0, 0, BIZ_ISOTIME_DATE | BIZ_ISOTIME_PLAIN_YEAR, "-3-12-31");
    /* against the C library (glibc's %Y is the plain year) */
    static const long long ts[] = { -62230377600LL, -62135596800LL, -30610224000LL, -1, 0,
                                    951782400LL, 1704067200LL, 4107542400LL, 253402300800LL };
    for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) {
        time_t t = (time_t)ts[i];
        struct tm tm;
        char want[64];
        gmtime_r(&t, &tm);
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
        FMT_IS(t, 0, 0, BIZ_ISOTIME_OFFSET | BIZ_ISOTIME_PLAIN_YEAR, want);
        strftime(want, sizeof want, "%Y%m%dT%H%M%S", &tm);
        FMT_IS(t, 0, 0, BIZ_ISOTIME_BASIC | BIZ_ISOTIME_PLAIN_YEAR, want);
        snprintf(want, sizeof want, "%04lld-%02d-%02d", (long long)tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday);
        FMT_IS(t, 0, 0, BIZ_ISOTIME_DATE, want);
    }
}

/* The formats the callers write. */
static void test_formats(void)
{
    time_t t = T("2024-03-05T10:11:12");
    FMT_IS(t, 0, 0, 0, "2024-03-05T10:11:12");
    FMT_IS(t, 0, 0, BIZ_ISOTIME_DATE, "2024-03-05");
    FMT_IS(t, 0, 0, BIZ_ISOTIME_DATE | BIZ_ISOTIME_BASIC, "20240305");
    FMT_IS(t, 0, 0, BIZ_ISOTIME_BASIC, "20240305T101112");
    FMT_IS(t, 0, 0, BIZ_ISOTIME_SEP(' ') | BIZ_ISOTIME_OFFSET, "2024-03-05 10:11:12+00:00");
    FMT_IS(t, 0, 0, BIZ_ISOTIME_Z, "2024-03-05T10:11:12Z");
    FMT_IS(t, 0, 0, BIZ_ISOTIME_SEP('x') | BIZ_ISOTIME_DATE, "2024-03-05");
    FMT_IS(t, 0, 0, BIZ_ISOTIME_SEP('x') | BIZ_ISOTIME_OFFSET, "2024-03-05x10:11:12+00:00");
    FMT_IS(t, 0, -5 * 3600, BIZ_ISOTIME_OFFSET, "2024-03-05T05:11:12-05:00");
    FMT_IS(t, 0, 5 * 3600 + 1800, BIZ_ISOTIME_OFFSET, "2024-03-05T15:41:12+05:30");
    FMT_IS(t, 0, 14 * 3600, BIZ_ISOTIME_OFFSET | BIZ_ISOTIME_DATE, "2024-03-06");
    FMT_IS(T("2024-01-01"), 0, -3600, BIZ_ISOTIME_OFFSET, "2023-12-31T23:00:00-01:00");
    char buf[64];
    CU_ASSERT_STRING_EQUAL(biz_isotime_utc(t, buf, sizeof buf), "2024-03-05T10:11:12+00:00");
    /* as snprintf: cut to the buffer, the whole length returned */
    CU_ASSERT_EQUAL(biz_isotime_format(buf, 11, t, 0, 0, BIZ_ISOTIME_OFFSET), 25);
    CU_ASSERT_STRING_EQUAL(buf, "2024-03-05");
    CU_ASSERT_EQUAL(biz_isotime_format(buf, 0, t, 0, 0, BIZ_ISOTIME_OFFSET), 25);
    CU_ASSERT_STRING_EQUAL(buf, "2024-03-05");
}

static void test_fractions(void)
{
    time_t t = T("2024-03-05T10:11:12");
    int us = BIZ_ISOTIME_US | BIZ_ISOTIME_OFFSET;
    FMT_IS(t, 0, 0, us, "2024-03-05T10:11:12+00:00");
    FMT_IS(t, 5, 0, us, "2024-03-05T10:11:12.000005+00:00");
    FMT_IS(t, 250000, 0, us, "2024-03-05T10:11:12.250000+00:00");
    FMT_IS(t, 999999, 0, us | BIZ_ISOTIME_SEP(' '), "2024-03-05 10:11:12.999999+00:00");
    FMT_IS(t, 0, 0, BIZ_ISOTIME_MS | BIZ_ISOTIME_Z, "2024-03-05T10:11:12.000Z");
    FMT_IS(t, 999999, 0, BIZ_ISOTIME_MS | BIZ_ISOTIME_Z, "2024-03-05T10:11:12.999Z");
    FMT_IS(t, 45678, 0, BIZ_ISOTIME_MS | BIZ_ISOTIME_Z, "2024-03-05T10:11:12.045Z");
    FMT_IS(-1, 500000, 0, us, "1969-12-31T23:59:59.500000+00:00");
    /* the fraction is parsed and dropped */
    CU_ASSERT_EQUAL(T("2024-03-05T10:11:12.999999+00:00"), t);
    CU_ASSERT_EQUAL(T("2024-03-05T10:11:12,5"), t);
}

/* biz_isotime_parse_us: the fraction's first six digits. */
static void us_is(const char *in, time_t want_t, long want_us)
{
    time_t t = 7;
    long us = 7;
    CU_ASSERT_EQUAL_FATAL(biz_isotime_parse_us(in, &t, &us), 0);
    CU_ASSERT_EQUAL(t, want_t);
    if (us != want_us)
        fprintf(stderr, "\n'%s': %ld microseconds, not %ld\n", in, us, want_us);
    CU_ASSERT_EQUAL(us, want_us);
}

static void test_parse_us(void)
{
    time_t t = T("2024-03-05T10:11:12");
    us_is("2024-03-05T10:11:12", t, 0);
    us_is("2024-03-05T10:11:12+00:00", t, 0);
    us_is("2024-03-05T10:11:12.25+00:00", t, 250000);
    us_is("2024-03-05T10:11:12.000005Z", t, 5);
    us_is("2024-03-05T10:11:12.999999+00:00", t, 999999);
    us_is("2024-03-05T10:11:12.1234567", t, 123456);
    us_is("2024-03-05T10:11:12,5", t, 500000);
    us_is("2024-03-05T12:11:12.5+02:00", t, 500000);
    us_is("2024-03-05", T("2024-03-05"), 0);
    us_is("1969-12-31T23:59:59.5Z", -1, 500000);
    /* a malformed time leaves both alone */
    time_t bt = 7;
    long bus = 7;
    CU_ASSERT_EQUAL(biz_isotime_parse_us("2024-03-05T10:11:12.5junk", &bt, &bus), -1);
    CU_ASSERT_EQUAL(biz_isotime_parse_us("2024-03-05T10:11:12.", &bt, &bus), -1);
    CU_ASSERT_EQUAL(biz_isotime_parse_us(NULL, &bt, &bus), -1);
    CU_ASSERT_EQUAL(bt, 7);
    CU_ASSERT_EQUAL(bus, 7);
}

/* Weekdays, days of the year and leap years, against the split. */
static void test_weekday_yday(void)
{
    CU_ASSERT_EQUAL(biz_isotime_weekday(1970, 1, 1), 4);      /* a Thursday */
    CU_ASSERT_EQUAL(biz_isotime_weekday(2024, 1, 1), 1);      /* a Monday */
    CU_ASSERT_EQUAL(biz_isotime_weekday(2024, 3, 3), 0);      /* a Sunday */
    CU_ASSERT_EQUAL(biz_isotime_weekday(1969, 12, 31), 3);
    CU_ASSERT_EQUAL(biz_isotime_weekday(1066, 10, 14), 0);    /* proleptic Gregorian: a Sunday */
    CU_ASSERT_EQUAL(biz_isotime_weekday(2000, 2, 29), 2);
    CU_ASSERT_EQUAL(biz_isotime_yday(2024, 1, 1), 0);
    CU_ASSERT_EQUAL(biz_isotime_yday(2024, 12, 31), 365);
    CU_ASSERT_EQUAL(biz_isotime_yday(2023, 12, 31), 364);
    CU_ASSERT_EQUAL(biz_isotime_yday(2100, 3, 1), 59);
    CU_ASSERT_TRUE(biz_isotime_is_leap(2024));
    CU_ASSERT_TRUE(biz_isotime_is_leap(2000));
    CU_ASSERT_TRUE(biz_isotime_is_leap(2400));
    CU_ASSERT_FALSE(biz_isotime_is_leap(2100));
    CU_ASSERT_FALSE(biz_isotime_is_leap(1900));
    CU_ASSERT_FALSE(biz_isotime_is_leap(2023));
    CU_ASSERT_TRUE(biz_isotime_is_leap(0));
    CU_ASSERT_TRUE(biz_isotime_is_leap(-4));
    CU_ASSERT_STRING_EQUAL(biz_isotime_day_abbr[biz_isotime_weekday(2024, 1, 1)], "Mon");
    CU_ASSERT_STRING_EQUAL(biz_isotime_day_abbr[6], "Sat");
    CU_ASSERT_STRING_EQUAL(biz_isotime_month_abbr[0], "Jan");
    CU_ASSERT_STRING_EQUAL(biz_isotime_month_abbr[11], "Dec");
    for (time_t d = -800000; d < 800000; d += 997) {
        biz_isotime_tm u;
        biz_isotime_split(d * 86400 + 3600, &u);
        CU_ASSERT_EQUAL(biz_isotime_weekday(u.year, u.month, u.day), u.wday);
        CU_ASSERT_EQUAL(biz_isotime_is_leap(u.year), biz_isotime_days_in_month(u.year, 2) == 29);
    }
}

static void iso_is(const char *in, const char *want)
{
    time_t t;
    int rc = biz_isotime_parse(in, &t);
    if (!want) {
        if (rc == 0)
            fprintf(stderr, "\n'%s' should not parse\n", in);
        CU_ASSERT_EQUAL(rc, -1);
        return;
    }
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    char buf[32];
    CU_ASSERT_STRING_EQUAL(biz_isotime_utc(t, buf, sizeof buf), want);
}

static void test_parse(void)
{
    iso_is("2024-01-01", "2024-01-01T00:00:00+00:00");
    iso_is("2024-01-01T00:00:00+00:00", "2024-01-01T00:00:00+00:00");
    iso_is("2024-01-01T06:30Z", "2024-01-01T06:30:00+00:00");
    iso_is("2024-01-01t06:30z", "2024-01-01T06:30:00+00:00");
    iso_is("2024-01-01 06:30:15.123456", "2024-01-01T06:30:15+00:00");
    iso_is("2024-01-01T02:00:00+02:00", "2024-01-01T00:00:00+00:00");
    iso_is("2024-01-01T02:00:00+02", "2024-01-01T00:00:00+00:00");
    iso_is("2023-12-31T22:30:00-0130", "2024-01-01T00:00:00+00:00");
    iso_is("2024-02-29T12:00:00", "2024-02-29T12:00:00+00:00");
    iso_is("1969-12-31T23:59:59Z", "1969-12-31T23:59:59+00:00");
    iso_is("0001-01-01", "0001-01-01T00:00:00+00:00");
    iso_is("0000-01-01T00:30:00+01:00", "-001-12-31T23:30:00+00:00");
    iso_is("9999-12-31T23:59:59", "9999-12-31T23:59:59+00:00");
    iso_is("2023-02-29", NULL);
    iso_is("2100-02-29", NULL);
    iso_is("2024-13-01", NULL);
    iso_is("2024-00-01", NULL);
    iso_is("2024-01-00", NULL);
    iso_is("2024-01-01T24:00", NULL);
    iso_is("2024-01-01T00:60", NULL);
    iso_is("2024-01-01T00:00:60", NULL);
    iso_is("2024-01-01T00:00:00.", NULL);
    iso_is("2024-01-01T00:00:00+", NULL);
    iso_is("2024-01-01T00:00:00+02:", NULL);
    iso_is("2024-01-01T00:00:00+24:00", NULL);
    iso_is("2024-1-1", NULL);
    iso_is("2024-01-01T00", NULL);
    iso_is("2024-01-01junk", NULL);
    iso_is("", NULL);
    time_t t;
    CU_ASSERT_EQUAL(biz_isotime_parse(NULL, &t), -1);
    const char *p = "12a", *q = p;
    CU_ASSERT_EQUAL(biz_isotime_digits(&q, 2), 12);
    CU_ASSERT_PTR_EQUAL(q, p + 2);
    CU_ASSERT_EQUAL(biz_isotime_digits(&q, 1), -1);
    CU_ASSERT_PTR_EQUAL(q, p + 2);
}

static const unit_test isotime_tests[] = {
    {"round trips", test_round_trip},
    {"leap years, 2100 and 2400", test_leap_years},
    {"1970 and before", test_epoch_and_before},
    {"years past four digits", test_years},
    {"formats", test_formats},
    {"microseconds", test_fractions},
    {"parsing", test_parse},
    {"parsing microseconds", test_parse_us},
    {"weekdays, days of the year, leap years", test_weekday_yday},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"isotime", NULL, NULL, isotime_tests},
    UNIT_SUITES_END,
};
