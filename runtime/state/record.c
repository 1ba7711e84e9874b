/* record.c: the run record: its text (one writer for the record, the
 * journal's lines and biz_record_from_run) and reading it back (checking
 * a record, applying it for --resume and --rerun, its times and sealed
 * values), and what a failed write of it does (see state.h for the layout
 * and the rules). */
#include <errno.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "state.h"
#include "state_int.h"
#include "map.h"
#include "log.h"
#include "isotime.h"
#include "base64.h"
#include "buf.h"
#include "utf8.h"

#define SEALED_KEY "__sealed__"

/* ---------------------------------------------------------------- records */

/* A record's time field in seconds, 0 when absent. */
double biz_record_time(const cJSON *rec, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, field);
    time_t t;
    long us;
    if (!cJSON_IsString(v) || biz_isotime_parse_us(v->valuestring, &t, &us) != 0)
        return 0;
    return (double)t + (double)us / 1e6;
}

/* ---------------------------------------------------------------- record text
 *
 * Records and journal lines are written as text directly: building a cJSON
 * tree of the whole run to print it cost more than the HTTP calls. One
 * writer for all (the record, the journal, biz_record_from_run), so they
 * cannot disagree. */


/* A JSON string, escaped as cJSON escapes (quote, backslash, controls).
 * Records are strict JSON whatever a server or a command sent: a byte that
 * is not part of valid UTF-8 becomes U+FFFD (issue 10), as Python's
 * errors="replace" does, so every JSON reader can read the record. */
void biz_record_tb_str(biz_buf *b, const char *s)
{
    biz_buf_add(b, "\"", 1);
    const char *run = s;
    for (const char *q = s;;) {
        unsigned char c = (unsigned char)*q;
        if (c >= 0x80) {
            /* the string's NUL ends a sequence cut short, as any byte that
             * is not a continuation one */
            unsigned cp;
            size_t n = biz_utf8_seq((const unsigned char *)q, BIZ_UTF8_MAX_LEN, &cp);
            if (n) {
                q += n;
                continue;
            }
            biz_buf_add(b, run, (size_t)(q - run));
            biz_buf_add(b, "\\ufffd", 6);
            run = ++q;
            continue;
        }
        if (c && c != '"' && c != '\\' && c >= 0x20) {
            q++;
            continue;
        }
        biz_buf_add(b, run, (size_t)(q - run));
        if (!c)
            break;
        char esc[8];
        switch (c) {
        case '"': biz_buf_add(b, "\\\"", 2); break;
        case '\\': biz_buf_add(b, "\\\\", 2); break;
        case '\n': biz_buf_add(b, "\\n", 2); break;
        case '\t': biz_buf_add(b, "\\t", 2); break;
        case '\r': biz_buf_add(b, "\\r", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
            biz_buf_add(b, esc, 6);
        }
        run = ++q;
    }
    biz_buf_add(b, "\"", 1);
}

/* A non-negative integer, without printf (records hold thousands). */
static void tb_int(biz_buf *b, long v)
{
    char d[24];
    int i = sizeof d;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 && i > 0);
    biz_buf_add(b, d + i, sizeof d - (size_t)i);
}

/* "name": "time" (wall seconds), or null when t <= 0: one append. */
void biz_record_tb_time(biz_buf *b, const char *name, double t)
{
    char out[48 + BIZ_ISOTIME_MAX], *o = out;
    size_t n = strlen(name);
    if (n > 40)
        n = 40;
    *o++ = '"';
    memcpy(o, name, n);
    o += n;
    memcpy(o, "\": ", 3);
    o += 3;
    if (t > 0) {
        *o++ = '"';
        o += biz_state_iso_us_into(t, o, BIZ_ISOTIME_MAX);
        *o++ = '"';
    } else {
        memcpy(o, "null", 4);
        o += 4;
    }
    biz_buf_add(b, out, (size_t)(o - out));
}

/* A message, its secrets masked; null when s is NULL. */
static void tb_masked(biz_buf *b, const char *s)
{
    if (!s) {
        TB_LIT(b, "null");
        return;
    }
    char *r = biz_log_redact(s);
    biz_record_tb_str(b, r ? r : "");
    free(r);
}

