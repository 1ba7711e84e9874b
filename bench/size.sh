#!/bin/sh
# size.sh [BUILDDIR]: the stripped size of each example's executable.
#
# For every examples/*.biz: the size of the (default, fully static,
# stripped) executable, of the same DAG linked --dynamic, and the ratio of
# the static one to a baseline: a minimal static C program linking the same
# libcurl.a (one HTTP GET, nothing else), built with the same compiler and
# flags. What the runtime and the DAG cost on top of a static libcurl is
# the difference. BUILDDIR (default: _build) holds the bizc to use.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
b=$(cd "${1:-$top/_build}" && pwd)
bizc="$b/bizc"
[ -x "$bizc" ] || { echo "size.sh: no $bizc; run scripts/build.sh first" >&2; exit 2; }
w=$(mktemp -d "${TMPDIR:-/tmp}/bizc-size.XXXXXX")
trap 'rm -rf "$w"' EXIT

size() { stat -c %s "$1"; }
kib() { awk -v n="$1" 'BEGIN { printf "%.0f KiB", n / 1024 }'; }

# The baseline: the configured static libcurl (the Makefile knows where).
libs=$(sed -n 's/^BIZC_STATIC_LIBS = //p' "$b/Makefile")
cflags=$(sed -n 's/^BIZC_STATIC_CFLAGS = //p' "$b/Makefile")
cc=$(sed -n 's/^CC = //p' "$b/Makefile")
base=""
if [ -n "$libs" ]; then
    cat >"$w/get.c" <<'EOF'
#include <curl/curl.h>
int main(int argc, char **argv)
{
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, argc > 1 ? argv[1] : "http://127.0.0.1/");
    CURLcode rc = curl_easy_perform(e);
    curl_easy_cleanup(e);
    return rc != CURLE_OK;
}
EOF
    # shellcheck disable=SC2086
    if ${cc:-cc} -std=c11 -O2 -s $cflags "$w/get.c" -o "$w/get" -static $libs 2>"$w/get.log"; then
        base=$(size "$w/get")
    else
        echo "size.sh: the baseline does not link:" >&2
        cat "$w/get.log" >&2
    fi
else
    echo "size.sh: this bizc builds no static executables; sizes are dynamic ones" >&2
fi

printf '%-24s %12s %12s %10s\n' "example" "static" "dynamic" "static/base"
if [ -n "$base" ]; then
    printf '%-24s %12s %12s %10s\n' "(baseline: curl GET)" "$(kib "$base")" "-" "1.00"
fi
for f in "$top"/examples/*.biz; do
    n=$(basename "$f" .biz)
    s="-"; d="-"; r="-"
    if "$bizc" "$f" -o "$w/$n" >"$w/$n.log" 2>&1; then
        s=$(size "$w/$n")
        [ -n "$base" ] && r=$(awk -v a="$s" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
        s=$(kib "$s")
    fi
    if "$bizc" --dynamic "$f" -o "$w/$n.dyn" >"$w/$n.dyn.log" 2>&1; then
        d=$(kib "$(size "$w/$n.dyn")")
    fi
    printf '%-24s %12s %12s %10s\n' "$n" "$s" "$d" "$r"
done
