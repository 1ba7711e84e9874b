/* pyformat.h: Python's string formatting, once, for the compiler's
 * constant evaluator and the template engine: format(value, spec) with the
 * format-spec mini-language, str.format() with its replacement fields, and
 * printf-style 'text' % values, each as CPython 3.11 does it, with its
 * error messages.
 *
 * Values come in as biz_pyfmt_val, a neutral description the caller fills
 * from its own value (an sx_val, a cJSON node): the scalars Python formats
 * itself, a tuple's items, and for anything else a type name and a pointer
 * back to the caller's value, which the caller's callbacks print and index.
 *
 * Ownership: every value, string and callback is borrowed for the call.
 * Results are appended to the caller's biz_buf; a value the item / attr
 * callbacks return must stay valid until the call returns (the caller
 * keeps what it makes until then).
 */
#ifndef BIZ_PYFORMAT_H
#define BIZ_PYFORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* What a value is, for formatting. */
typedef enum biz_pyfmt_kind {
    BIZ_PYFMT_NONE,
    BIZ_PYFMT_BOOL,
    BIZ_PYFMT_INT,
    BIZ_PYFMT_FLOAT,
    BIZ_PYFMT_STR,
    BIZ_PYFMT_TUPLE,    /* items: where 'text' % (a, b) takes its arguments */
    BIZ_PYFMT_OTHER,    /* a list, dict, date-time ...: the caller prints it */
} biz_pyfmt_kind;

typedef struct biz_pyfmt_val {
    biz_pyfmt_kind kind;
    int64_t i;          /* BOOL (0 or 1), INT */
    double f;           /* FLOAT; an INT past int64 (big) */
    int big;            /* INT: the value is f, integral and too large for i */
    const char *s;      /* STR: UTF-8 text of len bytes */
    size_t len;
    const struct biz_pyfmt_val *items;  /* TUPLE: n items */
    int n;
    const char *type;   /* OTHER: Python's type name, for messages ("list") */
    int mapping;        /* OTHER: has [] (a dict, a list): '%' takes it as a mapping */
    const void *ref;    /* OTHER: the caller's own value, for its callbacks */
} biz_pyfmt_val;

/* Why a call failed. */
typedef enum biz_pyfmt_why {
    BIZ_PYFMT_OK,
    BIZ_PYFMT_ERROR,     /* Python raises: msg is "ValueError: ..." */
    BIZ_PYFMT_TOO_WIDE,  /* a width or precision past max_width: msg says so */
    BIZ_PYFMT_TOO_LONG,  /* the result would pass max_len */
    BIZ_PYFMT_NOMEM,     /* out of memory */
    BIZ_PYFMT_REPORTED,  /* a callback reported it already (its own way) */
} biz_pyfmt_why;

typedef struct biz_pyfmt biz_pyfmt;

/* A formatting job: the caller's callbacks and limits, and after a
 * failure (a call returned -1) why and Python's message. Set the fields
 * before the call; NULL callbacks mean "no such value here". */
struct biz_pyfmt {
    void *user;
    /* Appends str(v) (repr 0) or repr(v) (repr 1) of an OTHER value
     * (also of an OTHER value nested in a tuple). 0, or -1 after
     * biz_pyfmt_fail. */
    int (*text)(biz_pyfmt *f, const biz_pyfmt_val *v, int repr, biz_buf *out);
    /* obj[key] of an OTHER value, key an INT or a STR, into *out. 0, or
     * -1 after biz_pyfmt_fail (KeyError: 'x' ...). */
    int (*item)(biz_pyfmt *f, const biz_pyfmt_val *obj, const biz_pyfmt_val *key, biz_pyfmt_val *out);
    /* obj.name of an OTHER value, into *out; likewise. */
    int (*attr)(biz_pyfmt *f, const biz_pyfmt_val *obj, const char *name, biz_pyfmt_val *out);
    long max_width;      /* widths and precisions past it refused; 0: none */
    size_t max_len;      /* bytes a result may have; 0: no limit */
    biz_pyfmt_why why;
    char msg[256];
};

/* Records a failure of kind BIZ_PYFMT_ERROR with the printf message
 * (Python's, "TypeError: ..."); returns -1. For callbacks too. */
int biz_pyfmt_fail(biz_pyfmt *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends format(v, spec): spec[0..speclen) in the mini-language
 * [[fill]align][sign][z][#][0][width][grouping][.precision][type].
 * 0, or -1 with f->why and f->msg set. */
int biz_pyfmt_format(biz_pyfmt *f, const biz_pyfmt_val *v, const char *spec, size_t speclen, biz_buf *out);

/* Appends str(v) (conv 's'), repr(v) ('r') or ascii(v) ('a'). */
int biz_pyfmt_text(biz_pyfmt *f, const biz_pyfmt_val *v, char conv, biz_buf *out);

/* One replacement field of an f-string: v converted by conv ('r', 's',
 * 'a', or 0 for none), then formatted with spec (already expanded). */
int biz_pyfmt_field(biz_pyfmt *f, const biz_pyfmt_val *v, char conv, const char *spec, size_t speclen,
                    biz_buf *out);

/* Appends fmt.format(*args, **kwargs): fmt[0..len), nargs positional
 * arguments, nkw keyword arguments named kwnames. */
int biz_pyfmt_str_format(biz_pyfmt *f, const char *fmt, size_t len, const biz_pyfmt_val *args, int nargs,
                         const char *const *kwnames, const biz_pyfmt_val *kwargs, int nkw, biz_buf *out);

/* Appends fmt % arg: a TUPLE gives the arguments, a mapping the %(name)s
 * values, anything else is the one argument. */
int biz_pyfmt_percent(biz_pyfmt *f, const char *fmt, size_t len, const biz_pyfmt_val *arg, biz_buf *out);

#endif
