/* pyformat.c: Python's format(), str.format() and '%' formatting
 * (pyformat.h). Each part follows CPython 3.11's own steps, so that the
 * corner cases (zero padding through thousands separators, which '%'
 * conversion fetches its argument before failing, which message wins)
 * come out the same: Python/formatter_unicode.c for the mini-language,
 * Objects/stringlib/unicode_format.h for str.format, PyUnicode_Format in
 * Objects/unicodeobject.c for '%'. Widths and lengths count characters
 * (code points), as Python's do. */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyformat.h"
#include "pyrepr.h"
#include "utf8.h"

int biz_pyfmt_fail(biz_pyfmt *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof f->msg, fmt, ap);
    va_end(ap);
    f->why = BIZ_PYFMT_ERROR;
    return -1;
}

/* -1 with why set when an append to out failed (over max_len, or out of
 * memory), else 0. */
static int buf_status(biz_pyfmt *f, const biz_buf *out)
{
    if (out->over) {
        f->why = BIZ_PYFMT_TOO_LONG;
        snprintf(f->msg, sizeof f->msg, "string too long (over %zu bytes)", f->max_len);
        return -1;
    }
    if (out->oom) {
        f->why = BIZ_PYFMT_NOMEM;
        snprintf(f->msg, sizeof f->msg, "out of memory");
        return -1;
    }
    return 0;
}

/* A scratch buffer with the job's cap. */
static biz_buf scratch(const biz_pyfmt *f)
{
    biz_buf b = {0};
    b.max = f->max_len;
    return b;
}

/* The character at s (n > 0 bytes left): its code point and length (a byte
 * that is not UTF-8 stands for itself). */
static size_t char_at(const char *s, size_t n, unsigned *cp)
{
    size_t k = biz_utf8_seq((const unsigned char *)s, n, cp);
    if (!k) {
        *cp = (unsigned char)s[0];
        k = 1;
    }
    return k;
}

static const char *type_name(const biz_pyfmt_val *v)
{
    switch (v->kind) {
    case BIZ_PYFMT_NONE: return "NoneType";
    case BIZ_PYFMT_BOOL: return "bool";
    case BIZ_PYFMT_INT: return "int";
    case BIZ_PYFMT_FLOAT: return "float";
    case BIZ_PYFMT_STR: return "str";
    case BIZ_PYFMT_TUPLE: return "tuple";
    default: return v->type ? v->type : "object";
    }
}

static int is_int(const biz_pyfmt_val *v)
{
    return v->kind == BIZ_PYFMT_INT || v->kind == BIZ_PYFMT_BOOL;
}

static int int_negative(const biz_pyfmt_val *v)
{
    return v->big ? v->f < 0 : v->i < 0;
}

static double int_to_double(const biz_pyfmt_val *v)
{
    return v->big ? v->f : (double)v->i;
}

/* ------------------------------------------------------------ integers */

/* Appends the digits of |v| (an int) in base 2, 8, 10 or 16, lowercase. */
static void int_digits(biz_buf *out, const biz_pyfmt_val *v, int base)
{
    static const char hex[] = "0123456789abcdef";
    if (!v->big) {
        uint64_t m = v->i < 0 ? 0 - (uint64_t)v->i : (uint64_t)v->i;
        char tmp[72];
        int k = sizeof tmp;
        do {
            tmp[--k] = hex[m % (unsigned)base];
            m /= (unsigned)base;
        } while (m);
        biz_buf_add(out, tmp + k, sizeof tmp - (size_t)k);
        return;
    }
    double m = fabs(v->f);
    if (base == 10) {
        /* glibc prints an integral double's exact digits */
        char tmp[400];
        snprintf(tmp, sizeof tmp, "%.0f", m);
        biz_buf_adds(out, tmp);
        return;
    }
    /* m = mant * 2 ** shift with a 53-bit mant (shift >= 11 here): its
     * bits, then shift zero bits, read off per digit from the left */
    int e;
    uint64_t mant = (uint64_t)ldexp(frexp(m, &e), 53);
    int shift = e - 53, per = base == 2 ? 1 : base == 8 ? 3 : 4;
    int nbits = 53 + shift;
    for (int d = (nbits + per - 1) / per - 1; d >= 0; d--) {
        unsigned val = 0;
        for (int b = per - 1; b >= 0; b--) {
            int bit = d * per + b;      /* counted from the right */
            val = val * 2 + (bit >= shift && bit < nbits && ((mant >> (bit - shift)) & 1));
        }
        biz_buf_addc(out, hex[val]);
    }
}

/* Appends str() of an int. */
static void int_str(biz_buf *out, const biz_pyfmt_val *v)
{
    if (int_negative(v))
        biz_buf_addc(out, '-');
    int_digits(out, v, 10);
}

/* ------------------------------------------------------------ str / repr */

/* Appends str(v) (repr 0) or repr(v). */
static int put_text(biz_pyfmt *f, const biz_pyfmt_val *v, int repr, biz_buf *out)
{
    switch (v->kind) {
    case BIZ_PYFMT_NONE: biz_buf_adds(out, "None"); return 0;
    case BIZ_PYFMT_BOOL: biz_buf_adds(out, v->i ? "True" : "False"); return 0;
    case BIZ_PYFMT_INT: int_str(out, v); return 0;
    case BIZ_PYFMT_FLOAT: biz_pyrepr_float(out, v->f); return 0;
    case BIZ_PYFMT_STR:
        if (repr)
            biz_pyrepr_str(out, v->s, v->len);
        else
            biz_buf_add(out, v->s, v->len);
        return 0;
    case BIZ_PYFMT_TUPLE:
        biz_buf_addc(out, '(');
        for (int i = 0; i < v->n; i++) {
            if (i)
                biz_buf_adds(out, ", ");
            if (put_text(f, &v->items[i], 1, out) < 0)
                return -1;
        }
        biz_buf_adds(out, v->n == 1 ? ",)" : ")");
        return 0;
    default:
        if (!f->text)
            return biz_pyfmt_fail(f, "TypeError: %s has no text here", type_name(v));
        return f->text(f, v, repr, out);
    }
}

