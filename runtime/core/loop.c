/* loop.c: timers in a min-heap, fd watches and curl transfers, all driven
 * by one epoll set from one thread (see loop.h).
 *
 * curl runs in its "multi_socket" mode: it tells the loop which sockets to
 * watch (socket_cb) and when it wants to be called back (timer_cb), and the
 * loop hands it only the sockets that are ready. The cost of a turn is the
 * events of that turn, not the transfers in flight: curl_multi_perform and
 * curl_multi_poll would visit every one of 256 transfers for each that
 * ends. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include "loop.h"

typedef struct timer {
    uint64_t id;         /* stable for the timer's whole life */
    uint64_t seq;        /* order of (re)arming: ties and the pass limit */
    int64_t when;        /* monotonic ms */
    biz_timer_fn fn;
    void *user;
} timer;

typedef struct watch {
    uint64_t id;
    int fd;
    int dead;            /* removed; freed after dispatch */
    int weak;            /* does not keep the loop running */
    biz_fd_fn fn;
    void *user;
} watch;

typedef struct xfer {
    CURL *easy;
    biz_easy_fn fn;
    void *user;
    struct xfer *prev, *next;
} xfer;

/* What the epoll set holds for one of curl's sockets. An idle keep-alive
 * connection stays registered (curl says "remove" after every transfer and
 * "watch" again at the next one: two system calls a call saved); a socket
 * that fires while curl does not want it is removed then. */
typedef struct csock {
    int want;            /* CURL_POLL_* curl asked for; 0: none */
    int registered;      /* EPOLL* events the set has for it; 0: not in it */
} csock;

struct biz_loop {
    CURLM *multi;
    int ep;              /* the epoll set */
    timer **heap;        /* min-heap on (when, seq) */
    int nheap, capheap;
    timer *firing;       /* the timer whose callback runs (out of the heap) */
    int firing_dead;     /* it cancelled itself */
    uint64_t next_id;
    uint64_t next_seq;
    int64_t curl_when;   /* when curl wants its timeout call; -1: never */
    watch **watches;
    int nwatch, capwatch;
    int dispatching;     /* inside event dispatch: removed watches wait */
    csock *socks;        /* by fd */
    int nsocks;
    xfer *xfers;
    int nxfer;
    CURL **spare;        /* reset easy handles for new transfers */
    int nspare;
    int stop;
    int failed;          /* a curl multi call failed */
    biz_io_fn before_io;
    void *before_io_user;
};

/* Event tags: curl sockets carry fd << 1, watches their pointer | 1. */
#define TAG_WATCH 1u

/* Monotonic time in milliseconds (for timers and durations). */
int64_t biz_loop_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *user, void *socketp);
static int timer_cb(CURLM *multi, long timeout_ms, void *user);

