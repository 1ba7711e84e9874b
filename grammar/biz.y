/* biz.y: the grammar of a .biz file (a subset of Python 3), building the
 * tree of ast.h. A pure bison parser over the reentrant scanner of biz.l.
 *
 * Errors: yyreport_syntax_error (parse.error custom, with LAC so the
 * expected tokens are exact) turns bison's state into a human message
 * ("expected ',' between arguments", "expected ':'", "unexpected indent");
 * recovery happens at statement boundaries (`error NEWLINE`) and at a
 * missing indented block (`NEWLINE error`), so one run reports every error.
 *
 * Ownership: nodes live in p->ast's arena; nothing here frees. */

%code requires {
#include <stdint.h>
#include "ast.h"
#include "buf.h"
#include "diag.h"

/* One string literal as the scanner hands it over: its processed value
 * and its piece (position and value_len; value_off is set on joining). */
typedef struct biz_lexstr {
    char *value;
    size_t len;
    biz_str_piece *piece;
    biz_expr *fstr;     /* an f-string: its BIZ_E_FSTR (fields not parsed yet) */
} biz_lexstr;

/* An open bracket, for matching, "'(' was never closed" and for naming
 * what a missing comma separates. */
typedef struct biz_bracket {
    char ch;            /* '(', '[' or '{' */
    biz_span span;
    int line_indent;    /* indentation of the line the bracket is on */
    int after_expr;     /* a call or a subscript, not a tuple or list */
    int after_def;      /* def NAME( : parameters */
    int saw_colon;      /* a ':' directly inside: a dict (or slice) */
} biz_bracket;

enum { BIZ_LEX_MAX_INDENT = 100, BIZ_LEX_MAX_DEPTH = 200 };

/* The scanner's state (flex's yyextra). */
typedef struct biz_lexer {
    void *scanner;          /* yyscan_t */
    const biz_source *src;
    biz_diags *d;
    biz_ast *ast;           /* names and strings are copied into its arena */
    int off;                /* byte offset after the last matched text */
    int tok_begin;          /* where the current match starts */
    int indents[BIZ_LEX_MAX_INDENT];  /* widths, tab to next multiple of 8 */
    int alt[BIZ_LEX_MAX_INDENT];      /* widths with tab = 1, for TabError */
    int virt[BIZ_LEX_MAX_INDENT];     /* pushed by error recovery: no DEDENT */
    int nind;
    int pending_dedents;
    biz_span dedent_span;
    biz_bracket br[BIZ_LEX_MAX_DEPTH];
    int depth;
    int line_indent;        /* indentation of the current logical line */
    int last_tok, prev_tok; /* the last two tokens handed to the parser */
    biz_span last_span, prev_span;
    biz_pos real_end;       /* end of the last token other than NEWLINE/INDENT/DEDENT */
    int line_start;         /* the next token starts a logical line */
    int line_ended_colon;   /* the previous logical line ended with ':' */
    int block_tok, block_line;  /* last compound keyword opening a line */
    int eof_stage;          /* 0 scanning, 1 NEWLINE due, 2 DEDENTs, 3 done */
    int eof_unclosed;       /* a bracket was open at EOF (reported) */
    int unclosed_reported;  /* offset of a bracket already reported, or -1 */
    int lex_err_line;       /* line of the last scanner error */
    int unterm_line;        /* line of the last unterminated string (0: none) */
    int unterm_triple;      /* an unterminated triple-quoted string ran to the end */
    int bad_char_line;      /* line of the last invalid character (one per line) */
    int fexpr;              /* scanning an f-string field: 1 FEXPR due, 2 after */
    int pos_line;           /* the line (0-based) of the last position made:
                               where span_of looks first */
    biz_buf buf;            /* string value being built */
} biz_lexer;

/* The parser's state: %param of yyparse. */
typedef struct biz_parser {
    biz_lexer lx;
    biz_ast *ast;
    biz_diags *d;
    int after_error;        /* the last statement was an error recovery */
    biz_expr *fresult;      /* parsing an f-string field: its expression */
} biz_parser;
}

%code provides {
/* Scanner interface (grammar/biz.l). */
/* Prepares lx to scan src; names and strings go into ast's arena. */
int biz_lex_init(biz_lexer *lx, const biz_source *src, biz_diags *d, biz_ast *ast);
/* Prepares lx to scan the expression of an f-string field, bytes
 * [begin, end) of src, for the FEXPR entry of the grammar. */
int biz_lex_init_field(biz_lexer *lx, const biz_source *src, biz_diags *d, biz_ast *ast,
                       int begin, int end);
/* Frees the scanner (not the tree). */
void biz_lex_destroy(biz_lexer *lx);
/* The next token (INDENT/DEDENT/NEWLINE included), 0 at end of file. */
int biz_lex_token(YYSTYPE *val, YYLTYPE *loc, biz_lexer *lx);
/* Whether an error was already reported at byte offset off. */
int biz_lex_seen_error(const biz_diags *d, int off);
/* How a token is named in messages: "'('", "'def'", "a name". */
const char *biz_lex_token_name(int tok);
}

