/* proc.c: child processes as loop events (see proc.h). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "proc.h"

struct biz_proc {
    biz_loop *loop;
    pid_t pid;
    int fd[3];              /* [1] stdout, [2] stderr, [0] the pidfd; -1 closed */
    uint64_t watch[3];
    uint64_t poll_timer;    /* waitpid polling when there is no pidfd */
    long poll_ms;
    uint64_t kill_timer;    /* SIGKILL after the grace period */
    int reaped, wstatus;
    int detached;           /* killed: no more callbacks, frees itself */
    int slot;               /* in the registry, or -1 */
    char *rmdir;            /* temporary cwd to remove, or NULL */
    biz_proc_cbs cbs;
    void *user;
};

/* ---------------------------------------------------------------- registry */

/* Process groups of children not reaped yet, for biz_proc_kill_all_now
 * (read from a signal handler: plain ints, written only by the loop). */
#define REG_MAX 1024
static volatile sig_atomic_t reg[REG_MAX];
static int live;

static int reg_add(pid_t pid)
{
    live++;
    for (int i = 0; i < REG_MAX; i++)
        if (reg[i] == 0) {
            reg[i] = pid;
            return i;
        }
    return -1;
}

static void reg_del(biz_proc *p)
{
    live--;
    if (p->slot >= 0)
        reg[p->slot] = 0;
    p->slot = -1;
}

/* SIGKILL to every live child's group (async-signal-safe). */
void biz_proc_kill_all_now(void)
{
    for (int i = 0; i < REG_MAX; i++) {
        pid_t g = reg[i];
        if (g > 0)
            kill(-g, SIGKILL);
    }
}

/* How many children are not reaped yet. */
int biz_proc_live(void)
{
    return live;
}

/* ---------------------------------------------------------------- rmtree */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Removes a directory tree (no symlinks followed). */
int biz_proc_rmtree(const char *dir)
{
    return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---------------------------------------------------------------- life */

/* The child's pid (its process group and session too). */
pid_t biz_proc_pid(const biz_proc *p)
{
    return p->pid;
}

static void close_fd(biz_proc *p, int i)
{
    if (p->fd[i] < 0)
        return;
    biz_loop_fd_remove(p->loop, p->watch[i]);
    close(p->fd[i]);
    p->fd[i] = -1;
    p->watch[i] = 0;
}

static void proc_free(biz_proc *p)
{
    for (int i = 0; i < 3; i++)
        close_fd(p, i);
    biz_loop_timer_cancel(p->loop, p->poll_timer);
    biz_loop_timer_cancel(p->loop, p->kill_timer);
    if (!p->reaped)
        reg_del(p);     /* cannot happen: freed only once reaped */
    free(p->rmdir);
    free(p);
}

/* Ends the proc once it is reaped and both pipes are at EOF. */
static void check_done(biz_proc *p)
{
    if (!p->reaped || p->fd[1] >= 0 || p->fd[2] >= 0)
        return;
    if (!p->detached && p->cbs.exit)
        p->cbs.exit(p->user, p->wstatus);
    proc_free(p);
}

/* Reaps the child if it has ended; 1 when it has. */
static int try_reap(biz_proc *p)
{
    if (p->detached)
        /* Stragglers of a killed child's group go too, while the zombie
         * leader still holds the group id (so it cannot be reused). */
        kill(-p->pid, SIGKILL);
    int st = 0;
    pid_t r;
    do
        r = waitpid(p->pid, &st, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return 0;
    p->reaped = 1;
    p->wstatus = r == p->pid ? st : (W_EXITCODE(127, 0));
    reg_del(p);
    close_fd(p, 0);
    biz_loop_timer_cancel(p->loop, p->kill_timer);
    p->kill_timer = 0;
    if (p->rmdir) {
        biz_proc_rmtree(p->rmdir);
        free(p->rmdir);
        p->rmdir = NULL;
    }
    return 1;
}

static void on_pidfd(biz_loop *loop, int fd, int revents, void *user)
{
    (void)loop;
    (void)fd;
    (void)revents;
    biz_proc *p = user;
    if (try_reap(p))
        check_done(p);
}

static long poll_cb(biz_loop *loop, void *user)
{
    (void)loop;
    biz_proc *p = user;
    if (!try_reap(p)) {
        if (p->poll_ms < 100)
            p->poll_ms *= 2;
        return p->poll_ms;
    }
    p->poll_timer = 0;
    check_done(p);
    return BIZ_LOOP_NOMORE;
}

static void on_output(biz_loop *loop, int fd, int revents, void *user)
{
    (void)loop;
    (void)revents;
    biz_proc *p = user;
    int stream = fd == p->fd[1] ? 1 : 2;
    char buf[65536];
    /* A bounded amount per wake-up, so one chatty child cannot starve
     * the others; the rest is still there at the next poll. */
    for (int round = 0; round < 4; round++) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n > 0) {
            if (p->cbs.output)
                p->cbs.output(p->user, stream, buf, (size_t)n);
            continue;
        }
        /* EOF (or a read error, taken as the end). */
        close_fd(p, stream);
        if (p->cbs.output)
            p->cbs.output(p->user, stream, NULL, 0);
        check_done(p);
        return;
    }
}

