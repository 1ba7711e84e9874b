/* codegen.c: writes the C tables of bizrt.h for one DAG (see codegen.h). */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "args.h"
#include "codegen.h"
#include "buf.h"
#include "isotime.h"
#include "ops.h"
#include "sha256.h"
#include "tzif.h"
#include "xalloc.h"

/* The text being written: all of it (biz_codegen_c), or the part not yet
 * written to sink (biz_codegen_write), which sb_flush empties. */
typedef struct sbuf {
    biz_buf t;
    FILE *sink;
    int failed;   /* a write to sink failed */
} sbuf;

/* Makes room for n more bytes and the NUL. */
static void sb_reserve(sbuf *b, size_t n)
{
    if (biz_buf_reserve(&b->t, n) < 0)
        biz_xalloc_die();
}

static void sb_put(sbuf *b, const char *s, size_t n)
{
    biz_buf_add(&b->t, s, n);
    if (b->t.oom)
        biz_xalloc_die();
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    biz_buf_vprintf(&b->t, fmt, ap);
    va_end(ap);
    if (b->t.oom)
        biz_xalloc_die();
}

/* Writes s as a C string literal (NULL as NULL), split into adjacent
 * literals of about 76 characters, continuation lines indented by indent.
 * Only printable ASCII is written as is; '?' is escaped against trigraphs
 * and everything else is a three-digit octal escape. */
static void sb_cstr(sbuf *b, const char *s, int indent)
{
    if (!s) {
        sb_put(b, "NULL", 4);
        return;
    }
    size_t slen = strlen(s);
    /* At worst 4 bytes a character, plus a line break every 19. */
    sb_reserve(b, 4 * slen + (slen / 19 + 1) * ((size_t)indent + 3) + 2);
    char *o = b->t.p + b->t.n;
    *o++ = '"';
    int col = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[4];
        int n;
        unsigned char c = *p;
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?') {
            esc[0] = (char)c;
            n = 1;
        } else if (c == '"' || c == '\\' || c == '?') {
            esc[0] = '\\';
            esc[1] = (char)c;
            n = 2;
        } else if (c == '\n') {
            esc[0] = '\\';
            esc[1] = 'n';
            n = 2;
        } else {
            esc[0] = '\\';
            esc[1] = (char)('0' + (c >> 6));
            esc[2] = (char)('0' + ((c >> 3) & 7));
            esc[3] = (char)('0' + (c & 7));
            n = 4;
        }
        if (col + n > 76) {
            *o++ = '"';
            *o++ = '\n';
            memset(o, ' ', (size_t)indent);
            o += indent;
            *o++ = '"';
            col = 0;
        }
        for (int k = 0; k < n; k++)
            *o++ = esc[k];
        col += n;
    }
    *o++ = '"';
    *o = 0;
    b->t.n = (size_t)(o - b->t.p);
}

/* Writes the text so far to the sink, if there is one; called between
 * tasks once a block has gathered, so that the C of a large DAG (25 MB
 * for 10,000 calls) is never in memory whole next to its IR. */
static void sb_flush(sbuf *b, size_t at_least)
{
    if (!b->sink || b->t.n < at_least || b->t.n == 0)
        return;
    if (!b->failed && fwrite(b->t.p, 1, b->t.n, b->sink) != b->t.n)
        b->failed = 1;
    biz_buf_clear(&b->t);
}

enum { FLUSH_AT = 64 * 1024 };

/* Compact JSON of j as a C literal. */
static void sb_json(sbuf *b, const cJSON *j, int indent)
{
    char *s = cJSON_PrintUnformatted(j);
    sb_cstr(b, s ? s : "null", indent);
    free(s);
}

/* A task's arguments without those set to None (unless None is a value of
 * its own): the executable reads a missing argument as None, and parses
 * every task's arguments when it starts, so each one left out is start-up
 * time saved (a 10,000-task DAG has hundreds of thousands). */
static void sb_args(sbuf *b, const biz_ir_task *t, int indent)
{
    const biz_op_spec *op = t->op >= 0 && t->op < BIZ_OP__COUNT ? &biz_ops[t->op] : NULL;
    cJSON *args = op ? cJSON_Duplicate(t->args, 1) : NULL;
    for (cJSON *a = args ? args->child : NULL, *next; a; a = next) {
        next = a->next;
        /* None where None means "not given", and a default (the runtime
         * reads the table's), are left out. */
        if ((cJSON_IsNull(a) && !biz_ops_none_ok(op, a->string)) ||
            biz_args_is_default(t->op, a->string, a))
            cJSON_Delete(cJSON_DetachItemViaPointer(args, a));
    }
    sb_json(b, args ? args : t->args, indent);
    cJSON_Delete(args);
}