/* A new loop, or NULL when curl cannot make a multi handle. */
biz_loop *biz_loop_new(void)
{
    biz_loop *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->ep = epoll_create1(EPOLL_CLOEXEC);
    l->multi = l->ep >= 0 ? curl_multi_init() : NULL;
    if (!l->multi) {
        if (l->ep >= 0)
            close(l->ep);
        free(l);
        return NULL;
    }
    curl_multi_setopt(l->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(l->multi, CURLMOPT_SOCKETDATA, l);
    curl_multi_setopt(l->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(l->multi, CURLMOPT_TIMERDATA, l);
    l->next_id = 1;
    l->curl_when = -1;
    return l;
}

/* Frees the loop and detaches its transfers. */
void biz_loop_free(biz_loop *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->nheap; i++)
        free(l->heap[i]);
    free(l->heap);
    for (int i = 0; i < l->nwatch; i++)
        free(l->watches[i]);
    free(l->watches);
    while (l->xfers) {
        xfer *x = l->xfers;
        l->xfers = x->next;
        curl_multi_remove_handle(l->multi, x->easy);
        free(x);
    }
    curl_multi_cleanup(l->multi);
    for (int i = 0; i < l->nspare; i++)
        curl_easy_cleanup(l->spare[i]);
    free(l->spare);
    free(l->socks);
    close(l->ep);
    free(l);
}

/* Runs the before-I/O hook (loop.h). */
void biz_loop_before_io(biz_loop *l)
{
    if (l && l->before_io)
        l->before_io(l->before_io_user);
}

void biz_loop_set_before_io(biz_loop *l, biz_io_fn fn, void *user)
{
    l->before_io = fn;
    l->before_io_user = user;
}

/* ---------------------------------------------------------------- timers */

static int earlier(const timer *a, const timer *b)
{
    return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void heap_swap(biz_loop *l, int i, int j)
{
    timer *t = l->heap[i];
    l->heap[i] = l->heap[j];
    l->heap[j] = t;
}

static void heap_up(biz_loop *l, int i)
{
    while (i > 0 && earlier(l->heap[i], l->heap[(i - 1) / 2])) {
        heap_swap(l, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_down(biz_loop *l, int i)
{
    for (;;) {
        int m = i, a = 2 * i + 1, b = 2 * i + 2;
        if (a < l->nheap && earlier(l->heap[a], l->heap[m]))
            m = a;
        if (b < l->nheap && earlier(l->heap[b], l->heap[m]))
            m = b;
        if (m == i)
            return;
        heap_swap(l, i, m);
        i = m;
    }
}

static int heap_push(biz_loop *l, timer *t)
{
    if (l->nheap == l->capheap) {
        int cap = l->capheap ? 2 * l->capheap : 16;
        timer **h = realloc(l->heap, cap * sizeof *h);
        if (!h)
            return -1;
        l->heap = h;
        l->capheap = cap;
    }
    l->heap[l->nheap++] = t;
    heap_up(l, l->nheap - 1);
    return 0;
}

/* Removes heap entry i and returns it. */
static timer *heap_take(biz_loop *l, int i)
{
    timer *t = l->heap[i];
    l->heap[i] = l->heap[--l->nheap];
    if (i < l->nheap) {
        heap_up(l, i);
        heap_down(l, i);
    }
    return t;
}

/* Calls fn after delay_ms (>= 0). */
uint64_t biz_loop_timer_add(biz_loop *l, long delay_ms, biz_timer_fn fn, void *user)
{
    timer *t = malloc(sizeof *t);
    if (!t)
        return 0;
    t->id = l->next_id++;
    t->seq = l->next_seq++;
    t->when = biz_loop_now_ms() + (delay_ms > 0 ? delay_ms : 0);
    t->fn = fn;
    t->user = user;
    if (heap_push(l, t) < 0) {
        free(t);
        return 0;
    }
    return t->id;
}

/* Cancels a pending timer (also from inside its own callback). */
void biz_loop_timer_cancel(biz_loop *l, uint64_t id)
{
    if (id == 0)
        return;
    if (l->firing && l->firing->id == id) {
        l->firing_dead = 1;
        return;
    }
    /* Linear: a run has at most a timer or two per task in flight, and
     * cancels are rare (a sensor or a timeout that did not fire). */
    for (int i = 0; i < l->nheap; i++)
        if (l->heap[i]->id == id) {
            free(heap_take(l, i));
            return;
        }
}

/* Fires the due timers that existed when the pass began, so a callback that
 * re-adds itself with delay 0 cannot starve transfers. */
static void run_timers(biz_loop *l)
{
    int64_t now = biz_loop_now_ms();
    uint64_t last = l->next_seq;
    while (!l->stop && l->nheap > 0 && l->heap[0]->when <= now && l->heap[0]->seq < last) {
        timer *t = heap_take(l, 0);
        l->firing = t;
        l->firing_dead = 0;
        long again = t->fn(l, t->user);
        l->firing = NULL;
        if (again >= 0 && !l->firing_dead) {
            t->when = biz_loop_now_ms() + again;
            t->seq = l->next_seq++;
            if (heap_push(l, t) == 0)
                continue;
        }
        free(t);
    }
}

/* ---------------------------------------------------------------- fds */

static uint32_t epoll_events(int curl_wait)
{
    return (curl_wait & CURL_WAIT_POLLIN ? EPOLLIN : 0u) | (curl_wait & CURL_WAIT_POLLOUT ? EPOLLOUT : 0u);
}

uint64_t biz_loop_fd_add(biz_loop *l, int fd, short events, biz_fd_fn fn, void *user)
{
    if (l->nwatch == l->capwatch) {
        int cap = l->capwatch ? 2 * l->capwatch : 8;
        watch **w = realloc(l->watches, cap * sizeof *w);
        if (!w)
            return 0;
        l->watches = w;
        l->capwatch = cap;
    }
    watch *w = calloc(1, sizeof *w);
    if (!w)
        return 0;
    struct epoll_event ev = { .events = epoll_events(events) };
    ev.data.u64 = (uint64_t)(uintptr_t)w | TAG_WATCH;
    if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
        free(w);
        return 0;
    }
    w->id = l->next_id++;
    w->fd = fd;
    w->fn = fn;
    w->user = user;
    l->watches[l->nwatch++] = w;
    return w->id;
}

/* Frees the removed watches (not while their events are dispatched). */
static void sweep_watches(biz_loop *l)
{
    int j = 0;
    for (int i = 0; i < l->nwatch; i++)
        if (l->watches[i]->dead)
            free(l->watches[i]);
        else
            l->watches[j++] = l->watches[i];
    l->nwatch = j;
}

/* Marks a watch weak: biz_loop_run may return while it is still watched. */
void biz_loop_fd_weak(biz_loop *l, uint64_t id)
{
    for (int i = 0; i < l->nwatch; i++)
        if (l->watches[i]->id == id)
            l->watches[i]->weak = 1;
}

/* True when every live watch is weak (or there is none). */
static int only_weak_watches(const biz_loop *l)
{
    for (int i = 0; i < l->nwatch; i++)
        if (!l->watches[i]->dead && !l->watches[i]->weak)
            return 0;
    return 1;
}

/* Stops watching an fd: out of the epoll set at once (the caller may close
 * it next), the watch itself freed when no event of this turn refers to it. */
void biz_loop_fd_remove(biz_loop *l, uint64_t id)
{
    for (int i = 0; i < l->nwatch; i++) {
        watch *w = l->watches[i];
        if (w->id == id && !w->dead) {
            epoll_ctl(l->ep, EPOLL_CTL_DEL, w->fd, NULL);
            w->dead = 1;
        }
    }
    if (!l->dispatching)
        sweep_watches(l);
}

/* ---------------------------------------------------------------- curl's sockets */

static csock *sock_slot(biz_loop *l, int fd)
{
    if (fd < 0)
        return NULL;
    if (fd >= l->nsocks) {
        int n = l->nsocks ? l->nsocks : 64;
        while (n <= fd)
            n *= 2;
        csock *s = realloc(l->socks, (size_t)n * sizeof *s);
        if (!s)
            return NULL;
        memset(s + l->nsocks, 0, (size_t)(n - l->nsocks) * sizeof *s);
        l->socks = s;
        l->nsocks = n;
    }
    return &l->socks[fd];
}

/* Makes the epoll set hold events for fd (0: takes it out). A socket curl
 * closed left the set by itself, so its slot may be stale: ADD and MOD
 * each fall back on the other. */
static int sock_register(biz_loop *l, int fd, csock *c, uint32_t events)
{
    if (c->registered == (int)events)
        return 0;
    struct epoll_event ev = { .events = events };
    ev.data.u64 = (uint64_t)fd << 1;
    int rc;
    if (!events) {
        epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
        rc = 0;
    } else if (c->registered) {
        rc = epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev);
        if (rc < 0 && errno == ENOENT)
            rc = epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev);
    } else {
        rc = epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev);
        if (rc < 0 && errno == EEXIST)
            rc = epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev);
    }
    c->registered = rc == 0 ? (int)events : 0;
    return rc;
}

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *user, void *socketp)
{
    (void)easy;
    (void)socketp;
    biz_loop *l = user;
    csock *c = sock_slot(l, (int)s);
    if (!c)
        return -1;
    if (what == CURL_POLL_REMOVE) {
        c->want = 0;    /* stays registered: see csock */
        return 0;
    }
    c->want = what;
    uint32_t ev = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    return sock_register(l, (int)s, c, ev) < 0 ? -1 : 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *user)
{
    (void)multi;
    biz_loop *l = user;
    l->curl_when = timeout_ms < 0 ? -1 : biz_loop_now_ms() + timeout_ms;
    return 0;
}

