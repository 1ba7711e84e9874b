/* driver.c: builds a DAG executable with the C compiler (see driver.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "driver.h"
#include "sha256.h"
#include "buf.h"
#include "xalloc.h"

#ifndef BIZC_CC
#define BIZC_CC "cc"
#endif
#ifndef BIZC_DAG_CFLAGS
#define BIZC_DAG_CFLAGS ""
#endif
#ifndef BIZC_DAG_LIBS
#define BIZC_DAG_LIBS "-lcurl -lcjson -lm"
#endif
#ifndef BIZC_STATIC_LIBS
#define BIZC_STATIC_LIBS ""
#endif
#ifndef BIZC_STATIC_LIBS_INSTALLED
#define BIZC_STATIC_LIBS_INSTALLED ""
#endif
#ifndef BIZC_DEFAULT_STATIC
#define BIZC_DEFAULT_STATIC 0
#endif
#ifndef BIZC_STATIC_REASON
#define BIZC_STATIC_REASON ""
#endif
#ifndef BIZC_BUILDDIR
#define BIZC_BUILDDIR "."
#endif
#ifndef BIZC_SRCDIR
#define BIZC_SRCDIR "."
#endif
#ifndef BIZC_INCLUDEDIR
#define BIZC_INCLUDEDIR "/usr/local/include/bizc"
#endif
#ifndef BIZC_LIBDIR
#define BIZC_LIBDIR "/usr/local/lib"
#endif

#ifndef BIZC_VERSION
#define BIZC_VERSION "0.0.0"
#endif

const char *biz_driver_version(void)
{
    return BIZC_VERSION;
}

const char *biz_driver_default_cc(void)
{
    return BIZC_CC;
}

const char *biz_driver_default_link(void)
{
    return BIZC_DEFAULT_STATIC && BIZC_STATIC_LIBS[0] ? "static" : "dynamic";
}

typedef struct argv_b {
    char **v;
    int n, cap;
} argv_b;

static void av_push(argv_b *a, const char *s)
{
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? a->cap * 2 : 32;
        a->v = biz_xrealloc(a->v, sizeof *a->v * (size_t)a->cap);
    }
    a->v[a->n] = biz_xstrdup(s);
    a->n++;
    a->v[a->n] = NULL;
}

/* Splits s on blanks (the configured flags hold no quoted spaces). */
static void av_split(argv_b *a, const char *s)
{
    while (s && *s) {
        while (*s == ' ' || *s == '\t' || *s == '\n')
            s++;
        if (!*s)
            break;
        const char *st = s;
        while (*s && *s != ' ' && *s != '\t' && *s != '\n')
            s++;
        char *w = biz_xstrndup(st, (size_t)(s - st));
        av_push(a, w);
        free(w);
    }
}

static void av_free(argv_b *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Does bizc run from its build tree (not installed)? */
static int in_build_tree(void)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = 0;
    return n > 0 && strcmp(self, BIZC_BUILDDIR "/bizc") == 0;
}

/* The first word of a library list: the static libcurl.a. */
static int first_word_is_file(const char *libs)
{
    char w[4096];
    size_t n = strcspn(libs, " \t");
    if (n == 0 || n >= sizeof w)
        return 0;
    memcpy(w, libs, n);
    w[n] = 0;
    return is_file(w);
}

/* The static libraries a -static DAG links: the configured ones (in the
 * --with-static-deps tree) when bizc runs from its build tree, else the
 * copies make install put in $(pkglibdir)/static; whichever exists when
 * BIZC_RUNTIME_DIR is set or the preferred one is gone. "" when bizc was
 * configured without static support. */
static const char *static_libs(void)
{
    const char *first = BIZC_STATIC_LIBS_INSTALLED, *second = BIZC_STATIC_LIBS;
    if (!BIZC_STATIC_LIBS[0])
        return "";
    if (in_build_tree()) {
        first = BIZC_STATIC_LIBS;
        second = BIZC_STATIC_LIBS_INSTALLED;
    }
    if (first[0] && first_word_is_file(first))
        return first;
    if (second[0] && first_word_is_file(second))
        return second;
    return first;  /* the link fails and the C compiler names the file */
}

