/* test_sensor.c: the sensors' next-poke arithmetic (runtime/engine/sensor.c). */
#include <math.h>
#include "cunit_main.h"
#include "sensor.h"

static double next(double interval, double timeout, int backoff, int k, double elapsed,
                   uint64_t hash)
{
    biz_sensor_policy p = { interval, timeout, backoff };
    return biz_sensor_next_delay(&p, k, elapsed, hash);
}

/* Without backoff: poke_interval, whatever the poke number and hash. */
static void test_plain_interval(void)
{
    CU_ASSERT_DOUBLE_EQUAL(next(60, 3600, 0, 1, 0, 0), 60, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(next(60, 3600, 0, 7, 100, 12345), 60, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(next(0.5, 10, 0, 3, 1, 99), 0.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(next(0, 10, 0, 3, 1, 99), 0, 1e-9);
}

/* The wait never goes past the timeout: the last poke is at the deadline. */
static void test_capped_at_time_left(void)
{
    CU_ASSERT_DOUBLE_EQUAL(next(60, 90, 0, 2, 60, 0), 30, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(next(60, 90, 0, 2, 89.75, 0), 0.25, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(next(10, 100, 1, 6, 95, 0), 5, 1e-9);   /* backoff 80 -> 5 */
    CU_ASSERT_DOUBLE_EQUAL(next(10, 100, 1, 60, 0, 7), 100, 1e-9); /* huge backoff -> left */
}

/* At or past the timeout: no more pokes. */
static void test_timed_out(void)
{
    CU_ASSERT(next(60, 90, 0, 2, 90, 0) < 0);
    CU_ASSERT(next(60, 90, 0, 2, 120, 0) < 0);
    CU_ASSERT(next(1, 0, 0, 1, 0, 0) < 0);        /* timeout 0: one poke only */
    CU_ASSERT(next(1, -5, 1, 1, 0, 0) < 0);       /* negative timeout as 0 */
    CU_ASSERT(next(1, 0.001, 0, 1, 0, 0) > 0);
}

/* Backoff without jitter (hash 0): int(poke_interval * 2^(k-2)), at least 1. */
static void test_backoff_formula(void)
{
    double big = 1e9;
    CU_ASSERT_DOUBLE_EQUAL(next(10, big, 1, 1, 0, 0), 5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(next(10, big, 1, 2, 0, 0), 10, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(next(10, big, 1, 3, 0, 0), 20, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(next(10, big, 1, 4, 0, 0), 40, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(next(3, big, 1, 1, 0, 0), 1, 1e-9);     /* int(1.5) */
    CU_ASSERT_DOUBLE_EQUAL(next(1, big, 1, 1, 0, 0), 1, 1e-9);     /* int(0.5) = 0 -> 1 */
    CU_ASSERT_DOUBLE_EQUAL(next(0, big, 1, 5, 0, 0), 1, 1e-9);     /* 0 -> 1 */
    CU_ASSERT_DOUBLE_EQUAL(next(2.5, big, 1, 3, 0, 0), 5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(next(10, big, 1, 0, 0, 0), 5, 1e-9);    /* k < 1 as 1 */
}

/* Jitter: m + hash % m, in [m, 2m), deterministic. */
static void test_backoff_jitter(void)
{
    double big = 1e9;
    CU_ASSERT_DOUBLE_EQUAL(next(10, big, 1, 3, 0, 7), 27, 1e-9);   /* 20 + 7 */
    CU_ASSERT_DOUBLE_EQUAL(next(10, big, 1, 3, 0, 25), 25, 1e-9);  /* 20 + 5 */
    CU_ASSERT_DOUBLE_EQUAL(next(1, big, 1, 1, 0, 12345), 1, 1e-9); /* m = 1: no jitter */
    for (uint64_t h = 0; h < 1000; h += 37) {
        double w = next(10, big, 1, 4, 0, h * 2654435761u);
        CU_ASSERT(w >= 40 && w < 80);
        CU_ASSERT(w == floor(w));
    }
    CU_ASSERT_DOUBLE_EQUAL(next(10, big, 1, 4, 0, UINT64_MAX), 40 + UINT64_MAX % 40, 1e-9);
}

static const unit_test sensor_tests[] = {
    {"plain interval", test_plain_interval},
    {"capped at the time left", test_capped_at_time_left},
    {"timed out", test_timed_out},
    {"backoff formula", test_backoff_formula},
    {"backoff jitter", test_backoff_jitter},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"sensor", NULL, NULL, sensor_tests},
    UNIT_SUITES_END,
};
