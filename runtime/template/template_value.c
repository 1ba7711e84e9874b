/* template_value.c: the Python side of template values. cJSON trees are
 * printed as Python's str()/repr() and json.dumps() print them, compared
 * and tested for truth as Python does, and read back from Python literal
 * text (ast.literal_eval) for render_template_as_native_obj. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyrepr.h"
#include "ascii.h"
#include "template_int.h"
#include "utf8.h"
#include "tz.h"

/* ------------------------------------------------------------ numbers */

cJSON *biz_tpl_new_float(double d)
{
    cJSON *j = cJSON_CreateNumber(d);
    if (j)
        j->type |= BIZ_TPL_FLOAT_BIT;
    return j;
}

cJSON *biz_tpl_new_int(double d)
{
    if (d == 0)
        d = 0; /* no "-0" */
    cJSON *j = cJSON_CreateNumber(d);
    if (j && isfinite(d) && fabs(d) >= 9.3e18)
        j->type |= BIZ_TPL_INT_BIT; /* 10 ** 20 is still an int */
    return j;
}

int biz_tpl_num_is_int(const cJSON *j)
{
    double d = j->valuedouble;
    if (j->type & BIZ_TPL_FLOAT_BIT)
        return 0;
    if (j->type & BIZ_TPL_INT_BIT)
        return 1;
    /* cJSON keeps no int/float distinction: an integral value that an int
     * can hold is taken for an int. */
    return isfinite(d) && d == floor(d) && fabs(d) < 9.3e18;
}

static void num_to(biz_buf *b, const cJSON *j)
{
    char tmp[400];
    if (!biz_tpl_num_is_int(j)) {
        biz_pyrepr_float(b, j->valuedouble);
        return;
    }
    snprintf(tmp, sizeof tmp, "%.0f", j->valuedouble == 0 ? 0.0 : j->valuedouble);
    biz_buf_adds(b, tmp);
}

/* ------------------------------------------------------------ str / repr */

void biz_tpl_repr_to(biz_buf *b, const cJSON *j)
{
    if (biz_tpl_is_dt(j)) {
        biz_tpl_dt_repr_to(b, j);
        return;
    }
    if (j && cJSON_IsString(j)) {
        const char *v = j->valuestring ? j->valuestring : "";
        biz_pyrepr_str(b, v, strlen(v));
        return;
    }
    if (j && cJSON_IsArray(j)) {
        int tuple = (j->type & BIZ_TPL_TUPLE_BIT) != 0, n = 0;
        biz_buf_addc(b, tuple ? '(' : '[');
        for (const cJSON *c = j->child; c; c = c->next, n++) {
            if (n)
                biz_buf_adds(b, ", ");
            biz_tpl_repr_to(b, c);
        }
        if (tuple && n == 1)
            biz_buf_addc(b, ',');
        biz_buf_addc(b, tuple ? ')' : ']');
        return;
    }
    if (j && cJSON_IsObject(j)) {
        biz_buf_addc(b, '{');
        for (const cJSON *c = j->child; c; c = c->next) {
            if (c != j->child)
                biz_buf_adds(b, ", ");
            biz_pyrepr_str(b, c->string ? c->string : "", c->string ? strlen(c->string) : 0);
            biz_buf_adds(b, ": ");
            biz_tpl_repr_to(b, c);
        }
        biz_buf_addc(b, '}');
        return;
    }
    biz_tpl_str_to(b, j);
}

void biz_tpl_str_to(biz_buf *b, const cJSON *j)
{
    if (!j || cJSON_IsNull(j) || cJSON_IsInvalid(j))
        biz_buf_adds(b, "None");
    else if (cJSON_IsTrue(j))
        biz_buf_adds(b, "True");
    else if (cJSON_IsFalse(j))
        biz_buf_adds(b, "False");
    else if (biz_tpl_is_td(j))
        biz_tpl_td_str_to(b, j);
    else if (cJSON_IsNumber(j))
        num_to(b, j);
    else if (cJSON_IsString(j))
        biz_buf_adds(b, j->valuestring ? j->valuestring : "");
    else if (cJSON_IsRaw(j))
        biz_buf_adds(b, j->valuestring ? j->valuestring : "");
    else
        biz_tpl_repr_to(b, j);
}

