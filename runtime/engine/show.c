/* show.c: --list, --graph, the --dry-run plan and the run's summary. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "show.h"
#include "args.h"
#include "ops.h"
#include "context.h"

static const char *op_name(int k)
{
    return k >= 0 && k < BIZ_OP__COUNT ? biz_ops[k].name : "?";
}

/* The upstream ids of task i joined by ", " (malloc'd). */
static char *upstream_list(const biz_dag_def *dag, int i)
{
    size_t n = 2;
    const biz_task_def *d = &dag->tasks[i];
    for (int u = 0; u < d->nupstream; u++)
        n += strlen(dag->tasks[d->upstream[u]].task_id) + 2;
    char *s = malloc(n);
    if (!s)
        return NULL;
    s[0] = 0;
    for (int u = 0; u < d->nupstream; u++) {
        if (u)
            strcat(s, ", ");
        strcat(s, dag->tasks[d->upstream[u]].task_id);
    }
    if (!d->nupstream)
        strcpy(s, "-");
    return s;
}

/* " (setup)", " (teardown)" or "" after a task's operator. */
static const char *st_mark(const biz_ti *ti)
{
    return ti->is_setup ? " (setup)" : ti->is_teardown ? " (teardown)" : "";
}

/* Task, operator (and whether it is a setup or teardown task), upstream
 * tasks, trigger rule and owner, one task a line. */
void biz_show_list(FILE *f, const biz_run *run)
{
    int w1 = 4, w2 = 8, w3 = 8, w4 = 12;
    for (int i = 0; i < run->n; i++) {
        char *up = upstream_list(run->dag, i);
        int a = (int)strlen(run->tis[i]->def->task_id) + (run->tis[i]->map ? 4 : 0);
        int b = (int)(strlen(op_name(run->tis[i]->def->op)) + strlen(st_mark(run->tis[i])));
        int c = up ? (int)strlen(up) : 0, d = (int)strlen(biz_trigger_names[run->tis[i]->rule]);
        w1 = a > w1 ? a : w1;
        w2 = b > w2 ? b : w2;
        w3 = c > w3 ? c : w3;
        w4 = d > w4 ? d : w4;
        free(up);
    }
    fprintf(f, "%-*s  %-*s  %-*s  %-*s  %s\n", w1, "TASK", w2, "OPERATOR", w3, "UPSTREAM",
            w4, "TRIGGER RULE", "OWNER");
    for (int i = 0; i < run->n; i++) {
        char *up = upstream_list(run->dag, i);
        /* the owner argument (default_args' too), Airflow's 'airflow' when none */
        const char *owner = biz_args_str(run->tis[i]->args, run->tis[i]->def->op, BIZ_ARG_owner);
        /* A mapped task as Airflow's UI shows it, "call [ ]": its
         * instances only exist in a run. */
        char id[600], op[128];
        snprintf(id, sizeof id, "%s%s", run->tis[i]->def->task_id, run->tis[i]->map ? " [ ]" : "");
        snprintf(op, sizeof op, "%s%s", op_name(run->tis[i]->def->op), st_mark(run->tis[i]));
        fprintf(f, "%-*s  %-*s  %-*s  %-*s  %s\n", w1, id, w2, op, w3, up ? up : "?",
                w4, biz_trigger_names[run->tis[i]->rule], owner ? owner : "");
        free(up);
    }
}

/* 1 for a setup task, 2 for a teardown, else 0 (from its arguments). */
static int st_kind(const biz_task_def *d)
{
    cJSON *a = cJSON_Parse(d->args_json ? d->args_json : "{}");
    int k = biz_args_bool(a, d->op, BIZ_ARG_is_setup) ? 1
          : biz_args_bool(a, d->op, BIZ_ARG_is_teardown) ? 2 : 0;
    cJSON_Delete(a);
    return k;
}

