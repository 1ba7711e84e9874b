/* cunit_main.c: main() of every unit-test program: registers the program's
 * unit_suites[], runs them (verbose), exits nonzero on any failure
 * (cunit_main.h). */
#include <stdio.h>

#include "cunit_main.h"

/* Registers unit_suites[], runs them, and exits 0 only when all passed. */
int main(void)
{
    const char *why = unit_skip();
    if (why) {
        printf("skipped: %s\n", why);
        return 77;
    }
    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
        return 2;
    }
    for (const unit_suite *s = unit_suites; s->name; s++) {
        CU_pSuite cs = CU_add_suite(s->name, s->init, s->cleanup);
        for (const unit_test *t = s->tests; cs && t->name; t++)
            if (!CU_add_test(cs, t->name, t->fn))
                cs = NULL;
        if (!cs) {
            fprintf(stderr, "CUnit: suite %s: %s\n", s->name, CU_get_error_msg());
            CU_cleanup_registry();
            return 2;
        }
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed()
                      + CU_get_number_of_suites_failed(); /* an init or cleanup that failed */
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
