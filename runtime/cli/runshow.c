/* runshow.c: --runs, --show and --crontab (see runplan.h). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runshow.h"
#include "runplan.h"
#include "report.h"
#include "state.h"
#include "log.h"

static const char *jstr(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A record's state, but "killed" for a run still "running" whose process
 * is gone (kill -9, a crash, a reboot): no one will finish it but --resume. */
/* The record's pid, 0 when it has none that names a process (a hostile
 * record's 1e300 must not reach a cast). */
static long rec_pid(const cJSON *r)
{
    const cJSON *pid = cJSON_GetObjectItemCaseSensitive(r, "pid");
    if (!cJSON_IsNumber(pid) || !(pid->valuedouble >= 1 && pid->valuedouble <= INT_MAX))
        return 0;
    return (long)pid->valuedouble;
}

static const char *run_state(const cJSON *r)
{
    const char *s = jstr(r, "state");
    long pid = rec_pid(r);
    if (s && !strcmp(s, "running") && pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH)
        return "killed";
    return s;
}

/* s made safe for a terminal (log.h: control characters, bidi overrides
 * and invalid UTF-8 escaped: a record is a file anyone can edit), or "-".
 * The copy lives until eight more calls: enough for one printed line. */
static const char *or_dash(const char *s)
{
    static char *slot[8];
    static unsigned next;
    if (!s)
        return "-";
    if (!biz_log_needs_escape(s, BIZ_ESC_TEXT))
        return s;
    char **at = &slot[next++ % 8];
    free(*at);
    *at = biz_log_escape(s, BIZ_ESC_TEXT);
    return *at ? *at : "?";
}

/* "12.345s", "4m05s", "1h02m", or "-" when not finished. */
static void fmt_duration(double start, double end, char *buf, size_t len)
{
    /* Record times are years 0 to 9999: their difference fits a long long
     * (not an int: 10,000 years of seconds overflow one). */
    if (start <= 0 || end <= 0 || end < start || end - start > 1e12) {
        snprintf(buf, len, "-");
        return;
    }
    double d = end - start;
    long long s = (long long)d;
    if (d < 60)
        snprintf(buf, len, "%.3fs", d);
    else if (d < 3600)
        snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
    else
        snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
}

/* "2024-01-01 06:00:00" from a record time, or "-". */
static void fmt_time(const cJSON *o, const char *field, char *buf, size_t len)
{
    const char *s = jstr(o, field);
    if (!s || strlen(s) < 19) {
        snprintf(buf, len, "-");
        return;
    }
    snprintf(buf, len, "%.10s %.8s", s, s + 11);
}

/* "3 success, 1 failed" from a record's tasks. */
static void fmt_counts(const cJSON *rec, char *buf, size_t len)
{
    static const biz_ti_state order[] = {
        BIZ_TI_SUCCESS, BIZ_TI_FAILED, BIZ_TI_UPSTREAM_FAILED, BIZ_TI_SKIPPED, BIZ_TI_RUNNING,
        BIZ_TI_UP_FOR_RETRY, BIZ_TI_QUEUED, BIZ_TI_SCHEDULED, BIZ_TI_NONE,
    };
    const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(rec, "tasks");
    size_t off = 0;
    buf[0] = 0;
    if (!cJSON_IsObject(tasks))
        tasks = NULL;
    for (size_t k = 0; k < sizeof order / sizeof *order; k++) {
        int n = 0;
        const cJSON *t;
        cJSON_ArrayForEach(t, tasks) {
            const char *s = jstr(t, "state");
            n += s && strcmp(s, biz_ti_state_names[order[k]]) == 0;
        }
        if (n && off < len) {
            int w = snprintf(buf + off, len - off, "%s%d %s", off ? ", " : "", n, biz_ti_state_names[order[k]]);
            off = w < 0 ? len : off + (size_t)w;
        }
    }
    if (!buf[0])
        snprintf(buf, len, "-");
}

/* "1a2b3c4d5e6f (bizc 0.1.0)": the DAG version of a record (the first 12
 * digits of its source's sha256, as git abbreviates), or "-". */
static void fmt_version(const cJSON *rec, char *buf, size_t len)
{
    const char *s = jstr(rec, "source_sha256"), *v = jstr(rec, "bizc_version");
    if ((!s || !*s) && (!v || !*v)) {
        snprintf(buf, len, "-");
        return;
    }
    snprintf(buf, len, "%.12s (bizc %s)", s && *s ? or_dash(s) : "?", v && *v ? or_dash(v) : "?");
}

