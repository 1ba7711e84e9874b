#!/bin/sh
# build-static-deps.sh: build the minimal static libcurl and libcjson that
# fully static DAG executables link against.
#
# Why: Debian's libcurl.a pulls in GSSAPI, LDAP, libssh2, rtmp, nghttp2, psl
# and zstd (several without a static archive) and libcjson-dev ships no
# libcjson.a at all (see /work/shared/DESIGN.md). So we build both from the
# Debian source packages of the release the machine runs (same API versions
# and security patches as the system's shared libraries), with only what a
# DAG uses: HTTP, HTTPS, SMTP, SMTPS over OpenSSL, with zlib.
#
# Result:  $BIZC_DEPS_DIR/prefix/lib/{libcurl.a,libcjson.a}
#          $BIZC_DEPS_DIR/prefix/include/{curl/*.h,cjson/cJSON.h}
#          $BIZC_DEPS_DIR/prefix/bizc-static-deps.stamp (versions, recipe)
# BIZC_DEPS_DIR defaults to _deps/ at the repository root (git-ignored);
# configure picks up _deps/prefix by itself.
#
# Usage: scripts/build-static-deps.sh [--force] [--jobs N]
# Run as root, it installs missing build packages and adds a deb-src entry
# for the mirrors and suites already configured. As a normal user it needs
# those already in place and says exactly what is missing.
set -eu

# Bump when the configure flags or the layout of the prefix change, so an
# old build is redone.
RECIPE=1

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
deps=${BIZC_DEPS_DIR:-$top/_deps}
prefix=$deps/prefix
stamp=$prefix/bizc-static-deps.stamp
force=no
jobs=$(nproc 2>/dev/null || echo 2)

