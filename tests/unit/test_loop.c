/* test_loop.c: the event loop's timers, cancellation and fd watches
 * (runtime/core/loop.c). */
#include <unistd.h>
#include "cunit_main.h"
#include "loop.h"

static char order[32];
static int norder;

static long note(biz_loop *l, void *user)
{
    (void)l;
    order[norder++] = *(const char *)user;
    return BIZ_LOOP_NOMORE;
}

static void test_timer_order(void)
{
    biz_loop *l = biz_loop_new();
    norder = 0;
    biz_loop_timer_add(l, 30, note, "c");
    biz_loop_timer_add(l, 10, note, "a");
    biz_loop_timer_add(l, 20, note, "b");
    biz_loop_timer_add(l, 10, note, "A");   /* same time: order of adding */
    int64_t t0 = biz_loop_now_ms();
    CU_ASSERT_EQUAL(biz_loop_run(l), 0);
    CU_ASSERT(biz_loop_now_ms() - t0 >= 30);
    order[norder] = 0;
    CU_ASSERT_STRING_EQUAL(order, "aAbc");
    biz_loop_free(l);
}

static uint64_t victim;
static long canceller(biz_loop *l, void *user)
{
    (void)user;
    biz_loop_timer_cancel(l, victim);
    return BIZ_LOOP_NOMORE;
}

static int repeats, selfs;
static long repeater(biz_loop *l, void *user)
{
    (void)l;
    (void)user;
    return ++repeats < 3 ? 1 : BIZ_LOOP_NOMORE;
}

static uint64_t self_id;
static long self_cancel(biz_loop *l, void *user)
{
    (void)user;
    selfs++;
    biz_loop_timer_cancel(l, self_id);
    return 0;   /* would repeat, but it cancelled itself */
}

static void test_cancel(void)
{
    biz_loop *l = biz_loop_new();
    norder = 0;
    repeats = 0;
    selfs = 0;
    victim = biz_loop_timer_add(l, 20, note, "x");
    biz_loop_timer_add(l, 5, canceller, NULL);
    biz_loop_timer_add(l, 1, repeater, NULL);
    self_id = biz_loop_timer_add(l, 1, self_cancel, NULL);
    biz_loop_timer_cancel(l, 0);          /* ignored */
    biz_loop_timer_cancel(l, 987654);     /* ignored */
    CU_ASSERT_EQUAL(biz_loop_run(l), 0);
    CU_ASSERT_EQUAL(norder, 0);
    CU_ASSERT_EQUAL(repeats, 3);
    CU_ASSERT_EQUAL(selfs, 1);
    biz_loop_free(l);
}

static int got_fd;
static uint64_t watch_id;
static void on_fd(biz_loop *l, int fd, int revents, void *user)
{
    (void)user;
    char c;
    if ((revents & CURL_WAIT_POLLIN) && read(fd, &c, 1) == 1)
        got_fd = c;
    biz_loop_fd_remove(l, watch_id);   /* from inside its own callback */
}

static long writer(biz_loop *l, void *user)
{
    (void)l;
    int *fds = user;
    CU_ASSERT_EQUAL(write(fds[1], "z", 1), 1);
    return BIZ_LOOP_NOMORE;
}

static void test_fd(void)
{
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
    biz_loop *l = biz_loop_new();
    got_fd = 0;
    watch_id = biz_loop_fd_add(l, fds[0], CURL_WAIT_POLLIN, on_fd, NULL);
    biz_loop_timer_add(l, 10, writer, fds);
    CU_ASSERT_EQUAL(biz_loop_run(l), 0);
    CU_ASSERT_EQUAL(got_fd, 'z');
    biz_loop_free(l);
    close(fds[0]);
    close(fds[1]);
}

/* The before-I/O hook runs before the loop waits (here: for a timer), and
 * on demand; a removed hook is not called. */
static int hooks, hook_at_fire;
static void hook(void *user)
{
    (void)user;
    hooks++;
}

static long after_wait(biz_loop *l, void *user)
{
    (void)l;
    (void)user;
    hook_at_fire = hooks;
    return BIZ_LOOP_NOMORE;
}

static void test_before_io(void)
{
    biz_loop *l = biz_loop_new();
    hooks = hook_at_fire = 0;
    biz_loop_set_before_io(l, hook, NULL);
    biz_loop_timer_add(l, 20, after_wait, NULL);
    CU_ASSERT_EQUAL(biz_loop_run(l), 0);
    CU_ASSERT_TRUE(hook_at_fire >= 1);   /* it ran before the 20 ms wait */
    int before = hooks;
    biz_loop_before_io(l);
    CU_ASSERT_EQUAL(hooks, before + 1);
    biz_loop_set_before_io(l, NULL, NULL);
    biz_loop_before_io(l);
    CU_ASSERT_EQUAL(hooks, before + 1);
    biz_loop_before_io(NULL);            /* no loop: nothing */
    biz_loop_free(l);
}

static void test_empty_returns(void)
{
    biz_loop *l = biz_loop_new();
    CU_ASSERT_EQUAL(biz_loop_run(l), 0);
    biz_loop_free(l);
}

static const unit_test loop_tests[] = {
    {"timers fire in time order", test_timer_order},
    {"cancel: others, self, unknown ids", test_cancel},
    {"fd watch, removed from its callback", test_fd},
    {"an empty loop returns at once", test_empty_returns},
    {"the before-I/O hook runs before a wait", test_before_io},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"loop", NULL, NULL, loop_tests},
    UNIT_SUITES_END,
};