static int open_records(const biz_dag_def *dag, const biz_cli *o, const char *prog,
                        biz_store **st, cJSON **records)
{
    char root[4096], err[1024];
    *st = NULL;
    *records = NULL;
    if (biz_state_dir_resolve(o->state_dir, root, sizeof root, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 2;
    }
    *st = biz_store_open_ro(root, dag->dag_id, err, sizeof err);
    if (!*st) {
        *records = cJSON_CreateArray();
        return 0;
    }
    *records = biz_store_list(*st);
    return 0;
}

/* --runs: the recorded runs, oldest first. */
int biz_runshow_runs(FILE *f, const biz_dag_def *dag, const biz_cli *o, const char *prog)
{
    biz_store *st;
    cJSON *records;
    int rc = open_records(dag, o, prog, &st, &records);
    if (rc)
        return rc;
    if (cJSON_GetArraySize(records) == 0) {
        fprintf(f, "no runs of DAG '%s' recorded yet\n", dag->dag_id);
    } else {
        int w = 6, vw = 11;
        const cJSON *r;
        cJSON_ArrayForEach(r, records) {
            char ver[128];
            int l = (int)strlen(or_dash(jstr(r, "run_id")));
            w = l > w ? l : w;
            fmt_version(r, ver, sizeof ver);
            l = (int)strlen(ver);
            vw = l > vw ? l : vw;
        }
        fprintf(f, "%-*s  %-9s  %-19s  %10s  %-*s  %s\n", w, "RUN ID", "STATE", "START", "DURATION",
                vw, "DAG VERSION", "TASKS");
        cJSON_ArrayForEach(r, records) {
            char why[200];
            if (biz_record_check(r, why, sizeof why) < 0)
                fprintf(stderr, "%s: warning: the record of run %s is malformed: %s\n", prog,
                        or_dash(jstr(r, "run_id")), why);
        }
        cJSON_ArrayForEach(r, records) {
            char start[32], dur[32], counts[256], ver[128];
            fmt_time(r, "start_date", start, sizeof start);
            fmt_duration(biz_record_time(r, "start_date"), biz_record_time(r, "end_date"), dur, sizeof dur);
            fmt_counts(r, counts, sizeof counts);
            fmt_version(r, ver, sizeof ver);
            fprintf(f, "%-*s  %-9s  %-19s  %10s  %-*s  %s\n", w, or_dash(jstr(r, "run_id")),
                    or_dash(run_state(r)), start, dur, vw, ver, counts);
        }
    }
    cJSON_Delete(records);
    biz_store_close(st);
    return 0;
}

/* Prints one record. */
void biz_runshow_record(FILE *f, const cJSON *rec, const char *record_path)
{
    char a[32], b[32], dur[32];
    fprintf(f, "run:           %s\n", or_dash(jstr(rec, "run_id")));
    fprintf(f, "dag:           %s\n", or_dash(jstr(rec, "dag_id")));
    fprintf(f, "type:          %s\n", or_dash(jstr(rec, "run_type")));
    const char *state = run_state(rec);
    long pid = rec_pid(rec);
    if (state && !strcmp(state, "killed") && pid > 0)
        fprintf(f, "state:         killed (recorded as running, but its process %ld is gone;"
                " --resume %s reruns what did not finish)\n", pid, or_dash(jstr(rec, "run_id")));
    else
        fprintf(f, "state:         %s\n", or_dash(state));
    const char *sha = jstr(rec, "source_sha256"), *bv = jstr(rec, "bizc_version");
    fprintf(f, "dag version:   sha256:%s, bizc %s\n", sha && *sha ? or_dash(sha) : "?",
            bv && *bv ? or_dash(bv) : "?");
    fprintf(f, "logical date:  %s\n", or_dash(jstr(rec, "logical_date")));
    fprintf(f, "data interval: %s to %s\n", or_dash(jstr(rec, "data_interval_start")),
            or_dash(jstr(rec, "data_interval_end")));
    cJSON *cv = biz_record_value(cJSON_GetObjectItemCaseSensitive(rec, "conf"));
    char *conf = cv ? cJSON_PrintUnformatted(cv) : NULL;
    cJSON_Delete(cv);
    char *masked = conf ? biz_log_redact(conf) : NULL;  /* stored as it is, shown masked */
    fprintf(f, "conf:          %s\n", masked ? or_dash(masked) : "{}");
    free(masked);
    free(conf);
    fmt_time(rec, "start_date", a, sizeof a);
    fmt_time(rec, "end_date", b, sizeof b);
    fmt_duration(biz_record_time(rec, "start_date"), biz_record_time(rec, "end_date"), dur, sizeof dur);
    fprintf(f, "started:       %s UTC\nended:         %s%s (%s)\n", a, b,
            strcmp(b, "-") ? " UTC" : "", dur);
    if (record_path)
        fprintf(f, "record:        %s\n", record_path);
    if (jstr(rec, "log"))
        fprintf(f, "log:           %s  (a task's lines: grep '\\[TASK #TRY\\]')\n", or_dash(jstr(rec, "log")));
    const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(rec, "tasks"), *t;
    if (!cJSON_IsObject(tasks))
        tasks = NULL;   /* biz_record_check says so; no task has a name then */
    int w = 4;
    cJSON_ArrayForEach(t, tasks) {
        size_t l = strlen(or_dash(t->string));
        w = l > (size_t)w ? (l > 200 ? 200 : (int)l) : w;
    }
    fprintf(f, "\n%-*s  %-15s  %5s  %10s\n", w, "TASK", "STATE", "TRIES", "DURATION");
    cJSON_ArrayForEach(t, tasks) {
        const cJSON *tries = cJSON_GetObjectItemCaseSensitive(t, "tries");
        fmt_duration(biz_record_time(t, "start_date"), biz_record_time(t, "end_date"), dur, sizeof dur);
        const char *label = jstr(t, "rendered_map_index");
        const cJSON *mapped = cJSON_GetObjectItemCaseSensitive(t, "mapped");
        char *ml = NULL;   /* a mapped task: its instances' count; an instance: its label */
        if (cJSON_IsNumber(mapped) && asprintf(&ml, "  (mapped: %d)", mapped->valueint) < 0)
            ml = NULL;
        else if (label && asprintf(&ml, "  %s", label) < 0)
            ml = NULL;
        char *mm = ml ? biz_log_redact(ml) : NULL;
        fprintf(f, "%-*s  %-15s  %5d  %10s%s\n", w, or_dash(t->string), or_dash(jstr(t, "state")),
                cJSON_IsNumber(tries) ? tries->valueint : 0, dur, mm ? mm : "");   /* valueint: clamped by cJSON */
        free(mm);
        free(ml);
    }
    /* The resumes and reruns, and the outcomes they replaced. */
    const cJSON *hist = cJSON_GetObjectItemCaseSensitive(rec, "history"), *h;
    if (cJSON_IsArray(hist) && hist->child) {
        fprintf(f, "\nhistory:\n");
        cJSON_ArrayForEach(h, hist) {
            const cJSON *ds = cJSON_GetObjectItemCaseSensitive(h, "downstream");
            fprintf(f, "  %s  %s of the %s run", or_dash(jstr(h, "at")), or_dash(jstr(h, "action")),
                    or_dash(jstr(h, "previous_state")));
            if (jstr(h, "task"))
                fprintf(f, " from task %s%s", or_dash(jstr(h, "task")),
                        cJSON_IsTrue(ds) ? " with its downstream tasks" : "");
            const char *hs = jstr(h, "source_sha256"), *hv = jstr(h, "bizc_version");
            fprintf(f, " (recorded by %.12s, bizc %s)\n", hs && *hs ? or_dash(hs) : "?",
                    hv && *hv ? or_dash(hv) : "?");
        }
    }
    int earlier = 0;
    cJSON_ArrayForEach(t, tasks) {
        const cJSON *th = cJSON_GetObjectItemCaseSensitive(t, "history");
        if (!cJSON_IsArray(th))
            continue;
        cJSON_ArrayForEach(h, th) {
            const cJSON *tries = cJSON_GetObjectItemCaseSensitive(h, "tries");
            if (!earlier++)
                fprintf(f, "\nearlier outcomes (cleared by a resume or a rerun):\n");
            fprintf(f, "  %s: %s after %d tr%s, cleared by %s at %s\n", or_dash(t->string),
                    or_dash(jstr(h, "state")), cJSON_IsNumber(tries) ? tries->valueint : 0,
                    cJSON_IsNumber(tries) && tries->valueint == 1 ? "y" : "ies",
                    or_dash(jstr(h, "cleared_by")), or_dash(jstr(h, "cleared_at")));
        }
    }
    int header = 0;
    cJSON_ArrayForEach(t, tasks) {
        const char *reason = jstr(t, "reason");
        if (!reason)
            continue;
        if (!header++)
            fprintf(f, "\n");
        fprintf(f, "%s: %s\n", or_dash(t->string), or_dash(reason));
    }
}

/* --show RUN_ID: one recorded run. */
int biz_runshow_run(FILE *f, const biz_dag_def *dag, const biz_cli *o, const char *prog)
{
    biz_store *st;
    cJSON *records;
    int rc = open_records(dag, o, prog, &st, &records);
    if (rc)
        return rc;
    const cJSON *rec = biz_plan_find(records, o->show);
    if (!rec) {
        fprintf(stderr, "%s: no run '%s' of DAG '%s' recorded (see --runs)\n", prog, o->show, dag->dag_id);
        rc = 1;
    } else {
        char *path = NULL, why[200], err[600];
        if (st && asprintf(&path, "%s/%s.json", st->runs_dir, jstr(rec, "run_id")) < 0)
            path = NULL;
        if (!o->html) {
            biz_runshow_record(f, rec, path);
        } else if (biz_report_write(o->html, dag, rec, err, sizeof err) < 0) {
            fprintf(stderr, "%s: %s\n", prog, err);
            rc = 1;
        } else {
            fprintf(f, "the report of run %s: %s\n", or_dash(jstr(rec, "run_id")), o->html);
        }
        /* What can be read is shown; what is wrong is said, and the exit
         * status says the record is not sound. */
        if (biz_record_check(rec, why, sizeof why) < 0) {
            fprintf(stderr, "%s: the record %s is malformed: %s\n", prog, path ? path : "?", why);
            rc = 1;
        }
        free(path);
    }
    cJSON_Delete(records);
    biz_store_close(st);
    return rc;
}

/* --crontab: the crontab line of the schedule. */
int biz_runshow_crontab(FILE *f, const biz_dag_def *dag, const biz_cli *o, const char *prog)
{
    char err[512], root[4096], exe[PATH_MAX], reason[300];
    biz_schedule_settings ps;
    cJSON *settings = cJSON_Parse(dag->settings_json ? dag->settings_json : "{}");
    int rc = biz_schedule_settings_read(settings, &ps, err, sizeof err);
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(settings, "schedule");
    char *sched_text = sv ? cJSON_PrintUnformatted(sv) : NULL;
    cJSON_Delete(settings);
    if (rc < 0 || biz_state_dir_resolve(o->state_dir, root, sizeof root, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        free(sched_text);
        return 2;
    }
    char *fields = biz_schedule_crontab(&ps.sched, ps.start_date, reason, sizeof reason);
    if (!fields) {
        fprintf(stderr, "%s: DAG '%s' has no crontab line: %s\n", prog, dag->dag_id, reason);
        if (ps.sched.kind == BIZ_SCHEDULE_DELTA)
            fprintf(stderr, "%s: a line that starts it more often is safe (nothing due: it exits 0"
                    " at once), e.g. '* * * * *'\n", prog);
        free(sched_text);
        return 1;
    }
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0)
        exe[n] = 0;
    else
        snprintf(exe, sizeof exe, "%s", prog);
    /* Cron ticks are wall times of the start_date's zone (Airflow); a
     * timedelta's runs are instants, placed in UTC. */
    const char *zone = ps.sched.kind == BIZ_SCHEDULE_CRON && !biz_tz_is_utc(ps.sched.tz)
                           ? ps.sched.tz->name : "UTC";
    fprintf(f, "# DAG '%s', schedule %s: the fields are %s times%s.\n"
               "# A run starts when an interval ends and covers it; missed intervals are\n"
               "# caught up%s.\n",
            dag->dag_id, sched_text ? sched_text : "?", zone,
            strcmp(zone, "UTC") ? " (the zone's rules are\n# compiled into the executable: it needs no zoneinfo)" : "",
            ps.catchup ? "" : " (catchup=False: only the latest)");
    if (strcmp(zone, "UTC"))
        fprintf(f, "# On the days the clocks change, a tick in the skipped hour falls due at\n"
                   "# the end of the gap and one in the repeated hour at its second time (an\n"
                   "# hourly schedule runs in both): the hours below include the hour after\n"
                   "# each tick for that, and a start with nothing due exits at once.\n");
    fprintf(f, "# CRON_TZ is honoured by cronie and systemd-cron; with a cron that ignores it,\n"
               "# shift the hours to the machine's time zone.\n"
               "CRON_TZ=%s\n", zone);
    fprintf(f, "%s %s --state-dir %s -q\n", fields, exe, root);
    free(fields);
    free(sched_text);
    return 0;
}
