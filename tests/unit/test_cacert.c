/* test_cacert.c: finding CA certificates at run time (runtime/net/cacert.c). */
#include "cunit_main.h"
#include "cacert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fake environment: up to 4 name=value pairs. */
typedef struct { const char *name[4], *value[4]; } fake_env;

static const char *fake_getenv(void *user, const char *name)
{
    fake_env *e = user;
    for (int i = 0; i < 4 && e->name[i]; i++)
        if (strcmp(e->name[i], name) == 0)
            return e->value[i];
    return NULL;
}

static char tmp[64];                      /* scratch directory */
static char good1[128], good2[128], good3[128], empty[128], missing[128];
static char why[1024];

/* Writes a small file; -1 on failure (runs in the suite setup, outside
 * any test, so it cannot assert). */
static int make_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f) == 0 ? 0 : -1;
}

static int setup(void)
{
    strcpy(tmp, "/tmp/test_cacert.XXXXXX");
    if (!mkdtemp(tmp))
        return -1;
    snprintf(good1, sizeof good1, "%s/one.pem", tmp);
    snprintf(good2, sizeof good2, "%s/two.pem", tmp);
    snprintf(good3, sizeof good3, "%s/three.pem", tmp);
    snprintf(empty, sizeof empty, "%s/empty.pem", tmp);
    snprintf(missing, sizeof missing, "%s/missing.pem", tmp);
    if (make_file(good1, "-----BEGIN CERTIFICATE-----\n") || make_file(good2, "x\n") ||
        make_file(good3, "x\n") || make_file(empty, ""))
        return -1;
    return 0;
}

static int teardown(void)
{
    unlink(good1);
    unlink(good2);
    unlink(good3);
    unlink(empty);
    rmdir(tmp);
    return 0;
}

static void test_ssl_cert_file_wins(void)
{
    fake_env e = { { "CURL_CA_BUNDLE", "SSL_CERT_FILE" }, { good2, good1 } };
    const char *paths[] = { good3, NULL };
    CU_ASSERT_STRING_EQUAL(biz_cacert_probe(fake_getenv, &e, paths, why, sizeof why), good1);
    CU_ASSERT_STRING_EQUAL(why, "");
}

static void test_curl_ca_bundle_next(void)
{
    fake_env e = { { "CURL_CA_BUNDLE", "SSL_CERT_FILE" }, { good2, "" } };
    const char *paths[] = { good3, NULL };
    CU_ASSERT_STRING_EQUAL(biz_cacert_probe(fake_getenv, &e, paths, why, sizeof why), good2);
    CU_ASSERT_STRING_EQUAL(why, "");
}

static void test_system_paths_in_order(void)
{
    fake_env e = { { NULL }, { NULL } };
    const char *paths[] = { missing, empty, tmp, good3, good1, NULL };
    CU_ASSERT_STRING_EQUAL(biz_cacert_probe(fake_getenv, &e, paths, why, sizeof why), good3);
    CU_ASSERT_STRING_EQUAL(why, "");
}

static void test_missing_var_file_falls_through(void)
{
    fake_env e = { { "SSL_CERT_FILE" }, { missing } };
    const char *paths[] = { good3, NULL };
    CU_ASSERT_STRING_EQUAL(biz_cacert_probe(fake_getenv, &e, paths, why, sizeof why), good3);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "ignoring SSL_CERT_FILE="));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, missing));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "No such file"));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, good3));
}

static void test_nothing_found(void)
{
    fake_env e = { { "CURL_CA_BUNDLE" }, { empty } };
    const char *paths[] = { missing, tmp, NULL };
    CU_ASSERT_PTR_NULL(biz_cacert_probe(fake_getenv, &e, paths, why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "no CA certificate bundle found (looked for "));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "SSL_CERT_FILE"));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "CURL_CA_BUNDLE="));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, missing));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, tmp));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "): HTTPS calls will fail; set SSL_CERT_FILE"));
}

