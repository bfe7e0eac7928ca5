#!/usr/bin/env bash
# Install everything the test suite needs on a bare machine, then run it.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
exec python3 -m pytest "$@"
