#!/usr/bin/env bash
# Runs the Google Benchmark programs pinned to one core and writes bench/RESULTS.md
# (machine, date, targets vs measured, raw output).
set -euo pipefail
BUILD_DIR=${1:-build}
OUT=bench/RESULTS.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pin=""
if command -v taskset >/dev/null 2>&1; then pin="taskset -c 0"; fi

for b in features pipeline tft bus store scheduler; do
  echo "== bench_$b"
  # The Kafka and PostgreSQL benches measure several processes and threads working together
  # (brokers, librdkafka's threads, the server): they run unpinned.
  p=$pin
  case $b in bus|store) p="" ;; esac
  $p "$BUILD_DIR/bench/bench_$b" --benchmark_counters_tabular=false | tee "$tmp/$b.txt"
done

field() {  # field FILE BENCH COUNTER -> value as printed (e.g. 81.2M/s, 12.5); the median of repetitions
  { grep -E "^$2[ /].*_median " "$1" || grep -E "^$2[ /]" "$1"; } | head -1 | grep -oE "$3=[^ ]+" | head -1 | cut -d= -f2
}

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
{
  echo "# Benchmark results"
  echo
  echo "Written by \`make bench\` (scripts/run_bench.sh). One core (taskset -c 0) except the Kafka and store"
  echo "benches (several processes and threads: unpinned), Release build; pipeline figures are the median"
  echo "of repeated runs (raw output below)."
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: ${cpu:-unknown CPU}, $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -sr)"
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
  echo "| what | target | measured |"
  echo "|---|---|---|"
  echo "| feature engine: indicator-set updates/s (one symbol's full set per bar) | >= 20M/s | $(field "$tmp/features.txt" BM_IndicatorSetUpdate items_per_second) |"
  echo "| feature agent work per bar incl. event header (updates/s) | - | $(field "$tmp/features.txt" BM_FeatureEngineUpdate items_per_second) |"
  echo "| pipeline, no persistence (bars/s) | >= 2M/s | $(field "$tmp/pipeline.txt" BM_PipelineNoPersistence bars_per_s) |"
  echo "| pipeline, every event persisted to SQLite (bars/s) | >= 100k/s | $(field "$tmp/pipeline.txt" BM_PipelineSqlite bars_per_s) |"
  echo "| decision latency bar in -> order out, p50 (us) | - | $(field "$tmp/pipeline.txt" BM_DecisionLatency p50_us) |"
  echo "| decision latency bar in -> order out, p99 (us) | <= 20 us | $(field "$tmp/pipeline.txt" BM_DecisionLatency p99_us) |"
  echo "| TFT inference, one batch of 7 symbols (lookback 120, hidden 16), p50 (us) | - | $(field "$tmp/tft.txt" BM_TftInference7Symbols p50_us) |"
  echo "| TFT inference, one batch of 7 symbols (lookback 120, hidden 16), p99 (us) | <= 2000 us | $(field "$tmp/tft.txt" BM_TftInference7Symbols p99_us) |"
  echo "| TFT training, windows/s (batch 64, one thread) | - | $(field "$tmp/tft.txt" BM_TftTrainingStep windows_per_s) |"
  echo "| Kafka bus (mock cluster, loopback), JSON: events/s publish -> handler -> commit | >= 200k/s | $(field "$tmp/bus.txt" BM_KafkaBusThroughput/json events_per_s) |"
  echo "| Kafka bus (mock cluster, loopback), Avro (Confluent wire format): events/s | >= 200k/s | $(field "$tmp/bus.txt" BM_KafkaBusThroughput/avro events_per_s) |"
  echo "| Kafka bus end-to-end latency p50 / p99 (us) | - | $(field "$tmp/bus.txt" BM_KafkaBusLatency p50_us) / $(field "$tmp/bus.txt" BM_KafkaBusLatency p99_us) |"
  echo "| store: SQLite batched inserts, 1-min bars (rows/s) | - | $(field "$tmp/store.txt" BM_SqliteBatchedInsert rows_per_s) |"
  echo "| store: PostgreSQL batched prepared inserts (rows/s) | - | $(field "$tmp/store.txt" BM_PostgresBatchedInsert rows_per_s) |"
  echo "| store: PostgreSQL COPY via put_bars (rows/s) | >= 300k/s | $(field "$tmp/store.txt" BM_PostgresCopy rows_per_s) |"
  echo "| scheduler: a week's 145 slots claimed, run (no-op bodies) and recorded in SQLite | - | $(field "$tmp/scheduler.txt" BM_SchedulerWeekJobsOnly slots_per_s) slots/s |"
  echo "| scheduler --simulate, a week on 3 symbols' real bars with the four jobs (bars/s) | - | $(field "$tmp/scheduler.txt" BM_SchedulerSimulatedWeekOnRealBars bars_per_s) |"
  echo
  echo "NautilusTrader's published backtest of an EMA-cross strategy runs about 0.54M events/s (for scale)."
  echo
  if [ -f bench/EVAL.md ]; then cat bench/EVAL.md; echo; fi
  if [ -f bench/NOTES.md ]; then cat bench/NOTES.md; echo; fi
  echo "## Raw output"
  for b in features pipeline tft bus store scheduler; do
    echo
    echo "### bench_$b"
    echo '```'
    cat "$tmp/$b.txt"
    echo '```'
  done
} > "$OUT"
echo "wrote $OUT"
