/* test_front.c: CUnit tests of the front end: the scanner (tokens,
 * indentation, strings, numbers, errors), the parser (trees as
 * S-expressions, the seed examples, syntax errors with their exact
 * messages and positions) and the diagnostics printer. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "ast.h"
#include "biz_parse.h"
#include "diag.h"
#include "parse.h"

/* ---- helpers ------------------------------------------------------------ */

#define CHECK_STR(actual, expected)                                               \
    do {                                                                          \
        const char *a_ = (actual), *e_ = (expected);                              \
        if (strcmp(a_, e_) != 0)                                                  \
            fprintf(stderr, "\n%s:%d: got:\n[%s]\nexpected:\n[%s]\n", __FILE__,    \
                    __LINE__, a_, e_);                                            \
        CU_ASSERT_STRING_EQUAL(a_, e_);                                           \
    } while (0)

static char outbuf[65536];

/* The token stream of text as "NAME(x) = INT(1) NL". */
static const char *lex(const char *text, int *nerrors)
{
    biz_source *src = biz_source_from_string("t.biz", text, strlen(text));
    biz_diags d;
    biz_diags_init(&d, src, NULL);
    biz_ast *ast = biz_ast_new("t.biz");
    biz_lexer lx;
    outbuf[0] = '\0';
    CU_ASSERT_FATAL(biz_lex_init(&lx, src, &d, ast) == 0);
    size_t used = 0;
    for (int i = 0; i < 1000; i++) {
        YYSTYPE v;
        YYLTYPE l;
        int t = biz_lex_token(&v, &l, &lx);
        char one[256];
        switch (t) {
        case 0: snprintf(one, sizeof one, "EOF"); break;
        case NAME: snprintf(one, sizeof one, "NAME(%s)", v.name); break;
        case INT: snprintf(one, sizeof one, "INT(%lld)", (long long)v.ival); break;
        case FLOAT: snprintf(one, sizeof one, "FLOAT(%g)", v.fval); break;
        case STRING: snprintf(one, sizeof one, "STR(%.*s)", (int)v.str->len, v.str->value); break;
        case NEWLINE: snprintf(one, sizeof one, "NL"); break;
        case INDENT: snprintf(one, sizeof one, "IN"); break;
        case DEDENT: snprintf(one, sizeof one, "DE"); break;
        default: {
            const char *n = biz_lex_token_name(t);
            size_t k = strlen(n);
            if (k >= 2 && n[0] == '\'' && n[k - 1] == '\'')
                snprintf(one, sizeof one, "%.*s", (int)(k - 2), n + 1);
            else
                snprintf(one, sizeof one, "%s", n);
        }
        }
        used += (size_t)snprintf(outbuf + used, sizeof outbuf - used, "%s%s", used ? " " : "", one);
        if (t == 0)
            break;
    }
    if (nerrors)
        *nerrors = d.nerrors;
    biz_lex_destroy(&lx);
    biz_ast_free(ast);
    biz_diags_free(&d);
    biz_source_free(src);
    return outbuf;
}

/* The first string literal of text (a statement `x = <literal>`). */
static biz_expr *first_str(biz_ast *ast)
{
    if (ast->body.len < 1)
        return NULL;
    biz_stmt *s = ast->body.items[0];
    if (s->kind != BIZ_S_ASSIGN)
        return NULL;
    return s->u.assign.value;
}

/* Parses text: the dump goes to outbuf, diagnostics (printed) to diagbuf. */
static char diagbuf[65536];
static int parse_text(const char *text)
{
    biz_source *src = biz_source_from_string("t.biz", text, strlen(text));
    FILE *df = fmemopen(diagbuf, sizeof diagbuf, "w");
    biz_diags d;
    biz_diags_init(&d, src, df);
    biz_ast *ast = biz_parse(src, &d);
    fclose(df);
    FILE *of = fmemopen(outbuf, sizeof outbuf, "w");
    biz_ast_dump(ast, of);
    fclose(of);
    int n = d.nerrors;
    biz_ast_free(ast);
    biz_diags_free(&d);
    biz_source_free(src);
    return n;
}

/* The dump of text, which must parse without errors. */
static const char *dump(const char *text)
{
    int n = parse_text(text);
    if (n)
        fprintf(stderr, "\nunexpected errors for [%s]:\n%s", text, diagbuf);
    CU_ASSERT_EQUAL(n, 0);
    return outbuf;
}

/* The printed diagnostics of text. */
static const char *errors(const char *text)
{
    parse_text(text);
    return diagbuf;
}

/* ---- scanner ------------------------------------------------------------- */

static void test_lex_basic(void)
{
    int e;
    CHECK_STR(lex("x = f(a, b=1)\n", &e), "NAME(x) = NAME(f) ( NAME(a) , NAME(b) = INT(1) ) NL EOF");
    CU_ASSERT_EQUAL(e, 0);
    CHECK_STR(lex("a >> b << c != d ** e // f -> ...\n", NULL),
              "NAME(a) >> NAME(b) << NAME(c) != NAME(d) ** NAME(e) // NAME(f) -> ... NL EOF");
    CHECK_STR(lex("x += 1; y **= 2 # comment\n", NULL),
              "NAME(x) += INT(1) ; NAME(y) **= INT(2) NL EOF");
    CHECK_STR(lex("if not x is None and True: pass\n", NULL),
              "if not NAME(x) is None and True : pass NL EOF");
    /* a NEWLINE at the end even without a final newline */
    CHECK_STR(lex("x", NULL), "NAME(x) NL EOF");
    CHECK_STR(lex("", NULL), "EOF");
    CHECK_STR(lex("# only a comment", NULL), "EOF");
    CHECK_STR(lex("\n\n  \n# c\nx\n\n", NULL), "NAME(x) NL EOF");
}

