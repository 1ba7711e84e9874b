/* template_dt.c: the date-times of a template's context (logical_date,
 * data_interval_start, dag_run.logical_date ...) as pendulum DateTime
 * values: .strftime(), .isoformat(), .add() / .subtract(), .in_timezone(),
 * the year ... microsecond attributes, comparisons, and Airflow's ds / ts
 * filters.
 *
 * A date-time is a cJSON string flagged BIZ_TPL_DT_BIT: valuestring holds
 * its str() ("2024-01-01 00:00:00+00:00"), so code that sees only a
 * string sees what Jinja would print; valuedouble holds the instant in
 * microseconds since the epoch and valueint the zone (0 UTC, else 1 + its
 * index among the executable's zones, tz.h), which cJSON_Duplicate keeps.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "isotime.h"
#include "template_int.h"
#include "tz.h"

/* A date-time value at t + us microseconds in zone z (NULL: UTC). */
cJSON *biz_tpl_new_datetime(long long t, int us, const biz_tz *z)
{
    char iso[64];
    int idx = z ? biz_tz_index(z) : -1;
    if (idx < 0)
        z = NULL;
    biz_tpl_dt_format(t, us, z, ' ', iso, sizeof iso);
    cJSON *j = cJSON_CreateString(iso);
    if (!j)
        return NULL;
    j->type |= BIZ_TPL_DT_BIT;
    j->valuedouble = (double)t * 1e6 + us;
    j->valueint = idx + 1;
    return j;
}

int biz_tpl_is_dt(const cJSON *j)
{
    return j && cJSON_IsString(j) && (j->type & BIZ_TPL_DT_BIT);
}

/* The instant (seconds, microseconds) and zone of a date-time value. */
static void dt_get(const cJSON *j, time_t *t, int *us, const biz_tz **z)
{
    double v = j->valuedouble;
    double s = floor(v / 1e6);
    *t = (time_t)s;
    *us = (int)(v - s * 1e6);
    *z = j->valueint > 0 ? biz_tz_at(j->valueint - 1) : NULL;
}

/* isoformat(sep) of t + us in zone z: the fraction only when not zero. */
void biz_tpl_dt_format(time_t t, int us, const biz_tz *z, char sep, char *buf, size_t len)
{
    biz_isotime_format(buf, len, t, us, biz_tz_offset(z, t),
                       BIZ_ISOTIME_US | BIZ_ISOTIME_OFFSET | BIZ_ISOTIME_SEP(sep));
}

/* True when t is within Python's years 1 to 9999. */
static int in_range(double t)
{
    return t >= -62135596800.0 && t < 253402300800.0;
}

/* Instants of two date-times, for == and ordering. */
int biz_tpl_dt_cmp(const cJSON *a, const cJSON *b)
{
    return a->valuedouble < b->valuedouble ? -1 : a->valuedouble > b->valuedouble;
}

/* Python's repr() of a DateTime, as pendulum writes it. */
void biz_tpl_dt_repr_to(biz_buf *b, const cJSON *j)
{
    time_t t;
    int us;
    const biz_tz *z;
    dt_get(j, &t, &us, &z);
    biz_isotime_tm u;
    biz_isotime_split(t + biz_tz_offset(z, t), &u);
    char buf[160];
    snprintf(buf, sizeof buf, "DateTime(%d, %d, %d, %d, %d, %d", u.year, u.month, u.day, u.hour,
             u.minute, u.second);
    biz_buf_adds(b, buf);
    if (us) {
        snprintf(buf, sizeof buf, ", %d", us);
        biz_buf_adds(b, buf);
    }
    snprintf(buf, sizeof buf, ", tzinfo=Timezone('%s'))", z ? z->name : "UTC");
    biz_buf_adds(b, buf);
}

/* Python's strftime on the date-time's wall clock (C locale): %f, %z, %:z
 * and %Z are Python's; the rest is the C library's. */
