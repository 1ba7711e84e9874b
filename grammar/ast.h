/* ast.h: the syntax tree of a .biz file (a subset of Python 3).
 *
 * Ownership: every node is allocated from the biz_ast arena of the file it
 * belongs to and freed with it (biz_ast_free). Nodes never own each other;
 * children are plain pointers into the same arena. Strings (names, literal
 * values) are copied into the arena too.
 *
 * The parser accepts more Python than sema compiles (if/for/while/return,
 * lambda, comparisons...) so that a user who writes them gets a precise
 * "cannot be compiled because ..." from sema instead of a syntax error.
 */
#ifndef BIZ_AST_H
#define BIZ_AST_H

#include <stddef.h>
#include <stdint.h>

/* A position in the source: 1-based line and column (columns count bytes),
 * plus the 0-based byte offset. */
typedef struct biz_pos {
    int line;
    int col;
    int off;
} biz_pos;

/* A source range [begin, end): end is one past the last byte. */
typedef struct biz_span {
    biz_pos begin;
    biz_pos end;
} biz_span;

/* ORDER: biz_ast_expr_kind_names[] in ast.c follows this enum. */
typedef enum biz_expr_kind {
    BIZ_E_NAME,      /* name.id */
    BIZ_E_INT,       /* int_value (overflow is a syntax error) */
    BIZ_E_FLOAT,     /* float_value */
    BIZ_E_STR,       /* str: value + pieces (implicit concatenation) */
    BIZ_E_TRUE,
    BIZ_E_FALSE,
    BIZ_E_NONE,
    BIZ_E_ELLIPSIS,  /* ... */
    BIZ_E_LIST,      /* seq */
    BIZ_E_TUPLE,     /* seq (parenthesised or bare a, b) */
    BIZ_E_SET,       /* seq ({a, b}) */
    BIZ_E_DICT,      /* dict */
    BIZ_E_CALL,      /* call */
    BIZ_E_ATTR,      /* attr: obj.name */
    BIZ_E_SUBSCRIPT, /* subscript: obj[index] */
    BIZ_E_BINOP,     /* binop: left op right (incl. >> and <<) */
    BIZ_E_UNARY,     /* unary: op operand (-, +, ~, not) */
    BIZ_E_BOOLOP,    /* binop with BIZ_ASTOP_AND / BIZ_ASTOP_OR */
    BIZ_E_COMPARE,   /* binop with a comparison op (chains nest left) */
    BIZ_E_IFEXP,     /* ifexp: body if cond else orelse */
    BIZ_E_LAMBDA,    /* lambda: parsed so sema can reject it clearly */
    BIZ_E_LISTCOMP,  /* comp: [elt for target in iter if cond] */
    BIZ_E_DICTCOMP,  /* comp: {key: elt for target in iter if cond} */
    BIZ_E_STARRED,   /* unary.operand: *x in a call or list */
    BIZ_E_SLICE,     /* slice: a:b:c inside a subscript */
    BIZ_E_FSTR,      /* fstr: f'text {expr!r:spec}' (also a format spec) */
    BIZ_E__COUNT
} biz_expr_kind;

/* ORDER: biz_ast_op_names[] in ast.c follows this enum. */
typedef enum biz_astop {
    BIZ_ASTOP_RSHIFT, BIZ_ASTOP_LSHIFT,
    BIZ_ASTOP_ADD, BIZ_ASTOP_SUB, BIZ_ASTOP_MUL, BIZ_ASTOP_DIV, BIZ_ASTOP_FLOORDIV,
    BIZ_ASTOP_MOD, BIZ_ASTOP_POW, BIZ_ASTOP_MATMUL,
    BIZ_ASTOP_BITOR, BIZ_ASTOP_BITAND, BIZ_ASTOP_BITXOR,
    BIZ_ASTOP_NEG, BIZ_ASTOP_POS, BIZ_ASTOP_INVERT, BIZ_ASTOP_NOT,
    BIZ_ASTOP_AND, BIZ_ASTOP_OR,
    BIZ_ASTOP_EQ, BIZ_ASTOP_NE, BIZ_ASTOP_LT, BIZ_ASTOP_LE, BIZ_ASTOP_GT, BIZ_ASTOP_GE,
    BIZ_ASTOP_IN, BIZ_ASTOP_NOT_IN, BIZ_ASTOP_IS, BIZ_ASTOP_IS_NOT,
    BIZ_ASTOP__COUNT
} biz_astop;

typedef struct biz_expr biz_expr;
typedef struct biz_stmt biz_stmt;