static void test_lex_indent(void)
{
    CHECK_STR(lex("if a:\n    b\n    if c:\n        d\ne\n", NULL),
              "if NAME(a) : NL IN NAME(b) NL if NAME(c) : NL IN NAME(d) NL DE DE NAME(e) NL EOF");
    /* pending DEDENTs at EOF, after the final NEWLINE */
    CHECK_STR(lex("def f():\n  if x:\n    y", NULL),
              "def NAME(f) ( ) : NL IN if NAME(x) : NL IN NAME(y) NL DE DE EOF");
    /* blank and comment lines inside a block yield nothing */
    CHECK_STR(lex("if a:\n    b\n\n  # c\n    c\n", NULL),
              "if NAME(a) : NL IN NAME(b) NL NAME(c) NL DE EOF");
    /* a tab advances to the next multiple of 8 */
    CHECK_STR(lex("if a:\n\tb\n\tc\n", NULL), "if NAME(a) : NL IN NAME(b) NL NAME(c) NL DE EOF");
    /* implicit joining inside brackets, explicit with a backslash */
    CHECK_STR(lex("x = (1,\n        2)\ny = 1 + \\\n  2\n", NULL),
              "NAME(x) = ( INT(1) , INT(2) ) NL NAME(y) = INT(1) + INT(2) NL EOF");
    CHECK_STR(lex("d = {\n  'a': [\n1]}\n", NULL), "NAME(d) = { STR(a) : [ INT(1) ] } NL EOF");
}

static void test_lex_strings(void)
{
    CHECK_STR(lex("'a\\tb\\n' \"q\\\"\" r'\\d' '\\x41\\101\\u00e9\\U0001F600'\n", NULL),
              "STR(a\tb\n) STR(q\") STR(\\d) STR(AA\xc3\xa9\xf0\x9f\x98\x80) NL EOF");
    CHECK_STR(lex("'''a\n'b'\n''' \"\"\"x\"\"\" '' \"\"\n", NULL),
              "STR(a\n'b'\n) STR(x) STR() STR() NL EOF");
    CHECK_STR(lex("'a\\\nb' u'x' R'\\n'\n", NULL), "STR(ab) STR(x) STR(\\n) NL EOF");
    CHECK_STR(lex("'\\d\\''\n", NULL), "STR(\\d') NL EOF");
}

static void test_lex_numbers(void)
{
    int e;
    CHECK_STR(lex("0 7 0x1F 0o17 0b101 1_000 9223372036854775807\n", &e),
              "INT(0) INT(7) INT(31) INT(15) INT(5) INT(1000) INT(9223372036854775807) NL EOF");
    CU_ASSERT_EQUAL(e, 0);
    CHECK_STR(lex("1.5 .5 1e3 1_000.5 2.5E-1 1.\n", &e),
              "FLOAT(1.5) FLOAT(0.5) FLOAT(1000) FLOAT(1000.5) FLOAT(0.25) FLOAT(1) NL EOF");
    CU_ASSERT_EQUAL(e, 0);
    lex("x = 9223372036854775808\n", &e);
    CU_ASSERT_EQUAL(e, 1);
}

static void test_lex_errors(void)
{
    CHECK_STR(errors("x = $\n"),
              "t.biz:1:5: error: invalid character '$'\n"
              "    1 | x = $\n"
              "      |     ^\n");
    CHECK_STR(errors("x = a ? b\n"),
              "t.biz:1:7: error: invalid character '?'\n"
              "    1 | x = a ? b\n"
              "      |       ^\n");
    CHECK_STR(errors("y = 1\nx = 'abc\n"),
              "t.biz:2:5: error: unterminated string literal\n"
              "    2 | x = 'abc\n"
              "      |     ^\n");
    CHECK_STR(errors("x = \"\"\"abc\n\n"),
              "t.biz:1:5: error: unterminated triple-quoted string literal\n"
              "    1 | x = \"\"\"abc\n"
              "      |     ^~~\n");
    CHECK_STR(errors("x = b'a'\n"),
              "t.biz:1:5: error: bytes literals are not supported\n"
              "    1 | x = b'a'\n"
              "      |     ^~~~\n");
    CHECK_STR(errors("x = 99999999999999999999\n"),
              "t.biz:1:5: error: integer literal is too large (the limit is 9223372036854775807)\n"
              "    1 | x = 99999999999999999999\n"
              "      |     ^~~~~~~~~~~~~~~~~~~~\n");
    CHECK_STR(errors("x = 2j\n"),
              "t.biz:1:5: error: imaginary numbers are not supported\n"
              "    1 | x = 2j\n"
              "      |     ^~\n");
    CHECK_STR(errors("caf\xc3\xa9 = 1\n"),
              "t.biz:1:1: error: non-ASCII identifier 'caf\xc3\xa9' is not supported\n"
              "    1 | caf\xc3\xa9 = 1\n"
              "      | ^~~~\n"
              "      = hint: names must be ASCII letters, digits and '_'\n");
    CHECK_STR(errors("x = '\\N{DASH}'\n"),
              "t.biz:1:6: error: \\N{...} escapes are not supported\n"
              "    1 | x = '\\N{DASH}'\n"
              "      |      ^~~~~~~~\n"
              "      = hint: write the character itself or use \\u/\\U with its code point\n");
    CHECK_STR(errors("x = 1abc\n"),
              "t.biz:1:5: error: invalid decimal literal\n"
              "    1 | x = 1abc\n"
              "      |     ^~~~\n");
    CHECK_STR(errors("x = 1 \\ 2\n"),
              "t.biz:1:7: error: unexpected character after line continuation character\n"
              "    1 | x = 1 \\ 2\n"
              "      |       ^\n");
}

/* ---- f-strings ------------------------------------------------------------ */