static void test_listed_once(void)
{
    fake_env e = { { "SSL_CERT_FILE" }, { missing } };
    const char *paths[] = { missing, NULL };
    CU_ASSERT_PTR_NULL(biz_cacert_probe(fake_getenv, &e, paths, why, sizeof why));
    const char *first = strstr(why, missing);
    CU_ASSERT_PTR_NOT_NULL_FATAL(first);
    CU_ASSERT_PTR_NULL(strstr(first + 1, missing));
}

static void test_nothing_but_cert_dir(void)
{
    fake_env e = { { "SSL_CERT_DIR" }, { tmp } };
    const char *paths[] = { missing, NULL };
    CU_ASSERT_PTR_NULL(biz_cacert_probe(fake_getenv, &e, paths, why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "using only the CA directory SSL_CERT_DIR="));
}

static void test_system_list_message(void)
{
    fake_env e = { { NULL }, { NULL } };
    const char *paths[] = { NULL };
    CU_ASSERT_PTR_NULL(biz_cacert_probe(fake_getenv, &e, paths, why, sizeof why));
    CU_ASSERT_STRING_EQUAL(why, "no CA certificate bundle found (looked for SSL_CERT_FILE, "
                           "CURL_CA_BUNDLE): HTTPS calls will fail; set SSL_CERT_FILE");
    /* The real list names every distribution path. */
    int n = 0;
    for (; biz_cacert_system_paths[n]; n++)
        ;
    CU_ASSERT(n >= 6);
    CU_ASSERT_STRING_EQUAL(biz_cacert_system_paths[0], "/etc/ssl/certs/ca-certificates.crt");
}

static void test_small_buffer(void)
{
    fake_env e = { { NULL }, { NULL } };
    const char *paths[] = { missing, NULL };
    char small[16];
    memset(small, 'x', sizeof small);
    CU_ASSERT_PTR_NULL(biz_cacert_probe(fake_getenv, &e, paths, small, sizeof small));
    CU_ASSERT_EQUAL(strlen(small), sizeof small - 1);
    CU_ASSERT_PTR_NULL(biz_cacert_probe(fake_getenv, &e, paths, NULL, 0));
}

static void test_real_environment(void)
{
    setenv("SSL_CERT_FILE", good1, 1);
    setenv("CURL_CA_BUNDLE", good2, 1);
    CU_ASSERT_STRING_EQUAL(biz_cacert_path(why, sizeof why), good1);
    unsetenv("SSL_CERT_FILE");
    CU_ASSERT_STRING_EQUAL(biz_cacert_path(why, sizeof why), good2);
    unsetenv("CURL_CA_BUNDLE");

    setenv("SSL_CERT_DIR", tmp, 1);
    CU_ASSERT_STRING_EQUAL(biz_cacert_dir(), tmp);
    CURL *easy = curl_easy_init();
    CU_ASSERT_PTR_NOT_NULL_FATAL(easy);
    CU_ASSERT_EQUAL(biz_cacert_apply(easy, good1), CURLE_OK);
    CU_ASSERT_EQUAL(biz_cacert_apply(easy, NULL), CURLE_OK);
    setenv("SSL_CERT_DIR", missing, 1);
    CU_ASSERT_PTR_NULL(biz_cacert_dir());
    unsetenv("SSL_CERT_DIR");
    CU_ASSERT_PTR_NULL(biz_cacert_dir());
    curl_easy_cleanup(easy);
}

static const unit_test cacert_tests[] = {
    {"SSL_CERT_FILE wins", test_ssl_cert_file_wins},
    {"CURL_CA_BUNDLE next", test_curl_ca_bundle_next},
    {"system paths in order", test_system_paths_in_order},
    {"missing variable file falls through", test_missing_var_file_falls_through},
    {"nothing found", test_nothing_found},
    {"a path is listed once", test_listed_once},
    {"only SSL_CERT_DIR", test_nothing_but_cert_dir},
    {"message lists what was looked for", test_system_list_message},
    {"small message buffer", test_small_buffer},
    {"real environment and apply", test_real_environment},
    UNIT_TESTS_END,
};

const unit_suite unit_suites[] = {
    {"cacert", setup, teardown, cacert_tests},
    UNIT_SUITES_END,
};
