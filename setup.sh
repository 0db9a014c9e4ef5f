#!/usr/bin/env bash
# Set up the project on Debian with Python 3.11: a virtual environment in .venv with the
# package installed. `--test` adds the test tools, LibreOffice (headless Calc and its
# Python bridge), which the tests use as the real spreadsheet engine, and poppler's pdftoppm,
# to look at what LibreOffice renders. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    *) echo "usage: ./setup.sh [--test]" >&2; exit 3 ;;
  esac
done

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@"
}

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt_install python3-venv
    "$PYTHON" -m venv .venv
  fi
fi

if [ "$want_test" -eq 1 ]; then
  if ! command -v soffice >/dev/null 2>&1 || ! /usr/bin/python3 -c "import uno" 2>/dev/null; then
    apt_install libreoffice-calc-nogui python3-uno
  fi
  # pdftoppm and pdfinfo: the tests look at sheets LibreOffice rendered (the Dashboard's charts)
  if ! command -v pdftoppm >/dev/null 2>&1 || ! command -v pdfinfo >/dev/null 2>&1; then
    apt_install poppler-utils
  fi
  extras=".[test]"
else
  extras="."
fi

.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e "$extras"
.venv/bin/python - <<'PY'
import platform
from importlib.metadata import version

found = ", ".join(f"{name} {version(name)}" for name in ("ortools", "xlwings", "pandas"))
print(f"setup done: Python {platform.python_version()}, {found}; check with .venv/bin/pmo doctor")
PY
