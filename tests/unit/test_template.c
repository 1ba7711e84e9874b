/* test_template.c: CUnit tests of the Jinja-subset template engine:
 * literals and Python's str()/repr() of every value type, arithmetic,
 * comparisons, filters, tests, statements, whitespace control, the Airflow
 * context (ti.xcom_pull, var, conn, macros), native rendering,
 * render_value, refs, parse and run-time errors with exact offsets and
 * messages, a fuzz loop over prefixes and mutations of all of them, the
 * work limits (each one's message, in text and native mode, and that it
 * fails fast), range-checked casts, and biz_ctx_update (--conf over params)
 * with 40,000 keys. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "context.h"
#include "ops.h"
#include "run.h"
#include "cunit_main.h"
#include "template.h"
#include "tz.h"
#include "tzif.h"

/* ---- the fake context --------------------------------------------------- */

static const char *vars_json =
    "{\"ds\": \"2024-01-02\", \"ds_nodash\": \"20240102\", \"ts\": \"2024-01-02T00:00:00+00:00\","
    " \"run_id\": \"manual__1\","
    " \"dag_run\": {\"run_id\": \"manual__1\", \"conf\": {\"n\": 3, \"name\": \"bob\", \"list\": [1, 2, 3],"
    "   \"nested\": {\"a\": [true, null]}, \"num_str\": \"12\"}},"
    " \"params\": {\"p\": \"v\", \"num\": 5}, \"dag\": {\"dag_id\": \"d1\"}, \"task\": {\"task_id\": \"t1\"},"
    " \"data\": {\"a\": 1, \"b\": [true, null]}, \"s\": \"Hello World\", \"f\": 1.5, \"big\": 1e20,"
    " \"empty\": \"\", \"users\": [{\"name\": \"b\", \"age\": 30}, {\"name\": \"a\", \"age\": 20}]}";

static cJSON *vars;
static int pulls;

static cJSON *fake_xcom(void *user, const char *task_id, const char *key, int *failed)
{
    (void)user;
    (void)failed;
    pulls++;
    if (!strcmp(task_id, "a") && !strcmp(key, "return_value"))
        return cJSON_Parse("{\"x\": 1}");
    if (!strcmp(task_id, "a") && !strcmp(key, "other"))
        return cJSON_CreateString("o");
    if (!strcmp(task_id, "b") && !strcmp(key, "return_value"))
        return cJSON_CreateNumber(42);
    return NULL;
}

static const char *fake_getenv(void *user, const char *name)
{
    (void)user;
    static const char *const env[][2] = {
        {"AIRFLOW_VAR_FOO", "bar"},
        {"AIRFLOW_VAR_CFG", "{\"k\": [1, 2], \"s\": \"x\"}"},
        {"AIRFLOW_VAR_BADJSON", "{nope"},
        {"AIRFLOW_CONN_MY_HTTP", "https://user:p%40ss@example.com:8443/api?timeout=5"},
        {"AIRFLOW_CONN_PLAIN", "http://host.local"},
    };
    for (size_t i = 0; i < sizeof env / sizeof env[0]; i++)
        if (!strcmp(env[i][0], name))
            return env[i][1];
    return NULL;
}

static biz_tpl_env env;

static int suite_init(void)
{
    vars = cJSON_Parse(vars_json);
    if (!vars)
        return -1;
    /* date-times as the context holds them (template_dt.c); the zones as a
     * compiled DAG registers them */
    char zerr[300];
    const biz_tz *paris = biz_tzif_load("Europe/Paris", zerr, sizeof zerr);
    const biz_tz *ny = biz_tzif_load("America/New_York", zerr, sizeof zerr);
    biz_tz_register(paris);
    biz_tz_register(ny);
    cJSON_AddItemToObject(vars, "logical_date", biz_tpl_new_datetime(1704153600, 0, NULL));
    cJSON_AddItemToObject(vars, "data_interval_end", biz_tpl_new_datetime(1704153600 + 86400, 0, NULL));
    /* 2024-03-30 02:30 Paris: a day before the spring gap */
    cJSON_AddItemToObject(vars, "gap", biz_tpl_new_datetime(1711762200, 0, paris));
    cJSON_AddItemToObject(vars, "frac", biz_tpl_new_datetime(1704153600, 250, NULL));
    env.vars = vars;
    env.xcom_pull = fake_xcom;
    env.getenv = fake_getenv;
    env.task_id = "t1";
    env.try_number = 2;
    env.user = NULL;
    return 0;
}

static int suite_clean(void)
{
    cJSON_Delete(vars);
    return 0;
}

/* ---- helpers ------------------------------------------------------------ */

static void check_at(const char *tpl, const char *want, int line)
{
    biz_tpl_error err;
    biz_tpl *t = biz_tpl_parse(tpl, strlen(tpl), &err);
    if (!t) {
        fprintf(stderr, "\nline %d: parse of [%s] failed at %d: %s\n", line, tpl, err.offset, err.message);
        CU_FAIL("parse failed");
        return;
    }
    char *got = biz_tpl_render(t, &env, &err);
    if (!got) {
        fprintf(stderr, "\nline %d: render of [%s] failed at %d: %s\n", line, tpl, err.offset, err.message);
        CU_FAIL("render failed");
    } else {
        if (strcmp(got, want))
            fprintf(stderr, "\nline %d: [%s]\n  got      [%s]\n  expected [%s]\n", line, tpl, got, want);
        CU_ASSERT_STRING_EQUAL(got, want);
    }
    free(got);
    biz_tpl_free(t);
}
#define CHECK(tpl, want) check_at(tpl, want, __LINE__)

/* A run-time error: parses, fails to render at offset with message. */
static void check_rterr_at(const char *tpl, int offset, const char *msg, int line)
{
    biz_tpl_error err;
    biz_tpl *t = biz_tpl_parse(tpl, strlen(tpl), &err);
    if (!t) {
        fprintf(stderr, "\nline %d: parse of [%s] failed at %d: %s\n", line, tpl, err.offset, err.message);
        CU_FAIL("parse failed");
        return;
    }
    char *got = biz_tpl_render(t, &env, &err);
    if (got) {
        fprintf(stderr, "\nline %d: [%s] rendered [%s], expected an error\n", line, tpl, got);
        CU_FAIL("no error");
    } else {
        if (err.offset != offset || strcmp(err.message, msg))
            fprintf(stderr, "\nline %d: [%s]\n  got      %d: %s\n  expected %d: %s\n", line, tpl, err.offset,
                    err.message, offset, msg);
        CU_ASSERT_EQUAL(err.offset, offset);
        CU_ASSERT_STRING_EQUAL(err.message, msg);
    }
    free(got);
    biz_tpl_free(t);
}
#define RTERR(tpl, off, msg) check_rterr_at(tpl, off, msg, __LINE__)

/* A parse error at offset with message. */
static void check_perr_at(const char *tpl, int offset, const char *msg, int line)
{
    biz_tpl_error err;
    biz_tpl *t = biz_tpl_parse(tpl, strlen(tpl), &err);
    if (t) {
        fprintf(stderr, "\nline %d: [%s] parsed, expected an error\n", line, tpl);
        CU_FAIL("no parse error");
        biz_tpl_free(t);
        return;
    }
    if (err.offset != offset || strcmp(err.message, msg))
        fprintf(stderr, "\nline %d: [%s]\n  got      %d: %s\n  expected %d: %s\n", line, tpl, err.offset,
                err.message, offset, msg);
    CU_ASSERT_EQUAL(err.offset, offset);
    CU_ASSERT_STRING_EQUAL(err.message, msg);
}
#define PERR(tpl, off, msg) check_perr_at(tpl, off, msg, __LINE__)

/* "type:str(value)" of a native result: int:12, float:2.0, str:x, dict:{...}. */
static char *describe(const cJSON *v)
{
    const char *type = !v ? "NULL" : cJSON_IsNull(v) ? "none" : cJSON_IsBool(v) ? "bool"
                     : cJSON_IsNumber(v) ? (biz_tpl_is_float(v) ? "float" : "int")
                     : cJSON_IsString(v) ? "str" : cJSON_IsArray(v) ? "list" : "dict";
    char *s = v ? biz_tpl_str(v) : strdup("");
    char *out = malloc(strlen(s) + 16);
    sprintf(out, "%s:%s", type, s);
    free(s);
    return out;
}

static void check_native_at(const char *tpl, const char *want, int line)
{
    biz_tpl_error err;
    biz_tpl *t = biz_tpl_parse(tpl, strlen(tpl), &err);
    if (!t) {
        fprintf(stderr, "\nline %d: parse of [%s] failed: %s\n", line, tpl, err.message);
        CU_FAIL("parse failed");
        return;
    }
    cJSON *v = biz_tpl_render_native(t, &env, &err);
    char *got = describe(v);
    if (strcmp(got, want))
        fprintf(stderr, "\nline %d: native [%s]\n  got      [%s]\n  expected [%s] (%s)\n", line, tpl, got, want,
                v ? "" : err.message);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
    cJSON_Delete(v);
    biz_tpl_free(t);
}
#define NATIVE(tpl, want) check_native_at(tpl, want, __LINE__)

/* ---- literals and str() --------------------------------------------------- */

static void test_plain_text(void)
{
    CHECK("hello", "hello");
    CHECK("", "");
    CHECK("a { b } c %} #}", "a { b } c %} #}");
    CHECK("{", "{");
}

static void test_ints(void)
{
    CHECK("{{ 3 }}", "3");
    CHECK("{{ 1_000 }}", "1000");
    CHECK("{{ -0 }}", "0");
    CHECK("{{ 12345678901 }}", "12345678901");
}

static void test_float_repr(void)
{
    CHECK("{{ 1.5 }}", "1.5");
    CHECK("{{ 2.0 }}", "2.0");
    CHECK("{{ 1e20 }}", "1e+20");
    CHECK("{{ 1e16 }}", "1e+16");
    CHECK("{{ 1e15 }}", "1000000000000000.0");
    CHECK("{{ 0.0001 }}", "0.0001");
    CHECK("{{ 0.00001 }}", "1e-05");
    CHECK("{{ 0.1 + 0.2 }}", "0.30000000000000004");
    CHECK("{{ 1 / 3 }}", "0.3333333333333333");
    CHECK("{{ -0.5 }}", "-0.5");
    CHECK("{{ 1.5e-7 }}", "1.5e-07");
    CHECK("{{ 123456789.125 }}", "123456789.125");
}

static void test_none_bool(void)
{
    CHECK("{{ none }} {{ None }} {{ true }} {{ True }} {{ false }} {{ False }}", "None None True True False False");
}

static void test_strings(void)
{
    CHECK("{{ 'it\\'s' }}", "it's");
    CHECK("{{ \"x\\ty\" }}", "x\ty");
    CHECK("{{ 'a' 'b' }}", "ab");
    CHECK("{{ '\\u00e9\\x41' }}", "\xc3\xa9" "A");
    CHECK("{{ 'back\\\\slash' }}", "back\\slash");
    CHECK("{{ '\\q' }}", "\\q");
}

static void test_list_repr(void)
{
    CHECK("{{ [1, 'a', none, true, 2.5] }}", "[1, 'a', None, True, 2.5]");
    CHECK("{{ [] }}", "[]");
    CHECK("{{ [[1], [2, [3]]] }}", "[[1], [2, [3]]]");
}

