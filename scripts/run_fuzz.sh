#!/usr/bin/env bash
# Runs the libFuzzer targets built by `make fuzz` (fuzz/README.md), one after the other.
#   scripts/run_fuzz.sh BUILD_DIR SECONDS [NAME...]      (no NAME: every target)
# Corpus of each target: var/fuzz/<name> (kept between runs; new inputs are added there), seeded
# in place from the folders in BUILD_DIR/fuzz/<name>.seeds (fuzz/seeds/<name> and ../shared/data,
# never copied). Crashes, leaks, timeouts and sanitizer reports: var/fuzz/artifacts/<name>/, the
# log in var/fuzz/logs/<name>.log. Prints executions and corpus sizes per target; exit 1 if any
# target found something.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build=${1:?usage: run_fuzz.sh BUILD_DIR SECONDS [NAME...]}
seconds=${2:?usage: run_fuzz.sh BUILD_DIR SECONDS [NAME...]}
shift 2
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$build"/fuzz/*.seeds; do names+=("$(basename "$f" .seeds)"); done
fi

mkdir -p var/fuzz/logs
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
rows=()
failed=0
for name in "${names[@]}"; do
  exe="$build/fuzz/${name}_fuzz"
  if [ ! -x "$exe" ]; then
    echo "run_fuzz: $exe not built" >&2
    failed=1
    continue
  fi
  corpus="var/fuzz/$name"
  artifacts="var/fuzz/artifacts/$name/"
  log="var/fuzz/logs/$name.log"
  mkdir -p "$corpus" "$artifacts"
  seeds=()
  while IFS= read -r d; do
    [ -n "$d" ] && [ -e "$d" ] && seeds+=("$d")
  done < "$build/fuzz/$name.seeds"
  read -r -a options < "$build/fuzz/$name.options"
  echo "run_fuzz: $name for ${seconds}s (log $log)"
  "$exe" "${options[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  added=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -1)
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  # The working corpus (seeds kept by libFuzzer plus the inputs it found): "corp: 1234/567Kb".
  corp=$(grep -Eo 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1 | cut -d' ' -f2)
  files=$(find "$corpus" -type f | wc -l)
  bytes=$(du -sb "$corpus" | cut -f1)
  result=ok
  if [ $rc -ne 0 ]; then
    result="FOUND (rc $rc): $(ls "$artifacts" | tail -1)"
    failed=1
  fi
  rows+=("$(printf '%-22s %12s %8s %6s %6s %13s %7s %10s  %s' "$name" "${execs:-?}" \
    "${speed:-?}" "${added:-?}" "${cov:-?}" "${corp:-?}" "$files" "$bytes" "$result")")
done

echo
# corpus: what libFuzzer worked with at the end (inputs/size); kept: the files in var/fuzz/<name>.
printf '%-22s %12s %8s %6s %6s %13s %7s %10s  %s\n' target executions exec/s new cov corpus kept \
  kept-bytes result
for r in "${rows[@]}"; do echo "$r"; done
exit $failed