/* A stored value as the record holds it: its JSON as it is, or, when that
 * JSON holds a registered secret, {"__sealed__": <base64 of that JSON>}.
 * Data must come back exactly (--resume hands it to the tasks it runs
 * again), and a secret must not be readable in a record: sealing does
 * both, where masking would change the data. Printed once. */
/* v as compact JSON, appended (what cJSON_PrintUnformatted gives, without
 * its buffer of its own: a journal line holds an XCom). */
static void tb_json(biz_buf *b, const cJSON *v, int depth)
{
    if (depth > 1000) {          /* cJSON parses no deeper */
        TB_LIT(b, "null");
        return;
    }
    if (cJSON_IsString(v)) {
        biz_record_tb_str(b, v->valuestring ? v->valuestring : "");
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (isnan(d) || isinf(d)) {
            TB_LIT(b, "null");
        } else if (fabs(d) < 1e15 && d == (double)(long long)d) {   /* in range first: the cast */
            long long i = (long long)d;
            if (i < 0)
                biz_buf_add(b, "-", 1);
            tb_int(b, (long)(i < 0 ? -i : i));
        } else {
            char num[32];
            snprintf(num, sizeof num, "%1.15g", d);
            if (strtod(num, NULL) != d)
                snprintf(num, sizeof num, "%1.17g", d);
            biz_buf_adds(b, num);
        }
    } else if (cJSON_IsBool(v)) {
        biz_buf_adds(b, cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsRaw(v)) {
        biz_buf_adds(b, v->valuestring ? v->valuestring : "null");
    } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        int obj = cJSON_IsObject(v);
        biz_buf_add(b, obj ? "{" : "[", 1);
        for (const cJSON *c = v->child; c; c = c->next) {
            if (c != v->child)
                biz_buf_add(b, ",", 1);
            if (obj) {
                biz_record_tb_str(b, c->string ? c->string : "");
                biz_buf_add(b, ":", 1);
            }
            tb_json(b, c, depth + 1);
        }
        biz_buf_add(b, obj ? "}" : "]", 1);
    } else {
        TB_LIT(b, "null");
    }
}

static void tb_sealed(biz_buf *b, const cJSON *v)
{
    if (!v) {
        TB_LIT(b, "{}");
        return;
    }
    size_t start = b->n;
    tb_json(b, v, 0);
    if (b->oom || !biz_log_has_secret(b->p + start))
        return;
    char *text = strdup(b->p + start);
    b->n = start;
    b->p[start] = 0;
    char *b64 = text ? biz_b64_encode(text, strlen(text)) : NULL;
    if (!b64)
        b->oom = 1;
    TB_LIT(b, "{\"" SEALED_KEY "\": ");
    biz_record_tb_str(b, b64 ? b64 : "");
    TB_LIT(b, "}");
    free(b64);
    free(text);
}

/* A task's entry: {"state": ..., "xcom": ..., "log": ...}. log: the run
 * log's path as JSON (log->p NULL: none written). */