/* Prints s as a DOT quoted string. */
static void dot_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void dot_node(FILE *f, const biz_task_def *d, int st, const char *indent)
{
    fputs(indent, f);
    dot_str(f, d->task_id);
    fputs(" [label=", f);
    fputc('"', f);
    for (const char *s = d->task_id; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    /* mapped tasks, setups and teardowns marked, as Airflow's graph view does */
    fprintf(f, "%s\\n%s%s\"];\n", d->map_json ? " [ ]" : "", op_name(d->op),
            st == 1 ? " (setup)" : st == 2 ? " (teardown)" : "");
}

/* Prints the DAG as Graphviz DOT, groups as clusters. */
void biz_show_graph(FILE *f, const biz_dag_def *dag)
{
    fputs("digraph ", f);
    dot_str(f, dag->dag_id);
    fputs(" {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n", f);
    char *st = calloc((size_t)dag->ntasks + 1, 1);
    for (int i = 0; st && i < dag->ntasks; i++)
        st[i] = (char)st_kind(&dag->tasks[i]);
    /* Groups in order of first appearance, each once. */
    for (int i = 0; i < dag->ntasks; i++) {
        const char *g = dag->tasks[i].group_id;
        if (!g)
            continue;
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = dag->tasks[j].group_id && strcmp(dag->tasks[j].group_id, g) == 0;
        if (seen)
            continue;
        fputs("  subgraph ", f);
        char *cl = malloc(strlen(g) + 9);
        if (cl) {
            sprintf(cl, "cluster_%s", g);
            dot_str(f, cl);
            free(cl);
        }
        fputs(" {\n    label=", f);
        dot_str(f, g);
        fputs(";\n", f);
        for (int j = i; j < dag->ntasks; j++)
            if (dag->tasks[j].group_id && strcmp(dag->tasks[j].group_id, g) == 0)
                dot_node(f, &dag->tasks[j], st ? st[j] : 0, "    ");
        fputs("  }\n", f);
    }
    for (int i = 0; i < dag->ntasks; i++)
        if (!dag->tasks[i].group_id)
            dot_node(f, &dag->tasks[i], st ? st[i] : 0, "  ");
    for (int i = 0; i < dag->ntasks; i++)
        for (int u = 0; u < dag->tasks[i].nupstream; u++) {
            fputs("  ", f);
            dot_str(f, dag->tasks[dag->tasks[i].upstream[u]].task_id);
            fputs(" -> ", f);
            dot_str(f, dag->tasks[i].task_id);
            /* a setup to its teardown: dashed, as Airflow draws it */
            int up = dag->tasks[i].upstream[u];
            fputs(st && st[up] == 1 && st[i] == 2 ? " [style=dashed];\n" : ";\n", f);
        }
    free(st);
    fputs("}\n", f);
}

typedef struct plan_acc {
    FILE *f;
    const cJSON *args;
} plan_acc;

/* Prints an operator's own argument when set (BaseOperator's are shown in
 * the task's header line instead). */
static void plan_arg(const biz_arg_spec *a, void *user)
{
    plan_acc *p = user;
    if (biz_ops_arg(&biz_ops[BIZ_OP_EMPTY], a->name) || a->type == BIZ_T_CALLABLE)
        return;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(p->args, a->name);
    if (!v || cJSON_IsNull(v))
        return;
    char *s = cJSON_PrintUnformatted(v);
    char *r = s ? biz_log_redact(s) : NULL;
    fprintf(p->f, "      %s = %s\n", a->name, r ? r : "?");
    free(s);
    free(r);
}

/* Prints each non-empty line of text (redacted) under the task, after
 * mark; frees text. */
static void plan_lines(FILE *f, char mark, char *text)
{
    char *r = biz_log_redact(text);
    for (char *line = r ? strtok(r, "\n") : NULL; line; line = strtok(NULL, "\n"))
        fprintf(f, "      %c %s\n", mark, line);
    free(r);
    free(text);
}

/* Prints the --dry-run plan; returns the number of template errors. */
int biz_show_plan(FILE *f, biz_run *run)
{
    int errors = 0, k = 0;
    fprintf(f, "Plan of %s, run %s (dry run: nothing is called; an XCom not given with --xcom shows as <xcom of task 'ID'>)\n", run->dag->dag_id, run->run_id);
    for (int i = 0; i < run->n; i++) {
        biz_ti *ti = run->tis[i];
        if (run->only_task >= 0 && i != run->only_task)
            continue;
        char *up = upstream_list(run->dag, i);
        fprintf(f, "%3d. %s  (%s)\n      upstream: %s; trigger_rule: %s", ++k, ti->def->task_id,
                op_name(ti->def->op), up ? up : "?", biz_trigger_names[ti->rule]);
        free(up);
        if (ti->retries)
            fprintf(f, "; retries: %d every %gs%s", ti->retries, ti->retry_delay,
                    ti->backoff ? " with backoff" : "");
        if (ti->exec_timeout >= 0)
            fprintf(f, "; execution_timeout: %gs", ti->exec_timeout);
        fputc('\n', f);
        if (ti->map) {
            /* What each instance takes, known when the DAG runs. */
            const cJSON *kw = cJSON_GetObjectItemCaseSensitive(ti->map, "expand_kwargs"), *a;
            const cJSON *ex = cJSON_GetObjectItemCaseSensitive(ti->map, "expand");
            const cJSON *each = kw ? NULL : ex;
            cJSON_ArrayForEach(a, each) {
                const char *up = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "xcom"));
                char *v = up ? NULL : cJSON_PrintUnformatted(a);
                char *r = v ? biz_log_redact(v) : NULL;
                if (up)
                    fprintf(f, "      mapped: %s = each item of the XCom of task '%s'\n", a->string, up);
                else
                    fprintf(f, "      mapped: %s = each of %s (%d)\n", a->string, r ? r : "?",
                            cJSON_GetArraySize(a));
                free(r);
                free(v);
            }
            if (kw) {
                const char *up = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(kw, "xcom"));
                if (up)
                    fprintf(f, "      mapped: the arguments of each dict of the XCom of task '%s'\n", up);
                else
                    fprintf(f, "      mapped: the arguments of each of %d dicts\n", cJSON_GetArraySize(kw));
            }
        }
        char *err = NULL, *notes = NULL;
        cJSON *args = biz_ctx_render_args_plan(run, ti, &err, &notes);
        if (notes)
            plan_lines(f, '~', notes);
        if (err) {
            plan_lines(f, '!', err);
            errors++;
        }
        if (!args)
            args = cJSON_Duplicate(ti->args, 1);
        /* Header values named like secrets (Authorization) are masked, as
         * when the task runs (op_tech.c). */
        const cJSON *hd = biz_args_get(args, ti->def->op, BIZ_ARG_headers), *kv;
        if (cJSON_IsObject(hd))
            cJSON_ArrayForEach(kv, hd)
                if (cJSON_IsString(kv) && biz_log_sensitive_name(kv->string))
                    biz_log_secret(kv->valuestring);
        if (ti->def->op >= 0 && ti->def->op < BIZ_OP__COUNT) {
            plan_acc p = { f, args };
            biz_ops_each_arg(&biz_ops[ti->def->op], plan_arg, &p);
        }
        cJSON_Delete(args);
    }
    return errors;
}