int biz_pyfmt_text(biz_pyfmt *f, const biz_pyfmt_val *v, char conv, biz_buf *out)
{
    if (f->max_len)
        out->max = f->max_len;
    if (conv != 'a')
        return put_text(f, v, conv == 'r', out) < 0 ? -1 : buf_status(f, out);
    biz_buf r = scratch(f);
    int rc = put_text(f, v, 1, &r) < 0 ? -1 : buf_status(f, &r);
    if (rc == 0)
        biz_pyrepr_ascii(out, r.p ? r.p : "", r.n);
    biz_buf_free(&r);
    return rc < 0 ? -1 : buf_status(f, out);
}

/* ------------------------------------------------------------ the spec */

typedef struct spec {
    char fill[BIZ_UTF8_MAX_LEN];
    size_t fill_len;
    char align;         /* < > = ^ (the type's default when not given) */
    char sign;          /* + - ' ' or 0 */
    int no_neg_0, alt;
    long width, prec;   /* -1: not given */
    char group;         /* ',' '_' or 0 */
    int group_size;     /* 3, or 4 for '_' with b o x X */
    unsigned type;      /* a code point, or the type's default */
} spec;

/* Reads the decimal digits at s[*i..n) into *val (-1 when none):
 * CPython's get_integer, with its overflow message. */
static int spec_integer(biz_pyfmt *f, const char *s, size_t n, size_t *i, long *val)
{
    size_t start = *i;
    long v = 0;
    for (; *i < n && s[*i] >= '0' && s[*i] <= '9'; (*i)++) {
        int d = s[*i] - '0';
        if (v > (LONG_MAX - d) / 10)
            return biz_pyfmt_fail(f, "ValueError: Too many decimal digits in format string");
        v = v * 10 + d;
    }
    *val = *i > start ? v : -1;
    return 0;
}

static int bad_separator(biz_pyfmt *f, char sep, unsigned type)
{
    if (type > 32 && type < 128)
        return biz_pyfmt_fail(f, "ValueError: Cannot specify '%c' with '%c'.", sep, (char)type);
    return biz_pyfmt_fail(f, "ValueError: Cannot specify '%c' with '\\x%x'.", sep, type);
}

static int unknown_type(biz_pyfmt *f, unsigned type, const char *tname)
{
    if (type > 32 && type < 128)
        return biz_pyfmt_fail(f, "ValueError: Unknown format code '%c' for object of type '%s'", (char)type,
                              tname);
    return biz_pyfmt_fail(f, "ValueError: Unknown format code '\\x%x' for object of type '%s'", type, tname);
}

/* Parses spec s[0..n) for a value of type tname whose default type and
 * alignment are given: CPython's parse_internal_render_format_spec. */
static int parse_spec(biz_pyfmt *f, const char *s, size_t n, unsigned default_type, char default_align,
                      const char *tname, spec *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->fill[0] = ' ';
    sp->fill_len = 1;
    sp->align = default_align;
    sp->width = sp->prec = -1;
    sp->type = default_type;
    sp->group_size = 3;
    size_t i = 0;
    int fill_given = 0, align_given = 0;
    unsigned cp;
    size_t k = n ? char_at(s, n, &cp) : 0;
    if (n > k && s[k] && strchr("<>=^", s[k])) {
        memcpy(sp->fill, s, k);
        sp->fill_len = k;
        sp->align = s[k];
        fill_given = align_given = 1;
        i = k + 1;
    } else if (n && s[0] && strchr("<>=^", s[0])) {
        sp->align = s[0];
        align_given = 1;
        i = 1;
    }
    if (i < n && (s[i] == '+' || s[i] == '-' || s[i] == ' '))
        sp->sign = s[i++];
    if (i < n && s[i] == 'z') {
        sp->no_neg_0 = 1;
        i++;
    }
    if (i < n && s[i] == '#') {
        sp->alt = 1;
        i++;
    }
    if (!fill_given && i < n && s[i] == '0') {
        sp->fill[0] = '0';
        sp->fill_len = 1;
        if (!align_given && default_align == '>')
            sp->align = '=';
        i++;
    }
    if (spec_integer(f, s, n, &i, &sp->width) < 0)
        return -1;
    if (i < n && s[i] == ',') {
        sp->group = ',';
        i++;
    }
    if (i < n && s[i] == '_') {
        if (sp->group)
            return biz_pyfmt_fail(f, "ValueError: Cannot specify both ',' and '_'.");
        sp->group = '_';
        i++;
    }
    if (i < n && s[i] == ',' && sp->group == '_')
        return biz_pyfmt_fail(f, "ValueError: Cannot specify both ',' and '_'.");
    if (i < n && s[i] == '.') {
        i++;
        if (spec_integer(f, s, n, &i, &sp->prec) < 0)
            return -1;
        if (sp->prec < 0)
            return biz_pyfmt_fail(f, "ValueError: Format specifier missing precision");
    }
    if (i < n && biz_utf8_count(s + i, n - i) > 1)
        return biz_pyfmt_fail(f, "ValueError: Invalid format specifier '%.*s' for object of type '%s'", (int)n, s,
                              tname);
    if (i < n)
        char_at(s + i, n - i, &sp->type);
    if (f->max_width && (sp->width > f->max_width || sp->prec > f->max_width)) {
        f->why = BIZ_PYFMT_TOO_WIDE;
        snprintf(f->msg, sizeof f->msg, "format spec '%.*s': width or precision too large (at most %ld)", (int)n, s,
                 f->max_width);
        return -1;
    }
    if (sp->group) {
        switch (sp->type) {
        case 'd': case 'e': case 'f': case 'g': case 'E': case 'G': case '%': case 'F': case 0:
            break;
        case 'b': case 'o': case 'x': case 'X':
            if (sp->group == '_') {
                sp->group_size = 4;     /* every four digits in bin/oct/hex */
                break;
            }
            return bad_separator(f, sp->group, sp->type);
        default:
            return bad_separator(f, sp->group, sp->type);
        }
    }
    return 0;
}

/* ------------------------------------------------------------ layout */

/* Appends the fill character n times. */
static void pad(biz_buf *out, const spec *sp, long n)
{
    if (n > 0)
        biz_buf_fill(out, sp->fill, sp->fill_len, (size_t)n);
}

/* Appends digits[0..nd) with separators every size digits, zero-filled
 * on the left to min_width characters: CPython's
 * _PyUnicode_InsertThousandsGrouping (sep 0: no separators, only the
 * zeros), whose loop this follows. Built right to left, then reversed
 * (every character is ASCII). */
