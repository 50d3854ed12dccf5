#!/usr/bin/env bash
# One node of the cluster kafka-up.sh --nodes 3 started in KAFKA_DATA_DIR, for fault harnesses:
#   start   start it again on its own data (it rejoins the quorum and catches up)
#   stop    SIGTERM (controlled shutdown) and wait until it has exited
#   kill    SIGKILL, as a crash or a lost machine
#   pause   SIGSTOP: alive and holding its sockets, but answering nothing (a long GC pause)
#   resume  SIGCONT
#   pid     print its pid (exit 1 when it is not running)
# usage: kafka-node.sh <start|stop|kill|pause|resume|pid> <n>   (n = 1..3)
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/cluster-env.sh"
usage="usage: kafka-node.sh <start|stop|kill|pause|resume|pid> <n>"
(($# == 2)) || { echo "kafka: $usage" >&2; exit 2; }
action="$1" n="$2"
load_cluster
check_node_number "$n" || exit 2

signal() {
  node_alive "$n" || { echo "kafka: node $n is not running" >&2; exit 1; }
  kill "-$1" "$(node_pid "$n")"
}

case "$action" in
  start)
    if node_alive "$n"; then echo "kafka: node $n already running (pid $(node_pid "$n"))"; exit 0; fi
    launch_node "$n"
    echo "kafka: node $n started (pid $(node_pid "$n"), log $(node_dir "$n")/broker.log)" ;;
  stop) stop_node "$n"; echo "kafka: node $n stopped" ;;
  kill)
    signal KILL
    while node_alive "$n"; do sleep 0.05; done
    rm -f "$(node_dir "$n")/broker.pid"
    echo "kafka: node $n killed" ;;
  pause) signal STOP; echo "kafka: node $n paused" ;;
  resume) signal CONT; echo "kafka: node $n resumed" ;;
  pid) node_alive "$n" || { echo "kafka: node $n is not running" >&2; exit 1; }; node_pid "$n" ;;
  *) echo "kafka: unknown action '$action'; $usage" >&2; exit 2 ;;
esac
