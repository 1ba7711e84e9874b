/* ast.c: the arena every node lives in (base/arena.c), node constructors, the name
 * tables of the enums and the S-expression dump used by tests and
 * `bizc --dump-ast`. */
#include "ast.h"

#include "arena.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Allocates zeroed, max-aligned memory in the tree's arena. */
void *biz_ast_alloc(biz_ast *ast, size_t size)
{
    return biz_arena_alloc(ast->arena, size);
}

/* Copies s[0..len) plus a NUL into the arena. */
char *biz_ast_strndup(biz_ast *ast, const char *s, size_t len)
{
    return biz_arena_strndup(ast->arena, s, len);
}

/* Appends to a vector, doubling its arena storage when full. */
void biz_vec_push(biz_ast *ast, biz_vec *v, void *item)
{
    if (v->len == v->cap) {
        int cap = v->cap ? v->cap * 2 : 4;
        void **items = biz_ast_alloc(ast, sizeof(void *) * (size_t)cap);
        if (v->len)
            memcpy(items, v->items, sizeof(void *) * (size_t)v->len);
        v->items = items;
        v->cap = cap;
    }
    v->items[v->len++] = item;
}

/* A zeroed expression node of kind k. */
biz_expr *biz_expr_new(biz_ast *ast, biz_expr_kind kind, biz_span span)
{
    biz_expr *e = biz_ast_alloc(ast, sizeof *e);
    e->kind = kind;
    e->span = span;
    return e;
}

/* A zeroed statement node of kind k. */
biz_stmt *biz_stmt_new(biz_ast *ast, biz_stmt_kind kind, biz_span span)
{
    biz_stmt *s = biz_ast_alloc(ast, sizeof *s);
    s->kind = kind;
    s->span = span;
    return s;
}

/* An empty tree with its own arena. */
biz_ast *biz_ast_new(const char *path)
{
    biz_ast *ast = biz_xmalloc(sizeof *ast);
    memset(ast, 0, sizeof *ast);
    ast->arena = biz_xcalloc(1, sizeof *ast->arena);
    ast->arena->chunk = 32 * 1024;
    ast->path = biz_ast_strndup(ast, path ? path : "", path ? strlen(path) : 0);
    return ast;
}

/* Frees every chunk of the arena, then the tree itself. */
void biz_ast_free(biz_ast *ast)
{
    if (!ast)
        return;
    biz_arena_free(ast->arena);
    free(ast->arena);
    free(ast);
}

/* ORDER: biz_expr_kind */
static const char *const biz_ast_expr_kind_names[] = {
    "name", "int", "float", "str", "true", "false", "none", "ellipsis",
    "list", "tuple", "set", "dict", "call", "attr", "subscript", "binop",
    "unary", "boolop", "compare", "ifexp", "lambda", "listcomp", "dictcomp", "starred",
    "slice", "fstr",
};

/* ORDER: biz_stmt_kind */
static const char *const biz_ast_stmt_kind_names[] = {
    "expr", "assign", "augassign", "annassign", "import", "from", "def",
    "with", "pass", "return", "if", "for", "while", "break", "continue",
    "raise", "assert", "del", "global", "class", "try",
};

/* ORDER: biz_astop */
static const char *const biz_ast_op_names[] = {
    ">>", "<<", "+", "-", "*", "/", "//", "%", "**", "@",
    "|", "&", "^",
    "-", "+", "~", "not",
    "and", "or",
    "==", "!=", "<", "<=", ">", ">=",
    "in", "not in", "is", "is not",
};

_Static_assert(sizeof biz_ast_expr_kind_names / sizeof *biz_ast_expr_kind_names == BIZ_E__COUNT,
               "expr kind names");
_Static_assert(sizeof biz_ast_stmt_kind_names / sizeof *biz_ast_stmt_kind_names == BIZ_S__COUNT,
               "stmt kind names");
_Static_assert(sizeof biz_ast_op_names / sizeof *biz_ast_op_names == BIZ_ASTOP__COUNT, "op names");