static void test_fstrings(void)
{
    CHECK_STR(dump("x = f'sync_{name}'\n"), "(= x (fstr \"sync_\" (field name)))\n");
    CHECK_STR(dump("x = F\"{{{{ ds }}}}\"\n"), "(= x (fstr \"{{ ds }}\"))\n");
    CHECK_STR(dump("x = rf'\\d{a!r:>{w}}' Rf\"\"\"{b=}\"\"\"\n"),
              "(= x (fstr \"\\\\d\" (field a !r (fstr \">\" (field w))) (field b \"b=\")))\n");
    CHECK_STR(dump("x = 'a' f'{b + 1:03d}' \"c\\n\"\n"),
              "(= x (fstr \"a\" (field (+ b 1) (fstr \"03d\")) \"c\\n\"))\n");
    CHECK_STR(dump("x = f'''{\n  d['k'] }'''\n"), "(= x (fstr (field ([] d \"k\"))))\n");
    CHECK_STR(dump("x = f'{a == b}{c != d}{e!s}'\n"),
              "(= x (fstr (field (== a b)) (field (!= c d)) (field e !s)))\n");
    CHECK_STR(errors("x = f'{a'\n"),
              "t.biz:1:7: error: f-string: expecting '}'\n"
              "    1 | x = f'{a'\n"
              "      |       ^\n");
    CHECK_STR(errors("x = f'a}b'\n"),
              "t.biz:1:8: error: f-string: single '}' is not allowed\n"
              "    1 | x = f'a}b'\n"
              "      |        ^\n"
              "      = hint: write '}}' for a literal '}'\n");
    CHECK_STR(errors("x = f'{}'\n"),
              "t.biz:1:7: error: f-string: empty expression not allowed\n"
              "    1 | x = f'{}'\n"
              "      |       ^~\n");
    CHECK_STR(errors("x = f'{a!x}'\n"),
              "t.biz:1:9: error: f-string: invalid conversion character: expected 's', 'r', or 'a'\n"
              "    1 | x = f'{a!x}'\n"
              "      |         ^~\n");
    CHECK_STR(errors("x = (\n    f'{a +* b}')\n"),
              "t.biz:2:11: error: f-string: unexpected '*'\n"
              "    2 |     f'{a +* b}')\n"
              "      |           ^\n");
    CHECK_STR(errors("x = f'{a b}'\n"),
              "t.biz:1:10: error: f-string: invalid syntax\n"
              "    1 | x = f'{a b}'\n"
              "      |          ^\n");
    CHECK_STR(errors("x = f'{a:{b:{c}}}'\n"),
              "t.biz:1:13: error: f-string: expressions nested too deeply\n"
              "    1 | x = f'{a:{b:{c}}}'\n"
              "      |             ^\n");
    CHECK_STR(errors("x = f'{a\\n}'\n"),
              "t.biz:1:9: error: f-string expression part cannot include a backslash\n"
              "    1 | x = f'{a\\n}'\n"
              "      |         ^\n");
}

/* ---- string pieces -------------------------------------------------------- */

static void test_str_pieces(void)
{
    const char *text = "x = 'ab' \\\n    \"c\\td\" r'''e\nf'''\n";
    biz_source *src = biz_source_from_string("t.biz", text, strlen(text));
    biz_diags d;
    biz_diags_init(&d, src, NULL);
    biz_ast *ast = biz_parse(src, &d);
    CU_ASSERT_EQUAL(d.nerrors, 0);
    biz_expr *e = first_str(ast);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(e->kind, BIZ_E_STR);
    CU_ASSERT_EQUAL(e->u.str.len, 8);
    CU_ASSERT_EQUAL(memcmp(e->u.str.value, "abc\tde\nf", 9), 0);
    CU_ASSERT_EQUAL_FATAL(e->u.str.pieces.len, 3);
    biz_str_piece *p0 = e->u.str.pieces.items[0], *p1 = e->u.str.pieces.items[1],
                  *p2 = e->u.str.pieces.items[2];
    CU_ASSERT_EQUAL(p0->value_off, 0);
    CU_ASSERT_EQUAL(p0->value_len, 2);
    CU_ASSERT_EQUAL(p0->body.line, 1);
    CU_ASSERT_EQUAL(p0->body.col, 6);
    CU_ASSERT_EQUAL(p0->span.begin.col, 5);
    CU_ASSERT_EQUAL(p0->span.end.col, 9);
    CU_ASSERT_EQUAL(p0->has_escapes, 0);
    CU_ASSERT_EQUAL(p1->value_off, 2);
    CU_ASSERT_EQUAL(p1->value_len, 3);
    CU_ASSERT_EQUAL(p1->body.line, 2);
    CU_ASSERT_EQUAL(p1->body.col, 6);
    CU_ASSERT_EQUAL(p1->has_escapes, 1);
    CU_ASSERT_EQUAL(p2->value_off, 5);
    CU_ASSERT_EQUAL(p2->value_len, 3);
    CU_ASSERT_EQUAL(p2->raw, 1);
    CU_ASSERT_EQUAL(p2->triple, 1);
    CU_ASSERT_EQUAL(p2->body.off, (int)(strstr(text, "e\nf") - text));
    /* the whole expression spans from the first quote to the last */
    CU_ASSERT_EQUAL(e->span.begin.line, 1);
    CU_ASSERT_EQUAL(e->span.begin.col, 5);
    CU_ASSERT_EQUAL(e->span.end.line, 3);
    CU_ASSERT_EQUAL(e->span.end.col, 5);
    biz_ast_free(ast);
    biz_diags_free(&d);
    biz_source_free(src);
}

/* ---- parser: trees ---------------------------------------------------------- */