%code {
#include <stdlib.h>
#include <string.h>
#include "parse.h"
#include "xalloc.h"

#define YYLLOC_DEFAULT(Cur, Rhs, N)                          \
    do {                                                     \
        if (N) {                                             \
            (Cur).begin = YYRHSLOC(Rhs, 1).begin;            \
            (Cur).end = YYRHSLOC(Rhs, N).end;                \
        } else {                                             \
            (Cur).begin = (Cur).end = YYRHSLOC(Rhs, 0).end;  \
        }                                                    \
    } while (0)

static int yylex(YYSTYPE *val, YYLTYPE *loc, biz_parser *p)
{
    return biz_lex_token(val, loc, &p->lx);
}

static void yyerror(YYLTYPE *loc, biz_parser *p, const char *msg)
{
    biz_error(p->d, *loc, NULL, "%s", msg);
}

/* An error found by a semantic action: skipped when the scanner or the
 * parser already reported one at the same place. */
static void perr(biz_parser *p, biz_span span, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void perr(biz_parser *p, biz_span span, const char *hint, const char *fmt, ...)
{
    if (biz_lex_seen_error(p->d, span.begin.off))
        return;
    if (p->lx.lex_err_line > 0 && p->lx.lex_err_line == span.begin.line)
        return;
    va_list ap;
    va_start(ap, fmt);
    biz_vdiag(p->d, BIZ_ERROR, span, hint, fmt, ap);
    va_end(ap);
}

static biz_span join(biz_span a, biz_span b)
{
    a.end = b.end;
    return a;
}

static biz_vec *vnew(biz_parser *p)
{
    return biz_ast_alloc(p->ast, sizeof(biz_vec));
}

static biz_vec *v1(biz_parser *p, void *x)
{
    biz_vec *v = vnew(p);
    biz_vec_push(p->ast, v, x);
    return v;
}

static void vcat(biz_parser *p, biz_vec *dst, const biz_vec *src)
{
    for (int i = 0; src && i < src->len; i++)
        biz_vec_push(p->ast, dst, src->items[i]);
}

static biz_expr *bin(biz_parser *p, biz_expr_kind k, biz_astop op, biz_expr *l, biz_expr *r,
                     biz_span opspan)
{
    biz_expr *e = biz_expr_new(p->ast, k, join(l->span, r->span));
    e->u.binop.op = op;
    e->u.binop.left = l;
    e->u.binop.right = r;
    e->u.binop.op_span = opspan;
    return e;
}

static biz_expr *unary(biz_parser *p, biz_astop op, biz_expr *x, biz_span span)
{
    biz_expr *e = biz_expr_new(p->ast, BIZ_E_UNARY, span);
    e->u.unary.op = op;
    e->u.unary.operand = x;
    return e;
}

static biz_expr *seq(biz_parser *p, biz_expr_kind k, biz_vec *items, biz_span span)
{
    biz_expr *e = biz_expr_new(p->ast, k, span);
    if (items)
        e->u.seq = *items;
    return e;
}

static biz_expr *constant(biz_parser *p, biz_expr_kind k, biz_span span)
{
    return biz_expr_new(p->ast, k, span);
}

static biz_expr *parse_field(biz_parser *p, int begin, int end);

/* Parses the expressions of fe's fields (and of its format specs). */
static void fstr_fields(biz_parser *p, biz_expr *fe)
{
    for (int i = 0; i < fe->u.fstr.parts.len; i++) {
        biz_fpart *fp = fe->u.fstr.parts.items[i];
        if (fp->src_end > fp->src_begin) {
            fp->expr = parse_field(p, fp->src_begin, fp->src_end);
            fp->broken = !fp->expr;
        }
        if (fp->spec)
            fstr_fields(p, fp->spec);
    }
}

/* A literal part of an f-string. */
static biz_fpart *fstr_text(biz_parser *p, const char *text, size_t len, biz_span span)
{
    biz_fpart *fp = biz_ast_alloc(p->ast, sizeof *fp);
    fp->text = text;
    fp->len = len;
    fp->span = span;
    return fp;
}

/* Starts a BIZ_E_STR (or, for an f-string, a BIZ_E_FSTR) from its first literal. */
static biz_expr *str_first(biz_parser *p, biz_lexstr *s, biz_span span)
{
    if (s->fstr) {
        fstr_fields(p, s->fstr);
        s->fstr->span = span;
        return s->fstr;
    }
    biz_expr *e = biz_expr_new(p->ast, BIZ_E_STR, span);
    e->u.str.value = s->value;
    e->u.str.len = s->len;
    s->piece->value_off = 0;
    biz_vec_push(p->ast, &e->u.str.pieces, s->piece);
    return e;
}

/* Appends an adjacent literal: "a" 'b' is one string "ab". */
static biz_expr *str_append(biz_parser *p, biz_expr *e, biz_lexstr *s, biz_span span)
{
    if (s->fstr || e->kind == BIZ_E_FSTR) {
        /* 'a' f'{b}' is one f-string, as in Python */
        if (e->kind == BIZ_E_STR) {
            biz_expr *fe = biz_expr_new(p->ast, BIZ_E_FSTR, e->span);
            if (e->u.str.len)
                biz_vec_push(p->ast, &fe->u.fstr.parts,
                             fstr_text(p, e->u.str.value, e->u.str.len, e->span));
            e = fe;
        }
        if (s->fstr) {
            fstr_fields(p, s->fstr);
            for (int i = 0; i < s->fstr->u.fstr.parts.len; i++)
                biz_vec_push(p->ast, &e->u.fstr.parts, s->fstr->u.fstr.parts.items[i]);
        } else if (s->len) {
            biz_vec_push(p->ast, &e->u.fstr.parts, fstr_text(p, s->value, s->len, span));
        }
        e->span = join(e->span, span);
        return e;
    }
    size_t n = e->u.str.len + s->len;
    char *v = biz_ast_alloc(p->ast, n + 1);
    memcpy(v, e->u.str.value, e->u.str.len);
    memcpy(v + e->u.str.len, s->value, s->len);
    v[n] = '\0';
    s->piece->value_off = (int)e->u.str.len;
    e->u.str.value = v;
    e->u.str.len = n;
    e->span = join(e->span, span);
    biz_vec_push(p->ast, &e->u.str.pieces, s->piece);
    return e;
}

static const char *describe(const biz_expr *e)
{
    switch (e->kind) {
    case BIZ_E_CALL: return "function call";
    case BIZ_E_INT: case BIZ_E_FLOAT: case BIZ_E_STR: case BIZ_E_TRUE:
    case BIZ_E_FALSE: case BIZ_E_NONE: case BIZ_E_ELLIPSIS: return "literal";
    case BIZ_E_DICT: return "dict literal";
    case BIZ_E_SET: return "set display";
    case BIZ_E_BINOP: case BIZ_E_UNARY: return "expression";
    case BIZ_E_BOOLOP: return "expression";
    case BIZ_E_COMPARE: return "comparison";
    case BIZ_E_IFEXP: return "conditional expression";
    case BIZ_E_LAMBDA: return "lambda";
    case BIZ_E_LISTCOMP: return "list comprehension";
    case BIZ_E_DICTCOMP: return "dict comprehension";
    default: return "expression";
    }
}

/* Reports a target that cannot be assigned ("cannot assign to literal"). */
static void check_target(biz_parser *p, const biz_expr *e, const char *verb)
{
    switch (e->kind) {
    case BIZ_E_NAME: case BIZ_E_ATTR: case BIZ_E_SUBSCRIPT:
        return;
    case BIZ_E_TUPLE: case BIZ_E_LIST:
        for (int i = 0; i < e->u.seq.len; i++)
            check_target(p, e->u.seq.items[i], verb);
        return;
    case BIZ_E_STARRED:
        check_target(p, e->u.unary.operand, verb);
        return;
    default:
        perr(p, e->span,
                  e->kind == BIZ_E_COMPARE && strcmp(verb, "assign to") == 0
                      ? "maybe you meant '==' instead of '='?" : NULL,
                  "cannot %s %s", verb, describe(e));
    }
}

/* Python's rules on parameter order: defaults, one *, ** last, and a
 * bare * or / needs names around it. */
static void check_params(biz_parser *p, const biz_vec *params)
{
    int seen_default = 0, seen_star = 0, seen_kwargs = 0;
    for (int i = 0; i < params->len; i++) {
        const biz_param *a = params->items[i];
        const char *why = NULL;
        if (seen_kwargs)
            why = "arguments cannot follow var-keyword argument";
        else if (a->star == 2)
            seen_kwargs = 1;
        else if (a->star == 1) {
            if (seen_star)
                why = "* argument may appear only once";
            else if (strcmp(a->name, "*") == 0 &&
                     (i + 1 == params->len || ((biz_param *)params->items[i + 1])->star == 2))
                why = "named arguments must follow bare *";
            seen_star = 1;
        } else if (strcmp(a->name, "/") == 0) {
            if (i == 0)
                why = "at least one argument must precede /";
            else if (seen_star)
                why = "/ must be ahead of *";
        } else if (a->default_value) {
            seen_default = 1;
        } else if (seen_default && !seen_star) {
            why = "non-default argument follows default argument";
        }
        if (why)
            perr(p, a->span, NULL, "%s", why);
    }
}

static biz_param *param(biz_parser *p, const char *name, biz_span span, int star)
{
    biz_param *a = biz_ast_alloc(p->ast, sizeof *a);
    a->name = name;
    a->span = span;
    a->star = star;
    return a;
}

static biz_alias *alias(biz_parser *p, const char *name, const char *asname, biz_span span)
{
    biz_alias *a = biz_ast_alloc(p->ast, sizeof *a);
    a->name = name;
    a->asname = asname;
    a->span = span;
    return a;
}

static biz_stmt *stmt_ret(biz_parser *p, biz_stmt_kind k, biz_expr *v, biz_span span)
{
    biz_stmt *s = biz_stmt_new(p->ast, k, span);
    s->u.ret.value = v;
    return s;
}

/* A call node without its function yet: the trailer fills func. */
static biz_expr *call_new(biz_parser *p, biz_span span)
{
    return biz_expr_new(p->ast, BIZ_E_CALL, span);
}

/* Adds one argument to a call under construction, checking Python's
 * order: positional, *iterables, keywords, **mappings. */
static void call_add(biz_parser *p, biz_expr *call, biz_expr *arg, biz_keyword *kw)
{
    if (kw) {
        biz_vec_push(p->ast, &call->u.call.keywords, kw);
        return;
    }
    int kwargs = 0, keywords = call->u.call.keywords.len;
    for (int i = 0; i < keywords; i++)
        if (!((biz_keyword *)call->u.call.keywords.items[i])->name)
            kwargs = 1;
    if (kwargs && arg->kind == BIZ_E_STARRED)
        perr(p, arg->span, NULL, "iterable argument unpacking follows keyword argument unpacking");
    else if (kwargs)
        perr(p, arg->span, NULL, "positional argument follows keyword argument unpacking");
    else if (keywords && arg->kind != BIZ_E_STARRED)
        perr(p, arg->span, NULL, "positional argument follows keyword argument");
    biz_vec_push(p->ast, &call->u.call.args, arg);
}

static biz_keyword *keyword(biz_parser *p, const char *name, biz_span name_span, biz_expr *v,
                            biz_span span)
{
    biz_keyword *k = biz_ast_alloc(p->ast, sizeof *k);
    k->name = name;
    k->name_span = name_span;
    k->value = v;
    k->span = span;
    return k;
}

static char *dotted_join(biz_parser *p, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = biz_ast_alloc(p->ast, la + lb + 2);
    memcpy(s, a, la);
    s[la] = '.';
    memcpy(s + la + 1, b, lb + 1);
    return s;
}

static biz_stmt *ifstmt(biz_parser *p, biz_expr *cond, biz_vec *body, biz_vec *orelse,
                        biz_span span)
{
    biz_stmt *s = biz_stmt_new(p->ast, BIZ_S_IF, span);
    s->u.if_.cond = cond;
    if (body)
        s->u.if_.body = *body;
    if (orelse)
        s->u.if_.orelse = *orelse;
    return s;
}

/* The last `for` clause of a comprehension (where an `if` belongs). */
static biz_expr *comp_last(biz_expr *comp)
{
    while (comp->u.comp.next)
        comp = comp->u.comp.next;
    return comp;
}

static biz_expr *listcomp(biz_parser *p, biz_expr *elt, biz_expr *comp, biz_span span)
{
    comp->u.comp.elt = elt;
    comp->span = span;
    return comp;
}

}

%define api.pure full
%define api.location.type {biz_span}
%define parse.error custom
%define parse.lac full
%locations
%param {biz_parser *p}
%expect 0
%start top

%union {
    const char *name;
    int64_t ival;
    double fval;
    biz_lexstr *str;
    biz_expr *expr;
    biz_stmt *stmt;
    biz_vec *vec;
    biz_param *param;
    biz_alias *alias;
    biz_with_item *with;
    biz_dict_item *ditem;
    int op;
}

%token END 0 "end of file"
%token <name> NAME "a name"
%token <ival> INT "a number"
%token <fval> FLOAT "a float"
%token <str> STRING "a string"
%token NEWLINE "end of line"
%token FEXPR "an f-string field"
%token INDENT "an indented block"
%token DEDENT "a dedent"

%token AND "'and'" AS "'as'" ASSERT "'assert'" ASYNC "'async'" AWAIT "'await'"
%token BREAK "'break'" CLASS "'class'" CONTINUE "'continue'" DEF "'def'"
%token DEL "'del'" ELIF "'elif'" ELSE "'else'" EXCEPT "'except'"
%token KW_FALSE "'False'" FINALLY "'finally'" FOR "'for'" FROM "'from'"
%token GLOBAL "'global'" IF "'if'" IMPORT "'import'" IN "'in'" IS "'is'"
%token LAMBDA "'lambda'" KW_NONE "'None'" NONLOCAL "'nonlocal'" NOT "'not'"
%token OR "'or'" PASS "'pass'" RAISE "'raise'" RETURN "'return'"
%token KW_TRUE "'True'" TRY "'try'" WHILE "'while'" WITH "'with'" YIELD "'yield'"

%token EQEQ "'=='" NE "'!='" LE "'<='" GE "'>='" LSHIFT "'<<'" RSHIFT "'>>'"
%token POW "'**'" FLOORDIV "'//'" ARROW "'->'" ELLIPSIS "'...'" COLONEQ "':='"
%token PLUSEQ "'+='" MINUSEQ "'-='" STAREQ "'*='" SLASHEQ "'/='"
%token FLOORDIVEQ "'//='" PERCENTEQ "'%='" ATEQ "'@='" AMPEQ "'&='"
%token PIPEEQ "'|='" CARETEQ "'^='" RSHIFTEQ "'>>='" LSHIFTEQ "'<<='" POWEQ "'**='"

%type <vec> stmt stmts simple_stmt small_stmts suite elif_tail else_opt
%type <vec> decorators params param_list lparams lparam_list dotted_as_names
%type <vec> import_as_names name_list with_items seq_items tl_items exprlist
%type <vec> assign_chain subscript_list dict_items handlers finally_opt
%type <stmt> small_stmt expr_stmt import_stmt compound_stmt if_stmt while_stmt
%type <stmt> for_stmt try_stmt with_stmt funcdef classdef decorated from_module
%type <expr> test or_test and_test not_test comparison expr xor_expr and_expr
%type <expr> shift_expr arith term factor power atom_expr atom strings
%type <expr> testlist_se tl_item star_expr seq_item exprlist_tc expr_or_star
%type <expr> lambdef call_args arg_list subscripts subscript opt_test sliceop
%type <expr> comp_for decorator returns
%type <param> param tname lparam
%type <alias> dotted_as_name import_as_name
%type <with> with_item
%type <ditem> dict_item
%type <name> dotted_name
%type <op> comp_op augassign
%type <ival> dots

%%

top:
    file
  | FEXPR testlist_se       { p->fresult = $2; }
  ;

file:
    %empty
  | file NEWLINE
  | file stmt               { vcat(p, &p->ast->body, $2); }
  ;

stmt:
    simple_stmt             { p->after_error = 0; }
  | compound_stmt           { $$ = v1(p, $1); p->after_error = 0; }
  | INDENT
        {
            /* a stray block; after a bad line it is that line's body */
            if (!p->after_error)
                perr(p, @1, NULL, "unexpected indent");
        }
    stmts DEDENT            { $$ = $3; p->after_error = 0; }
  | error NEWLINE           { $$ = vnew(p); p->after_error = 1; yyerrok; }
  ;

stmts:
    stmt
  | stmts stmt              { $$ = $1; vcat(p, $$, $2); }
  ;

simple_stmt:
    small_stmts NEWLINE
  | small_stmts ';' NEWLINE
  ;

small_stmts:
    small_stmt                  { $$ = v1(p, $1); }
  | small_stmts ';' small_stmt  { $$ = $1; biz_vec_push(p->ast, $$, $3); }
  ;

small_stmt:
    expr_stmt
  | PASS                    { $$ = biz_stmt_new(p->ast, BIZ_S_PASS, @$); }
  | BREAK                   { $$ = biz_stmt_new(p->ast, BIZ_S_BREAK, @$); }
  | CONTINUE                { $$ = biz_stmt_new(p->ast, BIZ_S_CONTINUE, @$); }
  | RETURN                  { $$ = stmt_ret(p, BIZ_S_RETURN, NULL, @$); }
  | RETURN testlist_se      { $$ = stmt_ret(p, BIZ_S_RETURN, $2, @$); }
  | RAISE                   { $$ = stmt_ret(p, BIZ_S_RAISE, NULL, @$); }
  | RAISE test              { $$ = stmt_ret(p, BIZ_S_RAISE, $2, @$); }
  | RAISE test FROM test    { $$ = stmt_ret(p, BIZ_S_RAISE, $2, @$); }
  | ASSERT test             { $$ = stmt_ret(p, BIZ_S_ASSERT, $2, @$); }
  | ASSERT test ',' test    { $$ = stmt_ret(p, BIZ_S_ASSERT, $2, @$); }
  | DEL exprlist            { $$ = biz_stmt_new(p->ast, BIZ_S_DEL, @$); $$->u.assign.targets = *$2;
                              for (int i = 0; i < $2->len; i++) check_target(p, $2->items[i], "delete"); }
  | DEL exprlist ','        { $$ = biz_stmt_new(p->ast, BIZ_S_DEL, @$); $$->u.assign.targets = *$2;
                              for (int i = 0; i < $2->len; i++) check_target(p, $2->items[i], "delete"); }
  | GLOBAL name_list        { $$ = biz_stmt_new(p->ast, BIZ_S_GLOBAL, @$); $$->u.import.names = *$2; }
  | NONLOCAL name_list      { $$ = biz_stmt_new(p->ast, BIZ_S_GLOBAL, @$); $$->u.import.names = *$2; }
  | import_stmt
  ;

expr_stmt:
    testlist_se             { $$ = biz_stmt_new(p->ast, BIZ_S_EXPR, @$); $$->u.expr = $1; }
  | testlist_se augassign testlist_se
        {
            $$ = biz_stmt_new(p->ast, BIZ_S_AUGASSIGN, @$);
            if ($1->kind == BIZ_E_TUPLE || $1->kind == BIZ_E_LIST)
                perr(p, $1->span, NULL, "'%s' is an illegal expression for augmented assignment",
                          $1->kind == BIZ_E_TUPLE ? "tuple" : "list");
            else
                check_target(p, $1, "assign to");
            $$->u.augassign.target = $1;
            $$->u.augassign.op = (biz_astop)$2;
            $$->u.augassign.value = $3;
        }
  | testlist_se ':' test
        {
            $$ = biz_stmt_new(p->ast, BIZ_S_ANNASSIGN, @$);
            check_target(p, $1, "annotate");
            biz_vec_push(p->ast, &$$->u.assign.targets, $1);
            $$->u.assign.annotation = $3;
        }
  | testlist_se ':' test '=' testlist_se
        {
            $$ = biz_stmt_new(p->ast, BIZ_S_ANNASSIGN, @$);
            check_target(p, $1, "annotate");
            biz_vec_push(p->ast, &$$->u.assign.targets, $1);
            $$->u.assign.annotation = $3;
            $$->u.assign.value = $5;
        }
  | testlist_se assign_chain
        {
            $$ = biz_stmt_new(p->ast, BIZ_S_ASSIGN, @$);
            biz_vec_push(p->ast, &$$->u.assign.targets, $1);
            check_target(p, $1, "assign to");
            for (int i = 0; i + 1 < $2->len; i++) {
                biz_vec_push(p->ast, &$$->u.assign.targets, $2->items[i]);
                check_target(p, $2->items[i], "assign to");
            }
            $$->u.assign.value = $2->items[$2->len - 1];
        }
  ;

assign_chain:
    '=' testlist_se                 { $$ = v1(p, $2); }
  | assign_chain '=' testlist_se    { $$ = $1; biz_vec_push(p->ast, $$, $3); }
  ;

augassign:
    PLUSEQ { $$ = BIZ_ASTOP_ADD; } | MINUSEQ { $$ = BIZ_ASTOP_SUB; } | STAREQ { $$ = BIZ_ASTOP_MUL; }
  | SLASHEQ { $$ = BIZ_ASTOP_DIV; } | FLOORDIVEQ { $$ = BIZ_ASTOP_FLOORDIV; }
  | PERCENTEQ { $$ = BIZ_ASTOP_MOD; } | ATEQ { $$ = BIZ_ASTOP_MATMUL; } | AMPEQ { $$ = BIZ_ASTOP_BITAND; }
  | PIPEEQ { $$ = BIZ_ASTOP_BITOR; } | CARETEQ { $$ = BIZ_ASTOP_BITXOR; }
  | RSHIFTEQ { $$ = BIZ_ASTOP_RSHIFT; } | LSHIFTEQ { $$ = BIZ_ASTOP_LSHIFT; } | POWEQ { $$ = BIZ_ASTOP_POW; }
  ;

/* a, b, *c (a tuple when there is a comma) */
testlist_se:
    tl_items        { $$ = $1->len == 1 ? $1->items[0] : seq(p, BIZ_E_TUPLE, $1, @$); }
  | tl_items ','    { $$ = seq(p, BIZ_E_TUPLE, $1, @$); }
  ;

tl_items:
    tl_item                 { $$ = v1(p, $1); }
  | tl_items ',' tl_item    { $$ = $1; biz_vec_push(p->ast, $$, $3); }
  ;

tl_item: test | star_expr ;

star_expr:
    '*' expr        { $$ = biz_expr_new(p->ast, BIZ_E_STARRED, @$); $$->u.unary.operand = $2; }
  ;

name_list:
    NAME                    { $$ = v1(p, alias(p, $1, NULL, @1)); }
  | name_list ',' NAME      { $$ = $1; biz_vec_push(p->ast, $$, alias(p, $3, NULL, @3)); }
  ;

/* ---- imports ------------------------------------------------------------ */

import_stmt:
    IMPORT dotted_as_names
        { $$ = biz_stmt_new(p->ast, BIZ_S_IMPORT, @$); $$->u.import.names = *$2; }
  | FROM from_module IMPORT '*'
        { $$ = $2; $$->span = @$; biz_vec_push(p->ast, &$$->u.import.names, alias(p, "*", NULL, @4)); }
  | FROM from_module IMPORT import_as_names
        { $$ = $2; $$->span = @$; $$->u.import.names = *$4; }
  | FROM from_module IMPORT '(' import_as_names ')'
        { $$ = $2; $$->span = @$; $$->u.import.names = *$5; }
  | FROM from_module IMPORT '(' import_as_names ',' ')'
        { $$ = $2; $$->span = @$; $$->u.import.names = *$5; }
  ;

from_module:
    dotted_name         { $$ = biz_stmt_new(p->ast, BIZ_S_FROM, @$); $$->u.import.module = $1;
                          $$->u.import.module_span = @1; }
  | dots                { $$ = biz_stmt_new(p->ast, BIZ_S_FROM, @$); $$->u.import.level = (int)$1;
                          $$->u.import.module_span = @1; }
  | dots dotted_name    { $$ = biz_stmt_new(p->ast, BIZ_S_FROM, @$); $$->u.import.level = (int)$1;
                          $$->u.import.module = $2; $$->u.import.module_span = @$; }
  ;

dots:
    '.'             { $$ = 1; }
  | ELLIPSIS        { $$ = 3; }
  | dots '.'        { $$ = $1 + 1; }
  | dots ELLIPSIS   { $$ = $1 + 3; }
  ;

dotted_name:
    NAME
  | dotted_name '.' NAME    { $$ = dotted_join(p, $1, $3); }
  ;

dotted_as_names:
    dotted_as_name                      { $$ = v1(p, $1); }
  | dotted_as_names ',' dotted_as_name  { $$ = $1; biz_vec_push(p->ast, $$, $3); }
  ;

dotted_as_name:
    dotted_name             { $$ = alias(p, $1, NULL, @$); }
  | dotted_name AS NAME     { $$ = alias(p, $1, $3, @$); }
  ;

import_as_names:
    import_as_name                      { $$ = v1(p, $1); }
  | import_as_names ',' import_as_name  { $$ = $1; biz_vec_push(p->ast, $$, $3); }
  ;

import_as_name:
    NAME            { $$ = alias(p, $1, NULL, @$); }
  | NAME AS NAME    { $$ = alias(p, $1, $3, @$); }
  ;

/* ---- compound statements ------------------------------------------------ */

compound_stmt:
    if_stmt | while_stmt | for_stmt | try_stmt | with_stmt | funcdef | classdef | decorated ;

suite:
    simple_stmt
  | NEWLINE INDENT stmts DEDENT     { $$ = $3; }
  | NEWLINE INDENT error DEDENT     { $$ = vnew(p); p->after_error = 1; }
  | NEWLINE INDENT stmts error DEDENT { $$ = $3; p->after_error = 1; /* keep the block's end */ }
  | NEWLINE error                   { $$ = vnew(p); /* "expected an indented block" */ }
  ;

if_stmt:
    IF test ':' suite elif_tail     { $$ = ifstmt(p, $2, $4, $5, join(@1, @3)); }
  ;

elif_tail:
    %empty                              { $$ = NULL; }
  | ELSE ':' suite                      { $$ = $3; }
  | ELIF test ':' suite elif_tail       { $$ = v1(p, ifstmt(p, $2, $4, $5, join(@1, @3))); }
  ;

else_opt:
    %empty              { $$ = NULL; }
  | ELSE ':' suite      { $$ = $3; }
  ;

while_stmt:
    WHILE test ':' suite else_opt
        {
            $$ = biz_stmt_new(p->ast, BIZ_S_WHILE, join(@1, @3));
            $$->u.while_.cond = $2;
            $$->u.while_.body = *$4;
            if ($5) $$->u.while_.orelse = *$5;
        }
  ;

for_stmt:
    FOR exprlist_tc IN testlist_se ':' suite else_opt
        {
            $$ = biz_stmt_new(p->ast, BIZ_S_FOR, join(@1, @5));
            check_target(p, $2, "assign to");
            $$->u.for_.target = $2;
            $$->u.for_.iter = $4;
            $$->u.for_.body = *$6;
            if ($7) $$->u.for_.orelse = *$7;
        }
  ;

try_stmt:
    TRY ':' suite handlers else_opt finally_opt
        { $$ = biz_stmt_new(p->ast, BIZ_S_TRY, join(@1, @2)); $$->u.try_.body = *$3; }
  | TRY ':' suite FINALLY ':' suite
        { $$ = biz_stmt_new(p->ast, BIZ_S_TRY, join(@1, @2)); $$->u.try_.body = *$3; }
  ;

handlers:
    EXCEPT ':' suite                            { $$ = $3; }
  | EXCEPT test ':' suite                       { $$ = $4; }
  | EXCEPT test AS NAME ':' suite               { $$ = $6; }
  | handlers EXCEPT ':' suite                   { $$ = $1; }
  | handlers EXCEPT test ':' suite              { $$ = $1; }
  | handlers EXCEPT test AS NAME ':' suite      { $$ = $1; }
  ;

finally_opt:
    %empty              { $$ = NULL; }
  | FINALLY ':' suite   { $$ = $3; }
  ;

with_stmt:
    WITH with_items ':' suite
        {
            $$ = biz_stmt_new(p->ast, BIZ_S_WITH, join(@1, @3));
            $$->u.with.items = *$2;
            $$->u.with.body = *$4;
        }
  ;

with_items:
    with_item                   { $$ = v1(p, $1); }
  | with_items ',' with_item    { $$ = $1; biz_vec_push(p->ast, $$, $3); }
  ;

with_item:
    test            { $$ = biz_ast_alloc(p->ast, sizeof *$$); $$->context = $1; }
  | test AS expr    { $$ = biz_ast_alloc(p->ast, sizeof *$$); $$->context = $1; $$->target = $3;
                      check_target(p, $3, "assign to"); }
  ;

decorated:
    decorators funcdef      { $$ = $2; $$->u.def.decorators = *$1; }
  | decorators classdef     { $$ = $2; $$->u.def.decorators = *$1; }
  ;

decorators:
    decorator               { $$ = v1(p, $1); }
  | decorators decorator    { $$ = $1; biz_vec_push(p->ast, $$, $2); }
  ;

decorator:
    '@' test NEWLINE        { $$ = $2; }
  ;

funcdef:
    DEF NAME '(' params ')' returns ':' suite
        {
            $$ = biz_stmt_new(p->ast, BIZ_S_DEF, join(@1, @7));
            $$->u.def.name = $2;
            $$->u.def.name_span = @2;
            $$->u.def.params = *$4;
            check_params(p, $4);
            $$->u.def.returns = $6;
            $$->u.def.body = *$8;
        }
  ;

returns:
    %empty          { $$ = NULL; }
  | ARROW test      { $$ = $2; }
  ;

params:
    %empty              { $$ = vnew(p); }
  | param_list
  | param_list ','
  ;

param_list:
    param                   { $$ = v1(p, $1); }
  | param_list ',' param    { $$ = $1; biz_vec_push(p->ast, $$, $3); }
  ;

param:
    tname
  | tname '=' test  { $$ = $1; $$->default_value = $3; $$->span = @$; }
  | '*' tname       { $$ = $2; $$->star = 1; $$->span = @$; }
  | '*'             { $$ = param(p, "*", @$, 1); }
  | POW tname       { $$ = $2; $$->star = 2; $$->span = @$; }
  | '/'             { $$ = param(p, "/", @$, 0); }
  ;

tname:
    NAME            { $$ = param(p, $1, @$, 0); }
  | NAME ':' test   { $$ = param(p, $1, @$, 0); $$->annotation = $3; }
  ;

classdef:
    CLASS NAME ':' suite
        {
            $$ = biz_stmt_new(p->ast, BIZ_S_CLASS, join(@1, @3));
            $$->u.def.name = $2;
            $$->u.def.name_span = @2;
            $$->u.def.body = *$4;
        }
  | CLASS NAME '(' call_args ')' ':' suite
        {
            $$ = biz_stmt_new(p->ast, BIZ_S_CLASS, join(@1, @6));
            $$->u.def.name = $2;
            $$->u.def.name_span = @2;
            $$->u.def.bases = $4->u.call.args;
            $$->u.def.body = *$7;
        }
  ;

/* ---- expressions (Python's precedence, lowest first) --------------------- */

test:
    or_test
  | or_test IF or_test ELSE test
        {
            $$ = biz_expr_new(p->ast, BIZ_E_IFEXP, @$);
            $$->u.ifexp.body = $1;
            $$->u.ifexp.cond = $3;
            $$->u.ifexp.orelse = $5;
        }
  | lambdef
  ;

lambdef:
    LAMBDA lparams ':' test
        {
            $$ = biz_expr_new(p->ast, BIZ_E_LAMBDA, @$);
            $$->u.lambda.params = *$2;
            check_params(p, $2);
            $$->u.lambda.body = $4;
        }
  ;

lparams:
    %empty              { $$ = vnew(p); }
  | lparam_list
  | lparam_list ','
  ;

lparam_list:
    lparam                      { $$ = v1(p, $1); }
  | lparam_list ',' lparam      { $$ = $1; biz_vec_push(p->ast, $$, $3); }
  ;

lparam:
    NAME            { $$ = param(p, $1, @$, 0); }
  | NAME '=' test   { $$ = param(p, $1, @$, 0); $$->default_value = $3; }
  | '*' NAME        { $$ = param(p, $2, @$, 1); }
  | '*'             { $$ = param(p, "*", @$, 1); }
  | POW NAME        { $$ = param(p, $2, @$, 2); }
  ;

or_test:
    and_test
  | or_test OR and_test     { $$ = bin(p, BIZ_E_BOOLOP, BIZ_ASTOP_OR, $1, $3, @2); }
  ;

and_test:
    not_test
  | and_test AND not_test   { $$ = bin(p, BIZ_E_BOOLOP, BIZ_ASTOP_AND, $1, $3, @2); }
  ;

not_test:
    NOT not_test            { $$ = unary(p, BIZ_ASTOP_NOT, $2, @$); }
  | comparison
  ;

comparison:
    expr
  | comparison comp_op expr { $$ = bin(p, BIZ_E_COMPARE, (biz_astop)$2, $1, $3, @2); }
  ;

comp_op:
    '<'         { $$ = BIZ_ASTOP_LT; }
  | '>'         { $$ = BIZ_ASTOP_GT; }
  | EQEQ        { $$ = BIZ_ASTOP_EQ; }
  | NE          { $$ = BIZ_ASTOP_NE; }
  | LE          { $$ = BIZ_ASTOP_LE; }
  | GE          { $$ = BIZ_ASTOP_GE; }
  | IN          { $$ = BIZ_ASTOP_IN; }
  | NOT IN      { $$ = BIZ_ASTOP_NOT_IN; }
  | IS          { $$ = BIZ_ASTOP_IS; }
  | IS NOT      { $$ = BIZ_ASTOP_IS_NOT; }
  ;

expr:
    xor_expr
  | expr '|' xor_expr       { $$ = bin(p, BIZ_E_BINOP, BIZ_ASTOP_BITOR, $1, $3, @2); }
  ;

xor_expr:
    and_expr
  | xor_expr '^' and_expr   { $$ = bin(p, BIZ_E_BINOP, BIZ_ASTOP_BITXOR, $1, $3, @2); }
  ;

and_expr:
    shift_expr
  | and_expr '&' shift_expr { $$ = bin(p, BIZ_E_BINOP, BIZ_ASTOP_BITAND, $1, $3, @2); }
  ;

shift_expr:
    arith
  | shift_expr LSHIFT arith { $$ = bin(p, BIZ_E_BINOP, BIZ_ASTOP_LSHIFT, $1, $3, @2); }
  | shift_expr RSHIFT arith { $$ = bin(p, BIZ_E_BINOP, BIZ_ASTOP_RSHIFT, $1, $3, @2); }
  ;

arith:
    term
  | arith '+' term          { $$ = bin(p, BIZ_E_BINOP, BIZ_ASTOP_ADD, $1, $3, @2); }
  | arith '-' term          { $$ = bin(p, BIZ_E_BINOP, BIZ_ASTOP_SUB, $1, $3, @2); }
  ;

term:
    factor
  | term '*' factor         { $$ = bin(p, BIZ_E_BINOP, BIZ_ASTOP_MUL, $1, $3, @2); }
  | term '/' factor         { $$ = bin(p, BIZ_E_BINOP, BIZ_ASTOP_DIV, $1, $3, @2); }
  | term FLOORDIV factor    { $$ = bin(p, BIZ_E_BINOP, BIZ_ASTOP_FLOORDIV, $1, $3, @2); }
  | term '%' factor         { $$ = bin(p, BIZ_E_BINOP, BIZ_ASTOP_MOD, $1, $3, @2); }
  | term '@' factor         { $$ = bin(p, BIZ_E_BINOP, BIZ_ASTOP_MATMUL, $1, $3, @2); }
  ;

factor:
    '-' factor              { $$ = unary(p, BIZ_ASTOP_NEG, $2, @$); }
  | '+' factor              { $$ = unary(p, BIZ_ASTOP_POS, $2, @$); }
  | '~' factor              { $$ = unary(p, BIZ_ASTOP_INVERT, $2, @$); }
  | power
  ;

power:
    atom_expr
  | atom_expr POW factor    { $$ = bin(p, BIZ_E_BINOP, BIZ_ASTOP_POW, $1, $3, @2); }
  ;

atom_expr:
    atom
  | atom_expr '(' call_args ')'
        { $$ = $3; $$->u.call.func = $1; $$->u.call.lparen = @2; $$->span = @$; }
  | atom_expr '[' subscripts ']'
        {
            $$ = biz_expr_new(p->ast, BIZ_E_SUBSCRIPT, @$);
            $$->u.subscript.obj = $1;
            $$->u.subscript.index = $3;
        }
  | atom_expr '.' NAME
        {
            $$ = biz_expr_new(p->ast, BIZ_E_ATTR, @$);
            $$->u.attr.obj = $1;
            $$->u.attr.name = $3;
            $$->u.attr.name_span = @3;
        }
  ;

atom:
    NAME            { $$ = biz_expr_new(p->ast, BIZ_E_NAME, @$); $$->u.name.id = $1; }
  | INT             { $$ = biz_expr_new(p->ast, BIZ_E_INT, @$); $$->u.int_value = $1; }
  | FLOAT           { $$ = biz_expr_new(p->ast, BIZ_E_FLOAT, @$); $$->u.float_value = $1; }
  | strings
  | KW_NONE            { $$ = constant(p, BIZ_E_NONE, @$); }
  | KW_TRUE            { $$ = constant(p, BIZ_E_TRUE, @$); }
  | KW_FALSE           { $$ = constant(p, BIZ_E_FALSE, @$); }
  | ELLIPSIS        { $$ = constant(p, BIZ_E_ELLIPSIS, @$); }
  | '(' ')'         { $$ = seq(p, BIZ_E_TUPLE, NULL, @$); }
  | '(' seq_items ')'
        {
            if ($2->len == 1 && ((biz_expr *)$2->items[0])->kind == BIZ_E_STARRED)
                perr(p, ((biz_expr *)$2->items[0])->span, NULL,
                          "cannot use starred expression here");
            if ($2->len == 1)
                $$ = $2->items[0];
            else
                $$ = seq(p, BIZ_E_TUPLE, $2, @$);
        }
  | '(' seq_items ',' ')'       { $$ = seq(p, BIZ_E_TUPLE, $2, @$); }
  | '(' seq_item comp_for ')'   { $$ = listcomp(p, $2, $3, @$); }
  | '[' ']'                     { $$ = seq(p, BIZ_E_LIST, NULL, @$); }
  | '[' seq_items ']'           { $$ = seq(p, BIZ_E_LIST, $2, @$); }
  | '[' seq_items ',' ']'       { $$ = seq(p, BIZ_E_LIST, $2, @$); }
  | '[' seq_item comp_for ']'   { $$ = listcomp(p, $2, $3, @$); }
  | '{' '}'                     { $$ = biz_expr_new(p->ast, BIZ_E_DICT, @$); }
  | '{' dict_items '}'          { $$ = biz_expr_new(p->ast, BIZ_E_DICT, @$); $$->u.dict = *$2; }
  | '{' dict_items ',' '}'      { $$ = biz_expr_new(p->ast, BIZ_E_DICT, @$); $$->u.dict = *$2; }
  | '{' test ':' test comp_for '}'
        {
            $$ = listcomp(p, $4, $5, @$);
            $$->kind = BIZ_E_DICTCOMP;
            $$->u.comp.key = $2;
        }
  | '{' seq_items '}'           { $$ = seq(p, BIZ_E_SET, $2, @$); }
  | '{' seq_items ',' '}'       { $$ = seq(p, BIZ_E_SET, $2, @$); }
  ;

strings:
    STRING          { $$ = str_first(p, $1, @1); }
  | strings STRING  { $$ = str_append(p, $1, $2, @2); }
  ;

seq_items:
    seq_item                { $$ = v1(p, $1); }
  | seq_items ',' seq_item  { $$ = $1; biz_vec_push(p->ast, $$, $3); }
  ;

seq_item: test | star_expr ;

dict_items:
    dict_item                   { $$ = v1(p, $1); }
  | dict_items ',' dict_item    { $$ = $1; biz_vec_push(p->ast, $$, $3); }
  ;

dict_item:
    test ':' test   { $$ = biz_ast_alloc(p->ast, sizeof *$$); $$->key = $1; $$->value = $3; }
  | POW expr        { $$ = biz_ast_alloc(p->ast, sizeof *$$); $$->value = $2; }
  ;

comp_for:
    FOR exprlist_tc IN or_test
        {
            $$ = biz_expr_new(p->ast, BIZ_E_LISTCOMP, @$);
            check_target(p, $2, "assign to");
            $$->u.comp.target = $2;
            $$->u.comp.iter = $4;
        }
  | comp_for IF or_test     { $$ = $1; biz_vec_push(p->ast, &comp_last($$)->u.comp.conds, $3); }
  | comp_for FOR exprlist_tc IN or_test
        {
            biz_expr *c = biz_expr_new(p->ast, BIZ_E_LISTCOMP, @2);
            check_target(p, $3, "assign to");
            c->u.comp.target = $3;
            c->u.comp.iter = $5;
            comp_last($1)->u.comp.next = c;
            $$ = $1;
        }
  ;

exprlist:
    expr_or_star                { $$ = v1(p, $1); }
  | exprlist ',' expr_or_star   { $$ = $1; biz_vec_push(p->ast, $$, $3); }
  ;

exprlist_tc:
    exprlist        { $$ = $1->len == 1 ? $1->items[0] : seq(p, BIZ_E_TUPLE, $1, @$); }
  | exprlist ','    { $$ = seq(p, BIZ_E_TUPLE, $1, @$); }
  ;

expr_or_star: expr | star_expr ;

call_args:
    %empty              { $$ = call_new(p, @$); }
  | arg_list
  | arg_list ','
  | test comp_for       { $$ = call_new(p, @$); call_add(p, $$, listcomp(p, $1, $2, @$), NULL); }
  ;

arg_list:
    test                    { $$ = call_new(p, @$); call_add(p, $$, $1, NULL); }
  | test '=' test
        {
            $$ = call_new(p, @$);
            if ($1->kind != BIZ_E_NAME)
                perr(p, $1->span, NULL,
                          "expression cannot contain assignment, perhaps you meant \"==\"?");
            else
                call_add(p, $$, NULL, keyword(p, $1->u.name.id, $1->span, $3, @$));
        }
  | '*' test
        {
            biz_expr *s = biz_expr_new(p->ast, BIZ_E_STARRED, @$);
            s->u.unary.operand = $2;
            $$ = call_new(p, @$);
            call_add(p, $$, s, NULL);
        }
  | POW test                { $$ = call_new(p, @$); call_add(p, $$, NULL, keyword(p, NULL, @1, $2, @$)); }
  | arg_list ',' test       { $$ = $1; call_add(p, $$, $3, NULL); }
  | arg_list ',' test '=' test
        {
            $$ = $1;
            if ($3->kind != BIZ_E_NAME)
                perr(p, $3->span, NULL,
                          "expression cannot contain assignment, perhaps you meant \"==\"?");
            else
                call_add(p, $$, NULL, keyword(p, $3->u.name.id, $3->span, $5, join(@3, @5)));
        }
  | arg_list ',' '*' test
        {
            biz_expr *s = biz_expr_new(p->ast, BIZ_E_STARRED, join(@3, @4));
            s->u.unary.operand = $4;
            $$ = $1;
            call_add(p, $$, s, NULL);
        }
  | arg_list ',' POW test   { $$ = $1; call_add(p, $$, NULL, keyword(p, NULL, @3, $4, join(@3, @4))); }
  ;

subscripts:
    subscript_list          { $$ = $1->len == 1 ? $1->items[0] : seq(p, BIZ_E_TUPLE, $1, @$); }
  | subscript_list ','      { $$ = seq(p, BIZ_E_TUPLE, $1, @$); }
  ;

subscript_list:
    subscript                       { $$ = v1(p, $1); }
  | subscript_list ',' subscript    { $$ = $1; biz_vec_push(p->ast, $$, $3); }
  ;

subscript:
    test
  | opt_test ':' opt_test sliceop
        {
            $$ = biz_expr_new(p->ast, BIZ_E_SLICE, @$);
            $$->u.slice.lower = $1;
            $$->u.slice.upper = $3;
            $$->u.slice.step = $4;
        }
  ;

opt_test:
    %empty      { $$ = NULL; }
  | test
  ;

sliceop:
    %empty          { $$ = NULL; }
  | ':' opt_test    { $$ = $2; }
  ;

%%

/* ---- messages ------------------------------------------------------------ */

/* The token's name in messages, from the aliases above. */
const char *biz_lex_token_name(int tok)
{
    if (tok == 0)
        return "end of file";
    return yysymbol_name(YYTRANSLATE(tok));
}

static int has(const yysymbol_kind_t *exp, int n, yysymbol_kind_t k)
{
    for (int i = 0; i < n; i++)
        if (exp[i] == k)
            return 1;
    return 0;
}

/* Tokens that can start an operand: two of them in a row need a comma. */
static int starts_operand(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_NAME: case YYSYMBOL_INT: case YYSYMBOL_FLOAT: case YYSYMBOL_STRING:
    case YYSYMBOL_KW_NONE: case YYSYMBOL_KW_TRUE: case YYSYMBOL_KW_FALSE: case YYSYMBOL_ELLIPSIS:
    case YYSYMBOL_LAMBDA: case YYSYMBOL_NOT:
        return 1;
    default:
        return k == YYTRANSLATE('{');
    }
}

