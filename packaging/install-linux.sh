#!/usr/bin/env bash
# Install the built bundle for the current user: the app under ~/.local/opt/pairframe, the command
# ~/.local/bin/pairframe, the menu entry and its icons. Build first with packaging/build.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST="$ROOT/packaging/dist/pairframe"
[[ -x "$DIST/pairframe" ]] || { echo "no bundle yet: run packaging/build.sh first" >&2; exit 1; }
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
PREFIX="$HOME/.local/opt/pairframe"

rm -rf "$PREFIX.new"
mkdir -p "$(dirname "$PREFIX")" "$HOME/.local/bin" "$DATA/applications"
cp -a "$DIST" "$PREFIX.new"
rm -rf "$PREFIX"
mv "$PREFIX.new" "$PREFIX"
ln -sf "$PREFIX/pairframe" "$HOME/.local/bin/pairframe"
for size in 48 128 256; do
    install -Dm644 "$ROOT/resources/icons/pairframe-$size.png" "$DATA/icons/hicolor/${size}x${size}/apps/pairframe.png"
done
install -Dm644 "$ROOT/resources/icons/pairframe.svg" "$DATA/icons/hicolor/scalable/apps/pairframe.svg"
sed "s|^Exec=pairframe|Exec=$PREFIX/pairframe|" "$ROOT/packaging/pairframe.desktop" >"$DATA/applications/pairframe.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$DATA/applications" || true
echo "installed: $PREFIX (menu entry: $DATA/applications/pairframe.desktop)"
