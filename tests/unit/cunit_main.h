/* cunit_main.h: the one main() of the CUnit unit-test programs.
 *
 * A program under tests/unit/ defines its suites as a table and links
 * tests/unit/libunitmain.a, whose main() registers them, runs them with
 * CU_basic_run_tests() in verbose mode (CUnit's usual listing and summary)
 * and exits 0 when every test passed, 1 when a test, an assertion or a
 * suite's init or cleanup failed, 2 when CUnit itself could not start, and
 * 77 (automake's SKIP) when the program says it cannot run here.
 *
 *     static const unit_test conn_tests[] = {
 *         {"full URI", test_full_uri},
 *         {"minimal URI", test_minimal},
 *         UNIT_TESTS_END
 *     };
 *     const unit_suite unit_suites[] = {
 *         {"conn", NULL, NULL, conn_tests},
 *         UNIT_SUITES_END
 *     };
 *
 * Ownership: the tables are the program's, static and constant; main()
 * only reads them. */
#ifndef BIZ_CUNIT_MAIN_H
#define BIZ_CUNIT_MAIN_H

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <time.h>

/* One test: the name CUnit prints, and the function. */
typedef struct unit_test {
    const char *name;
    CU_TestFunc fn;
} unit_test;

/* One suite: its name, CUnit's init and cleanup (NULL: none; a nonzero
 * return fails the suite, and the program), and its tests. */
typedef struct unit_suite {
    const char *name;
    CU_InitializeFunc init;
    CU_CleanupFunc cleanup;
    const unit_test *tests; /* ended by UNIT_TESTS_END */
} unit_suite;

#define UNIT_TESTS_END {NULL, NULL}
#define UNIT_SUITES_END {NULL, NULL, NULL, NULL}

/* The program's suites, in the order they run, ended by UNIT_SUITES_END.
 * Every program defines it. */
extern const unit_suite unit_suites[];

/* Why the whole program cannot run on this machine (printed, then exit
 * 77), or NULL to run. A program may define it; libunitmain.a's default
 * (its own archive member, so a program's definition wins) returns NULL. */
const char *unit_skip(void);

/* The time_t of an ISO-8601 text ("2024-01-01", "2024-01-01T06:00:00+02:00");
 * fails the test (fatally) on a text it cannot read. */
time_t unit_time(const char *iso);

#endif
