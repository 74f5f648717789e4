#!/usr/bin/env bash
# System packages the OCR engine needs (Debian/Ubuntu): Tesseract's language data for Indonesian and
# English, and its orientation model (OSD). The engine itself comes from the tesserocr wheel (pip).
# Idempotent: returns at once when everything is installed; nothing is downloaded at run time.
set -euo pipefail

PKGS=(tesseract-ocr tesseract-ocr-ind tesseract-ocr-eng tesseract-ocr-osd)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ci_ocr_deps: apt-get not found; install Tesseract 5 with the ind, eng and osd language data" >&2
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
      echo "ci_ocr_deps: not root and no sudo; cannot install ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "ci_ocr_deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# the language data must be where lkjip.extract.ocr looks for it
for lang in ind eng osd; do
  found=""
  for d in ${TESSDATA_PREFIX:-} /usr/share/tesseract-ocr/5/tessdata /usr/share/tesseract-ocr/4.00/tessdata /usr/share/tessdata; do
    if [ -n "$d" ] && [ -f "$d/$lang.traineddata" ]; then found="$d"; break; fi
  done
  if [ -z "$found" ]; then
    echo "ci_ocr_deps: $lang.traineddata not found after install" >&2
    exit 1
  fi
done