char *biz_tpl_str(const cJSON *v)
{
    biz_buf b = {0};
    biz_tpl_str_to(&b, v);
    return biz_buf_take(&b);
}

int biz_tpl_is_float(const cJSON *v)
{
    return v && cJSON_IsNumber(v) && !biz_tpl_num_is_int(v);
}

/* ------------------------------------------------------------ json.dumps */

/* html: Jinja's tojson (htmlsafe_json_dumps) writes < > & ' as \u escapes. */
static void json_str_to(biz_buf *b, const char *s, int html)
{
    size_t n = strlen(s);
    char tmp[16];
    biz_buf_addc(b, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (html && (c == '<' || c == '>' || c == '&' || c == '\'')) {
            snprintf(tmp, sizeof tmp, "\\u%04x", c);
            biz_buf_adds(b, tmp);
            i++;
            continue;
        }
        switch (c) {
        case '"': biz_buf_adds(b, "\\\""); i++; continue;
        case '\\': biz_buf_adds(b, "\\\\"); i++; continue;
        case '\n': biz_buf_adds(b, "\\n"); i++; continue;
        case '\r': biz_buf_adds(b, "\\r"); i++; continue;
        case '\t': biz_buf_adds(b, "\\t"); i++; continue;
        case '\b': biz_buf_adds(b, "\\b"); i++; continue;
        case '\f': biz_buf_adds(b, "\\f"); i++; continue;
        default: break;
        }
        if (c >= 0x20 && c < 0x7f) {
            biz_buf_addc(b, (char)c);
            i++;
            continue;
        }
        unsigned cp = c;
        int len = (int)biz_utf8_seq((const unsigned char *)s + i, n - i, &cp);
        if (!len) {
            cp = 0xFFFD;
            len = 1;
        }
        if (cp >= 0x10000) { /* ensure_ascii: a surrogate pair */
            unsigned v = cp - 0x10000;
            snprintf(tmp, sizeof tmp, "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
        } else {
            snprintf(tmp, sizeof tmp, "\\u%04x", cp);
        }
        biz_buf_adds(b, tmp);
        i += len;
    }
    biz_buf_addc(b, '"');
}

static int key_cmp(const void *x, const void *y)
{
    const cJSON *a = *(const cJSON *const *)x, *b = *(const cJSON *const *)y;
    int r = strcmp(a->string ? a->string : "", b->string ? b->string : "");
    return r ? r : (a < b ? -1 : a > b);
}

/* A newline and indent * level spaces (json.dumps with indent). */
static void json_nl(biz_buf *b, int indent, int level)
{
    biz_buf_addc(b, '\n');
    for (int i = 0; i < indent * level; i++)
        biz_buf_addc(b, ' ');
}

/* json.dumps(j, sort_keys=True, indent=indent (< 0: none)); html for
 * Jinja's tojson. */
static void dumps_rec(biz_buf *b, const cJSON *j, int indent, int level, int html)
{
    if (!j || cJSON_IsNull(j) || cJSON_IsInvalid(j)) {
        biz_buf_adds(b, "null");
    } else if (cJSON_IsTrue(j)) {
        biz_buf_adds(b, "true");
    } else if (cJSON_IsFalse(j)) {
        biz_buf_adds(b, "false");
    } else if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        if (isnan(d))
            biz_buf_adds(b, "NaN");
        else if (isinf(d))
            biz_buf_adds(b, d > 0 ? "Infinity" : "-Infinity");
        else
            num_to(b, j);
    } else if (biz_tpl_is_dt(j)) {
        /* Python's json has no date-times: bizc writes isoformat() */
        char iso[64];
        time_t t;
        double v = floor(j->valuedouble / 1e6);
        t = (time_t)v;
        biz_tpl_dt_format(t, (int)(j->valuedouble - v * 1e6),
                          j->valueint > 0 ? biz_tz_at(j->valueint - 1) : NULL, 'T', iso, sizeof iso);
        json_str_to(b, iso, html);
    } else if (cJSON_IsString(j)) {
        json_str_to(b, j->valuestring ? j->valuestring : "", html);
    } else if (cJSON_IsRaw(j)) {
        biz_buf_adds(b, j->valuestring ? j->valuestring : "null");
    } else if (cJSON_IsArray(j)) {
        biz_buf_addc(b, '[');
        for (const cJSON *c = j->child; c; c = c->next) {
            if (c != j->child)
                biz_buf_adds(b, indent >= 0 ? "," : ", ");
            if (indent >= 0)
                json_nl(b, indent, level + 1);
            dumps_rec(b, c, indent, level + 1, html);
        }
        if (indent >= 0 && j->child)
            json_nl(b, indent, level);
        biz_buf_addc(b, ']');
    } else if (cJSON_IsObject(j)) {
        /* Jinja's tojson dumps with sort_keys=True. */
        int n = cJSON_GetArraySize(j), i = 0;
        const cJSON **v = malloc(sizeof *v * (n ? n : 1));
        if (!v) {
            b->oom = 1;
            return;
        }
        for (const cJSON *c = j->child; c; c = c->next)
            v[i++] = c;
        qsort(v, n, sizeof *v, key_cmp);
        biz_buf_addc(b, '{');
        for (i = 0; i < n; i++) {
            if (i)
                biz_buf_adds(b, indent >= 0 ? "," : ", ");
            if (indent >= 0)
                json_nl(b, indent, level + 1);
            json_str_to(b, v[i]->string ? v[i]->string : "", html);
            biz_buf_adds(b, ": ");
            dumps_rec(b, v[i], indent, level + 1, html);
        }
        if (indent >= 0 && n)
            json_nl(b, indent, level);
        biz_buf_addc(b, '}');
        free(v);
    }
}

