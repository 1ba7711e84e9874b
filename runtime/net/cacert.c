/* cacert.c: find the target machine's CA certificates (see cacert.h). */
#include "cacert.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Go's crypto/x509 and curl's configure probe much the same list. */
const char *const biz_cacert_system_paths[] = {
    "/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Arch, Gentoo, Alpine */
    "/etc/pki/tls/certs/ca-bundle.crt",                  /* Fedora, RHEL, CentOS */
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL 7+, CentOS 7+ */
    "/etc/ssl/ca-bundle.pem",                            /* openSUSE, SLES */
    "/var/lib/ca-certificates/ca-bundle.pem",            /* SUSE's generated bundle */
    "/etc/pki/tls/cacert.pem",                           /* OpenELEC */
    "/etc/ssl/cert.pem",                                 /* Alpine, OpenBSD, macOS */
    NULL
};

/* The variables holding a bundle file, in the order they win. */
static const char *const file_vars[] = { "SSL_CERT_FILE", "CURL_CA_BUNDLE", NULL };

static const char *real_getenv(void *user, const char *name)
{
    (void)user;
    return getenv(name);
}

/* 0 when path is a readable, non-empty file; else an errno value. */
static int usable_file(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno;
    if (S_ISDIR(st.st_mode))
        return EISDIR;
    if (!S_ISREG(st.st_mode) || st.st_size == 0)
        return ENODATA;
    if (access(path, R_OK) != 0)
        return errno;
    return 0;
}

/* Appends printf-style text to buf (size len), truncating safely. */
__attribute__((format(printf, 3, 4)))
static void append(char *buf, size_t len, const char *fmt, ...)
{
    if (!buf || len == 0)
        return;
    size_t used = strlen(buf);
    if (used + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

/* Why a file was rejected, in words. */
static const char *reason(int err)
{
    return err == ENODATA ? "empty or not a regular file" : strerror(err);
}

/* Looks through the variables, then paths; see cacert.h. */
const char *biz_cacert_probe(const char *(*getenv_fn)(void *user, const char *name),
                             void *user, const char *const *paths,
                             char *why, size_t whylen)
{
    char bad[512] = "";   /* variables that named an unusable file */
    if (!getenv_fn)
        getenv_fn = real_getenv;
    if (!paths)
        paths = biz_cacert_system_paths;
    if (why && whylen)
        why[0] = '\0';

    const char *found = NULL;
    for (size_t i = 0; !found && file_vars[i]; i++) {
        const char *v = getenv_fn(user, file_vars[i]);
        if (!v || !*v)
            continue;
        int err = usable_file(v);
        if (err == 0)
            found = v;
        else
            append(bad, sizeof bad, "%s%s=%s (%s)", bad[0] ? ", " : "",
                   file_vars[i], v, reason(err));
    }
    for (size_t i = 0; !found && paths[i]; i++)
        if (usable_file(paths[i]) == 0)
            found = paths[i];

    if (found) {
        if (bad[0])
            append(why, whylen, "ignoring %s: using CA certificates from %s", bad, found);
        return found;
    }

    append(why, whylen, "no CA certificate bundle found (looked for ");
    if (bad[0])
        append(why, whylen, "%s", bad);
    for (size_t i = 0; file_vars[i]; i++) {
        const char *v = getenv_fn(user, file_vars[i]);
        if (!v || !*v)   /* unset ones; set ones are listed in bad */
            append(why, whylen, "%s%s", (bad[0] || i) ? ", " : "", file_vars[i]);
    }
    for (size_t i = 0; paths[i]; i++) {
        int named = 0;   /* already listed as a variable's value */
        for (size_t j = 0; file_vars[j]; j++) {
            const char *v = getenv_fn(user, file_vars[j]);
            named |= v && strcmp(v, paths[i]) == 0;
        }
        if (!named)
            append(why, whylen, ", %s", paths[i]);
    }
    const char *dir = getenv_fn(user, "SSL_CERT_DIR");
    struct stat st;
    if (dir && *dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        append(why, whylen, "): using only the CA directory SSL_CERT_DIR=%s", dir);
    else
        append(why, whylen, "): HTTPS calls will fail; set SSL_CERT_FILE");
    return NULL;
}

/* See cacert.h. */
const char *biz_cacert_path(char *why, size_t whylen)
{
    return biz_cacert_probe(NULL, NULL, NULL, why, whylen);
}

/* See cacert.h. */
const char *biz_cacert_dir(void)
{
    const char *dir = getenv("SSL_CERT_DIR");
    struct stat st;
    if (dir && *dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return dir;
    return NULL;
}

/* See cacert.h. */
CURLcode biz_cacert_apply(CURL *easy, const char *path)
{
    CURLcode rc = CURLE_OK;
    if (path)
        rc = curl_easy_setopt(easy, CURLOPT_CAINFO, path);
    const char *dir = biz_cacert_dir();
    if (dir && rc == CURLE_OK)
        rc = curl_easy_setopt(easy, CURLOPT_CAPATH, dir);
    return rc;
}