int biz_driver_runtime(char *incdir, size_t incsize, char *lib, size_t libsize,
                       char *err, size_t errsize)
{
    const char *env = getenv("BIZC_RUNTIME_DIR");
    if (env && *env) {
        snprintf(incdir, incsize, "%s", env);
        snprintf(lib, libsize, "%s/libbizrt.a", env);
    } else if (in_build_tree()) {
        snprintf(incdir, incsize, "%s", BIZC_SRCDIR "/runtime");
        snprintf(lib, libsize, "%s", BIZC_BUILDDIR "/runtime/libbizrt.a");
    } else {
        snprintf(incdir, incsize, "%s", BIZC_INCLUDEDIR);
        snprintf(lib, libsize, "%s", BIZC_LIBDIR "/libbizrt.a");
    }
    if (!is_file(lib)) {
        snprintf(err, errsize, "cannot find the runtime library %s (set BIZC_RUNTIME_DIR to a "
                 "directory holding bizrt.h and libbizrt.a)", lib);
        return -1;
    }
    return 0;
}

/* Shows the compiler's messages; after a successful static link, without
 * glibc's notes that getaddrinfo & co need its shared libraries at run time
 * (true of every static glibc program, and the runtime copes). */
static void show_output(const char *text, int ok)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
        const char *next = p + n;
        int drop = 0;
        if (ok) {
            const char *nl2 = *next ? strchr(next, '\n') : NULL;
            size_t n2 = nl2 ? (size_t)(nl2 - next + 1) : strlen(next);
            char *line = biz_xstrndup(p, n), *line2 = biz_xstrndup(next, n2);
            if (strstr(line, "statically linked applications requires at runtime")) {
                drop = 1;
            } else if (strstr(line, ": in function") && strstr(line2, "statically linked applications requires at runtime")) {
                drop = 1;
            }
            free(line);
            free(line2);
        }
        if (!drop)
            fwrite(p, 1, n, stderr);
        p = next;
    }
}

/* Runs argv in directory dir with its stderr captured; returns its exit
 * status, or -1 when it could not run. */
