#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing and we may install it (root with apt).
# Elsewhere the browser tests skip themselves with a message; nothing here ever fails the test run.
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Chromium for the browser tests (apt-get install chromium)..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "could not install Chromium; browser tests will be skipped"
else
  echo "Chromium not found and cannot be installed here; browser tests will be skipped"
fi
exit 0
