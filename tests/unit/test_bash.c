/* test_bash.c: BashOperator's pure parts (bash.h), child processes on the
 * loop (proc.h) and the loop's handling of pipe hang-ups and weak watches. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "cunit_main.h"
#include "bash.h"
#include "proc.h"
#include "loop.h"
#include "log.h"

/* ---------------------------------------------------------------- lines */

static char seen[8][64];
static int nseen;

static void collect(void *user, const char *line)
{
    (void)user;
    if (nseen < 8)
        snprintf(seen[nseen++], sizeof seen[0], "%s", line);
}

static void test_lines_growing(void)
{
    biz_bash_lines b;
    memset(&b, 0, sizeof b);
    nseen = 0;
    CU_ASSERT_STRING_EQUAL(biz_bash_lines_last(&b), "");
    biz_bash_lines_feed(&b, "hel", 3, collect, NULL);
    CU_ASSERT_EQUAL(nseen, 0);
    CU_ASSERT_STRING_EQUAL(biz_bash_lines_last(&b), "");
    biz_bash_lines_feed(&b, "lo\nwor", 6, collect, NULL);
    CU_ASSERT_EQUAL(nseen, 1);
    CU_ASSERT_STRING_EQUAL(biz_bash_lines_last(&b), "hello");
    biz_bash_lines_feed(&b, "ld  \r\n", 6, collect, NULL);
    CU_ASSERT_EQUAL(nseen, 2);
    CU_ASSERT_STRING_EQUAL(seen[1], "world");
    CU_ASSERT_STRING_EQUAL(biz_bash_lines_last(&b), "world");
    biz_bash_lines_feed(&b, "tail", 4, collect, NULL);
    CU_ASSERT_STRING_EQUAL(biz_bash_lines_last(&b), "world");
    biz_bash_lines_end(&b, collect, NULL);
    CU_ASSERT_STRING_EQUAL(biz_bash_lines_last(&b), "tail");
    CU_ASSERT_EQUAL(b.count, 3);
    biz_bash_lines_free(&b);
}

static void test_lines_edges(void)
{
    biz_bash_lines b;
    memset(&b, 0, sizeof b);
    /* Nothing at all: Airflow's XCom is "". */
    biz_bash_lines_end(&b, NULL, NULL);
    CU_ASSERT_STRING_EQUAL(biz_bash_lines_last(&b), "");
    /* A blank last line is the last line (Airflow keeps "" then). */
    biz_bash_lines_feed(&b, "abc\n\n", 5, NULL, NULL);
    biz_bash_lines_end(&b, NULL, NULL);
    CU_ASSERT_STRING_EQUAL(biz_bash_lines_last(&b), "");
    /* Many lines in one chunk. */
    biz_bash_lines_feed(&b, "1\n2\n3\n", 6, NULL, NULL);
    CU_ASSERT_STRING_EQUAL(biz_bash_lines_last(&b), "3");
    biz_bash_lines_free(&b);
}

static void test_decode(void)
{
    char *s = biz_bash_decode_line("caf\xc3\xa9 \t", 7);
    CU_ASSERT_STRING_EQUAL(s, "caf\xc3\xa9");
    free(s);
    s = biz_bash_decode_line("a\xff" "b\xc3", 4);
    CU_ASSERT_STRING_EQUAL(s, "a\\xffb\\xc3");
    free(s);
    s = biz_bash_decode_line("\xed\xa0\x80", 3);   /* a surrogate: invalid */
    CU_ASSERT_STRING_EQUAL(s, "\\xed\\xa0\\x80");
    free(s);
    s = biz_bash_decode_line("   ", 3);
    CU_ASSERT_STRING_EQUAL(s, "");
    free(s);
}

static void test_lines_long(void)
{
    biz_bash_lines b;
    memset(&b, 0, sizeof b);
    size_t n = BIZ_BASH_LINE_MAX + 1000;
    char *big = malloc(n);
    memset(big, 'x', n);
    biz_bash_lines_feed(&b, big, n, NULL, NULL);
    biz_bash_lines_feed(&b, "\nok\n", 4, NULL, NULL);
    CU_ASSERT_STRING_EQUAL(biz_bash_lines_last(&b), "ok");
    CU_ASSERT_EQUAL(b.count, 2);
    CU_ASSERT(b.cur.cap <= 2 * (size_t)BIZ_BASH_LINE_MAX + 1);
    free(big);
    biz_bash_lines_free(&b);
}