void biz_record_tb_task(biz_buf *b, const biz_ti *ti, const biz_buf *log)
{
    if (ti->state == BIZ_TI_NONE && !ti->tries && !ti->first_start && !ti->reason &&
        !ti->blocked && !(ti->xcom && ti->xcom->child) && !ti->branch &&
        !(ti->history && ti->history->child) && !ti->parent && ti->nmaps < 0) {
        /* Most of a base record: written as one piece. */
        TB_LIT(b, "{\"state\": \"none\", \"tries\": 0, \"start_date\": null, \"end_date\": null, "
               "\"duration\": null, \"reason\": null, \"xcom\": {}, \"log\": null}");
        return;
    }
    int done = biz_ti_state_finished(ti->state);
    TB_LIT(b, "{\"state\": \"");
    biz_buf_adds(b, biz_ti_state_names[ti->state]);
    TB_LIT(b, "\", \"tries\": ");
    tb_int(b, ti->tries);
    TB_LIT(b, ", ");
    biz_record_tb_time(b, "start_date", ti->first_start);
    TB_LIT(b, ", ");
    biz_record_tb_time(b, "end_date", done ? ti->end : 0);
    if (ti->first_start > 0 && ti->end >= ti->first_start && done) {
        long us = (long)((ti->end - ti->first_start) * 1e6 + 0.5), rem = us % 1000000;
        char frac[8];
        for (int i = 5; i >= 0; i--, rem /= 10)
            frac[i] = (char)('0' + rem % 10);
        frac[6] = 0;
        TB_LIT(b, ", \"duration\": ");
        tb_int(b, us / 1000000);
        TB_LIT(b, ".");
        biz_buf_adds(b, frac);
    } else {
        TB_LIT(b, ", \"duration\": null");
    }
    int blocked = ti->blocked && ti->state == BIZ_TI_NONE;
    TB_LIT(b, ", \"reason\": ");
    tb_masked(b, blocked ? ti->blocked : ti->reason);
    if (blocked)
        TB_LIT(b, ", \"blocked\": true");
    TB_LIT(b, ", \"xcom\": ");
    tb_sealed(b, ti->xcom);
    if (ti->branch) {
        /* The writer's own printer: a branch id is escaped as strictly. */
        TB_LIT(b, ", \"branch\": ");
        tb_json(b, ti->branch, 0);
    }
    if (ti->history && ti->history->child) {
        TB_LIT(b, ", \"history\": ");
        tb_json(b, ti->history, 0);
    }
    if (ti->parent) {
        TB_LIT(b, ", \"map_index\": ");
        tb_int(b, ti->map_index);
        if (ti->map_label) {
            TB_LIT(b, ", \"rendered_map_index\": ");
            tb_masked(b, ti->map_label);
        }
    } else if (ti->nmaps >= 0) {
        TB_LIT(b, ", \"mapped\": ");
        tb_int(b, ti->nmaps);
    }
    TB_LIT(b, ", \"log\": ");
    if (log && log->p && ti->tries > 0)
        biz_buf_add(b, log->p, log->n);
    else
        TB_LIT(b, "null");
    TB_LIT(b, "}");
}

/* The run log's path as a JSON string, made once for all the entries that
 * name it (b->p NULL: none). */
void biz_record_log_json(biz_buf *b, const char *path)
{
    if (path)
        biz_record_tb_str(b, path);
}

/* The whole record of run, one task a line; with journal_gen > 0 it names
 * the journal of that generation. */
void biz_record_tb_record(biz_buf *b, const biz_run *run, const biz_store *st, long journal_gen)
{
    const biz_dag_def *dag = run->dag;
    char ld[48], is[48], ie[48];
    biz_state_iso_us((double)run->logical_date + run->logical_us / 1e6, ld, sizeof ld);
    biz_state_iso_us((double)run->interval_start + run->interval_us / 1e6, is, sizeof is);
    biz_state_iso_us((double)run->interval_end + run->interval_us / 1e6, ie, sizeof ie);
    biz_buf_printf(b, "{\n  \"format\": %d,\n  \"dag_id\": ", BIZ_RECORD_FORMAT);
    biz_record_tb_str(b, dag->dag_id);
    TB_LIT(b, ",\n  \"run_id\": ");
    biz_record_tb_str(b, run->run_id);
    biz_buf_printf(b, ",\n  \"run_type\": \"%s\",\n  \"run_number\": %d,\n  \"logical_date\": \"%s\","
         "\n  \"data_interval_start\": \"%s\",\n  \"data_interval_end\": \"%s\",\n  \"conf\": ",
         run->run_type ? run->run_type : "manual", run->run_number, ld, is, ie);
    /* conf and XComs are data: stored exactly, sealed when they hold a
     * secret. Messages are masked; so is what --show prints. */
    tb_sealed(b, run->conf);
    biz_buf_printf(b, ",\n  \"state\": \"%s\",\n  ", biz_run_state_names[run->state]);
    biz_record_tb_time(b, "start_date", run->start_wall);
    TB_LIT(b, ",\n  ");
    biz_record_tb_time(b, "end_date", run->state == BIZ_RUN_RUNNING ? 0 : run->end_wall);
    biz_buf_printf(b, ",\n  \"pid\": %ld,\n  \"source_sha256\": ", (long)getpid());
    biz_record_tb_str(b, dag->source_sha256 ? dag->source_sha256 : "");
    /* The DAG's version: which build made (and last continued) this run,
     * so --resume/--rerun can refuse to mix two builds (runplan.c). */
    TB_LIT(b, ",\n  \"bizc_version\": ");
    biz_record_tb_str(b, dag->bizc_version ? dag->bizc_version : "");
    if (run->history && run->history->child) {
        TB_LIT(b, ",\n  \"history\": ");
        tb_json(b, run->history, 0);
    }
    if (journal_gen > 0)
        biz_buf_printf(b, ",\n  \"journal_gen\": %ld", journal_gen);
    char *log = st ? biz_store_log_path(st, run->run_id) : NULL;
    biz_buf lj = { 0 };
    biz_record_log_json(&lj, log);
    TB_LIT(b, ",\n  \"log\": ");
    if (log)
        biz_record_tb_str(b, log);
    else
        TB_LIT(b, "null");
    TB_LIT(b, ",\n  \"tasks\": {");
    /* Each mapped task followed by its instances, in map index order. */
    int first = 1;
    for (int i = 0; i < run->nstatic; i++) {
        const biz_ti *ti = run->tis[i];
        int n = ti->nmaps > 0 ? ti->nmaps : 0;
        for (int k = -1; k < n; k++) {
            const biz_ti *x = k < 0 ? ti : run->tis[ti->map_first + k];
            biz_buf_adds(b, first ? "\n    " : ",\n    ");
            first = 0;
            biz_record_tb_str(b, x->def->task_id);
            TB_LIT(b, ": ");
            biz_record_tb_task(b, x, &lj);
        }
    }
    biz_buf_free(&lj);
    free(log);
    biz_buf_adds(b, run->n ? "\n  }\n}\n" : "}\n}\n");
}

