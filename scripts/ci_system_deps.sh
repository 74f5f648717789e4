#!/usr/bin/env bash
# System packages the tests need beyond the Python ones: Chromium (Debian's package) for the headless-browser
# check of the audit's HTML report (tests/test_audit_html.py, skipped when no chromium is on PATH).
# Idempotent and quick: does nothing when chromium is already installed. Exits non-zero when it cannot install.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ci_system_deps: no apt-get here; install Chromium yourself (the browser test is skipped without it)" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ci_system_deps: need root (or sudo) to install chromium" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
