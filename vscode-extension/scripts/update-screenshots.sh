#!/usr/bin/env bash
# Copies the README screenshots from the last e2e run (test-artifacts/vscode/, see scripts/e2e.sh), cropped to the
# editor. Needs ImageMagick. Run scripts/e2e.sh first; commit the changed images/*.png.
set -euo pipefail
cd "$(dirname "$0")/.."
ART=../test-artifacts/vscode
crop() {
    local src
    src="$(ls "$ART"/quick-fixes-[0-9][0-9]-"$1".png | head -1)"
    convert "$src" -crop 928x470+352+36 +repage -strip "images/$2"
    echo "images/$2 <- $src"
}
crop quick-fix-DJM001 quick-fix.png
crop hover hover.png
