#!/usr/bin/env bash
# Starts the local AWET stack: every agent as its own process over Kafka (seed §5.2), PIDs and logs
# under the run directory. Stop it with scripts/awet_stop.sh; check it with `awet health`.
#
#   scripts/awet_start.sh [--config FILE] [--run-dir DIR] [--dev-kafka]
#                         [--replay-from YYYY-MM-DD --replay-days N] [AGENT ...]
#
# AGENT: ingestion features prediction risk execution exit watchtower reconciler (default: all but
# ingestion; with --replay-from, ingestion too, replaying stored bars in lock step and hosting the
# simulated venue on port 8009). --dev-kafka starts `awet dev-kafka` (librdkafka's mock cluster)
# first and points every agent at it — for machines without a Kafka broker. Otherwise the agents
# use bus.kafka_brokers from the config (or AWET_BUS_KAFKA_BROKERS).
#
# Environment: AWET_BIN (default build/apps/awet/awet, else `awet` on PATH); AWET_PORT_BASE (ports
# BASE+1..BASE+8 for ingestion, features, prediction, risk, execution, watchtower, exit, reconciler
# and BASE+9 for the venue; default 8000: the seed's 8001-8006, then 8007-8009);
# AWET_REPLAY_EXIT_WHEN_DONE=1 (the ingestion agent exits after the last bar); any AWET_* config
# override (AWET_STORE_BACKEND=postgres, AWET_STORE_POSTGRES_URL=..., ...).
#
# Every agent listens on 127.0.0.1 only. The simulated venue and the execution agent share the
# secret AWET_VENUE_TOKEN: when it is not set, a random one is made (from /dev/urandom) and kept in
# RUN_DIR/venue.token (mode 600), so an agent started later (a restarted execution agent) gets the
# same; awet_stop.sh removes it when it stops the whole stack. It is never printed.
set -euo pipefail

cd "$(dirname "$0")/.."
AWET_BIN=${AWET_BIN:-build/apps/awet/awet}
if [[ ! -x $AWET_BIN ]]; then AWET_BIN=$(command -v awet || true); fi
if [[ -z $AWET_BIN ]]; then
    echo "awet_start: no awet binary (run 'make cli' or set AWET_BIN)" >&2
    exit 1
fi

CONFIG=""
RUN_DIR=var/run
DEV_KAFKA=0
REPLAY_FROM=""
REPLAY_DAYS=0
AGENTS=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --config) CONFIG=$2; shift 2 ;;
        --run-dir) RUN_DIR=$2; shift 2 ;;
        --dev-kafka) DEV_KAFKA=1; shift ;;
        --replay-from) REPLAY_FROM=$2; shift 2 ;;
        --replay-days) REPLAY_DAYS=$2; shift 2 ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        -*) echo "awet_start: unknown option $1" >&2; exit 2 ;;
        *) AGENTS+=("$1"); shift ;;
    esac
done
if [[ ${#AGENTS[@]} -eq 0 ]]; then
    AGENTS=(features prediction risk execution exit watchtower reconciler)
    [[ -n $REPLAY_FROM ]] && AGENTS+=(ingestion)
fi
mkdir -p "$RUN_DIR"
if [[ -z ${AWET_VENUE_TOKEN:-} ]]; then
    if [[ ! -s $RUN_DIR/venue.token ]]; then
        (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$RUN_DIR/venue.token.tmp" &&
            mv "$RUN_DIR/venue.token.tmp" "$RUN_DIR/venue.token")
    fi
    AWET_VENUE_TOKEN=$(cat "$RUN_DIR/venue.token")
fi
export AWET_VENUE_TOKEN
CONFIG_ARGS=()
[[ -n $CONFIG ]] && CONFIG_ARGS=(--config "$CONFIG")
export AWET_BUS_BACKEND=kafka

# A PID file whose process is alive (a killed process whose parent never reaped it is a zombie:
# kill -0 still succeeds on it, so its state is checked too).
running() {
    [[ -f $1 ]] || return 1
    local pid state
    pid=$(cat "$1")
    kill -0 "$pid" 2>/dev/null || return 1
    state=$(ps -o stat= -p "$pid" 2>/dev/null || true)
    [[ -n $state && $state != Z* ]]
}

if [[ $DEV_KAFKA == 1 ]]; then
    if ! running "$RUN_DIR/dev-kafka.pid"; then
        rm -f "$RUN_DIR/kafka.brokers"
        nohup "$AWET_BIN" dev-kafka --out "$RUN_DIR/kafka.brokers" >"$RUN_DIR/dev-kafka.log" 2>&1 &
        echo $! >"$RUN_DIR/dev-kafka.pid"
        for _ in $(seq 100); do [[ -s $RUN_DIR/kafka.brokers ]] && break; sleep 0.1; done
        if [[ ! -s $RUN_DIR/kafka.brokers ]]; then
            echo "awet_start: dev-kafka did not start (see $RUN_DIR/dev-kafka.log)" >&2
            exit 1
        fi
    fi
fi
# A dev-kafka of this run directory (started now or earlier): every agent joins it, also one
# started on its own later (e.g. a restarted execution agent).
if running "$RUN_DIR/dev-kafka.pid" && [[ -s $RUN_DIR/kafka.brokers ]]; then
    AWET_BUS_KAFKA_BROKERS=$(cat "$RUN_DIR/kafka.brokers")
    export AWET_BUS_KAFKA_BROKERS
    echo "dev-kafka: $AWET_BUS_KAFKA_BROKERS"
fi

port_offset() {
    case $1 in
        ingestion) echo 1 ;; features) echo 2 ;; prediction) echo 3 ;; risk) echo 4 ;;
        execution) echo 5 ;; watchtower) echo 6 ;; exit) echo 7 ;; reconciler) echo 8 ;;
        *) echo "awet_start: unknown agent $1" >&2; exit 2 ;;
    esac
}
BASE=${AWET_PORT_BASE:-8000}
VENUE_PORT=$((BASE + 9))

for agent in "${AGENTS[@]}"; do
    pidfile="$RUN_DIR/$agent.pid"
    if running "$pidfile"; then
        echo "$agent: already running (pid $(cat "$pidfile"))"
        continue
    fi
    extra=(--host 127.0.0.1 --port $((BASE + $(port_offset "$agent"))))
    [[ $agent == execution ]] && extra+=(--venue "http://127.0.0.1:$VENUE_PORT")
    if [[ $agent == ingestion ]]; then
        if [[ -z $REPLAY_FROM ]]; then
            echo "awet_start: the ingestion agent needs --replay-from (live connectors: not yet)" >&2
            exit 2
        fi
        extra+=(--replay --from "$REPLAY_FROM" --days "$REPLAY_DAYS" --venue-port "$VENUE_PORT")
        [[ -n ${AWET_REPLAY_EXIT_WHEN_DONE:-} ]] && extra+=(--exit-when-done)
    fi
    nohup "$AWET_BIN" agent "$agent" "${CONFIG_ARGS[@]}" "${extra[@]}" \
        >>"$RUN_DIR/$agent.log" 2>&1 &
    echo $! >"$pidfile"
    echo "$agent: started (pid $!, log $RUN_DIR/$agent.log)"
done
