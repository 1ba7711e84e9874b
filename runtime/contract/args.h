/* args.h: a task's arguments (or the DAG's settings) read by id, with the
 * defaults of the operator table (ops.def).
 *
 * An argument is read by its id (BIZ_ARG_xcom_push), never by a name
 * written out, and its default is the table's, never one restated where it
 * is read: what the compiler checks and what the runtime reads are one
 * contract (tests/contract greps runtime/ for the other way).
 *
 * owner says whose table states the default: an operator kind (a task's
 * ti->def->op; the argument as that operator takes it, so a sensor's
 * poke_interval defaults to its own), or BIZ_ARGS_DAG for the DAG's
 * settings (bizrt.h) that are DAG arguments. An argument the owner does
 * not take -- code shared by two operators reads one only the other takes
 * -- has its default where ops.def declares it (biz_arg_decl).
 *
 * A task's argument object holds only what differs from the table's
 * defaults: the compiler leaves out what equals the default (about twenty
 * of a TechMicroServiceOperator's twenty-five arguments; parsing, copying
 * for every try and searching those was most of what a task cost the
 * runtime beyond its HTTP call), and biz_args_parse takes out any that an
 * args_json written otherwise still holds. A read gives the same value
 * as with every default written out.
 *
 * Ownership: what is returned is borrowed from args, or from the table's
 * defaults (parsed once, kept for the life of the program); biz_args_parse
 * and biz_args_full return new objects the caller frees.
 */
#ifndef BIZ_ARGS_H
#define BIZ_ARGS_H

#include <cjson/cJSON.h>
#include "ops.h"

/* The owner of the DAG's own arguments (not an operator kind). */
#define BIZ_ARGS_DAG BIZ_OP__COUNT

/* The value given, else the table's default, else NULL. A None (JSON
 * null) given reads as not given, unless None is a value of its own for
 * the argument (BIZ_A_NONE_OK: skip_on_exit_code=None), which returns it. */
const cJSON *biz_args_get(const cJSON *args, int owner, biz_arg_id id);
/* The string given, else the table's default when it is a string (so
 * never NULL for an argument with a string default), else NULL. A value
 * that is not a string reads as not given. */
const char *biz_args_str(const cJSON *args, int owner, biz_arg_id id);
/* The boolean given (a number: non-zero; a rendered string: Python's
 * truthiness, "" and "False" false), else the table's default, else 0. */
int biz_args_bool(const cJSON *args, int owner, biz_arg_id id);
/* The number given (a boolean: 0 or 1), else the table's default, else
 * -1: the runtime's "not set" for an argument without a default, all
 * counts and durations, which are never negative when set. */
double biz_args_num(const cJSON *args, int owner, biz_arg_id id);

/* The member for id as given (a JSON null included), NULL when absent. */
const cJSON *biz_args_given(const cJSON *args, biz_arg_id id);

/* The number given, else fallback; the string given, else fallback. For a
 * value that falls back on one inherited from elsewhere (a mapped
 * instance's on its task's), never on a default: the table has those. */
double biz_args_num_or(const cJSON *args, biz_arg_id id, double fallback);
const char *biz_args_str_or(const cJSON *args, biz_arg_id id, const char *fallback);

/* Parses a task's args_json (op: a biz_op_kind; any other value keeps every
 * entry) into an object without the entries whose value is op's default.
 * NULL when json is not a JSON object or out of memory. */
cJSON *biz_args_parse(int op, const char *json);

/* Whether v, given as op's argument called name, equals the table's
 * default (the compiler leaves such an argument out of args_json). */
int biz_args_is_default(int op, const char *name, const cJSON *v);

/* A copy of args with every default of op put back (what args_json said),
 * for what shows the arguments (--dry-run). NULL when out of memory. */
cJSON *biz_args_full(int op, const cJSON *args);

#endif
