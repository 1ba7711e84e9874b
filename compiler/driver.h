/* driver.h: runs the C compiler on generated C to make the executable.
 *
 * No shell: the compiler is run with fork/execvp, the C goes through
 * dag.c in a mkdtemp directory in $TMPDIR (removed afterwards), and the
 * executable is written to OUT.tmp and renamed, so a failed build never
 * leaves half a file. The build is reproducible: the temporary and current
 * directories are mapped away (-ffile-prefix-map), so the same C gives the
 * same bytes. A -static link uses the static libcurl/cJSON of the build
 * tree when bizc runs from it, else the copies installed in
 * $(pkglibdir)/static.
 *
 * Ownership: nothing is kept between calls.
 */
#ifndef BIZ_DRIVER_H
#define BIZ_DRIVER_H

#include <stddef.h>

typedef enum biz_link_mode {
    BIZ_LINK_DEFAULT,   /* static when bizc was configured for it */
    BIZ_LINK_STATIC,    /* --static */
    BIZ_LINK_DYNAMIC,   /* --dynamic */
} biz_link_mode;

typedef struct biz_driver_opts {
    const char *cc;     /* NULL: $CC, else the configured compiler */
    const char *out;    /* the executable to write */
    int debug;          /* -g and keep symbols; else strip (-s) */
    biz_link_mode link;
    int verbose;        /* print the command line to stderr */
} biz_driver_opts;

/* Compiles the C text c (len bytes) into o->out. Returns 0, or 2 after
 * printing why to stderr (the compiler's own messages are shown as is). */
int biz_driver_build(const char *c, size_t len, const biz_driver_opts *o);

/* Where the runtime's header and library are: BIZC_RUNTIME_DIR, the build
 * tree when bizc runs from it, else the installed paths. Returns 0, or -1
 * with a message in err when libbizrt.a is not there. */
int biz_driver_runtime(char *incdir, size_t incsize, char *lib, size_t libsize,
                       char *err, size_t errsize);

/* bizc's version (the configured package version). */
const char *biz_driver_version(void);
/* The C compiler used when neither --cc nor $CC says. */
const char *biz_driver_default_cc(void);
/* How DAG executables link by default: "static" or "dynamic". */
const char *biz_driver_default_link(void);

#endif