static int dt_strftime(biz_tpl_ctx *cx, int at, const cJSON *self, const char *fmt, cJSON **out)
{
    time_t t;
    int us;
    const biz_tz *z;
    dt_get(self, &t, &us, &z);
    int off = biz_tz_offset(z, t);
    biz_isotime_tm u;
    biz_isotime_split(t + off, &u);
    /* strftime reads the fields gmtime fills; no zone (%Z is Python's) */
    struct tm tm = { .tm_year = u.year - 1900, .tm_mon = u.month - 1, .tm_mday = u.day,
                     .tm_hour = u.hour, .tm_min = u.minute, .tm_sec = u.second, .tm_wday = u.wday,
                     .tm_yday = biz_isotime_yday(u.year, u.month, u.day) };
    biz_buf b = {0};
    char piece[8], buf[256];
    int a = off < 0 ? -off : off;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%' || !p[1]) {
            biz_buf_addc(&b, *p);
            continue;
        }
        p++;
        if (*p == 'f') {
            snprintf(buf, sizeof buf, "%06d", us);
        } else if (*p == 'z') {
            snprintf(buf, sizeof buf, "%c%02d%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
        } else if (*p == ':' && p[1] == 'z') {
            p++;
            snprintf(buf, sizeof buf, "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
        } else if (*p == 'Z') {
            snprintf(buf, sizeof buf, "%s", biz_tz_abbr(z, t));
        } else if (strchr("aAbBcdHIjmMpSUwWxXyY%GuVgeCDFhnRrTt", *p)) {
            snprintf(piece, sizeof piece, "%%%c", *p);
            if (strftime(buf, sizeof buf, piece, &tm) == 0)
                buf[0] = '\0';
        } else {
            free(b.p);
            return biz_tpl_fail(cx, at, "strftime: unsupported directive '%%%c'", *p);
        }
        biz_buf_adds(&b, buf);
    }
    char *s = biz_buf_take(&b);
    *out = s ? cJSON_CreateString(s) : NULL;
    free(s);
    return *out ? 0 : biz_tpl_fail(cx, at, "out of memory");
}

/* pendulum's add(): years, months, weeks and days move the wall clock of
 * the date-time's zone (the result made aware again as pendulum.datetime
 * does, fold=1); hours and smaller alone move the instant. */
static int dt_add(biz_tpl_ctx *cx, const biz_tpl_node *n, const cJSON *self, int sign,
                  cJSON **args, char **names, int nargs, cJSON **out)
{
    static const char *const units[] = { "years", "months", "weeks", "days", "hours",
                                         "minutes", "seconds", "microseconds", NULL };
    double v[8] = {0};
    for (int i = 0; i < nargs; i++) {
        int k = -1;
        if (names[i]) {
            for (int u = 0; units[u]; u++)
                if (!strcmp(names[i], units[u]))
                    k = u;
            if (k < 0)
                return biz_tpl_fail(cx, n->start, "add() got an unexpected keyword argument '%s'", names[i]);
        } else {
            k = i;
            if (k >= 8)
                return biz_tpl_fail(cx, n->start, "add() takes at most 8 arguments");
        }
        if (!cJSON_IsNumber(args[i]))
            return biz_tpl_fail(cx, n->start, "add(): %s must be a number, not %s", units[k],
                                biz_tpl_type_name(args[i]));
        if ((k < 4 || k == 7) && !biz_tpl_num_is_int(args[i]))
            return biz_tpl_fail(cx, n->start, "add(): %s must be an integer", units[k]);
        v[k] = sign * args[i]->valuedouble;
    }
    for (int k = 0; k < 8; k++)
        if (fabs(v[k]) > 1e7)
            return biz_tpl_fail(cx, n->start, "add(): %s out of range", units[k]);
    time_t t;
    int us;
    const biz_tz *z;
    dt_get(self, &t, &us, &z);
    double secs = v[4] * 3600 + v[5] * 60 + v[6];
    double whole = floor(secs);
    double micro = us + (secs - whole) * 1e6 + v[7];
    double carry = floor(micro / 1e6);
    micro -= carry * 1e6;
    int variable = v[0] != 0 || v[1] != 0 || v[2] != 0 || v[3] != 0;
    time_t r;
    if (!variable) {
        r = t + (time_t)(whole + carry);
    } else {
        time_t local = t + biz_tz_offset(z, t);
        biz_isotime_tm u;
        biz_isotime_split(local, &u);
        long long months = (long long)u.year * 12 + (u.month - 1) + (long long)v[0] * 12 + (long long)v[1];
        long long y = months >= 0 ? months / 12 : (months - 11) / 12;
        int m = (int)(months - y * 12) + 1;
        if (y < 1 || y > 9999)
            return biz_tpl_fail(cx, n->start, "add(): year %lld is out of range", y);
        int d = u.day, dim = biz_isotime_days_in_month((int)y, m);
        if (d > dim)
            d = dim;
        time_t wall = (time_t)biz_isotime_days_from_civil(y, m, d) * 86400 + u.hour * 3600 + u.minute * 60
                      + u.second + (time_t)((v[2] * 7 + v[3]) * 86400) + (time_t)(whole + carry);
        r = biz_tz_from_local(z, wall, 1);
    }
    if (!in_range((double)r))
        return biz_tpl_fail(cx, n->start, "date value out of range");
    *out = biz_tpl_new_datetime(r, (int)micro, z);
    return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
}

