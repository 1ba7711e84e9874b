/* unit_time.c: the time_t of an ISO text, for the tests that write their
 * instants as text (cunit_main.h). */
#include <stdio.h>
#include "cunit_main.h"
#include "isotime.h"

time_t unit_time(const char *iso)
{
    time_t t;
    if (biz_isotime_parse(iso, &t) != 0) {
        fprintf(stderr, "\nbad time in test: %s\n", iso);
        CU_FAIL_FATAL("bad time in test");
    }
    return t;
}