static void put_grouped(biz_buf *out, const char *digits, long nd, long min_width, char sep, int size)
{
    biz_buf rev = {0};
    rev.max = out->max;
    long remaining = nd;
    int use_sep = 0, broken = 0;
    if (sep) {
        for (;;) {
            long len = remaining > min_width ? remaining : min_width;
            len = len < 1 ? 1 : len > size ? size : len;
            long n_zeros = len - remaining > 0 ? len - remaining : 0;
            long n_chars = remaining < len ? remaining : len;
            if (n_chars < 0)
                n_chars = 0;
            if (use_sep)
                biz_buf_addc(&rev, sep);
            for (long i = 0; i < n_chars; i++)
                biz_buf_addc(&rev, digits[remaining - 1 - i]);
            biz_buf_fill(&rev, "0", 1, (size_t)n_zeros);
            use_sep = 1;
            remaining -= n_chars;
            min_width -= len;
            if (remaining <= 0 && min_width <= 0) {
                broken = 1;
                break;
            }
            min_width -= 1;
            if (biz_buf_failed(&rev))
                break;
        }
    }
    if (!broken && !biz_buf_failed(&rev)) {
        long len = remaining > min_width ? remaining : min_width;
        if (use_sep)
            biz_buf_addc(&rev, sep);
        for (long i = 0; i < remaining; i++)
            biz_buf_addc(&rev, digits[remaining - 1 - i]);
        biz_buf_fill(&rev, "0", 1, (size_t)(len - remaining > 0 ? len - remaining : 0));
    }
    if (biz_buf_failed(&rev)) {
        out->over |= rev.over;
        out->oom |= rev.oom;
    } else {
        for (size_t i = 0; i < rev.n; i++)
            biz_buf_addc(out, rev.p[rev.n - 1 - i]);
    }
    biz_buf_free(&rev);
}

/* The length put_grouped would append (the same loop, counting). */
static long grouped_len(long nd, long min_width, char sep, int size)
{
    long remaining = nd, count = 0;
    int use_sep = 0;
    if (sep) {
        for (;;) {
            long len = remaining > min_width ? remaining : min_width;
            len = len < 1 ? 1 : len > size ? size : len;
            long n_chars = remaining < len ? remaining : len;
            count += use_sep + len;
            use_sep = 1;
            remaining -= n_chars > 0 ? n_chars : 0;
            min_width -= len;
            if (remaining <= 0 && min_width <= 0)
                return count;
            min_width -= 1;
        }
    }
    long len = remaining > min_width ? remaining : min_width;
    return count + use_sep + len;
}

/* Appends a formatted number: CPython's calc_number_widths and
 * fill_number. neg: the value is negative; prefix "0x" or ""; digits the
 * part to group; rest (rest_chars characters) what follows them (the
 * decimal point, fraction, exponent, '%'; or 'c''s character). */
static void put_number(biz_buf *out, const spec *sp, int neg, const char *prefix, const char *digits, long nd,
                       const char *rest, size_t rest_len, long rest_chars, int upper)
{
    char sign = 0;
    if (sp->sign == '+')
        sign = neg ? '-' : '+';
    else if (sp->sign == ' ')
        sign = neg ? '-' : ' ';
    else if (neg)
        sign = '-';
    long n_prefix = (long)strlen(prefix);
    long non_digits = (sign != 0) + n_prefix + rest_chars;
    int zero_fill = sp->fill_len == 1 && sp->fill[0] == '0' && sp->align == '=';
    long min_width = zero_fill ? sp->width - non_digits : 0;
    long n_grouped = nd ? grouped_len(nd, min_width, sp->group, sp->group_size) : 0;
    long n_pad = sp->width - (non_digits + n_grouped);
    long lpad = 0, spad = 0, rpad = 0;
    if (n_pad > 0) {
        switch (sp->align) {
        case '<': rpad = n_pad; break;
        case '^': lpad = n_pad / 2; rpad = n_pad - lpad; break;
        case '=': spad = n_pad; break;
        default: lpad = n_pad; break;
        }
    }
    pad(out, sp, lpad);
    if (sign)
        biz_buf_addc(out, sign);
    for (long i = 0; i < n_prefix; i++)
        biz_buf_addc(out, upper && prefix[i] == 'x' ? 'X' : prefix[i]);
    pad(out, sp, spad);
    if (nd) {
        size_t at = out->n;
        put_grouped(out, digits, nd, min_width, sp->group, sp->group_size);
        for (size_t i = at; upper && !biz_buf_failed(out) && i < out->n; i++)
            if (out->p[i] >= 'a' && out->p[i] <= 'f')
                out->p[i] = (char)(out->p[i] - 'a' + 'A');
    }
    biz_buf_add(out, rest, rest_len);
    pad(out, sp, rpad);
}

/* ------------------------------------------------------------ format() */

static int format_str(biz_pyfmt *f, const char *s, size_t len, const char *spec_s, size_t spec_n, biz_buf *out)
{
    spec sp;
    if (parse_spec(f, spec_s, spec_n, 's', '<', "str", &sp) < 0)
        return -1;
    if (sp.type != 's')
        return unknown_type(f, sp.type, "str");
    if (sp.sign == ' ')
        return biz_pyfmt_fail(f, "ValueError: Space not allowed in string format specifier");
    if (sp.sign)
        return biz_pyfmt_fail(f, "ValueError: Sign not allowed in string format specifier");
    if (sp.no_neg_0)
        return biz_pyfmt_fail(f, "ValueError: Negative zero coercion (z) not allowed in string format specifier");
    if (sp.alt)
        return biz_pyfmt_fail(f, "ValueError: Alternate form (#) not allowed in string format specifier");
    if (sp.align == '=')
        return biz_pyfmt_fail(f, "ValueError: '=' alignment not allowed in string format specifier");
    long nchars = (long)biz_utf8_count(s, len);
    if (sp.prec >= 0 && nchars >= sp.prec) {
        len = biz_utf8_offset(s, len, (size_t)sp.prec);
        nchars = sp.prec;
    }
    long total = sp.width > nchars ? sp.width : nchars;
    long lpad = sp.align == '>' ? total - nchars : sp.align == '^' ? (total - nchars) / 2 : 0;
    pad(out, &sp, lpad);
    biz_buf_add(out, s, len);
    pad(out, &sp, total - nchars - lpad);
    return 0;
}