/* The zone called name for in_timezone(): UTC or one compiled in. */
static int zone_arg(biz_tpl_ctx *cx, int at, const cJSON *arg, const biz_tz **z)
{
    if (!cJSON_IsString(arg))
        return biz_tpl_fail(cx, at, "in_timezone() takes a time zone name");
    int known;
    *z = biz_tz_find(arg->valuestring, &known);
    if (!known)
        return biz_tpl_fail(cx, at, "time zone '%s' is not compiled into this executable (bizc "
                            "compiles the zones of start_date and of in_timezone('...') "
                            "literals)", arg->valuestring);
    return 0;
}

/* The methods of a date-time. 1 when name is none of them. */
int biz_tpl_dt_method(biz_tpl_ctx *cx, const biz_tpl_node *n, const cJSON *self, const char *name,
                      cJSON **args, char **names, int nargs, cJSON **out)
{
    time_t t;
    int us;
    const biz_tz *z;
    dt_get(self, &t, &us, &z);
    if (!strcmp(name, "add") || !strcmp(name, "subtract"))
        return dt_add(cx, n, self, name[0] == 'a' ? 1 : -1, args, names, nargs, out);
    for (int i = 0; i < nargs; i++)
        if (names[i] && strcmp(names[i], "sep") && strcmp(names[i], "fmt") && strcmp(names[i], "tz"))
            return biz_tpl_fail(cx, n->start, "%s() got an unexpected keyword argument '%s'", name, names[i]);
    if (!strcmp(name, "strftime")) {
        if (nargs != 1 || !cJSON_IsString(args[0]))
            return biz_tpl_fail(cx, n->start, "strftime() takes one format string");
        return dt_strftime(cx, n->start, self, args[0]->valuestring, out);
    }
    if (!strcmp(name, "isoformat")) {
        char sep = 'T';
        if (nargs > 1 || (nargs == 1 && (!cJSON_IsString(args[0]) || strlen(args[0]->valuestring) != 1)))
            return biz_tpl_fail(cx, n->start, "isoformat() takes one separator character");
        if (nargs == 1)
            sep = args[0]->valuestring[0];
        char iso[64];
        biz_tpl_dt_format(t, us, z, sep, iso, sizeof iso);
        *out = cJSON_CreateString(iso);
    } else if (!strcmp(name, "in_timezone") || !strcmp(name, "in_tz") || !strcmp(name, "astimezone")) {
        const biz_tz *nz = NULL;
        if (nargs != 1)
            return biz_tpl_fail(cx, n->start, "%s() takes one time zone name", name);
        if (zone_arg(cx, n->start, args[0], &nz) < 0)
            return -1;
        *out = biz_tpl_new_datetime(t, us, nz);
    } else if (!strcmp(name, "timestamp")) {
        if (nargs)
            return biz_tpl_fail(cx, n->start, "timestamp() takes no arguments");
        *out = biz_tpl_new_float((double)t + us / 1e6);
    } else if (!strcmp(name, "weekday") || !strcmp(name, "isoweekday")) {
        if (nargs)
            return biz_tpl_fail(cx, n->start, "%s() takes no arguments", name);
        biz_isotime_tm u;
        biz_isotime_split(t + biz_tz_offset(z, t), &u);
        int mon0 = (u.wday + 6) % 7;
        *out = biz_tpl_new_int(name[0] == 'w' ? mon0 : mon0 + 1);
    } else if (!strcmp(name, "date") || !strcmp(name, "to_date_string")
               || !strcmp(name, "to_datetime_string")) {
        if (nargs)
            return biz_tpl_fail(cx, n->start, "%s() takes no arguments", name);
        char iso[64];
        biz_tpl_dt_format(t, 0, z, ' ', iso, sizeof iso);
        iso[strcmp(name, "to_datetime_string") == 0 ? 19 : 10] = '\0';
        *out = cJSON_CreateString(iso);
    } else {
        return 1;
    }
    return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
}

