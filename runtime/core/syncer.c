/* syncer.c: fsync on a background thread (syncer.h). */
#include <errno.h>
#include <fcntl.h>
#include <threads.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "syncer.h"

/* A file waiting for its sync: known by its inode, so that the same file
 * handed over twice (through two descriptors, or again) is synced once. */
typedef struct job {
    int fd;              /* the thread's own descriptor */
    dev_t dev;
    ino_t ino;
    char *name;
} job;

#define MAX_JOBS 16      /* a run hands over its journal, its record and a directory */

/* C11 threads: <pthread.h> would include <sched.h>, which this
 * directory's sched.h shadows. */
static once_flag once = ONCE_FLAG_INIT;

static struct {
    int init_ok;
    mtx_t mu;
    cnd_t work;              /* a job was added */
    cnd_t idle;              /* the thread finished what it had taken */
    int started;
    job pending[MAX_JOBS];
    int npending;
    int busy;                /* jobs taken, not yet done */
    int fail_errno;
    char fail_name[512];
} S;

static void init_once(void)
{
    S.init_ok = mtx_init(&S.mu, mtx_plain) == thrd_success &&
                cnd_init(&S.work) == thrd_success && cnd_init(&S.idle) == thrd_success;
}

/* Whether the lock and conditions exist (made at the first use). */
static int ready(void)
{
    call_once(&once, init_once);
    return S.init_ok;
}

static int thread_main(void *arg)
{
    (void)arg;
    job taken[MAX_JOBS];
    mtx_lock(&S.mu);
    for (;;) {
        while (S.npending == 0)
            cnd_wait(&S.work, &S.mu);
        int n = S.npending;
        memcpy(taken, S.pending, (size_t)n * sizeof *taken);
        S.npending = 0;
        S.busy = n;
        mtx_unlock(&S.mu);
        for (int i = 0; i < n; i++) {
            int e = fsync(taken[i].fd) < 0 ? errno : 0;
            close(taken[i].fd);
            if (e && e != EINVAL) {   /* EINVAL: a file that cannot be synced (a pipe) */
                mtx_lock(&S.mu);
                if (!S.fail_errno) {
                    S.fail_errno = e;
                    strncpy(S.fail_name, taken[i].name ? taken[i].name : "?",
                            sizeof S.fail_name - 1);
                }
                mtx_unlock(&S.mu);
            }
            free(taken[i].name);
        }
        mtx_lock(&S.mu);
        S.busy = 0;
        cnd_broadcast(&S.idle);
    }
    return 0;
}

/* Starts the thread once; 0 or -1. Its signals stay with the loop's
 * thread: the thread blocks them all. */
static int start(void)
{
    if (S.started)
        return 0;
    thrd_t tid;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = thrd_create(&tid, thread_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != thrd_success) {
        errno = rc == thrd_nomem ? ENOMEM : EAGAIN;
        return -1;
    }
    thrd_detach(tid);
    S.started = 1;
    return 0;
}

/* Hands fd over (syncer.h). */
int biz_syncer_post(int fd, const char *name)
{
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) < 0)
        return -1;
    if (!ready()) {
        errno = ENOMEM;
        return -1;
    }
    mtx_lock(&S.mu);
    for (int i = 0; i < S.npending; i++)
        if (S.pending[i].dev == sb.st_dev && S.pending[i].ino == sb.st_ino) {
            mtx_unlock(&S.mu);
            return 0;   /* its sync has not begun: it covers this write too */
        }
    int rc = -1, saved = EAGAIN;
    if (S.npending < MAX_JOBS && start() == 0) {
        int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        char *copy = name ? strdup(name) : NULL;
        if (own >= 0) {
            S.pending[S.npending++] = (job){ own, sb.st_dev, sb.st_ino, copy };
            cnd_signal(&S.work);
            rc = 0;
        } else {
            saved = errno;
            free(copy);
        }
    }
    mtx_unlock(&S.mu);
    if (rc < 0)
        errno = saved;
    return rc;
}

/* The first failed fsync (syncer.h). */
int biz_syncer_failure(char *name, size_t len)
{
    if (!ready())
        return 0;
    mtx_lock(&S.mu);
    int e = S.fail_errno;
    if (e && len) {
        strncpy(name, S.fail_name, len - 1);
        name[len - 1] = 0;
    }
    S.fail_errno = 0;
    mtx_unlock(&S.mu);
    return e;
}

/* Waits for every sync handed over (syncer.h). */
void biz_syncer_drain(void)
{
    if (!ready())
        return;
    mtx_lock(&S.mu);
    while (S.started && (S.npending > 0 || S.busy > 0))
        cnd_wait(&S.idle, &S.mu);
    mtx_unlock(&S.mu);
}
