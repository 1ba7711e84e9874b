/* lock.c: the per-DAG run lock (see lock.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "lock.h"

/* The pid written in the lock file, 0 when unreadable. */
static long read_holder(int fd)
{
    char buf[32];
    for (int i = 0; i < 20; i++) {
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        if (n > 0) {
            buf[n] = 0;
            long pid = strtol(buf, NULL, 10);
            if (pid > 0)
                return pid;
        }
        /* The holder may not have written its pid yet. */
        struct timespec ts = { 0, 5 * 1000000L };
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* Takes the lock of dag_dir. */
int biz_lock_acquire(const char *dag_dir, double wait_s, long *holder, char *err, size_t errlen)
{
    *holder = 0;
    char *path = NULL;
    if (asprintf(&path, "%s/lock", dag_dir) < 0) {
        snprintf(err, errlen, "out of memory");
        return -2;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open the lock file %s: %s", path, strerror(errno));
        free(path);
        return -2;
    }
    fchmod(fd, 0600);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK) {
            snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
            close(fd);
            free(path);
            return -2;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double waited = (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
        if (waited >= wait_s) {
            *holder = read_holder(fd);
            snprintf(err, errlen, "%s", path);
            close(fd);
            free(path);
            return -1;
        }
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        /* Only the message needs the pid: the lock holds anyway. */
    }
    free(path);
    return fd;
}

/* Releases the lock. */
void biz_lock_release(int fd)
{
    if (fd >= 0)
        close(fd);
}
