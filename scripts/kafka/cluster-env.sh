# Sourced by cluster-up.sh, kafka-node.sh and kafka-down.sh: where a multi-node cluster lives and
# how one of its nodes is launched, so every script finds the same nodes from KAFKA_DATA_DIR alone.
# Layout of the run dir: cluster.env (base port, node count, jars), node-N/ with server.properties,
# data/, broker.log, stdout.log and broker.pid.
kafka_cache="${KAFKA_CACHE_DIR:-$HOME/.cache/usersvc-kafka}"
kafka_run="${KAFKA_DATA_DIR:-$kafka_cache/run}"
kafka_scripts="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

node_dir() { echo "$kafka_run/node-$1"; }
# Node n listens for clients on BASE+2(n-1) and for the quorum on the port just above.
client_port() { echo $((cluster_base_port + 2 * ($1 - 1))); }
controller_port() { echo $(($(client_port "$1") + 1)); }
node_pid() { cat "$(node_dir "$1")/broker.pid" 2>/dev/null; }
# A zombie (exited, not yet reaped by whoever adopted it) counts as gone.
running() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null && [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }
node_alive() { running "$(node_pid "$1")"; }

# Reads what cluster-up.sh recorded; fails with a message when no cluster was set up here.
load_cluster() {
  [[ -f "$kafka_run/cluster.env" ]] || { echo "kafka: no cluster in $kafka_run (run kafka-up.sh --nodes 3 with the same KAFKA_DATA_DIR)" >&2; return 1; }
  # shellcheck source=/dev/null
  source "$kafka_run/cluster.env"
}

check_node_number() {
  [[ "$1" =~ ^[0-9]+$ ]] && ((1 <= $1 && $1 <= cluster_nodes)) ||
    { echo "kafka: node must be a number from 1 to $cluster_nodes, got '$1'" >&2; return 1; }
}

# The JVM's options; KAFKA_HEAP_OPTS (as Kafka's own scripts read it) replaces the bounded default
# heap, so three brokers fit beside the tests on a small machine.
java_opts_for() {
  # shellcheck disable=SC2206
  local heap=(${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m})
  java_opts=("${heap[@]}" -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError
    -Dlog4j.configuration="file:$kafka_scripts/log4j.properties" -Dkafka.logs.dir="$1")
}

# Starts node n on the data it has (formatted by cluster-up.sh); returns at once, with its pid in
# node-n/broker.pid. Its own setsid session: a signal to the caller's process group (Ctrl-C in
# a harness) must not take the brokers down behind the harness's back.
launch_node() {
  local dir; dir="$(node_dir "$1")"
  java_opts_for "$dir"
  setsid nohup java -cp "$cluster_lib/*" "${java_opts[@]}" kafka.Kafka "$dir/server.properties" \
    </dev/null >"$dir/stdout.log" 2>&1 &
  echo $! >"$dir/broker.pid"
}

# SIGTERM (controlled shutdown), then SIGKILL after KAFKA_STOP_TIMEOUT_S (30 by default): a node
# that has lost its quorum can wait for it forever. A paused node is resumed first, or it would
# never see the SIGTERM.
stop_node() {
  local pid; pid="$(node_pid "$1")" || return 0
  if running "$pid"; then
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    local limit=$((${KAFKA_STOP_TIMEOUT_S:-30} * 10))
    for ((i = 0; i < limit; i++)); do running "$pid" || break; sleep 0.1; done
    if running "$pid"; then
      echo "kafka: node $1 (pid $pid) ignored SIGTERM for ${KAFKA_STOP_TIMEOUT_S:-30} s; killed" >&2
      kill -KILL "$pid" 2>/dev/null || true
      while running "$pid"; do sleep 0.1; done
    fi
  fi
  rm -f "$(node_dir "$1")/broker.pid"
}
