#!/usr/bin/env bash
# Installs Debian's Chromium (and a CJK font, so Chinese pages render in screenshots) for the browser tests
# when they are missing and we may install them (root with apt-get). Elsewhere the browser tests skip
# themselves with a message; nothing here ever fails the test run.
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -d /usr/share/fonts/truetype/wqy ] || missing+=(fonts-wqy-microhei)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} for the browser tests (apt-get)..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
    || echo "could not install ${missing[*]}; browser tests may be skipped"
else
  echo "${missing[*]} not found and cannot be installed here; browser tests may be skipped"
fi
exit 0
