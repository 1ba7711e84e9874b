/* template_parse.c: recursive-descent parser of the Jinja subset, over
 * template_lex.c's tokens. One trailing newline of the source is dropped
 * (keep_trailing_newline=False, as Airflow leaves it). The parser follows
 * Jinja's precedence (parser.py):
 * condexpr < or < and < not < compare < + - < ~ < * / // % < ** < unary <
 * postfix (. [] ()) and filters / tests. Every error carries the byte offset
 * of the offending token and stops the parse. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"
#include "template_int.h"

typedef biz_tpl_tok tok;

typedef struct P {
    const char *text;
    size_t len;      /* source length without the dropped trailing newline */
    tok *toks;
    int ntok, cap, i;
    biz_tpl *t;
    biz_tpl_error *err;
    int failed;
    int depth;
} P;

#define MAX_DEPTH 200

static int pfail(P *p, int offset, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int pfail(P *p, int offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    biz_tpl_failv(&p->failed, p->err, offset, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *op_text(int op)
{
    static char one[2];
    switch (op) {
    case BIZ_TPL_OP_FLOORDIV: return "//";
    case BIZ_TPL_OP_POW: return "**";
    case BIZ_TPL_OP_EQ: return "==";
    case BIZ_TPL_OP_NE: return "!=";
    case BIZ_TPL_OP_LE: return "<=";
    case BIZ_TPL_OP_GE: return ">=";
    case BIZ_TPL_OP_LT: return "<";
    case BIZ_TPL_OP_GT: return ">";
    default:
        one[0] = (char)op;
        one[1] = '\0';
        return one;
    }
}

/* ------------------------------------------------------------ nodes */

static biz_tpl_node *mk(P *p, int kind, int start)
{
    if (p->failed)
        return NULL;
    biz_tpl_node *n = calloc(1, sizeof *n);
    if (!n) {
        pfail(p, start, "out of memory");
        return NULL;
    }
    n->kind = kind;
    n->start = n->end = start;
    n->all_next = p->t->nodes;
    p->t->nodes = n;
    return n;
}

static int add_kid(P *p, biz_tpl_node *n, biz_tpl_node *kid, const char *name)
{
    if (!n || !kid)
        return -1;
    if (n->nkids == n->cap) {
        int cap = n->cap ? n->cap * 2 : 4;
        biz_tpl_node **k = realloc(n->kids, sizeof *k * cap);
        if (!k)
            return pfail(p, n->start, "out of memory");
        n->kids = k;
        char **nm = realloc(n->names, sizeof *nm * cap);
        if (!nm)
            return pfail(p, n->start, "out of memory");
        n->names = nm;
        int *ops = realloc(n->ops, sizeof *ops * cap);
        if (!ops)
            return pfail(p, n->start, "out of memory");
        n->ops = ops;
        n->cap = cap;
    }
    n->names[n->nkids] = NULL;
    n->ops[n->nkids] = 0;
    if (name && !(n->names[n->nkids] = strdup(name)))
        return pfail(p, n->start, "out of memory");
    n->kids[n->nkids++] = kid;
    return 0;
}

/* ------------------------------------------------------------ parser helpers */

static tok *cur(P *p)
{
    return &p->toks[p->i];
}

static tok *peek(P *p, int k)
{
    int j = p->i + k;
    return &p->toks[j < p->ntok ? j : p->ntok - 1];
}

static void adv(P *p)
{
    if (p->i < p->ntok - 1)
        p->i++;
}

static int is_op(tok *t, int op)
{
    return t->type == TK_OP && t->op == op;
}

static int is_name(tok *t, const char *s)
{
    return t->type == TK_NAME && strcmp(t->s, s) == 0;
}

/* How a token reads in a message. */
static void describe(P *p, tok *t, char *buf, size_t size)
{
    switch (t->type) {
    case TK_EOF: snprintf(buf, size, "end of template"); return;
    case TK_VEND: snprintf(buf, size, "'}}'"); return;
    case TK_BEND: snprintf(buf, size, "'%%}'"); return;
    case TK_VBEGIN: snprintf(buf, size, "'{{'"); return;
    case TK_BBEGIN: snprintf(buf, size, "'{%%'"); return;
    case TK_TEXT: snprintf(buf, size, "text"); return;
    default: {
        int n = t->end - t->start;
        snprintf(buf, size, "'%.*s%s'", n > 30 ? 30 : n, p->text + t->start, n > 30 ? "..." : "");
    }
    }
}

/* Fails with "unexpected end of template" at the end, else "what, got X". */
static int expected(P *p, const char *what)
{
    tok *t = cur(p);
    char got[64];
    if (t->type == TK_EOF)
        return pfail(p, t->start, "unexpected end of template: %s", what);
    describe(p, t, got, sizeof got);
    return pfail(p, t->start, "%s, got %s", what, got);
}

static int expect_op(P *p, int op, const char *open, int open_at)
{
    if (is_op(cur(p), op)) {
        adv(p);
        return 0;
    }
    char what[96];
    if (open)
        snprintf(what, sizeof what, "expected '%s' to close '%s' at offset %d", op_text(op), open, open_at);
    else
        snprintf(what, sizeof what, "expected '%s'", op_text(op));
    return expected(p, what);
}

static int expect_end(P *p, int type, int open_at)
{
    if (cur(p)->type == type) {
        adv(p);
        return 0;
    }
    char what[96];
    snprintf(what, sizeof what, "expected '%s' to close '%s' at offset %d",
             type == TK_VEND ? "}}" : "%}", type == TK_VEND ? "{{" : "{%", open_at);
    return expected(p, what);
}

static const char *const known_methods[] = {
    "xcom_pull", "get", "keys", "values", "items", "upper", "lower", "strip",
    "lstrip", "rstrip", "split", "startswith", "endswith", "replace", "format",
    "join", "title", "capitalize", "find", "count", "ds_add", "ds_format",
    /* a date-time's (template_dt.c) */
    "strftime", "isoformat", "add", "subtract", "in_timezone", "in_tz", "astimezone",
    "timestamp", "weekday", "isoweekday", "date", "to_date_string", "to_datetime_string",
    "timedelta", "total_seconds", "in_weeks", "in_days", "in_hours", "in_minutes", "in_seconds", NULL};
static const char *const known_functions[] = {"range", "dict", NULL};

static int in_list(const char *s, const char *const *l)
{
    for (; *l; l++)
        if (!strcmp(s, *l))
            return 1;
    return 0;
}

/* ------------------------------------------------------------ expressions */

static biz_tpl_node *parse_expr(P *p, int with_cond);
static biz_tpl_node *parse_unary(P *p, int with_filter);

static void set_end(P *p, biz_tpl_node *n)
{
    if (n && p->i > 0)
        n->end = p->toks[p->i - 1].end;
}

/* Arguments "(a, b, k=v)" into n's kids; cur is '('. */
static int parse_args(P *p, biz_tpl_node *n)
{
    int open = cur(p)->start;
    adv(p);
    while (!p->failed && !is_op(cur(p), ')')) {
        const char *kw = NULL;
        int at = cur(p)->start;
        if (cur(p)->type == TK_NAME && is_op(peek(p, 1), '=')) {
            kw = cur(p)->s;
            adv(p);
            adv(p);
        } else {
            for (int k = 0; k < n->nkids; k++)
                if (n->names[k])
                    return pfail(p, cur(p)->start, "positional argument follows keyword argument");
        }
        biz_tpl_node *a = parse_expr(p, 1);
        if (!a || add_kid(p, n, a, kw) < 0)
            return -1;
        n->ops[n->nkids - 1] = at; /* where the argument (or its keyword) starts */
        if (is_op(cur(p), ','))
            adv(p);
        else
            break;
    }
    return expect_op(p, ')', "(", open);
}

static biz_tpl_node *parse_primary(P *p)
{
    tok *t = cur(p);
    biz_tpl_node *n = NULL;
    int grouped = 0;
    if (++p->depth > MAX_DEPTH) {
        pfail(p, t->start, "expression nested too deeply");
        return NULL;
    }
    if (t->type == TK_NAME) {
        const char *s = t->s;
        if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "false") || !strcmp(s, "False")
            || !strcmp(s, "none") || !strcmp(s, "None")) {
            if ((n = mk(p, BIZ_TPL_E_LIT, t->start))) {
                n->lit = (s[0] == 't' || s[0] == 'T') ? cJSON_CreateTrue()
                       : (s[0] == 'f' || s[0] == 'F') ? cJSON_CreateFalse() : cJSON_CreateNull();
                if (!n->lit)
                    pfail(p, t->start, "out of memory");
            }
        } else if ((n = mk(p, BIZ_TPL_E_NAME, t->start))) {
            if (!(n->s = strdup(s)))
                pfail(p, t->start, "out of memory");
        }
        adv(p);
    } else if (t->type == TK_STR) {
        biz_buf b = {0};
        n = mk(p, BIZ_TPL_E_LIT, t->start);
        while (cur(p)->type == TK_STR) { /* "a" "b" is "ab" */
            biz_buf_adds(&b, cur(p)->s);
            adv(p);
        }
        char *s = biz_buf_take(&b);
        if (n && (!s || !(n->lit = cJSON_CreateString(s))))
            pfail(p, t->start, "out of memory");
        free(s);
    } else if (t->type == TK_INT || t->type == TK_FLOAT) {
        if ((n = mk(p, BIZ_TPL_E_LIT, t->start))) {
            n->lit = t->type == TK_INT ? biz_tpl_new_int(t->num) : biz_tpl_new_float(t->num);
            if (!n->lit)
                pfail(p, t->start, "out of memory");
        }
        adv(p);
    } else if (is_op(t, '(')) {
        int open = t->start;
        adv(p);
        if (is_op(cur(p), ')')) {
            n = mk(p, BIZ_TPL_E_TUPLE, open);
        } else {
            biz_tpl_node *e = parse_expr(p, 1);
            if (e && is_op(cur(p), ',')) {
                n = mk(p, BIZ_TPL_E_TUPLE, open);
                add_kid(p, n, e, NULL);
                while (!p->failed && is_op(cur(p), ',')) {
                    adv(p);
                    if (is_op(cur(p), ')'))
                        break;
                    add_kid(p, n, parse_expr(p, 1), NULL);
                }
            } else {
                n = e;
                grouped = 1;
            }
        }
        if (!p->failed)
            expect_op(p, ')', "(", open);
    } else if (is_op(t, '[') || is_op(t, '{')) {
        int dict = is_op(t, '{'), open = t->start;
        n = mk(p, dict ? BIZ_TPL_E_DICT : BIZ_TPL_E_LIST, open);
        adv(p);
        while (!p->failed && !is_op(cur(p), dict ? '}' : ']')) {
            biz_tpl_node *k = parse_expr(p, 1);
            if (dict && k) {
                if (expect_op(p, ':', NULL, 0) < 0)
                    break;
                biz_tpl_node *v = parse_expr(p, 1);
                add_kid(p, n, k, NULL);
                add_kid(p, n, v, NULL);
            } else {
                add_kid(p, n, k, NULL);
            }
            if (p->failed || !is_op(cur(p), ','))
                break;
            adv(p);
        }
        if (!p->failed)
            expect_op(p, dict ? '}' : ']', dict ? "{" : "[", open);
    } else {
        expected(p, "expected an expression");
    }
    p->depth--;
    if (p->failed)
        return NULL;
    /* "(e)" is e, whose text ends before the ')' (messages quote it). */
    if (!grouped)
        set_end(p, n);
    return n;
}

static biz_tpl_node *parse_postfix(P *p, biz_tpl_node *n)
{
    while (n && !p->failed) {
        tok *t = cur(p);
        if (is_op(t, '.')) {
            adv(p);
            tok *a = cur(p);
            if (a->type == TK_NAME) {
                biz_tpl_node *x = mk(p, BIZ_TPL_E_ATTR, n->start);
                if (!x)
                    return NULL;
                x->a = n;
                x->op = a->start; /* where the attribute name is */
                if (!(x->s = strdup(a->s)))
                    pfail(p, a->start, "out of memory");
                adv(p);
                n = x;
            } else if (a->type == TK_INT) { /* a.0 is a[0] */
                biz_tpl_node *x = mk(p, BIZ_TPL_E_SUB, n->start), *k = mk(p, BIZ_TPL_E_LIT, a->start);
                if (!x || !k)
                    return NULL;
                k->lit = biz_tpl_new_int(a->num);
                x->a = n;
                x->b = k;
                adv(p);
                n = x;
            } else {
                expected(p, "expected an attribute name after '.'");
                return NULL;
            }
        } else if (is_op(t, '[')) {
            int open = t->start;
            adv(p);
            biz_tpl_node *parts[3] = {NULL, NULL, NULL};
            int slice = 0;
            for (int k = 0; k < 3; k++) {
                if (!is_op(cur(p), ':') && !is_op(cur(p), ']'))
                    parts[k] = parse_expr(p, 1);
                if (p->failed)
                    return NULL;
                if (k < 2 && is_op(cur(p), ':')) {
                    slice = 1;
                    adv(p);
                } else {
                    break;
                }
            }
            if (!slice && !parts[0]) {
                expected(p, "expected an expression");
                return NULL;
            }
            if (expect_op(p, ']', "[", open) < 0)
                return NULL;
            biz_tpl_node *x = mk(p, slice ? BIZ_TPL_E_SLICE : BIZ_TPL_E_SUB, n->start);
            if (!x)
                return NULL;
            x->a = n;
            x->b = parts[0];
            x->c = parts[1];
            x->d = parts[2];
            n = x;
        } else if (is_op(t, '(')) {
            if (n->kind == BIZ_TPL_E_ATTR && !in_list(n->s, known_methods)) {
                const char *s = biz_suggest_first(n->s, known_methods);
                pfail(p, n->op, "unknown method '%s'%s%s%s", n->s, s ? " (did you mean '" : "",
                      s ? s : "", s ? "'?)" : "");
                return NULL;
            }
            if (n->kind == BIZ_TPL_E_NAME && !in_list(n->s, known_functions)) {
                pfail(p, n->start, "unknown function '%s'", n->s);
                return NULL;
            }
            if (n->kind != BIZ_TPL_E_ATTR && n->kind != BIZ_TPL_E_NAME) {
                pfail(p, t->start, "only named functions and methods can be called");
                return NULL;
            }
            biz_tpl_node *x = mk(p, BIZ_TPL_E_CALL, n->start);
            if (!x)
                return NULL;
            x->a = n;
            if (parse_args(p, x) < 0)
                return NULL;
            n = x;
        } else {
            break;
        }
        set_end(p, n);
    }
    return p->failed ? NULL : n;
}

static int starts_expr(tok *t)
{
    if (t->type == TK_NAME)
        return !(is_name(t, "else") || is_name(t, "or") || is_name(t, "and") || is_name(t, "if")
                 || is_name(t, "is") || is_name(t, "in") || is_name(t, "not"));
    return t->type == TK_STR || t->type == TK_INT || t->type == TK_FLOAT || is_op(t, '(')
        || is_op(t, '[') || is_op(t, '{');
}

/* The filter (kind BIZ_TPL_E_FILTER) or test (BIZ_TPL_E_TEST) named by the current
 * token, applied to n, with op as its node's op. The name must be a known
 * one. Returns the node (the name consumed), or NULL after an error. */
static biz_tpl_node *named_node(P *p, biz_tpl_node *n, int kind, int op)
{
    int filter = kind == BIZ_TPL_E_FILTER;
    tok *f = cur(p);
    if (f->type != TK_NAME) {
        expected(p, filter ? "expected a filter name after '|'"
                           : "expected a test name after 'is'");
        return NULL;
    }
    if (!(filter ? biz_tpl_filter_known(f->s) : biz_tpl_test_known(f->s))) {
        const char *s = filter ? biz_tpl_filter_suggest(f->s) : biz_tpl_test_suggest(f->s);
        pfail(p, f->start, "unknown %s '%s'%s%s%s", filter ? "filter" : "test", f->s,
              s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
        return NULL;
    }
    biz_tpl_node *x = mk(p, kind, n->start);
    if (!x)
        return NULL;
    x->a = n;
    x->op = op;
    if (!(x->s = strdup(f->s))) {
        pfail(p, f->start, "out of memory");
        return NULL;
    }
    adv(p);
    return x;
}

static biz_tpl_node *parse_filters(P *p, biz_tpl_node *n)
{
    while (n && !p->failed) {
        tok *t = cur(p);
        if (is_op(t, '|')) {
            adv(p);
            biz_tpl_node *x = named_node(p, n, BIZ_TPL_E_FILTER, cur(p)->start);
            if (!x)
                return NULL;
            if (is_op(cur(p), '(') && parse_args(p, x) < 0)
                return NULL;
            n = x;
        } else if (is_name(t, "is")) {
            adv(p);
            int neg = 0;
            if (is_name(cur(p), "not")) {
                neg = 1;
                adv(p);
            }
            biz_tpl_node *x = named_node(p, n, BIZ_TPL_E_TEST, neg);
            if (!x)
                return NULL;
            if (is_op(cur(p), '(')) {
                if (parse_args(p, x) < 0)
                    return NULL;
            } else if (starts_expr(cur(p))) { /* "is divisibleby 3" */
                biz_tpl_node *a = parse_postfix(p, parse_primary(p));
                if (!a || add_kid(p, x, a, NULL) < 0)
                    return NULL;
            }
            n = x;
        } else {
            break;
        }
        set_end(p, n);
    }
    return p->failed ? NULL : n;
}

static biz_tpl_node *parse_unary(P *p, int with_filter)
{
    tok *t = cur(p);
    biz_tpl_node *n;
    if (++p->depth > MAX_DEPTH) {
        pfail(p, t->start, "expression nested too deeply");
        return NULL;
    }
    if (is_op(t, '-') || is_op(t, '+')) {
        adv(p);
        n = mk(p, is_op(t, '-') ? BIZ_TPL_E_NEG : BIZ_TPL_E_POS, t->start);
        if (n && !(n->a = parse_unary(p, 0)))
            n = NULL;
    } else {
        n = parse_primary(p);
    }
    n = parse_postfix(p, n);
    if (with_filter)
        n = parse_filters(p, n);
    p->depth--;
    set_end(p, n);
    return p->failed ? NULL : n;
}

static biz_tpl_node *binary(P *p, int kind, int op, biz_tpl_node *l, biz_tpl_node *r)
{
    if (!l || !r)
        return NULL;
    biz_tpl_node *n = mk(p, kind, l->start);
    if (!n)
        return NULL;
    n->op = op;
    n->a = l;
    n->b = r;
    n->end = r->end;
    return n;
}

static biz_tpl_node *parse_pow(P *p)
{
    biz_tpl_node *l = parse_unary(p, 1);
    while (l && is_op(cur(p), BIZ_TPL_OP_POW)) {
        adv(p);
        l = binary(p, BIZ_TPL_E_BIN, BIZ_TPL_OP_POW, l, parse_unary(p, 1));
    }
    return l;
}

static biz_tpl_node *parse_math2(P *p)
{
    biz_tpl_node *l = parse_pow(p);
    for (;;) {
        tok *t = cur(p);
        if (!l || !(is_op(t, '*') || is_op(t, '/') || is_op(t, BIZ_TPL_OP_FLOORDIV) || is_op(t, '%')))
            return l;
        adv(p);
        l = binary(p, BIZ_TPL_E_BIN, t->op, l, parse_pow(p));
    }
}

static biz_tpl_node *parse_concat(P *p)
{
    biz_tpl_node *l = parse_math2(p);
    while (l && is_op(cur(p), '~')) {
        adv(p);
        l = binary(p, BIZ_TPL_E_CONCAT, '~', l, parse_math2(p));
    }
    return l;
}

static biz_tpl_node *parse_math1(P *p)
{
    biz_tpl_node *l = parse_concat(p);
    for (;;) {
        tok *t = cur(p);
        if (!l || !(is_op(t, '+') || is_op(t, '-')))
            return l;
        adv(p);
        l = binary(p, BIZ_TPL_E_BIN, t->op, l, parse_concat(p));
    }
}

static int cmp_op(P *p)
{
    tok *t = cur(p);
    if (t->type == TK_OP && (t->op == BIZ_TPL_OP_EQ || t->op == BIZ_TPL_OP_NE || t->op == BIZ_TPL_OP_LT
                             || t->op == BIZ_TPL_OP_LE || t->op == BIZ_TPL_OP_GT || t->op == BIZ_TPL_OP_GE)) {
        adv(p);
        return t->op;
    }
    if (is_name(t, "in")) {
        adv(p);
        return BIZ_TPL_OP_IN;
    }
    if (is_name(t, "not") && is_name(peek(p, 1), "in")) {
        adv(p);
        adv(p);
        return BIZ_TPL_OP_NOTIN;
    }
    return 0;
}

static biz_tpl_node *parse_compare(P *p)
{
    biz_tpl_node *l = parse_math1(p), *n = NULL;
    int op;
    while (l && !p->failed && (op = cmp_op(p))) {
        if (!n) {
            if (!(n = mk(p, BIZ_TPL_E_CMP, l->start)) || add_kid(p, n, l, NULL) < 0)
                return NULL;
        }
        n->ops[n->nkids - 1] = op;
        biz_tpl_node *r = parse_math1(p);
        if (!r || add_kid(p, n, r, NULL) < 0)
            return NULL;
        n->end = r->end;
    }
    return p->failed ? NULL : n ? n : l;
}

static biz_tpl_node *parse_not(P *p)
{
    if (is_name(cur(p), "not")) {
        tok *t = cur(p);
        adv(p);
        if (++p->depth > MAX_DEPTH) {
            pfail(p, t->start, "expression nested too deeply");
            return NULL;
        }
        biz_tpl_node *n = mk(p, BIZ_TPL_E_NOT, t->start);
        if (n && !(n->a = parse_not(p)))
            n = NULL;
        p->depth--;
        set_end(p, n);
        return n;
    }
    return parse_compare(p);
}

static biz_tpl_node *parse_and(P *p)
{
    biz_tpl_node *l = parse_not(p);
    while (l && is_name(cur(p), "and")) {
        adv(p);
        l = binary(p, BIZ_TPL_E_AND, 0, l, parse_not(p));
    }
    return l;
}

static biz_tpl_node *parse_or(P *p)
{
    biz_tpl_node *l = parse_and(p);
    while (l && is_name(cur(p), "or")) {
        adv(p);
        l = binary(p, BIZ_TPL_E_OR, 0, l, parse_and(p));
    }
    return l;
}

static biz_tpl_node *parse_expr(P *p, int with_cond)
{
    if (++p->depth > MAX_DEPTH) {
        pfail(p, cur(p)->start, "expression nested too deeply");
        return NULL;
    }
    biz_tpl_node *n = parse_or(p);
    while (with_cond && n && is_name(cur(p), "if")) {
        adv(p);
        biz_tpl_node *c = mk(p, BIZ_TPL_E_COND, n->start);
        if (!c)
            break;
        c->a = n;
        if (!(c->b = parse_or(p))) {
            n = NULL;
            break;
        }
        if (is_name(cur(p), "else")) {
            adv(p);
            if (!(c->c = parse_expr(p, 1))) {
                n = NULL;
                break;
            }
        }
        n = c;
        set_end(p, n);
    }
    p->depth--;
    return p->failed ? NULL : n;
}

/* An expression, or several separated by commas (a tuple). */
static biz_tpl_node *parse_tuple(P *p, int with_cond)
{
    biz_tpl_node *e = parse_expr(p, with_cond);
    if (!e || !is_op(cur(p), ','))
        return e;
    biz_tpl_node *t = mk(p, BIZ_TPL_E_TUPLE, e->start);
    add_kid(p, t, e, NULL);
    while (!p->failed && is_op(cur(p), ',')) {
        adv(p);
        if (!starts_expr(cur(p)) && !is_op(cur(p), '-') && !is_op(cur(p), '+') && !is_name(cur(p), "not"))
            break;
        add_kid(p, t, parse_expr(p, with_cond), NULL);
    }
    set_end(p, t);
    return p->failed ? NULL : t;
}

/* A for / set target: a name or names separated by commas. */
static biz_tpl_node *parse_target(P *p)
{
    int paren = is_op(cur(p), '(');
    int open = cur(p)->start;
    if (paren)
        adv(p);
    biz_tpl_node *t = NULL;
    for (;;) {
        tok *a = cur(p);
        if (a->type != TK_NAME || is_name(a, "in")) {
            expected(p, "expected a variable name");
            return NULL;
        }
        biz_tpl_node *n = mk(p, BIZ_TPL_E_NAME, a->start);
        if (!n || !(n->s = strdup(a->s))) {
            pfail(p, a->start, "out of memory");
            return NULL;
        }
        set_end(p, n);
        adv(p);
        n->end = a->end;
        if (!t && !is_op(cur(p), ',')) {
            t = n;
            break;
        }
        if (!t && !(t = mk(p, BIZ_TPL_E_TUPLE, a->start)))
            return NULL;
        add_kid(p, t, n, NULL);
        if (!is_op(cur(p), ','))
            break;
        adv(p);
        if (cur(p)->type != TK_NAME || is_name(cur(p), "in"))
            break;
    }
    if (paren && expect_op(p, ')', "(", open) < 0)
        return NULL;
    return p->failed ? NULL : t;
}

/* ------------------------------------------------------------ statements */

static biz_tpl_node *parse_body(P *p, const char *const *stops, const char *open, int open_at,
                                const char **stopped);

static const char *const unsupported_tags[] = {
    "macro", "call", "filter", "include", "import", "from", "extends", "block",
    "with", "autoescape", "do", "break", "continue", "trans", "endraw", "endmacro",
    "endcall", "endfilter", "endblock", "endwith", "endautoescape", "endset", "print", NULL};
static const char *const known_tags[] = {"if", "elif", "else", "endif", "for", "endfor", "set", NULL};

static biz_tpl_node *parse_if(P *p, int at)
{
    static const char *const stops[] = {"elif", "else", "endif", NULL};
    static const char *const stops_else[] = {"endif", NULL};
    biz_tpl_node *n = mk(p, BIZ_TPL_N_IF, at);
    const char *word = "if";
    while (n && !p->failed) {
        if (!strcmp(word, "endif")) {
            expect_end(p, TK_BEND, at);
            break;
        }
        if (!strcmp(word, "else")) {
            if (expect_end(p, TK_BEND, at) < 0)
                break;
            n->c = parse_body(p, stops_else, "if", n->start, &word);
            continue;
        }
        biz_tpl_node *c = parse_expr(p, 1);
        if (!c || expect_end(p, TK_BEND, at) < 0)
            break;
        add_kid(p, n, c, NULL);
        biz_tpl_node *b = parse_body(p, stops, "if", n->start, &word);
        add_kid(p, n, b, NULL);
        at = p->toks[p->i > 1 ? p->i - 2 : 0].start; /* the '{%' of the next branch */
    }
    return p->failed ? NULL : n;
}

static biz_tpl_node *parse_for(P *p, int at)
{
    static const char *const stops[] = {"else", "endfor", NULL};
    static const char *const stops_else[] = {"endfor", NULL};
    const char *word = NULL;
    biz_tpl_node *n = mk(p, BIZ_TPL_N_FOR, at);
    if (!n || !(n->a = parse_target(p)))
        return NULL;
    if (!is_name(cur(p), "in")) {
        expected(p, "expected 'in'");
        return NULL;
    }
    adv(p);
    if (!(n->b = parse_tuple(p, 0)))
        return NULL;
    if (is_name(cur(p), "if")) {
        adv(p);
        if (!(n->d = parse_expr(p, 1)))
            return NULL;
    }
    if (is_name(cur(p), "recursive")) {
        pfail(p, cur(p)->start, "recursive loops are not supported");
        return NULL;
    }
    if (expect_end(p, TK_BEND, at) < 0)
        return NULL;
    biz_tpl_node *body = parse_body(p, stops, "for", at, &word);
    if (p->failed)
        return NULL;
    n->c = body;
    if (word && !strcmp(word, "else")) {
        int at2 = p->toks[p->i > 1 ? p->i - 2 : 0].start;
        if (expect_end(p, TK_BEND, at2) < 0)
            return NULL;
        biz_tpl_node *eb = parse_body(p, stops_else, "for", at, &word);
        if (!eb)
            return NULL;
        add_kid(p, n, eb, NULL);
    }
    if (expect_end(p, TK_BEND, at) < 0)
        return NULL;
    return n;
}

static biz_tpl_node *parse_set(P *p, int at)
{
    biz_tpl_node *n = mk(p, BIZ_TPL_N_SET, at);
    if (!n || !(n->a = parse_target(p)))
        return NULL;
    if (!is_op(cur(p), '=')) {
        if (cur(p)->type == TK_BEND)
            pfail(p, cur(p)->start, "'{%% set %%}' blocks are not supported: expected '='");
        else
            expected(p, "expected '='");
        return NULL;
    }
    adv(p);
    if (!(n->b = parse_tuple(p, 1)) || expect_end(p, TK_BEND, at) < 0)
        return NULL;
    return n;
}

static biz_tpl_node *parse_body(P *p, const char *const *stops, const char *open, int open_at,
                                const char **stopped)
{
    biz_tpl_node *body = mk(p, BIZ_TPL_N_BODY, cur(p)->start);
    if (++p->depth > MAX_DEPTH) {
        pfail(p, cur(p)->start, "statements nested too deeply");
        return NULL;
    }
    while (body && !p->failed) {
        tok *t = cur(p);
        if (t->type == TK_EOF) {
            if (stops)
                pfail(p, open_at, "unclosed '{%% %s %%}': expected '{%% end%s %%}' before the end of the template",
                      open, open);
            break;
        }
        if (t->type == TK_TEXT) {
            biz_tpl_node *n = mk(p, BIZ_TPL_N_TEXT, t->start);
            if (n) {
                n->s = t->s;
                t->s = NULL;
                n->end = t->end;
            }
            add_kid(p, body, n, NULL);
            adv(p);
        } else if (t->type == TK_VBEGIN) {
            int at = t->start;
            adv(p);
            biz_tpl_node *n = mk(p, BIZ_TPL_N_OUT, at);
            if (n && (n->a = parse_tuple(p, 1)) && expect_end(p, TK_VEND, at) == 0) {
                set_end(p, n);
                add_kid(p, body, n, NULL);
            }
        } else if (t->type == TK_BBEGIN) {
            int at = t->start;
            adv(p);
            tok *w = cur(p);
            if (w->type != TK_NAME) {
                expected(p, "expected a statement name after '{%'");
                break;
            }
            if (stops && in_list(w->s, stops)) {
                *stopped = w->s;
                adv(p);
                break;
            }
            biz_tpl_node *n = NULL;
            adv(p);
            if (!strcmp(w->s, "if"))
                n = parse_if(p, at);
            else if (!strcmp(w->s, "for"))
                n = parse_for(p, at);
            else if (!strcmp(w->s, "set"))
                n = parse_set(p, at);
            else if ((!strcmp(w->s, "elif") || !strcmp(w->s, "else") || !strcmp(w->s, "endif")
                      || !strcmp(w->s, "endfor")) && open && !in_list(w->s, stops))
                pfail(p, at, "unexpected '{%% %s %%}': expected '{%% end%s %%}' to close '{%% %s %%}' at offset %d",
                      w->s, open, open, open_at);
            else if (!strcmp(w->s, "elif") || !strcmp(w->s, "else") || !strcmp(w->s, "endif")
                     || !strcmp(w->s, "endfor"))
                pfail(p, at, "unexpected '{%% %s %%}' with no open '{%% %s %%}'", w->s,
                      !strcmp(w->s, "endfor") ? "for" : "if");
            else if (in_list(w->s, unsupported_tags))
                pfail(p, at, "'{%% %s %%}' is not supported", w->s);
            else {
                const char *s = biz_suggest_first(w->s, known_tags);
                pfail(p, w->start, "unknown statement '%s'%s%s%s", w->s, s ? " (did you mean '" : "",
                      s ? s : "", s ? "'?)" : "");
            }
            if (n) {
                set_end(p, n);
                add_kid(p, body, n, NULL);
            }
        } else {
            char got[64];
            describe(p, t, got, sizeof got);
            pfail(p, t->start, "unexpected %s", got);
        }
    }
    p->depth--;
    return p->failed ? NULL : body;
}

/* ------------------------------------------------------------ API */

int biz_tpl_is_template(const char *s, size_t len)
{
    for (size_t i = 0; s && i + 1 < len; i++)
        if (s[i] == '{' && (s[i + 1] == '{' || s[i + 1] == '%' || s[i + 1] == '#'))
            return 1;
    return 0;
}

void biz_tpl_free(biz_tpl *t)
{
    if (!t)
        return;
    for (biz_tpl_node *n = t->nodes, *next; n; n = next) {
        next = n->all_next;
        free(n->s);
        cJSON_Delete(n->lit);
        if (n->names)
            for (int i = 0; i < n->nkids; i++)
                free(n->names[i]);
        free(n->names);
        free(n->kids);
        free(n->ops);
        free(n);
    }
    free(t->text);
    free(t);
}

biz_tpl *biz_tpl_parse(const char *text, size_t len, biz_tpl_error *err)
{
    biz_tpl_error dummy;
    if (!err)
        err = &dummy;
    err->offset = -1;
    err->message[0] = '\0';
    if (!text)
        len = 0;
    if (len > (size_t)0x3fffffff) {
        snprintf(err->message, sizeof err->message, "template too large");
        return NULL;
    }
    biz_tpl *t = calloc(1, sizeof *t);
    if (!t || !(t->text = malloc(len + 1))) {
        free(t);
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    if (len)
        memcpy(t->text, text, len);
    t->text[len] = '\0';
    t->len = len;
    P p = {0};
    p.text = t->text;
    p.len = len;
    p.t = t;
    p.err = err;
    /* keep_trailing_newline=False: one trailing newline is not part of the template */
    if (p.len && p.text[p.len - 1] == '\n')
        p.len--;
    if (p.len && p.text[p.len - 1] == '\r')
        p.len--;
    if (biz_tpl_lex(p.text, p.len, &p.toks, &p.ntok, err) < 0)
        p.failed = 1;
    else
        t->root = parse_body(&p, NULL, NULL, 0, NULL);
    for (int i = 0; i < p.ntok; i++)
        free(p.toks[i].s);
    free(p.toks);
    if (p.failed) {
        biz_tpl_free(t);
        return NULL;
    }
    return t;
}
