#!/bin/sh
# Set up everything and run the whole test suite: the normal build, then
# the same suite under AddressSanitizer + UndefinedBehaviorSanitizer, then
# every fuzz target for a minute (scripts/fuzz.sh).
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
# Every fuzz target for 60 s (SC_FUZZ_SECONDS), instrumented, under
# ASan+UBSan: a crash or a broken invariant fails the run.
scripts/fuzz.sh "${SC_FUZZ_SECONDS:-60}"
# Benchmarks are never timed tests: a seconds-long smoke run only checks
# that the load generator, both servers and every row work (bench/run).
bench/run --smoke --build build
# last, so that the count of both suites is the closing line
python3 scripts/summary.py build build-asan