void biz_tpl_dumps_to(biz_buf *b, const cJSON *j)
{
    dumps_rec(b, j, -1, 0, 0);
}

void biz_tpl_tojson_to(biz_buf *b, const cJSON *j, int indent)
{
    dumps_rec(b, j, indent, 0, 1);
}

/* ------------------------------------------------------------ comparisons */

int biz_tpl_truthy(const cJSON *j)
{
    if (!j || cJSON_IsNull(j) || cJSON_IsFalse(j) || cJSON_IsInvalid(j))
        return 0;
    if (cJSON_IsTrue(j))
        return 1;
    if (cJSON_IsNumber(j))
        return j->valuedouble != 0;
    if (cJSON_IsString(j))
        return j->valuestring && j->valuestring[0];
    if (cJSON_IsArray(j) || cJSON_IsObject(j))
        return j->child != NULL;
    return 1;
}

/* Numbers and booleans compare as numbers, as in Python. */
static int as_number(const cJSON *j, double *d)
{
    if (cJSON_IsNumber(j))
        *d = j->valuedouble;
    else if (cJSON_IsBool(j))
        *d = cJSON_IsTrue(j) ? 1 : 0;
    else
        return 0;
    return 1;
}

int biz_tpl_equal(const cJSON *a, const cJSON *b)
{
    double x, y;
    if (!a || cJSON_IsNull(a))
        return !b || cJSON_IsNull(b);
    if (!b || cJSON_IsNull(b))
        return 0;
    if (biz_tpl_is_dt(a) || biz_tpl_is_dt(b))   /* the same instant, whatever the zone */
        return biz_tpl_is_dt(a) && biz_tpl_is_dt(b) && biz_tpl_dt_cmp(a, b) == 0;
    if (as_number(a, &x) && as_number(b, &y))
        return x == y;
    if (cJSON_IsString(a) && cJSON_IsString(b))
        return strcmp(a->valuestring, b->valuestring) == 0;
    if (cJSON_IsArray(a) && cJSON_IsArray(b)) {
        /* a list never equals a tuple in Python */
        if ((a->type & BIZ_TPL_TUPLE_BIT) != (b->type & BIZ_TPL_TUPLE_BIT))
            return 0;
        const cJSON *p = a->child, *q = b->child;
        for (; p && q; p = p->next, q = q->next)
            if (!biz_tpl_equal(p, q))
                return 0;
        return !p && !q;
    }
    if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
            return 0;
        for (const cJSON *p = a->child; p; p = p->next) {
            const cJSON *q = cJSON_GetObjectItemCaseSensitive(b, p->string);
            if (!q || !biz_tpl_equal(p, q))
                return 0;
        }
        return 1;
    }
    return 0;
}

