#!/usr/bin/env bash
# Build the bundle, then prove it is complete: its files are there, it prints its version, it opens and closes
# the main window offscreen, and it creates the sample campaign (migrations, resources and image decoding in
# the frozen app) and runs its FFmpeg. Fails on the first thing missing. Takes a few minutes: not part of CI.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
started=$SECONDS
packaging/build.sh
built=$SECONDS

DIST="$ROOT/packaging/dist/pairframe"
APP="$DIST/pairframe"
INTERNAL="$DIST/_internal"
fail() { echo "packaging/check.sh: FAILED: $*" >&2; exit 1; }

echo "--- files"
[[ -x "$APP" ]] || fail "no executable $APP"
required=(
    "app/core/db/migrations/env.py"
    "app/core/generation/schemas/google__veo-3.1.json"
    "resources/icons/pairframe.svg"
    "resources/icons/pairframe-256.png"
    "PySide6/Qt/plugins/platforms/libqoffscreen.so"
    "PySide6/Qt/plugins/platforms/libqxcb.so"
    "PySide6/Qt/plugins/platforms/libqwayland.so"
    "PySide6/Qt/plugins/iconengines/libqsvgicon.so"
    "PySide6/Qt/plugins/imageformats/libqjpeg.so"
    "PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so"
)
for path in "${required[@]}"; do
    [[ -e "$INTERNAL/$path" ]] || fail "missing $path"
done
migrations=$(find "$INTERNAL/app/core/db/migrations/versions" -name '*.py' | wc -l)
source_migrations=$(find app/core/db/migrations/versions -name '*.py' | wc -l)
[[ $migrations -eq $source_migrations && $migrations -gt 0 ]] \
    || fail "migrations: $migrations in the bundle, $source_migrations in the source"
samples=$(find "$INTERNAL/resources/samples" -name '*.jpg' | wc -l)
[[ $samples -eq 12 ]] || fail "expected 12 sample images, found $samples"
ffmpeg=$(find "$INTERNAL/imageio_ffmpeg/binaries" -name 'ffmpeg*' -type f | head -n1)
[[ -n "$ffmpeg" ]] || fail "no FFmpeg binary in the bundle"
"$ffmpeg" -hide_banner -version | head -n1

echo "--- version"
want="Pairframe $(.venv/bin/python -c 'from app import __version__; print(__version__)')"
got=$("$APP" --version)
[[ "$got" == "$want" ]] || fail "--version printed '$got', expected '$want'"
echo "$got"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# No system FFmpeg on PATH, so the bundled one must be found; no network or keys needed.
run_app() { env -u REPLICATE_API_TOKEN -u XAI_API_KEY PATH=/usr/bin:/bin QT_QPA_PLATFORM=offscreen "$APP" "$@"; }

echo "--- offscreen start and quit"
run_app --data-dir "$work/library" --quit-after 1 2>"$work/stderr" || fail "the GUI exited with $?: $(cat "$work/stderr")"
if grep -v -x -F "This plugin does not support propagateSizeHints()" "$work/stderr" | grep -q .; then
    fail "the GUI printed errors: $(cat "$work/stderr")"
fi
[[ -f "$work/library/library.sqlite3" ]] || fail "the GUI did not create its library"

echo "--- sample campaign, pairs, a clip from the local model, the combined ad"
run_app --data-dir "$work/library" sample
run_app --data-dir "$work/library" pair --campaign "Summer Cold Brew Launch" --pairer local --count 2
run_app --data-dir "$work/library" generate --campaign "Summer Cold Brew Launch" --model local --duration 2 \
    --yes -o "$work/ad.mp4"
[[ -s "$work/ad.mp4" ]] || fail "no ad was made"
"$ffmpeg" -v error -i "$work/ad.mp4" -f null - || fail "the ad does not decode"

echo "OK: bundle built in $((built - started)) s, checked in $((SECONDS - built)) s ($(du -sh "$DIST" | cut -f1))"