/* Raw tokens (from the scanner) that end an operand. */
static int ends_operand(int tok)
{
    switch (tok) {
    case NAME: case INT: case FLOAT: case STRING: case KW_NONE: case KW_TRUE: case KW_FALSE:
    case ELLIPSIS: case ')': case ']': case '}':
        return 1;
    default:
        return 0;
    }
}

/* The indentation width of the physical line holding off. */
static int line_indent_at(const biz_lexer *lx, int off)
{
    int start = off;
    while (start > 0 && lx->src->text[start - 1] != '\n')
        start--;
    int col = 0;
    for (int i = start; i < off; i++) {
        char c = lx->src->text[i];
        if (c == ' ')
            col++;
        else if (c == '\t')
            col = (col / 8 + 1) * 8;
        else
            break;
    }
    return col;
}

/* What a missing comma would have separated, from the innermost bracket. */
static const char *comma_context(const biz_lexer *lx)
{
    if (lx->depth <= 0 || lx->depth > BIZ_LEX_MAX_DEPTH)
        return "items";
    const biz_bracket *b = &lx->br[lx->depth - 1];
    switch (b->ch) {
    case '(':
        return b->after_def ? "parameters" : b->after_expr ? "arguments" : "tuple elements";
    case '[':
        return b->after_expr ? "subscripts" : "list elements";
    default:
        return b->saw_colon ? "dict items" : "set elements";
    }
}