while [ $# -gt 0 ]; do
    case $1 in
        --force) force=yes ;;
        --jobs) shift; jobs=$1 ;;
        --jobs=*) jobs=${1#--jobs=} ;;
        -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-static-deps: unknown option '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done

say() { echo "build-static-deps: $*"; }
die() { echo "build-static-deps: error: $*" >&2; exit 1; }

# Fast path: already built with this recipe (no apt, no network, no lock).
up_to_date() {
    [ -f "$stamp" ] && grep -qx "recipe=$RECIPE" "$stamp" &&
        [ -f "$prefix/lib/libcurl.a" ] && [ -f "$prefix/lib/libcjson.a" ] &&
        [ -f "$prefix/include/curl/curl.h" ] && [ -f "$prefix/include/cjson/cJSON.h" ]
}
if [ $force = no ] && up_to_date; then
    say "up to date in $prefix ($(grep -E '^(curl|cjson)=' "$stamp" | tr '\n' ' ' | sed 's/ $//'))"
    exit 0
fi

mkdir -p "$deps" || die "cannot create $deps"
# One build at a time per deps dir (several contributors share a machine).
if command -v flock >/dev/null 2>&1; then
    exec 9>"$deps/.lock"
    flock 9
    if [ $force = no ] && up_to_date; then
        say "built meanwhile by another run: $prefix"
        exit 0
    fi
fi

start=$(date +%s)
is_root=no
[ "$(id -u)" = 0 ] && is_root=yes

# ---------------------------------------------------------------- packages
# What the build needs: a C toolchain, dpkg-source to unpack Debian source
# packages, and the static OpenSSL and zlib archives we link against.
missing=""
need() { # need PACKAGE TEST...
    pkg=$1; shift
    "$@" >/dev/null 2>&1 || missing="$missing $pkg"
}
need gcc            command -v gcc
need make           command -v make
need dpkg-dev       command -v dpkg-source
need libssl-dev     test -f /usr/include/openssl/ssl.h
need zlib1g-dev     test -f /usr/include/zlib.h
need xz-utils       command -v xz
for a in libssl.a libcrypto.a; do
    gcc -print-file-name=$a 2>/dev/null | grep -q / || missing="$missing libssl-dev"
done
gcc -print-file-name=libz.a 2>/dev/null | grep -q / || missing="$missing zlib1g-dev"
missing=$(echo $missing | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/ $//')
if [ -n "$missing" ]; then
    if [ $is_root = yes ]; then
        say "installing: $missing"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing \
            || die "apt-get install $missing failed"
    else
        die "missing packages; run as root:  apt-get install -y $missing"
    fi
fi
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script builds from Debian source packages"

# ---------------------------------------------------------------- deb-src
# apt-get source needs deb-src indexes. We add them for exactly the mirrors
# and suites the machine already uses for binaries, so the sources match the
# installed libraries.
have_src_index() { apt-cache showsrc curl 2>/dev/null | grep -q '^Package: curl'; }

srcfile=/etc/apt/sources.list.d/bizc-deb-src.sources
# Prints deb822 stanzas with Types: deb-src for every "deb" entry found.
derive_deb_src() {
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && [ "$f" != "$srcfile" ] || continue
        # Stanzas are separated by blank lines; keep those whose Types has deb.
        awk 'BEGIN { RS=""; FS="\n" }
             {
                 keep = 0; out = ""
                 for (i = 1; i <= NF; i++) {
                     line = $i
                     if (line ~ /^#/) continue
                     if (line ~ /^Types:/) {
                         if (line ~ /(^|[ \t:])deb([ \t]|$)/) keep = 1
                         line = "Types: deb-src"
                     }
                     if (line ~ /^Enabled:[ \t]*no/) keep = 0
                     out = out line "\n"
                 }
                 if (keep) printf "%s\n", out
             }' "$f"
    done
    # One-line format (sources.list and *.list): deb [opts] URI SUITE COMPS...
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        sed -n 's/^[ \t]*deb[ \t]\{1,\}\(\[[^]]*\][ \t]\{1,\}\)\{0,1\}\([^ \t]\{1,\}\)[ \t]\{1,\}\([^ \t]\{1,\}\)[ \t]\{1,\}\(.*\)$/\2|\3|\4/p' "$f" |
        while IFS='|' read -r uri suite comps; do
            printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: %s\n\n' "$uri" "$suite" "$comps"
        done
    done
}

if ! have_src_index; then
    if [ $is_root = yes ]; then
        stanzas=$(derive_deb_src)
        [ -n "$stanzas" ] || die "no 'deb' entry in /etc/apt/sources.list{,.d} to derive a deb-src entry from"
        say "adding deb-src entries in $srcfile and running apt-get update"
        {
            echo "# Added by bizc's scripts/build-static-deps.sh: source packages for"
            echo "# the static libcurl/libcjson build, same mirrors and suites as 'deb'."
            echo
            printf '%s\n' "$stanzas"
        } >"$srcfile"
        apt-get update -qq || die "apt-get update failed (network?); see $srcfile"
        have_src_index || die "still no source index for curl after apt-get update; check $srcfile"
    else
        die "apt has no deb-src entries, so 'apt-get source curl' cannot work.
  As root, add one for the mirrors and suites you already use, e.g. create
  $srcfile with:
$(derive_deb_src | sed 's/^/    /')
  then run 'apt-get update' (or just rerun this script as root)."
    fi
fi

# ---------------------------------------------------------------- sources
src=$deps/src
mkdir -p "$src"
# Source package version apt would fetch, e.g. 7.88.1-10+deb12u15.
srcver() { apt-cache showsrc "$1" 2>/dev/null | awk '/^Version:/ { print $2; exit }'; }
curl_deb=$(srcver curl)
cjson_deb=$(srcver cjson)
[ -n "$curl_deb" ] && [ -n "$cjson_deb" ] || die "apt-cache showsrc knows no curl/cjson source package"
curl_up=${curl_deb#*:}; curl_up=${curl_up%%-*}
cjson_up=${cjson_deb#*:}; cjson_up=${cjson_up%%-*}
curl_src=$src/curl-$curl_up
cjson_src=$src/cjson-$cjson_up

# Unpacks PACKAGE at VERSION unless the tree from that exact version is there.
fetch() { # fetch PACKAGE DEBVERSION DIR
    if [ -f "$3/.bizc-srcver" ] && [ "$(cat "$3/.bizc-srcver")" = "$2" ]; then
        return 0
    fi
    rm -rf "$3"
    say "fetching source package $1 $2"
    (cd "$src" && apt-get source -q "$1=$2") >"$src/$1.fetch.log" 2>&1 || {
        tail -n 20 "$src/$1.fetch.log" >&2
        die "apt-get source $1=$2 failed (log: $src/$1.fetch.log)"
    }
    [ -d "$3" ] || die "apt-get source $1 did not produce $3"
    echo "$2" >"$3/.bizc-srcver"
}
fetch curl "$curl_deb" "$curl_src"
fetch cjson "$cjson_deb" "$cjson_src"

# ---------------------------------------------------------------- curl
# Only lib/ is built: no curl tool, no docs. Everything a DAG does not use
# is switched off, which is also what keeps the static link free of
# libraries without static archives.
#  --without-ca-bundle/--without-ca-path: no build machine path baked in;
#  the runtime (runtime/net/cacert.c) finds the target's bundle and sets
#  CURLOPT_CAINFO itself; --with-ca-fallback keeps OpenSSL's built-in default
#  paths as a last resort when it does not.
# Everything is installed into a staging prefix that replaces the old one
# only at the end, so a configure or link running meanwhile never sees a
# half-built prefix.
build=$deps/build
stage=$deps/prefix.new
rm -rf "$build" "$stage"
mkdir -p "$build/curl" "$stage/lib" "$stage/include/curl" "$stage/include/cjson" "$stage/lib/pkgconfig"
say "configuring curl $curl_up (log: $build/curl.log)"
(
    cd "$build/curl" &&
    "$curl_src/configure" --prefix="$prefix" \
        --disable-shared --enable-static --disable-dependency-tracking \
        --with-openssl --with-zlib \
        --without-ca-bundle --without-ca-path --with-ca-fallback \
        --enable-http --enable-smtp --enable-proxy --enable-mime \
        --disable-ldap --disable-ldaps --disable-rtsp --disable-dict \
        --disable-telnet --disable-tftp --disable-pop3 --disable-imap \
        --disable-gopher --disable-mqtt --disable-ftp --disable-file \
        --disable-smb --disable-manual --disable-ntlm-wb --disable-alt-svc \
        --disable-cookies --disable-hsts --disable-netrc \
        --without-libpsl --without-nghttp2 --without-nghttp3 --without-ngtcp2 \
        --without-quiche --without-msh3 --without-hyper --without-librtmp \
        --without-libssh2 --without-libssh --without-wolfssh \
        --without-zstd --without-brotli --without-libidn2 --without-libgsasl \
        --without-gssapi \
        CFLAGS="${CFLAGS:--O2}"
) >"$build/curl.log" 2>&1 || { tail -n 30 "$build/curl.log" >&2; die "curl configure failed (log: $build/curl.log)"; }

say "building curl lib/ with $jobs jobs"
make -C "$build/curl/lib" -j"$jobs" >>"$build/curl.log" 2>&1 \
    || { tail -n 30 "$build/curl.log" >&2; die "curl build failed (log: $build/curl.log)"; }
cp "$build/curl/lib/.libs/libcurl.a" "$stage/lib/libcurl.a"
cp "$curl_src"/include/curl/*.h "$stage/include/curl/"
cp "$build/curl/libcurl.pc" "$stage/lib/pkgconfig/libcurl.pc"

# ---------------------------------------------------------------- cJSON
say "building cJSON $cjson_up"
mkdir -p "$build/cjson"
gcc ${CFLAGS:--O2} -std=c89 -c "$cjson_src/cJSON.c" -o "$build/cjson/cJSON.o" \
    >"$build/cjson.log" 2>&1 || { cat "$build/cjson.log" >&2; die "cJSON build failed"; }
ar rcs "$stage/lib/libcjson.a" "$build/cjson/cJSON.o"
cp "$cjson_src/cJSON.h" "$stage/include/cjson/cJSON.h"

# ---------------------------------------------------------------- check
# A static link of the two archives must work, or configure would reject
# them later with a less obvious message.
cat >"$build/t.c" <<'EOF'
#include <curl/curl.h>
#include <cjson/cJSON.h>
#include <stdio.h>
int main(void) {
    cJSON *o = cJSON_Parse("{\"a\":1}");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *e = curl_easy_init();
    printf("%s %d\n", curl_version(), o ? (int)cJSON_GetObjectItem(o, "a")->valuedouble : -1);
    curl_easy_cleanup(e);
    cJSON_Delete(o);
    return 0;
}
EOF
gcc -static -I"$stage/include" "$build/t.c" -o "$build/t" \
    "$stage/lib/libcurl.a" -lssl -lcrypto -lz -lpthread "$stage/lib/libcjson.a" -lm \
    >"$build/t.log" 2>&1 || { cat "$build/t.log" >&2; die "test static link failed (log: $build/t.log)"; }
"$build/t" >/dev/null || die "test program $build/t failed to run"

{
    echo "recipe=$RECIPE"
    echo "curl=$curl_up"
    echo "cjson=$cjson_up"
    echo "curl_deb=$curl_deb"
    echo "cjson_deb=$cjson_deb"
    echo "protocols=$(sed -n 's/^ *Protocols: *//p' "$build/curl.log" | head -n 1)"
    echo "features=$(sed -n 's/^ *Features: *//p' "$build/curl.log" | head -n 1)"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$stage/$(basename "$stamp")"
rm -rf "$deps/prefix.old"
if [ -d "$prefix" ]; then mv "$prefix" "$deps/prefix.old"; fi
mv "$stage" "$prefix"
rm -rf "$deps/prefix.old"
say "done in $(( $(date +%s) - start ))s: $prefix (curl $curl_up, cJSON $cjson_up)"