/* The attributes of a date-time (year ... microsecond, timezone_name). 1
 * when name is none of them. */
int biz_tpl_dt_attr(const cJSON *self, const char *name, cJSON **out)
{
    time_t t;
    int us;
    const biz_tz *z;
    dt_get(self, &t, &us, &z);
    biz_isotime_tm u;
    biz_isotime_split(t + biz_tz_offset(z, t), &u);
    static const char *const names[] = { "year", "month", "day", "hour", "minute", "second",
                                         "microsecond", "day_of_week", "day_of_year", NULL };
    int vals[] = { u.year, u.month, u.day, u.hour, u.minute, u.second, us, (u.wday + 6) % 7,
                   biz_isotime_yday(u.year, u.month, u.day) + 1 };
    for (int i = 0; names[i]; i++)
        if (!strcmp(name, names[i])) {
            *out = biz_tpl_new_int(vals[i]);
            return 0;
        }
    if (!strcmp(name, "timezone_name") || !strcmp(name, "tzname")) {
        *out = cJSON_CreateString(z ? z->name : "UTC");
        return 0;
    }
    return 1;
}

/* Airflow's ds, ds_nodash, ts, ts_nodash and ts_nodash_with_tz filters
 * (airflow/templates.py): of a date-time; None stays None. 1 when name is
 * none of them. */
int biz_tpl_dt_filter(biz_tpl_ctx *cx, int at, const char *name, const cJSON *v, cJSON **out)
{
    static const char *const fmts[][2] = { { "ds", "%Y-%m-%d" }, { "ds_nodash", "%Y%m%d" },
                                           { "ts_nodash", "%Y%m%dT%H%M%S" } };
    int k = -1;
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, fmts[i][0]))
            k = i;
    int ts = !strcmp(name, "ts"), tsz = !strcmp(name, "ts_nodash_with_tz");
    if (k < 0 && !ts && !tsz)
        return 1;
    if (!v || cJSON_IsNull(v)) {
        *out = cJSON_CreateNull();
        return 0;
    }
    if (!biz_tpl_is_dt(v))
        return biz_tpl_fail(cx, at, "the %s filter takes a date-time (logical_date, "
                            "data_interval_start ...), not %s", name, biz_tpl_type_name(v));
    if (k >= 0)
        return dt_strftime(cx, at, v, fmts[k][1], out);
    time_t t;
    int us;
    const biz_tz *z;
    dt_get(v, &t, &us, &z);
    char iso[64], flat[64];
    biz_tpl_dt_format(t, us, z, 'T', iso, sizeof iso);
    if (tsz) {
        size_t j = 0;
        for (const char *p = iso; *p && j < sizeof flat - 1; p++)
            if (*p != '-' && *p != ':')
                flat[j++] = *p;
        flat[j] = '\0';   /* a negative offset loses its sign too, as in Airflow */
    }
    *out = cJSON_CreateString(tsz ? flat : iso);
    return *out ? 0 : biz_tpl_fail(cx, at, "out of memory");
}

