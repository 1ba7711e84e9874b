/* loop.h: the runtime's single-threaded event loop (Redis ae.c's shape).
 *
 * One loop drives everything a run does: libcurl easy handles (through one
 * curl multi handle in its multi_socket mode), timers kept in a min-heap,
 * and extra file descriptors (child-process pipes, pidfds, the signal
 * pipe), all in one epoll set. No threads, no sleeping: every wait is an
 * event, and a turn costs the events it handles, not the transfers in
 * flight.
 *
 * Ownership: the loop owns its events. Timers and fd watchers are named by
 * ids; removing one (even from inside a callback, even its own) only marks
 * it, and the loop sweeps marked events when no callback runs, so callbacks
 * may add and remove events freely. An easy handle stays the caller's: the
 * loop only adds it to / removes it from the multi handle.
 */
#ifndef BIZ_LOOP_H
#define BIZ_LOOP_H

#include <stdint.h>
#include <curl/curl.h>

typedef struct biz_loop biz_loop;

/* A timer callback returns the delay in ms before it runs again, or
 * BIZ_LOOP_NOMORE to be deleted. */
#define BIZ_LOOP_NOMORE (-1L)
typedef long (*biz_timer_fn)(biz_loop *loop, void *user);

/* Called when a watched fd is ready; revents as in poll(2) (CURL_WAIT_*).
 * A hang-up or error (POLLHUP, POLLERR) is reported as CURL_WAIT_POLLIN,
 * so a reader sees its EOF or error by reading. */
typedef void (*biz_fd_fn)(biz_loop *loop, int fd, int revents, void *user);

/* Called once when a transfer ends (done or failed); the handle is already
 * out of the multi handle, so the callback may clean it up. */
typedef void (*biz_easy_fn)(biz_loop *loop, CURL *easy, CURLcode result, void *user);

/* A new loop, or NULL when curl cannot make a multi handle. */
biz_loop *biz_loop_new(void);
/* Frees the loop; easy handles still attached are removed (not cleaned up). */
void biz_loop_free(biz_loop *loop);

/* Monotonic time in milliseconds (for timers and durations). */
int64_t biz_loop_now_ms(void);

/* Calls fn after delay_ms (>= 0). Returns the timer's id (never 0). */
uint64_t biz_loop_timer_add(biz_loop *loop, long delay_ms, biz_timer_fn fn, void *user);
/* Cancels a pending timer; ids already fired, cancelled or 0 are ignored. */
void biz_loop_timer_cancel(biz_loop *loop, uint64_t id);

/* Watches fd for events (CURL_WAIT_POLLIN | CURL_WAIT_POLLOUT). Returns an id. */
uint64_t biz_loop_fd_add(biz_loop *loop, int fd, short events, biz_fd_fn fn, void *user);
/* Marks a watch weak: it is still dispatched, but biz_loop_run returns
 * when only weak watches are left (a signal pipe must not keep a run alive). */
void biz_loop_fd_weak(biz_loop *loop, uint64_t id);
/* Stops watching; unknown ids are ignored. */
void biz_loop_fd_remove(biz_loop *loop, uint64_t id);

/* Starts a transfer; fn runs when it ends. 0 on success, -1 on failure. */
int biz_loop_easy_add(biz_loop *loop, CURL *easy, biz_easy_fn fn, void *user);
/* Aborts a transfer without calling its callback. */
void biz_loop_easy_remove(biz_loop *loop, CURL *easy);

/* An easy handle for a new transfer: one a finished transfer gave back
 * (reset to libcurl's defaults), else a new one; NULL when out of memory.
 * Reused, a handle skips libcurl's allocation and set-up of a fresh one
 * (about a tenth of what a call cost libcurl). */
CURL *biz_loop_easy_get(biz_loop *loop);
/* Gives back an easy handle the loop no longer runs: reset and kept for
 * biz_loop_easy_get, or cleaned up when enough are kept. NULL: nothing. */
void biz_loop_easy_put(biz_loop *loop, CURL *easy);

/* The before-I/O hook: called before the loop lets curl act (which may send
 * a request) and before it waits, so that what the run decided is written
 * before anything outside the process can see a consequence of it (the
 * run's journal, store.c). One hook; NULL removes it. */
typedef void (*biz_io_fn)(void *user);
void biz_loop_set_before_io(biz_loop *loop, biz_io_fn fn, void *user);
/* Calls the hook now: before an action the loop does not make (a fork). */
void biz_loop_before_io(biz_loop *loop);

/* Runs until nothing is left to do (no timer, fd or transfer) or
 * biz_loop_stop. Returns 0, or -1 on a curl multi error. */
int biz_loop_run(biz_loop *loop);
/* Makes biz_loop_run return after the current callback. */
void biz_loop_stop(biz_loop *loop);

#endif