/* The lower-case name of an expression kind ("call", "str"...). */
const char *biz_expr_kind_name(biz_expr_kind k)
{
    return (unsigned)k < BIZ_E__COUNT ? biz_ast_expr_kind_names[k] : "?";
}

/* The lower-case name of a statement kind ("assign", "def"...). */
const char *biz_stmt_kind_name(biz_stmt_kind k)
{
    return (unsigned)k < BIZ_S__COUNT ? biz_ast_stmt_kind_names[k] : "?";
}

/* The operator as Python spells it. */
const char *biz_ast_op_name(biz_astop op)
{
    return (unsigned)op < BIZ_ASTOP__COUNT ? biz_ast_op_names[op] : "?";
}

/* ---- dump --------------------------------------------------------------- */

static void dump_str(const char *s, size_t len, FILE *out)
{
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '\r': fputs("\\r", out); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(out, "\\x%02x", c);
            else
                fputc(c, out);
        }
    }
    fputc('"', out);
}

static void dump_opt(const biz_expr *e, FILE *out)
{
    if (e)
        biz_expr_dump(e, out);
    else
        fputc('_', out);
}

static void dump_seq(const biz_vec *v, FILE *out)
{
    for (int i = 0; i < v->len; i++) {
        fputc(' ', out);
        biz_expr_dump(v->items[i], out);
    }
}

static void dump_params(const biz_vec *v, FILE *out)
{
    fputs("(params", out);
    for (int i = 0; i < v->len; i++) {
        const biz_param *p = v->items[i];
        fputc(' ', out);
        if (p->default_value)
            fputs("(= ", out);
        if (p->annotation)
            fputs("(: ", out);
        if (p->star == 1 && p->name && strcmp(p->name, "*") == 0) {
            fputc('*', out);
            continue;
        }
        if (p->star)
            fprintf(out, "(%s ", p->star == 1 ? "*" : "**");
        fputs(p->name ? p->name : "", out);
        if (p->star)
            fputc(')', out);
        if (p->annotation) {
            fputc(' ', out);
            biz_expr_dump(p->annotation, out);
            fputc(')', out);
        }
        if (p->default_value) {
            fputc(' ', out);
            biz_expr_dump(p->default_value, out);
            fputc(')', out);
        }
    }
    fputc(')', out);
}

