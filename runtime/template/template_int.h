/* template_int.h: internals shared by the template engine's files
 * (template_parse.c, template_value.c, template_eval.c, template_filters.c,
 * template.c). Not installed; nothing outside runtime/template*.c uses it.
 *
 * Ownership: nodes belong to their biz_tpl (freed together through the
 * tpl->nodes list). An evaluated biz_tpl_val owns its cJSON tree and its
 * message; biz_tpl_val_free releases both.
 */
#ifndef BIZ_TEMPLATE_INT_H
#define BIZ_TEMPLATE_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include <time.h>
#include "buf.h"
#include "template.h"
#include "bizrt.h"

/* Extra bits in cJSON's type field (cJSON only looks at the low byte and at
 * IsReference/StringIsConst, and cJSON_Duplicate keeps the rest): a number
 * that is a Python float even when integral, an array that is a tuple. */
#define BIZ_TPL_FLOAT_BIT (1 << 12)
#define BIZ_TPL_TUPLE_BIT (1 << 13)
/* a number past 2**63 that is a Python int all the same (10 ** 20) */
#define BIZ_TPL_INT_BIT (1 << 14)
/* a string that is a date-time (template_dt.c) */
#define BIZ_TPL_DT_BIT (1 << 15)
/* a number that is a timedelta, in seconds (template_dt.c) */
#define BIZ_TPL_TD_BIT (1 << 16)

/* Node kinds. ORDER: none needed, switch statements name them. */
enum biz_tpl_kind {
    /* statements */
    BIZ_TPL_N_BODY, BIZ_TPL_N_TEXT, BIZ_TPL_N_OUT, BIZ_TPL_N_IF, BIZ_TPL_N_FOR, BIZ_TPL_N_SET,
    /* expressions */
    BIZ_TPL_E_LIT, BIZ_TPL_E_NAME, BIZ_TPL_E_ATTR, BIZ_TPL_E_SUB, BIZ_TPL_E_SLICE, BIZ_TPL_E_CALL,
    BIZ_TPL_E_FILTER, BIZ_TPL_E_TEST, BIZ_TPL_E_BIN, BIZ_TPL_E_NEG, BIZ_TPL_E_POS, BIZ_TPL_E_NOT,
    BIZ_TPL_E_AND, BIZ_TPL_E_OR, BIZ_TPL_E_CMP, BIZ_TPL_E_COND, BIZ_TPL_E_LIST, BIZ_TPL_E_TUPLE,
    BIZ_TPL_E_DICT, BIZ_TPL_E_CONCAT
};

/* Operators (token codes and node ops). Single characters are themselves. */
enum biz_tpl_op {
    BIZ_TPL_OP_FLOORDIV = 256, BIZ_TPL_OP_POW, BIZ_TPL_OP_EQ, BIZ_TPL_OP_NE, BIZ_TPL_OP_LE,
    BIZ_TPL_OP_GE, BIZ_TPL_OP_LT, BIZ_TPL_OP_GT, BIZ_TPL_OP_IN, BIZ_TPL_OP_NOTIN
};

typedef struct biz_tpl_node {
    int kind;
    int op;                     /* BIN/CMP operator, TEST negation */
    int start, end;             /* byte span in the template text */
    char *s;                    /* text, name, attribute, filter/test name */
    cJSON *lit;                 /* LIT value */
    struct biz_tpl_node *a, *b, *c, *d;
    struct biz_tpl_node **kids; /* body items, args, list items, if branches */
    char **names;               /* keyword names parallel to kids (NULL = positional) */
    int *ops;                   /* CMP operators, nkids - 1 of them */
    int nkids, cap;
    struct biz_tpl_node *all_next; /* every node of the template, for freeing */
} biz_tpl_node;

struct biz_tpl {
    char *text;        /* a copy of the source, for error messages */
    size_t len;
    biz_tpl_node *root; /* BIZ_TPL_N_BODY */
    biz_tpl_node *nodes;
};

/* Tokens (template_lex.c). */
enum biz_tpl_tok_type {
    TK_EOF, TK_TEXT, TK_VBEGIN, TK_VEND, TK_BBEGIN, TK_BEND, TK_NAME, TK_STR,
    TK_INT, TK_FLOAT, TK_OP
};

typedef struct biz_tpl_tok {
    int type;
    int start, end;
    int op;      /* TK_OP: the operator */
    char *s;     /* TEXT / NAME / STR: the (decoded) text */
    double num;
} biz_tpl_tok;

