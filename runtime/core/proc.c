/* proc.c: child processes as loop events (see proc.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "log.h"
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
    char *regfile;          /* its file in the registry, or NULL */
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

/* ---------------------------------------------------------------- guard */

static int guard_sock = -1;     /* our end of the socket pair; -1: no guard */
static pid_t guard_pid;

/* The most groups one guard keeps (more than REG_MAX children at once). */
#define GUARD_MAX 4096

/* The guard (see proc.h). Async-signal-safe calls only: it was forked
 * from a process that may have threads (curl's resolver). */
static void guard_main(int sock) __attribute__((noreturn));
static void guard_main(int sock)
{
    static const int ign[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU,
                               SIGPIPE, SIGUSR1, SIGUSR2, SIGALRM };
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    /* Signals meant for the executable or its terminal job are not for
     * us: we end when the executable does, and only then. */
    for (size_t i = 0; i < sizeof ign / sizeof ign[0]; i++)
        sigaction(ign[i], &sa, NULL);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setpgid(0, 0);
#ifdef __linux__
    prctl(PR_SET_NAME, "biz-guard", 0, 0, 0);
#endif
    /* Nothing of ours stays open here: not the lock (the next run would
     * wait for us), not the executable's stdout (a pipe reader would wait
     * for our exit), not our end of the pair (EOF would never come). */
    int nul = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; fd++)
        if (nul >= 0 && nul != fd)
            dup2(nul, fd);
    if (nul > 2 && nul != sock)
        close(nul);
    int done = 0;
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, (unsigned)sock - 1, 0) == 0 &&
        syscall(SYS_close_range, (unsigned)sock + 1, ~0U, 0) == 0)
        done = 1;
#endif
    for (int fd = 3; !done && fd < 65536; fd++)
        if (fd != sock)
            close(fd);
    static pid_t groups[GUARD_MAX];
    int n = 0;
    for (;;) {
        int32_t v;
        ssize_t r = recv(sock, &v, sizeof v, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r != (ssize_t)sizeof v)
            break;              /* EOF (or an error): the executable is gone */
        if (v > 0 && n < GUARD_MAX) {
            groups[n++] = v;
        } else if (v < 0) {
            for (int i = 0; i < n; i++)
                if (groups[i] == -v) {
                    groups[i] = groups[--n];
                    break;
                }
        }
    }
    for (int i = 0; i < n; i++)
        kill(-groups[i], SIGKILL);
    _exit(0);
}

static int high_fd(int fd);

/* Tells the guard a group started (pgid > 0) or is over (-pgid). 0, or -1
 * when there is no guard (it died: a later spawn starts another). */
static int guard_send(pid_t v)
{
    if (guard_sock < 0)
        return -1;
    int32_t m = (int32_t)v;
    ssize_t w;
    do
        w = send(guard_sock, &m, sizeof m, MSG_NOSIGNAL);
    while (w < 0 && errno == EINTR);
    if (w == (ssize_t)sizeof m)
        return 0;
    /* The guard is gone (killed): reap it; the next spawn makes another. */
    close(guard_sock);
    guard_sock = -1;
    waitpid(guard_pid, NULL, WNOHANG);
    guard_pid = 0;
    return -1;
}

/* Starts the guard if none runs, telling it the groups already live. A
 * failure leaves us without one (the direct children still die with us
 * through PR_SET_PDEATHSIG, and the registry still stops orphans). */
static void guard_ensure(void)
{
    if (guard_sock >= 0)
        return;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return;
    sv[0] = high_fd(sv[0]);
    sv[1] = high_fd(sv[1]);
    if (sv[0] < 0 || sv[1] < 0) {
        if (sv[0] >= 0) close(sv[0]);
        if (sv[1] >= 0) close(sv[1]);
        return;
    }
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid == 0)
        guard_main(sv[1]);
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        return;
    }
    guard_sock = sv[0];
    guard_pid = pid;
    for (int i = 0; i < REG_MAX; i++)
        if (reg[i] > 0 && guard_send(reg[i]) < 0)
            return;
}

/* The guard's pid, or 0. */
pid_t biz_proc_guard_pid(void)
{
    return guard_sock >= 0 ? guard_pid : 0;
}

