/* fuzz_util.c: helpers shared by the fuzz targets (fuzz.h). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

char *fuzz_strdup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

FILE *fuzz_devnull(void)
{
    static FILE *null;
    if (!null && !(null = fopen("/dev/null", "w")))
        abort();
    return null;
}
