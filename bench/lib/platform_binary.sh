# Sourced by a benchmark's run.sh: sets BLAZEIOT_BIN to the platform binary to measure.
# Given BLAZEIOT_BIN is taken as it is; otherwise <build>/blazeiot is (re)built when missing
# or older than the sources. Needs $root (the repository) and $build (the build directory).
if [[ -z ${BLAZEIOT_BIN:-} ]]; then
  BLAZEIOT_BIN=$build/blazeiot
  if [[ ! -x $BLAZEIOT_BIN ]] ||
     [[ -n $(find "$root/src" "$root/CMakeLists.txt" -newer "$BLAZEIOT_BIN" -print -quit) ]]; then
    if [[ ! -f $build/build.ninja ]]; then
      cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    fi
    ninja -C "$build" blazeiot
  fi
fi
[[ -x $BLAZEIOT_BIN ]] || { echo "run.sh: $BLAZEIOT_BIN is not an executable" >&2; exit 1; }
BLAZEIOT_BIN=$(realpath "$BLAZEIOT_BIN")