/* fd moved to >= 4 (so the child's dup2 onto 0..3 never clobbers a
 * source), close-on-exec. */
static int high_fd(int fd)
{
    if (fd < 0 || fd >= 4)
        return fd;
    int n = fcntl(fd, F_DUPFD_CLOEXEC, 4);
    close(fd);
    return n;
}

/* In the child: tells the parent why it could not exec, then exits. */
static void child_fail(int step)
{
    int msg[2] = { step, errno };
    ssize_t w = write(3, msg, sizeof msg);
    (void)w;
    _exit(127);
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void child(const biz_proc_opts *o, int in, int out, int err, int rep, long maxfd,
                  pid_t parent)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    /* As Airflow's pre_exec: SIGPIPE and SIGXFSZ back to their default
     * (we ignore SIGPIPE); and ours handlers must not run in the child. */
    static const int sigs[] = { SIGPIPE, SIGXFSZ, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setsid();
#ifdef __linux__
    /* When the executable dies without a chance to stop its tasks (kill -9,
     * OOM killer), the command goes with it: left running, it would run
     * twice once --resume starts the task again. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
#endif
    if (dup2(rep, 3) < 0)
        _exit(127);
    fcntl(3, F_SETFD, FD_CLOEXEC);
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        child_fail(3);
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 4U, ~0U, 0) != 0)
#endif
        for (long fd = 4; fd < maxfd; fd++)
            close((int)fd);
    if (o->cwd && chdir(o->cwd) < 0)
        child_fail(1);
    execve(o->path, o->argv, o->envp);
    child_fail(2);
}

/* Starts a child (see proc.h). */
biz_proc *biz_proc_spawn(biz_loop *loop, const biz_proc_opts *o, const biz_proc_cbs *cbs,
                         void *user, char *err, size_t errlen)
{
    int in = -1, po[2] = { -1, -1 }, pe[2] = { -1, -1 }, px[2] = { -1, -1 };
    biz_proc *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->fd[0] = p->fd[1] = p->fd[2] = -1;
    p->slot = -1;
    /* SIGCHLD ignored (inherited from whoever started us) would reap our
     * children behind our back, and waitpid would fail: default it. */
    struct sigaction cur;
    if (sigaction(SIGCHLD, NULL, &cur) == 0 && cur.sa_handler == SIG_IGN)
        signal(SIGCHLD, SIG_DFL);
    if (o->remove_cwd && o->cwd && !(p->rmdir = strdup(o->cwd))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    in = high_fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (in < 0 || pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0 ||
        pipe2(px, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot create pipes: %s", strerror(errno));
        goto fail;
    }
    for (int i = 0; i < 2; i++) {
        po[i] = high_fd(po[i]);
        pe[i] = high_fd(pe[i]);
        px[i] = high_fd(px[i]);
    }
    if (po[0] < 0 || po[1] < 0 || pe[0] < 0 || pe[1] < 0 || px[0] < 0 || px[1] < 0) {
        snprintf(err, errlen, "cannot create pipes: %s", strerror(errno));
        goto fail;
    }
    struct rlimit rl;
    long maxfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
                 rl.rlim_cur < 65536 ? (long)rl.rlim_cur : 65536;

    /* What the run decided so far is written before the command can act
     * on the world (loop.h). */
    biz_loop_before_io(loop);
    /* No handler of ours may run in the child before it resets them. */
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid_t self = getpid();
    pid_t pid = fork();
    if (pid == 0)
        child(o, in, po[1], pe[1], px[1], maxfd, self);
    int fork_errno = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
        snprintf(err, errlen, "cannot fork: %s", strerror(fork_errno));
        goto fail;
    }
    close(po[1]);
    close(pe[1]);
    close(px[1]);
    close(in);
    po[1] = pe[1] = px[1] = in = -1;

    /* The child's exec report: EOF when exec succeeded (close-on-exec),
     * {step, errno} when it did not. Bounded by fork + exec. */
    int msg[2];
    ssize_t n;
    do
        n = read(px[0], msg, sizeof msg);
    while (n < 0 && errno == EINTR);
    close(px[0]);
    px[0] = -1;
    if (n == (ssize_t)sizeof msg) {
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        if (msg[0] == 1)
            snprintf(err, errlen, "cannot change to directory '%s': %s", o->cwd, strerror(msg[1]));
        else if (msg[0] == 2)
            snprintf(err, errlen, "cannot execute %s: %s", o->path, strerror(msg[1]));
        else
            snprintf(err, errlen, "cannot set up the child's descriptors: %s", strerror(msg[1]));
        goto fail;
    }

    p->loop = loop;
    p->pid = pid;
    p->cbs = *cbs;
    p->user = user;
    p->slot = reg_add(pid);
    p->fd[1] = po[0];
    p->fd[2] = pe[0];
    po[0] = pe[0] = -1;
    for (int i = 1; i <= 2; i++) {
        fcntl(p->fd[i], F_SETFL, fcntl(p->fd[i], F_GETFL) | O_NONBLOCK);
        p->watch[i] = biz_loop_fd_add(loop, p->fd[i], CURL_WAIT_POLLIN, on_output, p);
    }
#ifdef SYS_pidfd_open
    p->fd[0] = (int)syscall(SYS_pidfd_open, pid, 0);
    if (p->fd[0] >= 0) {
        fcntl(p->fd[0], F_SETFD, FD_CLOEXEC);
        p->watch[0] = biz_loop_fd_add(loop, p->fd[0], CURL_WAIT_POLLIN, on_pidfd, p);
    }
#endif
    if (p->fd[0] < 0) {
        p->poll_ms = 5;
        p->poll_timer = biz_loop_timer_add(loop, p->poll_ms, poll_cb, p);
    }
    return p;

fail:
    for (int i = 0; i < 2; i++) {
        if (po[i] >= 0) close(po[i]);
        if (pe[i] >= 0) close(pe[i]);
        if (px[i] >= 0) close(px[i]);
    }
    if (in >= 0)
        close(in);
    if (p->rmdir)
        biz_proc_rmtree(p->rmdir);
    free(p->rmdir);
    free(p);
    return NULL;
}

static long kill_cb(biz_loop *loop, void *user)
{
    (void)loop;
    biz_proc *p = user;
    p->kill_timer = 0;
    if (!p->reaped)
        kill(-p->pid, SIGKILL);
    return BIZ_LOOP_NOMORE;
}

/* Kills and detaches a child. */
void biz_proc_kill(biz_proc *p, long grace_ms)
{
    if (!p || p->detached)
        return;
    p->detached = 1;
    close_fd(p, 1);
    close_fd(p, 2);
    if (grace_ms < 0) {
        const char *g = getenv("BIZ_KILL_GRACE_MS");
        grace_ms = g && *g ? atol(g) : BIZ_PROC_GRACE_MS;
    }
    kill(-p->pid, SIGTERM);
    if (p->reaped) {
        proc_free(p);
        return;
    }
    p->kill_timer = biz_loop_timer_add(p->loop, grace_ms, kill_cb, p);
}
