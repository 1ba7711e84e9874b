/* fuzz_template.c: the template engine on any text: parsed, its references
 * listed (what bizc checks at compile time), then rendered both as text and
 * as a native value against a small context with the kinds of values a run
 * has (conf with strings, numbers, lists and dicts; an XCom pull; a
 * variable and a connection). A render must end (with a value or an error
 * message), quickly, whatever the template asks for. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "template.h"

static const char context_json[] =
    "{\"ds\": \"2024-01-02\", \"ds_nodash\": \"20240102\", \"ts\": \"2024-01-02T00:00:00+00:00\","
    " \"run_id\": \"manual__2024-01-02T00:00:00+00:00\","
    " \"logical_date\": \"2024-01-02T00:00:00+00:00\","
    " \"dag\": {\"dag_id\": \"fuzz\"}, \"task\": {\"task_id\": \"t\"},"
    " \"params\": {\"n\": 3, \"name\": \"x\", \"flag\": true},"
    " \"dag_run\": {\"run_id\": \"manual__2024-01-02T00:00:00+00:00\","
    "   \"conf\": {\"pad\": \"\", \"a\": \"ab\", \"n\": 1000000000000, \"f\": 2.5,"
    "     \"neg\": -9223372036854775807, \"list\": [1, \"two\", [3], {\"k\": null}],"
    "     \"d\": {\"x\": {\"y\": [true, false]}}, \"s\": \"order/1001\"}}}";

static cJSON *pull(void *user, const char *task_id, const char *key, int *failed)
{
    (void)user;
    (void)failed;
    if (strcmp(task_id, "none") == 0)
        return NULL;
    if (strcmp(key, "return_value") == 0)
        return cJSON_Parse("{\"status\": 200, \"items\": [1, 2, 3], \"text\": \"ok\"}");
    return cJSON_CreateString(key);
}

static const char *getenv_fake(void *user, const char *name)
{
    (void)user;
    if (strcmp(name, "AIRFLOW_VAR_X") == 0)
        return "{\"a\": [1, 2]}";
    if (strcmp(name, "AIRFLOW_CONN_API") == 0)
        return "http://user:pw@host:8080/path?timeout=3";
    return NULL;
}

static void ref_seen(void *user, const char *kind, const char *value, int offset)
{
    (void)kind;
    (void)value;
    (void)offset;
    ++*(int *)user;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cJSON *vars;
    if (!vars && !(vars = cJSON_Parse(context_json)))
        abort();
    biz_tpl_error err;
    biz_tpl *t = biz_tpl_parse((const char *)data, size, &err);
    if (!t)
        return 0;
    int refs = 0;
    biz_tpl_refs(t, ref_seen, &refs);
    biz_tpl_env env = { vars, pull, getenv_fake, "t", 1, 0, 0, NULL };
    free(biz_tpl_render(t, &env, &err));
    cJSON_Delete(biz_tpl_render_native(t, &env, &err));
    biz_tpl_free(t);
    return 0;
}