/* The record of run as JSON (parsed from the text the store writes). */
cJSON *biz_record_from_run(const biz_run *run, const biz_store *st)
{
    biz_buf b = { 0 };
    biz_record_tb_record(&b, run, st, 0);
    cJSON *rec = b.oom || !b.p ? NULL : cJSON_Parse(b.p);
    biz_buf_free(&b);
    return rec;
}

/* Whether v is a value the record holds sealed (it held a secret). */
int biz_record_sealed(const cJSON *v)
{
    return cJSON_IsObject(v) && cJSON_GetArraySize(v) == 1 &&
           cJSON_IsString(cJSON_GetObjectItemCaseSensitive(v, SEALED_KEY));
}

/* The value a record holds (see seal); NULL when a seal is broken. */
cJSON *biz_record_value(const cJSON *v)
{
    const cJSON *s = cJSON_IsObject(v) && cJSON_GetArraySize(v) == 1
                     ? cJSON_GetObjectItemCaseSensitive(v, SEALED_KEY) : NULL;
    if (!cJSON_IsString(s))
        return cJSON_Duplicate(v, 1);
    unsigned char *raw = NULL;
    size_t len = 0;
    if (biz_b64_decode(s->valuestring, strlen(s->valuestring), &raw, &len) < 0)
        return NULL;
    cJSON *out = cJSON_ParseWithLength((const char *)raw, len);
    free(raw);
    return out;
}

/* Whether a recorded task runs again on --resume. */
int biz_record_should_rerun(const char *state, const char *reason)
{
    if (!state)
        return 1;
    if (strcmp(state, "success") == 0)
        return 0;
    if (strcmp(state, "skipped") == 0)
        return reason && strcmp(reason, "dagrun_timeout exceeded") == 0;
    return 1;
}

static int state_from_name(const char *s)
{
    for (int i = 0; s && i < BIZ_TI__COUNT; i++)
        if (strcmp(biz_ti_state_names[i], s) == 0)
            return i;
    return -1;
}

const char *biz_record_jstr(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A time field: absent, null or an ISO time. */
static int time_ok(const cJSON *o, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field);
    time_t t;
    return !v || cJSON_IsNull(v) || (cJSON_IsString(v) && biz_isotime_parse(v->valuestring, &t) == 0);
}

/* An integer in [lo, hi] (what a count or a pid must be before a cast). */
static int int_ok(const cJSON *v, double lo, double hi)
{
    return cJSON_IsNumber(v) && v->valuedouble >= lo && v->valuedouble <= hi &&
           v->valuedouble == floor(v->valuedouble);
}

/* A history (of a run or a task): absent, or a list of objects. */
static int history_ok(const cJSON *h)
{
    if (!h)
        return 1;
    if (!cJSON_IsArray(h))
        return 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, h)
        if (!cJSON_IsObject(e))
            return 0;
    return 1;
}

