/* fuzz.h: what every fuzz target defines, and the helpers they share.
 *
 * A target is one function, LLVMFuzzerTestOneInput, given one input. Built
 * with --enable-fuzz (clang) it links libFuzzer, which calls it with
 * generated inputs; otherwise it links replay.c, whose main() calls it on
 * the files named on its command line (the corpus and the regressions under
 * fuzz/), so every build runs the inputs that once crashed.
 */
#ifndef BIZ_FUZZ_H
#define BIZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input (free it). */
char *fuzz_strdup(const uint8_t *data, size_t size);

/* /dev/null opened once: where targets send what they print. */
FILE *fuzz_devnull(void);

#endif