static void test_parse_statements(void)
{
    CHECK_STR(dump("a, b = 1, 2\nx = y = f(*a, **k, z=1)\nx += 1\nx: int = 3\n"),
              "(= (tuple a b) (tuple 1 2))\n"
              "(= x y (call f (* a) (** k) (kw z 1)))\n"
              "(+= x 1)\n"
              "(: x int 3)\n");
    CHECK_STR(dump("import a.b as c, d\nfrom . import x\nfrom ..a import (b as c, d,)\nfrom a.b import *\n"),
              "(import (a.b c) d)\n(from . x)\n(from ..a (b c) d)\n(from a.b *)\n");
    CHECK_STR(dump("if a:\n    pass\nelif b:\n    x = 1\nelse:\n    y\n"),
              "(if a (then (pass)) (else (if b (then (= x 1)) (else (expr y)))))\n");
    CHECK_STR(dump("for i, j in z:\n  continue\nelse:\n  break\nwhile x: x -= 1\n"),
              "(for (tuple i j) z (do (continue)) (else (break)))\n(while x (do (-= x 1)))\n");
    CHECK_STR(dump("@dec(1)\n@other\ndef f(a, b: int = 1, *args, c, **kw) -> int:\n    \"\"\"doc\"\"\"\n    return a\n"),
              "(def f (params a (= (: b int) 1) (* args) c (** kw)) (decorators (call dec 1) other) "
              "(returns int) (body (expr \"doc\") (return a)))\n");
    CHECK_STR(dump("class A(B):\n    x = 1\ntry:\n    pass\nexcept E as e:\n    raise\nfinally:\n    del a, b[1]\n"),
              "(class A (bases B) (body (= x 1)))\n(try (body (pass)))\n");
    CHECK_STR(dump("with a as b, c as d: pass\nglobal g, h\nassert x, 'm'\nreturn\nraise E\n"),
              "(with ((as a b) (as c d)) (body (pass)))\n(global g h)\n(assert x)\n(return)\n(raise E)\n");
    CHECK_STR(dump("x = 1; y = 2;\n"), "(= x 1)\n(= y 2)\n");
}

static void test_parse_expressions(void)
{
    CHECK_STR(dump("x = lambda a, b=2: a < b <= c\n"),
              "(= x (lambda (params a (= b 2)) (<= (< a b) c)))\n");
    CHECK_STR(dump("y = not a and b or c\n"), "(= y (or (and (not a) b) c))\n");
    CHECK_STR(dump("z = a is not b, a not in b\n"), "(= z (tuple (is not a b) (not in a b)))\n");
    CHECK_STR(dump("w = [i * 2 for i in range(10) if i if not i]\n"),
              "(= w (listcomp (* i 2) (for i (call range 10)) (if i) (if (not i))))\n");
    CHECK_STR(dump("v = {1, 2}\nd = {'a': 1, **o}\ne = {}\n"),
              "(= v (set 1 2))\n(= d (dict (\"a\" 1) (** o)))\n(= e (dict))\n");
    CHECK_STR(dump("u = x[1:2, ::3]\nq = x[i]\n"),
              "(= u ([] x (tuple (slice 1 2 _) (slice _ _ 3))))\n(= q ([] x i))\n");
    CHECK_STR(dump("t = a >> b << c | d & e ^ f\n"), "(= t (| (<< (>> a b) c) (^ (& d e) f)))\n");
    CHECK_STR(dump("r = -x ** 2 + 3 * 4 - 5 / 6 // 7 % 8\n"),
              "(= r (- (+ (- (** x 2)) (* 3 4)) (% (// (/ 5 6) 7) 8)))\n");
    CHECK_STR(dump("s = a if b else c\n"), "(= s (ifexp b a c))\n");
    CHECK_STR(dump("x = (1,)\ny = ()\nz = (1)\nw = [*a, b]\n"),
              "(= x (tuple 1))\n(= y (tuple))\n(= z 1)\n(= w (list (* a) b))\n");
    CHECK_STR(dump("x = a.b.c(d)[0].e\n"), "(= x (. ([] (call (. (. a b) c) d) 0) e))\n");
    CHECK_STR(dump("x = 'a' \"b\" '''c'''\n"), "(= x \"abc\")\n");
    CHECK_STR(dump("x = ..., None, True, False, 1.5\n"), "(= x (tuple ... None True False 1.5))\n");
    CHECK_STR(dump("task_a >> [task_b, task_c] >> task_d\n"),
              "(expr (>> (>> task_a (list task_b task_c)) task_d))\n");
}

static void test_parse_spans(void)
{
    const char *text = "t = Op(\n    task_id='x',\n)\n";
    biz_source *src = biz_source_from_string("t.biz", text, strlen(text));
    biz_diags d;
    biz_diags_init(&d, src, NULL);
    biz_ast *ast = biz_parse(src, &d);
    CU_ASSERT_EQUAL_FATAL(ast->body.len, 1);
    biz_stmt *s = ast->body.items[0];
    biz_expr *call = s->u.assign.value;
    CU_ASSERT_EQUAL_FATAL(call->kind, BIZ_E_CALL);
    CU_ASSERT_EQUAL(call->span.begin.line, 1);
    CU_ASSERT_EQUAL(call->span.begin.col, 5);
    CU_ASSERT_EQUAL(call->span.end.line, 3);
    CU_ASSERT_EQUAL(call->span.end.col, 2);
    CU_ASSERT_EQUAL(call->u.call.lparen.begin.col, 7);
    CU_ASSERT_EQUAL_FATAL(call->u.call.keywords.len, 1);
    biz_keyword *k = call->u.call.keywords.items[0];
    CU_ASSERT_STRING_EQUAL(k->name, "task_id");
    CU_ASSERT_EQUAL(k->name_span.begin.line, 2);
    CU_ASSERT_EQUAL(k->name_span.begin.col, 5);
    CU_ASSERT_EQUAL(k->name_span.end.col, 12);
    CU_ASSERT_EQUAL(k->span.end.col, 16);
    char buf[64];
    CU_ASSERT_STRING_EQUAL(biz_expr_dotted(call->u.call.func, buf, sizeof buf), "Op");
    biz_ast_free(ast);
    biz_diags_free(&d);
    biz_source_free(src);
}

