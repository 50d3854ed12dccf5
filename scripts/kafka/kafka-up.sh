#!/usr/bin/env bash
# Starts a single-node Apache Kafka broker (KRaft: broker and controller in one JVM) on
# 127.0.0.1:${KAFKA_PORT:-9092}, fetching Kafka from Maven Central the first time, and waits
# until it accepts requests (topics, produce, consume, transactions). Idempotent: a broker this
# script started and that still answers is left running. On failure it prints the broker's own
# log and exits 1, so CI fails with the broker's error.
#   usage: kafka-up.sh [--nodes 1|3] [--base-port PORT]
# --nodes 3 starts a three-node cluster instead (cluster-up.sh); --base-port is KAFKA_PORT.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
nodes=1
while (($#)); do
  case "$1" in
    --nodes) nodes="${2:-}"; shift 2 || { echo "kafka: --nodes needs a value (1 or 3)" >&2; exit 2; } ;;
    --base-port) export KAFKA_PORT="${2:-}"; shift 2 || { echo "kafka: --base-port needs a port" >&2; exit 2; } ;;
    *) echo "kafka: unknown argument '$1'; usage: kafka-up.sh [--nodes 1|3] [--base-port PORT]" >&2; exit 2 ;;
  esac
done
case "$nodes" in
  1) ;;
  3) exec bash "$here/cluster-up.sh" ;;
  *) echo "kafka: --nodes must be 1 or 3 (a quorum of three voters), got '$nodes'" >&2; exit 2 ;;
esac
root="$(cd "$here/../.." && pwd)"
cache="${KAFKA_CACHE_DIR:-$HOME/.cache/usersvc-kafka}"
run="${KAFKA_DATA_DIR:-$cache/run}"
port="${KAFKA_PORT:-9092}"
controller_port=$((port + 1))
pidfile="$run/broker.pid"

KAFKAJS_FROM="$(bash "$here/probe-deps.sh")"
export KAFKAJS_FROM
probe() { node "$here/wait-for-broker.js" "127.0.0.1:$port" "$@"; }

if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && probe --timeout-ms 5000 >/dev/null 2>&1; then
  echo "kafka: broker already running on 127.0.0.1:$port (pid $(cat "$pidfile"))"
  exit 0
fi

lib="$(bash "$here/fetch-jars.sh")"

# A clean broker each start, so tests never see an earlier run's topics; KAFKA_KEEP_DATA=1
# restarts on the data of the last run instead (the fault tests stop and restart a broker).
"$here/kafka-down.sh" >/dev/null 2>&1 || true
keep=false
if [[ "${KAFKA_KEEP_DATA:-0}" == 1 && -f "$run/data/meta.properties" ]]; then keep=true; else rm -rf "$run"; fi
mkdir -p "$run/data"
cat > "$run/server.properties" <<PROPS
node.id=1
process.roles=broker,controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.quorum.voters=1@127.0.0.1:$controller_port
inter.broker.listener.name=PLAINTEXT
log.dirs=$run/data
# One broker: the internal topics can have one replica only.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
# No waiting for more members before the first rebalance; no topics made by accident.
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
# The log cleaner looks for work every second (default 15 s): the erasure test forces the
# compaction of users.keys and waits for the destroyed key's record to leave it.
log.cleaner.backoff.ms=1000
PROPS

# Another broker on our port would answer our readiness probe and take our place unnoticed.
if probe --timeout-ms 1000 >/dev/null 2>&1; then
  echo "kafka: 127.0.0.1:$port already answers, but not from the broker of $pidfile; stop that one first" >&2
  exit 1
fi

# shellcheck disable=SC2206 # KAFKA_HEAP_OPTS, as Kafka's own scripts read it, replaces the bounded default heap.
heap=(${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m})
java_opts=("${heap[@]}" -XX:+UseG1GC -Dlog4j.configuration="file:$here/log4j.properties" -Dkafka.logs.dir="$run")
if [[ $keep == false ]]; then
  cluster_id="$(java -cp "$lib/*" "${java_opts[@]}" kafka.tools.StorageTool random-uuid)"
  java -cp "$lib/*" "${java_opts[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$run/server.properties" >"$run/format.log" 2>&1 ||
    { cat "$run/format.log" >&2; exit 1; }
fi

echo "kafka: starting Apache Kafka $(basename "$lib"/kafka_2.13-*.jar .jar | sed 's/kafka_2.13-//') on 127.0.0.1:$port"
nohup java -cp "$lib/*" "${java_opts[@]}" kafka.Kafka "$run/server.properties" >"$run/stdout.log" 2>&1 &
echo $! >"$pidfile"

if ! probe --timeout-ms 90000 --pid "$(cat "$pidfile")"; then
  echo "kafka: the broker did not become ready; its log says:" >&2
  tail -n 60 "$run/broker.log" "$run/stdout.log" >&2 || true
  "$here/kafka-down.sh" >/dev/null 2>&1 || true
  exit 1
fi
echo "kafka: ready on 127.0.0.1:$port (pid $(cat "$pidfile"), data in $run)"
