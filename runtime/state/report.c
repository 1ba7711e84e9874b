/* report.c: the HTML run report (report.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "report.h"
#include "log.h"
#include "ops.h"
#include "isotime.h"
#include "schedule.h"
#include "state.h"

/* The log lines of a task shown at most (the rest: "N more in the log"). */
#define MAX_LINES 500
/* The run log read at most: a report stays a page a browser opens. */
#define MAX_LOG (32L * 1024 * 1024)

/* Airflow's state colours (airflow/settings.py STATE_COLORS). */
static const struct { const char *state, *color; } colors[] = {
    { "success", "#008000" },       { "failed", "#ff0000" },
    { "upstream_failed", "#ffa500" }, { "skipped", "#ff69b4" },
    { "up_for_retry", "#ffd700" },  { "running", "#00ff00" },
    { "queued", "#808080" },        { "scheduled", "#d2b48c" },
    { "none", "#f0f0f0" },          { "killed", "#800000" },
};

/* The colour of a state. */
const char *biz_report_color(const char *state)
{
    for (size_t i = 0; state && i < sizeof colors / sizeof *colors; i++)
        if (strcmp(colors[i].state, state) == 0)
            return colors[i].color;
    return "#dddddd";
}

/* ---------------------------------------------------------------- the log */

typedef struct rtry {
    int n;
    double start, end;      /* 0: not seen */
    const char *state;      /* static: success, failed, up_for_retry, skipped, running */
} rtry;

typedef struct rtask {
    const char *id;
    const biz_task_def *def;  /* NULL: in the record, not in this DAG */
    const cJSON *rec;         /* its record entry, or NULL */
    rtry *tries;
    int ntries, tcap;
    const char **lines;       /* into the log copy */
    int nlines, lcap, more;
    int layer, row;
    /* Dynamic task mapping: an instance "send[3]" points at its task (and
     * shares its definition); a task lists its instances in map order. */
    int parent;               /* -1: not an instance */
    int first_inst, last_inst, next_inst, ninst;
} rtask;

typedef struct report {
    rtask *t;
    int n;
    int *hash;                /* index + 1, 0 empty; hcap a power of two */
    int hcap;
    double t0, t1;            /* the Gantt's span */
} report;