/* What is wrong with a record (state.h). A record comes from a file
 * anyone with access to the state directory can edit, or a disk can
 * damage: every field the readers use is checked here, before a cast or
 * a dereference relies on it. */
int biz_record_check(const cJSON *rec, char *err, size_t errlen)
{
    if (!cJSON_IsObject(rec)) {
        snprintf(err, errlen, "not a JSON object");
        return -1;
    }
    static const char *const strings[] = { "run_id", "dag_id", "run_type", "logical_date" };
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        if (!biz_record_jstr(rec, strings[i])) {
            snprintf(err, errlen, "no %s (a string)", strings[i]);
            return -1;
        }
    const char *state = biz_record_jstr(rec, "state");
    int known = 0;
    for (size_t i = 0; state && i < BIZ_RUN__COUNT; i++)
        known |= strcmp(state, biz_run_state_names[i]) == 0;
    if (!known) {
        snprintf(err, errlen, state ? "state '%.40s' is not a run state" : "no state (a string)%s",
                 state ? state : "");
        return -1;
    }
    const cJSON *pid = cJSON_GetObjectItemCaseSensitive(rec, "pid");
    if (pid && !cJSON_IsNull(pid) && !int_ok(pid, 1, INT_MAX)) {
        snprintf(err, errlen, "pid is not a process id");
        return -1;
    }
    const cJSON *num = cJSON_GetObjectItemCaseSensitive(rec, "run_number");
    if (num && !int_ok(num, 0, INT_MAX)) {
        snprintf(err, errlen, "run_number is not a count");
        return -1;
    }
    const char *times[] = { "logical_date", "data_interval_start", "data_interval_end",
                            "start_date", "end_date" };
    for (size_t i = 0; i < sizeof times / sizeof *times; i++)
        if (!time_ok(rec, times[i])) {
            snprintf(err, errlen, "%s is not a time", times[i]);
            return -1;
        }
    static const char *const versions[] = { "source_sha256", "bizc_version" };
    for (size_t i = 0; i < sizeof versions / sizeof *versions; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, versions[i]);
        if (v && !cJSON_IsNull(v) && !cJSON_IsString(v)) {
            snprintf(err, errlen, "%s is not a string", versions[i]);
            return -1;
        }
    }
    const cJSON *conf = cJSON_GetObjectItemCaseSensitive(rec, "conf");
    if (conf && !cJSON_IsObject(conf)) {
        snprintf(err, errlen, "conf is not an object");
        return -1;
    }
    if (!history_ok(cJSON_GetObjectItemCaseSensitive(rec, "history"))) {
        snprintf(err, errlen, "history is not a list of objects");
        return -1;
    }
    const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(rec, "tasks");
    if (!cJSON_IsObject(tasks)) {
        snprintf(err, errlen, tasks ? "tasks is not an object" : "no tasks");
        return -1;
    }
    const cJSON *t;
    cJSON_ArrayForEach(t, tasks) {
        const char *id = t->string ? t->string : "?";
        const char *ts = biz_record_jstr(t, "state");
        const cJSON *v;
        if (!cJSON_IsObject(t)) {
            snprintf(err, errlen, "task '%.80s' is not an object", id);
            return -1;
        }
        if (state_from_name(ts) < 0) {
            snprintf(err, errlen, ts ? "task '%.80s': state '%.40s' is not a task state"
                                     : "task '%.80s': no state (a string)%s", id, ts ? ts : "");
            return -1;
        }
        /* A try count a resume goes on from: past a million, the next
         * try's number would be meaningless (and near INT_MAX, overflow). */
        v = cJSON_GetObjectItemCaseSensitive(t, "tries");
        if (v && !int_ok(v, 0, 1000000)) {
            snprintf(err, errlen, "task '%.80s': tries is not a count (0 to 1000000)", id);
            return -1;
        }
        if (!time_ok(t, "start_date") || !time_ok(t, "end_date")) {
            snprintf(err, errlen, "task '%.80s': start_date or end_date is not a time", id);
            return -1;
        }
        v = cJSON_GetObjectItemCaseSensitive(t, "duration");
        if (v && !cJSON_IsNull(v) && !(cJSON_IsNumber(v) && v->valuedouble >= 0)) {
            snprintf(err, errlen, "task '%.80s': duration is not a number of seconds", id);
            return -1;
        }
        v = cJSON_GetObjectItemCaseSensitive(t, "reason");
        if (v && !cJSON_IsNull(v) && !cJSON_IsString(v)) {
            snprintf(err, errlen, "task '%.80s': reason is not a string", id);
            return -1;
        }
        v = cJSON_GetObjectItemCaseSensitive(t, "xcom");
        if (v && !cJSON_IsObject(v)) {
            snprintf(err, errlen, "task '%.80s': xcom is not an object", id);
            return -1;
        }
        v = cJSON_GetObjectItemCaseSensitive(t, "branch");
        if (v && !cJSON_IsArray(v)) {
            snprintf(err, errlen, "task '%.80s': branch is not a list", id);
            return -1;
        }
        if (!history_ok(cJSON_GetObjectItemCaseSensitive(t, "history"))) {
            snprintf(err, errlen, "task '%.80s': history is not a list of objects", id);
            return -1;
        }
    }
    return 0;
}