int biz_tpl_order(const cJSON *a, const cJSON *b, int *res)
{
    double x, y;
    if (biz_tpl_is_dt(a) || biz_tpl_is_dt(b)) {
        if (!biz_tpl_is_dt(a) || !biz_tpl_is_dt(b))
            return -1;
        *res = biz_tpl_dt_cmp(a, b);
        return 0;
    }
    if (a && b && as_number(a, &x) && as_number(b, &y)) {
        *res = x < y ? -1 : x > y;
        return 0;
    }
    if (a && b && cJSON_IsString(a) && cJSON_IsString(b)) {
        int r = strcmp(a->valuestring, b->valuestring); /* UTF-8 order = code point order */
        *res = r < 0 ? -1 : r > 0;
        return 0;
    }
    if (a && b && cJSON_IsArray(a) && cJSON_IsArray(b)) {
        const cJSON *p = a->child, *q = b->child;
        for (; p && q; p = p->next, q = q->next) {
            if (biz_tpl_equal(p, q))
                continue;
            return biz_tpl_order(p, q, res);
        }
        *res = p ? 1 : q ? -1 : 0;
        return 0;
    }
    return -1;
}

const char *biz_tpl_type_name(const cJSON *j)
{
    if (!j || cJSON_IsNull(j))
        return "NoneType";
    if (cJSON_IsBool(j))
        return "bool";
    if (biz_tpl_is_td(j))
        return biz_tpl_is_interval(j) ? "Interval" : "timedelta";
    if (cJSON_IsNumber(j))
        return biz_tpl_num_is_int(j) ? "int" : "float";
    if (biz_tpl_is_dt(j))
        return "DateTime";
    if (cJSON_IsString(j))
        return "str";
    if (cJSON_IsArray(j))
        return (j->type & BIZ_TPL_TUPLE_BIT) ? "tuple" : "list";
    if (cJSON_IsObject(j))
        return "dict";
    return "object";
}

void biz_tpl_val_free(biz_tpl_val *v)
{
    cJSON_Delete(v->j);
    free(v->msg);
    v->j = NULL;
    v->msg = NULL;
    v->kind = BIZ_TPL_V_JSON;
}

/* ------------------------------------------------------------ escapes */

int biz_tpl_unescape(const char *s, size_t n, biz_buf *out, const char **why)
{
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\' || i + 1 >= n) {
            biz_buf_addc(out, s[i++]);
            continue;
        }
        char ch[BIZ_UTF8_MAX_LEN];
        int len;
        size_t used;
        switch (biz_pyrepr_unescape1(s + i, n - i, ch, &len, &used)) {
        case BIZ_PYREPR_ESC_OK:
            biz_buf_add(out, ch, (size_t)len);
            break;
        case BIZ_PYREPR_ESC_UNKNOWN:     /* kept with its backslash, as Python does */
            biz_buf_add(out, s + i, 2);
            break;
        case BIZ_PYREPR_ESC_TRUNCATED:
            *why = "a \\x, \\u or \\U escape without all its hex digits";
            return -1;
        case BIZ_PYREPR_ESC_CODE_POINT:
            *why = "an escape for no character (a surrogate, or past U+10FFFF)";
            return -1;
        case BIZ_PYREPR_ESC_NAMED:
            *why = "\\N{...} escapes are not supported (write the character, or \\u with its code point)";
            return -1;
        }
        i += used;
    }
    return 0;
}