static int run(char **argv, const char *dir)
{
    int pfd[2];
    if (pipe(pfd) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    if (pid == 0) {
        close(pfd[0]);
        dup2(pfd[1], STDERR_FILENO);
        dup2(pfd[1], STDOUT_FILENO);
        close(pfd[1]);
        if (chdir(dir) < 0) {
            fprintf(stderr, "bizc: cannot enter %s: %s\n", dir, strerror(errno));
            _exit(127);
        }
        execvp(argv[0], argv);
        fprintf(stderr, "bizc: cannot run '%s': %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pfd[1]);
    biz_buf out = { 0 };
    for (;;) {
        if (biz_buf_reserve(&out, 4096) < 0)
            biz_xalloc_die();
        ssize_t r = read(pfd[0], out.p + out.n, out.cap - out.n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        out.n += (size_t)r;
    }
    out.p[out.n] = 0;
    close(pfd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            biz_buf_free(&out);
            return -1;
        }
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    show_output(out.p, rc == 0);
    biz_buf_free(&out);
    return rc;
}

/* Flags that keep the build's accidents out of the executable: the
 * temporary directory and the cwd (DW_AT_name, DW_AT_comp_dir with -g) map
 * to ".", and GCC's random seed (used for some symbol names) is a hash of
 * the C text. Both GCC and Clang take these. */
static void reproducible_flags(argv_b *a, const char *cdir, const char *c, size_t len)
{
    char flag[8300], hex[65], cwd[4096];
    /* The last matching map wins: cdir's, even when it is under the cwd. */
    if (getcwd(cwd, sizeof cwd)) {
        snprintf(flag, sizeof flag, "-fdebug-prefix-map=%s=.", cwd);
        av_push(a, flag);
    }
    snprintf(flag, sizeof flag, "-ffile-prefix-map=%s=.", cdir);
    av_push(a, flag);
    biz_sha256_hex(c, len, hex);
    snprintf(flag, sizeof flag, "-frandom-seed=%.16s", hex);
    av_push(a, flag);
}

/* Makes path absolute (relative to the cwd) in place: the C compiler runs
 * in the temporary directory. */
static void make_absolute(char *path, size_t size)
{
    char cwd[4096], tmp[8300];
    if (path[0] == '/' || !getcwd(cwd, sizeof cwd))
        return;
    snprintf(tmp, sizeof tmp, "%s/%s", cwd, path);
    snprintf(path, size, "%s", tmp);
}

int biz_driver_build(const char *c, size_t len, const biz_driver_opts *o)
{
    char incdir[4096], lib[4096], err[8300];
    if (biz_driver_runtime(incdir, sizeof incdir, lib, sizeof lib, err, sizeof err) < 0) {
        fprintf(stderr, "bizc: %s\n", err);
        return 2;
    }
    make_absolute(incdir, sizeof incdir);
    make_absolute(lib, sizeof lib);
    int stat_link = o->link == BIZ_LINK_STATIC || (o->link == BIZ_LINK_DEFAULT && BIZC_DEFAULT_STATIC);
    if (stat_link && !BIZC_STATIC_LIBS[0]) {
        fprintf(stderr, "bizc: --static: this bizc cannot build fully static executables%s%s%s\n",
                BIZC_STATIC_REASON[0] ? " (" : "", BIZC_STATIC_REASON,
                BIZC_STATIC_REASON[0] ? ")" : "; use --dynamic");
        return 2;
    }

    /* The C goes to DIR/dag.c in a fresh private directory: a fixed file
     * name, and DIR and the cwd mapped away below, so that nothing of this
     * build's temporary names reaches the executable (debug info, STT_FILE
     * symbols): the same .biz gives the same bytes. */
    const char *tmpdir = getenv("TMPDIR");
    if (!tmpdir || !*tmpdir)
        tmpdir = "/tmp";
    char cdir[4096], cpath[4200];
    snprintf(cdir, sizeof cdir, "%s/bizc-XXXXXX", tmpdir);
    if (!mkdtemp(cdir)) {
        fprintf(stderr, "bizc: cannot create a temporary directory in %s: %s\n", tmpdir, strerror(errno));
        return 2;
    }
    snprintf(cpath, sizeof cpath, "%s/dag.c", cdir);
    int fd = open(cpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "bizc: cannot create %s: %s\n", cpath, strerror(errno));
        rmdir(cdir);
        return 2;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, c + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "bizc: cannot write %s: %s\n", cpath, strerror(errno));
            close(fd);
            unlink(cpath);
            rmdir(cdir);
            return 2;
        }
        off += (size_t)w;
    }
    close(fd);

    char *tmpout = biz_xmalloc(8300);
    snprintf(tmpout, 8300, "%s.tmp", o->out);
    make_absolute(tmpout, 8300);

    argv_b a = { NULL, 0, 0 };
    const char *cc = o->cc && *o->cc ? o->cc : getenv("CC");
    av_split(&a, cc && *cc ? cc : BIZC_CC);
    if (a.n == 0)
        av_push(&a, "cc");
    av_push(&a, "-std=c11");
    av_push(&a, "-O2");
    av_push(&a, o->debug ? "-g" : "-s");
    reproducible_flags(&a, cdir, c, len);
    char *inc = biz_xmalloc(strlen(incdir) + 3);
    sprintf(inc, "-I%s", incdir);
    av_push(&a, inc);
    free(inc);
    if (in_build_tree()) {
        av_split(&a, BIZC_DAG_CFLAGS);
    } else {
        /* Installed: the generated C includes only bizrt.h, so the build
         * tree's -I directories (maybe gone by now) are left out. */
        argv_b f = { NULL, 0, 0 };
        av_split(&f, BIZC_DAG_CFLAGS);
        for (int i = 0; i < f.n; i++)
            if (strncmp(f.v[i], "-I", 2) != 0)
                av_push(&a, f.v[i]);
        av_free(&f);
    }
    /* Compiled as "dag.c" from inside cdir: AddressSanitizer writes the
     * source's name into the executable and no -f*-prefix-map reaches it. */
    av_push(&a, "dag.c");
    av_push(&a, "-o");
    av_push(&a, tmpout);
    av_push(&a, lib);
    if (stat_link) {
        av_push(&a, "-static");
        av_split(&a, static_libs());
    } else {
        av_split(&a, BIZC_DAG_LIBS);
    }
    if (o->verbose) {
        for (int i = 0; i < a.n; i++)
            fprintf(stderr, "%s%s", i ? " " : "", a.v[i]);
        fputc('\n', stderr);
    }
    int rc = run(a.v, cdir);
    unlink(cpath);
    rmdir(cdir);
    int result = 0;
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "bizc: cannot run the C compiler '%s': %s\n", a.v[0], strerror(errno));
        else if (rc != 127)
            fprintf(stderr, "bizc: the C compiler '%s' failed (exit status %d)\n", a.v[0], rc);
        unlink(tmpout);
        result = 2;
    } else if (rename(tmpout, o->out) < 0) {
        fprintf(stderr, "bizc: cannot write %s: %s\n", o->out, strerror(errno));
        unlink(tmpout);
        result = 2;
    }
    free(tmpout);
    av_free(&a);
    return result;
}
