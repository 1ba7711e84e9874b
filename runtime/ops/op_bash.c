/* op_bash.c: BashOperator as Airflow 2 runs it (operators/bash.py,
 * hooks/subprocess.py): `bash -c <bash_command>` in a session of its own,
 * in a fresh temporary directory unless cwd is given, with env (replacing
 * our environment unless append_env) plus AIRFLOW_CTX_*; every output line
 * logged; the last line of stdout is the XCom return_value; exit 0 is
 * success, an exit code in skip_on_exit_code (default 99) a skip, anything
 * else a failure. The child is a loop event (proc.h): nothing blocks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "op.h"
#include "bash.h"
#include "proc.h"
#include "context.h"

extern char **environ;

typedef struct bash {
    biz_try *t;
    biz_proc *proc;         /* NULL once over or killed */
    biz_bash_lines out, err;
    biz_bash_tail tail;     /* the last stderr lines */
} bash;

static void bash_free(biz_try *t)
{
    bash *s = t->op;
    if (!s)
        return;
    if (s->proc)
        biz_proc_kill(s->proc, -1);
    biz_bash_lines_free(&s->out);
    biz_bash_lines_free(&s->err);
    biz_bash_tail_free(&s->tail);
    free(s);
    t->op = NULL;
}

static void on_out_line(void *user, const char *line)
{
    bash *s = user;
    biz_try_log(s->t, BIZ_LOG_DEBUG, "%s", line);
}

static void on_err_line(void *user, const char *line)
{
    bash *s = user;
    biz_try_log(s->t, BIZ_LOG_DEBUG, "stderr: %s", line);
    biz_bash_tail_push(&s->tail, line);
}

static void on_child_output(void *user, int stream, const char *data, size_t len)
{
    bash *s = user;
    biz_bash_lines *b = stream == 1 ? &s->out : &s->err;
    biz_bash_line_fn fn = stream == 1 ? on_out_line : on_err_line;
    if (len == 0)
        biz_bash_lines_end(b, fn, s);
    else
        biz_bash_lines_feed(b, data, len, fn, s);
}

static void on_child_exit(void *user, int wstatus)
{
    bash *s = user;
    biz_try *t = s->t;
    s->proc = NULL;     /* freed by proc.c after this callback */
    char msg[160];
    /* The table's default when not given; JSON null is Python's None. */
    const cJSON *skip = biz_try_arg(t, BIZ_ARG_skip_on_exit_code);
    biz_bash_verdict v = biz_bash_classify(wstatus, skip, msg, sizeof msg);
    if (v == BIZ_BASH_SUCCESS) {
        biz_try_log(t, BIZ_LOG_DEBUG, "bash command exited with status 0 (%ld line(s) of output)",
                    s->out.count);
        if (biz_try_arg_bool(t, BIZ_ARG_do_xcom_push))
            biz_try_xcom_push(t, "return_value", cJSON_CreateString(biz_bash_lines_last(&s->out)));
        bash_free(t);
        biz_try_done(t, BIZ_OUT_SUCCESS, 0, NULL);
        return;
    }
    if (v == BIZ_BASH_SKIP) {
        bash_free(t);
        biz_try_done(t, BIZ_OUT_SKIPPED, 0, "%s", msg);
        return;
    }
    char *tail = s->tail.n ? biz_bash_tail_join(&s->tail, " | ") : NULL;
    char *full = NULL;
    if (tail && asprintf(&full, "%s; stderr: %s", msg, tail) < 0)
        full = NULL;
    free(tail);
    bash_free(t);
    biz_try_done(t, BIZ_OUT_FAILED, 0, "%s", full ? full : msg);
    free(full);
}

/* Fails the try before a child was started. */
static void fail_early(biz_try *t, const char *fmt, const char *a, const char *b)
    __attribute__((format(printf, 2, 0)));
static void fail_early(biz_try *t, const char *fmt, const char *a, const char *b)
{
    char msg[1024];
    snprintf(msg, sizeof msg, fmt, a, b);
    bash_free(t);
    biz_try_done(t, BIZ_OUT_FAILED, 0, "%s", msg);
}

