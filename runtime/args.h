/* args.h: a task's arguments as the runtime keeps them: without the
 * values that equal the operator table's defaults, which a lookup gives
 * back.
 *
 * The compiler writes every argument of a task into its args_json, the
 * table's defaults included (about twenty of a TechMicroServiceOperator's
 * twenty-five). Parsing those into cJSON nodes, copying them for every try
 * and searching them at every lookup was most of what a task cost the
 * runtime beyond its HTTP call. So a task's argument object holds what the
 * DAG gave (None included: a JSON null, which reads as absent and keeps
 * the default out), and biz_args_lookup falls back on the table's default
 * of the operator's argument of that name (the last argument set's, as
 * biz_op_arg): what a lookup returns is the same as with every default
 * written out.
 *
 * Ownership: biz_args_parse and biz_args_full return new objects the caller
 * frees; biz_args_lookup returns a borrowed value (the argument object's,
 * or the table's, parsed once per process and kept until it exits).
 */
#ifndef BIZ_ARGS_H
#define BIZ_ARGS_H

#include <cjson/cJSON.h>
#include "ops.h"

/* Parses a task's args_json (op: a biz_op_kind; any other value keeps every
 * entry) into an object without the entries whose value is the table's
 * default. NULL when json is not a JSON object. */
cJSON *biz_args_parse(int op, const char *json);

/* The argument name of args: its own entry (a JSON null included), else
 * the table's default for op's argument of that name, else NULL. */
const cJSON *biz_args_lookup(int op, const cJSON *args, const char *name);

/* A copy of args with every default of op put back (what args_json said),
 * for what shows the arguments (--dry-run). NULL when out of memory. */
cJSON *biz_args_full(int op, const cJSON *args);

/* The table's entry for op's argument name (the effective one, as
 * biz_op_arg), or NULL; found by hash, not by a walk of the table. */
const biz_arg_spec *biz_args_spec(int op, const char *name);

/* A value as a number / a boolean (Python's truthiness for a string: a
 * rendered template), dflt when it is absent (NULL), null or of another
 * type. */
double biz_arg_num(const cJSON *v, double dflt);
int biz_arg_bool(const cJSON *v, int dflt);

#endif
