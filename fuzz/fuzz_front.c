/* fuzz_front.c: the compiler's front end on any bytes: scanner, parser,
 * checks and, when the file is a valid DAG, the C generator. Whatever the
 * input, it must end with diagnostics, never a crash, a hang or a leak. */
#include <stdlib.h>

#include "codegen.h"
#include "diag.h"
#include "fuzz.h"
#include "parse.h"
#include "sema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    biz_source *src = biz_source_from_string("fuzz.biz", (const char *)data, size);
    if (!src)
        return 0;
    biz_diags d;
    biz_diags_init(&d, src, fuzz_devnull());
    biz_ir *ir = biz_sema_check_free(biz_parse(src, &d), &d);
    if (d.nerrors == 0) {
        biz_codegen_info info = { "fuzz.biz", src->text, src->len, "0", "2026-01-01" };
        for (int i = 0; i < ir->ndags; i++) {
            size_t len = 0;
            free(biz_codegen_c(&ir->dags[i], &info, &len));
        }
    }
    biz_ir_free(ir);
    biz_diags_free(&d);
    biz_source_free(src);
    return 0;
}
