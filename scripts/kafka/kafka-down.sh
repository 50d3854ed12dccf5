#!/usr/bin/env bash
# Stops what kafka-up.sh started in KAFKA_DATA_DIR: the one broker (SIGTERM, then SIGKILL after
# 20 s) and the nodes of a cluster, if one was started there (all at once: SIGTERM, then SIGKILL
# after KAFKA_STOP_TIMEOUT_S, since the last nodes of a cluster can wait forever for a quorum).
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/cluster-env.sh"

stop_cluster() {
  local n stopped=()
  for dir in "$kafka_run"/node-*; do
    [[ -f "$dir/broker.pid" ]] || continue
    n="${dir##*/node-}"
    stopped+=("$n ($(cat "$dir/broker.pid"))")
    stop_node "$n" &
  done
  wait
  ((${#stopped[@]})) && echo "kafka: cluster nodes stopped: ${stopped[*]}"
  return 0
}

pidfile="$kafka_run/broker.pid"
stop_cluster
[[ -f "$pidfile" ]] || { [[ -d "$kafka_run/node-1" ]] || echo "kafka: no broker running"; exit 0; }
pid="$(cat "$pidfile")"
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  echo "kafka: broker $pid stopped"
fi
rm -f "$pidfile"
