#!/usr/bin/env bash
# Installs what the tests need from the system, on Debian or Ubuntu, and nothing that is already there:
# ffmpeg (the local encoder), Chromium (the player and dashboard tests, driven by playwright-core),
# GStreamer's tools and plugins (a publisher nobody here wrote, for the RTP test) and the DejaVu font
# (the demo source burns a wall clock into the picture with it). Runs apt-get through sudo unless root.
set -euo pipefail

need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
for plugin in x264enc mpegtsmux rtpmp2tpay videotestsrc; do
  gst-inspect-1.0 "$plugin" >/dev/null 2>&1 || { need+=(gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly); break; }
done
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)

if [ ${#need[@]} -eq 0 ]; then
  echo "install-test-deps: ffmpeg, chromium, gstreamer and fonts are already installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: this is not a Debian-like system; install these yourself, then run npm test: ${need[*]}" >&2
  exit 1
fi
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "install-test-deps: installing ${need[*]}"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