/* ---------------------------------------------------------------- registry */

static char *reg_dir;           /* where groups are recorded, or NULL */

/* Reads the start of the small file path (open flags added to O_RDONLY)
 * into buf, NUL-terminated: its length, or -1 when it cannot be read or
 * is empty. */
static ssize_t read_small(const char *path, int flags, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    return n;
}

/* From /proc/<pid>/stat: state, process group, session and start time
 * (clock ticks after boot). 0, or -1 (no such process, no /proc). */
static int proc_stat(pid_t pid, char *state, long *pgrp, long *sid, unsigned long long *start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    if (read_small(path, 0, buf, sizeof buf) < 0)
        return -1;
    /* The command name is in parentheses and may hold anything. */
    char *p = strrchr(buf, ')');
    if (!p || sscanf(p + 1, " %c %*d %ld %ld %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d"
                     " %*d %*d %*d %*d %llu", state, pgrp, sid, start) != 4)
        return -1;
    return 0;
}

/* The kernel's boot id (a pid and a start time mean nothing across a
 * reboot), "-" when unknown. */
static const char *boot_id(void)
{
    static char id[64];
    if (id[0])
        return id;
    snprintf(id, sizeof id, "-");
    int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char buf[64];
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n > 0) {
            buf[n] = 0;
            buf[strcspn(buf, "\n ")] = 0;
            if (buf[0])
                snprintf(id, sizeof id, "%s", buf);
        }
    }
    return id;
}

/* A process's start time, 0 when unknown. */
static unsigned long long start_of(pid_t pid)
{
    char st;
    long g, s;
    unsigned long long t;
    return proc_stat(pid, &st, &g, &s, &t) == 0 ? t : 0;
}

/* Records a child's group; the path (malloc'd), or NULL with errno. No
 * fsync: a power loss ends the group with everything else. */
