#!/bin/sh
# install-npm.sh [DIR]: the npm test servers, at pinned versions, in DIR
# (default _deps/npm): s3rver (S3) and maildev (SMTP). One `npm install` of
# both, under a lock: test suites run in parallel, and two installs into one
# tree at once break it (a package half written, another's dependency gone).
# A stamp written after a complete install says the tree is whole; without
# it the tree is made again. Safe to run again; prints nothing when done.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-${BIZC_NPM_DIR:-$top/_deps/npm}}
pkgs="s3rver@3.7.1 maildev@3.0.0"
stamp="$dir/.installed-$(echo "$pkgs" | tr ' @' '_-')"
command -v npm >/dev/null 2>&1 || { echo "install-npm: npm is not installed (apt-get install npm)" >&2; exit 1; }
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
[ -f "$stamp" ] && exit 0
rm -rf "$dir/node_modules" "$dir/package.json" "$dir/package-lock.json" "$dir"/.installed*
# shellcheck disable=SC2086
if ! npm install --prefix "$dir" --no-audit --no-fund $pkgs >"$dir/npm.log" 2>&1; then
    echo "install-npm: npm install $pkgs failed (log: $dir/npm.log):" >&2
    tail -n 20 "$dir/npm.log" >&2
    exit 1
fi
: >"$stamp"
