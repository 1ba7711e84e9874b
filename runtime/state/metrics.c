/* metrics.c: the run's metrics as a node_exporter textfile (metrics.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "metrics.h"
#include "state.h"

/* A label value as the text format wants it: backslash, quote and line
 * feed escaped. */
static void mb_label(FILE *b, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\')
            fputs("\\\\", b);
        else if (*s == '"')
            fputs("\\\"", b);
        else if (*s == '\n')
            fputs("\\n", b);
        else
            putc(*s, b);
    }
}

/* "# HELP name help\n# TYPE name gauge\n" */
static void mb_head(FILE *b, const char *name, const char *help)
{
    fprintf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* name{dag_id="..."[,label="value"]} */
static void mb_series(FILE *b, const char *name, const char *dag_id, const char *label,
                      const char *value)
{
    fprintf(b, "%s{dag_id=\"", name);
    mb_label(b, dag_id);
    if (label) {
        fprintf(b, "\",%s=\"", label);
        mb_label(b, value);
    }
    fprintf(b, "\"} ");
}

/* The metrics file's text. */
char *biz_metrics_text(const biz_metrics_in *m)
{
    const biz_run *run = m->run;
    const char *dag = run->dag->dag_id;
    char *text = NULL;
    size_t len = 0;
    FILE *b = open_memstream(&text, &len);
    if (!b)
        return NULL;
    double end = run->end_wall > 0 ? run->end_wall : biz_run_wall_now();
    double dur = end >= m->started ? end - m->started : 0;

    mb_head(b, "bizc_dag_run_info", "The DAG's last run: its id and type, and the DAG version"
            " (source sha256, bizc version) that ran it.");
    fprintf(b, "bizc_dag_run_info{dag_id=\"");
    mb_label(b, dag);
    fprintf(b, "\",run_id=\"");
    mb_label(b, run->run_id);
    fprintf(b, "\",run_type=\"");
    mb_label(b, run->run_type ? run->run_type : "manual");
    fprintf(b, "\",source_sha256=\"");
    mb_label(b, run->dag->source_sha256 ? run->dag->source_sha256 : "");
    fprintf(b, "\",bizc_version=\"");
    mb_label(b, run->dag->bizc_version ? run->dag->bizc_version : "");
    fprintf(b, "\"} 1\n");

    mb_head(b, "bizc_dag_run_success", "1 when the DAG's last run succeeded, else 0.");
    mb_series(b, "bizc_dag_run_success", dag, NULL, NULL);
    fprintf(b, "%d\n", run->state == BIZ_RUN_SUCCESS);

    mb_head(b, "bizc_dag_run_state", "The last run's outcome: 1 for its state, 0 for the others.");
    for (int s = BIZ_RUN_SUCCESS; s <= BIZ_RUN_TIMED_OUT; s++) {
        mb_series(b, "bizc_dag_run_state", dag, "state", biz_run_state_names[s]);
        fprintf(b, "%d\n", (int)run->state == s);
    }

    mb_head(b, "bizc_dag_run_exit_status", "The exit status of the invocation that made the last"
            " run (0 success, 1 failed, 3 dagrun_timeout, 5 not recorded, 130/143 signals).");
    mb_series(b, "bizc_dag_run_exit_status", dag, NULL, NULL);
    fprintf(b, "%d\n", m->exit_status);

    mb_head(b, "bizc_dag_run_start_timestamp_seconds", "When the last run started (this"
            " invocation: a resumed or rerun run's own start is in its record), Unix time.");
    mb_series(b, "bizc_dag_run_start_timestamp_seconds", dag, NULL, NULL);
    fprintf(b, "%.3f\n", m->started);
    mb_head(b, "bizc_dag_run_end_timestamp_seconds", "When the last run ended, Unix time.");
    mb_series(b, "bizc_dag_run_end_timestamp_seconds", dag, NULL, NULL);
    fprintf(b, "%.3f\n", end);
    mb_head(b, "bizc_dag_run_duration_seconds", "How long the last run took, in seconds.");
    mb_series(b, "bizc_dag_run_duration_seconds", dag, NULL, NULL);
    fprintf(b, "%.3f\n", dur);

    mb_head(b, "bizc_dag_run_tasks", "Tasks of the last run in each state at its end.");
    long tries = 0, retries = 0;
    for (int s = 0; s < BIZ_TI__COUNT; s++) {
        mb_series(b, "bizc_dag_run_tasks", dag, "state", biz_ti_state_names[s]);
        fprintf(b, "%d\n", run->nstate[s]);
    }
    for (int i = 0; i < run->n; i++) {
        tries += run->tis[i]->tries;
        retries += run->tis[i]->tries > 1 ? run->tis[i]->tries - 1 : 0;
    }
    mb_head(b, "bizc_dag_run_tries", "Tries of the last run's tasks, all tasks together (a"
            " resumed run's count its earlier invocations').");
    mb_series(b, "bizc_dag_run_tries", dag, NULL, NULL);
    fprintf(b, "%ld\n", tries);
    mb_head(b, "bizc_dag_run_retries", "Tries beyond each task's first in the last run.");
    mb_series(b, "bizc_dag_run_retries", dag, NULL, NULL);
    fprintf(b, "%ld\n", retries);
    mb_head(b, "bizc_dag_task_tries", "Tries of each task in the last run.");
    for (int i = 0; i < run->n; i++) {
        mb_series(b, "bizc_dag_task_tries", dag, "task_id", run->tis[i]->def->task_id);
        fprintf(b, "%d\n", run->tis[i]->tries);
    }

    mb_head(b, "bizc_dag_last_success_timestamp_seconds", "When a run of the DAG last"
            " succeeded (its end), Unix time; 0 when none is known.");
    mb_series(b, "bizc_dag_last_success_timestamp_seconds", dag, NULL, NULL);
    fprintf(b, "%.3f\n", m->last_success);
    if (ferror(b)) {
        fclose(b);
        free(text);
        return NULL;
    }
    if (fclose(b) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* The value of the last-success series of dag_id in an earlier file. */
static double from_file(const char *path, const char *dag_id)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[1024], want[600];
    snprintf(want, sizeof want, "bizc_dag_last_success_timestamp_seconds{dag_id=\"%s\"} ", dag_id);
    double v = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, want, strlen(want)) != 0)
            continue;
        char *end;
        double d = strtod(line + strlen(want), &end);
        if (end != line + strlen(want) && d > 0 && d < 1e11)
            v = d;
    }
    fclose(f);
    return v;
}

