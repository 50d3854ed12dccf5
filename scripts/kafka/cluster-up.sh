#!/usr/bin/env bash
# Starts a three-node Apache Kafka cluster on 127.0.0.1 (KRaft: each node broker and controller,
# a quorum of three voters) with the settings production runs: replication factor 3,
# min.insync.replicas 2, unclean leader election off, the offsets and transaction-state topics
# replicated the same way. Client ports BASE, BASE+2, BASE+4 (KAFKA_PORT, 9092 by default),
# controller ports one above each. Each node has its own folder under KAFKA_DATA_DIR; kafka-node.sh
# stops, kills, pauses and restarts one of them. Waits until a transaction commits with all three
# in sync; on failure prints the failing node's own log and exits 1.
#   usage: kafka-up.sh --nodes 3 [--base-port PORT]   (kafka-up.sh hands over to this script,
#   which has read --base-port into KAFKA_PORT; called directly, it takes --base-port too)
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/cluster-env.sh"
while (($#)); do
  case "$1" in
    --base-port) export KAFKA_PORT="${2:-}"; shift 2 || { echo "kafka: --base-port needs a port" >&2; exit 2; } ;;
    --nodes) [[ "${2:-}" == 3 ]] || { echo "kafka: cluster-up.sh starts 3 nodes, got --nodes '${2:-}'" >&2; exit 2; }; shift 2 ;;
    *) echo "kafka: unknown argument '$1'; usage: cluster-up.sh [--base-port PORT]" >&2; exit 2 ;;
  esac
done
cluster_nodes=3
cluster_base_port="${KAFKA_PORT:-9092}"
[[ "$cluster_base_port" =~ ^[0-9]+$ ]] && ((1024 <= cluster_base_port && cluster_base_port <= 65530)) ||
  { echo "kafka: the base port must be a number from 1024 to 65530, got '$cluster_base_port'" >&2; exit 2; }
started=$(date +%s%N)

brokers() { local list=() n; for ((n = 1; n <= cluster_nodes; n++)); do list+=("127.0.0.1:$(client_port "$n")"); done; (IFS=,; echo "${list[*]}"); }
pids() { local list=() n; for ((n = 1; n <= cluster_nodes; n++)); do list+=("$(node_pid "$n")"); done; (IFS=,; echo "${list[*]}"); }
KAFKAJS_FROM="$(bash "$kafka_scripts/probe-deps.sh")"
export KAFKAJS_FROM
probe() { node "$kafka_scripts/wait-for-broker.js" "$(brokers)" "$@"; }
report() {
  local n; echo "kafka: bootstrap $(brokers)"
  for ((n = 1; n <= cluster_nodes; n++)); do
    echo "kafka: node $n on 127.0.0.1:$(client_port "$n") (controller $(controller_port "$n")), pid $(node_pid "$n"), log $(node_dir "$n")/broker.log"
  done
}

if [[ -f "$kafka_run/cluster.env" ]] && (source "$kafka_run/cluster.env" && [[ $cluster_base_port == "${KAFKA_PORT:-9092}" ]]) &&
  node_alive 1 && node_alive 2 && node_alive 3 && probe --timeout-ms 10000 >/dev/null 2>&1; then
  echo "kafka: cluster already running"; report; exit 0
fi

cluster_lib="$(bash "$kafka_scripts/fetch-jars.sh")"
# A clean cluster each start, as for one node; KAFKA_KEEP_DATA=1 restarts on the last run's data.
bash "$kafka_scripts/kafka-down.sh" >/dev/null 2>&1 || true
keep=false
if [[ "${KAFKA_KEEP_DATA:-0}" == 1 && -f "$(node_dir 1)/data/meta.properties" ]]; then keep=true; else rm -rf "$kafka_run"; fi
mkdir -p "$kafka_run"
printf 'cluster_nodes=%q\ncluster_base_port=%q\ncluster_lib=%q\n' "$cluster_nodes" "$cluster_base_port" "$cluster_lib" >"$kafka_run/cluster.env"

# Another process on one of our ports would answer in a node's place, or stop it from starting.
for ((n = 1; n <= cluster_nodes; n++)); do
  for port in "$(client_port "$n")" "$(controller_port "$n")"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "kafka: 127.0.0.1:$port already answers; stop whatever listens there or choose another --base-port" >&2; exit 1
    fi
  done
done

voters=""
for ((n = 1; n <= cluster_nodes; n++)); do voters+="${voters:+,}$n@127.0.0.1:$(controller_port "$n")"; done
for ((n = 1; n <= cluster_nodes; n++)); do
  dir="$(node_dir "$n")"; mkdir -p "$dir/data"
  cat >"$dir/server.properties" <<PROPS
node.id=$n
process.roles=broker,controller
listeners=PLAINTEXT://127.0.0.1:$(client_port "$n"),CONTROLLER://127.0.0.1:$(controller_port "$n")
advertised.listeners=PLAINTEXT://127.0.0.1:$(client_port "$n")
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.quorum.voters=$voters
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
# What production runs: an acknowledged write (acks=all) is on at least two nodes, and a replica
# that missed writes never becomes leader.
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
offsets.topic.replication.factor=3
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
transaction.state.log.num.partitions=3
# No waiting for more members before the first rebalance; no topics made by accident.
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
# Three brokers share two cores with the tests: fewer request threads than the defaults (3, 8).
num.network.threads=2
num.io.threads=4
PROPS
done

if [[ $keep == false ]]; then
  java_opts_for "$kafka_run"
  # What StorageTool random-uuid prints (16 random bytes, base64url), without a JVM start.
  cluster_id="$(node -e "let id; do id = require('crypto').randomBytes(16).toString('base64url'); while (id.startsWith('-')); console.log(id)")"
  for ((n = 1; n <= cluster_nodes; n++)); do
    java -cp "$cluster_lib/*" "${java_opts[@]}" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$(node_dir "$n")/server.properties" >"$(node_dir "$n")/format.log" 2>&1 &
  done
  for ((n = 1; n <= cluster_nodes; n++)); do
    wait -n || { cat "$kafka_run"/node-*/format.log >&2; exit 1; }
  done
fi

echo "kafka: starting a $cluster_nodes-node Apache Kafka $(basename "$cluster_lib"/kafka_2.13-*.jar .jar | sed 's/kafka_2.13-//') cluster"
for ((n = 1; n <= cluster_nodes; n++)); do launch_node "$n"; done

if ! probe --expect "$cluster_nodes" --timeout-ms "${KAFKA_START_TIMEOUT_MS:-120000}" --pids "$(pids)"; then
  # The node that died is the one to read; when none died, all of them are.
  failed=()
  for ((n = 1; n <= cluster_nodes; n++)); do node_alive "$n" || failed+=("$n"); done
  ((${#failed[@]})) || failed=($(seq 1 "$cluster_nodes"))
  for n in "${failed[@]}"; do
    echo "kafka: node $n did not become ready; its log ($(node_dir "$n")) says:" >&2
    tail -n 40 "$(node_dir "$n")/broker.log" "$(node_dir "$n")/stdout.log" >&2 || true
  done
  bash "$kafka_scripts/kafka-down.sh" >/dev/null 2>&1 || true
  exit 1
fi
report
echo "kafka: cluster ready in $((($(date +%s%N) - started) / 1000000)) ms (data in $kafka_run)"