/* Formats double val with a parsed spec: CPython's format_float_internal. */
static int format_double(biz_pyfmt *f, double val, const spec *sp, biz_buf *out)
{
    unsigned type = sp->type;
    int flags = (sp->alt ? BIZ_PYREPR_ALT : 0) | (sp->no_neg_0 ? BIZ_PYREPR_NO_NEG_0 : 0);
    long prec = sp->prec, default_prec = 6;
    int pct = 0;
    if (sp->prec > INT_MAX)
        return biz_pyfmt_fail(f, "ValueError: precision too big");
    if (type == 0) {
        flags |= BIZ_PYREPR_DOT0;
        type = 'r';
        default_prec = 0;
    } else if (type == 'n') {
        type = 'g';     /* the C locale's: no separators */
    } else if (type == '%') {
        type = 'f';
        val *= 100;
        pct = 1;
    }
    if (prec < 0)
        prec = default_prec;
    else if (type == 'r')
        type = 'g';
    biz_buf text = scratch(f);
    biz_pyrepr_double(&text, val, (char)type, (int)prec, flags);
    if (pct)
        biz_buf_addc(&text, '%');
    if (buf_status(f, &text) < 0) {
        biz_buf_free(&text);
        return -1;
    }
    const char *t = text.p;
    int neg = t[0] == '-';
    t += neg;
    long nd = (long)strspn(t, "0123456789");
    size_t rest_len = strlen(t + nd);
    put_number(out, sp, neg, "", t, nd, t + nd, rest_len, (long)rest_len, 0);
    biz_buf_free(&text);
    return 0;
}

static int format_float(biz_pyfmt *f, double val, const char *spec_s, size_t spec_n, biz_buf *out)
{
    spec sp;
    if (parse_spec(f, spec_s, spec_n, 0, '>', "float", &sp) < 0)
        return -1;
    if (sp.type && !strchr("eEfFgGn%", (int)sp.type))
        return unknown_type(f, sp.type, "float");
    return format_double(f, val, &sp, out);
}

static int format_int(biz_pyfmt *f, const biz_pyfmt_val *v, const char *spec_s, size_t spec_n, biz_buf *out)
{
    const char *tname = type_name(v);
    spec sp;
    if (parse_spec(f, spec_s, spec_n, 'd', '>', tname, &sp) < 0)
        return -1;
    switch (sp.type) {
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case '%':
        return format_double(f, int_to_double(v), &sp, out);
    case 'b': case 'c': case 'd': case 'o': case 'x': case 'X': case 'n':
        break;
    default:
        return unknown_type(f, sp.type, tname);
    }
    if (sp.prec != -1)
        return biz_pyfmt_fail(f, "ValueError: Precision not allowed in integer format specifier");
    if (sp.no_neg_0)
        return biz_pyfmt_fail(f, "ValueError: Negative zero coercion (z) not allowed in integer format specifier");
    if (sp.type == 'c') {
        if (sp.sign)
            return biz_pyfmt_fail(f, "ValueError: Sign not allowed with integer format specifier 'c'");
        if (sp.alt)
            return biz_pyfmt_fail(f, "ValueError: Alternate form (#) not allowed with integer format specifier 'c'");
        if (v->big)
            return biz_pyfmt_fail(f, "OverflowError: Python int too large to convert to C long");
        if (v->i < 0 || v->i > (int64_t)BIZ_UTF8_MAX_CP)
            return biz_pyfmt_fail(f, "OverflowError: %%c arg not in range(0x110000)");
        char ch[BIZ_UTF8_MAX_LEN];
        int k = biz_utf8_put((unsigned)v->i, ch);
        put_number(out, &sp, 0, "", "", 0, ch, (size_t)k, 1, 0);
        return 0;
    }
    int base = sp.type == 'b' ? 2 : sp.type == 'o' ? 8 : sp.type == 'x' || sp.type == 'X' ? 16 : 10;
    const char *prefix = !sp.alt ? "" : base == 2 ? "0b" : base == 8 ? "0o" : base == 16 ? "0x" : "";
    biz_buf digits = scratch(f);
    int_digits(&digits, v, base);
    if (buf_status(f, &digits) < 0) {
        biz_buf_free(&digits);
        return -1;
    }
    put_number(out, &sp, int_negative(v), prefix, digits.p, (long)digits.n, "", 0, 0, sp.type == 'X');
    biz_buf_free(&digits);
    return 0;
}

/* format(v, spec) into out (its cap already set). */
static int format_value(biz_pyfmt *f, const biz_pyfmt_val *v, const char *spec_s, size_t spec_n, biz_buf *out)
{
    if (spec_n == 0)
        return put_text(f, v, 0, out);
    switch (v->kind) {
    case BIZ_PYFMT_STR: return format_str(f, v->s, v->len, spec_s, spec_n, out);
    case BIZ_PYFMT_INT: case BIZ_PYFMT_BOOL: return format_int(f, v, spec_s, spec_n, out);
    case BIZ_PYFMT_FLOAT: return format_float(f, v->f, spec_s, spec_n, out);
    default:
        return biz_pyfmt_fail(f, "TypeError: unsupported format string passed to %s.__format__", type_name(v));
    }
}

int biz_pyfmt_format(biz_pyfmt *f, const biz_pyfmt_val *v, const char *spec_s, size_t spec_n, biz_buf *out)
{
    if (f->max_len)
        out->max = f->max_len;
    return format_value(f, v, spec_s, spec_n, out) < 0 ? -1 : buf_status(f, out);
}

static int bad_conversion(biz_pyfmt *f, unsigned conv)
{
    if (conv > 32 && conv < 127)
        return biz_pyfmt_fail(f, "ValueError: Unknown conversion specifier %c", (char)conv);
    return biz_pyfmt_fail(f, "ValueError: Unknown conversion specifier \\x%x", conv);
}