/* Splits text (len bytes, the dropped trailing newline excluded) into
 * tokens ending with TK_EOF. 0 ok (*toks malloc'd, each tok's s too), -1
 * with *err set. */
int biz_tpl_lex(const char *text, size_t len, biz_tpl_tok **toks, int *ntok, biz_tpl_error *err);

/* Records a lexing, parsing or rendering error once: unless *failed is
 * already set, sets it and fills err (when not NULL) with offset and the
 * vprintf message. The first error wins. */
void biz_tpl_failv(int *failed, biz_tpl_error *err, int offset, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* ---- values (template_value.c) ---- */

/* Kinds of evaluated values: JSON data, an undefined (with its message), or
 * one of the context's special objects. */
enum biz_tpl_vkind {
    BIZ_TPL_V_JSON, BIZ_TPL_V_UNDEF, BIZ_TPL_V_TI, BIZ_TPL_V_VAR, BIZ_TPL_V_VARVALUE, BIZ_TPL_V_VARJSON,
    BIZ_TPL_V_CONN, BIZ_TPL_V_CONNOBJ, BIZ_TPL_V_MACROS
};

typedef struct biz_tpl_val {
    int kind;
    cJSON *j;     /* owned; the data (JSON) or the connection's fields (CONNOBJ) */
    char *msg;    /* owned; UNDEF: why it is undefined */
} biz_tpl_val;

/* A number that is a Python float (flagged), even when integral. */
cJSON *biz_tpl_new_float(double d);
/* A number that is a Python int. */
cJSON *biz_tpl_new_int(double d);
/* True when number j is a Python int (integral, not flagged float). */
int biz_tpl_num_is_int(const cJSON *j);
/* Appends Python's str() / repr() of j. */
void biz_tpl_str_to(biz_buf *b, const cJSON *j);
void biz_tpl_repr_to(biz_buf *b, const cJSON *j);
/* Appends json.dumps(j) with Python's default separators and sorted keys. */
void biz_tpl_dumps_to(biz_buf *b, const cJSON *j);
/* Appends Jinja's tojson(indent): the same, < > & ' escaped, indented by
 * indent spaces a level (indent < 0: on one line). */
void biz_tpl_tojson_to(biz_buf *b, const cJSON *j, int indent);
/* Python truthiness. */
int biz_tpl_truthy(const cJSON *j);
/* Python ==. */
int biz_tpl_equal(const cJSON *a, const cJSON *b);
/* Python ordering: sets *res to <0, 0, >0; -1 when the types do not order. */
int biz_tpl_order(const cJSON *a, const cJSON *b, int *res);
/* Python type name of j ("int", "str", "dict"...). */
const char *biz_tpl_type_name(const cJSON *j);
/* ast.literal_eval of text (Python literals: numbers, strings, True/False/None,
 * lists, tuples, dicts). NULL when text is not one, or with *oom set when
 * memory ran out. */
cJSON *biz_tpl_literal(const char *text, size_t len, int *oom);

void biz_tpl_val_free(biz_tpl_val *v);
/* Decodes Python string escapes of s (n bytes) into out (UTF-8, as
 * base/pyrepr's); -1 on a bad one, *why then saying what is wrong. */
int biz_tpl_unescape(const char *s, size_t n, biz_buf *out, const char **why);

/* ---- date-times (template_dt.c) ---- */

struct biz_tpl_ctx;
/* True when j is a date-time value. */
int biz_tpl_is_dt(const cJSON *j);
/* A timedelta made by subtracting date-times (pendulum's Interval). */
int biz_tpl_is_interval(const cJSON *j);
/* isoformat(sep) of an instant in zone z (NULL UTC), into buf. */
void biz_tpl_dt_format(time_t t, int us, const biz_tz_def *z, char sep, char *buf, size_t len);
/* -1, 0, 1 as instant a is before, at, after b (both date-times). */
int biz_tpl_dt_cmp(const cJSON *a, const cJSON *b);
/* Appends repr() of a date-time. */
void biz_tpl_dt_repr_to(biz_buf *b, const cJSON *j);
/* A date-time's method / attribute / Airflow's ds, ts ... filters:
 * 0 with *out set, -1 after an error, 1 when name is not one of them. */
int biz_tpl_dt_method(struct biz_tpl_ctx *cx, const struct biz_tpl_node *n, const cJSON *self,
                      const char *name, cJSON **args, char **names, int nargs, cJSON **out);
int biz_tpl_dt_attr(const cJSON *self, const char *name, cJSON **out);
int biz_tpl_dt_filter(struct biz_tpl_ctx *cx, int at, const char *name, const cJSON *v, cJSON **out);
/* Timedeltas (macros.timedelta): the test, str(), the macro, + and -
 * with date-times (1: no date-time or timedelta there), total_seconds(). */
int biz_tpl_is_td(const cJSON *j);
void biz_tpl_td_str_to(biz_buf *b, const cJSON *j);
int biz_tpl_td_macro(struct biz_tpl_ctx *cx, const struct biz_tpl_node *n, cJSON **args,
                     char **names, int nargs, cJSON **out);
int biz_tpl_dt_arith(struct biz_tpl_ctx *cx, const struct biz_tpl_node *n, int op, const cJSON *a,
                     const cJSON *b, cJSON **out);
int biz_tpl_td_method(struct biz_tpl_ctx *cx, const struct biz_tpl_node *n, const cJSON *self,
                      const char *name, int nargs, cJSON **out);

/* ---- evaluation (template_eval.c) ---- */

#define BIZ_TPL_MAX_FRAMES 100          /* nested for loops */

/* Work limits of one render (README "Template limits"). Templates render
 * data a run is given (--conf, XComs, Variables) in the single event-loop
 * thread, where no timeout can interrupt them: so every render ends
 * quickly and in bounded memory, and one that would exceed a limit fails
 * (a task failure, hence the task's retries) with "template work limit:
 * <what> (<limit>)". Sizes are checked before the result is allocated. */
#define BIZ_TPL_MAX_STR (16u << 20)      /* bytes of one string value */
#define BIZ_TPL_MAX_ITEMS 1000000L       /* items of one list or dict */
#define BIZ_TPL_MAX_ITER 1000000L        /* for-loop iterations in one render */
#define BIZ_TPL_MAX_STEPS 10000000L      /* evaluation steps in one render */
#define BIZ_TPL_MAX_OUTPUT (64u << 20)   /* bytes of output of one render */
/* A step is one expression evaluated, one item walked or copied, or this
 * many bytes copied: about the same time each. */
#define BIZ_TPL_STEP_BYTES 64

enum biz_tpl_limit_kind {
    BIZ_TPL_LIM_STR, BIZ_TPL_LIM_ITEMS, BIZ_TPL_LIM_ITER, BIZ_TPL_LIM_STEPS, BIZ_TPL_LIM_OUTPUT
};

/* One rendering. */
typedef struct biz_tpl_ctx {
    const biz_tpl *t;
    const biz_tpl_env *env;
    biz_tpl_error *err;
    int failed;
    cJSON *frames[BIZ_TPL_MAX_FRAMES]; /* local scopes, innermost last */
    int nframes;
    int native;
    biz_buf out;   /* text mode */
    cJSON *pieces;     /* native mode: the output nodes' values */
    size_t native_out; /* native mode: bytes of the string pieces */
    long iters;        /* for-loop iterations so far */
    double steps;      /* evaluation steps so far (double: charges may be huge) */
    struct {               /* tables of the items of the context's long lists */
        const cJSON *arr;
        const cJSON **tab;  /* malloc'd, len of them, freed by biz_tpl_run */
        int len;
    } aix[4];
    int aix_next;
    struct {               /* hash indexes of the context's big dicts */
        const cJSON *obj;
        const cJSON **slot; /* malloc'd, mask + 1 of them, freed by biz_tpl_run */
        size_t mask;
    } oix[4];
    int oix_next;
    int depth;
} biz_tpl_ctx;

/* Fails the render with the message of limit which; returns -1. */
int biz_tpl_limit(biz_tpl_ctx *cx, int offset, int which);
/* Adds n steps of work; -1 (the steps limit's error) when over. */
int biz_tpl_charge(biz_tpl_ctx *cx, int offset, double n);
/* Before building a string of len bytes / a list of n items: -1 with the
 * limit's error when too large, else charges the work of building it. */
int biz_tpl_check_str(biz_tpl_ctx *cx, int offset, double len);
int biz_tpl_check_items(biz_tpl_ctx *cx, int offset, double n);
/* A deep copy of j (borrowed) after charging its size; NULL with the
 * error set when over a limit or out of memory. */
cJSON *biz_tpl_dup(biz_tpl_ctx *cx, int offset, const cJSON *j);

/* Sets the error (offset, printf message) once; returns -1. */
int biz_tpl_fail(biz_tpl_ctx *cx, int offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Evaluates expression n into *out (0 ok, -1 error). */
int biz_tpl_eval(biz_tpl_ctx *cx, const biz_tpl_node *n, biz_tpl_val *out);
/* Evaluates n and insists on JSON data (*out owned). */
int biz_tpl_eval_json(biz_tpl_ctx *cx, const biz_tpl_node *n, cJSON **out);
/* The byte offsets of the code points of UTF-8 s (plus the end), count in
 * *n; malloc'd. */
size_t *biz_tpl_code_points(const char *s, int *n);
/* Turns an UNDEF or special value into an error / JSON; 0 ok. */
int biz_tpl_need_json(biz_tpl_ctx *cx, const biz_tpl_node *n, biz_tpl_val *v);
/* The source text of node n, for messages (malloc'd). */
char *biz_tpl_node_text(biz_tpl_ctx *cx, const biz_tpl_node *n);
/* Evaluates the arguments of call / filter / test n into a new array of
 * n->nkids values (freed with biz_tpl_free_args). */
int biz_tpl_eval_args(biz_tpl_ctx *cx, const biz_tpl_node *n, cJSON ***out);
void biz_tpl_free_args(cJSON **a, int n);
/* Runs t: *text gets the output (text mode) or *pieces the output nodes'
 * values (native mode). 0 ok, -1 with *err set. */
int biz_tpl_run(const biz_tpl *t, const biz_tpl_env *env, int native, biz_tpl_error *err,
                char **text, cJSON **pieces);
/* The environment variable lookup of the context. */
const char *biz_tpl_ctx_getenv(biz_tpl_ctx *cx, const char *name);

/* ---- the names known (template_names.c) ---- */

/* A filter and its parameter names in order ("*" takes anything). */
typedef struct biz_tpl_fdef {
    const char *name;
    const char *params[4];
} biz_tpl_fdef;
/* The filter called name, or NULL. */
const biz_tpl_fdef *biz_tpl_find_filter(const char *name);
/* True when name is a known filter / test. */
int biz_tpl_filter_known(const char *name);
int biz_tpl_test_known(const char *name);
/* The closest known filter / test name to name, or NULL. */
const char *biz_tpl_filter_suggest(const char *name);
const char *biz_tpl_test_suggest(const char *name);

/* ---- filters, tests and macros (template_filters.c) ---- */

/* Applies filter node n (BIZ_TPL_E_FILTER) to *v (consumed) into *out. */
int biz_tpl_apply_filter(biz_tpl_ctx *cx, const biz_tpl_node *n, biz_tpl_val *v, biz_tpl_val *out);
/* Applies test node n (BIZ_TPL_E_TEST) to *v (consumed); *res is 0/1. */
int biz_tpl_apply_test(biz_tpl_ctx *cx, const biz_tpl_node *n, biz_tpl_val *v, int *res);
/* Calls macros.NAME with evaluated args (JSON, borrowed). */
int biz_tpl_call_macro(biz_tpl_ctx *cx, const biz_tpl_node *n, const char *name,
                       cJSON **args, int nargs, cJSON **out);
/* Calls method name of string / dict / list self (borrowed) with args. */
int biz_tpl_call_method(biz_tpl_ctx *cx, const biz_tpl_node *n, const cJSON *self,
                        const char *name, cJSON **args, char **names, int nargs, cJSON **out);

/* ---- Python's formatting (template_fmt.c, through base/pyformat) ---- */

/* fmt.format(*args, **kwargs): names[i] the keyword of args[i], or NULL. */
int biz_tpl_str_format(biz_tpl_ctx *cx, const struct biz_tpl_node *n, const char *fmt, cJSON **args,
                       char **names, int nargs, cJSON **out);
/* fmt % arg (a tuple's items are the arguments, a dict the mapping). */
int biz_tpl_percent(biz_tpl_ctx *cx, const struct biz_tpl_node *n, const char *fmt, const cJSON *arg,
                    cJSON **out);
/* Jinja's format filter: str(v) % (kwargs or args). */
int biz_tpl_format_filter(biz_tpl_ctx *cx, const struct biz_tpl_node *n, const cJSON *v, cJSON **args,
                          char **names, int nargs, cJSON **out);

#endif
