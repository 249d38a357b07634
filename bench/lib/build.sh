# shellcheck shell=bash disable=SC2034,SC2154  # sets and reads the sourcing script's variables
# Sourced by a benchmark's run.sh: picks the platform binary to measure and builds what the
# benchmark needs with CMake/Ninja. Needs $root (the repository) and $build (the build
# directory); the caller lists what it needs in the array `targets`.

# Sets BLAZEIOT_BIN (absolute) to the binary to measure. Given, it is taken as it is;
# otherwise it is <build>/blazeiot, and `blazeiot` joins `targets` when that binary is missing
# or older than the sources, so one Ninja run builds everything.
choose_platform_binary() {
  if [[ -z ${BLAZEIOT_BIN:-} ]]; then
    BLAZEIOT_BIN=$build/blazeiot
    if [[ ! -x $BLAZEIOT_BIN ]] ||
       [[ -n $(find "$root/src" "$root/CMakeLists.txt" -newer "$BLAZEIOT_BIN" -print -quit) ]]; then
      targets+=(blazeiot)
    fi
  fi
  [[ -x $BLAZEIOT_BIN ]] || [[ " ${targets[*]} " == *" blazeiot "* ]] ||
    { echo "run.sh: BLAZEIOT_BIN=$BLAZEIOT_BIN is not an executable" >&2; exit 1; }
  # The orchestrators start it from a working directory of their own.
  BLAZEIOT_BIN=$(realpath -m "$BLAZEIOT_BIN")
}

# Builds `targets` (nothing when it is empty) and sets `tools` to where bench/<subdir>'s
# binaries are. If the tree does not build and the platform is not wanted, the load
# generators, which do not depend on it, are built alone (cmake -S bench).
build_targets() {
  local subdir=$1
  tools=$build/bench/$subdir
  ((${#targets[@]})) || return 0
  if { [[ -f $build/build.ninja ]] ||
       cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null; } &&
     ninja -C "$build" "${targets[@]}"; then
    return 0
  fi
  if [[ " ${targets[*]} " == *" blazeiot "* ]]; then
    echo "run.sh: building the platform failed" >&2
    exit 1
  fi
  echo "run.sh: the tree does not build; building the benchmark tools alone" >&2
  cmake -S "$root/bench" -B "$build/bench-standalone" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  ninja -C "$build/bench-standalone" "${targets[@]}"
  tools=$build/bench-standalone/$subdir
}