/* v converted by conv (0: none) then formatted with spec. */
static int convert_and_format(biz_pyfmt *f, const biz_pyfmt_val *v, unsigned conv, const char *spec_s,
                              size_t spec_n, biz_buf *out)
{
    if (!conv)
        return format_value(f, v, spec_s, spec_n, out);
    if (conv != 'r' && conv != 's' && conv != 'a')
        return bad_conversion(f, conv);
    biz_buf text = scratch(f);
    int rc = biz_pyfmt_text(f, v, (char)conv, &text);
    if (rc == 0) {
        biz_pyfmt_val s = { .kind = BIZ_PYFMT_STR, .s = text.p ? text.p : "", .len = text.n };
        rc = format_value(f, &s, spec_s, spec_n, out);
    }
    biz_buf_free(&text);
    return rc;
}

int biz_pyfmt_field(biz_pyfmt *f, const biz_pyfmt_val *v, char conv, const char *spec_s, size_t spec_n,
                    biz_buf *out)
{
    if (f->max_len)
        out->max = f->max_len;
    return convert_and_format(f, v, (unsigned char)conv, spec_s, spec_n, out) < 0 ? -1 : buf_status(f, out);
}

/* ------------------------------------------------------------ str.format */

typedef struct fmt_job {
    biz_pyfmt *f;
    const biz_pyfmt_val *args;
    int nargs;
    const char *const *kwnames;
    const biz_pyfmt_val *kwargs;
    int nkw;
    enum { AN_INIT, AN_AUTO, AN_MANUAL } an_state;
    long an_next;
} fmt_job;

/* s[0..n) as a field index: its value, or -1 when it is empty or not
 * all digits (CPython's get_integer for field names). */
static int field_integer(biz_pyfmt *f, const char *s, size_t n, long *val)
{
    *val = -1;
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = s[i] - '0';
        if (v > (LONG_MAX - d) / 10)
            return biz_pyfmt_fail(f, "ValueError: Too many decimal digits in format string");
        v = v * 10 + d;
    }
    *val = v;
    return 0;
}

/* KeyError: repr(key). */
static int key_error(biz_pyfmt *f, const char *key, size_t n)
{
    biz_buf r = {0};
    biz_pyrepr_str(&r, key, n);
    biz_pyfmt_fail(f, "KeyError: %s", r.p ? r.p : "''");
    biz_buf_free(&r);
    return -1;
}

/* obj[key] (idx >= 0: the integer key, else the string key) into *out. */
static int get_item(biz_pyfmt *f, const biz_pyfmt_val *obj, long idx, const char *key, size_t klen,
                    biz_pyfmt_val *out)
{
    switch (obj->kind) {
    case BIZ_PYFMT_STR: {
        if (idx < 0)
            return biz_pyfmt_fail(f, "TypeError: string indices must be integers, not 'str'");
        size_t at = biz_utf8_offset(obj->s, obj->len, (size_t)idx);
        if (at >= obj->len)
            return biz_pyfmt_fail(f, "IndexError: string index out of range");
        unsigned cp;
        *out = (biz_pyfmt_val){ .kind = BIZ_PYFMT_STR, .s = obj->s + at, .len = char_at(obj->s + at, obj->len - at, &cp) };
        return 0;
    }
    case BIZ_PYFMT_TUPLE:
        if (idx < 0)
            return biz_pyfmt_fail(f, "TypeError: tuple indices must be integers or slices, not str");
        if (idx >= obj->n)
            return biz_pyfmt_fail(f, "IndexError: tuple index out of range");
        *out = obj->items[idx];
        return 0;
    case BIZ_PYFMT_OTHER:
        if (f->item) {
            biz_pyfmt_val k = idx >= 0 ? (biz_pyfmt_val){ .kind = BIZ_PYFMT_INT, .i = idx }
                                       : (biz_pyfmt_val){ .kind = BIZ_PYFMT_STR, .s = key, .len = klen };
            return f->item(f, obj, &k, out);
        }
        /* fall through */
    default:
        return biz_pyfmt_fail(f, "TypeError: '%s' object is not subscriptable", type_name(obj));
    }
}

/* obj.name into *out. */
static int get_attr(biz_pyfmt *f, const biz_pyfmt_val *obj, const char *name, size_t n, biz_pyfmt_val *out)
{
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%.*s", (int)n, name);
    if (obj->kind == BIZ_PYFMT_OTHER && f->attr)
        return f->attr(f, obj, tmp, out);
    return biz_pyfmt_fail(f, "AttributeError: '%s' object has no attribute '%s'", type_name(obj), tmp);
}

/* The object a field name (s[0..n)) names: an argument, then its .attr
 * and [key] parts (CPython's get_field_object). */
static int field_object(fmt_job *j, const char *s, size_t n, biz_pyfmt_val *out)
{
    biz_pyfmt *f = j->f;
    size_t first = 0;
    while (first < n && s[first] != '.' && s[first] != '[')
        first++;
    long idx;
    if (field_integer(f, s, first, &idx) < 0)
        return -1;
    int empty = first == 0;
    if (empty || idx != -1) {
        if (j->an_state == AN_INIT)
            j->an_state = empty ? AN_AUTO : AN_MANUAL;
        if (j->an_state == AN_MANUAL && empty)
            return biz_pyfmt_fail(f, "ValueError: cannot switch from manual field specification to automatic "
                                     "field numbering");
        if (j->an_state == AN_AUTO && !empty)
            return biz_pyfmt_fail(f, "ValueError: cannot switch from automatic field numbering to manual field "
                                     "specification");
        if (empty)
            idx = j->an_next++;
    }
    if (idx == -1) {
        int found = 0;
        for (int k = 0; k < j->nkw && !found; k++)
            if (strlen(j->kwnames[k]) == first && !memcmp(j->kwnames[k], s, first)) {
                *out = j->kwargs[k];
                found = 1;
            }
        if (!found)
            return key_error(f, s, first);
    } else {
        if (idx >= j->nargs)
            return biz_pyfmt_fail(f, "IndexError: Replacement index %ld out of range for positional args tuple",
                                  idx);
        *out = j->args[idx];
    }
    for (size_t i = first; i < n;) {
        char c = s[i++];
        size_t start = i, end;
        if (c == '.') {
            while (i < n && s[i] != '.' && s[i] != '[')
                i++;
            end = i;
        } else if (c == '[') {
            while (i < n && s[i] != ']')
                i++;
            if (i >= n)
                return biz_pyfmt_fail(f, "ValueError: Missing ']' in format string");
            end = i++;
        } else {
            return biz_pyfmt_fail(f, "ValueError: Only '.' or '[' may follow ']' in format field specifier");
        }
        if (end == start)
            return biz_pyfmt_fail(f, "ValueError: Empty attribute in format string");
        biz_pyfmt_val next;
        int rc;
        if (c == '.') {
            rc = get_attr(f, out, s + start, end - start, &next);
        } else {
            long k;
            if (field_integer(f, s + start, end - start, &k) < 0)
                return -1;
            rc = get_item(f, out, k, s + start, end - start, &next);
        }
        if (rc < 0)
            return -1;
        *out = next;
    }
    return 0;
}

