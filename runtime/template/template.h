/* template.h: the Jinja subset Airflow users write in templated fields.
 *
 * Parsed at compile time (bizc reports syntax errors at the line and column
 * inside the string literal) and again at run time, where it is evaluated
 * against the run's context. Values are cJSON trees.
 *
 * Ownership: biz_tpl_parse returns a template the caller frees with
 * biz_tpl_free. Render functions return new strings / cJSON trees the
 * caller frees (free / cJSON_Delete). Nothing is borrowed past a call.
 */
#ifndef BIZ_TEMPLATE_H
#define BIZ_TEMPLATE_H

#include <stddef.h>
#include <cjson/cJSON.h>

typedef struct biz_tpl biz_tpl;

/* An error: a byte offset into the template text and a message. */
typedef struct biz_tpl_error {
    int offset;          /* -1 when not tied to a position */
    char message[256];
} biz_tpl_error;

/* What a template can see at run time. */
typedef struct biz_tpl_env {
    /* Top-level names: ds, ds_nodash, ts, ts_nodash, logical_date,
     * data_interval_start, data_interval_end, run_id, dag_run ({conf,
     * run_id, ...}), params, dag ({dag_id}), task ({task_id}), and any other
     * plain value. Borrowed. */
    const cJSON *vars;
    /* ti.xcom_pull(task_ids=ID, key=KEY): a new value, or NULL for "none";
     * NULL with *failed set when the value could not be made (out of
     * memory: the render fails). key is "return_value" when not given.
     * May be NULL (every pull gives None). */
    cJSON *(*xcom_pull)(void *user, const char *task_id, const char *key, int *failed);
    /* var.value.X / var.json.X read AIRFLOW_VAR_<X>; conn.X.host etc. read
     * the URI in AIRFLOW_CONN_<X>. NULL means getenv(). */
    const char *(*getenv)(void *user, const char *name);
    /* The task being rendered, for ti.task_id and ti.try_number. */
    const char *task_id;
    int try_number;
    /* ti.map_index: map_index when is_mapped, else -1 (Airflow's value for
     * a task that is not mapped). */
    int is_mapped;
    int map_index;
    void *user;
} biz_tpl_env;

/* True when s (len bytes) holds template markup ("{{", "{%" or "{#"). */
int biz_tpl_is_template(const char *s, size_t len);

/* Parses text (len bytes). NULL on a syntax error, described in *err. */
biz_tpl *biz_tpl_parse(const char *text, size_t len, biz_tpl_error *err);
void biz_tpl_free(biz_tpl *t);

/* Renders to text, as Jinja does: None is "None", True "True", a dict its
 * Python repr. NULL on an error (undefined name, bad type...), in *err. */
char *biz_tpl_render(const biz_tpl *t, const biz_tpl_env *env, biz_tpl_error *err);

/* Renders as Airflow's render_template_as_native_obj: a template that is
 * one {{ expr }} gives the value itself; otherwise the text, read back as a
 * literal when it is one ("12" -> 12), else the string. As in Jinja's
 * native_concat, a single node that is a string is read back too
 * ({{ "[1]" }} gives the list [1]), and no output at all gives null. */
cJSON *biz_tpl_render_native(const biz_tpl *t, const biz_tpl_env *env, biz_tpl_error *err);

/* A value written as an XComArg or a DAG parameter (task.output, a @dag
 * function's parameter, alone or inside a list or dict) is resolved as
 * Airflow resolves it, not rendered: the one expression's value as it is
 * (a dict stays a dict, the string "12" stays a string), whatever
 * render_template_as_native_obj says. The compiler writes such a value as
 * this mark followed by its template; biz_tpl_render_value resolves it. */
#define BIZ_TPL_RESOLVE_MARK "\x1bresolve:"
/* s without the mark, when it has one. */
const char *biz_tpl_text(const char *s);

/* Renders every template string inside value (strings nested in lists and
 * dicts too; dict keys are left alone). native selects
 * biz_tpl_render_native for each string. NULL on the first error; *err says
 * which, and *where (when not NULL) gets a malloc'd copy of the failing
 * template's text. */
cJSON *biz_tpl_render_value(const cJSON *value, int native, const biz_tpl_env *env,
                            biz_tpl_error *err, char **where);
/* True when rendering value would give it back unchanged (no string in it
 * holds a delimiter or a newline, and not native): nothing to render. */
int biz_tpl_is_plain(const cJSON *value, int native);

/* What a template refers to, for compile-time checks. kind is
 * "xcom_task" (a literal task id given to ti.xcom_pull), "name" (a
 * top-level name used), "var" (var.value.X / var.json.X: the X), "conn"
 * (conn.X: the X) or "tz" (a literal zone name given to a date-time's
 * in_timezone(), which the executable must hold). offset is where it is written in the text. */
typedef void (*biz_tpl_ref_fn)(void *user, const char *kind, const char *value, int offset);
/* Names that are only tested (`x is defined`, `x | default(...)`) and the
 * context's own objects (ti, task_instance, var, conn, macros) and names
 * bound by {% set %} / {% for %} (and loop) are not reported as "name". */
void biz_tpl_refs(const biz_tpl *t, biz_tpl_ref_fn fn, void *user);

/* The names a template reads without defining them (template_names.c):
 * one table for bizc's checks, biz_tpl_refs and the tests. Flags:
 *   BIZ_TPL_NAME_CONTEXT       a compiled DAG's template has it (the run's
 *                              context, the engine's own objects, loop, the
 *                              words True/None...): bizc accepts the name
 *                              and suggests it for a misspelt one;
 *   BIZ_TPL_NAME_GLOBAL        the engine's own (the objects ti,
 *                              task_instance, var, conn, macros and the
 *                              functions range, dict), not the context's:
 *                              biz_tpl_refs does not report it;
 *   BIZ_TPL_NAME_AIRFLOW_ONLY  Airflow's context has it and a compiled DAG's
 *                              does not (most are deprecated in Airflow 2):
 *                              using one is an error, not a typo. */
enum {
    BIZ_TPL_NAME_CONTEXT = 1,
    BIZ_TPL_NAME_GLOBAL = 2,
    BIZ_TPL_NAME_AIRFLOW_ONLY = 4,
};
typedef struct biz_tpl_name {
    const char *name;
    unsigned flags;
} biz_tpl_name;
/* The table, ended by { NULL, 0 }. */
extern const biz_tpl_name biz_tpl_names[];
/* name's flags, 0 for a name not in the table. */
unsigned biz_tpl_name_flags(const char *name);
/* The names with BIZ_TPL_NAME_CONTEXT in the table's order, NULL-ended,
 * and their count in *n when n is not NULL (made once). */
const char *const *biz_tpl_context_names(int *n);

/* Python's str() of a value, as {{ value }} renders it (None, True, 2.0,
 * {'a': [1, 'x']}). A new string. */
char *biz_tpl_str(const cJSON *v);

/* A date-time value for the context (logical_date ...): t + us
 * microseconds, shown in zone z (NULL: UTC; else a zone registered with
 * tz.h). It renders as str() of a pendulum DateTime and has its methods
 * (template_dt.c). NULL when out of memory. */
struct biz_tz_def;
cJSON *biz_tpl_new_datetime(long long t, int us, const struct biz_tz_def *z);

/* True when v is a Python float. cJSON keeps no int/float distinction:
 * values the engine makes as floats (4 / 2, 2.0, | float) carry a flag in
 * their type bits, which cJSON_Duplicate keeps; other numbers are floats
 * only when not integral. */
int biz_tpl_is_float(const cJSON *v);

#endif