static void fmt_duration(const biz_ti *ti, char *buf, size_t len)
{
    if (!ti->first_start || !ti->end)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.3fs", ti->end - ti->first_start);
}

/* Each task's state, tries and duration (a table, or one JSON line). */
void biz_show_summary(FILE *f, const biz_run *run, biz_log_format format)
{
    if (format == BIZ_LOG_JSON) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "event", "summary");
        cJSON_AddStringToObject(o, "dag_id", run->dag->dag_id);
        cJSON_AddStringToObject(o, "run_id", run->run_id);
        cJSON_AddStringToObject(o, "state", biz_run_state_names[run->state]);
        if (run->interrupted)
            cJSON_AddStringToObject(o, "interrupted_by", run->interrupted == SIGINT ? "SIGINT" : "SIGTERM");
        cJSON *tasks = cJSON_AddArrayToObject(o, "tasks");
        int *order = biz_show_order(run);
        for (int k = 0; order && k < run->n; k++) {
            int i = order[k];
            const biz_ti *ti = run->tis[i];
            if (!biz_run_shows(run, i))
                continue;
            cJSON *t = cJSON_CreateObject();
            cJSON_AddStringToObject(t, "task", ti->def->task_id);
            if (ti->parent)
                cJSON_AddNumberToObject(t, "map_index", ti->map_index);
            if (ti->map_label)
                cJSON_AddStringToObject(t, "rendered_map_index", ti->map_label);
            if (ti->nmaps >= 0)
                cJSON_AddNumberToObject(t, "mapped", ti->nmaps);
            cJSON_AddStringToObject(t, "state", biz_ti_state_names[ti->state]);
            cJSON_AddNumberToObject(t, "tries", ti->tries);
            if (ti->first_start && ti->end)
                cJSON_AddNumberToObject(t, "seconds", ti->end - ti->first_start);
            if (ti->reason) {
                char *r = biz_log_redact(ti->reason);
                cJSON_AddStringToObject(t, "reason", r ? r : "");
                free(r);
            }
            cJSON_AddItemToArray(tasks, t);
        }
        free(order);
        char *s = cJSON_PrintUnformatted(o);
        if (s)
            fprintf(f, "%s\n", s);
        free(s);
        cJSON_Delete(o);
        return;
    }
    int w = 4;
    for (int i = 0; i < run->n; i++) {
        int l = (int)strlen(run->tis[i]->def->task_id);
        w = l > w ? l : w;
    }
    fprintf(f, "%-*s  %-15s  %5s  %10s\n", w, "TASK", "STATE", "TRIES", "DURATION");
    int *order = biz_show_order(run);
    for (int k = 0; order && k < run->n; k++) {
        const biz_ti *ti = run->tis[order[k]];
        if (!biz_run_shows(run, order[k]))
            continue;
        char dur[32], extra[80] = "";
        fmt_duration(ti, dur, sizeof dur);
        /* A mapped task says into how many instances; an instance shows
         * its map_index_template label. */
        char *label = ti->map_label ? biz_log_redact(ti->map_label) : NULL;
        if (ti->nmaps >= 0)
            snprintf(extra, sizeof extra, "  (mapped: %d)", ti->nmaps);
        else if (label)
            snprintf(extra, sizeof extra, "  %.70s", label);
        free(label);
        fprintf(f, "%-*s  %-15s  %5d  %10s%s\n", w, ti->def->task_id,
                biz_ti_state_names[ti->state], ti->tries, dur, extra);
    }
    free(order);
    fprintf(f, "run %s: %s%s\n", run->run_id, biz_run_state_names[run->state],
            run->interrupted == SIGINT ? " (interrupted by SIGINT)" :
            run->interrupted ? " (interrupted by SIGTERM)" : "");
}

