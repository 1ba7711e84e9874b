/* multi.c: the multi-interface baseline. COUNT calls to BASE/item/0 ..
 * BASE/item/COUNT-1 with at most INFLIGHT transfers in flight, one
 * curl_multi_poll loop in one thread, easy handles reused (each slot keeps
 * its handle); libcurl's connection pool keeps the connections alive.
 *   multi BASE COUNT INFLIGHT TOKEN [FIRST [BODY]]
 * FIRST (a path such as /first) is called alone before the others, as the
 * upstream task of a fan-out; BODY makes the COUNT calls POSTs with that
 * body. Exit 0: every call answered 200. */
#include "req.h"

typedef struct {
    CURL *e;
    bench_req r;
} slot;

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 7) {
        fprintf(stderr, "usage: multi BASE COUNT INFLIGHT TOKEN [FIRST [BODY]]\n");
        return 2;
    }
    const char *base = argv[1];
    long count = strtol(argv[2], NULL, 10);
    long inflight = strtol(argv[3], NULL, 10);
    const char *first = argc > 5 && argv[5][0] ? argv[5] : NULL;
    const char *body = argc > 6 ? argv[6] : NULL;
    if (count < 0 || inflight < 1) {
        fprintf(stderr, "multi: bad COUNT or INFLIGHT\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct curl_slist *hdrs = bench_headers(argv[4]);
    CURLM *m = curl_multi_init();
    int bad = 0;

    if (first) {   /* the upstream call, through the same multi handle */
        static slot s;
        s.e = curl_easy_init();
        snprintf(s.r.url, sizeof s.r.url, "%s%s", base, first);
        bench_setup(s.e, &s.r, hdrs, NULL);
        curl_easy_setopt(s.e, CURLOPT_PRIVATE, &s);
        curl_multi_add_handle(m, s.e);
        int running = 1;
        while (running) {
            curl_multi_perform(m, &running);
            if (running)
                curl_multi_poll(m, NULL, 0, 1000, NULL);
        }
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left)))
            if (msg->msg == CURLMSG_DONE)
                bad |= bench_check(msg->easy_handle, msg->data.result, &s.r) != 0;
        curl_multi_remove_handle(m, s.e);
        curl_easy_cleanup(s.e);
    }

    if (inflight > count)
        inflight = count > 0 ? count : 1;
    slot *slots = calloc((size_t)inflight, sizeof *slots);
    if (!slots) {
        fprintf(stderr, "out of memory\n");
        return 2;
    }
    long next = 0, done = 0;
    for (long k = 0; k < inflight && next < count && !bad; k++, next++) {
        slots[k].e = curl_easy_init();
        snprintf(slots[k].r.url, sizeof slots[k].r.url, "%s/item/%ld", base, next);
        bench_setup(slots[k].e, &slots[k].r, hdrs, body);
        curl_easy_setopt(slots[k].e, CURLOPT_PRIVATE, &slots[k]);
        curl_multi_add_handle(m, slots[k].e);
    }
    while (done < count && !bad) {
        int running;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            slot *s;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            bad |= bench_check(s->e, msg->data.result, &s->r) != 0;
            done++;
            curl_multi_remove_handle(m, s->e);
            if (next < count && !bad) {   /* the slot's next call */
                snprintf(s->r.url, sizeof s->r.url, "%s/item/%ld", base, next++);
                bench_setup(s->e, &s->r, hdrs, body);
                curl_multi_add_handle(m, s->e);
            }
        }
        if (done < count && !bad)
            curl_multi_poll(m, NULL, 0, 1000, NULL);
    }
    for (long k = 0; k < inflight; k++)
        if (slots[k].e) {
            curl_multi_remove_handle(m, slots[k].e);
            curl_easy_cleanup(slots[k].e);
        }
    free(slots);
    curl_multi_cleanup(m);
    curl_slist_free_all(hdrs);
    curl_global_cleanup();
    return bad;
}
