#!/bin/sh
# Build the fuzz build (clang, libFuzzer, ASan+UBSan) and run every fuzz
# target for SECONDS each (default 60), one after the other, on corpora
# kept in WORKDIR (default build-fuzz/work: a second run goes on from
# where the first stopped). The seeds are fuzz/corpus/TARGET; the TLS
# targets' seeds are real handshakes recorded here (fuzz_tls_seed).
# Prints per target the executions and the corpus size; exits non-zero
# if any target found a crash, a leak or a broken invariant (its input is
# in WORKDIR/crashes, its log in WORKDIR/TARGET.log).
# Usage: scripts/fuzz.sh [SECONDS [WORKDIR]]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${1:-60}
work=${2:-build-fuzz/work}
case $secs in
''|*[!0-9]*) echo "usage: $0 [SECONDS [WORKDIR]]" >&2; exit 2 ;;
esac

if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C build-fuzz
bin=$top/build-fuzz/fuzz
mkdir -p "$work/crashes"
work=$(cd "$work" && pwd)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

targets="cfg conn sip relay tls_prio"
if [ -x "$bin/fuzz_tls_server" ]; then
	targets="$targets tls_server tls_client"
	mkdir -p "$work/corpus/tls_server" "$work/corpus/tls_client"
	"$bin/fuzz_tls_seed" "$work/corpus/tls_server" \
		"$work/corpus/tls_client" >/dev/null
fi

failed=""
for t in $targets; do
	corpus=$work/corpus/$t
	mkdir -p "$corpus" "$work/run-$t"
	if [ -d "fuzz/corpus/$t" ]; then
		cp fuzz/corpus/"$t"/* "$corpus"/
	fi
	case $t in
	tls_*) maxlen=16384 ;;
	*) maxlen=8192 ;;
	esac
	# run in an empty directory: the config fuzzer's include_file lines
	# resolve against it
	rc=0
	t0=$(date +%s)
	(cd "$work/run-$t" && "$bin/fuzz_$t" -max_total_time="$secs" \
		-max_len=$maxlen -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$work/crashes/$t-" "$corpus") \
		>"$work/$t.log" 2>&1 || rc=$?
	took=$(($(date +%s) - t0))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
		"$work/$t.log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$work/$t.log" | tail -n 1 | \
		sed 's/cov: //')
	edges=$(sed -n 's/.*(\([0-9]*\) inline 8-bit counters).*/\1/p' \
		"$work/$t.log" | head -n 1)
	n=$(find "$corpus" -type f | wc -l)
	bytes=$(find "$corpus" -type f -exec cat {} + | wc -c)
	if [ $rc -eq 0 ]; then
		status=ok
	else
		status="FAILED (exit $rc)"
		failed="$failed $t"
		grep -E 'ERROR|SUMMARY|^    #[0-9]' "$work/$t.log" | \
			head -n 30 >&2 || true
	fi
	printf 'fuzz_%s: %s: %s runs in %s s, corpus %s inputs (%s bytes), ' \
		"$t" "$status" "${execs:-?}" "$took" "$n" "$bytes"
	printf 'coverage %s of %s edges\n' "${cov:-?}" "${edges:-?}"
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed (inputs in $work/crashes)" >&2
	exit 1
fi