static unsigned hash_str(const char *s, size_t n)
{
    unsigned h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static int find(const report *r, const char *id, size_t n)
{
    for (unsigned h = hash_str(id, n) & (unsigned)(r->hcap - 1);; h = (h + 1) & (unsigned)(r->hcap - 1)) {
        int k = r->hash[h];
        if (!k)
            return -1;
        if (strlen(r->t[k - 1].id) == n && memcmp(r->t[k - 1].id, id, n) == 0)
            return k - 1;
    }
}

static void add_index(report *r, int i)
{
    const char *id = r->t[i].id;
    unsigned h = hash_str(id, strlen(id)) & (unsigned)(r->hcap - 1);
    while (r->hash[h])
        h = (h + 1) & (unsigned)(r->hcap - 1);
    r->hash[h] = i + 1;
}

/* "2024-01-01T00:00:00.123Z ..." -> seconds, 0 when it is not a time. */
static double line_time(const char *s)
{
    char buf[40];
    size_t n = strcspn(s, " ");
    if (n < 19 || n >= sizeof buf)
        return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    time_t t;
    if (biz_isotime_parse(buf, &t) != 0)
        return 0;
    double frac = 0, scale = 0.1;
    const char *dot = strchr(buf, '.');
    for (const char *p = dot ? dot + 1 : ""; *p >= '0' && *p <= '9'; p++, scale /= 10)
        frac += (*p - '0') * scale;
    return (double)t + frac;
}

static rtry *try_of(rtask *t, int n)
{
    for (int i = 0; i < t->ntries; i++)
        if (t->tries[i].n == n)
            return &t->tries[i];
    if (t->ntries == t->tcap) {
        int c = t->tcap ? t->tcap * 2 : 4;
        rtry *p = realloc(t->tries, (size_t)c * sizeof *p);
        if (!p)
            return NULL;
        t->tries = p;
        t->tcap = c;
    }
    rtry *y = &t->tries[t->ntries++];
    memset(y, 0, sizeof *y);
    y->n = n;
    y->state = "running";
    return y;
}

/* One line of the log: "TIME LEVEL [task #try] message". */
static void log_line(report *r, const char *line)
{
    double when = line_time(line);
    const char *open = strstr(line, " [");
    if (!when || !open)
        return;
    open += 2;
    /* "[task #3] ": the try is " #digits] "; a mapped instance's id has
     * brackets of its own ("[send[3] #1] "). Lines without a try: "[task] ". */
    const char *hash = NULL, *close = NULL;
    for (const char *p = open; *p && !hash; p++) {
        if (p[0] != ' ' || p[1] != '#' || p[2] < '0' || p[2] > '9')
            continue;
        const char *d = p + 2;
        while (*d >= '0' && *d <= '9')
            d++;
        if (d[0] == ']' && d[1] == ' ') {
            hash = p;
            close = d;
        }
    }
    if (!close)
        close = strstr(open, "] ");
    if (!close)
        return;
    size_t idlen = (size_t)((hash ? hash : close) - open);
    int k = find(r, open, idlen);
    if (k < 0)
        return;
    rtask *t = &r->t[k];
    if (t->nlines < MAX_LINES) {
        if (t->nlines == t->lcap) {
            int c = t->lcap ? t->lcap * 2 : 8;
            const char **p = realloc(t->lines, (size_t)c * sizeof *p);
            if (!p)
                return;
            t->lines = p;
            t->lcap = c;
        }
        t->lines[t->nlines++] = line;
    } else {
        t->more++;
    }
    if (!hash)
        return;
    int n = atoi(hash + 2);
    const char *msg = close + 2;
    rtry *y = n > 0 ? try_of(t, n) : NULL;
    if (!y)
        return;
    if (strncmp(msg, "start (try", 10) == 0) {
        y->start = when;
    } else if (strncmp(msg, "success in", 10) == 0) {
        y->end = when;
        y->state = "success";
    } else if (strncmp(msg, "skipped", 7) == 0) {
        y->end = when;
        y->state = "skipped";
    } else if (strncmp(msg, "failed", 6) == 0) {
        y->end = when;
        y->state = strstr(msg, "; retry ") ? "up_for_retry" : "failed";
    } else {
        return;
    }
    if (y->start == 0)
        y->start = when;
}

/* ---------------------------------------------------------------- building */

static void report_free(report *r)
{
    for (int i = 0; i < r->n; i++) {
        free(r->t[i].tries);
        free(r->t[i].lines);
    }
    free(r->t);
    free(r->hash);
}

/* The mapped task whose instance id is ("send[3]": send's index), or -1.
 * The record holds instances in map order. */
static int instance_of(const report *r, const char *id)
{
    size_t n = strlen(id);
    const char *open = memchr(id, '[', n);
    if (!open || n < 3 || id[n - 1] != ']' || open + 1 == id + n - 1)
        return -1;
    for (const char *d = open + 1; d < id + n - 1; d++)
        if (*d < '0' || *d > '9')
            return -1;
    int p = find(r, id, (size_t)(open - id));
    return p >= 0 && r->t[p].def && r->t[p].def->map_json ? p : -1;
}

/* The tasks: the DAG's, in its order, then those only the record has. */
static int report_build(report *r, const biz_dag_def *dag, const cJSON *rec, char *log)
{
    memset(r, 0, sizeof *r);
    const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(rec, "tasks"), *e;
    int extra = cJSON_IsObject(tasks) ? cJSON_GetArraySize(tasks) : 0;
    int cap = dag->ntasks + extra;
    r->t = calloc((size_t)cap + 1, sizeof *r->t);
    r->hcap = 16;
    while (r->hcap < 2 * cap + 2)
        r->hcap *= 2;
    r->hash = calloc((size_t)r->hcap, sizeof *r->hash);
    if (!r->t || !r->hash)
        return -1;
    for (int i = 0; i < dag->ntasks; i++) {
        rtask *t = &r->t[r->n];
        t->id = dag->tasks[i].task_id;
        t->def = &dag->tasks[i];
        t->parent = t->first_inst = t->last_inst = t->next_inst = -1;
        t->rec = cJSON_IsObject(tasks) ? cJSON_GetObjectItemCaseSensitive(tasks, t->id) : NULL;
        if (find(r, t->id, strlen(t->id)) >= 0)
            continue;
        add_index(r, r->n++);
    }
    const cJSON *tobj = cJSON_IsObject(tasks) ? tasks : NULL;
    cJSON_ArrayForEach(e, tobj) {
        if (!e->string || find(r, e->string, strlen(e->string)) >= 0)
            continue;
        rtask *t = &r->t[r->n];
        t->id = e->string;
        t->rec = e;
        t->parent = t->first_inst = t->last_inst = t->next_inst = -1;
        int p = instance_of(r, t->id);
        if (p >= 0) {
            rtask *pt = &r->t[p];
            t->parent = p;
            t->def = pt->def;
            if (pt->last_inst >= 0)
                r->t[pt->last_inst].next_inst = r->n;
            else
                pt->first_inst = r->n;
            pt->last_inst = r->n;
            pt->ninst++;
        }
        add_index(r, r->n++);
    }
    /* Layers: the longest path from a root (tasks come upstream first). */
    int *rows = calloc((size_t)r->n + 1, sizeof *rows);
    if (!rows)
        return -1;
    for (int i = 0; i < r->n; i++) {
        rtask *t = &r->t[i];
        t->layer = 0;
        if (t->parent >= 0)
            continue;   /* drawn as its task */
        for (int k = 0; t->def && k < t->def->nupstream; k++) {
            int u = t->def->upstream[k];
            if (u >= 0 && u < i && r->t[u].layer + 1 > t->layer)
                t->layer = r->t[u].layer + 1;
        }
        t->row = rows[t->layer]++;
    }
    free(rows);
    /* Tries from the log (a resumed or rerun run's log holds every
     * invocation's), the span from the record and the log. */
    r->t0 = biz_record_time(rec, "start_date");
    r->t1 = biz_record_time(rec, "end_date");
    for (char *p = log; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = 0;
        log_line(r, p);
        p = nl ? nl + 1 : p + strlen(p);
    }
    for (int i = 0; i < r->n; i++)
        for (int k = 0; k < r->t[i].ntries; k++) {
            rtry *y = &r->t[i].tries[k];
            if (y->start > 0 && (r->t0 <= 0 || y->start < r->t0))
                r->t0 = y->start;
            if (y->end > r->t1)
                r->t1 = y->end;
        }
    if (r->t1 <= r->t0)
        r->t1 = r->t0 + 1;
    return 0;
}

/* ---------------------------------------------------------------- writing */

static const char *jstr(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* s HTML-escaped (text and attribute values alike). */
static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: putc(*s, f);
        }
    }
}