/* Applies one task's record entry rt (NULL: none) to ti for --resume:
 * returns 1 when it runs again, 0 when it keeps its recorded state. */
/* Gives ti its recorded outcome (state sv, ntries tries): times, reason,
 * map label, XComs and branch. */
static int keep_recorded(biz_ti *ti, const cJSON *rt, biz_ti_state sv, int ntries)
{
    const char *reason = biz_record_jstr(rt, "reason");
    biz_ti_set_state(ti, sv);
    ti->tries = ti->try_base = ntries;
    ti->first_start = biz_record_time(rt, "start_date");
    ti->end = biz_record_time(rt, "end_date");
    free(ti->reason);
    ti->reason = reason ? strdup(reason) : NULL;
    if (reason && !ti->reason)
        return -1;
    const char *label = biz_record_jstr(rt, "rendered_map_index");
    if (label && ti->parent) {
        free(ti->map_label);
        if (!(ti->map_label = strdup(label)))
            return -1;
    }
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(rt, "xcom");
    if (cJSON_IsObject(x)) {
        cJSON_Delete(ti->xcom);
        ti->xcom = biz_record_value(x);
        /* a sealed value that does not read back is kept as none; a
         * plain one not copied is out of memory */
        if (!ti->xcom && !biz_record_sealed(x))
            return -1;
        if (!ti->xcom && !(ti->xcom = cJSON_CreateObject()))
            return -1;
    }
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(rt, "branch");
    if (cJSON_IsArray(b)) {
        cJSON_Delete(ti->branch);
        if (!(ti->branch = cJSON_Duplicate(b, 1)))
            return -1;
    }
    return 0;
}

static int record_tries(const cJSON *rt)
{
    const cJSON *tries = cJSON_GetObjectItemCaseSensitive(rt, "tries");
    return cJSON_IsNumber(tries) && tries->valueint > 0 ? tries->valueint : 0;
}

/* Applies one task's record entry rt (NULL: none) to ti for --resume:
 * returns 1 when it runs again, 0 when it keeps its recorded state, -1
 * out of memory. */
int biz_record_apply_task(biz_ti *ti, const cJSON *rt)
{
    int ntries = record_tries(rt);
    const char *st = biz_record_jstr(rt, "state");
    int sv = state_from_name(st);
    if (!rt || sv < 0 || biz_record_should_rerun(st, biz_record_jstr(rt, "reason"))) {
        /* Runs again; its try numbers (and log files) continue. */
        ti->tries = ti->try_base = ntries;
        return 1;
    }
    return keep_recorded(ti, rt, (biz_ti_state)sv, ntries);
}

/* Applies a record to a fresh run for --resume. */
int biz_record_apply(biz_run *run, const cJSON *rec, char *err, size_t errlen)
{
    return biz_record_apply_clear(run, rec, NULL, "resume", err, errlen);
}

/* A copy of a history list of a record into *out (NULL when there is
 * none): 0, or -1 out of memory. */
static int history_of(const cJSON *o, cJSON **out)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "history");
    *out = cJSON_IsArray(h) ? cJSON_Duplicate(h, 1) : NULL;
    return cJSON_IsArray(h) && !*out ? -1 : 0;
}

