#!/usr/bin/env bash
# System packages lkjip uses beyond its Python ones (Debian/Ubuntu), by group:
#   ocr      Tesseract's language data (ind, eng) and orientation model (osd) for scanned pages;
#            the engine itself comes with the tesserocr wheel. Nothing is downloaded at run time.
#   browser  Chromium, for the tests that render the HTML audit report and print test reports to PDF.
# Usage: bash scripts/system_deps.sh ocr [browser]
# Idempotent: returns at once when everything is installed. Without root/sudo or apt it says what is
# missing and exits 1; lkjip then reports scanned pages as needing OCR and those tests skip.
set -euo pipefail

declare -A GROUP=(
  [ocr]="tesseract-ocr tesseract-ocr-ind tesseract-ocr-eng tesseract-ocr-osd"
  [browser]="chromium fonts-dejavu-core"
)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for g in "${@:-ocr}"; do
  [ -n "${GROUP[$g]:-}" ] || { echo "system_deps: unknown group '$g' (ocr, browser)" >&2; exit 2; }
  for p in ${GROUP[$g]}; do
    if [ "$p" = chromium ] && { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }; then
      continue
    fi
    installed "$p" || missing+=("$p")
  done
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "system_deps: no apt-get here; install ${missing[*]} yourself" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "system_deps: not root and no sudo; cannot install ${missing[*]}" >&2
    exit 1
  fi
fi
echo "system_deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