/* The code blocks of the seed documents (coworks-docs-biz*.rst). */
static const char *const seed_examples[] = {
    "from coworks.biz import biz\n\nDEFAULT_ARGS = {\n    'retries': 1,\n"
    "    'retry_delay': timedelta(minutes=5),\n    'email': \"gdoumenc@neorezo.io\",\n"
    "    'email_on_failure': True,\n    'email_on_retry': False,\n}\n\n\n"
    "@biz(\n    default_args=DEFAULT_ARGS,\n    tags=['coworks', 'sample'],\n"
    "    start_date=datetime(2022, 1, 1),\n    schedule_interval=None,\n    catchup=False,\n"
    "    render_template_as_native_obj=True,\n)\ndef my_first_biz(data):\n    ...\n",

    "create_invoice = TechMicroServiceOperator(\n    task_id='create_invoice',\n"
    "    cws_name='neorezo-billing_invoice-eshop',\n    method='POST',\n    entry=\"/invoice\",\n"
    "    json=\"{{ dag_run.conf['data'] }}\",\n)\n",

    "create_invoice = TechMicroServiceOperator(\n    task_id='create_invoice',\n    api_id='xxxxx',\n"
    "    stage='v1',\n    token='yyyy',\n    method='POST',\n    entry=\"/invoice\",\n"
    "    json=\"{{ dag_run.conf['data'] }}\",\n)\n",

    "await_invoice = AsyncTechMicroServiceSensor(\n    task_id='await_invoice',\n"
    "    cws_task_id='neorezo-billing_invoice-eshop',\n)\n",

    "invoice = TechMicroServiceAsyncGroup(\n    'invoice',\n    cws_name='neorezo-billing_invoice-eshop',\n"
    "    method='POST',\n    entry=\"/invoice\",\n    json=\"{{ dag_run.conf['data'] }}\",\n)\n",

    "invoice >> send_mail(invoice.output)\n",

    "ti.xcom_pull(task_ids='invoice.read')\n",

    "from datetime import datetime\nfrom datetime import timedelta\n\n"
    "from coworks.biz import TechMicroServiceAsyncGroup\nfrom coworks.biz import TechMicroServiceOperator\n"
    "from coworks.biz import biz\n\nDEFAULT_ARGS = {\n    'retries': 1,\n"
    "    'retry_delay': timedelta(minutes=5),\n    'email': \"gdoumenc@neorezo.io\",\n"
    "    'email_on_failure': True,\n    'email_on_retry': False,\n}\n\n\n"
    "# noinspection PyTypeChecker,PyArgumentList\n@biz(\n    default_args=DEFAULT_ARGS,\n"
    "    tags=['air-et-sante', 'send', 'orders'],\n    start_date=datetime(2023, 1, 1),\n"
    "    schedule_interval='@daily',\n    catchup=False,\n)\ndef first():\n"
    "    simple = TechMicroServiceAsyncGroup(\n        'simple',\n        api_id=\"xxxx\",\n"
    "        stage=\"dev\",\n        token=\"token\",\n        method='GET',\n        entry='/',\n    )\n\n"
    "    @task()\n    def print_result():\n        context = get_current_context()\n"
    "        ti = context[\"ti\"]\n        result = ti.xcom_pull(task_ids='simple.read')\n"
    "        print(result)\n\n    simple >> print_result\n\n\nfirst = first()\n",
};

