#!/bin/sh
# The stress suite in its long mode (SC_STRESS_LONG=1): many more
# connections and reloads, and the slowloris figures at full size (5,000
# silent + 5,000 dribbling attackers for 60 s). By default under the
# ASan+UBSan build, as CI runs the short mode; SC_BUILD=build runs it on
# the normal build instead (the figures in doc/robustness.md come from
# both).
# Usage: scripts/stress.sh [meson test arguments, e.g. stress_slowloris]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
dir=${SC_BUILD:-build-asan}
if [ ! -f "$dir/build.ninja" ]; then
	if [ "$dir" = build-asan ]; then
		meson setup "$dir" -Db_sanitize=address,undefined \
			-Db_lundef=false -Dc_args=-fno-sanitize-recover=undefined \
			-Dbuildtype=debug
	else
		meson setup "$dir"
	fi
fi
ninja -C "$dir"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export SC_STRESS_LONG=1
# one test at a time: they load the machine and need many descriptors
exec meson test -C "$dir" --suite stress --num-processes 1 --verbose \
	--timeout-multiplier 4 "$@"
