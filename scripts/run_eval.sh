#!/usr/bin/env bash
# `make eval`: runs `awet eval` with the given arguments, shows its table, and writes it with the
# machine, date and command to bench/EVAL.md (copied into bench/RESULTS.md by `make bench`).
set -euo pipefail
AWET=$1
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$AWET" eval "$@" | tee "$out"
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
{
  echo "## TFT evaluation (\`make eval\`)"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: ${cpu:-unknown CPU}, $(nproc) cores (torch threads: \`--threads\`, default 1)"
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- command: \`awet eval $*\`"
  echo
  echo '```'
  cat "$out"
  echo '```'
} > bench/EVAL.md
echo "wrote bench/EVAL.md"
