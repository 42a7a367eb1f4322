#!/usr/bin/env bash
# Stops what scripts/awet_start.sh started: SIGTERM to each agent (it commits its offsets and
# flushes its store), SIGKILL after 15 s if it is still there; dev-kafka last. Stopping the whole
# stack also removes the venue token awet_start.sh made (RUN_DIR/venue.token).
#
#   scripts/awet_stop.sh [--run-dir DIR] [AGENT ...]     (default: every PID file in the run dir)
set -uo pipefail

cd "$(dirname "$0")/.."
RUN_DIR=var/run
AGENTS=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --run-dir) RUN_DIR=$2; shift 2 ;;
        -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
        *) AGENTS+=("$1"); shift ;;
    esac
done
ALL=0
if [[ ${#AGENTS[@]} -eq 0 ]]; then
    ALL=1
    for f in "$RUN_DIR"/*.pid; do
        [[ -e $f ]] || continue
        name=$(basename "$f" .pid)
        [[ $name == dev-kafka ]] || AGENTS+=("$name")
    done
    [[ -e $RUN_DIR/dev-kafka.pid ]] && AGENTS+=(dev-kafka)
fi

# Alive and not a zombie (an orphan nobody reaped still answers kill -0).
alive() {
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null || true)
    [[ -n $state && $state != Z* ]]
}

stop_one() {
    local name=$1 pidfile="$RUN_DIR/$1.pid" pid
    [[ -f $pidfile ]] || { echo "$name: not running"; return; }
    pid=$(cat "$pidfile")
    if kill -TERM "$pid" 2>/dev/null; then
        for _ in $(seq 150); do alive "$pid" || break; sleep 0.1; done
        if alive "$pid"; then
            kill -KILL "$pid" 2>/dev/null
            echo "$name: killed (did not stop within 15 s)"
        else
            echo "$name: stopped"
        fi
    else
        echo "$name: not running (stale pid $pid)"
    fi
    rm -f "$pidfile"
}

# Agents first (in parallel: each commits and leaves its group), then the mock cluster.
for agent in "${AGENTS[@]}"; do
    [[ $agent == dev-kafka ]] || stop_one "$agent" &
done
wait
for agent in "${AGENTS[@]}"; do
    [[ $agent == dev-kafka ]] && stop_one dev-kafka
done
[[ $ALL == 1 ]] && rm -f "$RUN_DIR/venue.token"
exit 0
