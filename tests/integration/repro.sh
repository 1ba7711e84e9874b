#!/bin/bash
# repro.sh: generated executables are reproducible and stripped.
#
# Every example is compiled twice, from two different working directories
# with two different TMPDIRs (the driver's temporary C file lives there),
# and the two executables must be byte for byte the same (cmp). The same
# with -g (debug info names the source file and the compile directory),
# which must keep the symbols that the default build strips. --version
# names the DAG, the bizc version and the source's SHA-256, and a build
# date only when SOURCE_DATE_EPOCH gives one.
. "$(dirname "$0")/lib.sh"

require_bizc
BIZC="$BIZC_TOP_BUILDDIR/bizc"
EX="$BIZC_TOP_SRCDIR/examples"
mkdir -p "$T/cwd1" "$T/cwd2" "$T/tmp1" "$T/tmp2" "$T/out"

# build N FILE OUT [BIZC-OPTIONS...]: compiles FILE from $T/cwdN with
# TMPDIR=$T/tmpN; 0 on success, else prints bizc's output.
build() {
    local n=$1 file=$2 out=$3
    shift 3
    if ! (cd "$T/cwd$n" && TMPDIR="$T/tmp$n" "$BIZC" "$@" "$file" -o "$out") >"$T/build.log" 2>&1; then
        sed 's/^/  /' "$T/build.log"
        return 1
    fi
}

# same DESC A B: passes when A and B are the same bytes.
same() {
    local d
    if d=$(cmp "$2" "$3" 2>&1); then pass "$1"; else fail "$1" "$d"; fi
}

n=0
for f in "$EX"/*.biz; do
    name=$(basename "$f" .biz)
    n=$((n + 1))
    if build 1 "$f" "$T/out/$name.1" && build 2 "$f" "$T/out/$name.2"; then
        same "$name: two builds are identical" "$T/out/$name.1" "$T/out/$name.2"
    else
        fail "$name: compiles"
        continue
    fi
    if build 1 "$f" "$T/out/$name.g1" -g && build 2 "$f" "$T/out/$name.g2" -g; then
        same "$name: two -g builds are identical" "$T/out/$name.g1" "$T/out/$name.g2"
    else
        fail "$name: compiles with -g"
    fi
done
[ "$n" -gt 0 ] || fail "examples found in $EX"

# Stripped by default, symbols with -g.
inv="$T/out/invoice"
if [ -f "$inv.1" ] && [ -f "$inv.g1" ]; then
    assert_contains "stripped by default" "$(file -b "$inv.1")" ", stripped"
    assert_contains "-g keeps the symbols" "$(file -b "$inv.g1")" "not stripped"
    if command -v nm >/dev/null 2>&1; then
        assert_ne "-g: biz_main in the symbol table" "" "$(nm "$inv.g1" 2>/dev/null | grep -w biz_main)"
        # The temporary names never reach the executable.
        assert_eq "-g: no temporary directory in the debug info" "" \
            "$(grep -a -o "$T/tmp[12][^ ]*" "$inv.g1" | head -n 1)"
    fi
    assert_eq "TMPDIR is empty afterwards" "" "$(find "$T/tmp1" "$T/tmp2" -mindepth 1)"
fi

# --version: the DAG, bizc's version, the source's hash; no build time.
if [ -f "$inv.1" ]; then
    v=$("$inv.1" --version 2>&1)
    sha=$(sha256sum "$EX/invoice.biz" | cut -d' ' -f1)
    bver=$("$BIZC" --version | sed -n 's/^bizc //p' | head -n 1)
    assert_contains "--version names the DAG and bizc" "$v" "invoice (compiled by bizc $bver)"
    assert_contains "--version names the source's SHA-256" "$v" "sha256:$sha"
    assert_not_contains "--version: no build date without SOURCE_DATE_EPOCH" "$v" "built:"
    if SOURCE_DATE_EPOCH=1700000000 build 1 "$EX/invoice.biz" "$T/out/invoice.e1" &&
       SOURCE_DATE_EPOCH=1700000000 build 2 "$EX/invoice.biz" "$T/out/invoice.e2"; then
        same "SOURCE_DATE_EPOCH: two builds are identical" "$T/out/invoice.e1" "$T/out/invoice.e2"
        assert_contains "SOURCE_DATE_EPOCH gives the build date" \
            "$("$T/out/invoice.e1" --version)" "built: 2023-11-14T22:13:20+00:00"
    else
        fail "compiles with SOURCE_DATE_EPOCH"
    fi
fi

# bizc --version names the runtime, libcurl and cJSON.
bv=$("$BIZC" --version)
assert_match "bizc --version: runtime" "runtime libbizrt [0-9]" "$bv"
assert_match "bizc --version: libcurl" "libcurl [0-9]+\.[0-9]+" "$bv"
assert_match "bizc --version: cJSON" "cJSON [0-9]+\.[0-9]+" "$bv"

finish
