/* template_lex.c: the template lexer, as Jinja's: text up to "{{", "{%"
 * or "{#"; inside a tag, expression tokens until "}}" / "%}" at bracket
 * depth 0 (so "{{ {'a': {}} }}" works); "-" next to a delimiter strips the
 * whitespace on that side; {% raw %} text is kept as it is; newlines in
 * text become "\n". Errors carry the byte offset of the offending text. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template_int.h"

typedef biz_tpl_tok tok;

typedef struct P {
    const char *text;
    size_t len;
    tok *toks;
    int ntok, cap;
    biz_tpl_error *err;
    int failed;
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


/* Sets *failed and err (offset, message) unless *failed is already set. */
void biz_tpl_failv(int *failed, biz_tpl_error *err, int offset, const char *fmt, va_list ap)
{
    if (*failed)
        return;
    *failed = 1;
    if (err) {
        err->offset = offset;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
    }
}

static tok *push_tok(P *p, int type, size_t start, size_t end)
{
    if (p->failed)
        return NULL;
    if (p->ntok == p->cap) {
        int cap = p->cap ? p->cap * 2 : 64;
        tok *n = realloc(p->toks, sizeof *n * cap);
        if (!n) {
            pfail(p, (int)start, "out of memory");
            return NULL;
        }
        p->toks = n;
        p->cap = cap;
    }
    tok *t = &p->toks[p->ntok++];
    memset(t, 0, sizeof *t);
    t->type = type;
    t->start = (int)start;
    t->end = (int)end;
    return t;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* A text token for [a, b), with \r\n and \r turned into \n. */
static void push_text(P *p, size_t a, size_t b)
{
    if (b <= a)
        return;
    tok *t = push_tok(p, TK_TEXT, a, b);
    if (!t)
        return;
    t->s = malloc(b - a + 1);
    if (!t->s) {
        pfail(p, (int)a, "out of memory");
        return;
    }
    size_t k = 0;
    for (size_t i = a; i < b; i++) {
        if (p->text[i] == '\r') {
            t->s[k++] = '\n';
            if (i + 1 < b && p->text[i + 1] == '\n')
                i++;
        } else {
            t->s[k++] = p->text[i];
        }
    }
    t->s[k] = '\0';
}

static int starts(P *p, size_t i, const char *s)
{
    size_t n = strlen(s);
    return i + n <= p->len && memcmp(p->text + i, s, n) == 0;
}

/* Matches "{%[-] raw [-]%}" (or endraw) at i; returns the index after it, 0
 * when absent. *lstrip / *rstrip get the dashes. */
static size_t match_raw(P *p, size_t i, const char *word, int *rdash, int *ldash)
{
    if (!starts(p, i, "{%"))
        return 0;
    i += 2;
    *ldash = starts(p, i, "-");
    if (*ldash)
        i++;
    while (i < p->len && is_ws(p->text[i]))
        i++;
    if (!starts(p, i, word))
        return 0;
    i += strlen(word);
    if (i < p->len && !is_ws(p->text[i]) && p->text[i] != '-' && p->text[i] != '%')
        return 0;
    while (i < p->len && is_ws(p->text[i]))
        i++;
    *rdash = starts(p, i, "-%}");
    if (*rdash)
        i++;
    if (!starts(p, i, "%}"))
        return 0;
    return i + 2;
}

/* Lexes a tag's inside from *pos up to its end marker. */
static void lex_tag(P *p, size_t *pos, int block, int *lstrip, size_t open)
{
    char stack[MAX_DEPTH];
    size_t where[MAX_DEPTH];
    int sp = 0;
    size_t i = *pos;
    for (;;) {
        while (i < p->len && is_ws(p->text[i]))
            i++;
        if (i >= p->len) { /* the end of the template inside a tag */
            *pos = i;
            if (sp)
                pfail(p, (int)where[sp - 1], "'%c' was never closed", stack[sp - 1] == ')' ? '('
                      : stack[sp - 1] == ']' ? '[' : '{');
            else
                pfail(p, (int)open, "'%s' was never closed", block ? "{%" : "{{");
            return;
        }
        if (sp == 0) {
            const char *end = block ? "%}" : "}}";
            int dash = p->text[i] == '-' && starts(p, i + 1, end);
            if (dash || starts(p, i, end)) {
                push_tok(p, block ? TK_BEND : TK_VEND, i, i + 2 + dash);
                *lstrip = dash;
                *pos = i + 2 + dash;
                return;
            }
            if (starts(p, i, block ? "}}" : "%}") || starts(p, i, block ? "-}}" : "-%}")) {
                pfail(p, (int)i, "expected '%s' to close '%s' at offset %d, got '%s'", end,
                      block ? "{%" : "{{", (int)open, block ? "}}" : "%}");
                return;
            }
        }
        char c = p->text[i];
        size_t st = i;
        if (isalpha((unsigned char)c) || c == '_') {
            while (i < p->len && (isalnum((unsigned char)p->text[i]) || p->text[i] == '_'))
                i++;
            tok *t = push_tok(p, TK_NAME, st, i);
            if (t && !(t->s = strndup(p->text + st, i - st)))
                pfail(p, (int)st, "out of memory");
        } else if (isdigit((unsigned char)c)) {
            char buf[80];
            size_t k = 0;
            int isf = 0;
            while (i < p->len && (isdigit((unsigned char)p->text[i])
                                  || (p->text[i] == '_' && i + 1 < p->len && isdigit((unsigned char)p->text[i + 1])))) {
                if (p->text[i] != '_' && k < sizeof buf - 10)
                    buf[k++] = p->text[i];
                i++;
            }
            if (i + 1 < p->len && p->text[i] == '.' && isdigit((unsigned char)p->text[i + 1])) {
                isf = 1;
                buf[k++] = '.';
                i++;
                while (i < p->len && (isdigit((unsigned char)p->text[i]) || p->text[i] == '_')) {
                    if (p->text[i] != '_' && k < sizeof buf - 10)
                        buf[k++] = p->text[i];
                    i++;
                }
            }
            if (i < p->len && (p->text[i] == 'e' || p->text[i] == 'E')) {
                size_t j = i + 1;
                if (j < p->len && (p->text[j] == '+' || p->text[j] == '-'))
                    j++;
                if (j < p->len && isdigit((unsigned char)p->text[j])) {
                    isf = 1;
                    buf[k++] = 'e';
                    if (p->text[i + 1] == '-')
                        buf[k++] = '-';
                    i = j;
                    while (i < p->len && isdigit((unsigned char)p->text[i])) {
                        if (k < sizeof buf - 2)
                            buf[k++] = p->text[i];
                        i++;
                    }
                }
            }
            buf[k] = '\0';
            tok *t = push_tok(p, isf ? TK_FLOAT : TK_INT, st, i);
            if (t)
                t->num = strtod(buf, NULL);
        } else if (c == '\'' || c == '"') {
            i++;
            while (i < p->len && p->text[i] != c)
                i += (p->text[i] == '\\') ? 2 : 1;
            if (i >= p->len) {
                pfail(p, (int)st, "unterminated string");
                return;
            }
            i++;
            tok *t = push_tok(p, TK_STR, st, i);
            if (t) {
                biz_buf b = {0};
                const char *why = "";
                if (biz_tpl_unescape(p->text + st + 1, i - st - 2, &b, &why) < 0) {
                    free(biz_buf_take(&b));
                    pfail(p, (int)st, "bad escape in string: %s", why);
                    return;
                }
                if (!(t->s = biz_buf_take(&b)))
                    pfail(p, (int)st, "out of memory");
            }
        } else {
            static const struct { const char *s; int op; } two[] = {
                {"//", BIZ_TPL_OP_FLOORDIV}, {"**", BIZ_TPL_OP_POW}, {"==", BIZ_TPL_OP_EQ},
                {"!=", BIZ_TPL_OP_NE}, {"<=", BIZ_TPL_OP_LE}, {">=", BIZ_TPL_OP_GE}};
            int op = 0, w = 1;
            for (size_t k = 0; k < sizeof two / sizeof two[0]; k++)
                if (starts(p, i, two[k].s)) {
                    op = two[k].op;
                    w = 2;
                    break;
                }
            if (!op) {
                if (!strchr("+-*/%~()[]{},.:|=<>", c) || c == '\0') {
                    if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
                        pfail(p, (int)i, "unexpected character '%c'", c);
                    else
                        pfail(p, (int)i, "unexpected character (byte 0x%02x)", (unsigned char)c);
                    return;
                }
                op = c == '<' ? BIZ_TPL_OP_LT : c == '>' ? BIZ_TPL_OP_GT : c;
            }
            if (c == '(' || c == '[' || c == '{') {
                if (sp == MAX_DEPTH) {
                    pfail(p, (int)i, "brackets nested too deeply");
                    return;
                }
                where[sp] = i;
                stack[sp++] = c == '(' ? ')' : c == '[' ? ']' : '}';
            } else if (c == ')' || c == ']' || c == '}') {
                if (sp == 0) {
                    pfail(p, (int)i, "unexpected '%c'", c);
                    return;
                }
                if (stack[sp - 1] != c) {
                    pfail(p, (int)i, "unexpected '%c', expected '%c'", c, stack[sp - 1]);
                    return;
                }
                sp--;
            }
            i += w;
            tok *t = push_tok(p, TK_OP, st, i);
            if (t)
                t->op = op;
        }
        if (p->failed)
            return;
    }
}

static void lex(P *p)
{
    size_t pos = 0;
    int lstrip = 0;
    while (!p->failed) {
        size_t m = pos;
        while (m + 1 < p->len && !(p->text[m] == '{' && strchr("{%#", p->text[m + 1]) && p->text[m + 1]))
            m++;
        int found = m + 1 < p->len;
        size_t a = pos, b = found ? m : p->len;
        if (lstrip)
            while (a < b && is_ws(p->text[a]))
                a++;
        if (found && starts(p, m + 2, "-"))
            while (b > a && is_ws(p->text[b - 1]))
                b--;
        push_text(p, a, b);
        lstrip = 0;
        if (!found)
            break;
        char kind = p->text[m + 1];
        int rd, ld;
        size_t after;
        if (kind == '#') {
            size_t k = m + 2;
            while (k + 1 < p->len && !(p->text[k] == '#' && p->text[k + 1] == '}'))
                k++;
            if (k + 1 >= p->len) {
                pfail(p, (int)m, "unclosed comment: expected '#}' to close '{#' at offset %d", (int)m);
                break;
            }
            lstrip = k > m + 2 && p->text[k - 1] == '-';
            pos = k + 2;
        } else if (kind == '%' && (after = match_raw(p, m, "raw", &rd, &ld))) {
            /* {% raw %}...{% endraw %}: text kept as it is */
            size_t k = after, end = 0;
            int erd = 0, eld = 0;
            for (; k + 1 < p->len; k++)
                if ((end = match_raw(p, k, "endraw", &erd, &eld)))
                    break;
            if (!end) {
                pfail(p, (int)m, "unclosed '{%% raw %%}': expected '{%% endraw %%}'");
                break;
            }
            size_t ta = after, tb = k;
            if (rd)
                while (ta < tb && is_ws(p->text[ta]))
                    ta++;
            if (eld)
                while (tb > ta && is_ws(p->text[tb - 1]))
                    tb--;
            push_text(p, ta, tb);
            lstrip = erd;
            pos = end;
        } else {
            int dash = starts(p, m + 2, "-");
            push_tok(p, kind == '{' ? TK_VBEGIN : TK_BBEGIN, m, m + 2 + dash);
            pos = m + 2 + dash;
            lex_tag(p, &pos, kind == '%', &lstrip, m);
            if (pos >= p->len)
                break;
        }
    }
    push_tok(p, TK_EOF, p->len, p->len);
}

int biz_tpl_lex(const char *text, size_t len, biz_tpl_tok **toks, int *ntok, biz_tpl_error *err)
{
    P p = {0};
    p.text = text;
    p.len = len;
    p.err = err;
    lex(&p);
    if (p.failed) {
        for (int i = 0; i < p.ntok; i++)
            free(p.toks[i].s);
        free(p.toks);
        *toks = NULL;
        *ntok = 0;
        return -1;
    }
    *toks = p.toks;
    *ntok = p.ntok;
    return 0;
}