static void test_dict_repr(void)
{
    CHECK("{{ {'a': 1, 'b': [true, none]} }}", "{'a': 1, 'b': [True, None]}");
    CHECK("{{ {} }}", "{}");
    CHECK("{{ {1: 'x'} }}", "{'1': 'x'}");
    CHECK("{{ data }}", "{'a': 1, 'b': [True, None]}");
}

static void test_tuple_repr(void)
{
    CHECK("{{ (1, 2) }}", "(1, 2)");
    CHECK("{{ (1,) }}", "(1,)");
    CHECK("{{ () }}", "()");
    CHECK("{{ (1) }}", "1");
    CHECK("{{ 1, 'a' }}", "(1, 'a')");
}

static void test_string_repr_quotes(void)
{
    CHECK("{{ [\"it's\"] }}", "[\"it's\"]");
    CHECK("{{ ['a\"b'] }}", "['a\"b']");
    CHECK("{{ ['a\\'b\"c'] }}", "['a\\'b\"c']");
    CHECK("{{ ['x\\ny\\t\\\\'] }}", "['x\\ny\\t\\\\']");
    CHECK("{{ ['\\x01'] }}", "['\\x01']");
    CHECK("{{ ['\xc3\xa9'] }}", "['\xc3\xa9']");
}

static void test_vars_render(void)
{
    CHECK("{{ ds }} {{ ds_nodash }} {{ run_id }}", "2024-01-02 20240102 manual__1");
    CHECK("{{ f }} {{ big }}", "1.5 1e+20");
    CHECK("{{ dag_run.conf.name }} {{ dag_run.conf['n'] + 1 }}", "bob 4");
    CHECK("{{ dag_run.conf.list[-1] }} {{ dag_run.conf.list[0] }}", "3 1");
    CHECK("{{ params.p }}{{ params['num'] }}", "v5");
    CHECK("{{ data.b[0] }} {{ data.b.0 }}", "True True");
    CHECK("{{ dag_run.conf.nested }}", "{'a': [True, None]}");
    CHECK("{{ s[0] }}{{ s[-1] }}", "Hd");
}

/* ---- operators ------------------------------------------------------------ */

static void test_division(void)
{
    CHECK("{{ 4 / 2 }}", "2.0");
    CHECK("{{ 4 // 2 }}", "2");
    CHECK("{{ 7 // 2 }} {{ -7 // 2 }}", "3 -4");
    CHECK("{{ 7.0 // 2 }}", "3.0");
    CHECK("{{ 1 / 4 }}", "0.25");
}

static void test_modulo_pow(void)
{
    CHECK("{{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }}", "1 2 -2");
    CHECK("{{ 7.5 % 2 }}", "1.5");
    CHECK("{{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2.0 ** 2 }}", "1024 0.5 4.0");
    CHECK("{{ 2 ** 3 ** 2 }}", "64");
}

static void test_add_mul(void)
{
    CHECK("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 10 - 4 - 3 }}", "7 9 3");
    CHECK("{{ 1 + 1.5 }} {{ 2 * 1.0 }}", "2.5 2.0");
    CHECK("{{ true + 1 }}", "2");
    CHECK("{{ 'a' + 'b' }} {{ [1] + [2] }} {{ 'ab' * 3 }} {{ 2 * [0] }}", "ab [1, 2] ababab [0, 0]");
}

static void test_unary(void)
{
    CHECK("{{ -(3) }} {{ -2.5 }} {{ +4 }} {{ --1 }}", "-3 -2.5 4 1");
    CHECK("{{ - 2 ** 2 }}", "4");
    CHECK("{{ -params.num }}", "-5");
}

static void test_concat(void)
{
    CHECK("{{ 'a' ~ 1 ~ none ~ true }}", "a1NoneTrue");
    CHECK("{{ 1 ~ 2 * 3 }}", "16");
    RTERR("{{ 1 ~ 2 + 3 }}", 3, "unsupported operand type(s) for +: 'str' and 'int'");
    CHECK("{{ 'n=' ~ [1] }}", "n=[1]");
}

static void test_comparisons(void)
{
    CHECK("{{ 1 < 2 }} {{ 2 <= 1 }} {{ 'a' < 'b' }} {{ 1 == 1.0 }} {{ 1 != 2 }}", "True False True True True");
    CHECK("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 2 >= 2 }}", "True False True");
    CHECK("{{ [1, 2] == [1, 2] }} {{ {'a': 1} == {'a': 1} }} {{ none == none }} {{ 1 == '1' }}",
          "True True True False");
    CHECK("{{ [1, 2] < [1, 3] }} {{ true == 1 }}", "True True");
}

static void test_in(void)
{
    CHECK("{{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'x' in {'x': 1} }} {{ 3 not in [1] }}", "True True True True");
    CHECK("{{ 'n' in dag_run.conf }} {{ 'zz' in dag_run.conf }}", "True False");
}

static void test_logic(void)
{
    CHECK("{{ 1 and 0 }} {{ 0 or 'x' }} {{ not 1 }} {{ none or [] }}", "0 x False []");
    CHECK("{{ true and 'y' }} {{ not (1 and 0) }} {{ not 1 == 2 }}", "y True True");
    CHECK("{{ 0 and nope }} {{ 1 or nope }}", "0 1");
}

static void test_conditional(void)
{
    CHECK("{{ 'y' if 1 > 0 else 'n' }}", "y");
    CHECK("{{ 'y' if [] else 'n' }}", "n");
    CHECK("{{ 'a' if false else 'b' if true else 'c' }}", "b");
}

/* ---- tests (is) --------------------------------------------------------- */

static void test_is_defined(void)
{
    CHECK("{{ data is defined }} {{ nope is defined }} {{ nope is undefined }}", "True False True");
    CHECK("{{ dag_run.conf.zz is defined }} {{ dag_run.conf.n is defined }}", "False True");
    CHECK("{{ dag_run.conf['zz'] is not defined }}", "True");
    CHECK("{% if dag_run.conf.zz is defined %}yes{% else %}no{% endif %}", "no");
}

static void test_is_other(void)
{
    CHECK("{{ none is none }} {{ 1 is not none }} {{ 2 is even }} {{ 3 is odd }}", "True True True True");
    CHECK("{{ 9 is divisibleby 3 }} {{ 9 is divisibleby(2) }}", "True False");
    CHECK("{{ 'x' is string }} {{ 1 is number }} {{ 1 is integer }} {{ 1.0 is float }} {{ data is mapping }}",
          "True True True True True");
    CHECK("{{ [] is iterable }} {{ 1 is iterable }} {{ true is boolean }} {{ 2 is in [1, 2] }}",
          "True False True True");
    CHECK("{{ 'abc' is lower }} {{ 3 is eq 3 }} {{ 3 is gt 2 }}", "True True True");
}

/* ---- filters ------------------------------------------------------------ */

static void test_default(void)
{
    CHECK("{{ nope | default('d') }}", "d");
    CHECK("[{{ nope | d }}]", "[]");
    CHECK("{{ '' | default('x', true) }}|{{ '' | default('x') }}|{{ empty | d('e', boolean=true) }}", "x||e");
    CHECK("{{ dag_run.conf.zz | default(7) }} {{ dag_run.conf.n | default(7) }}", "7 3");
    CHECK("{{ dag_run.conf['zz'] | default('k') }}", "k");
    CHECK("{{ nope | default(none) }}", "None");
}

static void test_dict_get(void)
{
    CHECK("{{ dag_run.conf.get('zz', 5) }} {{ dag_run.conf.get('n') }} {{ dag_run.conf.get('zz') }}", "5 3 None");
    CHECK("{{ data.keys() | list }} {{ data.values() | list }}", "['a', 'b'] [1, [True, None]]");
    CHECK("{{ data.items() | list }}", "[('a', 1), ('b', [True, None])]");
}

