#!/usr/bin/env bash
# What the browser tests (tests/browser) need from the system: Chromium and a Korean font (Hangul in the page and
# in the screenshots). Idempotent: installs with apt-get only what is missing, does nothing when both are there.
#
#   tools/browser_setup.sh          # as root, or through sudo when it is available
#
# Playwright's own browser download is not used (no network but the package registries in CI): the tests drive
# Debian's /usr/bin/chromium through Playwright's `executable_path`.
set -euo pipefail

have_chromium() {
    [ -x "${NLPBOOK_CHROMIUM:-/usr/bin/chromium}" ] || command -v chromium >/dev/null 2>&1
}
have_korean_font() {
    command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=ko 2>/dev/null)" ]
}

missing=()
have_chromium || missing+=(chromium)
have_korean_font || missing+=(fonts-nanum)
if [ ${#missing[@]} -eq 0 ]; then
    echo "browser_setup: chromium and a Korean font are already installed"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "browser_setup: missing ${missing[*]} and no apt-get here; install Chromium and a Korean font" \
         "(e.g. Noto Sans CJK KR) with your package manager, or point NLPBOOK_CHROMIUM at a Chromium binary" >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "browser_setup: missing ${missing[*]}; run as root: apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "browser_setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q "${missing[@]}"

have_chromium || { echo "browser_setup: chromium still missing after apt-get install" >&2; exit 1; }
have_korean_font || { echo "browser_setup: no Korean font after apt-get install fonts-nanum (fc-list :lang=ko)" >&2; exit 1; }
echo "browser_setup: ok ($(command -v chromium || echo "${NLPBOOK_CHROMIUM:-/usr/bin/chromium}"), $(fc-list :lang=ko | wc -l) Korean font files)"