/* A growable array of pointers, used for every list in the tree. */
typedef struct biz_vec {
    void **items;
    int len;
    int cap;
} biz_vec;

/* One piece of a string literal. Adjacent literals "a" 'b' concatenate into
 * one BIZ_E_STR; each piece keeps where its body starts in the source so a
 * template error can be mapped from an offset in the value back to a
 * line:col. */
typedef struct biz_str_piece {
    biz_span span;      /* the whole literal, prefix and quotes included */
    biz_pos body;       /* the first byte after the opening quote(s) */
    int value_off;      /* where this piece's text starts in the joined value */
    int value_len;      /* its length in the joined value (after escapes) */
    int raw;            /* r-prefix: no escape processing */
    int triple;         /* ''' or """ */
    int has_escapes;    /* some escape changed the length: offsets inside
                           this piece map to source columns approximately */
} biz_str_piece;

/* One part of an f-string: literal text (expr NULL) or a replacement
 * field {expr!conv:spec}. The scanner splits the literal and records where
 * each field's expression is (src_begin..src_end); the parser parses it. */
typedef struct biz_fpart {
    const char *text;   /* literal text, escapes and {{ }} processed */
    size_t len;
    biz_expr *expr;     /* the field's expression, NULL for literal text */
    char conv;          /* 0, 'r', 's' or 'a' */
    biz_expr *spec;     /* the format spec (a BIZ_E_FSTR), NULL when absent */
    const char *debug;  /* {x=}: the text "x=" written before the value */
    biz_span span;      /* the field from '{' to '}', or the literal text */
    int src_begin, src_end;  /* source offsets of the expression */
    int broken;         /* a field whose error was reported (expr NULL) */
} biz_fpart;

typedef struct biz_keyword {
    const char *name;   /* NULL for **kwargs */
    biz_span name_span;
    biz_expr *value;
    biz_span span;      /* name=value */
} biz_keyword;

typedef struct biz_dict_item {
    biz_expr *key;      /* NULL for **other */
    biz_expr *value;
} biz_dict_item;

struct biz_expr {
    biz_expr_kind kind;
    biz_span span;
    union {
        struct { const char *id; } name;
        int64_t int_value;
        double float_value;
        struct {
            char *value;        /* joined, escapes processed, NUL-terminated */
            size_t len;         /* may contain NUL bytes from \x00 */
            biz_vec pieces;     /* biz_str_piece* */
        } str;
        biz_vec seq;            /* biz_expr* */
        biz_vec dict;           /* biz_dict_item* */
        struct {
            biz_expr *func;
            biz_vec args;       /* biz_expr* (positional, BIZ_E_STARRED for *a) */
            biz_vec keywords;   /* biz_keyword* */
            biz_span lparen;    /* the '(' : hints point here */
        } call;
        struct { biz_expr *obj; const char *name; biz_span name_span; } attr;
        struct { biz_expr *obj; biz_expr *index; } subscript;
        struct { biz_astop op; biz_expr *left; biz_expr *right; biz_span op_span; } binop;
        struct { biz_astop op; biz_expr *operand; } unary;
        struct { biz_expr *cond; biz_expr *body; biz_expr *orelse; } ifexp;
        struct { biz_vec params; biz_expr *body; } lambda; /* params: biz_param* */
        /* next: the following `for` clause (a BIZ_E_LISTCOMP whose elt and
         * key are unused), in `[x for a in A if c for x in a]` */
        struct { biz_expr *elt, *key; biz_expr *target; biz_expr *iter; biz_vec conds; biz_expr *next; } comp;
        struct { biz_expr *lower, *upper, *step; } slice;
        struct { biz_vec parts; } fstr;    /* biz_fpart* */
    } u;
};

/* A def parameter: name, optional default, * / ** markers. */
typedef struct biz_param {
    const char *name;
    biz_span span;
    biz_expr *annotation;   /* may be NULL */
    biz_expr *default_value; /* may be NULL */
    int star;               /* 1 for *args, 2 for **kwargs */
} biz_param;

/* `import a.b as c` / `from a.b import c as d` */
typedef struct biz_alias {
    const char *name;       /* dotted for import, plain for from-import; "*" */
    const char *asname;     /* NULL when absent */
    biz_span span;
} biz_alias;

typedef struct biz_with_item {
    biz_expr *context;
    biz_expr *target;       /* the `as` target, NULL when absent */
} biz_with_item;