/* The absolute path of Graphviz's dot on PATH, in buf; NULL when there is none. */
static const char *find_dot(char *buf, size_t len)
{
    const char *path = getenv("PATH");
    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        size_t n = strcspn(p, ":");
        if (n > 0 && (size_t)snprintf(buf, len, "%.*s/dot", (int)n, p) < len && access(buf, X_OK) == 0)
            return buf;
        p += n + (p[n] == ':');
    }
    return NULL;
}

/* --graph FORMAT: DOT when format is "dot", else what `dot -TFORMAT`
 * renders from it, written to out. Returns 0, or -1 with a message (no
 * Graphviz, dot failed). */
int biz_show_graph_as(FILE *out, const biz_dag_def *dag, const char *format, char *err, size_t errlen)
{
    if (!format || strcmp(format, "dot") == 0) {
        biz_show_graph(out, dag);
        return 0;
    }
    char dot[4096];
    if (!find_dot(dot, sizeof dot)) {
        snprintf(err, errlen, "--graph %s needs Graphviz's 'dot', which is not on PATH (apt-get install graphviz); "
                 "--graph alone prints the DOT text", format);
        return -1;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    biz_show_graph(m, dag);
    if (fclose(m) != 0) {
        free(text);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    fflush(out);
    int in[2];
    if (pipe(in) < 0) {
        free(text);
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    char tflag[16];
    snprintf(tflag, sizeof tflag, "-T%s", format);
    pid_t pid = fork();
    if (pid == 0) {
        /* dot reads the DOT on stdin and writes to out's descriptor */
        dup2(in[0], 0);
        dup2(fileno(out), 1);
        close(in[0]);
        close(in[1]);
        execl(dot, "dot", tflag, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    if (pid < 0) {
        close(in[1]);
        free(text);
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    /* SIGPIPE when dot dies early: write() then fails with EPIPE instead */
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    for (size_t off = 0; off < len;) {
        ssize_t w = write(in[1], text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(in[1]);
    signal(SIGPIPE, old);
    free(text);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "%s -T%s failed (%s %d)", dot, format,
                 WIFEXITED(status) ? "exit status" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        return -1;
    }
    return 0;
}