/* A value of the record, masked: sealed ones are never opened. */
static void value(FILE *f, const cJSON *v)
{
    if (!v || cJSON_IsNull(v)) {
        fputs("<span class=\"dim\">none</span>", f);
        return;
    }
    if (biz_record_sealed(v)) {
        fputs("*** <span class=\"dim\">(holds a secret)</span>", f);
        return;
    }
    char *s = cJSON_Print(v);
    char *m = s ? biz_log_redact(s) : NULL;
    fputs("<pre>", f);
    esc(f, m ? m : "?");
    fputs("</pre>", f);
    free(m);
    free(s);
}

/* "12.345s", "4m05s", "1h02m". */
static void dur(FILE *f, double s)
{
    if (s < 0)
        fputs("-", f);
    else if (s < 60)
        fprintf(f, "%.3fs", s);
    else if (s < 3600)
        fprintf(f, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else
        fprintf(f, "%dh%02dm", (int)(s / 3600), (int)s % 3600 / 60);
}

static const char *state_of(const rtask *t)
{
    const char *s = jstr(t->rec, "state");
    return s ? s : "none";
}

static const char *CSS =
    "body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222}"
    "header{padding:12px 20px;background:#f6f6f6;border-bottom:1px solid #ddd}"
    "h1{font-size:20px;margin:0 0 6px}h2{font-size:16px;margin:20px 20px 8px}"
    "section{padding:0 20px}table{border-collapse:collapse}"
    "td,th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}"
    ".badge{display:inline-block;padding:1px 8px;border-radius:9px;color:#000;font-weight:600}"
    ".dim{color:#888}pre{margin:0;white-space:pre-wrap;word-break:break-all;font-size:12px}"
    "#graph{overflow:auto;max-height:70vh;border:1px solid #ddd}"
    "#graph text{font:12px sans-serif;pointer-events:none}"
    "g.node rect{stroke:#333;stroke-width:1}g.node.grp rect{stroke-dasharray:4 2}"
    "g.node.mapped rect{stroke-width:3;stroke:#555}"
    "g.node.hit rect{stroke:#06f;stroke-width:3}.faded{opacity:.15}"
    ".gantt{position:relative;border-left:1px solid #ccc}"
    ".grow{display:flex;align-items:center;height:18px}"
    ".glabel{width:260px;flex:none;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-size:12px}"
    ".gtrack{position:relative;flex:1;height:14px;background:#fafafa}"
    ".bar{position:absolute;top:1px;height:12px;min-width:2px;border:1px solid #0004;box-sizing:border-box}"
    "details{margin:2px 0}summary{cursor:pointer}.task{border-top:1px solid #eee;padding:4px 0}"
    ".log{background:#111;color:#ddd;padding:6px;max-height:300px;overflow:auto}"
    "#q{font-size:14px;padding:4px;width:300px}.hidden{display:none}";

/* Search: fades what does not match in the graph, hides it in the lists. */
static const char *JS =
    "(function(){\n"
    "var q=document.getElementById('q');\n"
    "function apply(){\n"
    " var v=q.value.toLowerCase();\n"
    " var all=document.querySelectorAll('[data-task]'),first=null;\n"
    " for(var i=0;i<all.length;i++){\n"
    "  var e=all[i],m=!v||e.getAttribute('data-task').toLowerCase().indexOf(v)>=0;\n"
    "  if(e.tagName.toLowerCase()==='g'){e.classList.toggle('faded',!m);e.classList.toggle('hit',!!v&&m);\n"
    "   if(v&&m&&!first)first=e;}\n"
    "  else e.classList.toggle('hidden',!m);\n"
    " }\n"
    " if(first){var gr=document.getElementById('graph'),b=first.getBBox();\n"
    "  gr.scrollLeft=Math.max(0,b.x-60);gr.scrollTop=Math.max(0,b.y-60);}\n"
    " if(v){var d=document.querySelectorAll('details.group,details.mapped');for(var k=0;k<d.length;k++)d[k].open=true;}\n"
    "}\n"
    "q.addEventListener('input',apply);\n"
    "if(location.hash.indexOf('#q=')===0){q.value=decodeURIComponent(location.hash.slice(3));apply();}\n"
    "var g=document.querySelectorAll('g.node');\n"
    "for(var i=0;i<g.length;i++)g[i].addEventListener('click',function(){\n"
    " var t=document.getElementById('task-'+this.getAttribute('data-idx'));\n"
    " if(t){var p=t.parentNode;while(p){if(p.tagName&&p.tagName.toLowerCase()==='details')p.open=true;p=p.parentNode;}\n"
    "  t.open=true;t.scrollIntoView();}\n"
    "});\n"
    "})();\n";

enum { NODE_W = 170, NODE_H = 30, GAP_X = 50, GAP_Y = 14 };

/* ": 198 success, 2 failed", a mapped task's instances by state (as
 * badges when badges is set). */
static void instance_counts(FILE *f, const report *r, const rtask *t, int badges)
{
    const char *sep = ": ";
    for (size_t k = 0; k < sizeof colors / sizeof *colors; k++) {
        int n = 0;
        for (int j = t->first_inst; j >= 0; j = r->t[j].next_inst)
            n += strcmp(state_of(&r->t[j]), colors[k].state) == 0;
        if (!n)
            continue;
        if (badges)
            fprintf(f, " <span class=\"badge\" style=\"background:%s\">%d %s</span>", colors[k].color, n,
                    colors[k].state);
        else
            fprintf(f, "%s%d %s", sep, n, colors[k].state);
        sep = ", ";
    }
}

static void graph(FILE *f, const report *r)
{
    int layers = 0, rows = 0;
    for (int i = 0; i < r->n; i++) {
        layers = r->t[i].layer + 1 > layers ? r->t[i].layer + 1 : layers;
        rows = r->t[i].row + 1 > rows ? r->t[i].row + 1 : rows;
    }
    long w = (long)layers * (NODE_W + GAP_X) + GAP_X, h = (long)rows * (NODE_H + GAP_Y) + GAP_Y;
    fprintf(f, "<div id=\"graph\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%ld\" height=\"%ld\">\n",
            w, h);
    fputs("<g class=\"edges\" stroke=\"#999\" fill=\"none\">\n", f);
    for (int i = 0; i < r->n; i++) {
        const rtask *t = &r->t[i];
        for (int k = 0; t->def && k < t->def->nupstream; k++) {
            int u = t->def->upstream[k];
            if (u < 0 || u >= i)
                continue;
            const rtask *s = &r->t[u];
            long x1 = GAP_X + (long)s->layer * (NODE_W + GAP_X) + NODE_W, y1 = GAP_Y + (long)s->row * (NODE_H + GAP_Y) + NODE_H / 2;
            long x2 = GAP_X + (long)t->layer * (NODE_W + GAP_X), y2 = GAP_Y + (long)t->row * (NODE_H + GAP_Y) + NODE_H / 2;
            fprintf(f, "<path d=\"M%ld %ldC%ld %ld %ld %ld %ld %ld\"/>\n", x1, y1, x1 + GAP_X / 2, y1,
                    x2 - GAP_X / 2, y2, x2, y2);
        }
    }
    fputs("</g>\n", f);
    for (int i = 0; i < r->n; i++) {
        const rtask *t = &r->t[i];
        if (t->parent >= 0)
            continue;
        const char *st = state_of(t), *grp = t->def ? t->def->group_id : NULL;
        int mapped = t->def && t->def->map_json;
        long x = GAP_X + (long)t->layer * (NODE_W + GAP_X), y = GAP_Y + (long)t->row * (NODE_H + GAP_Y);
        fprintf(f, "<g class=\"node st-%s%s%s\" data-task=\"", st, grp ? " grp" : "", mapped ? " mapped" : "");
        esc(f, t->id);
        fprintf(f, "\" data-state=\"%s\" data-idx=\"%d\"", st, i);
        if (mapped)
            fprintf(f, " data-mapped=\"%d\"", t->ninst);
        fputs("><title>", f);
        esc(f, t->id);
        fprintf(f, ": %s", st);
        if (mapped) {
            fprintf(f, ", mapped into %d instance%s", t->ninst, t->ninst == 1 ? "" : "s");
            instance_counts(f, r, t, 0);
        }
        if (grp) {
            fputs(" (group ", f);
            esc(f, grp);
            fputs(")", f);
        }
        fprintf(f, "</title><rect x=\"%ld\" y=\"%ld\" width=\"%d\" height=\"%d\" rx=\"5\" fill=\"%s\"/>",
                x, y, NODE_W, NODE_H, biz_report_color(st));
        /* The id without its group's prefix, cut to fit the box. */
        const char *label = t->id;
        if (grp && strncmp(label, grp, strlen(grp)) == 0 && label[strlen(grp)] == '.')
            label += strlen(grp) + 1;
        /* A mapped task as Airflow's graph shows it: "send [200]". */
        char suffix[16] = "";
        if (mapped)
            snprintf(suffix, sizeof suffix, " [%d]", t->ninst);
        char cut[48];
        int room = 24 - (int)strlen(suffix);
        if ((int)strlen(label) > room)
            snprintf(cut, sizeof cut, "%.*s..%s", room - 2, label, suffix);
        else
            snprintf(cut, sizeof cut, "%s%s", label, suffix);
        int dark = !strcmp(st, "success") || !strcmp(st, "failed") || !strcmp(st, "killed");
        if (grp) {
            char gcut[32];
            snprintf(gcut, sizeof gcut, "%s", grp);
            if (strlen(grp) > 26)
                strcpy(gcut + 24, "..");
            fprintf(f, "<text x=\"%ld\" y=\"%ld\" font-size=\"9\" fill=\"%s\">", x + 6, y + 10,
                    dark ? "#eee" : "#555");
            esc(f, gcut);
            fputs("</text>", f);
        }
        fprintf(f, "<text x=\"%ld\" y=\"%ld\" fill=\"%s\">", x + 6, y + (grp ? 24 : 19),
                dark ? "#fff" : "#000");
        esc(f, cut);
        fputs("</text></g>\n", f);
    }
    fputs("</svg></div>\n", f);
}

/* The Gantt row of a task: one bar per try. */
static void gantt_row(FILE *f, const report *r, const rtask *t)
{
    fputs("<div class=\"grow\" data-task=\"", f);
    esc(f, t->id);
    fputs("\"><div class=\"glabel\" title=\"", f);
    esc(f, t->id);
    fputs("\">", f);
    esc(f, t->id);
    fputs("</div><div class=\"gtrack\">", f);
    double span = r->t1 - r->t0;
    for (int k = 0; k < t->ntries; k++) {
        const rtry *y = &t->tries[k];
        double s = y->start > 0 ? y->start : r->t0;
        double e = y->end > 0 ? y->end : r->t1;
        double left = (s - r->t0) / span * 100, width = (e - s) / span * 100;
        if (left < 0)
            left = 0;
        if (width < 0)
            width = 0;
        fprintf(f, "<div class=\"bar\" data-try=\"%d\" data-state=\"%s\" style=\"left:%.3f%%;width:%.3f%%;"
                "background:%s\" title=\"", y->n, y->state, left, width, biz_report_color(y->state));
        esc(f, t->id);
        fprintf(f, " #%d: %s, ", y->n, y->state);
        dur(f, y->end > 0 && y->start > 0 ? y->end - y->start : -1);
        fputs("\"></div>", f);
    }
    fputs("</div></div>\n", f);
}

/* A task's details: state, tries, error, XComs, earlier outcomes, log. */
static void task_details(FILE *f, const rtask *t, int idx)
{
    const char *st = state_of(t);
    const cJSON *tries = cJSON_GetObjectItemCaseSensitive(t->rec, "tries");
    fprintf(f, "<details class=\"task\" id=\"task-%d\" data-task=\"", idx);
    esc(f, t->id);
    fprintf(f, "\"><summary><span class=\"badge\" style=\"background:%s\">%s</span> <b>",
            biz_report_color(st), st);
    esc(f, t->id);
    fprintf(f, "</b> <span class=\"dim\">%s, %d tr%s, ",
            t->def && t->def->op >= 0 && t->def->op < BIZ_OP__COUNT ? biz_ops[t->def->op].name : "not in this DAG",
            cJSON_IsNumber(tries) ? tries->valueint : 0,
            cJSON_IsNumber(tries) && tries->valueint == 1 ? "y" : "ies");
    double a = biz_record_time(t->rec, "start_date"), b = biz_record_time(t->rec, "end_date");
    dur(f, a > 0 && b >= a ? b - a : -1);
    fputs("</span></summary><table>", f);
    const char *reason = jstr(t->rec, "reason");
    if (reason) {
        fputs("<tr><th>error</th><td><pre>", f);
        esc(f, reason);
        fputs("</pre></td></tr>", f);
    }
    fputs("<tr><th>XComs</th><td>", f);
    value(f, cJSON_GetObjectItemCaseSensitive(t->rec, "xcom"));
    fputs("</td></tr>", f);
    const cJSON *hist = cJSON_GetObjectItemCaseSensitive(t->rec, "history"), *h;
    if (cJSON_IsArray(hist) && hist->child) {
        fputs("<tr><th>earlier</th><td>", f);
        cJSON_ArrayForEach(h, hist) {
            const cJSON *ht = cJSON_GetObjectItemCaseSensitive(h, "tries");
            fprintf(f, "<div><span class=\"badge\" style=\"background:%s\">", biz_report_color(jstr(h, "state")));
            esc(f, jstr(h, "state") ? jstr(h, "state") : "?");
            fprintf(f, "</span> after %d tr%s, cleared by ", cJSON_IsNumber(ht) ? ht->valueint : 0,
                    cJSON_IsNumber(ht) && ht->valueint == 1 ? "y" : "ies");
            esc(f, jstr(h, "cleared_by") ? jstr(h, "cleared_by") : "?");
            fputs(" at ", f);
            esc(f, jstr(h, "cleared_at") ? jstr(h, "cleared_at") : "?");
            if (jstr(h, "reason")) {
                fputs(": ", f);
                esc(f, jstr(h, "reason"));
            }
            fputs("</div>", f);
        }
        fputs("</td></tr>", f);
    }
    fputs("</table>", f);
    if (t->nlines) {
        fputs("<div class=\"log\"><pre>", f);
        for (int k = 0; k < t->nlines; k++) {
            esc(f, t->lines[k]);
            putc('\n', f);
        }
        if (t->more)
            fprintf(f, "... %d more line(s) in the run's log\n", t->more);
        fputs("</pre></div>", f);
    }
    fputs("</details>\n", f);
}

/* Writes task i (its Gantt row, or its details); a mapped task's
 * instances follow in a collapsible block, closed when there are many. */
static void one_task(FILE *f, const report *r, int i, int gantt)
{
    const rtask *t = &r->t[i];
    if (gantt)
        gantt_row(f, r, t);
    else
        task_details(f, t, i);
    if (t->ninst == 0)
        return;
    fprintf(f, "<details class=\"mapped\" data-of=\"");
    esc(f, t->id);
    fprintf(f, "\" data-instances=\"%d\"%s><summary>%d mapped instance%s of <b>", t->ninst,
            t->ninst <= 20 ? " open" : "", t->ninst, t->ninst == 1 ? "" : "s");
    esc(f, t->id);
    fputs("</b>", f);
    instance_counts(f, r, t, 1);
    fputs("</summary>\n", f);
    for (int j = t->first_inst; j >= 0; j = r->t[j].next_inst)
        if (gantt)
            gantt_row(f, r, &r->t[j]);
        else
            task_details(f, &r->t[j], j);
    fputs("</details>\n", f);
}

/* Writes the tasks in DAG order, a group's in a collapsible block (its
 * tasks need not be next to each other: each group once, where its first
 * task is); a mapped task's instances come with it. */
static void grouped(FILE *f, const report *r, int gantt)
{
    unsigned char *done = calloc((size_t)r->n + 1, 1);
    if (!done)
        return;
    for (int i = 0; i < r->n; i++)
        done[i] = r->t[i].parent >= 0;
    for (int i = 0; i < r->n; i++) {
        if (done[i])
            continue;
        const char *g = r->t[i].def ? r->t[i].def->group_id : NULL;
        if (!g) {
            done[i] = 1;
            one_task(f, r, i, gantt);
            continue;
        }
        int count = 0;
        for (int j = i; j < r->n; j++)
            count += !done[j] && r->t[j].def && r->t[j].def->group_id && !strcmp(r->t[j].def->group_id, g);
        fputs("<details class=\"group\" open><summary>group <b>", f);
        esc(f, g);
        fprintf(f, "</b> <span class=\"dim\">(%d task%s)</span></summary>\n", count, count == 1 ? "" : "s");
        for (int j = i; j < r->n; j++) {
            if (done[j] || !r->t[j].def || !r->t[j].def->group_id || strcmp(r->t[j].def->group_id, g))
                continue;
            done[j] = 1;
            one_task(f, r, j, gantt);
        }
        fputs("</details>\n", f);
    }
    free(done);
}

static void row(FILE *f, const char *name, const char *v)
{
    fprintf(f, "<tr><th>%s</th><td>", name);
    esc(f, v ? v : "-");
    fputs("</td></tr>\n", f);
}

/* The page. */
int biz_report_html(FILE *f, const biz_dag_def *dag, const cJSON *rec, const char *log)
{
    char *copy = log ? strdup(log) : NULL;
    report r;
    if (report_build(&r, dag, rec, copy) < 0) {
        report_free(&r);
        free(copy);
        return -1;
    }
    const char *state = jstr(rec, "state") ? jstr(rec, "state") : "?";
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width\">\n<title>", f);
    esc(f, jstr(rec, "dag_id"));
    fputs(" ", f);
    esc(f, jstr(rec, "run_id"));
    fprintf(f, " (%s)</title>\n<style>%s</style></head><body>\n<header><h1>DAG ", state, CSS);
    esc(f, jstr(rec, "dag_id"));
    fputs(": run ", f);
    esc(f, jstr(rec, "run_id"));
    fprintf(f, " <span class=\"badge\" id=\"run-state\" style=\"background:%s\">", biz_report_color(state));
    esc(f, state);
    fputs("</span></h1>\n<table>\n", f);
    row(f, "type", jstr(rec, "run_type"));
    row(f, "logical date", jstr(rec, "logical_date"));
    char iv[200];
    snprintf(iv, sizeof iv, "%s to %s", jstr(rec, "data_interval_start") ? jstr(rec, "data_interval_start") : "?",
             jstr(rec, "data_interval_end") ? jstr(rec, "data_interval_end") : "?");
    row(f, "data interval", iv);
    row(f, "started", jstr(rec, "start_date"));
    row(f, "ended", jstr(rec, "end_date"));
    fputs("<tr><th>duration</th><td>", f);
    double a = biz_record_time(rec, "start_date"), b = biz_record_time(rec, "end_date");
    dur(f, a > 0 && b >= a ? b - a : -1);
    fputs("</td></tr>\n", f);
    char ver[200];
    snprintf(ver, sizeof ver, "sha256:%s, bizc %s",
             jstr(rec, "source_sha256") && *jstr(rec, "source_sha256") ? jstr(rec, "source_sha256") : "?",
             jstr(rec, "bizc_version") && *jstr(rec, "bizc_version") ? jstr(rec, "bizc_version") : "?");
    row(f, "DAG version", ver);
    fputs("<tr><th>conf</th><td>", f);
    value(f, cJSON_GetObjectItemCaseSensitive(rec, "conf"));
    fputs("</td></tr>\n", f);
    /* Counts by state. */
    fputs("<tr><th>tasks</th><td>", f);
    for (size_t k = 0; k < sizeof colors / sizeof *colors; k++) {
        int n = 0;
        for (int i = 0; i < r.n; i++)   /* a mapped task counts as its instances */
            n += r.t[i].ninst == 0 && strcmp(state_of(&r.t[i]), colors[k].state) == 0;
        if (n)
            fprintf(f, "<span class=\"badge\" style=\"background:%s\">%d %s</span> ", colors[k].color, n,
                    colors[k].state);
    }
    fputs("</td></tr>\n", f);
    const cJSON *hist = cJSON_GetObjectItemCaseSensitive(rec, "history"), *h;
    if (cJSON_IsArray(hist) && hist->child) {
        fputs("<tr><th>history</th><td>", f);
        cJSON_ArrayForEach(h, hist) {
            fputs("<div>", f);
            esc(f, jstr(h, "at"));
            fputs(" ", f);
            esc(f, jstr(h, "action"));
            fputs(" of the ", f);
            esc(f, jstr(h, "previous_state"));
            fputs(" run", f);
            if (jstr(h, "task")) {
                fputs(" from task ", f);
                esc(f, jstr(h, "task"));
                if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "downstream")))
                    fputs(" with its downstream tasks", f);
            }
            fputs("</div>", f);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n<p><input id=\"q\" type=\"search\" placeholder=\"search tasks\"></p></header>\n", f);
    fputs("<h2>Graph</h2><section>\n", f);
    graph(f, &r);
    fputs("</section>\n<h2>Tries</h2><section><div class=\"gantt\" id=\"gantt\">\n", f);
    /* The time axis: the span every bar is drawn in. */
    char t0[48];
    biz_state_iso_us(r.t0, t0, sizeof t0);
    fputs("<div class=\"grow\"><div class=\"glabel dim\">from ", f);
    esc(f, t0);
    fputs("</div><div class=\"gtrack\" style=\"background:none\"><span class=\"dim\" style=\"position:absolute;"
          "right:0;font-size:11px\">+", f);
    dur(f, r.t1 - r.t0);
    fputs("</span></div></div>\n", f);
    grouped(f, &r, 1);
    fputs("</div></section>\n<h2>Tasks</h2><section id=\"tasks\">\n", f);
    grouped(f, &r, 0);
    fprintf(f, "</section>\n<script>\n%s</script>\n</body></html>\n", JS);
    report_free(&r);
    free(copy);
    return ferror(f) ? -1 : 0;
}

