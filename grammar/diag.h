/* diag.h: source files and diagnostics.
 *
 * A biz_source holds a file's bytes and a line map; positions are turned
 * into "file:line:col", the source line and a caret only when a diagnostic
 * is printed (jq's locfile). Every stage reports through biz_diag_*, which
 * counts errors so the compiler keeps going and reports them all.
 *
 * Ownership: biz_source owns its text; biz_diags owns the stored messages.
 */
#ifndef BIZ_DIAG_H
#define BIZ_DIAG_H

#include <stdarg.h>
#include <stdio.h>
#include "ast.h"

typedef struct biz_source {
    char *path;         /* as given by the user, used in messages */
    char *text;         /* the file's bytes, NUL-terminated */
    size_t len;         /* bytes, not counting the NUL */
    int *line_starts;   /* byte offset where line i+1 starts */
    int nlines;
} biz_source;

/* Reads path into a new source; NULL (errno set) when it cannot be read. */
biz_source *biz_source_read(const char *path);
/* Wraps a buffer (copied) as a source named path; used by tests. */
biz_source *biz_source_from_string(const char *path, const char *text, size_t len);
void biz_source_free(biz_source *src);
/* The position of byte offset off (clamped to the text). */
biz_pos biz_source_pos(const biz_source *src, int off);
/* The same, trying the line *line (0-based) and the next one before
 * searching (for positions made in file order, such as the scanner's);
 * *line gets the line found. */
biz_pos biz_source_pos_near(const biz_source *src, int off, int *line);
/* The text of line (1-based) without its newline; *len gets its length. */
const char *biz_source_line(const biz_source *src, int line, int *len);

typedef enum biz_severity { BIZ_ERROR, BIZ_WARNING, BIZ_NOTE } biz_severity;

/* One reported diagnostic, kept so tests can inspect them. */
typedef struct biz_diag {
    biz_severity severity;
    biz_span span;
    char *message;
    char *hint;         /* NULL or "did you mean ...?" style help */
} biz_diag;

typedef struct biz_diags {
    const biz_source *src;
    FILE *out;          /* where diagnostics are printed; NULL = keep only */
    int color;          /* ANSI colours when out is a terminal */
    int nerrors;
    int nwarnings;
    int werror;         /* treat warnings as errors (bizc -Werror) */
    biz_diag *items;
    int len, cap;
    int dropped;        /* the last error/warning repeated an earlier one
                           (a loop body checked once per iteration): it
                           and its notes were not kept */
    int *index;         /* errors and warnings by severity, span and
                           message: hash slots holding item index + 1 */
    int index_cap;      /* 0 or a power of two */
    int index_n;
    int deferred;       /* keep what is reported, print it with
                           biz_diags_print, in source order */
} biz_diags;

void biz_diags_init(biz_diags *d, const biz_source *src, FILE *out);
void biz_diags_free(biz_diags *d);
/* With d->deferred: prints the diagnostics kept, in source order (a note
 * stays after the diagnostic it completes; equal positions keep the order
 * they were reported in). */
void biz_diags_print(biz_diags *d);

/* Reports "file:line:col: error: message", the line and a caret
 * (underlining the span when it is on one line). hint may be NULL; it is
 * printed as "  hint: ..." under the caret. */
void biz_error(biz_diags *d, biz_span span, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void biz_warning(biz_diags *d, biz_span span, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A note attached to the previous diagnostic ("note: first defined here"). */
void biz_note(biz_diags *d, biz_span span, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void biz_vdiag(biz_diags *d, biz_severity sev, biz_span span, const char *hint,
               const char *fmt, va_list ap);

/* A span covering one position (begin == end is shown as a single caret). */
biz_span biz_span_at(biz_pos p);

/* "Did you mean ...?" (biz_suggest, biz_suggester) lives in the base
 * library, shared with the template parser. */
#include "suggest.h"

#endif
