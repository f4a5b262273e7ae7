#!/usr/bin/env bash
# Crash recovery with a real SIGKILL: starts the release binary under Xvfb on a run, edits it (Shift+click adds a
# peak), waits for the autosave, kills the app with SIGKILL, starts it again and answers the restore offer with
# the keyboard. Checks that
#   - the autosave copy was written although the edits were never saved, and names the run;
#   - after the restart the window title names the run (not "simulation") and marks unsaved changes;
#   - the restored app autosaves again the same peaks and the same run (the restore kept the edits, no fresh
#     auto-fit replaced them).
# The kittest suite cannot kill itself; this script is the check for issue 13's "crash recovery".
#
#   scripts/crash_recovery.sh            (ELUTE_BIN=… to use another binary)
#
# Builds the release binary if there is none. Installs xvfb, xdotool and imagemagick with apt-get when missing.
# Leaves screenshots of each step in $OUT (default target/crash_recovery/).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$here/target}"
bin="${ELUTE_BIN:-$target/release/elute}"
out="${OUT:-$target/crash_recovery}"
mkdir -p "$out"

need=()
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xdotool >/dev/null || need+=(xdotool)
command -v import >/dev/null || need+=(imagemagick)
# shellcheck source=scripts/xvfb_setup.sh
source "$here/scripts/xvfb_setup.sh"

work="$(mktemp -d)"
chmod 700 "$work"
cp "$here/tests/data/SOLV001.CDF" "$work/"
run="$work/SOLV001.CDF"
data="$work/data"
autosave="$data/elute/autosave.elute.json"
n=$((80 + RANDOM % 9))
while [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
display=":$n"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
app_pid=""
cleanup() {
    [ -n "$app_pid" ] && kill -9 "$app_pid" 2>/dev/null || true
    kill "$xvfb_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 40); do
    DISPLAY="$display" xdotool getdisplaygeometry >/dev/null 2>&1 && break
    sleep 0.25
done

x() { DISPLAY="$display" xdotool "$@"; }
shot() { DISPLAY="$display" import -window root "$out/$1.png"; }
fail() {
    echo "FAIL: $*" >&2
    shot failure || true
    echo "log:" >&2
    cat "$work/elute.log" >&2 || true
    exit 1
}
start_app() {
    DISPLAY="$display" XDG_RUNTIME_DIR="$work" XDG_DATA_HOME="$data" LIBGL_ALWAYS_SOFTWARE=1 WAYLAND_DISPLAY= \
        "$bin" "$@" >>"$work/elute.log" 2>&1 &
    app_pid=$!
    disown "$app_pid"
}
# The title of the app's window, once it has one (waits up to $1 s for it to match $2).
wait_title() {
    local limit=$1 pattern=$2 title=""
    for _ in $(seq $((limit * 4))); do
        title="$(x search --name "Elute" getwindowname 2>/dev/null | head -1 || true)"
        [[ "$title" =~ $pattern ]] && { echo "$title"; return 0; }
        kill -0 "$app_pid" 2>/dev/null || fail "elute exited"
        sleep 0.25
    done
    fail "window title '$title' never matched /$pattern/ in $limit s"
}
peaks_in() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["peaks"]))' "$1"; }
run_in() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])).get("run") or {}; print(r.get("path",""))' "$1"; }

# 1. Open the run; the auto-fit finishes with the pristine document ("SOLV001.CDF — Elute", no mark).
start_app "$run"
wait_title 60 '^SOLV001\.CDF — Elute$' >/dev/null
sleep 1
window="$(x search --name "Elute" | head -1)"
x windowsize "$window" 1280 800 windowmove "$window" 0 0
# No window manager runs: give the window the keyboard focus (the Shift of Shift+click, the keys of the offer).
x windowfocus --sync "$window"
sleep 1
shot 1-opened
# 2. Edit: Shift+click on the plot adds a peak (the plot is the central panel; its middle is on the trace's time
#    axis whatever the panels' widths).
for dx in -120 0 140; do
    x mousemove $((640 + dx)) 300 keydown shift click 1 keyup shift
    sleep 0.5
done
wait_title 10 '•' >/dev/null
shot 2-edited
# 3. No save: the autosave copy appears within its period (15 s) and names the run.
for _ in $(seq 120); do
    [ -s "$autosave" ] && break
    sleep 0.25
done
[ -s "$autosave" ] || fail "no autosave within 30 s of the edits"
sleep 1
cp "$autosave" "$work/before-kill.json"
before_peaks="$(peaks_in "$work/before-kill.json")"
before_run="$(run_in "$work/before-kill.json")"
[[ "$before_run" == *SOLV001.CDF ]] || fail "the autosave does not name the run: '$before_run'"
# 4. SIGKILL.
kill -9 "$app_pid"
while kill -0 "$app_pid" 2>/dev/null; do sleep 0.1; done
app_pid=""
# 5. Restart with no file: the offer is a modal; Tab focuses "Restore", Enter presses it.
touch "$work/restarted"
sleep 1
start_app
wait_title 30 'Elute' >/dev/null
sleep 2
shot 3-offer
window="$(x search --name "Elute" | head -1)"
x windowfocus --sync "$window"
x key Tab
sleep 0.3
x key Return
title="$(wait_title 15 '^SOLV001\.CDF •')"
shot 4-restored
# 6. The restored document is unsaved, so it is autosaved again: the same peaks on the same run.
for _ in $(seq 120); do
    [ "$autosave" -nt "$work/restarted" ] && break
    sleep 0.25
done
[ "$autosave" -nt "$work/restarted" ] || fail "the restored session was not autosaved within 30 s"
sleep 1
after_peaks="$(peaks_in "$autosave")"
after_run="$(run_in "$autosave")"
[ "$after_peaks" = "$before_peaks" ] || fail "restored $after_peaks peaks, autosaved $before_peaks before the kill"
[ "$after_run" = "$before_run" ] || fail "restored on run '$after_run', autosaved on '$before_run'"
python3 - "$work/before-kill.json" "$autosave" <<'EOF' || fail "the restored peaks differ from the autosaved ones"
import json, sys
a, b = (json.load(open(p))["peaks"] for p in sys.argv[1:3])
assert a == b, (a, b)
EOF
echo "PASS: SIGKILL after edits; restored $after_peaks peaks on $(basename "$after_run"), title '$title'"
