/* cron.c: cron expressions in UTC (the calendar under them: base/isotime.c).
 *
 * next/prev walk the calendar from the coarsest field down: a month that
 * does not match skips to the next (previous) month, a day to the next day,
 * and so on, so a search costs a few steps per month, never a scan of every
 * minute.
 */
#include "cron.h"
#include "isotime.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* a / b rounded down: the minute that holds a time before 1970. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* ------------------------------------------------------------ parsing */

static const char *const field_names[5] = {
    "minute", "hour", "day-of-month", "month", "day-of-week"};
static const int field_min[5] = {0, 0, 1, 1, 0};
static const int field_max[5] = {59, 23, 31, 12, 7};

/* Fills err for field f at byte offset off. Always returns -1. */
static int cron_fail(biz_cron_error *err, int f, int off, const char *msg, const char *arg)
{
    if (!err)
        return -1;
    err->field = f;
    err->offset = off;
    char text[150];
    snprintf(text, sizeof text, msg, arg ? arg : "");
    if (f >= 0)
        snprintf(err->message, sizeof err->message, "%s: %s (column %d)", field_names[f], text,
                 off + 1);
    else
        snprintf(err->message, sizeof err->message, "%s", text);
    return -1;
}

/* Reads one value (a number or, in the month and day-of-week fields, a
 * name) at s[*i]. 0 on success. */
static int read_value(const char *s, int *i, int f, int base, int *v, biz_cron_error *err)
{
    int start = *i;
    if (isdigit((unsigned char)s[*i])) {
        long n = 0;
        while (isdigit((unsigned char)s[*i])) {
            n = n * 10 + (s[*i] - '0');
            if (n > 100000)
                n = 100000;
            (*i)++;
        }
        if (n < field_min[f] || n > field_max[f]) {
            char msg[80];
            snprintf(msg, sizeof msg, "%ld is out of range %d-%d", n, field_min[f], field_max[f]);
            return cron_fail(err, f, base + start, "%s", msg);
        }
        *v = (int)n;
        return 0;
    }
    if (isalpha((unsigned char)s[*i])) {
        char word[16];
        int n = 0;
        while (isalpha((unsigned char)s[*i])) {
            if (n < 15)
                word[n++] = s[*i];
            (*i)++;
        }
        word[n] = '\0';
        if (f == 3)
            for (int k = 0; k < 12; k++)
                if (strcasecmp(word, biz_isotime_month_abbr[k]) == 0) {
                    *v = k + 1;
                    return 0;
                }
        if (f == 4)
            for (int k = 0; k < 7; k++)
                if (strcasecmp(word, biz_isotime_day_abbr[k]) == 0) {
                    *v = k;
                    return 0;
                }
        char shown[20];
        snprintf(shown, sizeof shown, "%.*s", *i - start > 15 ? 15 : *i - start, s + start);
        if (f == 3 || f == 4)
            return cron_fail(err, f, base + start, "unknown name '%s'", shown);
        return cron_fail(err, f, base + start, "names like '%s' are only allowed in the month "
                         "and day-of-week fields", shown);
    }
    if (s[*i] == '\0')
        return cron_fail(err, f, base + start, "a value is missing", NULL);
    char c[8];
    snprintf(c, sizeof c, "%c", s[*i]);
    return cron_fail(err, f, base + start, "unexpected '%s'", c);
}

/* Parses one field (len bytes at s, at byte offset base of the whole
 * expression) into a bit mask. */
static int parse_field(const char *s, int base, int f, uint64_t *mask, biz_cron_error *err)
{
    *mask = 0;
    int i = 0;
    for (;;) {
        int item = i;
        int lo, hi, step = 1, star = 0;
        if (s[i] == '*' || (s[i] == '?' && (f == 2 || f == 4))) {
            star = 1;
            lo = field_min[f];
            hi = f == 4 ? 6 : field_max[f];
            i++;
        } else {
            if (read_value(s, &i, f, base, &lo, err) < 0)
                return -1;
            hi = lo;
            if (s[i] == '-') {
                i++;
                int at = i;
                if (read_value(s, &i, f, base, &hi, err) < 0)
                    return -1;
                if (hi < lo) {
                    char msg[64];
                    snprintf(msg, sizeof msg, "range %.*s is reversed", i - item, s + item);
                    return cron_fail(err, f, base + at, "%s", msg);
                }
            }
        }
        if (s[i] == '/') {
            i++;
            int at = i;
            if (!isdigit((unsigned char)s[i]))
                return cron_fail(err, f, base + at, "a step must be a number", NULL);
            long n = 0;
            while (isdigit((unsigned char)s[i])) {
                n = n * 10 + (s[i] - '0');
                if (n > 100000)
                    n = 100000;
                i++;
            }
            if (n == 0)
                return cron_fail(err, f, base + at, "a step of 0", NULL);
            if (n > field_max[f] + 1) {
                char msg[64];
                snprintf(msg, sizeof msg, "step %ld is larger than the field's range", n);
                return cron_fail(err, f, base + at, "%s", msg);
            }
            step = (int)n;
            /* "A/S" runs from A to the end of the field. */
            if (!star && hi == lo && s[item] != '\0' && !memchr(s + item, '-', (size_t)(at - item)))
                hi = f == 4 ? 6 : field_max[f];
        }
        for (int v = lo; v <= hi; v += step)
            *mask |= (uint64_t)1 << (f == 4 && v == 7 ? 0 : v);
        if (s[i] == ',') {
            i++;
            continue;
        }
        if (s[i] == '\0')
            return 0;
        char c[8];
        snprintf(c, sizeof c, "%c", s[i]);
        return cron_fail(err, f, base + i, "unexpected '%s'", c);
    }
}

