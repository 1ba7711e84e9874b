/* fuzz_readers.c: the runtime's readers of outside text, one per first
 * byte of the input (the rest is the text):
 *   'j' JSON as a run reads --conf and answers (cJSON, then the engine's
 *       str() of the value, which walks every kind of value),
 *   'c' an Airflow connection (URI or JSON) and the base URL built from it,
 *   'k' a cron expression, then its next and previous ticks,
 *   's' a schedule string, with its due intervals and its crontab line,
 *   'p' the CoWorks asynchronous result document read from S3,
 *   'x' an S3 error document, as the status message reads it,
 *   't' an ISO time (BIZ_NOW, --logical-date, start_date).
 * Anything else is tried as every reader in turn. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "conn.h"
#include "cron.h"
#include "isotime.h"
#include "fuzz.h"
#include "s3.h"
#include "schedule.h"
#include "template.h"

/* 2024-01-02T03:04:05Z: a fixed "now" so runs are repeatable. */
#define FUZZ_NOW ((time_t)1704164645)

static void read_json(const char *s, size_t len)
{
    cJSON *v = cJSON_ParseWithLength(s, len);
    if (v) {
        free(biz_tpl_str(v));
        cJSON_Delete(v);
    }
}

static void read_conn(const char *s)
{
    biz_conn c;
    char err[256];
    if (biz_conn_parse("fuzz", s, &c, err, sizeof err) == 0) {
        free(biz_conn_base_url(&c));
        (void)biz_conn_extra_str(&c, "timeout");
        biz_conn_free(&c);
    }
}

static void read_cron(const char *s)
{
    biz_cron c;
    biz_cron_error err;
    if (biz_cron_parse(s, &c, &err) == 0) {
        (void)biz_cron_matches(&c, FUZZ_NOW);
        (void)biz_cron_next(&c, FUZZ_NOW);
        (void)biz_cron_prev(&c, FUZZ_NOW);
    }
}

static void read_schedule(const char *s)
{
    biz_schedule sc;
    char err[256];
    if (biz_schedule_parse(s, &sc, err, sizeof err) != 0)
        return;
    biz_interval due[8];
    (void)biz_schedule_due(&sc, FUZZ_NOW - 86400 * 3, BIZ_NO_TIME, 1, NULL, FUZZ_NOW, due, 8);
    (void)biz_schedule_manual(&sc, FUZZ_NOW);
    free(biz_schedule_crontab(&sc, FUZZ_NOW - 86400, err, sizeof err));
}

static void read_payload(const char *s, size_t len)
{
    biz_s3_payload p;
    char err[256];
    if (biz_s3_parse_payload("bucket", "key", s, len, &p, err, sizeof err) == 0)
        biz_s3_payload_free(&p);
}

static void read_s3_error(const char *s)
{
    static const int statuses[] = { 301, 403, 404, 500, 503 };
    char buf[512];
    for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++)
        biz_s3_status_message(statuses[i], "bucket", "key", s, buf, sizeof buf);
}

static void read_time(const char *s)
{
    time_t t;
    char buf[64];
    if (biz_isotime_parse(s, &t) == 0)
        biz_isotime_utc(t, buf, sizeof buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char *s = fuzz_strdup(data + 1, size - 1);
    size_t len = size - 1;
    switch (data[0]) {
    case 'j': read_json(s, len); break;
    case 'c': read_conn(s); break;
    case 'k': read_cron(s); break;
    case 's': read_schedule(s); break;
    case 'p': read_payload(s, len); break;
    case 'x': read_s3_error(s); break;
    case 't': read_time(s); break;
    default:
        read_json(s, len);
        read_conn(s);
        read_cron(s);
        read_schedule(s);
        read_payload(s, len);
        read_s3_error(s);
        read_time(s);
    }
    free(s);
    return 0;
}
