/* op_branch.c: BranchTechMicroServiceOperator (PROTOCOL.md): follows
 * on_failure, on_no_content or on_success after a call's status_code. */
#include <stdlib.h>
#include "op.h"

static int is_set(const cJSON *v)
{
    return v && !cJSON_IsNull(v) &&
           !(cJSON_IsString(v) && !v->valuestring[0]) &&
           !(cJSON_IsArray(v) && cJSON_GetArraySize(v) == 0);
}

static void branch_start(biz_try *t)
{
    const char *cws = biz_try_arg_str(t, BIZ_ARG_cws_task_id);
    if (!cws) {
        biz_try_done(t, BIZ_OUT_FAILED, 1, "cws_task_id is not set");
        return;
    }
    const cJSON *sc = biz_try_xcom_get(t, cws, "status_code");
    if (!cJSON_IsNumber(sc)) {
        biz_try_done(t, BIZ_OUT_FAILED, 0, "task '%s' pushed no status_code XCom", cws);
        return;
    }
    int status = sc->valueint;
    const cJSON *on_failure = biz_try_arg(t, BIZ_ARG_on_failure);
    const cJSON *on_no_content = biz_try_arg(t, BIZ_ARG_on_no_content);
    const cJSON *chosen;
    const char *which;
    if (status >= 400 && is_set(on_failure)) {
        chosen = on_failure;
        which = "on_failure";
    } else if (status == 204 && is_set(on_no_content)) {
        chosen = on_no_content;
        which = "on_no_content";
    } else {
        chosen = biz_try_arg(t, BIZ_ARG_on_success);
        which = "on_success";
    }
    biz_try_branch(t, chosen);
    char *ids = chosen ? cJSON_PrintUnformatted(chosen) : NULL;
    biz_try_log(t, BIZ_LOG_INFO, "status %d of '%s': following %s %s", status, cws, which,
                ids ? ids : "(nothing)");
    free(ids);
    if (biz_try_arg_bool(t, BIZ_ARG_do_xcom_push) && chosen)
        biz_try_xcom_push(t, "return_value", cJSON_Duplicate(chosen, 1));
    biz_try_done(t, BIZ_OUT_SUCCESS, 0, NULL);
}

const biz_op_vt biz_op_branch_vt = { branch_start, NULL };
