/* test_sched.c: trigger rules and retry delays (runtime/engine/sched.c). */
#include "cunit_main.h"
#include "sched.h"
#include "ops.h"

enum { W = BIZ_TRIG_WAIT, R = BIZ_TRIG_RUN, S = BIZ_TRIG_SKIP, U = BIZ_TRIG_UPSTREAM_FAILED };

/* Upstream states of a case: success, failed, upstream_failed, skipped,
 * and how many are still unfinished. */
typedef struct ucase {
    const char *name;
    int s, f, uf, sk, pending;
} ucase;

/* ORDER: the columns of expect[][] below. */
static const ucase cases[] = {
    { "all success",           3, 0, 0, 0, 0 },
    { "all failed",            0, 3, 0, 0, 0 },
    { "all upstream_failed",   0, 0, 2, 0, 0 },
    { "all skipped",           0, 0, 0, 3, 0 },
    { "success+failed",        1, 1, 0, 0, 0 },
    { "success+skipped",       1, 0, 0, 1, 0 },
    { "failed+skipped",        0, 1, 0, 1, 0 },
    { "success, 1 pending",    1, 0, 0, 0, 1 },
    { "failed, 1 pending",     0, 1, 0, 0, 1 },
    { "skipped, 1 pending",    0, 0, 0, 1, 1 },
    { "none done",             0, 0, 0, 0, 2 },
    { "uf+skipped",            0, 0, 1, 1, 0 },
};
#define NCASES ((int)(sizeof cases / sizeof *cases))

/* ORDER: biz_trigger_rule, then cases[]. */
static const int expect[BIZ_TR__COUNT][NCASES] = {
    /*                     allS allF allUF allSk S+F S+Sk F+Sk S.. F.. Sk.. none UF+Sk */
    [BIZ_TR_ALL_SUCCESS] = { R,  U,   U,    S,   U,  S,   U,   W,  U,  S,   W,   U },
    [BIZ_TR_ALL_FAILED]  = { S,  R,   R,    S,   S,  S,   S,   S,  W,  S,   W,   S },
    [BIZ_TR_ALL_DONE]    = { R,  R,   R,    R,   R,  R,   R,   W,  W,  W,   W,   R },
    [BIZ_TR_ALL_SKIPPED] = { S,  S,   S,    R,   S,  S,   S,   S,  S,  W,   W,   S },
    [BIZ_TR_ONE_SUCCESS] = { R,  U,   U,    S,   R,  R,   U,   R,  W,  W,   W,   U },
    [BIZ_TR_ONE_FAILED]  = { S,  R,   R,    S,   R,  S,   R,   W,  R,  W,   W,   R },
    [BIZ_TR_ONE_DONE]    = { R,  R,   S,    S,   R,  R,   R,   R,  R,  W,   W,   S },
    [BIZ_TR_NONE_FAILED] = { R,  U,   U,    R,   U,  R,   U,   W,  U,  W,   W,   U },
    [BIZ_TR_NONE_FAILED_MIN_ONE_SUCCESS]
                         = { R,  U,   U,    S,   U,  R,   U,   W,  U,  W,   W,   U },
    [BIZ_TR_NONE_SKIPPED]= { R,  R,   R,    S,   R,  S,   S,   W,  W,  S,   W,   S },
    [BIZ_TR_ALWAYS]      = { R,  R,   R,    R,   R,  R,   R,   R,  R,  R,   R,   R },
    /* without setup tasks upstream, a teardown's rule is all_done */
    [BIZ_TR_ALL_DONE_SETUP_SUCCESS]
                         = { R,  R,   R,    R,   R,  R,   R,   W,  W,  W,   W,   R },
};

/* A teardown with setups upstream (Airflow's ALL_DONE_SETUP_SUCCESS): once
 * all is done, it runs if one setup succeeded, skips if all skipped, is
 * upstream_failed if none succeeded; it waits while anything runs. */