/* Appends to ti's history the outcome the record held for it, which the
 * coming try replaces: a rerun or a resume never forgets a try. */
static int remember_outcome(biz_ti *ti, const cJSON *rt, int ntries, const char *action)
{
    if (!rt || ntries <= 0)
        return 0;   /* never tried: nothing to remember */
    if (!ti->history)
        ti->history = cJSON_CreateArray();
    cJSON *e = cJSON_CreateObject();
    if (!ti->history || !e) {
        cJSON_Delete(e);
        return -1;
    }
    static const char *const keep[] = { "state", "tries", "start_date", "end_date", "duration",
                                        "reason" };
    for (size_t k = 0; k < sizeof keep / sizeof *keep; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(rt, keep[k]);
        cJSON *d = v ? cJSON_Duplicate(v, 1) : NULL;
        if (v && (!d || !cJSON_AddItemToObject(e, keep[k], d))) {
            cJSON_Delete(d);
            cJSON_Delete(e);
            return -1;
        }
    }
    char now[48];
    biz_state_iso_us(biz_run_wall_now(), now, sizeof now);
    if (!cJSON_AddStringToObject(e, "cleared_by", action) || !cJSON_AddStringToObject(e, "cleared_at", now)) {
        cJSON_Delete(e);
        return -1;
    }
    cJSON_AddItemToArray(ti->history, e);
    return 0;
}

