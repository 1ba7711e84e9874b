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
static long read_holder(const char *path)
{
    char buf[32];
    for (int i = 0; i < 20; i++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? pread(fd, buf, sizeof buf - 1, 0) : -1;
        if (fd >= 0)
            close(fd);
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

/* Takes the lock of dag_dir. The lock is on the directory itself, not on
 * the file "lock" in it: a file can be deleted (or replaced) while a run
 * holds it, and the next run would then lock a new inode and run alongside
 * (issue 10); the directory holds the runs' records, so it cannot go
 * away under a run without the records going too. The file only names the
 * holder. */
int biz_lock_acquire(const char *dag_dir, double wait_s, long *holder, char *err, size_t errlen)
{
    *holder = 0;
    char *path = NULL;
    if (asprintf(&path, "%s/lock", dag_dir) < 0) {
        snprintf(err, errlen, "out of memory");
        return -2;
    }
    int dfd = open(dag_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        snprintf(err, errlen, "cannot open the state directory %s: %s", dag_dir, strerror(errno));
        free(path);
        return -2;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (flock(dfd, LOCK_EX | LOCK_NB) == 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK) {
            snprintf(err, errlen, "cannot lock %s: %s", dag_dir, strerror(errno));
            close(dfd);
            free(path);
            return -2;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double waited = (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
        if (waited >= wait_s) {
            *holder = read_holder(path);
            snprintf(err, errlen, "%s", path);
            close(dfd);
            free(path);
            return -1;
        }
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
    /* The pid, for the message of a run that finds the lock taken. The
     * file is written in place under the lock: a run that cannot write it
     * could not write its record either, so it does not start (-3). */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    /* Always as long (the pid, spaces, a newline), so that it overwrites
     * the last holder's whole without a truncation, and the mode set only
     * when it is not 0600 already: each is a change of the file's inode,
     * which can wait for the file system's journal. */
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%-20ld\n", (long)getpid());
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) < 0 || ((sb.st_mode & 0777) != 0600 && fchmod(fd, 0600) < 0) ||
        (sb.st_size > n && ftruncate(fd, n) < 0) || pwrite(fd, pid, (size_t)n, 0) != n) {
        int e = errno;
        if (e == 0)
            e = EIO;   /* a short pwrite sets none */
        snprintf(err, errlen, "cannot write the lock file %s: %s", path, strerror(e));
        if (fd >= 0)
            close(fd);
        close(dfd);
        free(path);
        return -3;
    }
    close(fd);
    free(path);
    return dfd;
}

/* Releases the lock. */
void biz_lock_release(int fd)
{
    if (fd >= 0)
        close(fd);
}
