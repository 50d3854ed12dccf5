#!/usr/bin/env bash
# Start a single-node Apache Kafka broker (KRaft: one JVM that is both broker and
# controller) on 127.0.0.1:${KAFKA_PORT:-9092} for tests and CI. No Docker, no
# tarball download: the broker's jars come from Maven Central through kafka/pom.xml
# and are cached outside the repo. See kafka/README.md.
#
# Exit 0 once the broker answers a real admin + transactional-producer probe
# (kafka/wait-for-broker.js); exit 1 otherwise, with the broker's own log tail
# on stderr so CI shows why.
set -euo pipefail

# Wall-clock start, for the "ready after N s" line (EPOCHREALTIME: bash 5+).
T0="${EPOCHREALTIME:-}"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$SCRIPT_DIR/pom.xml"

# --- settings (env overridable) ------------------------------------------------
CACHE_DIR="${KAFKA_CACHE_DIR:-$HOME/.cache/user-service-kafka}"
LIB_DIR="$CACHE_DIR/lib"
# Keep DATA_DIR / PID_FILE in sync with kafka-down.sh.
DATA_DIR="${KAFKA_DATA_DIR:-$CACHE_DIR/run}"
PID_FILE="$DATA_DIR/broker.pid"
LOG_FILE="$DATA_DIR/broker.log"
HOST=127.0.0.1
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT=$((PORT + 1))
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
# 512 MiB is plenty for a test broker (the official start script defaults to 1 GiB).
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
# Marker that says "this directory was made by kafka-up.sh": we only ever wipe a
# data dir that has it, so a mistyped KAFKA_DATA_DIR=$HOME cannot be rm -rf'd.
MARKER=".user-service-kafka-data"

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")"

log() { echo "kafka-up: $*"; }
die() { echo "kafka-up: ERROR: $*" >&2; exit 1; }

# Java from JAVA_HOME if set, like Kafka's own scripts.
JAVA="java"
if [[ -n "${JAVA_HOME:-}" ]]; then JAVA="$JAVA_HOME/bin/java"; fi
command -v "$JAVA" >/dev/null 2>&1 || die "java not found (need Java 11+; set JAVA_HOME)"
command -v node >/dev/null 2>&1 || die "node not found (needed for kafka/wait-for-broker.js)"

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi  # macOS
}

# Is the pid in PID_FILE alive *and* our kafka.Kafka JVM (not a recycled pid)?
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  ps -p "$pid" -o args= 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

# Process alive? Not `kill -0`: a broker that died while this script (its
# parent) is still running stays a zombie, and kill -0 succeeds on zombies.
alive() {
  local stat
  stat="$(ps -p "$1" -o stat= 2>/dev/null)" || return 1
  [[ -n "$stat" && "$stat" != Z* ]]
}

# Something (anything) accepting TCP on HOST:$1? Uses bash's /dev/tcp, no nc needed.
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# One probe run, bounded in time so a half-alive broker cannot hang the loop.
probe_once() {
  local t=()
  if command -v timeout >/dev/null 2>&1; then t=(timeout 45); fi
  KAFKA_PORT="$PORT" ${t[@]+"${t[@]}"} node "$SCRIPT_DIR/wait-for-broker.js" "$HOST:$PORT" 2>"$DATA_DIR/probe.err"
}

show_log_tail() {
  if [[ -s "$DATA_DIR/probe.err" ]]; then
    echo "--- last probe error ---" >&2
    cat "$DATA_DIR/probe.err" >&2
  fi
  echo "--- last 60 lines of $LOG_FILE ---" >&2
  tail -n 60 "$LOG_FILE" >&2 2>/dev/null || echo "(no broker log)" >&2
  echo "--- end of broker log ---" >&2
}