/* ---------------------------------------------------------------- transfers */

int biz_loop_easy_add(biz_loop *l, CURL *easy, biz_easy_fn fn, void *user)
{
    xfer *x = malloc(sizeof *x);
    if (!x)
        return -1;
    x->easy = easy;
    x->fn = fn;
    x->user = user;
    curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
    if (curl_multi_add_handle(l->multi, easy) != CURLM_OK) {
        free(x);
        return -1;
    }
    x->prev = NULL;
    x->next = l->xfers;
    if (x->next)
        x->next->prev = x;
    l->xfers = x;
    l->nxfer++;
    return 0;
}

/* How many reset handles a loop keeps: as many as transfers a run keeps
 * in flight at most (max_active_tasks is rarely above this). */
#define SPARE_MAX 256

CURL *biz_loop_easy_get(biz_loop *l)
{
    if (l->nspare > 0)
        return l->spare[--l->nspare];
    return curl_easy_init();
}

void biz_loop_easy_put(biz_loop *l, CURL *easy)
{
    if (!easy)
        return;
    if (l->nspare == SPARE_MAX) {
        curl_easy_cleanup(easy);
        return;
    }
    if (!l->spare) {
        l->spare = malloc(SPARE_MAX * sizeof *l->spare);
        if (!l->spare) {
            curl_easy_cleanup(easy);
            return;
        }
    }
    /* Every option back to its default (callbacks, buffers, credentials,
     * PRIVATE): nothing of one call reaches the next. */
    curl_easy_reset(easy);
    l->spare[l->nspare++] = easy;
}