static int build(fmt_job *j, const char *s, size_t n, int depth, biz_buf *out);

/* One replacement field at s[*i..n) (after its '{'): parsed as CPython's
 * parse_field, then looked up, converted, its spec expanded, formatted. */
static int output_field(fmt_job *j, const char *s, size_t n, size_t *pi, int depth, biz_buf *out)
{
    biz_pyfmt *f = j->f;
    size_t i = *pi, name_start = i, name_end, spec_start = 0, spec_end = 0;
    unsigned conv = 0;
    int expand = 0;
    char c = 0;
    while (i < n) {
        c = s[i++];
        if (c == '{')
            return biz_pyfmt_fail(f, "ValueError: unexpected '{' in field name");
        if (c == '[') {
            while (i < n && s[i] != ']')
                i++;
            continue;
        }
        if (c == '}' || c == ':' || c == '!')
            break;
    }
    name_end = i - 1;
    if (c == '!' || c == ':') {
        int done = 0;
        if (c == '!') {
            if (i >= n)
                return biz_pyfmt_fail(f, "ValueError: end of string while looking for conversion specifier");
            i += char_at(s + i, n - i, &conv);
            if (i < n) {
                char d = s[i++];
                if (d == '}')
                    done = 1;
                else if (d != ':')
                    return biz_pyfmt_fail(f, "ValueError: expected ':' after conversion specifier");
            }
        }
        if (!done) {
            int count = 1;
            spec_start = i;
            while (i < n && count) {
                c = s[i++];
                if (c == '{') {
                    expand = 1;
                    count++;
                } else if (c == '}') {
                    count--;
                }
            }
            if (count)
                return biz_pyfmt_fail(f, "ValueError: unmatched '{' in format spec");
            spec_end = i - 1;
        }
    } else if (c != '}') {
        return biz_pyfmt_fail(f, "ValueError: expected '}' before end of string");
    }
    *pi = i;
    biz_pyfmt_val obj;
    if (field_object(j, s + name_start, name_end - name_start, &obj) < 0)
        return -1;
    if (conv && conv != 'r' && conv != 's' && conv != 'a')
        return bad_conversion(f, conv);
    const char *spec_s = s + spec_start;
    size_t spec_n = spec_end - spec_start;
    biz_buf expanded = scratch(f);
    if (expand) {
        if (build(j, spec_s, spec_n, depth - 1, &expanded) < 0 || buf_status(f, &expanded) < 0) {
            biz_buf_free(&expanded);
            return -1;
        }
        spec_s = expanded.p ? expanded.p : "";
        spec_n = expanded.n;
    }
    int rc = convert_and_format(f, &obj, conv, spec_s, spec_n, out);
    biz_buf_free(&expanded);
    return rc;
}

/* Appends s[0..n) with its fields replaced (CPython's build_string and
 * MarkupIterator_next); depth: the nesting of specs still allowed. */
static int build(fmt_job *j, const char *s, size_t n, int depth, biz_buf *out)
{
    biz_pyfmt *f = j->f;
    if (depth <= 0)
        return biz_pyfmt_fail(f, "ValueError: Max string recursion exceeded");
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        char c = 0;
        int markup = 0;
        while (i < n) {
            c = s[i++];
            if (c == '{' || c == '}') {
                markup = 1;
                break;
            }
        }
        int at_end = i >= n;
        size_t len = i - start;
        if (markup && c == '}' && (at_end || s[i] != '}'))
            return biz_pyfmt_fail(f, "ValueError: Single '}' encountered in format string");
        if (markup && at_end && c == '{')
            return biz_pyfmt_fail(f, "ValueError: Single '{' encountered in format string");
        if (markup) {
            if (s[i] == c) {    /* '{{' or '}}': the brace itself */
                i++;
                markup = 0;
            } else {
                len--;
            }
        }
        biz_buf_add(out, s + start, len);
        if (markup && output_field(j, s, n, &i, depth, out) < 0)
            return -1;
        if (biz_buf_failed(out))
            return buf_status(f, out);
    }
    return 0;
}

int biz_pyfmt_str_format(biz_pyfmt *f, const char *fmt, size_t len, const biz_pyfmt_val *args, int nargs,
                         const char *const *kwnames, const biz_pyfmt_val *kwargs, int nkw, biz_buf *out)
{
    if (f->max_len)
        out->max = f->max_len;
    fmt_job j = { f, args, nargs, kwnames, kwargs, nkw, AN_INIT, 0 };
    return build(&j, fmt, len, 2, out) < 0 ? -1 : buf_status(f, out);
}

/* ------------------------------------------------------------ '%' */

enum { F_LJUST = 1, F_SIGN = 2, F_BLANK = 4, F_ALT = 8, F_ZERO = 16 };

/* The state of one 'text' % arg (CPython's unicode_formatter_t). */
typedef struct pct_job {
    biz_pyfmt *f;
    const char *s;
    size_t n, i;        /* the format, and where it is read */
    unsigned ch;        /* the character read last */
    int ended;          /* a read was tried past the end */
    size_t ch_at;       /* byte offset of ch */
    const biz_pyfmt_val *arg;   /* the right operand */
    const biz_pyfmt_val *single;/* the one argument: arg, or a %(name) value */
    biz_pyfmt_val keyed;
    long arglen, argidx;
    int dict;
} pct_job;

/* Reads the next character; at the end, sets ended and keeps ch. */
static void pct_next(pct_job *p)
{
    if (p->i >= p->n) {
        p->ended = 1;
        return;
    }
    p->ch_at = p->i;
    p->i += char_at(p->s + p->i, p->n - p->i, &p->ch);
}