/* Reads the run's log (at most MAX_LOG bytes); NULL when there is none. */
static char *read_log(const cJSON *rec)
{
    const char *path = jstr(rec, "log");
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f)
        return NULL;
    char *buf = malloc(MAX_LOG + 1);
    size_t n = buf ? fread(buf, 1, MAX_LOG, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = 0;
    return buf;
}

/* Writes the page to path atomically. */
int biz_report_write(const char *path, const biz_dag_def *dag, const cJSON *rec,
                     char *err, size_t errlen)
{
    char *tmp = NULL;
    const char *slash = strrchr(path, '/');
    if (asprintf(&tmp, "%.*s.%s.tmp.%ld", slash ? (int)(slash - path + 1) : 0, path,
                 slash ? slash + 1 : path, (long)getpid()) < 0) {
        snprintf(err, errlen, "cannot write the report %s: out of memory", path);
        return -1;
    }
    int e = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        e = errno;
        if (fd >= 0)
            close(fd);
    } else {
        char *log = read_log(rec);
        if (fchmod(fd, 0600) < 0 || biz_report_html(f, dag, rec, log) < 0)
            e = errno ? errno : EIO;
        free(log);
        if (fflush(f) != 0 && !e)
            e = errno;
        if (!e && fsync(fd) < 0)
            e = errno;
        if (fclose(f) != 0 && !e)
            e = errno;
        if (!e && rename(tmp, path) < 0)
            e = errno;
        if (e)
            unlink(tmp);
    }
    free(tmp);
    if (e) {
        snprintf(err, errlen, "cannot write the report %s: %s", path, strerror(e));
        return -1;
    }
    return 0;
}
