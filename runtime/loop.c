/* loop.c: timers in a min-heap, extra fds and curl transfers, all driven by
 * curl_multi_poll from one thread (see loop.h). */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
    short events;
    int dead;            /* removed; swept after dispatch */
    int weak;            /* does not keep the loop running */
    biz_fd_fn fn;
    void *user;
} watch;

typedef struct xfer {
    CURL *easy;
    biz_easy_fn fn;
    void *user;
    struct xfer *next;
} xfer;

struct biz_loop {
    CURLM *multi;
    timer **heap;        /* min-heap on (when, id) */
    int nheap, capheap;
    timer *firing;       /* the timer whose callback runs (out of the heap) */
    int firing_dead;     /* it cancelled itself */
    uint64_t next_id;
    uint64_t next_seq;
    watch *watches;
    int nwatch, capwatch;
    int dispatching;     /* inside fd dispatch: removal only marks */
    xfer *xfers;
    int nxfer;
    int stop;
};

/* Monotonic time in milliseconds (for timers and durations). */
int64_t biz_loop_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A new loop, or NULL when curl cannot make a multi handle. */
biz_loop *biz_loop_new(void)
{
    biz_loop *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->multi = curl_multi_init();
    if (!l->multi) {
        free(l);
        return NULL;
    }
    l->next_id = 1;
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
    free(l->watches);
    while (l->xfers) {
        xfer *x = l->xfers;
        l->xfers = x->next;
        curl_multi_remove_handle(l->multi, x->easy);
        free(x);
    }
    curl_multi_cleanup(l->multi);
    free(l);
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
    /* Linear: a run has at most a few hundred timers, cancels are rare. */
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

uint64_t biz_loop_fd_add(biz_loop *l, int fd, short events, biz_fd_fn fn, void *user)
{
    if (l->nwatch == l->capwatch) {
        int cap = l->capwatch ? 2 * l->capwatch : 8;
        watch *w = realloc(l->watches, cap * sizeof *w);
        if (!w)
            return 0;
        l->watches = w;
        l->capwatch = cap;
    }
    watch *w = &l->watches[l->nwatch++];
    w->id = l->next_id++;
    w->fd = fd;
    w->events = events;
    w->dead = 0;
    w->weak = 0;
    w->fn = fn;
    w->user = user;
    return w->id;
}

static void sweep_watches(biz_loop *l)
{
    int j = 0;
    for (int i = 0; i < l->nwatch; i++)
        if (!l->watches[i].dead)
            l->watches[j++] = l->watches[i];
    l->nwatch = j;
}

/* Marks a watch weak: biz_loop_run may return while it is still watched. */
void biz_loop_fd_weak(biz_loop *l, uint64_t id)
{
    for (int i = 0; i < l->nwatch; i++)
        if (l->watches[i].id == id)
            l->watches[i].weak = 1;
}

/* True when every live watch is weak (or there is none). */
static int only_weak_watches(const biz_loop *l)
{
    for (int i = 0; i < l->nwatch; i++)
        if (!l->watches[i].dead && !l->watches[i].weak)
            return 0;
    return 1;
}

/* curl_multi_poll reports only POLLIN/POLLOUT/POLLPRI of extra fds: a pipe
 * whose writers all closed shows just POLLHUP, so curl wakes up at once
 * yet reports nothing, forever. Asks poll(2) again (no wait) and reports
 * hang-ups and errors as readable, so the reader sees its EOF. */
static void add_hangups(struct curl_waitfd *wfds, int n)
{
    struct pollfd pf[64];
    for (int base = 0; base < n; base += 64) {
        int m = n - base < 64 ? n - base : 64;
        for (int i = 0; i < m; i++) {
            pf[i].fd = wfds[base + i].fd;
            pf[i].events = POLLIN;
            pf[i].revents = 0;
        }
        if (poll(pf, m, 0) <= 0)
            continue;
        for (int i = 0; i < m; i++)
            if (pf[i].revents & (POLLHUP | POLLERR | POLLNVAL))
                wfds[base + i].revents |= CURL_WAIT_POLLIN;
    }
}

/* Stops watching an fd (deferred while fds are dispatched). */
void biz_loop_fd_remove(biz_loop *l, uint64_t id)
{
    for (int i = 0; i < l->nwatch; i++)
        if (l->watches[i].id == id)
            l->watches[i].dead = 1;
    if (!l->dispatching)
        sweep_watches(l);
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
    x->next = l->xfers;
    l->xfers = x;
    l->nxfer++;
    return 0;
}

/* Unlinks the record of easy and returns it (NULL when unknown). */
static xfer *unlink_xfer(biz_loop *l, CURL *easy)
{
    for (xfer **p = &l->xfers; *p; p = &(*p)->next)
        if ((*p)->easy == easy) {
            xfer *x = *p;
            *p = x->next;
            l->nxfer--;
            return x;
        }
    return NULL;
}

/* Aborts a transfer without calling its callback. */
void biz_loop_easy_remove(biz_loop *l, CURL *easy)
{
    xfer *x = unlink_xfer(l, easy);
    if (!x)
        return;
    curl_multi_remove_handle(l->multi, easy);
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
            biz_easy_fn fn = x->fn;
            void *user = x->user;
            free(x);
            fn(l, easy, rc, user);
        }
    }
}

/* ---------------------------------------------------------------- run */

void biz_loop_stop(biz_loop *l)
{
    l->stop = 1;
}

/* Runs until nothing is left to do or biz_loop_stop. */
int biz_loop_run(biz_loop *l)
{
    struct curl_waitfd *wfds = NULL;
    int capw = 0, rc = 0;
    l->stop = 0;
    while (!l->stop) {
        int running;
        run_timers(l);
        if (l->stop)
            break;
        if (curl_multi_perform(l->multi, &running) != CURLM_OK) {
            rc = -1;
            break;
        }
        finish_xfers(l);
        if (l->stop)
            break;
        if (l->nheap == 0 && l->nxfer == 0 && only_weak_watches(l))
            break;

        long timeout = 60000;
        if (l->nheap > 0) {
            int64_t d = l->heap[0]->when - biz_loop_now_ms();
            timeout = d < 0 ? 0 : d < timeout ? (long)d : timeout;
        }
        if (l->nwatch > capw) {
            struct curl_waitfd *w = realloc(wfds, l->nwatch * sizeof *w);
            if (!w) {
                rc = -1;
                break;
            }
            wfds = w;
            capw = l->nwatch;
        }
        int n = l->nwatch;
        for (int i = 0; i < n; i++) {
            wfds[i].fd = l->watches[i].fd;
            wfds[i].events = l->watches[i].events;
            wfds[i].revents = 0;
        }
        if (curl_multi_poll(l->multi, wfds, n, (int)timeout, NULL) != CURLM_OK) {
            rc = -1;
            break;
        }
        add_hangups(wfds, n);
        /* Watches added by callbacks land past n and are not dispatched. */
        l->dispatching = 1;
        for (int i = 0; i < n && !l->stop; i++) {
            if (!wfds[i].revents || l->watches[i].dead)
                continue;
            watch w = l->watches[i];  /* the array may grow in fn */
            w.fn(l, w.fd, wfds[i].revents, w.user);
        }
        l->dispatching = 0;
        sweep_watches(l);
    }
    free(wfds);
    return rc;
}
