/* template_limits.c: an evaluation's errors and its work limits (string
 * and list sizes, steps), shared by the evaluator and the value model
 * (template_value.c, template_dt.c, template_fmt.c). */
#include <stdarg.h>

#include "template_int.h"

int biz_tpl_fail(biz_tpl_ctx *cx, int offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    biz_tpl_failv(&cx->failed, cx->err, offset, fmt, ap);
    va_end(ap);
    return -1;
}

/* ------------------------------------------------------------ work limits */

int biz_tpl_limit(biz_tpl_ctx *cx, int offset, int which)
{
    switch (which) {
    case BIZ_TPL_LIM_STR:
        return biz_tpl_fail(cx, offset, "template work limit: string size (%u MiB)", BIZ_TPL_MAX_STR >> 20);
    case BIZ_TPL_LIM_ITEMS:
        return biz_tpl_fail(cx, offset, "template work limit: list size (%ld items)", BIZ_TPL_MAX_ITEMS);
    case BIZ_TPL_LIM_ITER:
        return biz_tpl_fail(cx, offset, "template work limit: loop iterations (%ld)", BIZ_TPL_MAX_ITER);
    case BIZ_TPL_LIM_OUTPUT:
        return biz_tpl_fail(cx, offset, "template work limit: output size (%u MiB)", BIZ_TPL_MAX_OUTPUT >> 20);
    default:
        return biz_tpl_fail(cx, offset, "template work limit: evaluation steps (%ld)", BIZ_TPL_MAX_STEPS);
    }
}

int biz_tpl_charge(biz_tpl_ctx *cx, int offset, double n)
{
    if (cx->failed)
        return -1;
    if (!(n >= 0)) /* NaN or a negative count: nothing to do */
        return 0;
    cx->steps += n;
    if (cx->steps > BIZ_TPL_MAX_STEPS)
        return biz_tpl_limit(cx, offset, BIZ_TPL_LIM_STEPS);
    return 0;
}

int biz_tpl_check_str(biz_tpl_ctx *cx, int offset, double len)
{
    if (len > BIZ_TPL_MAX_STR)
        return biz_tpl_limit(cx, offset, BIZ_TPL_LIM_STR);
    return biz_tpl_charge(cx, offset, len / BIZ_TPL_STEP_BYTES);
}

int biz_tpl_check_items(biz_tpl_ctx *cx, int offset, double n)
{
    if (n > BIZ_TPL_MAX_ITEMS)
        return biz_tpl_limit(cx, offset, BIZ_TPL_LIM_ITEMS);
    return biz_tpl_charge(cx, offset, n);
}
