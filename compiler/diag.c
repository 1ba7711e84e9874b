/* diag.c: source files with a line map, and diagnostics printed the
 * compiler way: "file:line:col: error: msg", the source line, a caret
 * line underlining the span, and an optional "= hint:" line. */
#include "diag.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Aborts: the compiler has no way to go on without memory. */
static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("bizc: out of memory\n", stderr);
        abort();
    }
    return q;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xrealloc(NULL, n), s, n);
}

/* Fills line_starts: one entry per line, plus the empty line after a
 * final newline, so every offset in [0, len] has a line. */
static void build_line_map(biz_source *src)
{
    int cap = 64;
    src->line_starts = xrealloc(NULL, sizeof(int) * (size_t)cap);
    src->nlines = 0;
    src->line_starts[src->nlines++] = 0;
    for (size_t i = 0; i < src->len; i++) {
        if (src->text[i] != '\n')
            continue;
        if (src->nlines == cap) {
            cap *= 2;
            src->line_starts = xrealloc(src->line_starts, sizeof(int) * (size_t)cap);
        }
        src->line_starts[src->nlines++] = (int)i + 1;
    }
}

/* Wraps a copy of text[0..len) as a source named path. */
biz_source *biz_source_from_string(const char *path, const char *text, size_t len)
{
    biz_source *src = xrealloc(NULL, sizeof *src);
    src->path = xstrdup(path ? path : "<string>");
    src->text = xrealloc(NULL, len + 1);
    if (len)
        memcpy(src->text, text, len);
    src->text[len] = '\0';
    src->len = len;
    build_line_map(src);
    return src;
}

/* Reads a whole file into a new source; NULL with errno set on failure. */
biz_source *biz_source_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = xrealloc(NULL, cap);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    biz_source *src = biz_source_from_string(path, buf, len);
    free(buf);
    return src;
}

/* Frees a source and its text. */
void biz_source_free(biz_source *src)
{
    if (!src)
        return;
    free(src->path);
    free(src->text);
    free(src->line_starts);
    free(src);
}

/* Binary search in the line map for the line holding off. */
biz_pos biz_source_pos(const biz_source *src, int off)
{
    biz_pos p = {1, 1, 0};
    if (!src)
        return p;
    if (off < 0)
        off = 0;
    if ((size_t)off > src->len)
        off = (int)src->len;
    int lo = 0, hi = src->nlines - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (src->line_starts[mid] <= off)
            lo = mid;
        else
            hi = mid - 1;
    }
    p.line = lo + 1;
    p.col = off - src->line_starts[lo] + 1;
    p.off = off;
    return p;
}

/* The text of a 1-based line without its line terminator. */
const char *biz_source_line(const biz_source *src, int line, int *len)
{
    if (!src || line < 1 || line > src->nlines) {
        if (len)
            *len = 0;
        return "";
    }
    int start = src->line_starts[line - 1];
    int end = line < src->nlines ? src->line_starts[line] : (int)src->len;
    if (end > start && src->text[end - 1] == '\n')
        end--;
    if (end > start && src->text[end - 1] == '\r')
        end--;
    if (len)
        *len = end - start;
    return src->text + start;
}

/* Prepares an empty diagnostics list printing to out (NULL: keep only). */
void biz_diags_init(biz_diags *d, const biz_source *src, FILE *out)
{
    memset(d, 0, sizeof *d);
    d->src = src;
    d->out = out;
}

/* Frees the stored diagnostics. */
void biz_diags_free(biz_diags *d)
{
    for (int i = 0; i < d->len; i++) {
        free(d->items[i].message);
        free(d->items[i].hint);
    }
    free(d->items);
    d->items = NULL;
    d->len = d->cap = 0;
}

/* A zero-width span at p. */
biz_span biz_span_at(biz_pos p)
{
    biz_span s = {p, p};
    return s;
}

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"

static const char *sev_color(biz_severity s)
{
    switch (s) {
    case BIZ_ERROR: return "\033[1;31m";
    case BIZ_WARNING: return "\033[1;35m";
    default: return "\033[1;36m";
    }
}

static const char *sev_name(biz_severity s)
{
    switch (s) {
    case BIZ_ERROR: return "error";
    case BIZ_WARNING: return "warning";
    default: return "note";
    }
}

/* UTF-8 continuation bytes take no column on screen. */
static int is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

/* Prints the source line and the caret line under span. */
static void print_snippet(const biz_diags *d, biz_span span)
{
    FILE *out = d->out;
    int len;
    const char *line = biz_source_line(d->src, span.begin.line, &len);
    fprintf(out, "%5d | %.*s\n", span.begin.line, len, line);
    fputs("      | ", out);
    int col = span.begin.col - 1;
    if (col > len)
        col = len;
    if (col < 0)
        col = 0;
    for (int i = 0; i < col; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c == '\t')
            fputc('\t', out);
        else if (!is_cont(c))
            fputc(' ', out);
    }
    if (d->color)
        fputs("\033[1;32m", out);
    fputc('^', out);
    if (span.end.line == span.begin.line && span.end.off > span.begin.off) {
        int end = span.begin.col - 1 + (span.end.off - span.begin.off);
        if (end > len)
            end = len;
        /* one '~' per character after the first */
        int first = 1;
        for (int i = col; i < end; i++) {
            unsigned char c = (unsigned char)line[i];
            if (is_cont(c))
                continue;
            if (first) {
                first = 0;
                continue;
            }
            fputc('~', out);
        }
    }
    if (d->color)
        fputs(C_RESET, out);
    fputc('\n', out);
}

