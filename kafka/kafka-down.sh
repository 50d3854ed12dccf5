#!/usr/bin/env bash
# Stop the broker started by kafka/kafka-up.sh: SIGTERM (controlled shutdown),
# up to 20 s, then SIGKILL. Exit 0 also when no broker is running, so CI can
# call it unconditionally (e.g. in a trap).
set -euo pipefail

# Must match kafka-up.sh.
CACHE_DIR="${KAFKA_CACHE_DIR:-$HOME/.cache/user-service-kafka}"
DATA_DIR="${KAFKA_DATA_DIR:-$CACHE_DIR/run}"
PID_FILE="$DATA_DIR/broker.pid"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-20}"

log() { echo "kafka-down: $*"; }

if [[ ! -f "$PID_FILE" ]]; then
  log "no broker running (no $PID_FILE)"
  exit 0
fi
pid="$(cat "$PID_FILE" 2>/dev/null || true)"

# Only signal the pid if it is still our kafka.Kafka JVM: after a reboot or a
# crash the pid may belong to an unrelated process by now.
if ! [[ "$pid" =~ ^[0-9]+$ ]] || ! ps -p "$pid" -o args= 2>/dev/null | grep -q 'kafka\.Kafka'; then
  log "no broker running (stale pid file, removed)"
  rm -f "$PID_FILE"
  exit 0
fi

log "stopping Kafka broker (pid $pid)..."
kill -TERM "$pid" 2>/dev/null || true
for ((i = 0; i < STOP_TIMEOUT * 4; i++)); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.25
done
if kill -0 "$pid" 2>/dev/null; then
  log "still running after ${STOP_TIMEOUT}s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  # SIGKILL cannot be ignored, but give the kernel a moment to reap it so the
  # ports are free when this script returns.
  for ((i = 0; i < 20; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
fi
rm -f "$PID_FILE"
log "stopped"
