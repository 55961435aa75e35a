#!/bin/sh
# scripts/deps.sh — install what lessoncast needs on Debian 12, idempotently.
#
#   scripts/deps.sh run    build + runtime packages (make run)
#   scripts/deps.sh test   the above + test tools, and `npm ci` in tests/e2e
#
# Only missing packages are installed (checked with dpkg-query first);
# `apt-get update` runs only when something is missing. Uses sudo when not
# root. A node >= 18 already on PATH (from Debian or elsewhere) is accepted.
set -eu

mode=${1:-run}
case "$mode" in
  run | test) ;;
  -h | --help)
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "usage: $0 [run|test]" >&2
    exit 2
    ;;
esac

repo_root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)

build_packages="build-essential make meson ninja-build pkg-config libglib2.0-dev libgstreamer1.0-dev
libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev libsoup-3.0-dev libjson-glib-dev
libnice-dev libssl-dev libsqlite3-dev"
runtime_packages="gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-nice gstreamer1.0-tools glib-networking
ca-certificates"
test_packages="chromium ffmpeg openssl curl iproute2 util-linux clang libclang-rt-14-dev llvm"

say() {
  echo "deps: $*"
}

# Run as root: directly, or through sudo when it exists.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo > /dev/null 2>&1; then
    sudo "$@"
  else
    echo "deps: need root to run: $* (no sudo found); run this script as root" >&2
    exit 1
  fi
}

is_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2> /dev/null || true)" = "installed" ]
}

# node >= 18 on PATH, from any source.
node_ok() {
  command -v node > /dev/null 2>&1 || return 1
  major=$(node -p 'process.versions.node.split(".")[0]' 2> /dev/null || echo 0)
  [ "${major:-0}" -ge 18 ] 2> /dev/null
}

if ! command -v dpkg-query > /dev/null 2>&1 || ! command -v apt-get > /dev/null 2>&1; then
  echo "deps: this script needs Debian (dpkg-query and apt-get); install the packages listed in it by hand" >&2
  exit 1
fi

wanted="$build_packages $runtime_packages"
if [ "$mode" = test ]; then
  wanted="$wanted $test_packages"
  # Debian 12's nodejs is 18.x; a newer node already installed is fine as is.
  node_ok || wanted="$wanted nodejs"
  command -v npm > /dev/null 2>&1 || wanted="$wanted npm"
fi

missing=""
for package in $wanted; do
  is_installed "$package" || missing="$missing $package"
done

if [ -n "$missing" ]; then
  say "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
else
  say "all Debian packages for '$mode' are installed"
fi

if [ "$mode" = test ]; then
  if ! node_ok; then
    echo "deps: node >= 18 is still not on PATH after installing nodejs" >&2
    exit 1
  fi
  e2e="$repo_root/tests/e2e"
  pinned=$(cd "$e2e" && node -p 'require("./package.json").dependencies["playwright-core"]')
  have=$(cd "$e2e" && node -p 'try { require("./node_modules/playwright-core/package.json").version } catch { "" }')
  if [ "$have" != "$pinned" ]; then
    say "npm ci in tests/e2e (playwright-core $pinned)"
    (cd "$e2e" && npm ci --no-audit --no-fund)
  else
    say "tests/e2e/node_modules is up to date (playwright-core $have)"
  fi
fi