/* Whether span s is the first token of an argument (after '(' or ','). */
static int starts_argument(const biz_lexer *lx, biz_span s)
{
    int i = s.begin.off;
    while (i > 0 && strchr(" \t\r\n", lx->src->text[i - 1]))
        i--;
    return i > 0 && (lx->src->text[i - 1] == '(' || lx->src->text[i - 1] == ',');
}

/* The source text of a span when it is short and on one line. */
static int short_text(const biz_lexer *lx, biz_span s, char *buf, size_t size)
{
    int n = s.end.off - s.begin.off;
    if (n <= 0 || (size_t)n >= size || n > 40 || s.end.line != s.begin.line)
        return 0;
    memcpy(buf, lx->src->text + s.begin.off, (size_t)n);
    buf[n] = '\0';
    return 1;
}

static const char *quoted_token(yysymbol_kind_t k, char *buf, size_t size)
{
    const char *name = yysymbol_name(k);
    size_t n = strlen(name);
    /* strip the double quotes bison may keep around an alias */
    if (n >= 2 && name[0] == '"' && name[n - 1] == '"')
        snprintf(buf, size, "%.*s", (int)(n - 2), name + 1);
    else
        snprintf(buf, size, "%s", name);
    return buf;
}

static const char *block_name(int tok)
{
    switch (tok) {
    case IF: return "if";
    case ELIF: return "elif";
    case ELSE: return "else";
    case FOR: return "for";
    case WHILE: return "while";
    case WITH: return "with";
    case DEF: return "def";
    case CLASS: return "class";
    case TRY: return "try";
    case EXCEPT: return "except";
    case FINALLY: return "finally";
    default: return NULL;
    }
}

