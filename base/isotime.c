/* isotime.c: UTC calendar arithmetic and ISO-8601 text (isotime.h).
 *
 * The date of a day is H. Hinnant's days_from_civil and its inverse:
 * exact over the whole proleptic Gregorian calendar, with no table and no
 * gmtime (which reads the time zone file). Text is written digit by
 * digit, without printf: a run record holds thousands of times, and
 * printf cost more than the rest of a journal line.
 */
#include "isotime.h"

#include <string.h>

/* ------------------------------------------------------------ calendar */

/* Days since 1970-01-01 of a proleptic Gregorian date (days_from_civil). */
int64_t biz_isotime_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse of biz_isotime_days_from_civil (civil_from_days). */
void biz_isotime_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

const char *const biz_isotime_day_abbr[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
const char *const biz_isotime_month_abbr[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* The weekday (0 = Sunday) of a day since 1970-01-01, a Thursday. */
static int wday_of(int64_t days)
{
    return (int)((days % 7 + 11) % 7);
}

int biz_isotime_weekday(int64_t year, int month, int day)
{
    return wday_of(biz_isotime_days_from_civil(year, month, day));
}

int biz_isotime_yday(int64_t year, int month, int day)
{
    return (int)(biz_isotime_days_from_civil(year, month, day) - biz_isotime_days_from_civil(year, 1, 1));
}

/* Splits t into its calendar fields. */
void biz_isotime_split(time_t t, biz_isotime_tm *out)
{
    int64_t days = floor_div((int64_t)t, 86400);
    int64_t secs = (int64_t)t - days * 86400;
    int64_t year;
    biz_isotime_civil_from_days(days, &year, &out->month, &out->day);
    out->year = (int)year;
    out->hour = (int)(secs / 3600);
    out->minute = (int)(secs / 60 % 60);
    out->second = (int)(secs % 60);
    out->wday = wday_of(days);
}

/* The time_t of a calendar date and time; out-of-range fields carry over. */
time_t biz_isotime_join(int year, int month, int day, int hour, int minute, int second)
{
    int64_t m0 = (int64_t)month - 1;
    int64_t y = year + floor_div(m0, 12);
    int m = (int)(m0 - floor_div(m0, 12) * 12) + 1;
    int64_t days = biz_isotime_days_from_civil(y, m, 1) + (day - 1);
    return (time_t)(days * 86400 + (int64_t)hour * 3600 + (int64_t)minute * 60 + second);
}

int biz_isotime_is_leap(int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* Days in month (1-12) of year. */
int biz_isotime_days_in_month(int year, int month)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && biz_isotime_is_leap(year))
        return 29;
    return dim[(month - 1) % 12];
}

/* ------------------------------------------------------------ parsing */

/* Exactly n digits at *p; -1 when they are not there. */
int biz_isotime_digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    return v;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Parses an ISO-8601 date or date-time (isotime.h). */
int biz_isotime_parse(const char *s, time_t *out)
{
    long us;
    return biz_isotime_parse_us(s, out, &us);
}

int biz_isotime_parse_us(const char *s, time_t *out, long *us_out)
{
    if (!s)
        return -1;
    const char *p = s;
    int y = biz_isotime_digits(&p, 4);
    if (y < 0 || *p++ != '-')
        return -1;
    int mo = biz_isotime_digits(&p, 2);
    if (mo < 1 || mo > 12 || *p++ != '-')
        return -1;
    int d = biz_isotime_digits(&p, 2);
    if (d < 1 || d > biz_isotime_days_in_month(y, mo))
        return -1;
    int h = 0, mi = 0, sec = 0;
    long off = 0, us = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        h = biz_isotime_digits(&p, 2);
        if (h < 0 || h > 23 || *p++ != ':')
            return -1;
        mi = biz_isotime_digits(&p, 2);
        if (mi < 0 || mi > 59)
            return -1;
        if (*p == ':') {
            p++;
            sec = biz_isotime_digits(&p, 2);
            if (sec < 0 || sec > 59)
                return -1;
            if (*p == '.' || *p == ',') {
                p++;
                if (!is_digit(*p))
                    return -1;
                for (long scale = 100000; is_digit(*p); p++, scale /= 10)
                    us += (*p - '0') * scale;
            }
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1;
            int oh = biz_isotime_digits(&p, 2);
            if (oh < 0 || oh > 23)
                return -1;
            int om = 0;
            if (*p == ':')
                p++;
            if (is_digit(*p)) {
                om = biz_isotime_digits(&p, 2);
                if (om < 0 || om > 59)
                    return -1;
            } else if (p[-1] == ':') {
                return -1;
            }
            off = sign * (oh * 3600L + om * 60L);
        }
    }
    if (*p != '\0')
        return -1;
    *out = biz_isotime_join(y, mo, d, h, mi, sec) - off;
    *us_out = us;
    return 0;
}