/* The latest success known for dag_id. */
double biz_metrics_last_success(const char *path, const char *dag_id, const cJSON *records)
{
    double best = path ? from_file(path, dag_id) : 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, records) {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(r, "state");
        if (!cJSON_IsString(s) || strcmp(s->valuestring, "success") != 0)
            continue;
        double t = biz_record_time(r, "end_date");
        if (t > best)
            best = t;
    }
    return best;
}

/* Writes the metrics file atomically. */
int biz_metrics_write(const char *path, const biz_metrics_in *m, char *err, size_t errlen)
{
    char *text = biz_metrics_text(m);
    char *tmp = NULL;
    const char *slash = strrchr(path, '/');
    /* In the same directory (a rename cannot cross file systems), with a
     * name the collector skips (it reads *.prom only). */
    if (!text || asprintf(&tmp, "%.*s.%s.tmp.%ld", slash ? (int)(slash - path + 1) : 0, path,
                          slash ? slash + 1 : path, (long)getpid()) < 0) {
        free(text);
        snprintf(err, errlen, "cannot write the metrics file %s: out of memory", path);
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int e = 0;
    if (fd < 0) {
        e = errno;
    } else {
        size_t len = strlen(text), off = 0;
        while (off < len) {
            ssize_t n = write(fd, text + off, len - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                e = n < 0 ? errno : EIO;
                break;
            }
            off += (size_t)n;
        }
        /* 0644 whatever the umask: the collector runs as another user. */
        if (!e && fchmod(fd, 0644) < 0)
            e = errno;
        if (!e && fsync(fd) < 0)
            e = errno;
        if (close(fd) < 0 && !e)
            e = errno;
        if (!e && rename(tmp, path) < 0)
            e = errno;
        if (e)
            unlink(tmp);
    }
    free(tmp);
    free(text);
    if (e) {
        snprintf(err, errlen, "cannot write the metrics file %s: %s", path, strerror(e));
        return -1;
    }
    return 0;
}