/* Prints one diagnostic in the documented format. */
static void print_diag(const biz_diags *d, const biz_diag *g)
{
    FILE *out = d->out;
    int have_pos = d->src && g->span.begin.line > 0;
    if (d->color)
        fputs(C_BOLD, out);
    if (have_pos)
        fprintf(out, "%s:%d:%d: ", d->src->path, g->span.begin.line, g->span.begin.col);
    else if (d->src)
        fprintf(out, "%s: ", d->src->path);
    else
        fputs("bizc: ", out);
    if (d->color)
        fprintf(out, "%s%s:" C_RESET C_BOLD " %s" C_RESET "\n", sev_color(g->severity),
                sev_name(g->severity), g->message);
    else
        fprintf(out, "%s: %s\n", sev_name(g->severity), g->message);
    if (have_pos)
        print_snippet(d, g->span);
    if (g->hint) {
        if (d->color)
            fprintf(out, "      = " C_BOLD "hint:" C_RESET " %s\n", g->hint);
        else
            fprintf(out, "      = hint: %s\n", g->hint);
    }
    fflush(out);
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    char *s = xrealloc(NULL, (size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

/* Stores, counts and prints one diagnostic. */
void biz_vdiag(biz_diags *d, biz_severity sev, biz_span span, const char *hint,
               const char *fmt, va_list ap)
{
    if (sev == BIZ_WARNING && d->werror)
        sev = BIZ_ERROR;
    char *msg = vformat(fmt, ap);
    /* A loop body is checked once per iteration: say each thing once. */
    if (sev == BIZ_NOTE) {
        if (d->dropped) {
            free(msg);
            return;
        }
    } else {
        d->dropped = 0;
        for (int i = 0; i < d->len; i++)
            if (d->items[i].severity == sev && d->items[i].span.begin.off == span.begin.off
                && d->items[i].span.end.off == span.end.off && strcmp(d->items[i].message, msg) == 0) {
                d->dropped = 1;
                free(msg);
                return;
            }
    }
    if (d->len == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->items = xrealloc(d->items, sizeof *d->items * (size_t)d->cap);
    }
    biz_diag *g = &d->items[d->len++];
    g->severity = sev;
    g->span = span;
    g->message = msg;
    g->hint = hint ? xstrdup(hint) : NULL;
    if (sev == BIZ_ERROR)
        d->nerrors++;
    else if (sev == BIZ_WARNING)
        d->nwarnings++;
    if (d->out)
        print_diag(d, g);
}

/* Reports an error. */
void biz_error(biz_diags *d, biz_span span, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    biz_vdiag(d, BIZ_ERROR, span, hint, fmt, ap);
    va_end(ap);
}

/* Reports a warning (an error under -Werror). */
void biz_warning(biz_diags *d, biz_span span, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    biz_vdiag(d, BIZ_WARNING, span, hint, fmt, ap);
    va_end(ap);
}

/* Reports a note completing the previous diagnostic. */
void biz_note(biz_diags *d, biz_span span, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    biz_vdiag(d, BIZ_NOTE, span, NULL, fmt, ap);
    va_end(ap);
}

/* Optimal-string-alignment distance (Damerau with adjacent swaps). */
static int edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    int *rows = xrealloc(NULL, sizeof(int) * 3 * (m + 1));
    int *pp = rows, *p = rows + (m + 1), *c = rows + 2 * (m + 1);
    for (size_t j = 0; j <= m; j++)
        p[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        c[0] = (int)i;
        for (size_t j = 1; j <= m; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = p[j] + 1;
            if (c[j - 1] + 1 < v)
                v = c[j - 1] + 1;
            if (p[j - 1] + cost < v)
                v = p[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            c[j] = v;
        }
        int *t = pp;
        pp = p;
        p = c;
        c = t;
    }
    int r = p[m];
    free(rows);
    return r;
}

/* The unique closest candidate within max(1, len/3) edits, else NULL. */
const char *biz_suggest(const char *word, const char *const *candidates, int n)
{
    if (!word || !candidates)
        return NULL;
    int limit = (int)strlen(word) / 3;
    if (limit < 1)
        limit = 1;
    const char *best = NULL;
    int best_d = limit + 1, ties = 0;
    for (int i = 0; i < n; i++) {
        if (!candidates[i])
            continue;
        int dist = strcasecmp(word, candidates[i]) == 0 ? 0 : edit_distance(word, candidates[i]);
        if (dist < best_d) {
            best = candidates[i];
            best_d = dist;
            ties = 0;
        } else if (dist == best_d && best && strcmp(best, candidates[i]) != 0) {
            ties++;
        }
    }
    if (!best || best_d > limit || ties)
        return NULL;
    return best;
}
