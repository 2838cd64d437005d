#!/bin/sh
# Set up everything and run the whole test suite: the normal build, then
# the same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
# Usage (as root on Debian 12): scripts/test.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ "${SC_SKIP_DEPS:-0}" != 1 ]; then
	scripts/deps.sh
fi

run_suite() {
	dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@"
	fi
	ninja -C "$dir"
	meson test -C "$dir" --print-errorlogs --num-processes 2
}

run_suite build
# ASan+UBSan: modules are loaded by the sanitized executable, so undefined
# symbols in shared modules are expected (b_lundef=false).
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args=-fno-sanitize-recover=undefined -Dbuildtype=debug
# Benchmarks are never timed tests: a seconds-long smoke run only checks
# that the load generator, both servers and every row work (bench/run).
bench/run --smoke --build build
python3 scripts/summary.py build build-asan