# Poll until the probe passes. Fails if the JVM dies or START_TIMEOUT passes.
wait_ready() {
  local pid="$1" started=$SECONDS next_note=$((SECONDS + 5))
  while true; do
    if ! alive "$pid"; then
      show_log_tail
      die "broker process $pid exited during startup (log: $LOG_FILE)"
    fi
    if probe_once; then
      return 0
    fi
    if (( SECONDS - started >= START_TIMEOUT )); then
      show_log_tail
      # A broker that is up but not serving would make the next kafka-up.sh
      # "reuse" it; stop it so reruns start clean.
      kill -TERM "$pid" 2>/dev/null || true
      rm -f "$PID_FILE"
      die "broker not ready after ${START_TIMEOUT}s; stopped it (log: $LOG_FILE)"
    fi
    if (( SECONDS >= next_note )); then
      log "  ...waiting for broker on $HOST:$PORT ($((SECONDS - started))s)"
      next_note=$((SECONDS + 5))
    fi
    sleep 1
  done
}

# --- 1. already running? ---------------------------------------------------------
if pid="$(running_pid)"; then
  log "broker already running (pid $pid), checking it answers..."
  wait_ready "$pid"
  log "Kafka $KAFKA_VERSION already running on $HOST:$PORT (pid $pid); nothing to do"
  exit 0
fi
rm -f "$PID_FILE"  # stale pid file from a crashed/killed broker, if any

# Fail early and clearly instead of letting the JVM die with BindException.
for p in "$PORT" "$CONTROLLER_PORT"; do
  if port_open "$p"; then
    die "port $HOST:$p is already in use by another process (not a broker started by this script); stop it or set KAFKA_PORT"
  fi
done

# --- 2. fetch the broker jars (first run, or after pom.xml changed) ---------------
mkdir -p "$CACHE_DIR"
POM_HASH="$(sha256 "$POM")"
if [[ ! -d "$LIB_DIR" || "$(cat "$CACHE_DIR/pom.sha256" 2>/dev/null || true)" != "$POM_HASH" ]]; then
  command -v mvn >/dev/null 2>&1 || die "mvn not found (needed once to fetch Kafka from Maven Central)"
  log "fetching Apache Kafka $KAFKA_VERSION from Maven Central (first run only)..."
  # Copy into a temp dir and rename, so an interrupted fetch never leaves a
  # half-filled lib/ that later runs would trust. KAFKA_MVN_OPTS lets CI add
  # e.g. -Dmaven.repo.local=... ; output goes to a file because Maven prints
  # stray ANSI codes even with -q -B.
  rm -rf "$LIB_DIR.tmp"
  # shellcheck disable=SC2086  # KAFKA_MVN_OPTS is a list of words on purpose
  if ! mvn -B -q -f "$POM" ${KAFKA_MVN_OPTS:-} dependency:copy-dependencies \
        -DoutputDirectory="$LIB_DIR.tmp" >"$CACHE_DIR/mvn.log" 2>&1; then
    tail -n 40 "$CACHE_DIR/mvn.log" >&2
    die "maven could not fetch Kafka (full output: $CACHE_DIR/mvn.log)"
  fi
  rm -rf "$LIB_DIR"
  mv "$LIB_DIR.tmp" "$LIB_DIR"
  echo "$POM_HASH" >"$CACHE_DIR/pom.sha256"
fi
CLASSPATH_GLOB="$LIB_DIR/*"  # the JVM expands dir/* itself; keep it quoted

# --- 3. data dir: wiped on every start unless KAFKA_KEEP_DATA=1 -------------------
if [[ "${KAFKA_KEEP_DATA:-0}" != "1" && -d "$DATA_DIR" ]]; then
  if [[ -f "$DATA_DIR/$MARKER" || -z "$(ls -A "$DATA_DIR")" ]]; then
    rm -rf "$DATA_DIR"
  else
    die "refusing to wipe $DATA_DIR: it was not created by kafka-up.sh (no $MARKER file)"
  fi
fi
mkdir -p "$DATA_DIR/kraft-logs"
touch "$DATA_DIR/$MARKER"
if [[ -f "$LOG_FILE" ]]; then mv -f "$LOG_FILE" "$LOG_FILE.1"; fi  # only with KEEP_DATA

# --- 4. config (rewritten every start so KAFKA_PORT changes apply) -----------------
cat >"$DATA_DIR/server.properties" <<EOF
# Generated by kafka/kafka-up.sh on every start: edit the script, not this file.
# One JVM is both the KRaft controller (metadata quorum of one) and the broker.
node.id=1
process.roles=broker,controller
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR/kraft-logs