/* ------------------------------------------------------------ literal_eval */

typedef struct lit {
    const char *s;
    size_t n, i;
    int depth; /* bracket nesting: newlines are free inside brackets */
    int oom;   /* an allocation failed: the NULL is no answer */
} lit;

/* v, noting in L when it could not be made. */
static cJSON *lit_made(lit *L, cJSON *v)
{
    if (!v)
        L->oom = 1;
    return v;
}

static void lit_ws(lit *L)
{
    while (L->i < L->n) {
        char c = L->s[L->i];
        if (c == ' ' || c == '\t' || c == '\f' || (L->depth && (c == '\n' || c == '\r'))) {
            L->i++;
        } else if (c == '\\' && L->i + 1 < L->n && L->s[L->i + 1] == '\n') {
            L->i += 2;
        } else if (c == '#') {
            while (L->i < L->n && L->s[L->i] != '\n')
                L->i++;
        } else {
            break;
        }
    }
}

static cJSON *lit_value(lit *L);

static int lit_peek(lit *L, char c)
{
    lit_ws(L);
    return L->i < L->n && L->s[L->i] == c;
}

static cJSON *lit_string(lit *L)
{
    biz_buf b = {0};
    const char *why;    /* unused: a bad literal is no literal */
    int any = 0;
    for (;;) {
        lit_ws(L);
        size_t i = L->i;
        int raw = 0;
        while (i < L->n && strchr("rRuU", L->s[i]) && i - L->i < 2) {
            if (L->s[i] == 'r' || L->s[i] == 'R')
                raw = 1;
            i++;
        }
        if (i >= L->n || (L->s[i] != '\'' && L->s[i] != '"'))
            break;
        char q = L->s[i];
        int triple = i + 2 < L->n && L->s[i + 1] == q && L->s[i + 2] == q;
        size_t st = i + (triple ? 3 : 1), j = st;
        for (;;) {
            if (j >= L->n)
                goto bad;
            if (L->s[j] == '\\') {
                j += 2;
                continue;
            }
            if (!triple && (L->s[j] == '\n' || L->s[j] == '\r'))
                goto bad;
            if (L->s[j] == q && (!triple || (j + 2 < L->n && L->s[j + 1] == q && L->s[j + 2] == q)))
                break;
            j++;
        }
        if (raw)
            biz_buf_add(&b, L->s + st, j - st);
        else if (biz_tpl_unescape(L->s + st, j - st, &b, &why) < 0)
            goto bad;
        L->i = j + (triple ? 3 : 1);
        any = 1;
    }
    if (!any)
        goto bad;
    char *s = biz_buf_take(&b);
    if (!s) {
        L->oom = 1;
        return NULL;
    }
    cJSON *r = lit_made(L, cJSON_CreateString(s));
    free(s);
    return r;
bad:
    if (b.oom)
        L->oom = 1;
    free(biz_buf_take(&b));
    return NULL;
}

