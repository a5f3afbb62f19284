#!/usr/bin/env bash
# Installs Debian's Chromium for the browser test (test/e2e/flow-editor-browser.test.ts), once. The test drives it with
# playwright-core; no browser is ever downloaded by Playwright. Idempotent: nothing to do when
# /usr/bin/chromium is there. Needs root (CI and developer machines run as root).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "install-chromium: /usr/bin/chromium is installed ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi
echo "install-chromium: installing Debian's chromium package" >&2
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt run (a colleague's, unattended upgrades) instead of failing on its lock.
apt-get -o DPkg::Lock::Timeout=300 update -qq
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium fonts-liberation >&2
echo "install-chromium: $(/usr/bin/chromium --version 2>/dev/null)"
