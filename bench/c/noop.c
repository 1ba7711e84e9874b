/* noop.c: a static libcurl program that calls nothing: it initialises
 * libcurl and cleans it up, the floor under a DAG executable's start-up. */
#include <curl/curl.h>

int main(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    curl_global_cleanup();
    return 0;
}