static void test_tail(void)
{
    biz_bash_tail t;
    memset(&t, 0, sizeof t);
    char *j = biz_bash_tail_join(&t, " | ");
    CU_ASSERT_STRING_EQUAL(j, "");
    free(j);
    const char *l[] = { "1", "2", "3", "4", "5", "6", "7" };
    for (int i = 0; i < 7; i++)
        biz_bash_tail_push(&t, l[i]);
    j = biz_bash_tail_join(&t, " | ");
    CU_ASSERT_STRING_EQUAL(j, "3 | 4 | 5 | 6 | 7");
    free(j);
    biz_bash_tail_free(&t);
}

/* ---------------------------------------------------------------- verdict */

static void test_classify(void)
{
    char msg[160];
    /* The default (99) comes from the operator table (biz_try_arg), not
     * from bash.c: NULL is no skip code. */
    cJSON *dflt = cJSON_CreateNumber(99);
    CU_ASSERT_EQUAL(biz_bash_classify(W_EXITCODE(0, 0), dflt, msg, sizeof msg), BIZ_BASH_SUCCESS);
    CU_ASSERT_EQUAL(biz_bash_classify(W_EXITCODE(99, 0), dflt, msg, sizeof msg), BIZ_BASH_SKIP);
    CU_ASSERT_STRING_EQUAL(msg, "bash command exited with status 99 (skip_on_exit_code)");
    CU_ASSERT_EQUAL(biz_bash_classify(W_EXITCODE(3, 0), dflt, msg, sizeof msg), BIZ_BASH_FAIL);
    CU_ASSERT_STRING_EQUAL(msg, "bash command exited with status 3");
    CU_ASSERT_EQUAL(biz_bash_classify(W_EXITCODE(99, 0), NULL, msg, sizeof msg), BIZ_BASH_FAIL);
    cJSON_Delete(dflt);

    cJSON *none = cJSON_CreateNull();
    CU_ASSERT_EQUAL(biz_bash_classify(W_EXITCODE(99, 0), none, msg, sizeof msg), BIZ_BASH_FAIL);
    cJSON *one = cJSON_CreateNumber(42);
    CU_ASSERT_EQUAL(biz_bash_classify(W_EXITCODE(42, 0), one, msg, sizeof msg), BIZ_BASH_SKIP);
    CU_ASSERT_EQUAL(biz_bash_classify(W_EXITCODE(99, 0), one, msg, sizeof msg), BIZ_BASH_FAIL);
    cJSON *list = cJSON_Parse("[0, 7]");
    /* As Airflow: a skip code wins, even 0. */
    CU_ASSERT_EQUAL(biz_bash_classify(W_EXITCODE(0, 0), list, msg, sizeof msg), BIZ_BASH_SKIP);
    CU_ASSERT_EQUAL(biz_bash_classify(W_EXITCODE(7, 0), list, msg, sizeof msg), BIZ_BASH_SKIP);
    CU_ASSERT_EQUAL(biz_bash_classify(W_EXITCODE(8, 0), list, msg, sizeof msg), BIZ_BASH_FAIL);

    CU_ASSERT_EQUAL(biz_bash_classify(W_EXITCODE(0, SIGKILL), NULL, msg, sizeof msg), BIZ_BASH_FAIL);
    CU_ASSERT_STRING_EQUAL(msg, "bash command was killed by signal SIGKILL (9)");
    CU_ASSERT_EQUAL(biz_bash_classify(W_EXITCODE(0, SIGTERM), NULL, msg, sizeof msg), BIZ_BASH_FAIL);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "SIGTERM (15)"));
    char buf[32];
    CU_ASSERT_STRING_EQUAL(biz_bash_signame(SIGRTMIN + 1, buf, sizeof buf), buf);
    cJSON_Delete(none);
    cJSON_Delete(one);
    cJSON_Delete(list);
}

/* ---------------------------------------------------------------- env */

