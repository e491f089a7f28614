#!/usr/bin/env bash
# Setup for the chart tests (issue 11), run by .ci/run before the tests (as root on a fresh Debian 12 machine, with
# network access to Debian's archive and PyPI):
# - Debian's Chromium, for the test that opens the HTML report in a real headless browser (playwright-core drives
#   /usr/bin/chromium; no browser is ever downloaded), and the fonts the charts name (DejaVu, Liberation);
# - a Python venv with notebooks/requirements.txt (pandas, matplotlib, nbclient, ...), for the test that runs
#   notebooks/residue-analysis.ipynb headless, with its kernel registered inside the venv. Debian's python3 (and its
#   python3-venv) when the machine has no Python 3.11 or newer of its own.
# Idempotent: a machine that already has them (a developer's, or CI's second run) only checks them.
# The venv is $EWMDA_VENV, default ~/.cache/ewmda/viz-venv, where test/viz/support.ts looks for it.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_UPDATED=
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "viz: missing Debian packages: $* (run this script as root, or apt-get install them)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$APT_UPDATED" ]; then apt-get update -qq; APT_UPDATED=1; fi
  apt-get install -y -qq "$@" >/dev/null
}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
[ -d /usr/share/fonts/truetype/liberation ] || missing+=(fonts-liberation)
# pandas and numpy of the pinned versions need Python 3.11 or newer (Debian 12's is 3.11).
PYTHON=python3
if ! command -v python3 >/dev/null || ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  PYTHON=/usr/bin/python3
  [ -x /usr/bin/python3 ] || missing+=(python3)
fi
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
echo "viz: $(/usr/bin/chromium --version 2>/dev/null | head -1)"

VENV="${EWMDA_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/ewmda/viz-venv}"
if ! cmp -s notebooks/requirements.txt "$VENV/.ewmda-requirements.txt" \
  || ! "$VENV/bin/python" -c "import pandas, matplotlib, nbclient, nbformat, ipykernel" 2>/dev/null; then
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  # Debian's own python3 makes venvs only with its python3-venv package (ensurepip is split out).
  if ! "$PYTHON" -c "import ensurepip, venv" 2>/dev/null; then
    if [ "$PYTHON" = /usr/bin/python3 ] || [ "$(command -v python3)" = /usr/bin/python3 ]; then
      apt_install python3-venv
    else
      PYTHON=/usr/bin/python3
      [ -x /usr/bin/python3 ] || apt_install python3
      /usr/bin/python3 -c "import ensurepip, venv" 2>/dev/null || apt_install python3-venv
    fi
  fi
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --disable-pip-version-check -q -r notebooks/requirements.txt
  cp notebooks/requirements.txt "$VENV/.ewmda-requirements.txt"
fi
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ewmda)" >/dev/null
echo "viz: $("$VENV/bin/python" --version), pandas $("$VENV/bin/python" -c 'import pandas; print(pandas.__version__)'), matplotlib $("$VENV/bin/python" -c 'import matplotlib; print(matplotlib.__version__)') in $VENV"