/* Applies a record to a fresh run, clearing the tasks in clear. */
int biz_record_apply_clear(biz_run *run, const cJSON *rec, const unsigned char *clear,
                           const char *action, char *err, size_t errlen)
{
    char why[200];
    if (biz_record_check(rec, why, sizeof why) < 0) {
        snprintf(err, errlen, "malformed run record: %s", why);
        return -1;
    }
    const char *dag_id = biz_record_jstr(rec, "dag_id"), *run_id = biz_record_jstr(rec, "run_id");
    const char *ld = biz_record_jstr(rec, "logical_date");
    time_t t;
    long ld_us, iv_us = 0;
    if (!dag_id || !run_id || !ld || biz_isotime_parse_us(ld, &t, &ld_us) != 0) {
        snprintf(err, errlen, "malformed run record (no dag_id, run_id or logical_date)");
        return -1;
    }
    if (strcmp(dag_id, run->dag->dag_id) != 0) {
        snprintf(err, errlen, "the record is of DAG '%s', not '%s'", dag_id, run->dag->dag_id);
        return -1;
    }
    char *id = strdup(run_id);
    if (!id) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(run->run_id);
    run->run_id = id;
    run->logical_date = t;
    run->logical_us = (int)ld_us;
    const char *type = biz_record_jstr(rec, "run_type");
    run->run_type = type && strcmp(type, "scheduled") == 0 ? "scheduled" : "manual";
    const char *s = biz_record_jstr(rec, "data_interval_start"),
               *e = biz_record_jstr(rec, "data_interval_end");
    if (!s || biz_isotime_parse_us(s, &run->interval_start, &iv_us) != 0)
        run->interval_start = t;
    if (!e || biz_isotime_parse(e, &run->interval_end) != 0)
        run->interval_end = run->interval_start;
    run->interval_us = (int)iv_us;
    const cJSON *rconf = cJSON_GetObjectItemCaseSensitive(rec, "conf");
    cJSON *conf = biz_record_value(rconf);
    /* a sealed conf that does not read back is ignored; a plain one not
     * copied is out of memory */
    if (rconf && !conf && !biz_record_sealed(rconf))
        goto oom;
    if (cJSON_IsObject(conf)) {
        cJSON_Delete(run->conf);
        run->conf = conf;
        conf = NULL;
    }
    cJSON_Delete(conf);
    const cJSON *num = cJSON_GetObjectItemCaseSensitive(rec, "run_number");
    if (cJSON_IsNumber(num) && num->valueint > 0)
        run->run_number = num->valueint;
    double start = biz_record_time(rec, "start_date");
    if (start > 0)
        run->start_wall = start;

    cJSON_Delete(run->history);
    if (history_of(rec, &run->history) < 0)
        goto oom;
    const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(rec, "tasks");
    int rerun = 0;
    for (int i = 0; i < run->n; i++) {
        biz_ti *ti = run->tis[i];
        const cJSON *rt = cJSON_GetObjectItemCaseSensitive(tasks, ti->def->task_id);
        int ntries = record_tries(rt);
        const char *st = biz_record_jstr(rt, "state"), *reason = biz_record_jstr(rt, "reason");
        int sv = state_from_name(st);
        cJSON_Delete(ti->history);
        if (history_of(rt, &ti->history) < 0)
            goto oom;
        const cJSON *mapped = cJSON_GetObjectItemCaseSensitive(rt, "mapped");
        if (ti->map && !(clear && clear[i]) && cJSON_IsNumber(mapped) && mapped->valueint > 0 &&
            mapped->valueint <= 1000000) {
            /* A mapped task expands again, its instances that were kept
             * taking their record's state (map.h). */
            if (biz_map_keep_restore(ti, tasks, mapped->valueint) < 0)
                goto oom;
            rerun++;
            continue;
        }
        /* A resume runs what did not succeed; a rerun what it clears (and
         * what never finished), keeping every other outcome, a failure
         * included, as Airflow's clear does. */
        int again = !rt || sv < 0 ||
                    (clear ? clear[i] || !biz_ti_state_finished((biz_ti_state)sv)
                           : biz_record_should_rerun(st, reason));
        if (again) {
            /* Runs again; its try numbers (and log files) continue. */
            if (remember_outcome(ti, rt, ntries, action) < 0)
                goto oom;
            ti->tries = ti->try_base = ntries;
            rerun++;
            continue;
        }
        if (keep_recorded(ti, rt, (biz_ti_state)sv, ntries) < 0)
            goto oom;
    }
    return rerun;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* ---------------------------------------------------------------- failed writes
 *
 * A run whose record is not true is worse than a run that stops: a resume
 * would repeat calls that were made, or skip calls that were not (issue
 * 10). So every failed write of the record, the journal or the run log
 * (EACCES, ENOSPC, EROFS, EIO, a short write, a failed fsync) ends here:
 * said once, naming the file and the error, and the run starts no task
 * from then on; runplan.c then exits with BIZ_EXIT_RECORD. The tries in
 * flight finish (killing them would lose their outcome as surely), and the
 * end of the run is written whole if the disk allows it; if it does not,
 * the last record written and its journal stay as they were. */

/* Marks the run failed and stops what would start tasks: the scheduling
 * pass, retries and the dagrun_timeout timer (whose tasks would be
 * skipped, which a resume would then rerun anyway). */
static void stop_starting(biz_run *run)
{
    if (run->state != BIZ_RUN_RUNNING)
        return;
    run->state = BIZ_RUN_FAILED;
    run->end_wall = biz_run_wall_now();
    biz_loop_timer_cancel(run->loop, run->pump_timer);
    run->pump_timer = 0;
    biz_loop_timer_cancel(run->loop, run->timeout_timer);
    run->timeout_timer = 0;
    for (int i = 0; i < run->n; i++) {
        biz_loop_timer_cancel(run->loop, run->tis[i]->retry_timer);
        run->tis[i]->retry_timer = 0;
    }
}

/* The store a run is attached to, for biz_record_failed. */
biz_store *biz_record_attached;

void biz_record_failed_in(biz_store *st, const char *path, int err)
{
    if (st->save_failed)
        return;
    st->save_failed = 1;
    st->fail_errno = err ? err : EIO;
    biz_run *run = st->run;
    int started = run && run->loop && run->state == BIZ_RUN_RUNNING;
    biz_log(BIZ_LOG_ERROR, "cannot write %s: %s; %s", path ? path : st->runs_dir,
            strerror(st->fail_errno),
            started ? "the run stops: no task starts from now on (exit status 5)"
                    : run && !run->loop && run->state == BIZ_RUN_RUNNING
                    ? "the run does not start: it could not be recorded (exit status 5)"
                    : "the record of the run may be incomplete (exit status 5)");
    if (started)
        stop_starting(run);
}

/* A failed write of a file of the attached run made elsewhere (state.h). */
void biz_record_failed(const char *path, int err)
{
    if (biz_record_attached && biz_record_attached->run)
        biz_record_failed_in(biz_record_attached, path, err);
    else
        biz_log(BIZ_LOG_ERROR, "cannot write %s: %s", path ? path : "?", strerror(err ? err : EIO));
}