/* Parses a five-field expression. */
int biz_cron_parse(const char *expr, biz_cron *out, biz_cron_error *err)
{
    memset(out, 0, sizeof *out);
    if (err) {
        err->field = -1;
        err->offset = 0;
        err->message[0] = '\0';
    }
    if (!expr)
        expr = "";
    int starts[6], lens[6], n = 0, i = 0;
    while (expr[i]) {
        while (expr[i] == ' ' || expr[i] == '\t')
            i++;
        if (!expr[i])
            break;
        if (n == 5) {
            n++;
            starts[5] = i;
            break;
        }
        starts[n] = i;
        while (expr[i] && expr[i] != ' ' && expr[i] != '\t')
            i++;
        lens[n] = i - starts[n];
        n++;
    }
    if (n != 5) {
        char msg[120];
        snprintf(msg, sizeof msg, "expected 5 fields (minute hour day-of-month month "
                 "day-of-week), got %s%d", n > 5 ? "more than " : "", n > 5 ? 5 : n);
        return cron_fail(err, -1, n > 5 ? starts[5] : (int)strlen(expr), "%s", msg);
    }
    uint64_t masks[5];
    for (int f = 0; f < 5; f++) {
        char buf[128];
        if (lens[f] >= (int)sizeof buf)
            return cron_fail(err, f, starts[f], "field too long", NULL);
        memcpy(buf, expr + starts[f], (size_t)lens[f]);
        buf[lens[f]] = '\0';
        if (parse_field(buf, starts[f], f, &masks[f], err) < 0)
            return -1;
    }
    out->minute = masks[0];
    out->hour = (uint32_t)masks[1];
    out->dom = (uint32_t)masks[2];
    out->month = (uint32_t)masks[3];
    out->dow = (uint32_t)masks[4];
    out->dom_any = out->dom == 0xFFFFFFFEu;
    out->dow_any = out->dow == 0x7Fu;
    return 0;
}

/* ------------------------------------------------------------ matching */

/* Does the day match, with cron's OR when both day fields are restricted? */
static int day_ok(const biz_cron *c, const biz_isotime_tm *u)
{
    int dom = (c->dom >> u->day) & 1;
    int dow = (c->dow >> u->wday) & 1;
    if (!c->dom_any && !c->dow_any)
        return dom || dow;
    return dom && dow;
}

/* True when the minute holding t is a tick. */
int biz_cron_matches(const biz_cron *c, time_t t)
{
    biz_isotime_tm u;
    biz_isotime_split(t, &u);
    return ((c->month >> u.month) & 1) && day_ok(c, &u) && ((c->hour >> u.hour) & 1) &&
           ((c->minute >> u.minute) & 1);
}

/* The first tick strictly after t. */
time_t biz_cron_next(const biz_cron *c, time_t t)
{
    if (!c->minute || !c->hour || !c->month || (!c->dom && !c->dow))
        return -1;
    t = (time_t)(floor_div((int64_t)t, 60) * 60 + 60);
    biz_isotime_tm u;
    biz_isotime_split(t, &u);
    int limit = u.year + 400;
    for (;;) {
        biz_isotime_split(t, &u);
        if (u.year > limit)
            return -1;
        if (!((c->month >> u.month) & 1)) {
            t = biz_isotime_join(u.year, u.month + 1, 1, 0, 0, 0);
        } else if (!day_ok(c, &u)) {
            t = biz_isotime_join(u.year, u.month, u.day + 1, 0, 0, 0);
        } else if (!((c->hour >> u.hour) & 1)) {
            t = biz_isotime_join(u.year, u.month, u.day, u.hour + 1, 0, 0);
        } else {
            for (int m = u.minute; m < 60; m++)
                if ((c->minute >> m) & 1)
                    return biz_isotime_join(u.year, u.month, u.day, u.hour, m, 0);
            t = biz_isotime_join(u.year, u.month, u.day, u.hour + 1, 0, 0);
        }
    }
}

/* The last tick strictly before t. */
time_t biz_cron_prev(const biz_cron *c, time_t t)
{
    if (!c->minute || !c->hour || !c->month || (!c->dom && !c->dow))
        return -1;
    t = (time_t)(floor_div((int64_t)t - 1, 60) * 60);
    biz_isotime_tm u;
    biz_isotime_split(t, &u);
    int limit = u.year - 400;
    for (;;) {
        biz_isotime_split(t, &u);
        if (u.year < limit)
            return -1;
        if (!((c->month >> u.month) & 1)) {
            t = biz_isotime_join(u.year, u.month, 1, 0, 0, 0) - 60;
        } else if (!day_ok(c, &u)) {
            t = biz_isotime_join(u.year, u.month, u.day, 0, 0, 0) - 60;
        } else if (!((c->hour >> u.hour) & 1)) {
            t = biz_isotime_join(u.year, u.month, u.day, u.hour, 0, 0) - 60;
        } else {
            for (int m = u.minute; m >= 0; m--)
                if ((c->minute >> m) & 1)
                    return biz_isotime_join(u.year, u.month, u.day, u.hour, m, 0);
            t = biz_isotime_join(u.year, u.month, u.day, u.hour, 0, 0) - 60;
        }
    }
}
