/* statefs.c: the state directory's paths and files: where it is, making
 * its directories, run ids as file names, atomic writes, reading a file
 * back, ISO times (see state.h for the layout and the rules). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "state.h"
#include "state_int.h"
#include "isotime.h"
#include "buf.h"

/* ---------------------------------------------------------------- paths */

char *biz_state_join(const char *a, const char *b)
{
    char *s = NULL;
    if (asprintf(&s, "%s/%s", a, b) < 0)
        return NULL;
    return s;
}

/* The state directory (see state.h). */
int biz_state_dir_resolve(const char *opt, char *out, size_t len, char *err, size_t errlen)
{
    const char *v = opt && *opt ? opt : getenv("BIZ_STATE_DIR");
    char buf[PATH_MAX];
    if (!v || !*v) {
        const char *x = getenv("XDG_STATE_HOME");
        const char *home = getenv("HOME");
        if (x && *x == '/')
            snprintf(buf, sizeof buf, "%s/biz", x);
        else if (home && *home)
            snprintf(buf, sizeof buf, "%s/.local/state/biz", home);
        else {
            snprintf(err, errlen, "no state directory: give --state-dir DIR or set BIZ_STATE_DIR (HOME is not set)");
            return -1;
        }
        v = buf;
    }
    if (v[0] == '/') {
        if ((size_t)snprintf(out, len, "%s", v) >= len)
            goto too_long;
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) {
            snprintf(err, errlen, "cannot find the current directory: %s", strerror(errno));
            return -1;
        }
        if ((size_t)snprintf(out, len, "%s/%s", cwd, v) >= len)
            goto too_long;
    }
    /* No trailing slashes (paths are joined with '/'). */
    for (size_t n = strlen(out); n > 1 && out[n - 1] == '/'; n--)
        out[n - 1] = 0;
    return 0;
too_long:
    snprintf(err, errlen, "state directory path too long");
    return -1;
}

/* Whether the umask takes bits of mode (0700): then what is made is
 * chmod'ed to it. Asked only when something was made (rarely): reading
 * the umask means setting it twice. */
static int umask_strips(mode_t mode)
{
    mode_t u = umask(0);
    umask(u);
    return (u & mode) != 0;
}

/* mkdir of path, its missing parents first; 0 or -1 (errno). */
static int mkdirs_at(char *path)
{
    if (mkdir(path, 0700) == 0)
        return umask_strips(0700) ? chmod(path, 0700) : 0;
    if (errno != ENOENT)
        return -1;
    char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return -1;
    *slash = 0;
    int rc = mkdirs_at(path);
    *slash = '/';
    if (rc < 0 && errno != EEXIST)
        return -1;
    if (mkdir(path, 0700) == 0)
        return umask_strips(0700) ? chmod(path, 0700) : 0;
    return -1;
}

/* mkdir -p, 0700 for each directory made (chmod: umask-independent). The
 * directory itself first: at every run but the first it exists, and
 * walking the path from the root costs a system call per component. */
int biz_state_mkdirs(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return -1;
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = 0;
    int rc = mkdirs_at(p);
    free(p);
    if (rc == 0)
        return 0;
    if (errno != EEXIST)
        return -1;
    struct stat sb;
    if (stat(path, &sb) < 0)
        return -1;
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

int biz_state_run_id_ok(const char *s)
{
    if (!s || !*s || s[0] == '.' || strlen(s) > 200)
        return 0;
    for (; *s; s++)
        if (*s == '/' || (unsigned char)*s < 0x20)
            return 0;
    return 1;
}

/* ---------------------------------------------------------------- files */

int biz_state_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* biz_state_write_atomic; with keep (not NULL), the new file stays open
 * (read-write) in *keep for a later sync, else -1. */
int biz_state_write_atomic_keep(const char *dir, int dirfd, const char *name, const char *text,
                                int durable, int *keep)
{
    if (keep)
        *keep = -1;
    char *tmp = NULL, *dst = NULL;
    if (asprintf(&tmp, "%s/" TEMP_PREFIX "%ld-%s", dir, (long)getpid(), name) < 0)
        return -1;
    dst = biz_state_join(dir, name);
    if (!dst) {
        free(tmp);
        return -1;
    }
    int rc = -1, saved = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        if (fchmod(fd, 0600) == 0 && biz_state_write_all(fd, text, strlen(text)) == 0 &&
            (!durable || fsync(fd) == 0))
            rc = 0;
        saved = errno;
        if (rc == 0 && keep) {
            *keep = fd;
        } else if (close(fd) < 0 && rc == 0) {
            rc = -1;
            saved = errno;
        }
        if (rc == 0 && rename(tmp, dst) < 0) {
            rc = -1;
            saved = errno;
        }
        if (rc < 0) {
            unlink(tmp);
            if (keep && *keep >= 0) {
                close(*keep);
                *keep = -1;
            }
        } else if (durable && dirfd >= 0) {
            fsync(dirfd);   /* the rename itself survives a crash */
        }
    } else {
        saved = errno;
    }
    free(tmp);
    free(dst);
    errno = saved;
    return rc;
}

/* Writes dir/name atomically, mode 0600. */
int biz_state_write_atomic(const char *dir, int dirfd, const char *name, const char *text,
                           int durable)
{
    return biz_state_write_atomic_keep(dir, dirfd, name, text, durable, NULL);
}

/* Reads a whole file; malloc'd, NULL on error. */
char *biz_state_read_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    biz_buf buf = { 0 };
    for (;;) {
        if (biz_buf_reserve(&buf, 8192) < 0)
            break;
        ssize_t r = read(fd, buf.p + buf.n, buf.cap - buf.n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            close(fd);
            biz_buf_free(&buf);
            return NULL;
        }
        if (r == 0)
            break;
        buf.n += (size_t)r;
    }
    close(fd);
    if (buf.p)
        buf.p[buf.n] = 0;
    return biz_buf_take(&buf);
}

/* ---------------------------------------------------------------- times */

/* Wall seconds as "YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00" into out (len
 * bytes, NUL included), the fraction rounded to the microsecond; returns
 * the text's length. */
size_t biz_state_iso_us_into(double t, char *out, size_t len)
{
    time_t sec = (time_t)t;
    if ((double)sec > t)
        sec--;
    long us = (long)((t - (double)sec) * 1e6 + 0.5);
    if (us >= 1000000) {
        sec++;
        us -= 1000000;
    }
    return biz_isotime_format(out, len, sec, us, 0, BIZ_ISOTIME_US | BIZ_ISOTIME_OFFSET);
}

/* Formats wall seconds with microseconds (left out when zero). */
void biz_state_iso_us(double t, char *buf, size_t len)
{
    biz_state_iso_us_into(t, buf, len);
}
