#!/usr/bin/env bash
# Build the one-folder app for this OS into packaging/dist/pairframe/ (run the check: packaging/check.sh).
# Sets up like scripts/dev (Debian packages, .venv) and adds the packaging extra (PyInstaller) when missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
scripts/dev setup
if ! "$PY" -c 'import PyInstaller' 2>/dev/null; then
    "$PY" -m pip install --quiet --disable-pip-version-check -e '.[packaging]'
fi
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath packaging/dist --workpath packaging/build packaging/pairframe.spec
echo "built packaging/dist/pairframe ($(du -sh packaging/dist/pairframe | cut -f1))"