static cJSON *lit_number(lit *L)
{
    char tmp[128];
    size_t k = 0, i = L->i;
    int isfloat = 0, digits = 0;
    const char *s = L->s;
    if (i + 1 < L->n && s[i] == '0' && strchr("xXoObB", s[i + 1])) {
        int base = strchr("xX", s[i + 1]) ? 16 : strchr("oO", s[i + 1]) ? 8 : 2;
        double v = 0;
        i += 2;
        for (; i < L->n; i++) {
            int h = s[i] == '_' ? -2 : biz_ascii_hexval((unsigned char)s[i]);
            if (h == -2)
                continue;
            if (h < 0 || h >= base)
                break;
            v = v * base + h;
            digits++;
        }
        if (!digits || (i < L->n && (isalnum((unsigned char)s[i]) || s[i] == '.')))
            return NULL;
        L->i = i;
        return lit_made(L, biz_tpl_new_int(v));
    }
    while (i < L->n && k < sizeof tmp - 8) {
        char c = s[i];
        if (isdigit((unsigned char)c)) {
            tmp[k++] = c, digits++;
        } else if (c == '_' && i + 1 < L->n && isdigit((unsigned char)s[i + 1]) && digits) {
            /* separator */
        } else if (c == '.' && !isfloat) {
            isfloat = 1, tmp[k++] = c;
        } else if ((c == 'e' || c == 'E') && digits) {
            isfloat = 1, tmp[k++] = 'e';
            if (i + 1 < L->n && (s[i + 1] == '+' || s[i + 1] == '-'))
                tmp[k++] = s[++i];
            if (i + 1 >= L->n || !isdigit((unsigned char)s[i + 1]))
                return NULL;
            i++;
            while (i < L->n && (isdigit((unsigned char)s[i]) || s[i] == '_') && k < sizeof tmp - 2) {
                if (s[i] != '_')
                    tmp[k++] = s[i];
                i++;
            }
            break;
        } else {
            break;
        }
        i++;
    }
    tmp[k] = '\0';
    if (!digits || (i < L->n && (isalpha((unsigned char)s[i]) || s[i] == '_')))
        return NULL; /* 1j, 12abc */
    /* Python rejects "012" (but takes "00") */
    if (!isfloat && k > 1 && tmp[0] == '0' && strspn(tmp, "0") != k)
        return NULL;
    L->i = i;
    double d = strtod(tmp, NULL);
    return lit_made(L, isfloat ? biz_tpl_new_float(d) : biz_tpl_new_int(d));
}

/* A comma-separated sequence up to close; *trailing tells whether it ended
 * with a comma. */
static cJSON *lit_seq(lit *L, char close, int *count, int *trailing)
{
    cJSON *arr = lit_made(L, cJSON_CreateArray());
    *count = 0;
    *trailing = 0;
    while (arr) {
        if (lit_peek(L, close))
            break;
        cJSON *v = lit_value(L);
        if (!v)
            goto bad;
        cJSON_AddItemToArray(arr, v);
        (*count)++;
        *trailing = 0;
        if (lit_peek(L, ',')) {
            L->i++;
            *trailing = 1;
            continue;
        }
        if (!lit_peek(L, close))
            goto bad;
    }
    if (!arr)
        return NULL;
    L->i++;
    return arr;
bad:
    cJSON_Delete(arr);
    return NULL;
}

