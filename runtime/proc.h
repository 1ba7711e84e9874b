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

/* Removes a directory tree (no symlinks followed). 0 or -1. */
int biz_proc_rmtree(const char *dir);

#endif
