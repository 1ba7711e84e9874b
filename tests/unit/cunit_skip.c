/* cunit_skip.c: the default unit_skip() (cunit_main.h), alone in its
 * archive member: the linker takes it only when the program defines none. */
#include <stddef.h>

#include "cunit_main.h"

/* Runs everywhere: no reason to skip. */
const char *unit_skip(void)
{
    return NULL;
}
