/* proc.h: child processes as loop events (BashOperator's `bash -c`).
 *
 * A child runs in a session (and process group) of its own, stdin from
 * /dev/null, stdout and stderr through non-blocking pipes that the loop
 * watches; it inherits no other descriptor of ours (curl's sockets, the
 * signal pipe). Its end is seen through a pidfd (pidfd_open) watched by the
 * loop, or where the kernel has none by waitpid(WNOHANG) on a short timer;
 * only our own pids are ever waited for, so there is no SIGCHLD handler and
 * no race with anyone else reaping. A child is over when it was reaped AND
 * both pipes reached EOF (as Airflow reads its output to the end).
 *
 * Ownership: biz_proc_spawn copies what it is given. The proc owns its fds,
 * watches and timers. After its exit callback returns, the proc is freed.
 * biz_proc_kill detaches it instead: no callback any more; it kills the
 * process group (SIGTERM, then SIGKILL after the grace period), reaps the
 * child in the background, and frees itself. The loop keeps running while
 * such a child lives, so a run never exits before its children are gone.
 *
 * Dying with the executable, even on kill -9: the direct child gets
 * PR_SET_PDEATHSIG (SIGKILL), but what it started (`sleep 300 &`) lives in
 * its process group and would outlive us. So the first spawn forks a
 * guard ("biz-guard", in a process group of its own so a Ctrl-C meant for
 * us does not kill it, every descriptor of ours closed): it holds one end
 * of a socket pair whose other end only the executable holds
 * (close-on-exec, closed in every child), and is told each group when it
 * starts and when it is over. When its read sees EOF (we exited, however)
 * it SIGKILLs the groups still listed and exits. A child does not exec
 * until its group is known to the guard (and to the registry below): it
 * waits for a byte from us first.
 *
 * Resuming never overlaps an orphan: when a registry directory is set
 * (biz_proc_registry_open, under the DAG's lock), each child's group is
 * also written there, one small file per group (its pgid, the leader's
 * start time and the boot id, to tell a reused pid, and what it runs),
 * removed when the child is over. A file still there when the next run
 * takes the lock was left by an executable that died with its guard
 * (kill -9 of both, the OOM killer): if that group still has a live
 * process it is stopped (SIGTERM, SIGKILL after the grace period) and
 * waited for before anything runs, and the log says so.
 */
#ifndef BIZ_PROC_H
#define BIZ_PROC_H

#include <stddef.h>
#include <sys/types.h>
#include "loop.h"

typedef struct biz_proc biz_proc;

typedef struct biz_proc_cbs {
    /* Output of the child: stream 1 (stdout) or 2 (stderr); len 0 = EOF. */
    void (*output)(void *user, int stream, const char *data, size_t len);
    /* The child is over: wstatus as waitpid gives it. Last call. */
    void (*exit)(void *user, int wstatus);
} biz_proc_cbs;

typedef struct biz_proc_opts {
    const char *path;         /* the program to execute (absolute) */
    char *const *argv;
    char *const *envp;
    const char *cwd;          /* NULL: ours */
    int remove_cwd;           /* cwd is a temporary directory: removed
                                 (recursively) once the child is reaped */
    const char *label;        /* what it is, written in the registry and
                                 shown if it is found orphaned ("task 'x'
                                 try 2 of run R"); NULL: none */
} biz_proc_opts;

/* Starts a child. NULL with a message in err when it cannot run (fork
 * failed, chdir failed, exec failed: the child reports why through a
 * close-on-exec pipe before it execs). */
biz_proc *biz_proc_spawn(biz_loop *loop, const biz_proc_opts *o, const biz_proc_cbs *cbs,
                         void *user, char *err, size_t errlen);
/* The child's pid (also its process group and session id). */
pid_t biz_proc_pid(const biz_proc *p);
/* Kills and detaches a child (see above). grace_ms < 0: the default
 * (BIZ_PROC_GRACE_MS, or $BIZ_KILL_GRACE_MS). */
void biz_proc_kill(biz_proc *p, long grace_ms);

/* Default wait between SIGTERM and SIGKILL. */
#define BIZ_PROC_GRACE_MS 5000L

/* Async-signal-safe: SIGKILL to the process group of every child not yet
 * reaped (for a second Ctrl-C, just before _exit). */
void biz_proc_kill_all_now(void);
/* How many children are not reaped yet. */
int biz_proc_live(void);

/* Makes dir (0700) the registry of running groups: first stops every
 * group recorded there that still has a live process and whose executable
 * is gone (SIGTERM, then SIGKILL after grace_ms; < 0: the default, as
 * biz_proc_kill), waits until each is gone, logs what it did and removes
 * the stale files; then every later child is recorded there. Returns how
 * many groups it stopped, or -1 with a message when a group survived
 * SIGKILL: the run must not start then. A directory that cannot be made or
 * read is only warned about (no registry then; the guard still works). */
int biz_proc_registry_open(const char *dir, long grace_ms, char *err, size_t errlen);
/* No registry any more (children already recorded keep their files until
 * they are over). */
void biz_proc_registry_close(void);
/* The guard's pid, or 0 when none runs (tests). */
pid_t biz_proc_guard_pid(void);

/* Removes a directory tree (no symlinks followed). 0 or -1. */
int biz_proc_rmtree(const char *dir);

#endif