/* ORDER: biz_ast_stmt_kind_names[] in ast.c follows this enum. */
typedef enum biz_stmt_kind {
    BIZ_S_EXPR,       /* expr */
    BIZ_S_ASSIGN,     /* assign: targets = value (a = b = v has 2 targets) */
    BIZ_S_AUGASSIGN,  /* augassign: target op= value */
    BIZ_S_ANNASSIGN,  /* assign with annotation: x: T = v */
    BIZ_S_IMPORT,     /* import: names */
    BIZ_S_FROM,       /* import: module, level, names */
    BIZ_S_DEF,        /* def */
    BIZ_S_WITH,       /* with */
    BIZ_S_PASS,
    BIZ_S_RETURN,     /* ret: value may be NULL */
    BIZ_S_IF,         /* if_: cond, body, orelse (elif nests as an IF) */
    BIZ_S_FOR,        /* for_ */
    BIZ_S_WHILE,      /* while_ */
    BIZ_S_BREAK,
    BIZ_S_CONTINUE,
    BIZ_S_RAISE,      /* ret.value may be NULL */
    BIZ_S_ASSERT,     /* ret.value */
    BIZ_S_DEL,        /* assign.targets */
    BIZ_S_GLOBAL,     /* import.names (names only) */
    BIZ_S_CLASS,      /* def (params = bases as keywords-less exprs in def.bases) */
    BIZ_S_TRY,        /* try_: parsed only to be rejected */
    BIZ_S__COUNT
} biz_stmt_kind;

struct biz_stmt {
    biz_stmt_kind kind;
    biz_span span;          /* the whole statement (first line for compound) */
    union {
        biz_expr *expr;
        struct { biz_vec targets; biz_expr *value; biz_expr *annotation; } assign;
        struct { biz_expr *target; biz_astop op; biz_expr *value; } augassign;
        struct {
            const char *module;  /* from-import: dotted module, NULL for `from . import` */
            int level;           /* leading dots */
            biz_vec names;       /* biz_alias* */
            biz_span module_span;/* from-import: where the module is written */
        } import;
        struct {
            const char *name;
            biz_span name_span;
            biz_vec decorators;  /* biz_expr* */
            biz_vec params;      /* biz_param* */
            biz_vec bases;       /* class only: biz_expr* */
            biz_expr *returns;   /* -> annotation, may be NULL */
            biz_vec body;        /* biz_stmt* */
        } def;
        struct { biz_vec items; biz_vec body; } with;   /* biz_with_item*, biz_stmt* */
        struct { biz_expr *value; } ret;
        struct { biz_expr *cond; biz_vec body; biz_vec orelse; } if_;
        struct { biz_expr *target; biz_expr *iter; biz_vec body; biz_vec orelse; } for_;
        struct { biz_expr *cond; biz_vec body; biz_vec orelse; } while_;
        struct { biz_vec body; } try_;
    } u;
};

/* One parsed file. */
typedef struct biz_ast {
    const char *path;       /* as given on the command line */
    biz_vec body;           /* biz_stmt* at module level */
    struct biz_arena *arena;
} biz_ast;

/* --- construction (used by the parser) ----------------------------------- */

/* Allocates zeroed memory in the arena (aborts on out-of-memory). */
void *biz_ast_alloc(biz_ast *ast, size_t size);
/* Copies a string (len bytes, then NUL) into the arena. */
char *biz_ast_strndup(biz_ast *ast, const char *s, size_t len);
/* Appends item to v (the vector's storage lives in the arena). */
void biz_vec_push(biz_ast *ast, biz_vec *v, void *item);

biz_expr *biz_expr_new(biz_ast *ast, biz_expr_kind kind, biz_span span);
biz_stmt *biz_stmt_new(biz_ast *ast, biz_stmt_kind kind, biz_span span);

/* Creates an empty tree for path. */
biz_ast *biz_ast_new(const char *path);
/* Frees the tree and every node in it. */
void biz_ast_free(biz_ast *ast);

/* --- inspection ----------------------------------------------------------- */

const char *biz_expr_kind_name(biz_expr_kind k);
const char *biz_stmt_kind_name(biz_stmt_kind k);
/* The operator as Python spells it (">>", "not in", ...). */
const char *biz_ast_op_name(biz_astop op);

/* Writes an S-expression of the tree to out (used by unit tests and
 * `bizc --dump-ast`). */
#include <stdio.h>
void biz_ast_dump(const biz_ast *ast, FILE *out);
void biz_expr_dump(const biz_expr *e, FILE *out);

/* The dotted name of an expression such as a.b.c, written into buf;
 * returns NULL when e is not a plain name/attribute chain. */
const char *biz_expr_dotted(const biz_expr *e, char *buf, size_t size);

#endif
