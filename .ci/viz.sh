#!/usr/bin/env bash
# Setup for the chart tests (issue 11), run by .ci/run before the tests:
# - Debian's Chromium, for the test that opens the HTML report in a real headless browser (playwright-core drives
#   /usr/bin/chromium; no browser is ever downloaded), and the fonts the charts name (DejaVu, Liberation);
# - a Python venv with notebooks/requirements.txt (pandas, matplotlib, nbclient, ...), for the test that runs
#   notebooks/residue-analysis.ipynb headless, with its kernel registered inside the venv.
# Idempotent: a machine that already has them (a developer's, or CI's second run) only checks them.
# The venv is $EWMDA_VENV, default ~/.cache/ewmda/viz-venv, where test/viz/support.ts looks for it.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/dejavu ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium fonts-dejavu-core fonts-liberation >/dev/null
fi
echo "viz: $(/usr/bin/chromium --version 2>/dev/null | head -1)"

VENV="${EWMDA_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/ewmda/viz-venv}"
if ! cmp -s notebooks/requirements.txt "$VENV/.ewmda-requirements.txt" \
  || ! "$VENV/bin/python" -c "import pandas, matplotlib, nbclient, nbformat, ipykernel" 2>/dev/null; then
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    # Debian's own python3 needs its venv module as a package.
    apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$VENV"
    /usr/bin/python3 -m venv "$VENV"
  fi
  "$VENV/bin/pip" install --disable-pip-version-check -q -r notebooks/requirements.txt
  cp notebooks/requirements.txt "$VENV/.ewmda-requirements.txt"
fi
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ewmda)" >/dev/null
echo "viz: $("$VENV/bin/python" --version), pandas $("$VENV/bin/python" -c 'import pandas; print(pandas.__version__)'), matplotlib $("$VENV/bin/python" -c 'import matplotlib; print(matplotlib.__version__)') in $VENV"