/* Is s safe inside a C comment? */
static int comment_safe(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')
              || *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

/* The tables of the zones the DAG names (settings' "timezone", then
 * "zones"), read from the build machine's tzdata: the executable needs
 * none where it runs. Returns how many were emitted (biz_zones[]). */
static int sb_zones(sbuf *b, const biz_ir_dag *dag)
{
    const biz_tz_def *zs[16];
    int n = 0;
    const cJSON *names[17];
    int nn = 0;
    const cJSON *tz = cJSON_GetObjectItemCaseSensitive(dag->settings, "timezone");
    if (cJSON_IsString(tz))
        names[nn++] = tz;
    const cJSON *more = cJSON_GetObjectItemCaseSensitive(dag->settings, "zones");
    for (const cJSON *it = cJSON_IsArray(more) ? more->child : NULL; it && nn < 17; it = it->next)
        names[nn++] = it;
    for (int i = 0; i < nn && n < 16; i++) {
        char err[300];
        const biz_tz_def *z = cJSON_IsString(names[i]) ? biz_tzif_load(names[i]->valuestring, err, sizeof err) : NULL;
        int dup = 0;
        for (int k = 0; k < n; k++)
            dup |= zs[k] == z;
        if (z && !dup)   /* sema loaded each already */
            zs[n++] = z;
    }
    for (int k = 0; k < n; k++) {
        const biz_tz_def *z = zs[k];
        /* tzif.c takes only names of [A-Za-z0-9/_+-]: safe in a comment. */
        sb_printf(b, "/* Time zone %s, from the tzdata bizc was built on. */\n", z->name);
        if (z->n > 0) {
            sb_printf(b, "static const long long biz_tz%d_at[] = {", k);
            for (int i = 0; i < z->n; i++)
                sb_printf(b, "%s%s%lldLL", i ? "," : "", i % 6 ? " " : "\n    ", z->at[i]);
            sb_printf(b, "\n};\nstatic const int biz_tz%d_offset[] = {", k);
            for (int i = 0; i < z->n; i++)
                sb_printf(b, "%s%s%d", i ? "," : "", i % 12 ? " " : "\n    ", z->offset[i]);
            sb_printf(b, "\n};\nstatic const char *const biz_tz%d_abbr[] = {", k);
            for (int i = 0; i < z->n; i++) {
                sb_printf(b, "%s%s", i ? "," : "", i % 8 ? " " : "\n    ");
                sb_cstr(b, z->abbr ? z->abbr[i] : "", 4);
            }
            sb_printf(b, "\n};\n");
            sb_flush(b, FLUSH_AT);
        }
        sb_printf(b, "static const biz_tz_def biz_tz%d = {\n    .name = ", k);
        sb_cstr(b, z->name, 4);
        sb_printf(b, ",\n    .offset0 = %d,\n", z->offset0);
        if (z->n > 0)
            sb_printf(b, "    .at = biz_tz%d_at,\n    .offset = biz_tz%d_offset,\n    .n = %d,\n"
                         "    .abbr = biz_tz%d_abbr,\n", k, k, z->n, k);
        sb_printf(b, "    .abbr0 = ");
        sb_cstr(b, z->abbr0 ? z->abbr0 : "", 4);
        sb_printf(b, ",\n");
        sb_printf(b, "};\n");
    }
    if (n > 0) {
        sb_printf(b, "static const biz_tz_def *const biz_zones[] = {");
        for (int k = 0; k < n; k++)
            sb_printf(b, "%s &biz_tz%d", k ? "," : "", k);
        sb_printf(b, " };\n\n");
    }
    return n;
}

static void generate(sbuf *b, const biz_ir_dag *dag, const biz_codegen_info *info)
{
    char sha[65];
    biz_sha256_hex(info->source_text ? info->source_text : "",
                   info->source_text ? info->source_len : 0, sha);
    sb_printf(b, "/* Generated by bizc %s; do not edit. It is data for libbizrt (bizrt.h). */\n",
              info->bizc_version ? info->bizc_version : "?");
    sb_printf(b, "#include \"bizrt.h\"\n\n");
    sb_printf(b, "#ifndef NULL\n#define NULL ((void *)0)\n#endif\n\n");

    for (int i = 0; i < dag->ntasks; i++) {
        const biz_ir_task *t = &dag->tasks[i];
        if (comment_safe(t->task_id))
            sb_printf(b, "/* %d: %s (%s) */\n", i, t->task_id,
                      t->op >= 0 && t->op < BIZ_OP__COUNT ? biz_ops[t->op].name : "?");
        if (t->nupstream > 0) {
            sb_printf(b, "static const int biz_up_%d[] = {", i);
            for (int j = 0; j < t->nupstream; j++)
                sb_printf(b, "%s %d", j ? "," : "", t->upstream[j]);
            sb_printf(b, " };\n");
        }
        if (t->nlocs > 0) {
            sb_printf(b, "static const biz_arg_loc biz_locs_%d[] = {\n", i);
            for (int j = 0; j < t->nlocs; j++) {
                sb_printf(b, "    { ");
                sb_cstr(b, t->locs[j].name, 6);
                sb_printf(b, ", %d, %d },\n", t->locs[j].line, t->locs[j].col);
            }
            sb_printf(b, "};\n");
        }
        sb_flush(b, FLUSH_AT);
    }
    if (dag->ntasks > 0) {
        sb_printf(b, "\nstatic const biz_task_def biz_tasks[] = {\n");
        for (int i = 0; i < dag->ntasks; i++) {
            const biz_ir_task *t = &dag->tasks[i];
            sb_printf(b, "    {\n        .task_id = ");
            sb_cstr(b, t->task_id, 10);
            sb_printf(b, ",\n        .op = %d,\n        .group_id = ", t->op);
            sb_cstr(b, t->group_id, 10);
            sb_printf(b, ",\n        .args_json =\n            ");
            sb_args(b, t, 12);
            if (t->nupstream > 0)
                sb_printf(b, ",\n        .upstream = biz_up_%d,\n        .nupstream = %d", i, t->nupstream);
            else
                sb_printf(b, ",\n        .upstream = NULL,\n        .nupstream = 0");
            if (t->nlocs > 0)
                sb_printf(b, ",\n        .arg_locs = biz_locs_%d,\n        .narg_locs = %d", i, t->nlocs);
            else
                sb_printf(b, ",\n        .arg_locs = NULL,\n        .narg_locs = 0");
            if (t->map) {
                sb_printf(b, ",\n        .map_json =\n            ");
                sb_json(b, t->map, 12);
            }
            sb_printf(b, ",\n        .line = %d,\n        .col = %d,\n    },\n", t->line, t->col);
            sb_flush(b, FLUSH_AT);
        }
        sb_printf(b, "};\n");
    }
    int nzones = sb_zones(b, dag);
    sb_printf(b, "\nstatic const biz_dag_def biz_dag = {\n    .dag_id = ");
    sb_cstr(b, dag->dag_id, 4);
    sb_printf(b, ",\n    .source_path = ");
    sb_cstr(b, info->source_path ? info->source_path : "", 4);
    sb_printf(b, ",\n    .source_sha256 = ");
    sb_cstr(b, sha, 4);
    sb_printf(b, ",\n    .bizc_version = ");
    sb_cstr(b, info->bizc_version ? info->bizc_version : "", 4);
    sb_printf(b, ",\n    .build_date = ");
    sb_cstr(b, info->build_date, 4);
    sb_printf(b, ",\n    .settings_json =\n        ");
    sb_json(b, dag->settings, 8);
    if (dag->ntasks > 0)
        sb_printf(b, ",\n    .tasks = biz_tasks,\n    .ntasks = %d", dag->ntasks);
    else
        sb_printf(b, ",\n    .tasks = NULL,\n    .ntasks = 0");
    if (nzones > 0)
        sb_printf(b, ",\n    .zones = biz_zones,\n    .nzones = %d", nzones);
    sb_printf(b, ",\n    .line = %d,\n};\n\n", dag->line);
    sb_printf(b,
              "/* A reference to the runtime's ABI symbol: a runtime built for other\n"
              "   tables fails to link instead of misreading these. */\n"
              "static const int *const biz_abi_check = &BIZRT_ABI_SYMBOL;\n\n"
              "int main(int argc, char **argv)\n"
              "{\n"
              "    if (*biz_abi_check != BIZRT_ABI)\n"
              "        return 2;\n"
              "    return biz_main(&biz_dag, argc, argv);\n"
              "}\n");
}

char *biz_codegen_c(const biz_ir_dag *dag, const biz_codegen_info *info, size_t *len)
{
    sbuf b = { { 0 }, NULL, 0 };
    generate(&b, dag, info);
    if (len)
        *len = b.t.n;
    return b.t.p;
}

int biz_codegen_write(const biz_ir_dag *dag, const biz_codegen_info *info, FILE *out)
{
    sbuf b = { { 0 }, out, 0 };
    generate(&b, dag, info);
    sb_flush(&b, 0);
    biz_buf_free(&b.t);
    return b.failed ? -1 : 0;
}

const char *biz_codegen_build_date(char buf[32])
{
    const char *e = getenv("SOURCE_DATE_EPOCH");
    if (!e || !*e)
        return NULL;
    char *end;
    long long v = strtoll(e, &end, 10);
    if (*end || v < 0)
        return NULL;
    /* gmtime's range, which this once went through: a year must fit an
     * int after 1900 is taken off it */
    if (v >= biz_isotime_days_from_civil((int64_t)INT_MAX + 1901, 1, 1) * 86400)
        return NULL;
    return biz_isotime_utc((time_t)v, buf, 32);
}
