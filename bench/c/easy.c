/* easy.c: the easy-interface baseline. One reused handle (so one kept-alive
 * connection), COUNT sequential calls GET BASE/item/0 .. BASE/item/COUNT-1,
 * each answer checked before the next call, as a chain of
 * TechMicroServiceOperator tasks does them.
 *   easy BASE COUNT TOKEN     (exit 0: every call answered 200) */
#include "req.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: easy BASE COUNT TOKEN\n");
        return 2;
    }
    long count = strtol(argv[2], NULL, 10);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct curl_slist *hdrs = bench_headers(argv[3]);
    CURL *e = curl_easy_init();
    static bench_req r;
    int bad = 0;
    for (long i = 0; i < count && !bad; i++) {
        snprintf(r.url, sizeof r.url, "%s/item/%ld", argv[1], i);
        bench_setup(e, &r, hdrs, NULL);
        bad = bench_check(e, curl_easy_perform(e), &r) != 0;
    }
    curl_easy_cleanup(e);
    curl_slist_free_all(hdrs);
    curl_global_cleanup();
    return bad;
}
