/* op.c: the operator vtables by kind, EmptyOperator, and the stand-in for
 * operators this runtime does not run yet. */
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

static const biz_op_vt unsupported_vt = { unsupported_start, NULL };

/* The vtable of an operator kind; never NULL. */
const biz_op_vt *biz_op_vt_for(int kind)
{
    /* ORDER: biz_op_kind; NULL = not supported yet. */
    static const biz_op_vt *const table[BIZ_OP__COUNT] = {
        [BIZ_OP_TECH_MS] = &biz_op_tech_vt,
        [BIZ_OP_BRANCH_TECH_MS] = &biz_op_branch_vt,
        [BIZ_OP_EMPTY] = &biz_op_empty_vt,
        [BIZ_OP_BASH] = &biz_op_bash_vt,
        [BIZ_OP_TECH_MS_SENSOR] = &biz_op_techsensor_vt,
        [BIZ_OP_ASYNC_SENSOR] = &biz_op_s3sensor_vt,
        [BIZ_OP_ASYNC_PULL] = &biz_op_s3pull_vt,
        [BIZ_OP_EMAIL] = &biz_op_email_vt,
    };
    if (kind >= 0 && kind < BIZ_OP__COUNT && table[kind])
        return table[kind];
    return &unsupported_vt;
}