static void test_env(void)
{
    char *base[] = { "PATH=/bin", "HOME=/root", "A=base", NULL };
    const char *extra[] = { "AIRFLOW_CTX_TASK_ID", "t1", NULL, NULL };
    char err[128];

    char **e = biz_bash_env(NULL, 0, base, extra, err, sizeof err);
    CU_ASSERT_STRING_EQUAL(biz_bash_env_get(e, "HOME"), "/root");
    CU_ASSERT_STRING_EQUAL(biz_bash_env_get(e, "AIRFLOW_CTX_TASK_ID"), "t1");
    biz_bash_env_free(e);

    cJSON *env = cJSON_Parse("{\"A\": \"mine\", \"N\": \"3\"}");
    e = biz_bash_env(env, 0, base, extra, err, sizeof err);
    CU_ASSERT_PTR_NULL(biz_bash_env_get(e, "HOME"));   /* replaced */
    CU_ASSERT_PTR_NULL(biz_bash_env_get(e, "PATH"));
    CU_ASSERT_STRING_EQUAL(biz_bash_env_get(e, "A"), "mine");
    CU_ASSERT_STRING_EQUAL(biz_bash_env_get(e, "N"), "3");
    CU_ASSERT_STRING_EQUAL(biz_bash_env_get(e, "AIRFLOW_CTX_TASK_ID"), "t1");
    biz_bash_env_free(e);

    e = biz_bash_env(env, 1, base, extra, err, sizeof err);   /* append_env */
    CU_ASSERT_STRING_EQUAL(biz_bash_env_get(e, "HOME"), "/root");
    CU_ASSERT_STRING_EQUAL(biz_bash_env_get(e, "A"), "mine");
    int n = 0;
    for (char **p = e; *p; p++)
        n += strncmp(*p, "A=", 2) == 0;
    CU_ASSERT_EQUAL(n, 1);
    biz_bash_env_free(e);
    cJSON_Delete(env);

    /* As subprocess.Popen: values must be strings (a TypeError there). */
    cJSON *num = cJSON_Parse("{\"A\": \"x\", \"N\": 3}");
    CU_ASSERT_PTR_NULL(biz_bash_env(num, 0, base, NULL, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "'N' is a number, not a string"));
    cJSON_Delete(num);

    cJSON *bad = cJSON_Parse("[1]");
    CU_ASSERT_PTR_NULL(biz_bash_env(bad, 0, base, NULL, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "dict"));
    cJSON_Delete(bad);
}

static void test_which(void)
{
    char *p = biz_bash_which("bash", "/nonexistent:/bin:/usr/bin");
    CU_ASSERT_PTR_NOT_NULL(p);
    CU_ASSERT_EQUAL(p ? access(p, X_OK) : -1, 0);
    free(p);
    p = biz_bash_which("bash", NULL);   /* os.defpath */
    CU_ASSERT_PTR_NOT_NULL(p);
    free(p);
    CU_ASSERT_PTR_NULL(biz_bash_which("bash", "/nonexistent"));
    CU_ASSERT_PTR_NULL(biz_bash_which("no-such-program-xyz", NULL));
}

/* ---------------------------------------------------------------- loop */

static int hup_reads, hup_eof;
static uint64_t hup_watch;

static void on_hup(biz_loop *l, int fd, int revents, void *user)
{
    (void)user;
    char buf[16];
    hup_reads++;
    if ((revents & CURL_WAIT_POLLIN) && read(fd, buf, sizeof buf) == 0) {
        hup_eof = 1;
        biz_loop_fd_remove(l, hup_watch);
    }
    if (hup_reads > 1000)   /* a busy loop: stop the test */
        biz_loop_stop(l);
}

static long close_writer(biz_loop *l, void *user)
{
    (void)l;
    close(*(int *)user);
    return BIZ_LOOP_NOMORE;
}

/* A pipe whose writer closes shows only POLLHUP, which curl_multi_poll
 * drops: the loop must still report it as readable (EOF). */
static void test_loop_hangup(void)
{
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
    biz_loop *l = biz_loop_new();
    hup_reads = hup_eof = 0;
    hup_watch = biz_loop_fd_add(l, fds[0], CURL_WAIT_POLLIN, on_hup, NULL);
    biz_loop_timer_add(l, 10, close_writer, &fds[1]);
    CU_ASSERT_EQUAL(biz_loop_run(l), 0);
    CU_ASSERT_EQUAL(hup_eof, 1);
    CU_ASSERT(hup_reads < 5);
    biz_loop_free(l);
    close(fds[0]);
}

static void never(biz_loop *l, int fd, int revents, void *user)
{
    (void)l;
    (void)fd;
    (void)revents;
    (void)user;
    CU_FAIL("a weak watch with no event fired");
}

