#!/usr/bin/env bash
# Install everything the test suite needs on a bare machine, then run it with the `python3` first
# on PATH (a fresh virtual environment is best: nothing installed by hand can then hide a missing
# step). GATE_DEPS=minimum installs the oldest releases pyproject.toml allows instead of the newest.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
  # Error-budget tests run a real Prometheus on 127.0.0.1 (Debian's package ships promtool too).
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
if ! command -v chromium >/dev/null; then
  # The scorecard page is rendered by a real headless Chromium (Debian's package).
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
constraints=()
if [ "${GATE_DEPS:-newest}" = minimum ]; then
  constraints=(-c ci/minimum-versions.txt)
fi
python3 -m pip install --quiet --disable-pip-version-check "${constraints[@]}" -e '.[test,docs]'
# In parallel, one worker per core (pytest-xdist); the 15 slowest tests are listed at the end, so
# a test that grows slow is seen. Arguments after these win (e.g. `-n 0` to run in one process).
exec python3 -m pytest -n auto --durations=15 "$@"