/* The next argument (CPython's unicode_format_getnextarg). */
static const biz_pyfmt_val *pct_arg(pct_job *p)
{
    if (p->argidx < p->arglen) {
        long k = p->argidx++;
        return p->arglen < 0 ? p->single : &p->arg->items[k];
    }
    biz_pyfmt_fail(p->f, "TypeError: not enough arguments for format string");
    return NULL;
}

/* A '*' width or precision: the next argument, an int (ctype: the C
 * type Python names when it is too large). */
static int pct_star(pct_job *p, long *val, const char *ctype)
{
    const biz_pyfmt_val *v = pct_arg(p);
    if (!v)
        return -1;
    if (!is_int(v))
        return biz_pyfmt_fail(p->f, "TypeError: * wants int");
    if (v->big)
        return biz_pyfmt_fail(p->f, "OverflowError: Python int too large to convert to C %s", ctype);
    *val = (long)v->i;
    return 0;
}

/* Reads digits into *val, the first already in p->ch. */
static int pct_digits(pct_job *p, long *val, long max, const char *too_big)
{
    *val = (long)(p->ch - '0');
    for (;;) {
        pct_next(p);
        if (p->ended || p->ch < '0' || p->ch > '9')
            return 0;
        int d = (int)(p->ch - '0');
        if (*val > (max - d) / 10)
            return biz_pyfmt_fail(p->f, "ValueError: %s", too_big);
        *val = *val * 10 + d;
    }
}

/* %d %i %u %o %x %X of v: sign, "0x" when '#', prec zeros, digits
 * (CPython's mainformatlong and _PyUnicode_FormatLong). */
static int pct_long(pct_job *p, const biz_pyfmt_val *v, int flags, long prec, biz_buf *out)
{
    biz_pyfmt *f = p->f;
    char type = (char)p->ch;
    biz_pyfmt_val iv;
    if (v->kind == BIZ_PYFMT_FLOAT && type != 'o' && type != 'x' && type != 'X') {
        if (isnan(v->f))
            return biz_pyfmt_fail(f, "ValueError: cannot convert float NaN to integer");
        if (isinf(v->f))
            return biz_pyfmt_fail(f, "OverflowError: cannot convert float infinity to integer");
        double t = trunc(v->f);
        iv = (biz_pyfmt_val){ .kind = BIZ_PYFMT_INT };
        if (fabs(t) < 9.2e18)
            iv.i = (int64_t)t;
        else
            iv.big = 1, iv.f = t;
        v = &iv;
    } else if (!is_int(v)) {
        if (type == 'o' || type == 'x' || type == 'X')
            return biz_pyfmt_fail(f, "TypeError: %%%c format: an integer is required, not %s", type, type_name(v));
        return biz_pyfmt_fail(f, "TypeError: %%%c format: a real number is required, not %s", type, type_name(v));
    }
    int base = type == 'o' ? 8 : type == 'x' || type == 'X' ? 16 : 10;
    biz_buf digits = scratch(f);
    int_digits(&digits, v, base);
    if (buf_status(f, &digits) < 0) {
        biz_buf_free(&digits);
        return -1;
    }
    if (int_negative(v))
        biz_buf_addc(out, '-');
    if ((flags & F_ALT) && base != 10)
        biz_buf_adds(out, base == 8 ? "0o" : type == 'X' ? "0X" : "0x");
    if (prec > (long)digits.n)
        biz_buf_fill(out, "0", 1, (size_t)prec - digits.n);
    for (size_t i = 0; i < digits.n; i++) {
        char c = digits.p[i];
        biz_buf_addc(out, type == 'X' && c >= 'a' ? (char)(c - 'a' + 'A') : c);
    }
    biz_buf_free(&digits);
    return 0;
}

/* Writes the converted text str (len bytes) with the width, sign and
 * '#' prefix rules: CPython's unicode_format_arg_output. */
static void pct_output(pct_job *p, const char *str, size_t len, int flags, long width, long prec, int sign,
                       biz_buf *out)
{
    char type = (char)p->ch;
    char fill = sign && (flags & F_ZERO) ? '0' : ' ';
    long n = (long)biz_utf8_count(str, len);
    if ((width == -1 || width <= n) && (prec == -1 || prec >= n) && !(flags & (F_SIGN | F_BLANK))) {
        biz_buf_add(out, str, len);
        return;
    }
    if ((type == 's' || type == 'r' || type == 'a') && prec >= 0 && n > prec)
        n = prec;
    size_t at = 0;
    char signchar = 0;
    if (sign) {
        if (str[0] == '-' || str[0] == '+') {
            signchar = str[0];
            n--;
            at++;
        } else if (flags & F_SIGN) {
            signchar = '+';
        } else if (flags & F_BLANK) {
            signchar = ' ';
        } else {
            sign = 0;
        }
    }
    if (width < n)
        width = n;
    if (sign) {
        if (fill != ' ')
            biz_buf_addc(out, signchar);
        if (width > n)
            width--;
    }
    int prefix = (flags & F_ALT) && (type == 'x' || type == 'X' || type == 'o');
    if (prefix) {
        if (fill != ' ') {
            biz_buf_add(out, str + at, 2);
            at += 2;
        }
        width -= 2;
        if (width < 0)
            width = 0;
        n -= 2;
    }
    if (width > n && !(flags & F_LJUST)) {
        biz_buf_fill(out, &fill, 1, (size_t)(width - n));
        width = n;
    }
    if (fill == ' ') {
        if (sign)
            biz_buf_addc(out, signchar);
        if (prefix) {
            biz_buf_add(out, str + at, 2);
            at += 2;
        }
    }
    biz_buf_add(out, str + at, biz_utf8_offset(str + at, len - at, (size_t)(n > 0 ? n : 0)));
    if (width > n)
        biz_buf_fill(out, " ", 1, (size_t)(width - n));
}