static void test_loop_weak(void)
{
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
    biz_loop *l = biz_loop_new();
    uint64_t id = biz_loop_fd_add(l, fds[0], CURL_WAIT_POLLIN, never, NULL);
    biz_loop_fd_weak(l, id);
    int64_t t0 = biz_loop_now_ms();
    CU_ASSERT_EQUAL(biz_loop_run(l), 0);   /* returns: only a weak watch */
    CU_ASSERT(biz_loop_now_ms() - t0 < 1000);
    biz_loop_free(l);
    close(fds[0]);
    close(fds[1]);
}

/* ---------------------------------------------------------------- proc */

typedef struct got {
    char out[4096], err[4096];
    size_t nout, nerr;
    int eof, exited, wstatus;
} got;

static void got_output(void *user, int stream, const char *data, size_t len)
{
    got *g = user;
    if (!len) {
        g->eof++;
        return;
    }
    char *buf = stream == 1 ? g->out : g->err;
    size_t *n = stream == 1 ? &g->nout : &g->nerr;
    if (*n + len < sizeof g->out) {
        memcpy(buf + *n, data, len);
        *n += len;
        buf[*n] = 0;
    }
}

static void got_exit(void *user, int wstatus)
{
    got *g = user;
    g->exited = 1;
    g->wstatus = wstatus;
}

static biz_proc *spawn(biz_loop *l, const char *script, got *g, const char *cwd)
{
    char *bash = biz_bash_which("bash", NULL);
    char *argv[] = { "bash", "-c", (char *)script, NULL };
    char *envp[] = { "PATH=/bin:/usr/bin", "X=1", NULL };
    biz_proc_opts o = { bash, argv, envp, cwd, 0, NULL };
    biz_proc_cbs cbs = { got_output, got_exit };
    char err[256];
    memset(g, 0, sizeof *g);
    biz_proc *p = biz_proc_spawn(l, &o, &cbs, g, err, sizeof err);
    free(bash);
    return p;
}

static void test_proc_run(void)
{
    biz_loop *l = biz_loop_new();
    got g;
    /* An fd we leave inheritable: the child must not see it. */
    int leak = open("/dev/null", O_RDONLY);
    biz_proc *p = spawn(l, "echo out1; echo err1 >&2; ls /proc/self/fd | tr '\\n' ' ' >&2;"
                           " echo \"x=$X\"; exit 3", &g, "/");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(biz_loop_run(l), 0);
    CU_ASSERT_EQUAL(g.exited, 1);
    CU_ASSERT(WIFEXITED(g.wstatus) && WEXITSTATUS(g.wstatus) == 3);
    CU_ASSERT_EQUAL(g.eof, 2);
    CU_ASSERT_STRING_EQUAL(g.out, "out1\nx=1\n");
    /* ls sees 0, 1, 2 and its own directory fd (3) only. */
    CU_ASSERT_PTR_NOT_NULL(strstr(g.err, "err1\n0 1 2 3 "));
    CU_ASSERT_EQUAL(biz_proc_live(), 0);
    close(leak);
    biz_loop_free(l);
}