/* Unlinks the record of easy and returns it (NULL when unknown). */
static xfer *unlink_xfer(biz_loop *l, CURL *easy)
{
    xfer *x = NULL;
    if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x) != CURLE_OK || !x || x->easy != easy)
        return NULL;
    if (x->prev)
        x->prev->next = x->next;
    else
        l->xfers = x->next;
    if (x->next)
        x->next->prev = x->prev;
    l->nxfer--;
    return x;
}

/* Aborts a transfer without calling its callback. */
void biz_loop_easy_remove(biz_loop *l, CURL *easy)
{
    xfer *x = unlink_xfer(l, easy);
    if (!x)
        return;
    curl_multi_remove_handle(l->multi, easy);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
    free(x);
}

/* Hands finished transfers to their callbacks. */
static void finish_xfers(biz_loop *l)
{
    CURLMsg *m;
    int left;
    while (!l->stop && (m = curl_multi_info_read(l->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *easy = m->easy_handle;
        CURLcode rc = m->data.result;  /* m is invalid after remove_handle */
        xfer *x = unlink_xfer(l, easy);
        curl_multi_remove_handle(l->multi, easy);
        if (x) {
            curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
            biz_easy_fn fn = x->fn;
            void *user = x->user;
            free(x);
            fn(l, easy, rc, user);
        }
    }
}

/* Lets curl act on fd (CURL_SOCKET_TIMEOUT: its timeout), the hook first:
 * what curl does next may send a request. */
static void curl_act(biz_loop *l, curl_socket_t fd, int mask)
{
    int running;
    biz_loop_before_io(l);
    if (curl_multi_socket_action(l->multi, fd, mask, &running) != CURLM_OK)
        l->failed = 1;
}

/* ---------------------------------------------------------------- run */

void biz_loop_stop(biz_loop *l)
{
    l->stop = 1;
}

/* Dispatches one epoll event. */
static void dispatch(biz_loop *l, const struct epoll_event *e)
{
    uint64_t tag = e->data.u64;
    if (tag & TAG_WATCH) {
        watch *w = (watch *)(uintptr_t)(tag & ~(uint64_t)TAG_WATCH);
        if (w->dead)
            return;
        /* A hang-up or error is reported as readable: the reader sees its
         * EOF or error by reading (loop.h). */
        int rev = (e->events & (EPOLLIN | EPOLLHUP | EPOLLERR) ? CURL_WAIT_POLLIN : 0) |
                  (e->events & EPOLLOUT ? CURL_WAIT_POLLOUT : 0);
        w->fn(l, w->fd, rev, w->user);
        return;
    }
    int fd = (int)(tag >> 1);
    csock *c = fd < l->nsocks ? &l->socks[fd] : NULL;
    if (c && !c->want) {
        /* An idle connection curl does not watch (closed by the server,
         * most likely): out of the set; curl finds out when it reuses it. */
        sock_register(l, fd, c, 0);
        return;
    }
    int mask = (e->events & EPOLLIN ? CURL_CSELECT_IN : 0) |
               (e->events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
               (e->events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
    curl_act(l, fd, mask);
}

/* Runs until nothing is left to do or biz_loop_stop. */
int biz_loop_run(biz_loop *l)
{
    struct epoll_event evs[64];
    int skipped = 0;   /* turns in a row that did not look at the fds */
    l->stop = 0;
    l->failed = 0;
    while (!l->stop && !l->failed) {
        run_timers(l);
        if (l->stop)
            break;
        if (l->curl_when >= 0 && l->curl_when <= biz_loop_now_ms()) {
            l->curl_when = -1;
            curl_act(l, CURL_SOCKET_TIMEOUT, 0);
            finish_xfers(l);
        }
        if (l->stop || l->failed)
            break;
        if (l->nheap == 0 && l->nxfer == 0 && only_weak_watches(l))
            break;

        int64_t now = biz_loop_now_ms(), next = now + 60000;
        if (l->nheap > 0 && l->heap[0]->when < next)
            next = l->heap[0]->when;
        if (l->curl_when >= 0 && l->curl_when < next)
            next = l->curl_when;
        /* Something is due: go round again without a system call, but
         * never so often in a row that ready fds would wait. */
        if (next <= now && ++skipped < 8)
            continue;
        skipped = 0;
        /* Nothing unwritten while it waits: a kill during the wait loses
         * nothing the hook would have written. */
        biz_loop_before_io(l);
        int n = epoll_wait(l->ep, evs, 64, next > now ? (int)(next - now) : 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        l->dispatching = 1;
        for (int i = 0; i < n && !l->stop; i++)
            dispatch(l, &evs[i]);
        l->dispatching = 0;
        sweep_watches(l);
        finish_xfers(l);
    }
    return l->failed ? -1 : 0;
}
