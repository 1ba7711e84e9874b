/* op.c: the operator vtables by kind (ops.def's BIZ_OP lines), EmptyOperator,
 * and the stand-in for an operator that never runs as such. */
#include "op.h"
#include "ops.h"

static void empty_start(biz_try *t)
{
    biz_try_done(t, BIZ_OUT_SUCCESS, 0, NULL);
}

const biz_op_vt biz_op_empty_vt = { empty_start, NULL };

static void unsupported_start(biz_try *t)
{
    int k = t->ti->def->op;
    biz_try_done(t, BIZ_OUT_FAILED, 1, "operator %s is not supported by this runtime yet",
                 k >= 0 && k < BIZ_OP__COUNT ? biz_ops[k].name : "(unknown)");
}

/* ops.def's `none`: the compiler expands such an operator (a task group)
 * into tasks; a try of it is a malformed table. */
const biz_op_vt biz_op_none_vt = { unsupported_start, NULL };

/* The vtable of an operator kind; never NULL. */
const biz_op_vt *biz_op_vt_for(int kind)
{
    static const biz_op_vt *const table[BIZ_OP__COUNT] = {
#define BIZ_OP(kind, name, aliases, modules, sets, is_group, run, doc) [BIZ_OP_##kind] = &biz_op_##run##_vt,
#include "ops.def"
    };
    if (kind >= 0 && kind < BIZ_OP__COUNT && table[kind])
        return table[kind];
    return &biz_op_none_vt;
}