/* Date-times, checked against pendulum 3 and Airflow's filters. */
static void test_datetimes(void)
{
    CHECK("{{ logical_date }}", "2024-01-02 00:00:00+00:00");
    CHECK("{{ logical_date.isoformat() }}|{{ logical_date.isoformat(' ') }}",
          "2024-01-02T00:00:00+00:00|2024-01-02 00:00:00+00:00");
    CHECK("{{ logical_date.strftime('%Y%m%d-%H%M%S.%f %z %a %b %j') }}",
          "20240102-000000.000000 +0000 Tue Jan 002");
    CHECK("{{ logical_date.add(days=1, hours=2) }}", "2024-01-03 02:00:00+00:00");
    CHECK("{{ logical_date.subtract(months=2) }}", "2023-11-02 00:00:00+00:00");
    CHECK("{{ logical_date.add(months=1, days=30) }}", "2024-03-03 00:00:00+00:00");
    CHECK("{{ logical_date.add(minutes=90).isoformat() }}", "2024-01-02T01:30:00+00:00");
    CHECK("{{ logical_date.in_timezone('Europe/Paris') }}", "2024-01-02 01:00:00+01:00");
    CHECK("{{ logical_date.in_timezone('Europe/Paris').add(months=6).isoformat() }}",
          "2024-07-02T01:00:00+02:00");
    CHECK("{{ logical_date.in_timezone('Europe/Paris').add(months=6).strftime('%H:%M %z') }}",
          "01:00 +0200");
    CHECK("{{ gap.add(days=1) }}", "2024-03-31 03:30:00+02:00");
    CHECK("{{ gap.strftime('%H:%M %Z') }} {{ gap.add(days=1).strftime('%Z %z') }} {{ logical_date.strftime('%Z') }}",
          "02:30 CET CEST +0200 UTC");
    CHECK("{{ gap.add(hours=24) }}", "2024-03-31 03:30:00+02:00");
    CHECK("{{ logical_date < data_interval_end }} {{ logical_date == logical_date.in_timezone('Europe/Paris') }}"
          " {{ logical_date > data_interval_end }} {{ logical_date == '2024-01-02 00:00:00+00:00' }}",
          "True True False False");
    CHECK("{{ logical_date | ds }} {{ logical_date | ds_nodash }} {{ logical_date | ts }} "
          "{{ logical_date | ts_nodash }} {{ logical_date | ts_nodash_with_tz }}",
          "2024-01-02 20240102 2024-01-02T00:00:00+00:00 20240102T000000 20240102T000000+0000");
    CHECK("{{ logical_date.in_timezone('America/New_York') | ts_nodash_with_tz }}",
          "20240101T1900000500");
    CHECK("{{ logical_date.year }}-{{ logical_date.month }}-{{ logical_date.day }} {{ logical_date.weekday() }}"
          " {{ logical_date.isoweekday() }} {{ logical_date.day_of_year }}", "2024-1-2 1 2 2");
    CHECK("{{ logical_date.timestamp() }}", "1704153600.0");
    CHECK("{{ [logical_date] }}", "[DateTime(2024, 1, 2, 0, 0, 0, tzinfo=Timezone('UTC'))]");
    CHECK("{{ none | ds }}", "None");
    CHECK("{{ logical_date.add(years=1).to_date_string() }} {{ logical_date.to_datetime_string() }}",
          "2025-01-02 2024-01-02 00:00:00");
    CHECK("{{ frac }} {{ frac.isoformat() }} {{ frac | ts }}",
          "2024-01-02 00:00:00.000250+00:00 2024-01-02T00:00:00.000250+00:00 2024-01-02T00:00:00.000250+00:00");
    CHECK("{{ {'at': logical_date} | tojson }}", "{\"at\": \"2024-01-02T00:00:00+00:00\"}");
    CHECK("{{ logical_date - macros.timedelta(days=1) }}", "2024-01-01 00:00:00+00:00");
    CHECK("{{ (logical_date + macros.timedelta(hours=36)).isoformat() }}", "2024-01-03T12:00:00+00:00");
    CHECK("{{ macros.timedelta(hours=-1) }}|{{ macros.timedelta(days=2, seconds=1.5) }}|"
          "{{ macros.timedelta(minutes=90) }}", "-1 day, 23:00:00|2 days, 0:00:01.500000|1:30:00");
    CHECK("{{ gap + macros.timedelta(days=1) }}", "2024-03-31 03:30:00+02:00");
    CHECK("{{ macros.timedelta(1) + macros.timedelta(hours=1) }} {{ macros.timedelta(1).total_seconds() }}",
          "1 day, 1:00:00 86400.0");
    /* a date-time minus a date-time: pendulum's Interval (expected values from pendulum 3.3) */
    CHECK("{{ data_interval_end - logical_date }}",
          "<Interval [2024-01-02 00:00:00+00:00 -> 2024-01-03 00:00:00+00:00]>");
    CHECK("{{ (data_interval_end - logical_date).total_seconds() }} {{ (data_interval_end - logical_date).in_hours() }}"
          " {{ (data_interval_end - logical_date).in_days() }} {{ (logical_date - data_interval_end).in_hours() }}"
          " {{ (logical_date - data_interval_end).total_seconds() }}", "86400.0 24 1 -24 -86400.0");
    CHECK("{{ gap - logical_date }} {{ (gap - logical_date).in_weeks() }}",
          "<Interval [2024-01-02 00:00:00+00:00 -> 2024-03-30 02:30:00+01:00]> 12");
    CHECK("{{ data_interval_end - logical_date > macros.timedelta(hours=23) }}", "True");
    RTERR("{{ macros.timedelta(1).in_hours() }}", 23, "'timedelta' object has no attribute 'in_hours'");
    RTERR("{{ logical_date * 2 }}", 3, "unsupported operand type(s) for *: 'DateTime' and 'int'");
    RTERR("{{ logical_date + macros.timedelta(days=9000000) }}", 3, "date value out of range");
    RTERR("{{ logical_date.add(years=8000) }}", 3, "add(): year 10024 is out of range");
    RTERR("{{ logical_date.add(hours=100000000) }}", 3, "add(): hours out of range");
    RTERR("{{ macros.timedelta(eons=1) }}", 3, "timedelta() got an unexpected keyword argument 'eons'");
    RTERR("{{ logical_date.in_timezone('Mars/Base') }}", 3,
          "time zone 'Mars/Base' is not compiled into this executable (bizc compiles the zones of "
          "start_date and of in_timezone('...') literals)");
    RTERR("{{ logical_date.add(weeks=1.5) }}", 3, "add(): weeks must be an integer");
    RTERR("{{ logical_date.add(eons=1) }}", 3, "add() got an unexpected keyword argument 'eons'");
    RTERR("{{ ds | ds }}", 3, "the ds filter takes a date-time (logical_date, data_interval_start ...), not str");
    RTERR("{{ logical_date.strftime('%Q') }}", 3, "strftime: unsupported directive '%Q'");
}

static void test_tojson(void)
{
    CHECK("{{ data | tojson }}", "{\"a\": 1, \"b\": [true, null]}");
    CHECK("{{ {'b': 1, 'a': '\xc3\xa9\"'} | tojson }}", "{\"a\": \"\\u00e9\\\"\", \"b\": 1}");
    CHECK("{{ 2.0 | tojson }} {{ 'x' | tojson }} {{ none | tojson }}", "2.0 \"x\" null");
    /* Jinja's htmlsafe_json_dumps */
    CHECK("{{ '<a>&\\n\\'' | tojson }}", "\"\\u003ca\\u003e\\u0026\\n\\u0027\"");
    CHECK("{{ {'b': [1, {}], 'a': []} | tojson(indent=2) }}",
          "{\n  \"a\": [],\n  \"b\": [\n    1,\n    {}\n  ]\n}");
    CHECK("{{ [1] | tojson(0) }}", "[\n1\n]");
    CHECK("{{ dag_run.conf | tojson }}",
          "{\"list\": [1, 2, 3], \"n\": 3, \"name\": \"bob\", \"nested\": {\"a\": [true, null]}, \"num_str\": \"12\"}");
}

static void test_int_float(void)
{
    CHECK("{{ '42' | int + 1 }} {{ '3.7' | int }} {{ 'abc' | int }} {{ 'abc' | int(7) }}", "43 3 0 7");
    CHECK("{{ '0x1A' | int(0, 16) }} {{ ' 12 ' | int }} {{ 3.9 | int }} {{ -3.9 | int }} {{ true | int }}",
          "26 12 3 -3 1");
    CHECK("{{ 3 | float }} {{ '2.5' | float }} {{ 'x' | float }} {{ '1e3' | float }}", "3.0 2.5 0.0 1000.0");
    CHECK("{{ dag_run.conf.num_str | int * 2 }}", "24");
}

static void test_string_filters(void)
{
    CHECK("{{ 12 | string ~ 'x' }}", "12x");
    CHECK("{{ s | upper }} {{ s | lower }}", "HELLO WORLD hello world");
    CHECK("{{ 'hELLO wORLD' | capitalize }}", "Hello world");
    CHECK("{{ \"hello big-world o'neil\" | title }}", "Hello Big-World O'neil");
    CHECK("{{ '  x  ' | trim }}|{{ '--x--' | trim('-') }}", "x|x");
    CHECK("{{ 'aaa' | replace('a', 'b') }} {{ 'aaa' | replace('a', 'b', 2) }}", "bbb bba");
    CHECK("{{ none | string }} {{ [1] | string }}", "None [1]");
}

static void test_length(void)
{
    CHECK("{{ [1, 2, 3] | length }} {{ '\xc3\xa9t\xc3\xa9' | length }} {{ data | count }}", "3 3 2");
}

static void test_join(void)
{
    CHECK("{{ [1, 2, 'x'] | join(',') }} {{ ['a', 'b'] | join }}", "1,2,x ab");
    CHECK("{{ users | join(', ', attribute='name') }}", "b, a");
}

static void test_first_last_list(void)
{
    CHECK("{{ [4, 5, 6] | first }} {{ [4, 5, 6] | last }} {{ 'abc' | list }}", "4 6 ['a', 'b', 'c']");
    CHECK("{{ data | list }} {{ 'ab' | first }}", "['a', 'b'] a");
    CHECK("{{ [1, 2] | reverse }} {{ 'abc' | reverse }}", "[2, 1] cba");
}

static void test_abs_round(void)
{
    CHECK("{{ -3 | abs }} {{ -2.5 | abs }}", "3 2.5");
    CHECK("{{ 2.5 | round }} {{ 3.5 | round }} {{ 2.675 | round(2) }} {{ 7 | round }}", "2.0 4.0 2.67 7");
    CHECK("{{ 2.1 | round(0, 'ceil') }} {{ 2.9 | round(method='floor') }} {{ 1.2345 | round(2) }}", "3.0 2.0 1.23");
}

static void test_min_max_sum(void)
{
    CHECK("{{ [3, 1, 2] | min }} {{ [3, 1, 2] | max }} {{ [1, 2, 3] | sum }} {{ [1, 2.5] | sum }}", "1 3 6 3.5");
    CHECK("{{ ['b', 'A', 'c'] | max }} {{ ['b', 'A', 'c'] | min }}", "c A");
    CHECK("{{ users | sum(attribute='age') }} {{ (users | max(attribute='age')).name }}", "50 b");
}

static void test_sort_unique(void)
{
    CHECK("{{ [3, 1, 2] | sort }} {{ [3, 1, 2] | sort(reverse=true) }}", "[1, 2, 3] [3, 2, 1]");
    CHECK("{{ ['b', 'A', 'a'] | unique | list }}", "['b', 'A']");
    CHECK("{{ users | sort(attribute='age') | map(attribute='name') | join }}", "ab");
    CHECK("{{ ['b', 'a', 'C'] | sort }}", "['a', 'b', 'C']");
}

static void test_map(void)
{
    CHECK("{{ users | map(attribute='name') | list }}", "['b', 'a']");
    CHECK("{{ ['a', 'b'] | map('upper') | join }}", "AB");
    CHECK("{{ ['1', '2'] | map('int') | sum }}", "3");
}

static void test_items_urlencode(void)
{
    CHECK("{{ {'a': 1} | items | list }}", "[('a', 1)]");
    CHECK("{{ 'a b/c&d' | urlencode }} {{ {'q': 'x y', 'n': 1} | urlencode }}", "a%20b/c%26d q=x+y&n=1");
}

/* ---- methods ---------------------------------------------------------------- */

static void test_str_methods(void)
{
    CHECK("{{ s.upper() }} {{ s.lower() }} [{{ '  x '.strip() }}]", "HELLO WORLD hello world [x]");
    CHECK("{{ 'a,b,c'.split(',') }} {{ 'a b  c'.split() }} {{ 'a,b,c'.split(',', 1) }}",
          "['a', 'b', 'c'] ['a', 'b', 'c'] ['a', 'b,c']");
    CHECK("{{ s.startswith('He') }} {{ s.endswith('x') }} {{ s.startswith(('x', 'H')) }}", "True False True");
    CHECK("{{ s.replace('World', 'There') }} {{ 'xxlxx'.lstrip('x') }} {{ 'hello world'.title() }}",
          "Hello There lxx Hello World");
    CHECK("{{ '-'.join(['a', 'b']) }} {{ 'banana'.count('an') }} {{ 'banana'.find('n') }}", "a-b 2 2");
}

static void test_str_format(void)
{
    CHECK("{{ '{} is {}'.format('x', 1) }} {{ '{name}!'.format(name='n') }} {{ '{1}{0}{{}}'.format('a', 'b') }}",
          "x is 1 n! ba{}");
    /* base/pyformat does the formatting (tests/shared/pyformat_cases.txt
     * checks it against Python); here what is the template engine's own:
     * its values, Jinja's sandbox lookups, '%', the format filter */
    CHECK("{{ '{:03d}|{:>6.2f}|{!r}'.format(5, f, s) }}", "005|  1.50|'Hello World'");
    CHECK("{{ '{0[a]}-{0.a}-{0[b][0]}'.format(data) }}|{{ '{0.conf.name}'.format(dag_run) }}", "1-1-True|bob");
    CHECK("{{ '{0.year}-{0.month:02d}'.format(logical_date) }}", "2024-01");
    CHECK("{{ '{}'.format(logical_date) }}|{{ '%s' % (logical_date,) }}", "2024-01-02 00:00:00+00:00|"
          "2024-01-02 00:00:00+00:00");
    CHECK("{{ '%s-%03d' % ('a', 7) }}|{{ '%(name)s' % dag_run.conf }}|{{ '%.1f%%' % 99.5 }}", "a-007|bob|99.5%");
    CHECK("{{ '%s and %s' | format('x', 2) }}|{{ '%(k)s' | format(k='v') }}|{{ '%d' | format(big) }}",
          "x and 2|v|100000000000000000000");
    RTERR("{{ '{0.x}'.format(data) }}", 3, "UndefinedError: 'dict object' has no attribute 'x'");
    RTERR("{{ '{:d}'.format('x') }}", 3, "ValueError: Unknown format code 'd' for object of type 'str'");
    RTERR("{{ '%d' % 'x' }}", 3, "TypeError: %d format: a real number is required, not str");
    RTERR("{{ '%(z)s' % data }}", 3, "KeyError: 'z'");
    RTERR("{{ '%s' | format(1, k=2) }}", 3,
          "FilterArgumentError: can't handle positional and keyword arguments at the same time");
    RTERR("{{ '{:99999999}'.format(1) }}", 3, "template work limit: string size (16 MiB)");
}