/* ------------------------------------------------------------ timedelta */

/* A timedelta of secs seconds (macros.timedelta). */
static cJSON *new_td(double secs)
{
    cJSON *j = cJSON_CreateNumber(secs);
    if (j)
        j->type |= BIZ_TPL_TD_BIT;
    return j;
}

int biz_tpl_is_td(const cJSON *j)
{
    return j && cJSON_IsNumber(j) && (j->type & BIZ_TPL_TD_BIT);
}

/* A date-time minus a date-time: pendulum's Interval(start, end), a
 * timedelta (end - start, in seconds) that prints as
 * "<Interval [start -> end]>". The printed form rides in the number's
 * valuestring, which cJSON frees and duplicates with it. */
static cJSON *new_interval(const cJSON *start, const cJSON *end)
{
    cJSON *j = new_td((end->valuedouble - start->valuedouble) / 1e6);
    biz_buf b = { 0 };
    biz_buf_adds(&b, "<Interval [");
    biz_tpl_str_to(&b, start);
    biz_buf_adds(&b, " -> ");
    biz_tpl_str_to(&b, end);
    biz_buf_adds(&b, "]>");
    char *text = biz_buf_take(&b);
    if (!j || !text) {
        free(text);
        cJSON_Delete(j);
        return NULL;
    }
    j->valuestring = text;
    return j;
}

int biz_tpl_is_interval(const cJSON *j)
{
    return biz_tpl_is_td(j) && j->valuestring;
}

/* Python's str() of a timedelta: "1 day, 2:03:04", "-1 day, 23:00:00",
 * "0:00:01.500000". */
void biz_tpl_td_str_to(biz_buf *b, const cJSON *j)
{
    if (j->valuestring) {   /* an Interval */
        biz_buf_adds(b, j->valuestring);
        return;
    }
    double us_total = round(j->valuedouble * 1e6);
    double days = floor(us_total / 86400e6);
    double rest = us_total - days * 86400e6;
    long long secs = (long long)(rest / 1e6);
    long long us = (long long)(rest - (double)secs * 1e6);
    char buf[96];
    int k = 0;
    if (days != 0)
        k = snprintf(buf, sizeof buf, "%.0f day%s, ", days, fabs(days) == 1 ? "" : "s");
    k += snprintf(buf + k, sizeof buf - (size_t)k, "%lld:%02lld:%02lld", secs / 3600, secs / 60 % 60,
                  secs % 60);
    if (us)
        snprintf(buf + k, sizeof buf - (size_t)k, ".%06lld", us);
    biz_buf_adds(b, buf);
}

/* macros.timedelta(days=, seconds=, microseconds=, milliseconds=,
 * minutes=, hours=, weeks=): Python's datetime.timedelta. */