# Single node: every replication factor / ISR must be 1 or internal topics
# (__consumer_offsets, __transaction_state) can never be created.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# 50 partitions each by default; a handful is enough here and makes the first
# consumer group / first transaction noticeably quicker to set up.
offsets.topic.num.partitions=3
transaction.state.log.num.partitions=3

# Tests: no 3 s wait before the first consumer-group rebalance, and topics must
# be created explicitly (a typo in a topic name should fail, not auto-create).
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=1

# Small machine: fewer threads than the defaults (3 network / 8 io).
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
EOF

# log4j 1.x (reload4j) config: everything to stdout, which is broker.log.
# Without it the JVM prints "log4j:WARN No appenders could be found" and logs nothing.
cat >"$DATA_DIR/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
# Same quieting as Kafka's shipped config/log4j.properties.
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
log4j.logger.kafka.controller=INFO
log4j.logger.state.change.logger=INFO
log4j.logger.kafka.authorizer.logger=INFO
# Dumps every config value at startup (~300 lines each, several times).
log4j.logger.org.apache.kafka.common.config.AbstractConfig=WARN
log4j.logger.kafka.server.KafkaConfig=WARN
EOF

JVM_OPTS=(
  $HEAP_OPTS  # intentionally split into words, like Kafka's KAFKA_HEAP_OPTS
  # Kafka's own defaults from bin/kafka-run-class.sh.
  -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
  -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
  "-Dlog4j.configuration=file:$DATA_DIR/log4j.properties"
  "-Dkafka.logs.dir=$DATA_DIR"
)
# shellcheck disable=SC2206  # KAFKA_OPTS: extra JVM flags, split on spaces
JVM_OPTS+=(${KAFKA_OPTS:-})

# --- 5. format storage (new random cluster id) ---------------------------------------
# Static quorum (controller.quorum.voters), so no --standalone: that flag (3.9+)
# is for the dynamic-quorum setup with controller.quorum.bootstrap.servers.
if [[ ! -f "$DATA_DIR/kraft-logs/meta.properties" ]]; then
  # Kafka cluster ids are 16 random bytes in URL-safe base64 without padding.
  # Re-roll ids starting with '-', which the CLI parser would take for a flag.
  while :; do
    CLUSTER_ID="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$CLUSTER_ID" != -* ]] && break
  done
  if ! "$JAVA" -Xmx256m "-Dlog4j.configuration=file:$DATA_DIR/log4j.properties" \
        -cp "$CLASSPATH_GLOB" kafka.tools.StorageTool format \
        -t "$CLUSTER_ID" -c "$DATA_DIR/server.properties" >"$DATA_DIR/format.log" 2>&1; then
    cat "$DATA_DIR/format.log" >&2
    die "kafka.tools.StorageTool format failed"
  fi
fi

# --- 6. start ---------------------------------------------------------------------------
# nohup + all three std streams redirected: the broker must outlive this script
# and must not hold the caller's stdout open (e.g. `$(kafka-up.sh)` or `| tee`
# would otherwise hang until the broker exits).
nohup "$JAVA" "${JVM_OPTS[@]}" -cp "$CLASSPATH_GLOB" kafka.Kafka "$DATA_DIR/server.properties" \
  </dev/null >"$LOG_FILE" 2>&1 &
BROKER_PID=$!
echo "$BROKER_PID" >"$PID_FILE"
log "starting Kafka $KAFKA_VERSION (KRaft) on $HOST:$PORT, pid $BROKER_PID, data $DATA_DIR"

# --- 7. wait until it really serves requests ---------------------------------------------
wait_ready "$BROKER_PID"
if [[ -n "$T0" ]]; then
  TOOK="$(LC_ALL=C awk -v a="${T0/,/.}" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.1f", b - a }')"
else
  TOOK="$SECONDS"
fi
log "Kafka $KAFKA_VERSION ready on $HOST:$PORT after ${TOOK}s (pid $BROKER_PID; log $LOG_FILE)"