/* ---- statements --------------------------------------------------------------- */

static void test_if(void)
{
    CHECK("{% if dag_run.conf.n > 5 %}big{% elif dag_run.conf.n > 2 %}mid{% else %}small{% endif %}", "mid");
    CHECK("{% if true %}a{% endif %}{% if false %}b{% endif %}", "a");
    CHECK("{% if 0 %}x{% elif 0 %}y{% endif %}.", ".");
    CHECK("{% if 1 %}{% if 0 %}a{% else %}b{% endif %}{% endif %}", "b");
}

static void test_for_loop(void)
{
    CHECK("{% for x in [1, 2, 3] %}{{ loop.index }}:{{ x }}{% if not loop.last %},{% endif %}{% endfor %}",
          "1:1,2:2,3:3");
    CHECK("{% for x in 'ab' %}{{ loop.first }}{{ loop.index0 }}{{ loop.revindex }}{% endfor %}", "True02False11");
    CHECK("{% for k in data %}{{ k }}{% endfor %}", "ab");
    CHECK("{% for k, v in data.items() %}{{ k }}={{ v }};{% endfor %}", "a=1;b=[True, None];");
    CHECK("{% for u in users %}{{ u.name }}{{ loop.length }}{% endfor %}", "b2a2");
}

static void test_for_else_filter(void)
{
    CHECK("{% for x in [] %}x{% else %}empty{% endfor %}", "empty");
    CHECK("{% for x in range(10) if x is even %}{{ x }}{% endfor %}", "02468");
    CHECK("{% for x in range(5) if x > 2 %}{{ loop.length }}{% endfor %}", "22");
    CHECK("{% for x in [1] if x > 5 %}a{% else %}none{% endfor %}", "none");
}

static void test_nested_loops(void)
{
    CHECK("{% for i in [1, 2] %}{% for j in 'ab' %}{{ i }}{{ j }}{{ loop.index }} {% endfor %}{% endfor %}",
          "1a1 1b2 2a1 2b2 ");
}

static void test_set(void)
{
    CHECK("{% set x = 5 %}{{ x * 2 }}", "10");
    CHECK("{% set a, b = 1, 2 %}{{ a }}{{ b }}", "12");
    CHECK("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}", "21");
    CHECK("{% set ds = 'mine' %}{{ ds }}", "mine");
    CHECK("{% set l = [1, 2] + [3] %}{{ l | length }}", "3");
}

static void test_range_slices(void)
{
    CHECK("{{ range(3) | list }} {{ range(1, 10, 3) | list }} {{ range(3, 0, -1) | list }}",
          "[0, 1, 2] [1, 4, 7] [3, 2, 1]");
    CHECK("{{ [1, 2, 3, 4][1:3] }} {{ 'hello'[::-1] }} {{ [1, 2, 3][-2:] }} {{ 'abc'[:1] }}",
          "[2, 3] olleh [2, 3] a");
    CHECK("{{ dict(a=1, b='x') }}", "{'a': 1, 'b': 'x'}");
}

/* ---- whitespace, comments, raw ------------------------------------------------ */

static void test_whitespace_control(void)
{
    CHECK("a  {{- 1 -}}  b", "a1b");
    CHECK("{% if true -%}\n  x\n{%- endif %}", "x");
    CHECK("a\n{%- for i in [1, 2] %}\n{{ i }}{% endfor -%}\n\nb", "a\n1\n2b");
    CHECK("a {{ 1 }} b", "a 1 b");
    CHECK("{{ 5 -}} x", "5x");
}

static void test_comments(void)
{
    CHECK("a{# comment {{ x }} #}b", "ab");
    CHECK("a  {#- c -#}  y", "ay");
    CHECK("{# only #}", "");
}

static void test_newlines(void)
{
    CHECK("x\n", "x");
    CHECK("x\n\n", "x\n");
    CHECK("a\r\nb", "a\nb");
    CHECK("{{ 1 }}\n", "1");
}

static void test_raw(void)
{
    CHECK("{% raw %}{{ x }}{% endraw %}", "{{ x }}");
    CHECK("a{% raw -%}  {% if %} {%- endraw %}b", "a{% if %}b");
}

/* ---- the Airflow context ------------------------------------------------------------ */

static void test_xcom_pull(void)
{
    CHECK("{{ ti.xcom_pull(task_ids='a') }}", "{'x': 1}");
    CHECK("{{ ti.xcom_pull('b') }}", "42");
    CHECK("{{ ti.xcom_pull(task_ids='c') }}", "None");
    CHECK("{{ ti.xcom_pull(task_ids=['a', 'c', 'b']) }}", "[{'x': 1}, 42]");
    CHECK("{{ ti.xcom_pull(task_ids=('c',)) }}", "[]");
    CHECK("{{ ti.xcom_pull(task_ids='a', key='other') }}", "o");
    CHECK("{{ task_instance.xcom_pull(task_ids='a', dag_id='d', include_prior_dates=true)['x'] }}", "1");
    CHECK("{{ ti.xcom_pull(task_ids='a').x + 1 }}", "2");
    CHECK("{{ ti.xcom_pull(task_ids='c', default='dd') }}", "dd");
}