/* One conversion after its '%' (CPython's unicode_format_arg). */
static int pct_one(pct_job *p, biz_buf *out)
{
    biz_pyfmt *f = p->f;
    int flags = 0;
    long width = -1, prec = -1;
    p->ch = 0;      /* nothing read yet for this conversion */
    if (p->i < p->n && p->s[p->i] == '(') {
        if (!p->dict)
            return biz_pyfmt_fail(f, "TypeError: format requires a mapping");
        size_t start = ++p->i;
        int depth = 1;
        while (depth > 0 && p->i < p->n) {
            char c = p->s[p->i++];
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
        }
        if (depth > 0)
            return biz_pyfmt_fail(f, "ValueError: incomplete format key");
        biz_pyfmt_val key = { .kind = BIZ_PYFMT_STR, .s = p->s + start, .len = p->i - 1 - start };
        if (!f->item)
            return key_error(f, key.s, key.len);
        if (f->item(f, p->arg, &key, &p->keyed) < 0)
            return -1;
        p->single = &p->keyed;
        p->arglen = -1;
        p->argidx = -2;
    }
    for (;;) {
        pct_next(p);
        if (p->ended)
            break;
        int flag = p->ch == '-' ? F_LJUST : p->ch == '+' ? F_SIGN : p->ch == ' ' ? F_BLANK
                 : p->ch == '#' ? F_ALT : p->ch == '0' ? F_ZERO : 0;
        if (!flag)
            break;
        flags |= flag;
    }
    if (p->ch == '*') {
        if (pct_star(p, &width, "ssize_t") < 0)
            return -1;
        if (width < 0) {
            flags |= F_LJUST;
            width = -width;
        }
        pct_next(p);
    } else if (p->ch >= '0' && p->ch <= '9') {
        if (pct_digits(p, &width, LONG_MAX, "width too big") < 0)
            return -1;
    }
    if (p->ch == '.') {
        prec = 0;
        pct_next(p);
        if (p->ch == '*') {
            if (pct_star(p, &prec, "int") < 0)
                return -1;
            if (prec > INT_MAX)
                return biz_pyfmt_fail(f, "OverflowError: Python int too large to convert to C int");
            if (prec < 0)
                prec = 0;
            pct_next(p);
        } else if (p->ch >= '0' && p->ch <= '9') {
            if (pct_digits(p, &prec, INT_MAX, "precision too big") < 0)
                return -1;
        }
    }
    if (!p->ended && (p->ch == 'h' || p->ch == 'l' || p->ch == 'L'))
        pct_next(p);    /* C's length modifiers, which Python ignores */
    if (p->ended)
        return biz_pyfmt_fail(f, "ValueError: incomplete format");
    if (f->max_width && (width > f->max_width || prec > f->max_width)) {
        f->why = BIZ_PYFMT_TOO_WIDE;
        snprintf(f->msg, sizeof f->msg, "'%%' format width or precision too large (at most %ld)", f->max_width);
        return -1;
    }
    const biz_pyfmt_val *v = pct_arg(p);
    if (!v)
        return -1;
    biz_buf text = scratch(f);
    int sign = 0, rc = 0;
    switch (p->ch) {
    case 's': case 'r': case 'a':
        rc = biz_pyfmt_text(f, v, (char)p->ch, &text);
        break;
    case 'i': case 'd': case 'u': case 'o': case 'x': case 'X':
        rc = pct_long(p, v, flags, prec, &text);
        sign = 1;
        break;
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
        if (v->kind != BIZ_PYFMT_FLOAT && !is_int(v)) {
            rc = biz_pyfmt_fail(f, "TypeError: must be real number, not %s", type_name(v));
            break;
        }
        biz_pyrepr_double(&text, v->kind == BIZ_PYFMT_FLOAT ? v->f : int_to_double(v), (char)p->ch,
                          prec < 0 ? 6 : (int)prec, flags & F_ALT ? BIZ_PYREPR_ALT : 0);
        sign = 1;
        break;
    case 'c':
        if (v->kind == BIZ_PYFMT_STR && biz_utf8_count(v->s, v->len) == 1) {
            biz_buf_add(&text, v->s, v->len);
        } else if (is_int(v)) {
            if (v->big || v->i < 0 || v->i > (int64_t)BIZ_UTF8_MAX_CP) {
                rc = biz_pyfmt_fail(f, "OverflowError: %%c arg not in range(0x110000)");
                break;
            }
            char ch[BIZ_UTF8_MAX_LEN];
            biz_buf_add(&text, ch, (size_t)biz_utf8_put((unsigned)v->i, ch));
        } else {
            rc = biz_pyfmt_fail(f, "TypeError: %%c requires int or char");
        }
        break;
    default:
        rc = biz_pyfmt_fail(f, "ValueError: unsupported format character '%c' (0x%x) at index %zu",
                            p->ch >= 31 && p->ch <= 126 ? (char)p->ch : '?', p->ch,
                            biz_utf8_count(p->s, p->ch_at));
    }
    if (rc == 0 && (rc = buf_status(f, &text)) == 0)
        pct_output(p, text.p ? text.p : "", text.n, flags, width, prec, sign, out);
    biz_buf_free(&text);
    if (rc == 0 && p->dict && p->argidx < p->arglen)
        rc = biz_pyfmt_fail(f, "TypeError: not all arguments converted during string formatting");
    return rc;
}

int biz_pyfmt_percent(biz_pyfmt *f, const char *fmt, size_t len, const biz_pyfmt_val *arg, biz_buf *out)
{
    if (f->max_len)
        out->max = f->max_len;
    pct_job p = { .f = f, .s = fmt, .n = len, .arg = arg, .single = arg };
    if (arg->kind == BIZ_PYFMT_TUPLE) {
        p.arglen = arg->n;
        p.argidx = 0;
    } else {
        p.arglen = -1;
        p.argidx = -2;
    }
    p.dict = arg->kind == BIZ_PYFMT_OTHER && arg->mapping;
    while (p.i < len) {
        if (fmt[p.i] != '%') {
            const char *next = memchr(fmt + p.i, '%', len - p.i);
            size_t end = next ? (size_t)(next - fmt) : len;
            biz_buf_add(out, fmt + p.i, end - p.i);
            p.i = end;
            continue;
        }
        p.i++;
        if (p.i < len && fmt[p.i] == '%') {
            biz_buf_addc(out, '%');
            p.i++;
            continue;
        }
        p.ended = 0;
        if (pct_one(&p, out) < 0)
            return -1;
        if (biz_buf_failed(out))
            return buf_status(f, out);
    }
    if (p.argidx < p.arglen && !p.dict)
        return biz_pyfmt_fail(f, "TypeError: not all arguments converted during string formatting");
    return buf_status(f, out);
}