/* ------------------------------------------------------------ text */

/* Two digits of v (0-99) at o; returns the end. */
static char *put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10 % 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

/* The year as printf's %04lld (or, plain, %lld) would write it. */
static char *put_year(char *o, int64_t y, int plain)
{
    char d[24];
    int n = 0;
    uint64_t v = y < 0 ? (uint64_t)0 - (uint64_t)y : (uint64_t)y;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    int width = plain ? 1 : y < 0 ? 3 : 4;   /* %04 counts the sign */
    if (y < 0)
        *o++ = '-';
    for (int i = n; i < width; i++)
        *o++ = '0';
    while (n)
        *o++ = d[--n];
    return o;
}

/* Formats t + off as flags say (isotime.h). */
size_t biz_isotime_format(char *buf, size_t len, time_t t, long us, int off, int flags)
{
    char text[BIZ_ISOTIME_MAX + 16], *o = text;
    int basic = flags & BIZ_ISOTIME_BASIC;
    int64_t days = floor_div((int64_t)t + off, 86400);
    int64_t secs = (int64_t)t + off - days * 86400;
    /* The date's text of the last call (per thread), for each way of
     * writing it: the log and the record write several a task, nearly
     * always of the same day. */
    static _Thread_local struct {
        int64_t days;
        int valid;
        size_t n;
        char text[32];
    } last[4];
    int way = (basic ? 1 : 0) | (flags & BIZ_ISOTIME_PLAIN_YEAR ? 2 : 0);
    if (last[way].valid && last[way].days == days) {
        memcpy(o, last[way].text, last[way].n);
        o += last[way].n;
    } else {
        int64_t y;
        int m, d;
        biz_isotime_civil_from_days(days, &y, &m, &d);
        o = put_year(o, y, flags & BIZ_ISOTIME_PLAIN_YEAR);
        if (!basic)
            *o++ = '-';
        o = put2(o, m);
        if (!basic)
            *o++ = '-';
        o = put2(o, d);
        if ((size_t)(o - text) <= sizeof last[way].text) {
            last[way].n = (size_t)(o - text);
            memcpy(last[way].text, text, last[way].n);
            last[way].days = days;
            last[way].valid = 1;
        }
    }
    if (!(flags & BIZ_ISOTIME_DATE)) {
        *o++ = flags >> 8 & 0xff ? (char)(flags >> 8 & 0xff) : 'T';
        o = put2(o, (int)(secs / 3600));
        if (!basic)
            *o++ = ':';
        o = put2(o, (int)(secs / 60 % 60));
        if (!basic)
            *o++ = ':';
        o = put2(o, (int)(secs % 60));
        if (flags & BIZ_ISOTIME_MS) {
            long ms = us / 1000;
            *o++ = '.';
            *o++ = (char)('0' + ms / 100 % 10);
            o = put2(o, (int)(ms % 100));
        } else if ((flags & BIZ_ISOTIME_US) && us > 0) {
            *o++ = '.';
            for (int i = 5; i >= 0; i--, us /= 10)
                o[i] = (char)('0' + us % 10);
            o += 6;
        }
        if (flags & BIZ_ISOTIME_OFFSET) {
            int a = off < 0 ? -off : off;
            *o++ = off < 0 ? '-' : '+';
            o = put2(o, a / 3600);
            *o++ = ':';
            o = put2(o, a / 60 % 60);
        } else if (flags & BIZ_ISOTIME_Z) {
            *o++ = 'Z';
        }
    }
    size_t n = (size_t)(o - text);
    if (len) {
        size_t k = n < len ? n : len - 1;
        memcpy(buf, text, k);
        buf[k] = '\0';
    }
    return n;
}

/* A UTC instant as "2024-01-01T00:00:00+00:00"; returns buf. */
char *biz_isotime_utc(time_t t, char *buf, size_t len)
{
    biz_isotime_format(buf, len, t, 0, 0, BIZ_ISOTIME_OFFSET);
    return buf;
}