static void bash_start(biz_try *t)
{
    bash *s = calloc(1, sizeof *s);
    if (!s) {
        biz_try_done(t, BIZ_OUT_FAILED, 0, "out of memory");
        return;
    }
    s->t = t;
    t->op = s;
    const char *cmd = biz_try_arg_str(t, BIZ_ARG_bash_command);
    if (!cmd || !*cmd) {
        fail_early(t, "bash_command is empty%s%s", "", "");
        return;
    }

    /* Environment: as BashOperator.get_env, then AIRFLOW_CTX_*. */
    char iso[48], tryn[16], err[512];
    biz_ctx_ts(t->run, iso, sizeof iso);
    snprintf(tryn, sizeof tryn, "%d", t->number);
    const char *owner = biz_try_arg_str(t, BIZ_ARG_owner);
    const char *extra[] = {
        "AIRFLOW_CTX_DAG_ID", t->run->dag->dag_id,
        "AIRFLOW_CTX_TASK_ID", t->task_id,
        "AIRFLOW_CTX_EXECUTION_DATE", iso,
        "AIRFLOW_CTX_TRY_NUMBER", tryn,
        "AIRFLOW_CTX_DAG_RUN_ID", t->run->run_id,
        owner ? "AIRFLOW_CTX_DAG_OWNER" : NULL, owner,
        NULL, NULL
    };
    char **envp = biz_bash_env(biz_try_arg(t, BIZ_ARG_env),
                               biz_try_arg_bool(t, BIZ_ARG_append_env), environ, extra,
                               err, sizeof err);
    if (!envp) {
        fail_early(t, "%s%s", err, "");
        return;
    }
    /* As subprocess.Popen: bash is looked up in the child's PATH. */
    const char *path = biz_bash_env_get(envp, "PATH");
    char *bash_path = biz_bash_which("bash", path);
    if (!bash_path) {
        /* path points into envp: the message first. */
        snprintf(err, sizeof err, "%s", path && *path ? path : "/bin:/usr/bin");
        biz_bash_env_free(envp);
        fail_early(t, "bash not found in PATH (%s): BashOperator runs `bash -c`; "
                   "install bash or set PATH%s", err, "");
        return;
    }

    /* Working directory: cwd, else a fresh temporary one (removed after). */
    const char *cwd = biz_try_arg_str(t, BIZ_ARG_cwd);
    char tmp[4096];
    int remove_cwd = 0;
    if (cwd) {
        struct stat st;
        if (stat(cwd, &st) < 0) {
            free(bash_path);
            biz_bash_env_free(envp);
            fail_early(t, "cannot find the cwd '%s': %s", cwd, strerror(errno));
            return;
        }
        if (!S_ISDIR(st.st_mode)) {
            free(bash_path);
            biz_bash_env_free(envp);
            fail_early(t, "the cwd '%s' must be a directory%s", cwd, "");
            return;
        }
    } else {
        const char *td = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/airflowtmpXXXXXX", td && *td ? td : "/tmp");
        if (!mkdtemp(tmp)) {
            free(bash_path);
            biz_bash_env_free(envp);
            fail_early(t, "cannot create a temporary directory in %s: %s",
                       td && *td ? td : "/tmp", strerror(errno));
            return;
        }
        cwd = tmp;
        remove_cwd = 1;
    }

    char *argv[] = { "bash", "-c", (char *)cmd, NULL };
    /* Named in the registry: a resume that finds the group orphaned says
     * whose it was. */
    char label[512];
    snprintf(label, sizeof label, "task '%s' try %d of run %s", t->task_id, t->number,
             t->run->run_id);
    biz_proc_opts o = { bash_path, argv, envp, cwd, remove_cwd, label };
    biz_proc_cbs cbs = { on_child_output, on_child_exit };
    biz_try_log(t, BIZ_LOG_DEBUG, "running %s -c %s (in %s)", bash_path, cmd, cwd);
    s->proc = biz_proc_spawn(t->run->loop, &o, &cbs, s, err, sizeof err);
    free(bash_path);
    biz_bash_env_free(envp);
    if (!s->proc) {
        fail_early(t, "%s%s", err, "");
        return;
    }
    biz_try_log(t, BIZ_LOG_DEBUG, "bash started, pid %ld", (long)biz_proc_pid(s->proc));
}

static void bash_cancel(biz_try *t)
{
    bash *s = t->op;
    if (s && s->proc)
        biz_try_log(t, BIZ_LOG_INFO, "killing bash (process group %ld)",
                    (long)biz_proc_pid(s->proc));
    bash_free(t);
}

const biz_op_vt biz_op_bash_vt = { bash_start, bash_cancel };
