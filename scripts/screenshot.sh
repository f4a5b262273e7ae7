#!/usr/bin/env bash
# Starts the real Elute binary under Xvfb and writes a screenshot.
#
#   scripts/screenshot.sh [OUT.png] [FILE]      (default docs/screenshot.png; FILE: a run or session to open)
#
# Builds the release binary if there is none (set ELUTE_BIN to use another binary). Installs xvfb and
# imagemagick with apt-get when they are missing. Software OpenGL (llvmpipe), no GPU needed.
# ELUTE_SCREENSHOT_CLICK="X,Y" clicks there (window pixels) before the shot, e.g. on a peak-table row to show the
# selected peak's sliders and confidence region. ELUTE_SCREENSHOT_SIZE="WxH" (default 1280x800) sizes the screen and
# the window. Installs xdotool when missing.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$here/docs/screenshot.png}"
file="${2:-}"
target="${CARGO_TARGET_DIR:-$here/target}"
bin="${ELUTE_BIN:-$target/release/elute}"
wait_s="${ELUTE_SCREENSHOT_WAIT:-6}"

need=()
command -v Xvfb >/dev/null || need+=(xvfb)
command -v import >/dev/null || need+=(imagemagick)
click="${ELUTE_SCREENSHOT_CLICK:-}"
command -v xdotool >/dev/null || need+=(xdotool)
size="${ELUTE_SCREENSHOT_SIZE:-1280x800}"
# shellcheck source=scripts/xvfb_setup.sh
source "$here/scripts/xvfb_setup.sh"

display=":$((90 + RANDOM % 9))"
runtime="$(mktemp -d)"
chmod 700 "$runtime"
Xvfb "$display" -screen 0 "${size}x24" -nolisten tcp &
xvfb_pid=$!
app_pid=""
cleanup() {
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
    kill "$xvfb_pid" 2>/dev/null || true
    rm -rf "$runtime"
}
trap cleanup EXIT
sleep 1

args=()
[ -n "$file" ] && args+=("$file")
# A private data dir: no autosave offer from an earlier run gets in the picture.
DISPLAY="$display" XDG_RUNTIME_DIR="$runtime" XDG_DATA_HOME="$runtime/data" LIBGL_ALWAYS_SOFTWARE=1 \
    WAYLAND_DISPLAY= "$bin" "${args[@]}" >"$runtime/elute.log" 2>&1 &
app_pid=$!
sleep "$wait_s"
if ! kill -0 "$app_pid" 2>/dev/null; then
    echo "elute exited early:" >&2
    cat "$runtime/elute.log" >&2
    exit 1
fi
window="$(DISPLAY="$display" xdotool search --name "Elute" | head -1 || true)"
if [ -n "$window" ] && [ "$size" != "1280x800" ]; then
    DISPLAY="$display" xdotool windowsize "$window" "${size%x*}" "${size#*x}" windowmove "$window" 0 0
    sleep 2
fi
if [ -n "$click" ]; then
    DISPLAY="$display" xdotool mousemove "${click%,*}" "${click#*,}" click 1
    sleep 3
fi
mkdir -p "$(dirname "$out")"
DISPLAY="$display" import -window root "$out"
echo "wrote $out" >&2
