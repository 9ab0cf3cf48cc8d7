#!/usr/bin/env bash
# Regenerates the PWA icons in assets/ (needs ImageMagick and the DejaVu fonts:
# apt-get install -y imagemagick fonts-dejavu-core). The PNGs are committed;
# building never runs this.
set -euo pipefail
cd "$(dirname "$0")/../assets"
F=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
convert -size 512x512 xc:none -fill '#4338ca' -draw "roundrectangle 0,0 511,511 112,112" \
  -fill white -font "$F" -pointsize 330 -gravity center -annotate +0+8 'R' \
  -fill '#a5b4fc' -draw "circle 392,132 392,100" -strip PNG8:icon-512.png
convert icon-512.png -resize 192x192 -strip icon-192.png
# Maskable: full bleed, the mark inside the central safe zone.
convert -size 512x512 xc:'#4338ca' -fill white -font "$F" -pointsize 240 -gravity center \
  -annotate +0+6 'R' -fill '#a5b4fc' -draw "circle 340,170 340,148" -strip PNG8:icon-maskable-512.png
