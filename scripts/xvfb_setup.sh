# Sourced by the Xvfb scripts (screenshot.sh, crash_recovery.sh): installs the Debian packages listed in `need`
# when any is missing, then builds the release binary `$bin` when it is absent (from the repository at `$here`).
if ((${#need[@]})); then
    echo "installing ${need[*]}" >&2
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" libgl1-mesa-dri libegl1 >/dev/null
fi
if [ ! -x "$bin" ]; then
    echo "building $bin (release)" >&2
    (cd "$here" && cargo build --release --bin elute)
fi
