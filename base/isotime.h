/* isotime.h: UTC calendar arithmetic (the proleptic Gregorian calendar of
 * Python's datetime and cron) and ISO-8601 text, once for the compiler and
 * the runtime: schedules and cron, the template context (ds, ts,
 * logical_date ...), run records, the log's time stamps.
 *
 * Nothing here reads the time zone file, the locale or the clock, and
 * nothing allocates: a caller's time zone comes in as an offset, and text
 * is written into the caller's buffer. Each caller picks its format with
 * the BIZ_ISOTIME_* flags, so what it wrote before it writes still.
 *
 * Ownership: none; every function works on the caller's memory only.
 */
#ifndef BIZ_ISOTIME_H
#define BIZ_ISOTIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* A UTC (or wall clock) instant split into its calendar fields. */
typedef struct biz_isotime_tm {
    int year, month, day;      /* month 1-12, day 1-31 */
    int hour, minute, second;
    int wday;                  /* 0 = Sunday */
} biz_isotime_tm;

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
int64_t biz_isotime_days_from_civil(int64_t year, int month, int day);

/* The proleptic Gregorian date of a day (days since 1970-01-01): the
 * inverse of biz_isotime_days_from_civil. */
void biz_isotime_civil_from_days(int64_t days, int64_t *year, int *month, int *day);

/* Splits t into its calendar fields (t < 0 counts back from 1970). */
void biz_isotime_split(time_t t, biz_isotime_tm *out);

/* The time_t of a calendar date and time; fields out of range carry over
 * (day 32 is the next month's first, month 13 next year's January). */
time_t biz_isotime_join(int year, int month, int day, int hour, int minute, int second);

/* Days in month (1-12) of year. */
int biz_isotime_days_in_month(int year, int month);

/* Whether year has a February 29. */
int biz_isotime_is_leap(int64_t year);

/* The day of the week of a proleptic Gregorian date (month 1-12): 0 is
 * Sunday, as biz_isotime_tm's wday, cron's and C's tm_wday. */
int biz_isotime_weekday(int64_t year, int month, int day);

/* The day of the year of a date: 0 for January 1, as C's tm_yday. */
int biz_isotime_yday(int64_t year, int month, int day);

/* English abbreviations: of the weekdays by wday ("Sun" to "Sat") and
 * of the months by month - 1 ("Jan" to "Dec"), as RFC 5322 dates write
 * them and cron names them (in any case). */
extern const char *const biz_isotime_day_abbr[7];
extern const char *const biz_isotime_month_abbr[12];

/* Exactly n decimal digits at *p, which moves past them; -1 (and *p
 * unmoved) when they are not there. For hand-written date parsers. */
int biz_isotime_digits(const char **p, int n);

/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" ('T', 't' or ' ')
 * with an optional "Z" or "+HH:MM" / "-HHMM" / "+HH" offset (none = UTC).
 * Fractions of a second are checked and dropped. Returns 0, or -1 when
 * malformed or out of range. */
int biz_isotime_parse(const char *s, time_t *out);

/* The same, with the fraction's microseconds in *us (its first six
 * digits, the rest dropped: ".25" is 250000, ".1234567" 123456; 0 without
 * one). *out and *us are left alone when s is malformed. */
int biz_isotime_parse_us(const char *s, time_t *out, long *us);

/* What biz_isotime_format writes; 0 is "2024-01-01T00:00:00". */
enum {
    BIZ_ISOTIME_DATE = 1 << 0,       /* the date alone: "2024-01-01" */
    BIZ_ISOTIME_BASIC = 1 << 1,      /* without '-' and ':': "20240101T000000" */
    BIZ_ISOTIME_US = 1 << 2,         /* ".ffffff" when us is not 0 (isoformat()) */
    BIZ_ISOTIME_MS = 1 << 3,         /* ".mmm" always, us / 1000 (the log) */
    BIZ_ISOTIME_OFFSET = 1 << 4,     /* "+HH:MM" of off: "+00:00" in UTC */
    BIZ_ISOTIME_Z = 1 << 5,          /* "Z" */
    BIZ_ISOTIME_PLAIN_YEAR = 1 << 6  /* the year as C's (and so Python's) strftime
                                        %Y: not padded, year 5 is "5" */
};

/* The character between date and time when not 'T' (isoformat(sep); ' '
 * is Python's str()), or'd into the flags. */
#define BIZ_ISOTIME_SEP(c) ((int)(unsigned char)(c) << 8)

/* Room for any text biz_isotime_format writes, its NUL included. */
#define BIZ_ISOTIME_MAX 48

/* Writes the wall clock t + off (seconds east of UTC) with us microseconds
 * as flags say into buf (at most len bytes, NUL included, as snprintf);
 * returns the length of the whole text. Years outside 0-9999 come out as
 * printf's %04lld would ("10000", "-003"). */
size_t biz_isotime_format(char *buf, size_t len, time_t t, long us, int off, int flags);

/* "2024-01-01T00:00:00+00:00" (Airflow's ts of a UTC instant, whole
 * seconds) into buf; returns buf, for a printf argument. */
char *biz_isotime_utc(time_t t, char *buf, size_t len);

#endif
