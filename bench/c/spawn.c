/* spawn.c: starts bench/run's measured processes from a small process.
 *
 * Linux keeps a process's peak RSS across execve, and a child forked (or
 * vforked) from Python starts with Python's pages counted: every ru_maxrss
 * would read at least Python's 25 MiB. So bench/run marks itself a child
 * subreaper and asks this server, a small static program started once, to
 * start each process: for a request it forks an intermediate process that
 * forks the target and exits, which hands the target to bench/run as its
 * child; bench/run then waits for it with os.wait4 and times it itself.
 *
 * Requests on stdin: a 4-byte length (host order), then NUL-terminated
 * strings: the working directory, the log file (stdout and stderr), the
 * number of environment strings, those strings, then argv (argv[0] an
 * absolute path). Answer on stdout, one line: the target's pid, or
 * "E <errno>" when it could not be started. The target runs in a new
 * session (its pid is its process group), stdin from /dev/null. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int read_full(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t k = read(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static void answer(const char *line)
{
    size_t n = strlen(line);
    while (n > 0) {
        ssize_t k = write(1, line, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            exit(1);
        line += k;
        n -= (size_t)k;
    }
}

/* In the target, before exec: its own session, stdin /dev/null, the log. */
static void target(char *cwd, char *log, char **env, char **argv, int report)
{
    setsid();
    int in = open("/dev/null", O_RDONLY);
    int out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in < 0 || out < 0 || (cwd[0] && chdir(cwd) != 0) || dup2(in, 0) < 0
        || dup2(out, 1) < 0 || dup2(out, 2) < 0) {
        int e = errno;
        (void)!write(report, &e, sizeof e);
        _exit(127);
    }
    execve(argv[0], argv, env);
    int e = errno;
    (void)!write(report, &e, sizeof e);
    _exit(127);
}

int main(void)
{
    for (;;) {
        uint32_t len;
        if (read_full(0, &len, sizeof len) != 0)
            return 0;   /* bench/run closed the pipe: done */
        char *buf = malloc((size_t)len + 1);
        if (!buf || read_full(0, buf, len) != 0)
            return 1;
        buf[len] = 0;
        /* Split into strings. */
        size_t n = 0;
        for (uint32_t i = 0; i < len; i++)
            n += buf[i] == 0;
        char **s = calloc(n + 2, sizeof *s);
        if (!s)
            return 1;
        size_t k = 0;
        for (char *p = buf; p < buf + len && k < n; p += strlen(p) + 1)
            s[k++] = p;
        long nenv = k >= 3 ? strtol(s[2], NULL, 10) : -1;
        if (nenv < 0 || (size_t)(3 + nenv) >= k) {
            answer("E 22\n");
            free(s);
            free(buf);
            continue;
        }
        char **env = calloc((size_t)nenv + 1, sizeof *env);
        if (!env)
            return 1;
        memcpy(env, s + 3, (size_t)nenv * sizeof *env);
        char **argv = s + 3 + nenv;   /* NULL-terminated by calloc */

        int pid_pipe[2], err_pipe[2];
        if (pipe2(pid_pipe, O_CLOEXEC) != 0) {
            answer("E 24\n");
            goto next;
        }
        pid_t mid = fork();
        if (mid == 0) {   /* the intermediate: fork the target, say its pid, go */
            if (pipe2(err_pipe, O_CLOEXEC) != 0)
                _exit(1);
            pid_t t = fork();
            if (t == 0) {
                close(err_pipe[0]);
                target(s[0], s[1], env, argv, err_pipe[1]);
            }
            close(err_pipe[1]);
            int e = 0;
            if (t < 0)
                e = errno;
            else if (read(err_pipe[0], &e, sizeof e) != (ssize_t)sizeof e)
                e = 0;   /* EOF: the exec happened */
            char line[64];
            if (e)
                snprintf(line, sizeof line, "E %d\n", e);
            else
                snprintf(line, sizeof line, "%ld\n", (long)t);
            (void)!write(pid_pipe[1], line, strlen(line));
            _exit(0);
        }
        close(pid_pipe[1]);
        char line[64] = "E 11\n";
        if (mid > 0) {
            ssize_t got = read(pid_pipe[0], line, sizeof line - 1);
            line[got > 0 ? got : 0] = 0;
            if (got <= 0)
                strcpy(line, "E 5\n");
            while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
        close(pid_pipe[0]);
        answer(line);   /* after the wait: the target is bench/run's child now */
    next:
        free(env);
        free(s);
        free(buf);
    }
}