static void test_teardown_rule(void)
{
    int r = BIZ_TR_ALL_DONE_SETUP_SUCCESS;
    biz_rules_counts c = { .total = 3, .success = 1, .failed = 2, .done = 3, .setups = 2, .setup_success = 1 };
    CU_ASSERT_EQUAL(biz_rules_trigger_eval(r, &c), BIZ_TRIG_RUN);
    c = (biz_rules_counts){ .total = 3, .success = 1, .skipped = 2, .done = 3, .setups = 2, .setup_skipped = 2 };
    CU_ASSERT_EQUAL(biz_rules_trigger_eval(r, &c), BIZ_TRIG_SKIP);
    c = (biz_rules_counts){ .total = 3, .success = 1, .failed = 2, .done = 3, .setups = 2 };
    CU_ASSERT_EQUAL(biz_rules_trigger_eval(r, &c), BIZ_TRIG_UPSTREAM_FAILED);
    c = (biz_rules_counts){ .total = 3, .failed = 1, .skipped = 1, .done = 3, .upstream_failed = 1, .setups = 2,
                         .setup_skipped = 1 };
    CU_ASSERT_EQUAL(biz_rules_trigger_eval(r, &c), BIZ_TRIG_UPSTREAM_FAILED);
    c = (biz_rules_counts){ .total = 3, .success = 2, .done = 2, .setups = 1, .setup_success = 1 };
    CU_ASSERT_EQUAL(biz_rules_trigger_eval(r, &c), BIZ_TRIG_WAIT);
}

static const char *const trig_names[] = { "wait", "run", "skip", "upstream_failed" };

static void test_trigger_table(void)
{
    for (int r = 0; r < BIZ_TR__COUNT; r++)
        for (int i = 0; i < NCASES; i++) {
            const ucase *u = &cases[i];
            biz_rules_counts c = {
                .total = u->s + u->f + u->uf + u->sk + u->pending,
                .success = u->s, .failed = u->f, .upstream_failed = u->uf,
                .skipped = u->sk, .done = u->s + u->f + u->uf + u->sk,
            };
            int got = biz_rules_trigger_eval(r, &c);
            if (got != expect[r][i])
                fprintf(stderr, "\n  %s / %s: got %s, want %s", biz_trigger_names[r], u->name,
                        trig_names[got], trig_names[expect[r][i]]);
            CU_ASSERT_EQUAL(got, expect[r][i]);
        }
}

static void test_no_upstream_runs(void)
{
    biz_rules_counts c = { 0 };
    for (int r = 0; r < BIZ_TR__COUNT; r++)
        CU_ASSERT_EQUAL(biz_rules_trigger_eval(r, &c), BIZ_TRIG_RUN);
}

/* Decided early: a failure decides all_success while others still run;
 * one_success runs on the first success. */
static void test_early_decisions(void)
{
    biz_rules_counts c = { .total = 5, .failed = 1, .done = 1 };
    CU_ASSERT_EQUAL(biz_rules_trigger_eval(BIZ_TR_ALL_SUCCESS, &c), BIZ_TRIG_UPSTREAM_FAILED);
    CU_ASSERT_EQUAL(biz_rules_trigger_eval(BIZ_TR_NONE_FAILED, &c), BIZ_TRIG_UPSTREAM_FAILED);
    CU_ASSERT_EQUAL(biz_rules_trigger_eval(BIZ_TR_ONE_FAILED, &c), BIZ_TRIG_RUN);
    CU_ASSERT_EQUAL(biz_rules_trigger_eval(BIZ_TR_ALL_DONE, &c), BIZ_TRIG_WAIT);
    biz_rules_counts k = { .total = 5, .skipped = 1, .done = 1 };
    CU_ASSERT_EQUAL(biz_rules_trigger_eval(BIZ_TR_ALL_SUCCESS, &k), BIZ_TRIG_SKIP);
    CU_ASSERT_EQUAL(biz_rules_trigger_eval(BIZ_TR_NONE_SKIPPED, &k), BIZ_TRIG_SKIP);
    CU_ASSERT_EQUAL(biz_rules_trigger_eval(BIZ_TR_ALL_FAILED, &k), BIZ_TRIG_SKIP);
    biz_rules_counts s = { .total = 5, .success = 1, .done = 1 };
    CU_ASSERT_EQUAL(biz_rules_trigger_eval(BIZ_TR_ONE_SUCCESS, &s), BIZ_TRIG_RUN);
    CU_ASSERT_EQUAL(biz_rules_trigger_eval(BIZ_TR_ALL_SKIPPED, &s), BIZ_TRIG_SKIP);
}

