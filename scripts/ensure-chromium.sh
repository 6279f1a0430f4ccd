#!/bin/sh
# The browser tests drive Debian's Chromium through Playwright; no browser is ever downloaded by a tool.
set -e
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
else
    echo "warning: /usr/bin/chromium is missing; browser tests will be skipped (apt-get install chromium)" >&2
fi