static void test_proc_bad_cwd(void)
{
    biz_loop *l = biz_loop_new();
    char *bash = biz_bash_which("bash", NULL);
    char *argv[] = { "bash", "-c", "true", NULL };
    char *envp[] = { NULL };
    biz_proc_opts o = { bash, argv, envp, "/nonexistent/dir", 0, NULL };
    biz_proc_cbs cbs = { got_output, got_exit };
    char err[256];
    got g;
    memset(&g, 0, sizeof g);
    CU_ASSERT_PTR_NULL(biz_proc_spawn(l, &o, &cbs, &g, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/dir"));
    free(bash);
    biz_loop_free(l);
}

static long kill_it(biz_loop *l, void *user)
{
    (void)l;
    biz_proc_kill(user, 200);
    return BIZ_LOOP_NOMORE;
}

/* Killed: the whole group goes (bash and its sleep), the loop waits for it,
 * and no callback runs. */
static void test_proc_kill(void)
{
    biz_loop *l = biz_loop_new();
    got g;
    char pidfile[] = "/tmp/test_bash_pid.XXXXXX";
    int fd = mkstemp(pidfile);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    char script[256];
    /* bash ignores TERM: SIGKILL after the grace period is needed. */
    snprintf(script, sizeof script, "trap '' TERM; sleep 100 & echo $! > %s; wait", pidfile);
    biz_proc *p = spawn(l, script, &g, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    pid_t bash_pid = biz_proc_pid(p);
    biz_loop_timer_add(l, 300, kill_it, p);
    int64_t t0 = biz_loop_now_ms();
    CU_ASSERT_EQUAL(biz_loop_run(l), 0);
    CU_ASSERT(biz_loop_now_ms() - t0 < 5000);
    CU_ASSERT_EQUAL(g.exited, 0);
    CU_ASSERT_EQUAL(kill(bash_pid, 0), -1);
    FILE *f = fopen(pidfile, "r");
    long sleep_pid = 0;
    CU_ASSERT(f && fscanf(f, "%ld", &sleep_pid) == 1);
    if (f)
        fclose(f);
    CU_ASSERT(sleep_pid > 0);
    /* The sleep was reparented (to init or a subreaper) and killed; give
     * its new parent a moment to reap it. */
    int gone = 0;
    for (int i = 0; i < 50 && !gone; i++) {
        char path[64], st = 0;
        snprintf(path, sizeof path, "/proc/%ld/stat", sleep_pid);
        FILE *s = fopen(path, "r");
        if (!s) {
            gone = 1;
            break;
        }
        if (fscanf(s, "%*d %*s %c", &st) == 1 && st == 'Z')
            gone = 1;
        fclose(s);
        usleep(20000);
    }
    CU_ASSERT(gone);
    CU_ASSERT_EQUAL(biz_proc_live(), 0);
    unlink(pidfile);
    biz_loop_free(l);
}

static void test_rmtree(void)
{
    char dir[] = "/tmp/test_bash_rm.XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char cmd[256];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/a/b && touch %s/a/b/f %s/g && ln -s / %s/root", dir, dir, dir, dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    CU_ASSERT_EQUAL(biz_proc_rmtree(dir), 0);
    CU_ASSERT_EQUAL(access(dir, F_OK), -1);
    CU_ASSERT_EQUAL(access("/bin", F_OK), 0);
}

/* ---------------------------------------------------------------- guard, registry */

/* Whether pid has exited (gone, or a zombie not reaped yet by its new
 * parent), waiting up to 2 s. */
static int pid_gone(long pid)
{
    for (int i = 0; i < 100; i++) {
        char path[64], st = 0;
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE *s = fopen(path, "r");
        if (!s)
            return 1;
        int z = fscanf(s, "%*d %*s %c", &st) == 1 && st == 'Z';
        fclose(s);
        if (z)
            return 1;
        usleep(20000);
    }
    return 0;
}

static long read_pid(const char *path)
{
    long v = 0;
    for (int i = 0; i < 200 && v <= 0; i++) {
        FILE *f = fopen(path, "r");
        if (f) {
            if (fscanf(f, "%ld", &v) != 1)
                v = 0;
            fclose(f);
        }
        if (v <= 0)
            usleep(10000);
    }
    return v;
}

/* The guard runs once a child was spawned, in a process group of its own,
 * holding no descriptor of ours but /dev/null and its socket (a lock fd
 * left open here must not reach it: it would hold the lock after we died). */
static void test_guard_fds(void)
{
    biz_loop *l = biz_loop_new();
    int lockish = open("/dev/null", O_RDONLY);   /* inheritable on purpose */
    got g;
    biz_proc *p = spawn(l, "true", &g, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(biz_loop_run(l), 0);
    pid_t gp = biz_proc_guard_pid();
    CU_ASSERT_FATAL(gp > 0);
    CU_ASSERT_EQUAL(getpgid(gp), gp);
    char path[64], comm[32] = "";
    snprintf(path, sizeof path, "/proc/%ld/comm", (long)gp);
    FILE *f = fopen(path, "r");
    CU_ASSERT(f && fscanf(f, "%31s", comm) == 1);
    if (f)
        fclose(f);
    CU_ASSERT_STRING_EQUAL(comm, "biz-guard");
    snprintf(path, sizeof path, "/proc/%ld/fd", (long)gp);
    int nfd = 0, other = 0;
    DIR *d = opendir(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        nfd++;
        char fp[512], target[256];
        snprintf(fp, sizeof fp, "%s/%s", path, e->d_name);
        ssize_t n = readlink(fp, target, sizeof target - 1);
        target[n > 0 ? n : 0] = 0;
        if (strcmp(target, "/dev/null") != 0 && strncmp(target, "socket:", 7) != 0)
            other++;
    }
    closedir(d);
    CU_ASSERT_EQUAL(nfd, 4);
    CU_ASSERT_EQUAL(other, 0);
    close(lockish);
    biz_loop_free(l);
}

/* The registry: a running child has its file; once over, it is removed. A
 * file whose executable is gone and whose group still runs is an orphan:
 * opening the registry again stops it (the sleep started by the command
 * too) and removes the file. */
static void test_registry_orphan(void)
{
    char dir[] = "/tmp/test_bash_reg.XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char reg[256], pidfile[300], err[512];
    snprintf(reg, sizeof reg, "%s/procs", dir);
    snprintf(pidfile, sizeof pidfile, "%s/sleep.pid", dir);
    CU_ASSERT_EQUAL(biz_proc_registry_open(reg, 200, err, sizeof err), 0);

    biz_loop *l = biz_loop_new();
    got g;
    char script[512];
    snprintf(script, sizeof script, "sleep 100 & echo $! > %s; wait", pidfile);
    biz_proc *p = spawn(l, script, &g, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    long pg = (long)biz_proc_pid(p);
    char file[300];
    snprintf(file, sizeof file, "%s/%ld", reg, pg);
    CU_ASSERT_EQUAL(access(file, F_OK), 0);
    long sleep_pid = read_pid(pidfile);
    CU_ASSERT_FATAL(sleep_pid > 0);

    /* Our own group is not an orphan while we run... */
    CU_ASSERT_EQUAL(biz_proc_registry_open(reg, 200, err, sizeof err), 0);
    CU_ASSERT_EQUAL(kill((pid_t)sleep_pid, 0), 0);

    /* ... but is once the file names an executable that is gone. */
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    waitpid(dead, NULL, 0);
    FILE *f = fopen(file, "r");
    char text[2048] = "";
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    text[n] = 0;
    if (f)
        fclose(f);
    char *owner = strstr(text, "\nowner ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(owner);
    char rest[2048];
    snprintf(rest, sizeof rest, "%s", strchr(owner + 1, '\n'));
    snprintf(owner, sizeof text - (size_t)(owner - text), "\nowner %ld 1%s", (long)dead, rest);
    f = fopen(file, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
    CU_ASSERT_EQUAL(biz_proc_registry_open(reg, 200, err, sizeof err), 1);
    CU_ASSERT(pid_gone(sleep_pid));
    CU_ASSERT_EQUAL(access(file, F_OK), -1);
    /* The loop sees its child killed. */
    CU_ASSERT_EQUAL(biz_loop_run(l), 0);
    CU_ASSERT_EQUAL(g.exited, 1);
    CU_ASSERT(WIFSIGNALED(g.wstatus));

    /* Garbage and files of a group that is gone are removed quietly. */
    char junk[300];
    snprintf(junk, sizeof junk, "%s/12345", reg);
    f = fopen(junk, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("not a registry file\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(biz_proc_registry_open(reg, 200, err, sizeof err), 0);
    CU_ASSERT_EQUAL(access(junk, F_OK), -1);

    /* A normal end removes the file. */
    p = spawn(l, "true", &g, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    snprintf(file, sizeof file, "%s/%ld", reg, (long)biz_proc_pid(p));
    CU_ASSERT_EQUAL(access(file, F_OK), 0);
    CU_ASSERT_EQUAL(biz_loop_run(l), 0);
    CU_ASSERT_EQUAL(access(file, F_OK), -1);
    biz_proc_registry_close();
    biz_loop_free(l);
    biz_proc_rmtree(dir);
}

/* A registry that cannot be written fails the spawn (the command never
 * runs unrecorded) instead of running a command a resume could overlap. */
static void test_registry_unwritable(void)
{
    char dir[] = "/tmp/test_bash_regro.XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char reg[256], mark[300], err[512];
    snprintf(reg, sizeof reg, "%s/procs", dir);
    snprintf(mark, sizeof mark, "%s/ran", dir);
    CU_ASSERT_EQUAL(biz_proc_registry_open(reg, 200, err, sizeof err), 0);
    /* The directory replaced by a file: unwritable even for root. */
    CU_ASSERT_EQUAL(rmdir(reg), 0);
    FILE *rf = fopen(reg, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rf);
    fclose(rf);
    biz_loop *l = biz_loop_new();
    char *bash = biz_bash_which("bash", NULL);
    char script[400];
    snprintf(script, sizeof script, "touch %s", mark);
    char *argv[] = { "bash", "-c", script, NULL };
    char *envp[] = { "PATH=/bin:/usr/bin", NULL };
    biz_proc_opts o = { bash, argv, envp, NULL, 0, "task 't'" };
    biz_proc_cbs cbs = { got_output, got_exit };
    got g;
    memset(&g, 0, sizeof g);
    CU_ASSERT_PTR_NULL(biz_proc_spawn(l, &o, &cbs, &g, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot record the command's process group"));
    CU_ASSERT_EQUAL(access(mark, F_OK), -1);
    CU_ASSERT_EQUAL(biz_proc_live(), 0);
    /* A registry that cannot be made at all is only warned about: the
     * record's store reports an unwritable state directory, and the
     * commands still run (the guard still covers them). */
    char under_file[400];
    snprintf(under_file, sizeof under_file, "%s/procs", reg);
    CU_ASSERT_EQUAL(biz_proc_registry_open(under_file, 200, err, sizeof err), 0);
    memset(&g, 0, sizeof g);
    biz_proc *p = biz_proc_spawn(l, &o, &cbs, &g, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(p);
    if (p)
        CU_ASSERT_EQUAL(biz_loop_run(l), 0);
    CU_ASSERT_EQUAL(access(mark, F_OK), 0);
    free(bash);
    biz_proc_registry_close();
    biz_loop_free(l);
    biz_proc_rmtree(dir);
}

/* ---------------------------------------------------------------- escaping */

static void check_esc(const char *in, int mode, const char *want)
{
    char *got = biz_log_escape(in, mode);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\nescape(\"%s\"): got \"%s\", want \"%s\"\n", in, got, want);
    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT_EQUAL(biz_log_needs_escape(in, mode), strcmp(in, want) != 0);
    free(got);
}

/* What a terminal would act on becomes visible text; the rest is kept. */
static void test_escape(void)
{
    check_esc("plain text, tab\there, \\ kept", BIZ_ESC_TEXT, "plain text, tab\there, \\ kept");
    check_esc("", BIZ_ESC_TEXT, "");
    check_esc("\033[31mred\033[0m", BIZ_ESC_TEXT, "\\x1b[31mred\\x1b[0m");
    check_esc("ok\r2026-01-01T00:00:00.000Z info  [x #1] task x succeeded", BIZ_ESC_TEXT,
              "ok\\r2026-01-01T00:00:00.000Z info  [x #1] task x succeeded");
    check_esc("a\nb\r\n", BIZ_ESC_TEXT, "a\\nb\\r\\n");
    check_esc("bell\a bs\b del\177 nul-free \001", BIZ_ESC_TEXT,
              "bell\\x07 bs\\x08 del\\x7f nul-free \\x01");
    /* Valid UTF-8 is kept, C1 controls and bidi overrides are not. */
    check_esc("caf\xc3\xa9 \xf0\x9f\x98\x80", BIZ_ESC_TEXT, "caf\xc3\xa9 \xf0\x9f\x98\x80");
    check_esc("csi\xc2\x9b" "31m", BIZ_ESC_TEXT, "csi\\u009b31m");
    check_esc("abc\xe2\x80\xae" "cba", BIZ_ESC_TEXT, "abc\\u202ecba");
    check_esc("iso\xe2\x81\xa6x", BIZ_ESC_TEXT, "iso\\u2066x");
    /* Invalid UTF-8: each bad byte alone. */
    check_esc("bad\xff\xfe", BIZ_ESC_TEXT, "bad\\xff\\xfe");
    check_esc("overlong\xc0\xaf", BIZ_ESC_TEXT, "overlong\\xc0\\xaf");
    check_esc("surrogate\xed\xa0\x80", BIZ_ESC_TEXT, "surrogate\\xed\\xa0\\x80");
    check_esc("cut\xe2\x82", BIZ_ESC_TEXT, "cut\\xe2\\x82");
    check_esc("\xe2\x82" "A", BIZ_ESC_TEXT, "\\xe2\\x82A");
    /* JSON: the writer escapes C0 controls itself; the rest is ours. */
    check_esc("a\nb\033", BIZ_ESC_JSON, "a\nb\033");
    check_esc("bad\xff \xc2\x9b", BIZ_ESC_JSON, "bad\\xff \\u009b");
}

static char sink_got[512];
static int sink_n;

static void esc_sink(void *user, const char *time, biz_log_level level, const char *task,
                     int try, const char *msg)
{
    (void)user;
    (void)time;
    (void)level;
    (void)task;
    (void)try;
    snprintf(sink_got, sizeof sink_got, "%s", msg);
    sink_n++;
}

/* A message carrying a forged line stays one line on the console and in
 * the log file (the sink), secrets still masked; the text given is not
 * changed. */
static void test_log_escapes(void)
{
    FILE *f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    biz_log_init(BIZ_LOG_TEXT, 0, f);
    biz_log_secret("s3cr\033t");
    biz_log_set_sink(esc_sink, NULL);
    sink_n = 0;
    const char *body = "boom\r\n2026-12-03T00:00:00.000Z info  [pay #1] task pay succeeded\n"
                       "\033[2Jtoken s3cr\033t";
    biz_log_event(BIZ_LOG_ERROR, "failed", "pay", 1, "%s", body);
    biz_log_set_sink(NULL, NULL);
    fflush(f);
    rewind(f);
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    biz_log_init(BIZ_LOG_TEXT, 0, stderr);
    biz_log_shutdown();
    const char *want = "boom\\r\\n2026-12-03T00:00:00.000Z info  [pay #1] task pay succeeded\\n"
                       "\\x1b[2Jtoken ***";
    CU_ASSERT_EQUAL(sink_n, 1);
    CU_ASSERT_STRING_EQUAL(sink_got, want);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, want));
    /* One line, no raw ESC or CR. */
    CU_ASSERT_PTR_NULL(strchr(buf, '\033'));
    CU_ASSERT_PTR_NULL(strchr(buf, '\r'));
    CU_ASSERT(n > 0 && buf[n - 1] == '\n' && strchr(buf, '\n') == buf + n - 1);
}

/* The JSON log: one valid line, invalid UTF-8 escaped, CR/LF as JSON
 * escapes (the JSON reader gets the message back). */
static void test_log_json_escapes(void)
{
    FILE *f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    biz_log_init(BIZ_LOG_JSON, 0, f);
    biz_log(BIZ_LOG_ERROR, "%s", "a\r\nb\033[31m\xff");
    fflush(f);
    rewind(f);
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    biz_log_init(BIZ_LOG_TEXT, 0, stderr);
    CU_ASSERT(n > 0 && strchr(buf, '\n') == buf + n - 1);
    CU_ASSERT_PTR_NULL(strchr(buf, '\033'));
    CU_ASSERT_PTR_NULL(strchr(buf, '\r'));
    cJSON *o = cJSON_Parse(buf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "message");
    CU_ASSERT(cJSON_IsString(m) && strcmp(m->valuestring, "a\r\nb\033[31m\\xff") == 0);
    cJSON_Delete(o);
}

static const unit_test bash_tests[] = {
    {"lines from a growing buffer", test_lines_growing},
    {"empty output, blank last line", test_lines_edges},
    {"decode: backslashreplace, rstrip", test_decode},
    {"a line longer than the cap", test_lines_long},
    {"stderr tail", test_tail},
    {"exit status classification", test_classify},
    {"environment: replace, append, extra", test_env},
    {"which bash", test_which},
    {"loop: pipe hang-up is readable", test_loop_hangup},
    {"loop: weak watch does not keep it running", test_loop_weak},
    {"proc: output, exit status, no inherited fds", test_proc_run},
    {"proc: bad cwd reported", test_proc_bad_cwd},
    {"proc: kill the group, SIGKILL after grace", test_proc_kill},
    {"rmtree", test_rmtree},
    {"guard: own group, no inherited descriptors", test_guard_fds},
    {"registry: orphan stopped, files removed", test_registry_orphan},
    {"registry: unwritable fails the spawn; none made: warned", test_registry_unwritable},
    {"escape: controls, C1, bidi, invalid UTF-8", test_escape},
    {"log: console and log file escaped, one line", test_log_escapes},
    {"log: JSON lines escaped and valid", test_log_json_escapes},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"bash", NULL, NULL, bash_tests},
    UNIT_SUITES_END,
};
