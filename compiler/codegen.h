/* codegen.h: the C file for one checked DAG.
 *
 * The output is data only: the const tables of runtime/bizrt.h and a main()
 * that hands them to biz_main(). It is deterministic (same IR and source,
 * same bytes: no timestamps unless SOURCE_DATE_EPOCH says so) and compiles
 * warning-free with -std=c11 -Wall -Wextra -Werror.
 *
 * Ownership: biz_codegen_c returns a malloc'd string the caller frees; both
 * functions borrow dag, info and out only during the call.
 */
#ifndef BIZ_CODEGEN_H
#define BIZ_CODEGEN_H

#include <stddef.h>
#include <stdio.h>
#include "ir.h"

typedef struct biz_codegen_info {
    const char *source_path;   /* as given to bizc */
    const char *source_text;   /* the .biz file's bytes, for the digest */
    size_t source_len;
    const char *bizc_version;
    const char *build_date;    /* NULL when SOURCE_DATE_EPOCH is not set */
} biz_codegen_info;

/* The C text for dag (NUL-terminated); *len (when not NULL) gets its length. */
char *biz_codegen_c(const biz_ir_dag *dag, const biz_codegen_info *info, size_t *len);

/* Writes the same text to out as it is made, a block at a time (the text
 * of a large DAG is not held whole); -1 when a write failed (errno set by
 * it), else 0. out is not flushed or closed. */
int biz_codegen_write(const biz_ir_dag *dag, const biz_codegen_info *info, FILE *out);

/* The build date from SOURCE_DATE_EPOCH as "YYYY-MM-DDTHH:MM:SS+00:00" in
 * buf, or NULL when it is unset or not a number. */
const char *biz_codegen_build_date(char buf[32]);

#endif
