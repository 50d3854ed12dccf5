#!/usr/bin/env bash
# Stops the broker kafka-up.sh started: SIGTERM, then SIGKILL after 20 s.
set -euo pipefail
cache="${KAFKA_CACHE_DIR:-$HOME/.cache/usersvc-kafka}"
pidfile="${KAFKA_DATA_DIR:-$cache/run}/broker.pid"
[[ -f "$pidfile" ]] || { echo "kafka: no broker running"; exit 0; }
pid="$(cat "$pidfile")"
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  echo "kafka: broker $pid stopped"
fi
rm -f "$pidfile"
