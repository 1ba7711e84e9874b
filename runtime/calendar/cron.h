/* cron.h: five-field cron expressions, evaluated in UTC (on the calendar
 * of base/isotime.h).
 *
 * Fields: minute (0-59) hour (0-23) day-of-month (1-31) month (1-12 or
 * JAN-DEC) day-of-week (0-7 or SUN-SAT, 0 and 7 both Sunday). Each field is
 * a comma list of `*`, `N`, `A-B`, `*`/S, `A-B/S` or `A/S` (A to the end,
 * step S); names are case-insensitive; `?` is `*` in the two day fields.
 * When both day fields are restricted a day matches either (cron and
 * croniter, which Airflow uses); a day field that covers every value counts
 * as unrestricted, as in croniter.
 *
 * Ownership: plain values, nothing to free.
 */
#ifndef BIZ_CRON_H
#define BIZ_CRON_H

#include <stdint.h>
#include <time.h>

/* A parsed expression: one bit per allowed value. */
typedef struct biz_cron {
    uint64_t minute;    /* bits 0-59 */
    uint32_t hour;      /* bits 0-23 */
    uint32_t dom;       /* bits 1-31 */
    uint32_t month;     /* bits 1-12 */
    uint32_t dow;       /* bits 0-6, Sunday = 0 (7 folded into 0) */
    int dom_any;        /* day-of-month covers every day */
    int dow_any;        /* day-of-week covers every day */
} biz_cron;

/* Where and why a parse failed. */
typedef struct biz_cron_error {
    int field;          /* 0 minute .. 4 day-of-week; -1 for the whole text */
    int offset;         /* byte offset in the expression (0-based) */
    char message[200];  /* "day-of-week: unknown name 'MOO' (column 9)" */
} biz_cron_error;

/* Parses a five-field expression. Returns 0, or -1 with *err filled (err
 * may be NULL). */
int biz_cron_parse(const char *expr, biz_cron *out, biz_cron_error *err);

/* True when the minute that holds t is a tick. */
int biz_cron_matches(const biz_cron *c, time_t t);

/* The first tick strictly after t; -1 when there is none within 400 years
 * (as for "0 0 30 2 *"). */
time_t biz_cron_next(const biz_cron *c, time_t t);

/* The last tick strictly before t; -1 when none within 400 years. */
time_t biz_cron_prev(const biz_cron *c, time_t t);

#endif