/* Writes one expression as an S-expression (no newline). */
void biz_expr_dump(const biz_expr *e, FILE *out)
{
    if (!e) {
        fputc('_', out);
        return;
    }
    switch (e->kind) {
    case BIZ_E_NAME: fputs(e->u.name.id, out); break;
    case BIZ_E_INT: fprintf(out, "%lld", (long long)e->u.int_value); break;
    case BIZ_E_FLOAT: {
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", e->u.float_value);
        if (!strpbrk(buf, ".eEni"))
            strcat(buf, ".0");
        fputs(buf, out);
        break;
    }
    case BIZ_E_STR: dump_str(e->u.str.value, e->u.str.len, out); break;
    case BIZ_E_TRUE: fputs("True", out); break;
    case BIZ_E_FALSE: fputs("False", out); break;
    case BIZ_E_NONE: fputs("None", out); break;
    case BIZ_E_ELLIPSIS: fputs("...", out); break;
    case BIZ_E_LIST:
    case BIZ_E_TUPLE:
    case BIZ_E_SET:
        fprintf(out, "(%s", e->kind == BIZ_E_LIST ? "list" : e->kind == BIZ_E_TUPLE ? "tuple" : "set");
        dump_seq(&e->u.seq, out);
        fputc(')', out);
        break;
    case BIZ_E_DICT:
        fputs("(dict", out);
        for (int i = 0; i < e->u.dict.len; i++) {
            const biz_dict_item *it = e->u.dict.items[i];
            if (it->key) {
                fputs(" (", out);
                biz_expr_dump(it->key, out);
                fputc(' ', out);
            } else {
                fputs(" (** ", out);
            }
            biz_expr_dump(it->value, out);
            fputc(')', out);
        }
        fputc(')', out);
        break;
    case BIZ_E_CALL:
        fputs("(call ", out);
        biz_expr_dump(e->u.call.func, out);
        dump_seq(&e->u.call.args, out);
        for (int i = 0; i < e->u.call.keywords.len; i++) {
            const biz_keyword *k = e->u.call.keywords.items[i];
            if (k->name)
                fprintf(out, " (kw %s ", k->name);
            else
                fputs(" (** ", out);
            biz_expr_dump(k->value, out);
            fputc(')', out);
        }
        fputc(')', out);
        break;
    case BIZ_E_ATTR:
        fputs("(. ", out);
        biz_expr_dump(e->u.attr.obj, out);
        fprintf(out, " %s)", e->u.attr.name);
        break;
    case BIZ_E_SUBSCRIPT:
        fputs("([] ", out);
        biz_expr_dump(e->u.subscript.obj, out);
        fputc(' ', out);
        biz_expr_dump(e->u.subscript.index, out);
        fputc(')', out);
        break;
    case BIZ_E_BINOP:
    case BIZ_E_BOOLOP:
    case BIZ_E_COMPARE:
        fprintf(out, "(%s ", biz_ast_op_name(e->u.binop.op));
        biz_expr_dump(e->u.binop.left, out);
        fputc(' ', out);
        biz_expr_dump(e->u.binop.right, out);
        fputc(')', out);
        break;
    case BIZ_E_UNARY:
        fprintf(out, "(%s ", biz_ast_op_name(e->u.unary.op));
        biz_expr_dump(e->u.unary.operand, out);
        fputc(')', out);
        break;
    case BIZ_E_STARRED:
        fputs("(* ", out);
        biz_expr_dump(e->u.unary.operand, out);
        fputc(')', out);
        break;
    case BIZ_E_IFEXP:
        fputs("(ifexp ", out);
        biz_expr_dump(e->u.ifexp.cond, out);
        fputc(' ', out);
        biz_expr_dump(e->u.ifexp.body, out);
        fputc(' ', out);
        biz_expr_dump(e->u.ifexp.orelse, out);
        fputc(')', out);
        break;
    case BIZ_E_LAMBDA:
        fputs("(lambda ", out);
        dump_params(&e->u.lambda.params, out);
        fputc(' ', out);
        biz_expr_dump(e->u.lambda.body, out);
        fputc(')', out);
        break;
    case BIZ_E_LISTCOMP: case BIZ_E_DICTCOMP:
        fputs(e->kind == BIZ_E_DICTCOMP ? "(dictcomp " : "(listcomp ", out);
        if (e->kind == BIZ_E_DICTCOMP) {
            biz_expr_dump(e->u.comp.key, out);
            fputc(' ', out);
        }
        biz_expr_dump(e->u.comp.elt, out);
        for (const biz_expr *c = e; c; c = c->u.comp.next) {
            fputs(" (for ", out);
            biz_expr_dump(c->u.comp.target, out);
            fputc(' ', out);
            biz_expr_dump(c->u.comp.iter, out);
            fputc(')', out);
            for (int i = 0; i < c->u.comp.conds.len; i++) {
                fputs(" (if ", out);
                biz_expr_dump(c->u.comp.conds.items[i], out);
                fputc(')', out);
            }
        }
        fputc(')', out);
        break;
    case BIZ_E_SLICE:
        fputs("(slice ", out);
        dump_opt(e->u.slice.lower, out);
        fputc(' ', out);
        dump_opt(e->u.slice.upper, out);
        fputc(' ', out);
        dump_opt(e->u.slice.step, out);
        fputc(')', out);
        break;
    case BIZ_E_FSTR:
        /* (fstr "text" (field expr !r (fstr "spec") "x=") ...) */
        fputs("(fstr", out);
        for (int i = 0; i < e->u.fstr.parts.len; i++) {
            const biz_fpart *fp = e->u.fstr.parts.items[i];
            fputc(' ', out);
            if (!fp->expr && !fp->src_end && !fp->broken) {
                dump_str(fp->text, fp->len, out);
                continue;
            }
            fputs("(field ", out);
            biz_expr_dump(fp->expr, out);
            if (fp->conv)
                fprintf(out, " !%c", fp->conv);
            if (fp->spec) {
                fputc(' ', out);
                biz_expr_dump(fp->spec, out);
            }
            if (fp->debug) {
                fputc(' ', out);
                dump_str(fp->debug, strlen(fp->debug), out);
            }
            fputc(')', out);
        }
        fputc(')', out);
        break;
    default:
        fputs("(?)", out);
    }
}

