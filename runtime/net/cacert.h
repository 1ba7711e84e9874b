/* cacert.h: where HTTPS finds its CA certificates at run time.
 *
 * A static DAG executable carries no CA path of the build machine (the
 * static libcurl is built --without-ca-bundle), so it looks on the machine
 * it runs on: first the variables users already set for OpenSSL and curl,
 * SSL_CERT_FILE then CURL_CA_BUNDLE, then the bundle paths of the common
 * distributions (Debian/Ubuntu, RHEL/Fedora, SUSE, Alpine). SSL_CERT_DIR,
 * when it names a directory, is used as a hashed CA directory (CAPATH) as
 * well. A dynamically linked executable does the same, which is harmless:
 * the system libcurl's own default is one of these paths.
 *
 * Ownership: nothing is allocated. Returned paths point into the
 * environment (valid until it changes) or to static strings; callers copy
 * them if they keep them across setenv/putenv.
 */
#ifndef BIZ_CACERT_H
#define BIZ_CACERT_H

#include <stddef.h>
#include <curl/curl.h>

/* The distribution bundle paths probed after the variables, in order;
 * NULL-terminated. */
extern const char *const biz_cacert_system_paths[];

/* Returns the CA bundle file to use, or NULL when none is readable. why
 * (may be NULL when whylen is 0) receives "" when there is nothing to say,
 * else one line to log: on NULL, what was looked for ("no CA certificate
 * bundle found (looked for SSL_CERT_FILE, CURL_CA_BUNDLE,
 * /etc/ssl/certs/ca-certificates.crt, ...): HTTPS calls will fail; set
 * SSL_CERT_FILE"); on success, a warning when a variable named a file that
 * is missing and another bundle was chosen. Cheap (a few stat calls), so
 * it may be called per request; it keeps no state. */
const char *biz_cacert_path(char *why, size_t whylen);

/* biz_cacert_path with the environment read through getenv_fn(user, name)
 * and the given NULL-terminated list of bundle paths (NULL = the system
 * list): for tests. */
const char *biz_cacert_probe(const char *(*getenv_fn)(void *user, const char *name),
                             void *user, const char *const *paths,
                             char *why, size_t whylen);

/* SSL_CERT_DIR when it names a directory, else NULL. */
const char *biz_cacert_dir(void);

/* Sets CURLOPT_CAINFO to path (when not NULL) and CURLOPT_CAPATH to
 * SSL_CERT_DIR (when that is a directory) on an easy handle. With neither,
 * leaves the handle alone: libcurl then uses its built-in default (the
 * static build falls back to OpenSSL's default paths). Returns the first
 * curl error, CURLE_OK normally. */
CURLcode biz_cacert_apply(CURL *easy, const char *path);

#endif