static char *reg_write(pid_t pid, const char *label)
{
    char *path = NULL, *text = NULL;
    if (asprintf(&path, "%s/%ld", reg_dir, (long)pid) < 0)
        return NULL;
    char lab[512];
    snprintf(lab, sizeof lab, "%s", label ? label : "-");
    for (char *c = lab; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    int n = asprintf(&text, "biz-proc 1\npgid %ld\nstart %llu\nboot %s\nowner %ld %llu\nlabel %s\n",
                     (long)pid, start_of(pid), boot_id(), (long)getpid(), start_of(getpid()), lab);
    if (n < 0) {
        free(path);
        return NULL;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    ssize_t w = fd >= 0 ? write(fd, text, (size_t)n) : -1;
    int e = errno;
    if (fd >= 0 && close(fd) < 0 && w == n) {
        e = errno;
        w = -1;
    }
    free(text);
    if (w != n) {
        if (fd >= 0)
            unlink(path);
        free(path);
        errno = w < 0 ? e : ENOSPC;
        return NULL;
    }
    return path;
}

/* A registry file read back. */
typedef struct orphan {
    long pgid, owner;
    unsigned long long start, owner_start;
    char boot[64], label[512];
    char *path;
    int live;
} orphan;

static int orphan_read(const char *path, orphan *o)
{
    char buf[2048];
    if (read_small(path, O_NOFOLLOW, buf, sizeof buf) < 0)
        return -1;
    memset(o, 0, sizeof *o);
    if (sscanf(buf, "biz-proc 1\npgid %ld\nstart %llu\nboot %63s\nowner %ld %llu\n",
               &o->pgid, &o->start, o->boot, &o->owner, &o->owner_start) != 5 || o->pgid <= 1)
        return -1;
    const char *l = strstr(buf, "\nlabel ");
    snprintf(o->label, sizeof o->label, "%s", l ? l + 7 : "-");
    o->label[strcspn(o->label, "\n")] = 0;
    return 0;
}

/* Whether the recorded group still has a live (not zombie) process. Its
 * leader was made with setsid(), so the group is also the session; while
 * any process is in it the kernel gives nobody that pid, so a leader found
 * with another start time means the group ended and the pid was reused. */
static int group_live(const orphan *o)
{
    char st;
    long g, sid;
    unsigned long long t;
    if (proc_stat((pid_t)o->pgid, &st, &g, &sid, &t) == 0) {
        if (o->start && t != o->start)
            return 0;
        if (st != 'Z' && g == o->pgid)
            return 1;
    }
    DIR *d = opendir("/proc");
    if (!d) {
        /* No /proc: the kernel says whether the group has members. */
        return kill(-(pid_t)o->pgid, 0) == 0 || errno == EPERM;
    }
    int live = 0;
    struct dirent *e;
    while (!live && (e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (pid <= 0 || *end)
            continue;
        if (proc_stat((pid_t)pid, &st, &g, &sid, &t) == 0 && g == o->pgid && sid == o->pgid &&
            st != 'Z')
            live = 1;
    }
    closedir(d);
    return live;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Waits up to ms for the live ones to go; how many are left. */
static int orphans_wait(orphan *v, int n, long ms)
{
    int left = 0;
    for (long waited = 0;; waited += 20) {
        left = 0;
        for (int i = 0; i < n; i++) {
            if (v[i].live)
                v[i].live = group_live(&v[i]);
            left += v[i].live;
        }
        if (!left || waited >= ms)
            return left;
        sleep_ms(20);
    }
}

static long grace_default(long grace_ms)
{
    if (grace_ms >= 0)
        return grace_ms;
    const char *g = getenv("BIZ_KILL_GRACE_MS");
    return g && *g ? atol(g) : BIZ_PROC_GRACE_MS;
}

/* Makes dir the registry, stopping the orphans it lists (see proc.h). */
int biz_proc_registry_open(const char *dir, long grace_ms, char *err, size_t errlen)
{
    grace_ms = grace_default(grace_ms);
    biz_proc_registry_close();
    /* A state directory that cannot be written is the record's failure to
     * report (record.c decides whether the run starts); without a registry
     * the guard still stops our commands when we die. */
    /* Opened first: it exists at every run but the first. */
    DIR *d = opendir(dir);
    if (!d && errno == ENOENT && mkdir(dir, 0700) == 0)
        d = opendir(dir);
    if (!d) {
        biz_log(BIZ_LOG_WARN, "cannot use %s (%s): Bash commands left running by an executable"
                " killed together with its guard will not be found", dir, strerror(errno));
        return 0;
    }
    orphan *v = NULL;
    int n = 0, cap = 0, rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (pid <= 0 || *end)
            continue;
        char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
            continue;
        orphan o;
        if (orphan_read(path, &o) < 0 || o.pgid != pid || strcmp(o.boot, boot_id()) != 0) {
            /* Not ours, or from before a reboot: nothing of it runs. */
            unlink(path);
            free(path);
            continue;
        }
        if (o.owner > 0 && o.owner_start && start_of((pid_t)o.owner) == o.owner_start) {
            /* Its executable still runs (it would hold the lock): its
             * children are its business. */
            free(path);
            continue;
        }
        o.live = group_live(&o);
        if (!o.live) {
            unlink(path);
            free(path);
            continue;
        }
        if (n == cap) {
            int nc = cap ? cap * 2 : 8;
            orphan *nv = realloc(v, (size_t)nc * sizeof *nv);
            if (!nv) {
                free(path);
                break;
            }
            v = nv;
            cap = nc;
        }
        o.path = path;
        v[n++] = o;
    }
    closedir(d);
    for (int i = 0; i < n; i++) {
        biz_log(BIZ_LOG_WARN, "process group %ld (%s) is still running, left by executable pid"
                " %ld that was killed: stopping it before this run starts (SIGTERM, SIGKILL"
                " after %ld ms)", v[i].pgid, v[i].label, v[i].owner, grace_ms);
        kill(-(pid_t)v[i].pgid, SIGTERM);
    }
    int left = n ? orphans_wait(v, n, grace_ms) : 0;
    for (int i = 0; left && i < n; i++)
        if (v[i].live) {
            biz_log(BIZ_LOG_WARN, "process group %ld (%s) still runs %ld ms after SIGTERM: SIGKILL",
                    v[i].pgid, v[i].label, grace_ms);
            kill(-(pid_t)v[i].pgid, SIGKILL);
        }
    if (left)
        left = orphans_wait(v, n, 5000);
    for (int i = 0; i < n; i++) {
        if (v[i].live) {
            if (rc == 0)
                snprintf(err, errlen, "process group %ld (%s), left by a killed executable, is"
                         " still alive after SIGKILL: not starting a run that could overlap it",
                         v[i].pgid, v[i].label);
            rc = -1;
        } else {
            biz_log(BIZ_LOG_WARN, "process group %ld (%s) stopped", v[i].pgid, v[i].label);
            unlink(v[i].path);
        }
        free(v[i].path);
    }
    free(v);
    if (rc < 0)
        return -1;
    free(reg_dir);
    reg_dir = strdup(dir);
    if (!reg_dir) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return n;
}

/* No registry any more. */
void biz_proc_registry_close(void)
{
    free(reg_dir);
    reg_dir = NULL;
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

/* The group is over for us: the guard and the registry forget it. */
static void unrecord(biz_proc *p)
{
    /* Sent even when the guard was not told at spawn: a guard started
     * later was given every live group (guard_ensure). Forgetting a group
     * it does not know is nothing. */
    if (p->pid > 0 && guard_sock >= 0)
        guard_send(-p->pid);
    if (p->regfile) {
        unlink(p->regfile);
        free(p->regfile);
        p->regfile = NULL;
    }
}

static void proc_free(biz_proc *p)
{
    unrecord(p);
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
static void child(const biz_proc_opts *o, int in, int out, int err, int rep, int go,
                  int go_w, long maxfd, pid_t parent)
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
    /* Nothing runs before the guard and the registry know our group: the
     * parent writes one byte once they do (EOF: it failed or died). */
    close(go_w);        /* else our own copy would keep EOF from coming */
    char c;
    ssize_t r;
    do
        r = read(go, &c, 1);
    while (r < 0 && errno == EINTR);
    if (r != 1)
        _exit(127);
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
    int in = -1, po[2] = { -1, -1 }, pe[2] = { -1, -1 }, px[2] = { -1, -1 }, pg[2] = { -1, -1 };
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
        pipe2(px, O_CLOEXEC) < 0 || pipe2(pg, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot create pipes: %s", strerror(errno));
        goto fail;
    }
    for (int i = 0; i < 2; i++) {
        po[i] = high_fd(po[i]);
        pe[i] = high_fd(pe[i]);
        px[i] = high_fd(px[i]);
        pg[i] = high_fd(pg[i]);
    }
    if (po[0] < 0 || po[1] < 0 || pe[0] < 0 || pe[1] < 0 || px[0] < 0 || px[1] < 0 ||
        pg[0] < 0 || pg[1] < 0) {
        snprintf(err, errlen, "cannot create pipes: %s", strerror(errno));
        goto fail;
    }
    struct rlimit rl;
    long maxfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
                 rl.rlim_cur < 65536 ? (long)rl.rlim_cur : 65536;

    guard_ensure();
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
        child(o, in, po[1], pe[1], px[1], pg[0], pg[1], maxfd, self);
    int fork_errno = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
        snprintf(err, errlen, "cannot fork: %s", strerror(fork_errno));
        goto fail;
    }
    close(po[1]);
    close(pe[1]);
    close(px[1]);
    close(pg[0]);
    close(in);
    po[1] = pe[1] = px[1] = pg[0] = in = -1;

    /* The group is known to the guard and recorded before the child may
     * exec (it waits for the byte on pg). */
    p->pid = pid;
    guard_send(pid);
    if (reg_dir && !(p->regfile = reg_write(pid, o->label))) {
        snprintf(err, errlen, "cannot record the command's process group in %s: %s", reg_dir,
                 strerror(errno));
        close(pg[1]);
        pg[1] = -1;
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        unrecord(p);
        goto fail;
    }
    ssize_t gw;
    do
        gw = write(pg[1], "g", 1);
    while (gw < 0 && errno == EINTR);
    close(pg[1]);
    pg[1] = -1;

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
        unrecord(p);
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
        if (pg[i] >= 0) close(pg[i]);
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