static void test_parse_seed(void)
{
    for (size_t i = 0; i < sizeof seed_examples / sizeof *seed_examples; i++) {
        int n = parse_text(seed_examples[i]);
        if (n)
            fprintf(stderr, "\nseed example %zu:\n%s", i, diagbuf);
        CU_ASSERT_EQUAL(n, 0);
        CU_ASSERT(strlen(outbuf) > 0);
    }
    dump(seed_examples[7]);
    CU_ASSERT_PTR_NOT_NULL(strstr(outbuf, "(def first (params) (decorators (call biz (kw default_args "
                                          "DEFAULT_ARGS)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(outbuf, "(expr (>> simple print_result))"));
    CU_ASSERT_PTR_NOT_NULL(strstr(outbuf, "(= first (call first))"));
}

/* ---- parser: syntax errors ------------------------------------------------ */

static void test_missing_comma(void)
{
    CHECK_STR(errors("check_invoice = BranchTechMicroServiceOperator(\n"
                     "    task_id='check_invoice',\n"
                     "    cws_task_id='neorezo-billing_invoice-eshop',\n"
                     "    on_success = \"sent_to_customer\"\n"
                     "    on_failure = \"mail_error\"\n"
                     ")\n"),
              "t.biz:4:36: error: expected ',' between arguments\n"
              "    4 |     on_success = \"sent_to_customer\"\n"
              "      |                                    ^\n"
              "      = hint: did you forget a comma after \"sent_to_customer\"?\n");
    CHECK_STR(errors("x = [1 2]\n"),
              "t.biz:1:7: error: expected ',' between list elements\n"
              "    1 | x = [1 2]\n"
              "      |       ^\n"
              "      = hint: did you forget a comma after '1'?\n");
    CHECK_STR(errors("d = {'a': 1\n     'b': 2}\n"),
              "t.biz:1:12: error: expected ',' between dict items\n"
              "    1 | d = {'a': 1\n"
              "      |            ^\n"
              "      = hint: did you forget a comma after '1'?\n");
    CHECK_STR(errors("f(a b)\n"),
              "t.biz:1:4: error: expected ',' between arguments\n"
              "    1 | f(a b)\n"
              "      |    ^\n"
              "      = hint: did you forget a comma after 'a'?\n");
    CHECK_STR(errors("t = (x y)\n"),
              "t.biz:1:7: error: expected ',' between tuple elements\n"
              "    1 | t = (x y)\n"
              "      |       ^\n"
              "      = hint: did you forget a comma after 'x'?\n");
    CHECK_STR(errors("def f(a b): pass\n"),
              "t.biz:1:8: error: expected ',' between parameters\n"
              "    1 | def f(a b): pass\n"
              "      |        ^\n"
              "      = hint: did you forget a comma after 'a'?\n");
    CHECK_STR(errors("s = {1 2}\n"),
              "t.biz:1:7: error: expected ',' between set elements\n"
              "    1 | s = {1 2}\n"
              "      |       ^\n"
              "      = hint: did you forget a comma after '1'?\n");
    CHECK_STR(errors("f(g(x) y)\n"),
              "t.biz:1:7: error: expected ',' between arguments\n"
              "    1 | f(g(x) y)\n"
              "      |       ^\n"
              "      = hint: did you forget a comma after ')'?\n");
}

struct err_case {
    const char *text;
    const char *first_line;     /* the first line of the output */
    int count;                  /* how many errors */
};

static const struct err_case err_cases[] = {
    {"def f()\n    pass\n", "t.biz:1:8: error: expected ':'", 1},
    {"if x\n    pass\n", "t.biz:1:5: error: expected ':'", 1},
    {"for x in y\n  pass\n", "t.biz:1:11: error: expected ':'", 1},
    {"class A\n  pass\n", "t.biz:1:8: error: expected ':'", 1},
    {"x = (1, 2\n", "t.biz:1:5: error: '(' was never closed", 1},
    {"x = [1, 2\ny = 3\n", "t.biz:1:5: error: '[' was never closed", 1},
    {"y = f(2\nz = 3\n", "t.biz:1:6: error: '(' was never closed", 1},
    {"x = 1)\n", "t.biz:1:6: error: unmatched ')'", 1},
    {"f(a]\n", "t.biz:1:4: error: closing parenthesis ']' does not match opening parenthesis '('", 1},
    {"def f():\nreturn 1\n", "t.biz:2:1: error: expected an indented block after 'def' statement on line 1", 1},
    {"x = 1\nif x:\n\ny = 2\n", "t.biz:4:1: error: expected an indented block after 'if' statement on line 2", 1},
    {"def f():\n", "t.biz:1:9: error: expected an indented block after 'def' statement on line 1", 1},
    {"x = 1\n    y = 2\nz = 3\n", "t.biz:2:5: error: unexpected indent", 1},
    {"if x:\n        a\n    b\n", "t.biz:3:5: error: unindent does not match any outer indentation level", 1},
    {"if x:\n\tif y:\n        pass\n", "t.biz:3:1: error: inconsistent use of tabs and spaces in indentation", 1},
    {"print \"x\"\n", "t.biz:1:1: error: missing parentheses in call to 'print'", 1},
    {"x = 1 2\n", "t.biz:1:7: error: invalid syntax", 1},
    {"f(a, , b)\n", "t.biz:1:6: error: unexpected ','", 1},
    {"f(a=)\n", "t.biz:1:5: error: unexpected ')'", 1},
    {"x = \n", "t.biz:1:5: error: expected an expression", 1},
    {"x = 1 +\n", "t.biz:1:8: error: expected an expression", 1},
    {"import\n", "t.biz:1:7: error: expected a name", 1},
    {"def f:\n  pass\n", "t.biz:1:6: error: expected '('", 1},
    {"else:\n  pass\n", "t.biz:1:1: error: unexpected 'else'", 1},
    {"f(x) = 1\n", "t.biz:1:1: error: cannot assign to function call", 1},
    {"1 = x\n", "t.biz:1:1: error: cannot assign to literal", 1},
    {"def f(a=1, b): pass\n", "t.biz:1:12: error: non-default argument follows default argument", 1},
    {"f(a.b=1)\n", "t.biz:1:3: error: expression cannot contain assignment, perhaps you meant \"==\"?", 1},
    {"x = 0777\n", "t.biz:1:5: error: leading zeros in decimal integer literals are not permitted", 1},
    {"x = \xe2\x80\x9c" "a\xe2\x80\x9d\n", "t.biz:1:5: error: invalid character '\xe2\x80\x9c' (U+201C)", 1},
    {"x = !a\n", "t.biz:1:5: error: invalid character '!'", 1},
    {"x = y +\n", "t.biz:1:8: error: expected an expression", 1},
    /* every error of a file in one run, one per statement */
    {"x = 1 2\ny = (\n 1 2)\nz = [a b]\nok = 1\n", "t.biz:1:7: error: invalid syntax", 3},
    {"if x:\n  a = 1\n  b = = 2\n  c = 3\nd = 4 4\n", "t.biz:3:7: error: unexpected '='", 2},
    {"def f(:\n  pass\n", "t.biz:1:7: error: unexpected ':'", 2},
};

static void test_syntax_errors(void)
{
    for (size_t i = 0; i < sizeof err_cases / sizeof *err_cases; i++) {
        const struct err_case *c = &err_cases[i];
        int n = parse_text(c->text);
        size_t len = strcspn(diagbuf, "\n");
        char first[512];
        snprintf(first, sizeof first, "%.*s", (int)len, diagbuf);
        if (strcmp(first, c->first_line) != 0 || n != c->count)
            fprintf(stderr, "\ncase %zu [%s]: %d errors:\n%s", i, c->text, n, diagbuf);
        CU_ASSERT_STRING_EQUAL(first, c->first_line);
        CU_ASSERT_EQUAL(n, c->count);
    }
}

static void test_error_recovery_keeps_statements(void)
{
    int n = parse_text("a = 1\nb = = 2\nc = 3\nif x:\n    d = (\n    e = 4\nf = 5\n");
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(outbuf, "(= a 1)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(outbuf, "(= c 3)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(outbuf, "(= f 5)\n"));
}

/* ---- diagnostics ------------------------------------------------------------ */

static void test_diag_format(void)
{
    const char *text = "x = TechMicroServiceOperator(\n        cws_nmae='billing',\n)\n";
    biz_source *src = biz_source_from_string("examples/x.biz", text, strlen(text));
    char buf[2048];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    biz_diags d;
    biz_diags_init(&d, src, f);
    biz_span s = {biz_source_pos(src, 38), biz_source_pos(src, 46)};
    biz_error(&d, s, "did you mean 'cws_name'?", "unknown argument '%s' for %s", "cws_nmae",
              "TechMicroServiceOperator");
    biz_warning(&d, biz_span_at(biz_source_pos(src, 0)), NULL, "a warning");
    biz_note(&d, biz_span_at(biz_source_pos(src, 4)), "a note");
    fclose(f);
    CHECK_STR(buf,
              "examples/x.biz:2:9: error: unknown argument 'cws_nmae' for TechMicroServiceOperator\n"
              "    2 |         cws_nmae='billing',\n"
              "      |         ^~~~~~~~\n"
              "      = hint: did you mean 'cws_name'?\n"
              "examples/x.biz:1:1: warning: a warning\n"
              "    1 | x = TechMicroServiceOperator(\n"
              "      | ^\n"
              "examples/x.biz:1:5: note: a note\n"
              "    1 | x = TechMicroServiceOperator(\n"
              "      |     ^\n");
    CU_ASSERT_EQUAL(d.nerrors, 1);
    CU_ASSERT_EQUAL(d.nwarnings, 1);
    CU_ASSERT_EQUAL(d.len, 3);
    CU_ASSERT_STRING_EQUAL(d.items[0].message,
                           "unknown argument 'cws_nmae' for TechMicroServiceOperator");
    CU_ASSERT_STRING_EQUAL(d.items[0].hint, "did you mean 'cws_name'?");
    biz_diags_free(&d);
    biz_source_free(src);
}

static void test_diag_tabs_and_spans(void)
{
    const char *text = "\tx = 1\nline\ttwo = 2\nmulti(\n  line)\n";
    biz_source *src = biz_source_from_string("t.biz", text, strlen(text));
    char buf[2048];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    biz_diags d;
    biz_diags_init(&d, src, f);
    d.werror = 1;
    biz_span s1 = {biz_source_pos(src, 1), biz_source_pos(src, 2)};
    biz_error(&d, s1, NULL, "one");
    int two = (int)(strstr(text, "two") - text);
    biz_span s2 = {biz_source_pos(src, two), biz_source_pos(src, two + 3)};
    biz_warning(&d, s2, NULL, "two");
    int m = (int)(strstr(text, "multi") - text);
    biz_span s3 = {biz_source_pos(src, m), biz_source_pos(src, m + 13)};
    biz_error(&d, s3, NULL, "three");
    fclose(f);
    CHECK_STR(buf,
              "t.biz:1:2: error: one\n"
              "    1 | \tx = 1\n"
              "      | \t^\n"
              "t.biz:2:6: error: two\n"
              "    2 | line\ttwo = 2\n"
              "      |     \t^~~\n"
              "t.biz:3:1: error: three\n"
              "    3 | multi(\n"
              "      | ^\n");
    CU_ASSERT_EQUAL(d.nerrors, 3);
    biz_diags_free(&d);
    biz_source_free(src);
}

static void test_diag_color_and_keep(void)
{
    biz_source *src = biz_source_from_string("t.biz", "abc\n", 4);
    char buf[1024];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    biz_diags d;
    biz_diags_init(&d, src, f);
    d.color = 1;
    biz_error(&d, biz_span_at(biz_source_pos(src, 1)), "h", "m");
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\033["));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "error:"));
    biz_diags_free(&d);
    /* out == NULL: only kept */
    biz_diags_init(&d, src, NULL);
    biz_error(&d, biz_span_at(biz_source_pos(src, 1)), NULL, "kept %d", 1);
    CU_ASSERT_EQUAL(d.len, 1);
    CU_ASSERT_STRING_EQUAL(d.items[0].message, "kept 1");
    CU_ASSERT_PTR_NULL(d.items[0].hint);
    biz_diags_free(&d);
    biz_source_free(src);
}

static void test_source_lines(void)
{
    biz_source *src = biz_source_from_string("t.biz", "ab\r\ncd\n\nef", 10);
    int len;
    const char *l = biz_source_line(src, 1, &len);
    CU_ASSERT_EQUAL(len, 2);
    CU_ASSERT_EQUAL(strncmp(l, "ab", 2), 0);
    l = biz_source_line(src, 2, &len);
    CU_ASSERT_EQUAL(len, 2);
    CU_ASSERT_EQUAL(strncmp(l, "cd", 2), 0);
    biz_source_line(src, 3, &len);
    CU_ASSERT_EQUAL(len, 0);
    l = biz_source_line(src, 4, &len);
    CU_ASSERT_EQUAL(len, 2);
    biz_source_line(src, 9, &len);
    CU_ASSERT_EQUAL(len, 0);
    biz_pos p = biz_source_pos(src, 5);
    CU_ASSERT_EQUAL(p.line, 2);
    CU_ASSERT_EQUAL(p.col, 2);
    CU_ASSERT_EQUAL(p.off, 5);
    p = biz_source_pos(src, 1000);
    CU_ASSERT_EQUAL(p.line, 4);
    CU_ASSERT_EQUAL(p.col, 3);
    biz_source_free(src);
    CU_ASSERT_PTR_NULL(biz_source_read("/nonexistent/file.biz"));
}

static void test_suggest(void)
{
    const char *const c[] = {"cws_name", "cws_task_id", "task_id", "method", "entry", "json", "data"};
    int n = (int)(sizeof c / sizeof *c);
    CU_ASSERT_STRING_EQUAL(biz_suggest("cws_nmae", c, n), "cws_name");
    CU_ASSERT_STRING_EQUAL(biz_suggest("taskid", c, n), "task_id");
    CU_ASSERT_STRING_EQUAL(biz_suggest("METHOD", c, n), "method");
    CU_ASSERT_STRING_EQUAL(biz_suggest("jsn", c, n), "json");
    CU_ASSERT_PTR_NULL(biz_suggest("completely_different", c, n));
    CU_ASSERT_PTR_NULL(biz_suggest("xyz", c, n));
    /* a tie between two candidates is no suggestion */
    const char *const t[] = {"abcd", "abce"};
    CU_ASSERT_PTR_NULL(biz_suggest("abcf", t, 2));
    CU_ASSERT_PTR_NULL(biz_suggest("a", NULL, 0));
}

static void test_ast_names(void)
{
    CU_ASSERT_STRING_EQUAL(biz_ast_op_name(BIZ_ASTOP_RSHIFT), ">>");
    CU_ASSERT_STRING_EQUAL(biz_ast_op_name(BIZ_ASTOP_NOT_IN), "not in");
    CU_ASSERT_STRING_EQUAL(biz_ast_op_name(BIZ_ASTOP_IS_NOT), "is not");
    CU_ASSERT_STRING_EQUAL(biz_expr_kind_name(BIZ_E_CALL), "call");
    CU_ASSERT_STRING_EQUAL(biz_expr_kind_name(BIZ_E_SLICE), "slice");
    CU_ASSERT_STRING_EQUAL(biz_stmt_kind_name(BIZ_S_TRY), "try");
    CU_ASSERT_STRING_EQUAL(biz_stmt_kind_name(BIZ_S_DEF), "def");
    biz_ast *ast = biz_ast_new("x");
    biz_span z = {{1, 1, 0}, {1, 1, 0}};
    biz_expr *a = biz_expr_new(ast, BIZ_E_NAME, z);
    a->u.name.id = "a";
    biz_expr *b = biz_expr_new(ast, BIZ_E_ATTR, z);
    b->u.attr.obj = a;
    b->u.attr.name = "b";
    char buf[8];
    CU_ASSERT_STRING_EQUAL(biz_expr_dotted(b, buf, sizeof buf), "a.b");
    CU_ASSERT_PTR_NULL(biz_expr_dotted(b, buf, 3));
    biz_expr *i = biz_expr_new(ast, BIZ_E_INT, z);
    CU_ASSERT_PTR_NULL(biz_expr_dotted(i, buf, sizeof buf));
    for (int k = 0; k < 1000; k++)
        biz_vec_push(ast, &ast->body, a);
    CU_ASSERT_EQUAL(ast->body.len, 1000);
    biz_ast_alloc(ast, 100000);
    biz_ast_free(ast);
}

/* An unrolled loop body reports the same thing once: a repeat of an error
 * (same place, same message) is dropped with its notes. */
static void test_diag_repeat_dropped(void)
{
    const char *text = "a = 1\nb = 2\n";
    biz_source *src = biz_source_from_string("t.biz", text, strlen(text));
    biz_diags d;
    biz_diags_init(&d, src, NULL);
    biz_span s1 = { { 1, 1, 0 }, { 1, 2, 1 } }, s2 = { { 2, 1, 6 }, { 2, 2, 7 } };
    biz_error(&d, s1, NULL, "bad %d", 1);
    biz_note(&d, s2, "here");
    biz_error(&d, s1, NULL, "bad %d", 1);
    biz_note(&d, s2, "here");
    biz_error(&d, s1, NULL, "bad %d", 2);
    biz_error(&d, s2, NULL, "bad %d", 1);
    biz_note(&d, s2, "there");
    CU_ASSERT_EQUAL(d.nerrors, 3);
    CU_ASSERT_EQUAL(d.len, 5);
    biz_diags_free(&d);
    biz_source_free(src);
}

static const unit_test lexer_tests[] = {
    {"basic tokens", test_lex_basic},
    {"indentation", test_lex_indent},
    {"strings", test_lex_strings},
    {"numbers", test_lex_numbers},
    {"errors", test_lex_errors},
    {"string pieces", test_str_pieces},
    {"f-strings", test_fstrings},
    UNIT_TESTS_END,
};

static const unit_test parser_tests[] = {
    {"statements", test_parse_statements},
    {"expressions", test_parse_expressions},
    {"spans", test_parse_spans},
    {"seed examples", test_parse_seed},
    {"missing comma", test_missing_comma},
    {"syntax errors", test_syntax_errors},
    {"recovery", test_error_recovery_keeps_statements},
    UNIT_TESTS_END,
};

static const unit_test diag_tests[] = {
    {"format", test_diag_format},
    {"tabs and spans", test_diag_tabs_and_spans},
    {"color and keep", test_diag_color_and_keep},
    {"source lines", test_source_lines},
    {"suggest", test_suggest},
    {"ast names", test_ast_names},
    {"repeats dropped", test_diag_repeat_dropped},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"lexer", NULL, NULL, lexer_tests},
    {"parser", NULL, NULL, parser_tests},
    {"diag", NULL, NULL, diag_tests},
    UNIT_SUITES_END,
};
