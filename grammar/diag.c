/* diag.c: source files with a line map, and diagnostics printed the
 * compiler way: "file:line:col: error: msg", the source line, a caret
 * line underlining the span, and an optional "= hint:" line. */
#include "diag.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <strings.h>

#include "buf.h"
#include "xalloc.h"

/* Fills line_starts: one entry per line, plus the empty line after a
 * final newline, so every offset in [0, len] has a line. */
static void build_line_map(biz_source *src)
{
    int cap = 64;
    src->line_starts = biz_xmalloc(sizeof(int) * (size_t)cap);
    src->nlines = 0;
    src->line_starts[src->nlines++] = 0;
    for (size_t i = 0; i < src->len; i++) {
        if (src->text[i] != '\n')
            continue;
        if (src->nlines == cap) {
            cap *= 2;
            src->line_starts = biz_xrealloc(src->line_starts, sizeof(int) * (size_t)cap);
        }
        src->line_starts[src->nlines++] = (int)i + 1;
    }
}

/* Wraps a copy of text[0..len) as a source named path. */
biz_source *biz_source_from_string(const char *path, const char *text, size_t len)
{
    biz_source *src = biz_xmalloc(sizeof *src);
    src->path = biz_xstrdup(path ? path : "<string>");
    src->text = biz_xmalloc(len + 1);
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
    biz_buf buf = { 0 };
    for (;;) {
        if (biz_buf_reserve(&buf, 4096) < 0)
            biz_xalloc_die();
        size_t n = fread(buf.p + buf.n, 1, buf.cap - buf.n - 1, f);
        buf.n += n;
        if (n == 0)
            break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        biz_buf_free(&buf);
        errno = EIO;
        return NULL;
    }
    biz_source *src = biz_source_from_string(path, buf.p, buf.n);
    biz_buf_free(&buf);
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

biz_pos biz_source_pos_near(const biz_source *src, int off, int *line)
{
    if (!src)
        return biz_source_pos(src, off);
    if (off < 0)
        off = 0;
    if ((size_t)off > src->len)
        off = (int)src->len;
    /* Line l holds off when it starts at or before it and the next does
     * not (starts only increase). */
    for (int l = *line; l >= 0 && l < src->nlines && l <= *line + 1; l++) {
        if (src->line_starts[l] > off)
            break;
        if (l + 1 == src->nlines || src->line_starts[l + 1] > off) {
            biz_pos p = { l + 1, off - src->line_starts[l] + 1, off };
            *line = l;
            return p;
        }
    }
    biz_pos p = biz_source_pos(src, off);
    *line = p.line - 1;
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
    free(d->index);
    d->index = NULL;
    d->index_cap = d->index_n = 0;
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
static void print_snippet(const biz_diags *d, FILE *out, biz_span span)
{
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

/* Formats one diagnostic in the documented format into out. */
static void format_diag(const biz_diags *d, FILE *out, const biz_diag *g)
{
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
        print_snippet(d, out, g->span);
    if (g->hint) {
        if (d->color)
            fprintf(out, "      = " C_BOLD "hint:" C_RESET " %s\n", g->hint);
        else
            fprintf(out, "      = hint: %s\n", g->hint);
    }
}

/* Prints one diagnostic with one write: stderr is unbuffered, and the
 * caret line alone is a character at a time, so a file with thousands of
 * warnings would otherwise cost a system call per character. */
static void print_diag(const biz_diags *d, const biz_diag *g)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (m) {
        format_diag(d, m, g);
        if (fclose(m) == 0)
            fwrite(text, 1, len, d->out);
        else
            format_diag(d, d->out, g);
        free(text);
    } else {
        format_diag(d, d->out, g);
    }
    fflush(d->out);
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    char *s = biz_xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

/* The index's hash of a diagnostic: FNV-1a over what makes two equal. */
static unsigned diag_hash(biz_severity sev, biz_span span, const char *msg)
{
    unsigned long long h = 14695981039346656037u;
    int k[3] = { (int)sev, span.begin.off, span.end.off };
    for (size_t i = 0; i < sizeof k; i++)
        h = (h ^ ((const unsigned char *)k)[i]) * 1099511628211u;
    for (; *msg; msg++)
        h = (h ^ (unsigned char)*msg) * 1099511628211u;
    return (unsigned)(h ^ (h >> 32));
}

/* The index slot of an equal error or warning, or the empty slot where it
 * would go. */
static int diag_slot(const biz_diags *d, biz_severity sev, biz_span span, const char *msg)
{
    unsigned mask = (unsigned)d->index_cap - 1, i = diag_hash(sev, span, msg) & mask;
    for (; d->index[i]; i = (i + 1) & mask) {
        const biz_diag *g = &d->items[d->index[i] - 1];
        if (g->severity == sev && g->span.begin.off == span.begin.off
            && g->span.end.off == span.end.off && strcmp(g->message, msg) == 0)
            break;
    }
    return (int)i;
}

/* Adds item i (an error or a warning) to the index, growing it to stay at
 * most half full. */
static void diag_index_add(biz_diags *d, int i)
{
    if (2 * (d->index_n + 1) > d->index_cap) {
        int *old = d->index, oldcap = d->index_cap;
        d->index_cap = oldcap ? 2 * oldcap : 64;
        d->index = biz_xmalloc(sizeof(int) * (size_t)d->index_cap);
        memset(d->index, 0, sizeof(int) * (size_t)d->index_cap);
        for (int k = 0; k < oldcap; k++)
            if (old[k]) {
                const biz_diag *g = &d->items[old[k] - 1];
                d->index[diag_slot(d, g->severity, g->span, g->message)] = old[k];
            }
        free(old);
    }
    const biz_diag *g = &d->items[i];
    d->index[diag_slot(d, g->severity, g->span, g->message)] = i + 1;
    d->index_n++;
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
        if (d->index_cap && d->index[diag_slot(d, sev, span, msg)]) {
            d->dropped = 1;
            free(msg);
            return;
        }
    }
    if (d->len == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->items = biz_xrealloc(d->items, sizeof *d->items * (size_t)d->cap);
    }
    biz_diag *g = &d->items[d->len++];
    g->severity = sev;
    g->span = span;
    g->message = msg;
    g->hint = hint ? biz_xstrdup(hint) : NULL;
    if (sev != BIZ_NOTE)
        diag_index_add(d, d->len - 1);
    if (sev == BIZ_ERROR)
        d->nerrors++;
    else if (sev == BIZ_WARNING)
        d->nwarnings++;
    if (d->out && !d->deferred)
        print_diag(d, g);
}

/* A diagnostic and its notes, by position. */
typedef struct diag_group {
    int first, n;
    int line, col;
} diag_group;

static int group_cmp(const void *a, const void *b)
{
    const diag_group *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return (x->first > y->first) - (x->first < y->first);
}

void biz_diags_print(biz_diags *d)
{
    if (!d->out || !d->len)
        return;
    diag_group *gs = biz_xmalloc(sizeof *gs * (size_t)d->len);
    int n = 0;
    for (int i = 0; i < d->len; i++) {
        if (d->items[i].severity == BIZ_NOTE && n > 0) {
            gs[n - 1].n++;
            continue;
        }
        gs[n].first = i;
        gs[n].n = 1;
        gs[n].line = d->items[i].span.begin.line;
        gs[n].col = d->items[i].span.begin.col;
        n++;
    }
    qsort(gs, (size_t)n, sizeof *gs, group_cmp);
    for (int k = 0; k < n; k++)
        for (int i = gs[k].first; i < gs[k].first + gs[k].n; i++)
            print_diag(d, &d->items[i]);
    free(gs);
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