static void test_xcom_no_callback(void)
{
    biz_tpl_env e = env;
    biz_tpl_error err;
    e.xcom_pull = NULL;
    biz_tpl *t = biz_tpl_parse("{{ ti.xcom_pull(task_ids='a') }}", 32, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    char *s = biz_tpl_render(t, &e, &err);
    CU_ASSERT_STRING_EQUAL(s, "None");
    free(s);
    biz_tpl_free(t);
}

static void test_ti_attrs(void)
{
    CHECK("{{ ti.task_id }} {{ ti.try_number }} {{ ti.dag_id }} {{ task_instance.run_id }}", "t1 2 d1 manual__1");
    CHECK("{{ ti }}", "<TaskInstance: d1.t1 manual__1 [running]>");
}

static void test_var(void)
{
    CHECK("{{ var.value.foo }} {{ var.value.FOO }}", "bar bar");
    CHECK("{{ var.value.get('missing', 'dflt') }} {{ var.value.get('foo') }} {{ var.value.get('missing') }}",
          "dflt bar None");
    CHECK("{{ var.json.cfg.k[1] }} {{ var.json.get('cfg')['s'] }}", "2 x");
    CHECK("{{ var.value.missing | default('m') }} {{ var.value.missing is defined }}", "m False");
    CHECK("{{ var.value['foo'] }}", "bar");
}

static void test_conn(void)
{
    CHECK("{{ conn.my_http.host }} {{ conn.my_http.login }} {{ conn.my_http.password }} {{ conn.my_http.port }}",
          "example.com user p@ss 8443");
    CHECK("{{ conn.my_http.schema }} {{ conn.my_http.extra_dejson.timeout }} {{ conn.my_http.conn_type }}",
          "api 5 https");
    CHECK("{{ conn.plain.port }} {{ conn.plain.login }} {{ conn.plain }}", "None None plain");
    CHECK("{{ conn.nope is defined }}", "False");
}

static void test_macros(void)
{
    CHECK("{{ macros.ds_add('2024-01-31', 1) }} {{ macros.ds_add(ds, -2) }}", "2024-02-01 2023-12-31");
    CHECK("{{ macros.ds_add('2024-02-28', 1) }} {{ macros.ds_add('2023-02-28', 1) }}", "2024-02-29 2023-03-01");
    CHECK("{{ macros.ds_format('2024-01-02', '%Y-%m-%d', '%d/%m/%Y') }}", "02/01/2024");
    CHECK("{{ macros.ds_format(ds_nodash, '%Y%m%d', '%A %j') }}", "Tuesday 002");
}

/* ---- native rendering ------------------------------------------------------- */

static void test_native_single(void)
{
    NATIVE("{{ data }}", "dict:{'a': 1, 'b': [True, None]}");
    NATIVE("{{ dag_run.conf.list }}", "list:[1, 2, 3]");
    NATIVE("{{ 4 / 2 }}", "float:2.0");
    NATIVE("{{ 3 }}", "int:3");
    NATIVE("{{ none }}", "none:None");
    NATIVE("{{ true }}", "bool:True");
    NATIVE("{{ ti.xcom_pull(task_ids='a') }}", "dict:{'x': 1}");
}

static void test_native_concat(void)
{
    NATIVE("{{ 1 }}{{ 2 }}", "int:12");
    NATIVE("x{{ 1 }}", "str:x1");
    NATIVE("[1, {{ 2 }}]", "list:[1, 2]");
    NATIVE("{{ 'a' }}{{ 'b' }}", "str:ab");
    NATIVE("{{ 1 }} ", "int:1");
    NATIVE(" {{ 1 }}", "str: 1");
    NATIVE("{{ 1 }}.5", "float:1.5");
}

static void test_native_literal_eval(void)
{
    NATIVE("{{ '12' }}", "int:12");
    NATIVE("{{ dag_run.conf.num_str }}", "int:12");
    NATIVE("{{ 'abc' }}", "str:abc");
    NATIVE("True", "bool:True");
    NATIVE("None", "none:None");
    NATIVE("", "none:None");
    NATIVE("{{ [1, 'x'] | tojson }}", "list:[1, 'x']");
    NATIVE("{'a': (1, 2), \"b\": -3.5e0}", "dict:{'a': (1, 2), 'b': -3.5}");
    NATIVE("1, 2", "list:(1, 2)");
    NATIVE("012", "str:012");
    NATIVE("0x10", "int:16");
    NATIVE("'a' 'b'", "str:ab");
    NATIVE("[1, 2", "str:[1, 2");
    NATIVE("{1, 2}", "str:{1, 2}");
}

/* ---- render_value ---------------------------------------------------------- */

static void test_render_value_text(void)
{
    cJSON *v = cJSON_Parse("{\"a\": \"{{ ds }}\", \"b\": [\"x{{ 1 + 1 }}\", 5, {\"c\": \"{{ dag_run.conf.n }}\"}],"
                           " \"k{{x}}\": \"plain\", \"t\": true}");
    biz_tpl_error err;
    char *where = NULL;
    cJSON *r = biz_tpl_render_value(v, 0, &env, &err, &where);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    char *s = biz_tpl_str(r);
    CU_ASSERT_STRING_EQUAL(s, "{'a': '2024-01-02', 'b': ['x2', 5, {'c': '3'}], 'k{{x}}': 'plain', 't': True}");
    CU_ASSERT_PTR_NULL(where);
    free(s);
    cJSON_Delete(r);
    cJSON_Delete(v);
}

static void test_render_value_native(void)
{
    cJSON *v = cJSON_Parse("{\"a\": \"{{ ds }}\", \"b\": [\"{{ 1 + 1 }}\", \"{{ data }}\"], \"c\": \"{{ 4 / 2 }}\"}");
    biz_tpl_error err;
    cJSON *r = biz_tpl_render_value(v, 1, &env, &err, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    char *s = biz_tpl_str(r);
    CU_ASSERT_STRING_EQUAL(s, "{'a': '2024-01-02', 'b': [2, {'a': 1, 'b': [True, None]}], 'c': 2.0}");
    free(s);
    cJSON_Delete(r);
    cJSON_Delete(v);
}

static void test_render_value_error(void)
{
    cJSON *v = cJSON_Parse("{\"a\": [\"ok\", \"x {{ nope }}\"]}");
    biz_tpl_error err;
    char *where = NULL;
    cJSON *r = biz_tpl_render_value(v, 0, &env, &err, &where);
    CU_ASSERT_PTR_NULL(r);
    CU_ASSERT_STRING_EQUAL(where, "x {{ nope }}");
    CU_ASSERT_EQUAL(err.offset, 5);
    CU_ASSERT_STRING_EQUAL(err.message, "'nope' is undefined");
    free(where);
    cJSON_Delete(v);
    v = cJSON_Parse("[\"{{ x\"]");
    r = biz_tpl_render_value(v, 1, &env, &err, &where);
    CU_ASSERT_PTR_NULL(r);
    CU_ASSERT_STRING_EQUAL(where, "{{ x");
    CU_ASSERT_EQUAL(err.offset, 0);
    CU_ASSERT_STRING_EQUAL(err.message, "'{{' was never closed");
    free(where);
    cJSON_Delete(v);
}

/* ---- refs ----------------------------------------------------------------------- */

static char refs_out[2048];

static void collect_ref(void *user, const char *kind, const char *value, int offset)
{
    (void)user;
    size_t n = strlen(refs_out);
    snprintf(refs_out + n, sizeof refs_out - n, "%s%s:%s@%d", n ? " " : "", kind, value, offset);
}

static void check_refs_at(const char *tpl, const char *want, int line)
{
    biz_tpl_error err;
    biz_tpl *t = biz_tpl_parse(tpl, strlen(tpl), &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    refs_out[0] = '\0';
    biz_tpl_refs(t, collect_ref, NULL);
    if (strcmp(refs_out, want))
        fprintf(stderr, "\nline %d: refs of [%s]\n  got      [%s]\n  expected [%s]\n", line, tpl, refs_out, want);
    CU_ASSERT_STRING_EQUAL(refs_out, want);
    biz_tpl_free(t);
}
#define REFS(tpl, want) check_refs_at(tpl, want, __LINE__)

static void test_refs_xcom(void)
{
    REFS("{{ ti.xcom_pull(task_ids='extract') }}", "xcom_task:extract@25");
    REFS("{{ ti.xcom_pull(['a', 'b']) }}{{ task_instance.xcom_pull('c', key='k') }}",
          "xcom_task:a@17 xcom_task:b@22 xcom_task:c@57");
}

static void test_refs_var_conn_names(void)
{
    REFS("{{ var.value.foo }} {{ var.json.get('cfg') }} {{ conn.my_http.host }}",
          "var:foo@13 var:cfg@36 conn:my_http@54");
    REFS("{{ params.p }} {% set z = 1 %}{{ z }} {% for i in items %}{{ i }}{{ loop.index }}{% endfor %}",
          "param:p@10 name:items@50");
    REFS("{{ params['q'] }}{{ params.g | default(1) }}{% if params.h is defined %}{% endif %}", "param:q@11");
    REFS("{{ maybe | default(1) }}{% if other is defined %}{{ ds }}{% endif %}", "name:ds@52");
}

/* The one table of names (template_names.c) agrees with itself, with
 * biz_tpl_refs and with the context a run builds (context.c): each name
 * once, Airflow-only names neither provided nor the engine's own, the
 * engine's own names never reported, every other one reported, and every
 * name the run's context holds accepted by bizc. */
static const int names_up[] = { 0 };
static const biz_task_def names_tasks[] = {
    { "a", BIZ_OP_EMPTY, NULL, "{}", NULL, 0, NULL, 0, 1, 1, NULL },
    { "b", BIZ_OP_EMPTY, NULL, "{}", names_up, 1, NULL, 0, 2, 1, NULL },
};
static const biz_dag_def names_dag = {
    "t_names", "t.biz", "00", "test", NULL, "{}", names_tasks, 2, 1, NULL, 0,
};

static void test_names_table(void)
{
    int ncontext = 0;
    for (const biz_tpl_name *n = biz_tpl_names; n->name; n++) {
        for (const biz_tpl_name *m = biz_tpl_names; m < n; m++)
            if (!strcmp(m->name, n->name)) {
                fprintf(stderr, "\n'%s' is in the table twice\n", n->name);
                CU_FAIL("a name twice");
            }
        CU_ASSERT_NOT_EQUAL(n->flags, 0);
        CU_ASSERT_EQUAL(biz_tpl_name_flags(n->name), n->flags);
        if (n->flags & BIZ_TPL_NAME_AIRFLOW_ONLY)
            CU_ASSERT_EQUAL(n->flags, BIZ_TPL_NAME_AIRFLOW_ONLY);
        ncontext += (n->flags & BIZ_TPL_NAME_CONTEXT) != 0;
        /* a bare use is reported unless it is the engine's own (or a word
         * the parser reads as a literal) */
        char tpl[96], want[96];
        snprintf(tpl, sizeof tpl, "{{ %s }}", n->name);
        int word = !strcasecmp(n->name, "true") || !strcasecmp(n->name, "false") || !strcasecmp(n->name, "none");
        if ((n->flags & BIZ_TPL_NAME_GLOBAL) || word)
            want[0] = '\0';
        else
            snprintf(want, sizeof want, "name:%s@3", n->name);
        check_refs_at(tpl, want, __LINE__);
    }
    CU_ASSERT_EQUAL(biz_tpl_name_flags("not_a_name"), 0);
    int n;
    const char *const *names = biz_tpl_context_names(&n);
    CU_ASSERT_EQUAL(n, ncontext);
    CU_ASSERT_PTR_NULL(names[n]);
    CU_ASSERT_STRING_EQUAL(names[0], "ds");
    for (int i = 0; i < n; i++)
        CU_ASSERT(biz_tpl_name_flags(names[i]) & BIZ_TPL_NAME_CONTEXT);

    /* what a run's context holds, bizc accepts */
    char err[256];
    biz_run *run = biz_run_new(&names_dag, NULL, 1704067200, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(run);
    CU_ASSERT_EQUAL_FATAL(biz_ctx_build(run), 0);
    const cJSON *item;
    cJSON_ArrayForEach(item, run->context) {
        if (!(biz_tpl_name_flags(item->string) & BIZ_TPL_NAME_CONTEXT)) {
            fprintf(stderr, "\nthe run's context has '%s', not in the table\n", item->string);
            CU_FAIL("a context name bizc rejects");
        }
    }
    biz_run_free(run);
}

/* ---- parse errors ------------------------------------------------------------------- */

static void test_perr_unclosed_var(void)
{
    PERR("{{ x", 0, "'{{' was never closed");
    PERR("ab {{- x | default(1", 18, "'(' was never closed");
    PERR("{{ [{'a': 1}", 3, "'[' was never closed");
    PERR("ab {{ x y }}", 8, "expected '}}' to close '{{' at offset 3, got 'y'");
    PERR("{{ x %}", 5, "expected '}}' to close '{{' at offset 0, got '%}'");
    PERR("{{ x % }", 7, "unexpected '}'");
}

static void test_perr_expression(void)
{
    PERR("ab {{ }}", 6, "expected an expression, got '}}'");
    PERR("{{ 1 + }}", 7, "expected an expression, got '}}'");
    PERR("{% if %}", 6, "expected an expression, got '%}'");
    PERR("{{ [1, 2 }}", 9, "unexpected '}', expected ']'");
    PERR("{{ x. }}", 6, "expected an attribute name after '.', got '}}'");
    PERR("{{ f(a=1, 2) }}", 3, "unknown function 'f'");
    PERR("{{ 'x'.get(a=1, 2) }}", 16, "positional argument follows keyword argument");
}

static void test_perr_brackets(void)
{
    PERR("{{ ) }}", 3, "unexpected ')'");
    PERR("{{ x } }}", 5, "unexpected '}'");
    PERR("{{ (1 }}", 6, "unexpected '}', expected ')'");
    PERR("{{ (1, 2 ]", 9, "unexpected ']', expected ')'");
}

static void test_perr_lexical(void)
{
    PERR("{{ 'abc }}", 3, "unterminated string");
    PERR("{{ 1 + $ }}", 7, "unexpected character '$'");
    PERR("xx {# abc", 3, "unclosed comment: expected '#}' to close '{#' at offset 3");
    PERR("{% raw %}abc", 0, "unclosed '{% raw %}': expected '{% endraw %}'");
    PERR("{{ '\\x4' }}", 3, "bad escape in string: a \\x, \\u or \\U escape without all its hex digits");
    PERR("{{ '\\ud800' }}", 3, "bad escape in string: an escape for no character (a surrogate, or past U+10FFFF)");
    PERR("{{ 'a\\N{DEGREE SIGN}' }}", 3, "bad escape in string: \\N{...} escapes are not supported (write the "
         "character, or \\u with its code point)");
}

static void test_perr_filters_tests(void)
{
    PERR("{{ x | tojsn }}", 7, "unknown filter 'tojsn' (did you mean 'tojson'?)");
    PERR("{{ x | frobnicate }}", 7, "unknown filter 'frobnicate'");
    PERR("{{ x | }}", 7, "expected a filter name after '|', got '}}'");
    PERR("{{ x is defind }}", 8, "unknown test 'defind' (did you mean 'defined'?)");
    PERR("{{ ti.xcom_pul(task_ids='a') }}", 6, "unknown method 'xcom_pul' (did you mean 'xcom_pull'?)");
    PERR("{{ foo(1) }}", 3, "unknown function 'foo'");
}

static void test_perr_blocks(void)
{
    PERR("{% if x %}abc", 0, "unclosed '{% if %}': expected '{% endif %}' before the end of the template");
    PERR("a{% for x in y %}", 1, "unclosed '{% for %}': expected '{% endfor %}' before the end of the template");
    PERR("{% if x %}{% for y in z %}{% endif %}", 26,
         "unexpected '{% endif %}': expected '{% endfor %}' to close '{% for %}' at offset 10");
    PERR("{% endif %}", 0, "unexpected '{% endif %}' with no open '{% if %}'");
    PERR("{% endfor %}", 0, "unexpected '{% endfor %}' with no open '{% for %}'");
    PERR("{% if x %}{% else %}{% else %}{% endif %}", 20,
         "unexpected '{% else %}': expected '{% endif %}' to close '{% if %}' at offset 0");
    PERR("{% if x }}", 8, "expected '%}' to close '{%' at offset 0, got '}}'");
    PERR("x {% if x", 2, "'{%' was never closed");
    PERR("{% if x y %}{% endif %}", 8, "expected '%}' to close '{%' at offset 0, got 'y'");
}

static void test_perr_statements(void)
{
    PERR("{% macro m() %}{% endmacro %}", 0, "'{% macro %}' is not supported");
    PERR("{% include 'x' %}", 0, "'{% include %}' is not supported");
    PERR("{% extends 'x' %}", 0, "'{% extends %}' is not supported");
    PERR("{% foo %}", 3, "unknown statement 'foo' (did you mean 'for'?)");
    PERR("{% frobnicate %}", 3, "unknown statement 'frobnicate'");
    PERR("{% fi x %}", 3, "unknown statement 'fi' (did you mean 'if'?)");
    PERR("{% set x %}", 9, "'{% set %}' blocks are not supported: expected '='");
    PERR("{% for x of y %}{% endfor %}", 9, "expected 'in', got 'of'");
    PERR("{% %}", 3, "expected a statement name after '{%', got '%}'");
}

static void test_is_template(void)
{
    CU_ASSERT_TRUE(biz_tpl_is_template("a {{ b }}", 9));
    CU_ASSERT_TRUE(biz_tpl_is_template("{% if %}", 8));
    CU_ASSERT_TRUE(biz_tpl_is_template("{#", 2));
    CU_ASSERT_FALSE(biz_tpl_is_template("{ {", 3));
    CU_ASSERT_FALSE(biz_tpl_is_template("{{", 1));
    CU_ASSERT_FALSE(biz_tpl_is_template("", 0));
}

/* ---- run-time errors ------------------------------------------------------------- */

static void test_rterr_undefined(void)
{
    RTERR("x {{ nope }}", 5, "'nope' is undefined");
    RTERR("{{ data.c }}", 3, "'data' has no attribute 'c'");
    RTERR("{{ dag_run.confs.x }}", 3, "'dag_run' has no attribute 'confs'");
    RTERR("{{ dag_run.conf['x'] }}", 3, "key 'x' not found in dag_run.conf (give the run's conf with --conf '{...}')");
    /* A parenthesized expression is quoted without its parentheses. */
    RTERR("{{ (dag_run.conf)['x'] }}", 4, "key 'x' not found in dag_run.conf (give the run's conf with --conf '{...}')");
    RTERR("{{ [1][5] }}", 3, "index 5 out of range for [1]");
    RTERR("{% if nope %}{% endif %}", 6, "'nope' is undefined");
    RTERR("{{ nope | upper }}", 3, "'nope' is undefined");
    RTERR("{{ 1 if false }}", 3, "the inline if-expression evaluated to false and no else section was defined");
}

static void test_rterr_types(void)
{
    RTERR("{{ 1 / 0 }}", 3, "division by zero");
    RTERR("{{ 1 // 0 }}", 3, "integer division or modulo by zero");
    RTERR("{{ 'a' + 1 }}", 3, "unsupported operand type(s) for +: 'str' and 'int'");
    RTERR("{{ 1 < 'a' }}", 3, "'<' not supported between instances of 'int' and 'str'");
    RTERR("{% for x in 5 %}{% endfor %}", 12, "'int' object is not iterable");
    RTERR("{{ 1 in 5 }}", 3, "argument of type 'int' is not iterable");
    RTERR("{{ 5.upper() }}", 5, "'int' object has no attribute 'upper'");
    RTERR("{{ [] | first }}", 3, "No first item, sequence was empty.");
    RTERR("{{ 5 | length }}", 3, "object of type 'int' has no len()");
    RTERR("{% set a, b = [1] %}", 7, "not enough values to unpack (expected 2, got 1)");
}

static void test_rterr_context(void)
{
    RTERR("{{ var.value.missing }}", 3, "Variable missing does not exist (AIRFLOW_VAR_MISSING is not set)");
    RTERR("{{ var.json.badjson }}", 3, "Variable badjson does not hold valid JSON");
    RTERR("{{ conn.nope.host }}", 3, "The conn_id `nope` isn't defined");
    RTERR("{{ ti.xcom_pull() }}", 3, "xcom_pull() needs task_ids");
    RTERR("{{ ti.xcom_pull(task_ids=1) }}", 3, "xcom_pull(): task_ids must be a string or a list of strings");
    RTERR("{{ ti.xcom_pull(task_ids='a', bogus=1) }}", 30, "xcom_pull() got an unexpected keyword argument 'bogus'");
    RTERR("{{ macros.ds_add('2024-13-01', 1) }}", 17, "time data '2024-13-01' does not match format '%Y-%m-%d'");
    RTERR("{{ ti.foo }}", 3, "'ti' has no attribute 'foo'");
    RTERR("{{ var }}", 3, "'var' cannot be used as a value");
}

static void test_rterr_filters(void)
{
    RTERR("{{ x | tojson(indent=2) }}", 3, "'x' is undefined");
    RTERR("{{ 1 | tojson(indent='x') }}", 3, "tojson(indent): indent must be an integer from 0 to 64");
    RTERR("{{ 'a' | replace('a') }}", 3, "filter 'replace' needs the old and the new string");
    RTERR("{{ 1 | round(1, 2, 3) }}", 3, "filter 'round' takes at most 2 arguments");
    RTERR("{{ 1 | default(bogus=1) }}", 15, "filter 'default' got an unexpected keyword argument 'bogus'");
    RTERR("{{ [1, 'a'] | sort }}", 3, "'<' not supported between instances of 'str' and 'int'");
    RTERR("{{ '{}'.format() }}", 3, "IndexError: Replacement index 0 out of range for positional args tuple");
}

/* ---- no crash on any input -------------------------------------------------- */

static const char *const corpus[] = {
    "{{ ds }} {{ dag_run.conf.name | upper }} {{ ti.xcom_pull(task_ids=['a', 'b']) | tojson }}",
    "{% for k, v in data.items() if k != 'z' %}{{ loop.index }}{{ k }}={{ v }}{% else %}e{% endfor %}",
    "{% if x is defined and (1 + 2) * 3 > 4 %}a{% elif not y %}b{% else %}{{ 'c' ~ z | default('q') }}{% endif %}",
    "{%- set a, b = [1, {'k': (2, 3.5e-1)}] -%} {{- a if b else none -}} {# c #} {% raw %}{{{% endraw %}",
    "{{ var.value.get('foo', 'd') }}{{ var.json.cfg.k[0:1] }}{{ conn.my_http.host }}{{ macros.ds_add(ds, 1) }}",
    "{{ 'a\\'b\\n\\u00e9' * 2 }}{{ [1, 2][::-1] }}{{ 7 // 2 ** 3 % 4 }}{{ -x.y[0].z('q', k=1) }}",
    "{{ 1 is divisibleby 3 }}{{ s.split(',') | map('trim') | join('-') }}{{ users | sort(attribute='age') }}",
};

static void run_any(const char *s, size_t n)
{
    biz_tpl_error err;
    biz_tpl *t = biz_tpl_parse(s, n, &err);
    if (!t) {
        CU_ASSERT_TRUE(err.offset >= -1 && err.offset <= (int)n);
        CU_ASSERT_TRUE(err.message[0] != '\0');
        return;
    }
    char *r = biz_tpl_render(t, &env, &err);
    free(r);
    cJSON *v = biz_tpl_render_native(t, &env, &err);
    cJSON_Delete(v);
    refs_out[0] = '\0';
    biz_tpl_refs(t, collect_ref, NULL);
    refs_out[0] = '\0';
    biz_tpl_free(t);
}

static void test_fuzz_prefixes(void)
{
    for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
        size_t len = strlen(corpus[i]);
        for (size_t k = 0; k <= len; k++) {
            char *copy = malloc(k + 1); /* an exact-size copy, so ASan sees overreads */
            memcpy(copy, corpus[i], k);
            copy[k] = '\0';
            run_any(copy, k);
            free(copy);
        }
    }
}

static void test_fuzz_mutations(void)
{
    static const char alphabet[] = "{}%#-+*/()[]'\",.:|~=<>! \n\\abxyz019_";
    unsigned seed = 12345;
    for (int round = 0; round < 20000; round++) {
        const char *base = corpus[round % (sizeof corpus / sizeof corpus[0])];
        size_t len = strlen(base);
        char *s = malloc(len + 1);
        memcpy(s, base, len + 1);
        int edits = 1 + round % 4;
        for (int e = 0; e < edits; e++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            s[at] = alphabet[(seed >> 8) % (sizeof alphabet - 1)];
        }
        run_any(s, len);
        free(s);
    }
    for (int round = 0; round < 5000; round++) { /* pure noise */
        char s[64];
        size_t len = 0;
        seed = seed * 1103515245u + 12345u;
        size_t want = (seed >> 8) % sizeof s;
        while (len < want) {
            seed = seed * 1103515245u + 12345u;
            s[len++] = alphabet[(seed >> 8) % (sizeof alphabet - 1)];
        }
        char *copy = malloc(len ? len : 1);
        memcpy(copy, s, len);
        run_any(copy, len);
        free(copy);
    }
}

static void test_deep_nesting(void)
{
    char buf[5000];
    size_t k = 0;
    k += (size_t)snprintf(buf, sizeof buf, "{{ ");
    for (int i = 0; i < 1000; i++)
        buf[k++] = '(';
    buf[k++] = '1';
    for (int i = 0; i < 1000; i++)
        buf[k++] = ')';
    memcpy(buf + k, " }}", 4);
    run_any(buf, strlen(buf));
    k = 0;
    for (int i = 0; i < 1200 && k + 10 < sizeof buf; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "{%%if 1%%}");
    run_any(buf, k);
    k = (size_t)snprintf(buf, sizeof buf, "{{ ");
    for (int i = 0; i < 1200 && k + 8 < sizeof buf; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "not -");
    memcpy(buf + k, "1 }}", 5);
    run_any(buf, strlen(buf));
    CU_PASS("no crash");
}

/* ---- work limits ------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* How long a render that hits a limit may take: about a second here,
 * up to 35 s under ASan here (its malloc and checks are slow). */
#if defined(__SANITIZE_ADDRESS__)
#define LIMIT_SECONDS 120
#else
#define LIMIT_SECONDS 10
#endif

/* tpl fails to render, in text and in native mode, with message msg, and
 * quickly: a limit that only stops a render after minutes is none. */
static void check_limit_at(const biz_tpl_env *e, const char *tpl, const char *msg, int line)
{
    biz_tpl_error err;
    biz_tpl *t = biz_tpl_parse(tpl, strlen(tpl), &err);
    if (!t) {
        fprintf(stderr, "\nline %d: parse of [%s] failed at %d: %s\n", line, tpl, err.offset, err.message);
        CU_FAIL("parse failed");
        return;
    }
    for (int native = 0; native < 2; native++) {
        double t0 = now_s();
        char *got = NULL;
        cJSON *v = NULL;
        if (native)
            v = biz_tpl_render_native(t, e, &err);
        else
            got = biz_tpl_render(t, e, &err);
        double dt = now_s() - t0;
        if (got || v) {
            fprintf(stderr, "\nline %d: [%.60s] rendered, expected [%s]\n", line, tpl, msg);
            CU_FAIL("no error");
        } else if (strcmp(err.message, msg)) {
            fprintf(stderr, "\nline %d: [%.60s]\n  got      %s\n  expected %s\n", line, tpl, err.message, msg);
            CU_FAIL("wrong message");
        }
        if (getenv("TPL_TIMES"))
            fprintf(stderr, "line %d native %d: %.3f s\n", line, native, dt);
        if (dt > LIMIT_SECONDS) {
            fprintf(stderr, "\nline %d: [%.60s] took %.1f s\n", line, tpl, dt);
            CU_FAIL("limit too slow");
        }
        free(got);
        cJSON_Delete(v);
    }
    biz_tpl_free(t);
}
#define LIMIT(tpl, msg) check_limit_at(&env, tpl, msg, __LINE__)

#define L_STR "template work limit: string size (16 MiB)"
#define L_ITEMS "template work limit: list size (1000000 items)"
#define L_ITER "template work limit: loop iterations (1000000)"
#define L_STEPS "template work limit: evaluation steps (10000000)"
#define L_OUT "template work limit: output size (64 MiB)"

static void test_limit_repetition(void)
{
    /* the issue's hang: a count no loop could finish, on an empty string */
    LIMIT("{{ '' * 10**20 }}", L_STR);
    LIMIT("{{ 10**20 * '' }}", L_STR);
    LIMIT("{{ 'ab' * 10**9 }}", L_STR);
    LIMIT("{{ 'x' * (16 * 1024 * 1024 + 1) }}", L_STR);
    LIMIT("{{ [] * 10**20 }}", L_ITEMS);
    LIMIT("{{ [1, 2] * 600000 }}", L_ITEMS);
    LIMIT("{{ ([1] * 1000) * 1001 }}", L_ITEMS);
    /* at the limits themselves, it works */
    RTERR("{{ ('x' * (16 * 1024 * 1024)) ~ 'y' }}", 4, L_STR);
    CHECK("{{ ('x' * (16 * 1024 * 1024)) | length }}", "16777216");
    CHECK("{{ ([0] * 1000000) | length }}", "1000000");
    CHECK("{{ '' * 1000 }}|{{ 'ab' * 0 }}|{{ 'ab' * -3 }}|{{ [1] * 2 }}", "|||[1, 1]");
}

/* dag_run.conf['pad'] * dag_run.conf['n'] as the issue gives it: the
 * render fails at once, and a nonempty pad is refused before the result
 * is allocated (a 1 GB malloc would not fail fast under a sanitizer). */
static void test_limit_conf_pad(void)
{
    const char *tpl = "{{ dag_run.conf['pad'] * dag_run.conf['n'] }}";
    static const char *const confs[] = {
        "{\"dag_run\": {\"conf\": {\"pad\": \"\", \"n\": 1000000000000000000}}}",
        "{\"dag_run\": {\"conf\": {\"pad\": \"x\", \"n\": 1000000000}}}",
        "{\"dag_run\": {\"conf\": {\"pad\": \"xy\", \"n\": 9000000000000000000}}}",
    };
    for (size_t i = 0; i < sizeof confs / sizeof confs[0]; i++) {
        cJSON *v = cJSON_Parse(confs[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        biz_tpl_env e = env;
        e.vars = v;
        check_limit_at(&e, tpl, L_STR, __LINE__);
        cJSON_Delete(v);
    }
}

/* The size check comes before the allocation: in a child whose address
 * space has 200 MiB to spare, 'x' * 500000000 still fails with the limit's
 * message (allocating first would say "out of memory", or die). Not under
 * ASan, which reserves terabytes of address space for its shadow. */
static void test_limit_before_alloc(void)
{
#if defined(__SANITIZE_ADDRESS__)
    CU_PASS("skipped under ASan");
#else
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        long pages = 0;
        FILE *f = fopen("/proc/self/statm", "r");
        if (!f || fscanf(f, "%ld", &pages) != 1)
            _exit(3);
        fclose(f);
        struct rlimit rl;
        rl.rlim_cur = rl.rlim_max = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (200u << 20);
        if (setrlimit(RLIMIT_AS, &rl) < 0)
            _exit(3);
        cJSON *v = cJSON_Parse("{\"dag_run\": {\"conf\": {\"pad\": \"x\", \"n\": 500000000}}}");
        biz_tpl_env e = env;
        e.vars = v;
        biz_tpl_error err;
        const char *src = "{{ dag_run.conf['pad'] * dag_run.conf['n'] }}";
        biz_tpl *t = biz_tpl_parse(src, strlen(src), &err);
        char *r = t ? biz_tpl_render(t, &e, &err) : NULL;
        _exit(t && !r && !strcmp(err.message, L_STR) ? 0 : 1);
    }
    int st = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
    CU_ASSERT_TRUE(WIFEXITED(st));
    CU_ASSERT_EQUAL(WEXITSTATUS(st), 0);
#endif
}

/* An access path copies only the item it reaches: with a 40,000-key conf,
 * lookups of one key are cheap (copying the whole of dag_run at each
 * lookup would be 40,000 steps each, over the limit after 250). */
static void test_lookup_big_conf(void)
{
    cJSON *v = cJSON_Parse("{\"dag_run\": {\"conf\": {}}, \"params\": {}}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    cJSON *conf = cJSON_GetObjectItem(cJSON_GetObjectItem(v, "dag_run"), "conf");
    char key[32];
    for (int i = 0; i < 40000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        cJSON_AddNumberToObject(conf, key, i);
    }
    biz_tpl_env e = env;
    e.vars = v;
    /* 100,000 lookups of the last key: cJSON's walk of the 40,000 keys at
     * each would be 4e9 comparisons (15 s); the render indexes the conf */
    const char *src = "{% for i in range(100000) %}{{ dag_run.conf['k39999'] + dag_run.conf.k1 }},"
                      "{% endfor %}{{ dag_run.conf | length }}";
    biz_tpl_error err;
    biz_tpl *t = biz_tpl_parse(src, strlen(src), &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    double t0 = now_s();
    char *r = biz_tpl_render(t, &e, &err);
    CU_ASSERT_TRUE(now_s() - t0 < LIMIT_SECONDS / 2);
    if (!r)
        fprintf(stderr, "\nrender failed: %s\n", err.message);
    CU_ASSERT_PTR_NOT_NULL(r);
    if (r) {
        CU_ASSERT_EQUAL(strlen(r), 100000 * 6 + 5);
        CU_ASSERT_EQUAL(strncmp(r, "40000,40000,", 12), 0);
        CU_ASSERT_STRING_EQUAL(r + 600000, "40000");
    }
    free(r);
    biz_tpl_free(t);
    /* data[i] over a long list of the context: its items are indexed once,
     * not walked (or copied) at each turn */
    cJSON *list = cJSON_AddArrayToObject(conf, "list");
    for (int i = 0; i < 100000; i++)
        cJSON_AddItemToArray(list, cJSON_CreateNumber(i % 10));
    cJSON *list2 = cJSON_AddArrayToObject(conf, "list2");
    for (int i = 0; i < 100000; i++)
        cJSON_AddItemToArray(list2, cJSON_CreateNumber(0));
    /* two lists indexed in turn: both tables are kept */
    const char *src2 = "{% set l = dag_run.conf.list %}{% for i in range(100000) %}"
                       "{{ dag_run.conf.list[i] + dag_run.conf.list2[i] }}{% endfor %}|{{ l[99999] }}"
                       "{{ dag_run.conf['list'][-1] }}";
    t = biz_tpl_parse(src2, strlen(src2), &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    r = biz_tpl_render(t, &e, &err);
    if (!r)
        fprintf(stderr, "\nrender failed: %s\n", err.message);
    CU_ASSERT_PTR_NOT_NULL(r);
    if (r) {
        CU_ASSERT_EQUAL(strlen(r), 100000 + 3);
        CU_ASSERT_EQUAL(strncmp(r, "0123456789012", 13), 0);
        CU_ASSERT_STRING_EQUAL(r + 100000, "|99");
    }
    free(r);
    biz_tpl_free(t);
    cJSON_Delete(v);
}

static void test_limit_lists(void)
{
    LIMIT("{{ range(10000000) }}", L_ITEMS);
    LIMIT("{{ range(10**20) }}", L_ITEMS);
    LIMIT("{{ range(0 - 10**20, 10**20, 10**3) }}", L_ITEMS); /* Jinja reads -10**20 as (-10)**20 */
    LIMIT("{{ ('a' * 1000001) | list }}", L_ITEMS);
    LIMIT("{% for c in 'a' * 1000001 %}{% endfor %}", L_ITEMS);
    LIMIT("{{ ('a,' * 1000000).split(',') }}", L_ITEMS);
    LIMIT("{{ ('a ' * 1000001).split() }}", L_ITEMS);
    LIMIT("{{ range(600000) | list + range(600000) | list }}", L_ITEMS);
    CHECK("{{ range(1000000) | list | length }}", "1000000");
}

static void test_limit_loops(void)
{
    const char *tpl = "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(10) %}"
                      "{% endfor %}{% endfor %}{% endfor %}";
    LIMIT(tpl, L_ITER);
    LIMIT("{% for a in range(1001) %}{% for b in range(1000) %}{% endfor %}{% endfor %}", L_ITER);
    /* 1,000,000 iterations in all is allowed */
    CHECK("{% for a in range(1000) %}{% for b in range(999) %}{% endfor %}{% endfor %}ok", "ok");
}

static void test_limit_steps(void)
{
    /* about 25 steps an iteration: under the loop limit, over the steps' */
    LIMIT("{% for i in range(900000) %}{{ ((((((1 + 1) + 1) + 1) + 1) + 1) + 1) + i }}{% endfor %}", L_STEPS);
    /* quadratic work in a loop: a big value looked up again and again */
    LIMIT("{% set s = 'x' * 10000000 %}{% for i in range(1000) %}{{ s | length }}{% endfor %}", L_STEPS);
    LIMIT("{% set s = 'x' * 10000000 %}{% for i in range(1000) %}{% set t = s ~ '' %}{% endfor %}", L_STEPS);
    LIMIT("{{ range(1000000) | list | unique | length }}", L_STEPS);
    LIMIT("{{ range(1000000) | reverse | sort | first }}", L_STEPS);
}

static void test_limit_strings(void)
{
    LIMIT("{% set s = 'x' * 10000000 %}{{ s ~ s }}", L_STR);
    LIMIT("{% set s = 'x' * 10000000 %}{{ s + s }}", L_STR);
    LIMIT("{{ (['x' * 1000000] * 20) | join }}", L_STR);
    LIMIT("{{ (['x' * 1000000] * 20) | join(',') }}", L_STR);
    LIMIT("{{ ','.join(['x' * 1000000] * 20) }}", L_STR);
    LIMIT("{{ ('x' * 100000).replace('', 'y' * 1000) }}", L_STR);
    LIMIT("{{ ('x' * 100000) | replace('x', 'y' * 1000) }}", L_STR);
    LIMIT("{{ ('{0}' * 100).format('x' * 1000000) }}", L_STR);
    CHECK("{{ ('x' * 3).replace('', '-') }}|{{ 'aXbX' | replace('X', '--', 1) }}", "-x-x-x-|a--bX");
}

static void test_limit_output(void)
{
    LIMIT("{% for i in range(100) %}{{ 'x' * 1000000 }}{% endfor %}", L_OUT);
    LIMIT("{% set s = 'x' * 1000000 %}{% for i in range(100) %}{{ s }}{% endfor %}", L_OUT);
}

/* Casts of out-of-range numbers (UBSan reported int(x, base) with a huge
 * base): errors or Python's answers, never undefined behaviour. */
static void test_casts_in_range(void)
{
    RTERR("{{ '10' | int(base=10**20) }}", 3, "int() base must be >= 2 and <= 36, or 0");
    RTERR("{{ '10' | int(0, -10**20) }}", 3, "int() base must be >= 2 and <= 36, or 0");
    CHECK("{{ '10' | int(base=16) }}|{{ 1e300 | int > 0 }}|{{ 'nan' | int }}|{{ 'inf' | int(7) }}", "16|True|0|7");
    CHECK("{{ [[1, 2]] | map(attribute=10**20, default='d') | list }}", "['d']");
    CHECK("{{ [[1, 2]] | map(attribute='99999999999999999999', default='d') | list }}", "['d']");
    CHECK("{{ [[1, 2]] | map(attribute=1) | list }}", "[2]");
    CHECK("{{ [[1, 2]] | map(attribute=-1, default='d') | list }}", "['d']");
    RTERR("{{ '{99999999999999999999}'.format(1) }}", 3, "ValueError: Too many decimal digits in format string");
    CHECK("{{ [1, 2, 3][::10**9] }}|{{ 'abc'[10**20:] }}|{{ 'abc'[0 - 10**20:1] }}|{{ [1, 2][10**20:0 - 10**20:-1] }}",
          "[1]||a|[2, 1]");
    RTERR("{{ [1][::10**20] }}", 9, "slice indices must be integers or None");
    RTERR("{{ [1][10**20] }}", 3, "index 100000000000000000000 out of range for [1]");
    CHECK("{{ 1e300 | round(2) }}|{{ (10**20) | round(-5) }}", "1e+300|100000000000000000000");
    /* string indexing walks UTF-8 characters */
#define U8 "'a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" "b'"
    CHECK("{{ " U8 "[1] }}|{{ " U8 "[2] }}|{{ " U8 "[3] }}|{{ " U8 "[-1] }}|{{ " U8 "[0] }}|{{ " U8 " | length }}",
          "\xc3\xa9|\xe2\x82\xac|\xf0\x9f\x98\x80|b|a|5");
    CHECK("{{ " U8 "[1:3] }}|{{ " U8 "[::-1] }}|{{ " U8 "[::2] }}|{{ 'abcdef'[4:1:-2] }}",
          "\xc3\xa9\xe2\x82\xac|b\xf0\x9f\x98\x80\xe2\x82\xac\xc3\xa9" "a|a\xe2\x82\xac" "b|ec");
#undef U8
    RTERR("{{ 'ab'[2] }}", 3, "index 2 out of range for 'ab'");
}

static void test_str_api(void)
{
    cJSON *v = cJSON_Parse("{\"a\": [1, 2.5, \"x'y\", null, false, {}], \"b\": 3}");
    char *s = biz_tpl_str(v);
    CU_ASSERT_STRING_EQUAL(s, "{'a': [1, 2.5, \"x'y\", None, False, {}], 'b': 3}");
    free(s);
    CU_ASSERT_FALSE(biz_tpl_is_float(cJSON_GetObjectItem(v, "b")));
    CU_ASSERT_TRUE(biz_tpl_is_float(cJSON_GetArrayItem(cJSON_GetObjectItem(v, "a"), 1)));
    cJSON_Delete(v);
    s = biz_tpl_str(NULL);
    CU_ASSERT_STRING_EQUAL(s, "None");
    free(s);
}

static void test_reuse_and_null_env(void)
{
    biz_tpl_error err;
    const char *src = "{{ 1 + 1 }}{{ ti.xcom_pull(task_ids='a') }}";
    biz_tpl *t = biz_tpl_parse(src, strlen(src), &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    for (int i = 0; i < 3; i++) {
        char *s = biz_tpl_render(t, NULL, &err);
        CU_ASSERT_STRING_EQUAL(s, "2None");
        free(s);
    }
    biz_tpl_free(t);
    biz_tpl_free(NULL);
    t = biz_tpl_parse("{{ ds }}", 8, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    char *s = biz_tpl_render(t, NULL, &err);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_STRING_EQUAL(err.message, "'ds' is undefined");
    biz_tpl_free(t);
    CU_ASSERT_PTR_NULL(biz_tpl_parse("{{", 2, NULL));
}

static void test_embedded_nul_and_len(void)
{
    biz_tpl_error err;
    /* only len bytes count */
    biz_tpl *t = biz_tpl_parse("{{ 1 }}{{ garbage", 7, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    char *s = biz_tpl_render(t, &env, &err);
    CU_ASSERT_STRING_EQUAL(s, "1");
    free(s);
    biz_tpl_free(t);
    t = biz_tpl_parse("{{ 1 \0 }}", 9, &err);
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_EQUAL(err.offset, 5);
    CU_ASSERT_STRING_EQUAL(err.message, "unexpected character (byte 0x00)");
}

static void test_big_ints_and_zero_division(void)
{
    CHECK("{{ 10 ** 20 }} {{ 2 ** 64 }}", "100000000000000000000 18446744073709551616");
    RTERR("{{ 1.0 / 0 }}", 3, "float division by zero");
    RTERR("{{ 1.5 // 0 }}", 3, "float floor division by zero");
    RTERR("{{ 1.5 % 0 }}", 3, "float modulo");
    RTERR("{{ 1 % 0 }}", 3, "integer division or modulo by zero");
}

static void test_scoping(void)
{
    CHECK("{% if true %}{% set y = 3 %}{% endif %}{{ y }}", "3");
    CHECK("{% for (a, b) in [[1, 2], (3, 4)] %}{{ a + b }}{% endfor %}", "37");
    CHECK("{% for x in [1] %}{% endfor %}{{ x is defined }}", "False");
    CHECK("{% for x in [1, 2] %}{% for x in 'ab' %}{{ x }}{% endfor %}{{ x }}{% endfor %}", "ab1ab2");
    RTERR("{% for a, b in [[1, 2, 3]] %}{% endfor %}", 7, "too many values to unpack (expected 2)");
}

static void test_native_statements(void)
{
    NATIVE("{% for i in [1, 2] %}{{ i }}{% endfor %}", "int:12");
    NATIVE("{% if true %}{{ [1] }}{% endif %}", "list:[1]");
    NATIVE("{% set x = {'k': 2} %}{{ x }}", "dict:{'k': 2}");
    NATIVE("{{ 10 ** 20 }}", "int:100000000000000000000");
    NATIVE("{{ '1e3' }}", "float:1000.0");
    NATIVE("{{ '-5' }}", "int:-5");
}

/* ---- biz_ctx_update (--conf over params) ------------------------------------------ */

static void test_ctx_update_many_keys(void)
{
    enum { N = 40000 };
    cJSON *params = cJSON_Parse("{\"keep\": 1, \"k7\": \"old\", \"k39999\": \"old\"}");
    cJSON *conf = cJSON_CreateObject();
    CU_ASSERT_PTR_NOT_NULL_FATAL(params);
    CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
    char key[32];
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "k%d", i);
        cJSON_AddNumberToObject(conf, key, i);
    }
    cJSON_AddStringToObject(conf, "k5", "last"); /* a repeated key: the last one wins */
    CU_ASSERT_EQUAL(biz_ctx_update(params, conf), 0);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(params), N + 1);
    /* existing keys keep their place (first), new ones follow in order */
    const cJSON *c = params->child;
    CU_ASSERT_STRING_EQUAL(c->string, "keep");
    CU_ASSERT_STRING_EQUAL(c->next->string, "k7");
    CU_ASSERT_EQUAL(c->next->valuedouble, 7);
    CU_ASSERT_STRING_EQUAL(c->next->next->string, "k39999");
    CU_ASSERT_EQUAL(c->next->next->valuedouble, 39999);
    CU_ASSERT_STRING_EQUAL(c->next->next->next->string, "k0");
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(params, "k5")), "last");
    int bad = 0;
    for (int i = 0; i < N; i += 97) {
        snprintf(key, sizeof key, "k%d", i);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, key);
        bad += i != 5 && (!cJSON_IsNumber(v) || v->valuedouble != i);
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* the list stays well linked: its last item is reachable through prev */
    CU_ASSERT_PTR_NOT_NULL(params->child->prev);
    CU_ASSERT_PTR_NULL(params->child->prev->next);
    CU_ASSERT_EQUAL(biz_ctx_update(params, NULL), 0);
    cJSON_Delete(params);
    cJSON_Delete(conf);
}

/* ---- the suite ------------------------------------------------------------------ */

#define T(f) {#f, f}
static const unit_test tests[] = {
    T(test_plain_text), T(test_ints), T(test_float_repr), T(test_none_bool), T(test_strings),
    T(test_list_repr), T(test_dict_repr), T(test_tuple_repr), T(test_string_repr_quotes), T(test_vars_render),
    T(test_division), T(test_modulo_pow), T(test_add_mul), T(test_unary), T(test_concat),
    T(test_comparisons), T(test_in), T(test_logic), T(test_conditional), T(test_is_defined),
    T(test_is_other), T(test_default), T(test_dict_get), T(test_tojson), T(test_datetimes), T(test_int_float),
    T(test_string_filters), T(test_length), T(test_join), T(test_first_last_list), T(test_abs_round),
    T(test_min_max_sum), T(test_sort_unique), T(test_map), T(test_items_urlencode), T(test_str_methods),
    T(test_str_format), T(test_if), T(test_for_loop), T(test_for_else_filter), T(test_nested_loops),
    T(test_set), T(test_range_slices), T(test_whitespace_control), T(test_comments), T(test_newlines),
    T(test_raw), T(test_xcom_pull), T(test_xcom_no_callback), T(test_ti_attrs), T(test_var),
    T(test_conn), T(test_macros), T(test_native_single), T(test_native_concat), T(test_native_literal_eval),
    T(test_render_value_text), T(test_render_value_native), T(test_render_value_error), T(test_refs_xcom),
    T(test_refs_var_conn_names), T(test_names_table), T(test_perr_unclosed_var), T(test_perr_expression), T(test_perr_brackets),
    T(test_perr_lexical), T(test_perr_filters_tests), T(test_perr_blocks), T(test_perr_statements),
    T(test_is_template), T(test_rterr_undefined), T(test_rterr_types), T(test_rterr_context),
    T(test_rterr_filters), T(test_fuzz_prefixes), T(test_fuzz_mutations), T(test_deep_nesting),
    T(test_limit_repetition), T(test_limit_conf_pad), T(test_limit_before_alloc), T(test_lookup_big_conf),
    T(test_limit_lists),
    T(test_limit_loops), T(test_limit_steps), T(test_limit_strings), T(test_limit_output),
    T(test_casts_in_range), T(test_str_api), T(test_reuse_and_null_env), T(test_embedded_nul_and_len),
    T(test_big_ints_and_zero_division), T(test_scoping), T(test_native_statements),
    T(test_ctx_update_many_keys),
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"template", suite_init, suite_clean, tests},
    UNIT_SUITES_END,
};