/* Turns bison's view of a syntax error into one precise message. */
static int yyreport_syntax_error(const yypcontext_t *ctx, biz_parser *p)
{
    biz_lexer *lx = &p->lx;
    yysymbol_kind_t tok = yypcontext_token(ctx);
    biz_span at = *yypcontext_location(ctx);
    yysymbol_kind_t exp[YYNTOKENS];
    int n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
    if (n < 0)
        n = 0;

    /* INDENT and DEDENT come in pairs: a DEDENT out of place means error
     * recovery swallowed its INDENT, which was reported already */
    if (tok == YYSYMBOL_DEDENT && p->d->nerrors > 0)
        return 0;
    /* the scanner already explained the end of file or this line */
    if (lx->eof_stage && lx->eof_unclosed)
        return 0;
    if (lx->lex_err_line > 0 &&
        (lx->lex_err_line == at.begin.line || lx->lex_err_line == lx->prev_span.end.line))
        return 0;

    char msg[256], hint[256], text[64], tname[64];
    const char *h = NULL;
    biz_span where = at;
    biz_span after_prev = biz_span_at(lx->prev_span.end);
    int inside = lx->depth > 0 && lx->depth <= BIZ_LEX_MAX_DEPTH;
    const biz_bracket *b = inside ? &lx->br[lx->depth - 1] : NULL;

    if (tok == YYSYMBOL_INDENT) {
        snprintf(msg, sizeof msg, "unexpected indent");
    } else if (n == 1 && exp[0] == YYSYMBOL_INDENT) {
        const char *kw = block_name(lx->block_tok);
        if (kw)
            snprintf(msg, sizeof msg, "expected an indented block after '%s' statement on line %d",
                     kw, lx->block_line);
        else
            snprintf(msg, sizeof msg, "expected an indented block");
    } else if (inside && at.begin.line > b->span.begin.line &&
               line_indent_at(lx, at.begin.off) <= b->line_indent &&
               lx->unclosed_reported != b->span.begin.off) {
        /* the next statement started while a bracket was still open */
        snprintf(msg, sizeof msg, "'%c' was never closed", b->ch);
        where = b->span;
        lx->unclosed_reported = b->span.begin.off;
        /* forget the bracket (and those inside it) so that the end of
         * this line is a NEWLINE again and recovery resumes there */
        lx->depth = (int)(b - lx->br);
        /* the string ran to the end of the line, taking the ')' with it:
         * its error says it all, as in Python */
        if (b->span.begin.line == lx->unterm_line)
            return 0;
    } else if (inside && starts_operand(tok) &&
               ends_operand(lx->prev_tok) && has(exp, n, YYTRANSLATE(','))) {
        /* two operands in a row inside brackets: a comma is missing */
        snprintf(msg, sizeof msg, "expected ',' between %s", comma_context(lx));
        where = after_prev;
        if (lx->prev_tok == NAME && b->ch == '(' && b->after_expr && !b->after_def &&
            (tok == YYSYMBOL_STRING || tok == YYSYMBOL_INT || tok == YYSYMBOL_FLOAT) &&
            starts_argument(lx, lx->prev_span) && short_text(lx, lx->prev_span, text, sizeof text)) {
            /* f(task_id 'a'): a keyword without its '=' */
            snprintf(msg, sizeof msg, "expected '=' after keyword '%s'", text);
            snprintf(hint, sizeof hint, "write %s=value", text);
        } else if (short_text(lx, lx->prev_span, text, sizeof text))
            snprintf(hint, sizeof hint, lx->prev_tok == STRING ? "did you forget a comma after %s?"
                                                              : "did you forget a comma after '%s'?",
                     text);
        else
            snprintf(hint, sizeof hint, "did you forget a comma?");
        h = hint;
    } else if (has(exp, n, YYTRANSLATE(':')) && tok == YYSYMBOL_NEWLINE) {
        snprintf(msg, sizeof msg, "expected ':'");
        where = after_prev;
    } else if (n == 1 && tok != YYSYMBOL_NAME) {
        snprintf(msg, sizeof msg, "expected %s", quoted_token(exp[0], tname, sizeof tname));
        if (tok == YYSYMBOL_NEWLINE)
            where = after_prev;
    } else if ((tok == YYSYMBOL_NEWLINE || tok == YYSYMBOL_YYEOF) && has(exp, n, YYSYMBOL_INT)) {
        snprintf(msg, sizeof msg, "expected an expression");
    } else if (tok == YYSYMBOL_NEWLINE) {
        snprintf(msg, sizeof msg, "unexpected end of line");
        where = after_prev;
    } else if (has(exp, n, YYSYMBOL_DEF) && has(exp, n, YYSYMBOL_CLASS) && !has(exp, n, YYSYMBOL_NAME)) {
        snprintf(msg, sizeof msg, "expected 'def' or 'class' after a decorator");
    } else if (tok == YYSYMBOL_YYEOF) {
        snprintf(msg, sizeof msg, "unexpected end of file");
    } else if (tok == YYSYMBOL_DEDENT) {
        snprintf(msg, sizeof msg, "unexpected dedent");
    } else if (starts_operand(tok)) {
        snprintf(msg, sizeof msg, "invalid syntax");
        if (lx->prev_tok == NAME && short_text(lx, lx->prev_span, text, sizeof text) &&
            (strcmp(text, "print") == 0 || strcmp(text, "exec") == 0)) {
            /* Python 2's print statement: say so at the name, as Python 3 does. */
            snprintf(msg, sizeof msg, "missing parentheses in call to '%s'", text);
            snprintf(hint, sizeof hint, "did you mean %s(...)?", text);
            h = hint;
            where = lx->prev_span;
        }
    } else {
        snprintf(msg, sizeof msg, "unexpected %s", quoted_token(tok, tname, sizeof tname));
    }

    /* never two errors at the same place */
    if (biz_lex_seen_error(p->d, where.begin.off))
        return 0;
    biz_error(p->d, where, h, "%s%s", lx->fexpr ? "f-string: " : "", msg);
    return 0;
}

/* Parses the expression of an f-string field, src bytes [begin, end), with
 * the grammar's FEXPR entry; positions are the file's. */
static biz_expr *parse_field(biz_parser *p, int begin, int end)
{
    biz_parser *q = biz_xcalloc(1, sizeof *q);
    q->ast = p->ast;
    q->d = p->d;
    biz_expr *e = NULL;
    if (biz_lex_init_field(&q->lx, p->lx.src, p->d, p->ast, begin, end) == 0) {
        if (yyparse(q) == 0)
            e = q->fresult;
        biz_lex_destroy(&q->lx);
    }
    free(q);    /* NULL after an error: sema skips the f-string */
    return e;
}

/* Parses a whole source; see parse.h. */
biz_ast *biz_parse(const biz_source *src, biz_diags *d)
{
    biz_parser p;
    memset(&p, 0, sizeof p);
    p.ast = biz_ast_new(src->path);
    p.d = d;
    if (biz_lex_init(&p.lx, src, d, p.ast) != 0)
        return p.ast;
    yyparse(&p);
    biz_lex_destroy(&p.lx);
    return p.ast;
}
