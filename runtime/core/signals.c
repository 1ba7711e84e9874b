/* signals.c: SIGINT / SIGTERM during a run (see signals.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "signals.h"
#include "proc.h"

static int pipe_fd[2] = { -1, -1 };
static volatile sig_atomic_t first;     /* the first signal, or 0 */
static biz_loop *sig_loop;
static uint64_t sig_watch;
static biz_sig_fn sig_fn;
static void *sig_user;

static void handler(int signo)
{
    if (first) {
        /* Second signal: no more waiting for anything. */
        biz_proc_kill_all_now();
        _exit(128 + signo);
    }
    first = signo;
    int saved = errno;
    unsigned char c = (unsigned char)signo;
    ssize_t w = write(pipe_fd[1], &c, 1);
    (void)w;
    errno = saved;
}

static void on_pipe(biz_loop *loop, int fd, int revents, void *user)
{
    (void)loop;
    (void)revents;
    (void)user;
    unsigned char buf[16];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0 && sig_fn)
        sig_fn(buf[0], sig_user);
}

/* Installs the handlers (see signals.h). */
int biz_sig_install(biz_loop *loop, biz_sig_fn fn, void *user)
{
    if (pipe2(pipe_fd, O_CLOEXEC | O_NONBLOCK) < 0)
        return -1;
    first = 0;
    sig_loop = loop;
    sig_fn = fn;
    sig_user = user;
    sig_watch = biz_loop_fd_add(loop, pipe_fd[0], CURL_WAIT_POLLIN, on_pipe, NULL);
    biz_loop_fd_weak(loop, sig_watch);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

/* Restores the default handlers and closes the pipe. */
void biz_sig_uninstall(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (sig_loop)
        biz_loop_fd_remove(sig_loop, sig_watch);
    sig_loop = NULL;
    sig_fn = NULL;
    for (int i = 0; i < 2; i++)
        if (pipe_fd[i] >= 0) {
            close(pipe_fd[i]);
            pipe_fd[i] = -1;
        }
}

/* The first signal received, or 0. */
int biz_sig_received(void)
{
    return first;
}