static cJSON *lit_unary(lit *L)
{
    lit_ws(L);
    if (L->i >= L->n)
        return NULL;
    char c = L->s[L->i];
    if (c == '-' || c == '+') {
        L->i++;
        cJSON *v = lit_unary(L);
        if (!v || !cJSON_IsNumber(v)) {
            cJSON_Delete(v);
            return NULL;
        }
        if (c == '-') {
            double d = -v->valuedouble;
            int f = !biz_tpl_num_is_int(v);
            cJSON_Delete(v);
            v = lit_made(L, f ? biz_tpl_new_float(d) : biz_tpl_new_int(d));
        }
        return v;
    }
    if (isdigit((unsigned char)c) || (c == '.' && L->i + 1 < L->n && isdigit((unsigned char)L->s[L->i + 1])))
        return lit_number(L);
    if (c == '\'' || c == '"' || ((c == 'r' || c == 'R' || c == 'u' || c == 'U') && L->i + 1 < L->n
                                  && (L->s[L->i + 1] == '\'' || L->s[L->i + 1] == '"')))
        return lit_string(L);
    if (L->depth > 100)
        return NULL;
    if (c == '[' || c == '(') {
        int count, trailing;
        L->i++;
        L->depth++;
        cJSON *a = lit_seq(L, c == '[' ? ']' : ')', &count, &trailing);
        L->depth--;
        if (a && c == '(') {
            if (count == 1 && !trailing) { /* (x) is x */
                cJSON *only = cJSON_DetachItemFromArray(a, 0);
                cJSON_Delete(a);
                return only;
            }
            a->type |= BIZ_TPL_TUPLE_BIT;
        }
        return a;
    }
    if (c == '{') {
        cJSON *o = lit_made(L, cJSON_CreateObject());
        L->i++;
        L->depth++;
        while (o) {
            if (lit_peek(L, '}'))
                break;
            cJSON *k = lit_value(L);
            if (!k || !lit_peek(L, ':')) { /* a set, or junk */
                cJSON_Delete(k);
                goto badobj;
            }
            L->i++;
            cJSON *v = lit_value(L);
            if (!v || cJSON_IsArray(k) || cJSON_IsObject(k)) {
                cJSON_Delete(k);
                cJSON_Delete(v);
                goto badobj;
            }
            /* JSON keys are strings: a non-string key becomes its str() */
            char *ks = biz_tpl_str(k);
            cJSON_Delete(k);
            if (!ks) {
                L->oom = 1;
                cJSON_Delete(v);
                goto badobj;
            }
            cJSON_DeleteItemFromObjectCaseSensitive(o, ks); /* the last one wins */
            int added = cJSON_AddItemToObject(o, ks, v);
            free(ks);
            if (!added) {
                L->oom = 1;
                cJSON_Delete(v);
                goto badobj;
            }
            if (lit_peek(L, ',')) {
                L->i++;
                continue;
            }
            if (!lit_peek(L, '}'))
                goto badobj;
        }
        L->depth--;
        if (o)
            L->i++;
        return o;
    badobj:
        L->depth--;
        cJSON_Delete(o);
        return NULL;
    }
    size_t rest = L->n - L->i;
    static const char *const words[] = {"True", "False", "None"};
    for (int w = 0; w < 3; w++) {
        size_t wl = strlen(words[w]);
        if (rest >= wl && !memcmp(L->s + L->i, words[w], wl)
            && (rest == wl || !(isalnum((unsigned char)L->s[L->i + wl]) || L->s[L->i + wl] == '_'))) {
            L->i += wl;
            return lit_made(L, w == 0 ? cJSON_CreateTrue() : w == 1 ? cJSON_CreateFalse() : cJSON_CreateNull());
        }
    }
    return NULL;
}

static cJSON *lit_value(lit *L)
{
    return lit_unary(L);
}

static cJSON *lit_top(lit *L)
{
    const char *text = L->s;
    size_t len = L->n;
    /* Python's parser rejects an indented first line. */
    while (L->i < L->n && (text[L->i] == '\n' || text[L->i] == '\r'))
        L->i++;
    if (L->i < L->n && (text[L->i] == ' ' || text[L->i] == '\t'))
        return NULL;
    if (memchr(text, '\0', len))
        return NULL;
    cJSON *v = lit_value(L);
    if (!v)
        return NULL;
    lit_ws(L);
    if (L->i < L->n && text[L->i] == ',') { /* "1, 2" is a tuple */
        cJSON *t = lit_made(L, cJSON_CreateArray());
        if (!t) {
            cJSON_Delete(v);
            return NULL;
        }
        t->type |= BIZ_TPL_TUPLE_BIT;
        cJSON_AddItemToArray(t, v);
        v = t;
        while (L->i < L->n && text[L->i] == ',') {
            L->i++;
            lit_ws(L);
            if (L->i >= L->n || text[L->i] == '\n' || text[L->i] == '\r')
                break;
            cJSON *e = lit_value(L);
            if (!e) {
                cJSON_Delete(v);
                return NULL;
            }
            cJSON_AddItemToArray(v, e);
            lit_ws(L);
        }
    }
    /* only blank lines may follow */
    while (L->i < L->n) {
        lit_ws(L);
        if (L->i < L->n && (text[L->i] == '\n' || text[L->i] == '\r'))
            L->i++;
        else
            break;
    }
    if (L->i != L->n) {
        cJSON_Delete(v);
        return NULL;
    }
    return v;
}

cJSON *biz_tpl_literal(const char *text, size_t len, int *oom)
{
    lit L = {text, len, 0, 0, 0};
    cJSON *v = lit_top(&L);
    *oom = L.oom;
    if (L.oom) {
        cJSON_Delete(v);
        return NULL;
    }
    return v;
}