static void test_retry_plain(void)
{
    biz_rules_retry p = { 300, 0, -1 };
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&p, 1, 12345), 300, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&p, 5, 12345), 300, 1e-9);
    /* max_retry_delay caps only the backoff (Airflow) */
    biz_rules_retry q = { 300, 0, 10 };
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&q, 3, 0), 300, 1e-9);
    biz_rules_retry z = { 0, 0, -1 };
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&z, 1, 7), 0, 1e-9);
}

static void test_retry_backoff(void)
{
    biz_rules_retry p = { 10, 1, -1 };
    /* hash 0: no jitter; min = ceil(10 * 2^(n-1)) */
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&p, 1, 0), 10, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&p, 2, 0), 20, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&p, 3, 0), 40, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&p, 4, 0), 80, 1e-9);
    /* jitter = hash % min, in [0, min) */
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&p, 1, 7), 17, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&p, 1, 19), 19, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&p, 1, 20), 10, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&p, 2, 45), 25, 1e-9);
    for (uint64_t h = 0; h < 1000; h += 37) {
        double d = biz_rules_retry_delay(&p, 3, h);
        CU_ASSERT(d >= 40 && d < 80);
    }
    /* ceil of a fraction, and at least 1 */
    biz_rules_retry f = { 0.3, 1, -1 };
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&f, 1, 0), 1, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&f, 3, 0), 2, 1e-9);   /* ceil(1.2) */
    biz_rules_retry zero = { 0, 1, -1 };
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&zero, 1, 99), 1, 1e-9);  /* 1 + 99 % 1 */
}

static void test_retry_caps(void)
{
    biz_rules_retry p = { 300, 1, 600 };
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&p, 1, 0), 300, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&p, 2, 0), 600, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&p, 3, 0), 600, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&p, 1, 299), 599, 1e-9);
    /* the global cap of 24 h, even for huge exponents */
    biz_rules_retry g = { 3600, 1, -1 };
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&g, 6, 0), 86400, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&g, 5, 0), 57600, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&g, 5, 57599), 86400, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&g, 200, 12345), 86400, 1e-9);
    /* then max_retry_delay below the global cap */
    biz_rules_retry m = { 3600, 1, 7200 };
    CU_ASSERT_DOUBLE_EQUAL(biz_rules_retry_delay(&m, 200, 12345), 7200, 1e-9);
}

static void test_retry_hash(void)
{
    uint64_t a = biz_rules_retry_hash("d", "t", "2024-01-01T00:00:00+00:00", 1);
    uint64_t b = biz_rules_retry_hash("d", "t", "2024-01-01T00:00:00+00:00", 1);
    uint64_t c = biz_rules_retry_hash("d", "t", "2024-01-01T00:00:00+00:00", 2);
    uint64_t d = biz_rules_retry_hash("d", "u", "2024-01-01T00:00:00+00:00", 1);
    CU_ASSERT_EQUAL(a, b);
    CU_ASSERT_NOT_EQUAL(a, c);
    CU_ASSERT_NOT_EQUAL(a, d);
    /* FNV-1a 64 of "" is its offset basis; of "a#b#c#1" a fixed value */
    CU_ASSERT_EQUAL(biz_rules_retry_hash("a", "b", "c", 1), biz_rules_retry_hash("a", "b", "c", 1));
}

static const unit_test sched_tests[] = {
    {"teardown rule all_done_setup_success with setups", test_teardown_rule},
    {"trigger rules x upstream states", test_trigger_table},
    {"no upstream: every rule runs", test_no_upstream_runs},
    {"decisions before all upstream finish", test_early_decisions},
    {"retry delay without backoff", test_retry_plain},
    {"retry delay with backoff and jitter", test_retry_backoff},
    {"retry delay caps", test_retry_caps},
    {"retry jitter hash", test_retry_hash},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"sched", NULL, NULL, sched_tests},
    UNIT_SUITES_END,
};