int biz_tpl_td_macro(struct biz_tpl_ctx *cx, const struct biz_tpl_node *n, cJSON **args,
                     char **names, int nargs, cJSON **out)
{
    static const char *const units[] = { "days", "seconds", "microseconds", "milliseconds",
                                         "minutes", "hours", "weeks", NULL };
    static const double mult[] = { 86400, 1, 1e-6, 1e-3, 60, 3600, 604800 };
    double total = 0;
    for (int i = 0; i < nargs; i++) {
        int k = names[i] ? -1 : i;
        for (int u = 0; names[i] && units[u]; u++)
            if (!strcmp(names[i], units[u]))
                k = u;
        if (k < 0 || k > 6)
            return biz_tpl_fail(cx, n->start, names[i] ? "timedelta() got an unexpected keyword argument '%s'"
                                                       : "timedelta() takes at most 7 arguments%s", names[i] ? names[i] : "");
        if (!cJSON_IsNumber(args[i]) || biz_tpl_is_td(args[i]))
            return biz_tpl_fail(cx, n->start, "timedelta(): %s must be a number, not %s", units[k],
                                biz_tpl_type_name(args[i]));
        total += args[i]->valuedouble * mult[k];
    }
    if (!isfinite(total) || fabs(total) > 1e9 * 86400)
        return biz_tpl_fail(cx, n->start, "timedelta(): out of range");
    *out = new_td(total);
    return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
}

/* + and - with date-times and timedeltas: a date-time plus or minus a
 * timedelta moves the instant (pendulum), timedeltas add up. 1 when
 * neither operand is one; -1 after an error (the other operations are
 * refused). */
int biz_tpl_dt_arith(struct biz_tpl_ctx *cx, const struct biz_tpl_node *n, int op, const cJSON *a,
                     const cJSON *b, cJSON **out)
{
    int adt = biz_tpl_is_dt(a), bdt = biz_tpl_is_dt(b), atd = biz_tpl_is_td(a), btd = biz_tpl_is_td(b);
    if (!adt && !bdt && !atd && !btd)
        return 1;
    if ((op == '+' || op == '-') && adt && btd) {
        double v = a->valuedouble + (op == '+' ? 1 : -1) * round(b->valuedouble * 1e6);
        double s = floor(v / 1e6);
        if (!in_range(s))
            return biz_tpl_fail(cx, n->start, "date value out of range");
        *out = biz_tpl_new_datetime((long long)s, (int)(v - s * 1e6),
                                    a->valueint > 0 ? biz_tz_at(a->valueint - 1) : NULL);
    } else if (op == '+' && atd && bdt) {
        return biz_tpl_dt_arith(cx, n, op, b, a, out);
    } else if ((op == '+' || op == '-') && atd && btd) {
        *out = new_td(a->valuedouble + (op == '+' ? 1 : -1) * b->valuedouble);
    } else if (op == '-' && adt && bdt) {
        *out = new_interval(b, a);
    } else {
        return biz_tpl_fail(cx, n->start, "unsupported operand type(s) for %s: '%s' and '%s'",
                            op == '+' ? "+" : op == '-' ? "-" : op == '*' ? "*" : op == '/' ? "/" : "this operator",
                            biz_tpl_type_name(a), biz_tpl_type_name(b));
    }
    return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
}

/* A timedelta's total_seconds(). 1 when name is not a timedelta method. */
int biz_tpl_td_method(struct biz_tpl_ctx *cx, const struct biz_tpl_node *n, const cJSON *self,
                      const char *name, int nargs, cJSON **out)
{
    /* pendulum's Interval also counts whole units: in_hours() of 1 day
     * 1:30 is 25 (rounded towards zero, as pendulum's int()) */
    static const struct { const char *name; double unit; } in_units[] = {
        { "in_weeks", 604800 }, { "in_days", 86400 }, { "in_hours", 3600 },
        { "in_minutes", 60 }, { "in_seconds", 1 },
    };
    double unit = 0;
    for (size_t i = 0; i < sizeof in_units / sizeof *in_units; i++)
        if (!strcmp(name, in_units[i].name) && biz_tpl_is_interval(self))
            unit = in_units[i].unit;
    if (strcmp(name, "total_seconds") && unit == 0)
        return 1;
    if (nargs)
        return biz_tpl_fail(cx, n->start, "%s() takes no arguments", name);
    *out = unit ? biz_tpl_new_int(trunc(self->valuedouble / unit)) : biz_tpl_new_float(self->valuedouble);
    return *out ? 0 : biz_tpl_fail(cx, n->start, "out of memory");
}