static void dump_stmt(const biz_stmt *s, FILE *out);

static void dump_body(const char *tag, const biz_vec *v, FILE *out)
{
    fprintf(out, " (%s", tag);
    for (int i = 0; i < v->len; i++) {
        fputc(' ', out);
        dump_stmt(v->items[i], out);
    }
    fputc(')', out);
}

static void dump_aliases(const biz_vec *v, FILE *out)
{
    for (int i = 0; i < v->len; i++) {
        const biz_alias *a = v->items[i];
        if (a->asname)
            fprintf(out, " (%s %s)", a->name, a->asname);
        else
            fprintf(out, " %s", a->name);
    }
}

static void dump_stmt(const biz_stmt *s, FILE *out)
{
    switch (s->kind) {
    case BIZ_S_EXPR:
        fputs("(expr ", out);
        biz_expr_dump(s->u.expr, out);
        fputc(')', out);
        break;
    case BIZ_S_ASSIGN:
        fputs("(=", out);
        dump_seq(&s->u.assign.targets, out);
        fputc(' ', out);
        biz_expr_dump(s->u.assign.value, out);
        fputc(')', out);
        break;
    case BIZ_S_ANNASSIGN:
        fputs("(:", out);
        dump_seq(&s->u.assign.targets, out);
        fputc(' ', out);
        biz_expr_dump(s->u.assign.annotation, out);
        if (s->u.assign.value) {
            fputc(' ', out);
            biz_expr_dump(s->u.assign.value, out);
        }
        fputc(')', out);
        break;
    case BIZ_S_AUGASSIGN:
        fprintf(out, "(%s= ", biz_ast_op_name(s->u.augassign.op));
        biz_expr_dump(s->u.augassign.target, out);
        fputc(' ', out);
        biz_expr_dump(s->u.augassign.value, out);
        fputc(')', out);
        break;
    case BIZ_S_IMPORT:
        fputs("(import", out);
        dump_aliases(&s->u.import.names, out);
        fputc(')', out);
        break;
    case BIZ_S_GLOBAL:
        fputs("(global", out);
        dump_aliases(&s->u.import.names, out);
        fputc(')', out);
        break;
    case BIZ_S_FROM:
        fputs("(from ", out);
        for (int i = 0; i < s->u.import.level; i++)
            fputc('.', out);
        if (s->u.import.module)
            fputs(s->u.import.module, out);
        dump_aliases(&s->u.import.names, out);
        fputc(')', out);
        break;
    case BIZ_S_DEF:
    case BIZ_S_CLASS:
        fprintf(out, "(%s %s", s->kind == BIZ_S_DEF ? "def" : "class", s->u.def.name);
        if (s->kind == BIZ_S_DEF) {
            fputc(' ', out);
            dump_params(&s->u.def.params, out);
        } else if (s->u.def.bases.len) {
            fputs(" (bases", out);
            dump_seq(&s->u.def.bases, out);
            fputc(')', out);
        }
        if (s->u.def.decorators.len) {
            fputs(" (decorators", out);
            dump_seq(&s->u.def.decorators, out);
            fputc(')', out);
        }
        if (s->u.def.returns) {
            fputs(" (returns ", out);
            biz_expr_dump(s->u.def.returns, out);
            fputc(')', out);
        }
        dump_body("body", &s->u.def.body, out);
        fputc(')', out);
        break;
    case BIZ_S_WITH:
        fputs("(with (", out);
        for (int i = 0; i < s->u.with.items.len; i++) {
            const biz_with_item *w = s->u.with.items.items[i];
            if (i)
                fputc(' ', out);
            if (w->target) {
                fputs("(as ", out);
                biz_expr_dump(w->context, out);
                fputc(' ', out);
                biz_expr_dump(w->target, out);
                fputc(')', out);
            } else {
                biz_expr_dump(w->context, out);
            }
        }
        fputc(')', out);
        dump_body("body", &s->u.with.body, out);
        fputc(')', out);
        break;
    case BIZ_S_PASS: fputs("(pass)", out); break;
    case BIZ_S_BREAK: fputs("(break)", out); break;
    case BIZ_S_CONTINUE: fputs("(continue)", out); break;
    case BIZ_S_RETURN:
    case BIZ_S_RAISE:
    case BIZ_S_ASSERT:
        fprintf(out, "(%s", biz_stmt_kind_name(s->kind));
        if (s->u.ret.value) {
            fputc(' ', out);
            biz_expr_dump(s->u.ret.value, out);
        }
        fputc(')', out);
        break;
    case BIZ_S_DEL:
        fputs("(del", out);
        dump_seq(&s->u.assign.targets, out);
        fputc(')', out);
        break;
    case BIZ_S_IF:
        fputs("(if ", out);
        biz_expr_dump(s->u.if_.cond, out);
        dump_body("then", &s->u.if_.body, out);
        if (s->u.if_.orelse.len)
            dump_body("else", &s->u.if_.orelse, out);
        fputc(')', out);
        break;
    case BIZ_S_FOR:
        fputs("(for ", out);
        biz_expr_dump(s->u.for_.target, out);
        fputc(' ', out);
        biz_expr_dump(s->u.for_.iter, out);
        dump_body("do", &s->u.for_.body, out);
        if (s->u.for_.orelse.len)
            dump_body("else", &s->u.for_.orelse, out);
        fputc(')', out);
        break;
    case BIZ_S_WHILE:
        fputs("(while ", out);
        biz_expr_dump(s->u.while_.cond, out);
        dump_body("do", &s->u.while_.body, out);
        if (s->u.while_.orelse.len)
            dump_body("else", &s->u.while_.orelse, out);
        fputc(')', out);
        break;
    case BIZ_S_TRY:
        fputs("(try", out);
        dump_body("body", &s->u.try_.body, out);
        fputc(')', out);
        break;
    default:
        fputs("(?)", out);
    }
}

/* Writes the module's statements, one top-level statement per line. */
void biz_ast_dump(const biz_ast *ast, FILE *out)
{
    for (int i = 0; i < ast->body.len; i++) {
        dump_stmt(ast->body.items[i], out);
        fputc('\n', out);
    }
}

/* "a.b.c" for a name/attribute chain, NULL otherwise or when too long. */
const char *biz_expr_dotted(const biz_expr *e, char *buf, size_t size)
{
    if (!e || !buf || size == 0)
        return NULL;
    if (e->kind == BIZ_E_NAME) {
        size_t n = strlen(e->u.name.id);
        if (n + 1 > size)
            return NULL;
        memcpy(buf, e->u.name.id, n + 1);
        return buf;
    }
    if (e->kind != BIZ_E_ATTR)
        return NULL;
    if (!biz_expr_dotted(e->u.attr.obj, buf, size))
        return NULL;
    size_t used = strlen(buf), n = strlen(e->u.attr.name);
    if (used + 1 + n + 1 > size)
        return NULL;
    buf[used] = '.';
    memcpy(buf + used + 1, e->u.attr.name, n + 1);
    return buf;
}
