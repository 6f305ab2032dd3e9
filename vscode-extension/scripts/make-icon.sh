#!/usr/bin/env bash
# Draws images/icon.png (128x128): a Django-green tile, "dj" with a rollback arrow, and a yellow squiggle.
# Needs ImageMagick 6 (`apt-get install imagemagick`) and the DejaVu fonts. The PNG is committed; rerun only to change it.
set -euo pipefail
cd "$(dirname "$0")/.."
squiggle=""
for i in $(seq 0 14); do
  x=$((22 + i * 6)); if (( i % 2 )); then y=100; else y=106; fi
  squiggle+="$x,$y "
done
convert -size 128x128 xc:none \
  -fill '#0C4B33' -draw 'roundrectangle 2,2 125,125 22,22' \
  -font DejaVu-Sans-Bold -pointsize 56 -fill white -gravity center -annotate -8-14 'dj' \
  -font DejaVu-Sans-Bold -pointsize 34 -fill '#FFD43B' -annotate +38-34 '↶' \
  -gravity northwest \
  -stroke '#FFD43B' -strokewidth 5 -fill none -draw "polyline $squiggle" \
  -strip PNG32:images/icon.png
echo "wrote images/icon.png"
