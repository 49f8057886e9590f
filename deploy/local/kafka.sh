# shellcheck shell=bash
# Kafka for the local stack, in one of three modes:
#   real       Apache Kafka (KRaft, combined broker+controller nodes: one, or
#              KAFKA_NODES) from the Maven jars cached by `./dev setup`, state
#              in .local/kafka/node-N.
#   mock       librdkafka's built-in mock cluster (tools/mock_kafka).
#   HOST:PORT  an existing cluster; only the topic is created.
# Each start function sets KAFKA_BOOTSTRAP to the cluster's address.

KAFKA_VERSION=3.9.1
KAFKA_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/session-ingest"
KAFKA_LIBS="$KAFKA_CACHE/kafka-$KAFKA_VERSION/libs"
KAFKA_DIR="$LOCAL/kafka"
KAFKA_CONFIG_DIR="$ROOT/deploy/local/kafka"
KAFKA_TOPIC=ingest.tasks
KAFKA_PARTITIONS=8
KAFKA_HEAP=(-Xms256m -Xmx512m)
KAFKA_START_SECONDS=60
KAFKA_STOP_SECONDS=30
MOCK_START_SECONDS=30

# Copies Kafka's jars from Maven Central into the cache, once. The copy goes to
# a temporary directory renamed into place only after mvn succeeded, so a
# present kafka jar means a complete set.
kafka_fetch_jars() {
  [[ -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]] && return 0
  local tmp="$KAFKA_LIBS.tmp.$$"
  log "fetching Apache Kafka $KAFKA_VERSION jars into $KAFKA_LIBS (Maven Central)"
  mkdir -p "$(dirname "$KAFKA_LIBS")"
  rm -rf "$tmp"
  if ! mvn -q -B -Dstyle.color=never -f "$ROOT/deploy/local/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$tmp.log" 2>&1; then
    tail -n 30 "$tmp.log" >&2
    rm -rf "$tmp" "$tmp.log"
    die "mvn could not fetch the Kafka jars (output above); check access to Maven Central (or a mirror in ~/.m2/settings.xml) and rerun ./dev setup"
  fi
  rm -f "$tmp.log"
  [[ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] ||
    die "mvn finished but kafka_2.13-$KAFKA_VERSION.jar is missing from $tmp"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
}

kafka_java() { # runs one of Kafka's tool classes
  java -Dlog4j.configuration="file:$KAFKA_CONFIG_DIR/tools-log4j.properties" \
    -cp "$KAFKA_LIBS/*" "$@"
}

# The cluster's size: 1 node (./dev up, bench) or 3 (./dev chaos). Set before
# kafka_start_real. Node 1 keeps the historical names (pid/log/port "kafka").
KAFKA_NODES=1

kafka_node_name() { # NODE
  if (($1 == 1)); then echo kafka; else echo "kafka-$1"; fi
}
kafka_node_dir() { echo "$KAFKA_DIR/node-$1"; }
kafka_replication() { if ((KAFKA_NODES >= 3)); then echo 3; else echo 1; fi; }
kafka_min_isr() { if ((KAFKA_NODES >= 3)); then echo 2; else echo 1; fi; }

# The port recorded for NAME by kafka_reserve_ports. port_for would pick
# another one once the node listens on it.
kafka_port() { # NAME
  [[ -s "$PORT_DIR/$1" ]] || die "no port recorded for $1 (kafka_reserve_ports first)"
  echo "$(<"$PORT_DIR/$1")"
}

# Picks free ports for every node (client and controller) before a start of
# the whole cluster; restarts of one node reuse them, so the voters agree.
kafka_reserve_ports() {
  local node name
  for ((node = 1; node <= KAFKA_NODES; node++)); do
    name="$(kafka_node_name "$node")"
    port_for "$name" >/dev/null
    port_for "$name-controller" >/dev/null
  done
}

# Prints NODE's client address, 127.0.0.1:PORT.
kafka_node_address() { echo "127.0.0.1:$(kafka_port "$(kafka_node_name "$1")")"; }

kafka_bootstrap_list() {
  local node list=()
  for ((node = 1; node <= KAFKA_NODES; node++)); do list+=("$(kafka_node_address "$node")"); done
  (IFS=,; echo "${list[*]}")
}

# Renders NODE's server.properties (ports are stable across restarts).
kafka_render_config() { # NODE
  local node="$1" name template voters=() n dir
  name="$(kafka_node_name "$node")"
  for ((n = 1; n <= KAFKA_NODES; n++)); do
    voters+=("$n@127.0.0.1:$(kafka_port "$(kafka_node_name "$n")-controller")")
  done
  dir="$(kafka_node_dir "$node")"
  template="$(<"$KAFKA_CONFIG_DIR/server.properties.template")"
  template="${template//@NODE_ID@/$node}"
  template="${template//@VOTERS@/$(IFS=,; echo "${voters[*]}")}"
  template="${template//@PORT@/$(kafka_port "$name")}"
  template="${template//@CONTROLLER_PORT@/$(kafka_port "$name-controller")}"
  template="${template//@REPLICATION@/$(kafka_replication)}"
  template="${template//@MIN_ISR@/$(kafka_min_isr)}"
  template="${template//@DATA_DIR@/$dir/data}"
  mkdir -p "$dir"
  printf '%s\n' "$template" >"$dir/server.properties"
}

# Formats NODE's storage once, with the cluster id every node shares; a
# formatted data directory is reused.
kafka_format() { # NODE
  local dir cluster_id
  dir="$(kafka_node_dir "$1")"
  [[ -f "$dir/data/meta.properties" ]] && return 0
  if [[ ! -s "$KAFKA_DIR/cluster.id" ]]; then
    cluster_id="$(kafka_java kafka.tools.StorageTool random-uuid)" ||
      die "kafka StorageTool random-uuid failed"
    echo "$cluster_id" >"$KAFKA_DIR/cluster.id"
  fi
  cluster_id="$(<"$KAFKA_DIR/cluster.id")"
  log "formatting Kafka storage of node $1 (cluster id $cluster_id)"
  kafka_java kafka.tools.StorageTool format -t "$cluster_id" \
    -c "$dir/server.properties" >"$LOG_DIR/kafka-format.log" 2>&1 || {
    show_log_tail "$LOG_DIR/kafka-format.log"
    die "formatting Kafka storage failed (log above)"
  }
}

# Removes the brokers' data so the next start begins with no topics.
kafka_wipe_data() {
  rm -rf "$KAFKA_DIR"/node-* "$KAFKA_DIR/data" "$KAFKA_DIR/cluster.id"
}

# How the topics are made once the brokers listen: a function taking the
# bootstrap list, retried until it succeeds. ./dev up sets it to
# ensure_topics_via_broker_proxy; benchmarks and chaos keep create_topic.
KAFKA_TOPIC_PROVISIONER=create_topic

# create_topic BOOTSTRAP: creates ingest.tasks if missing (idempotent).
create_topic() {
  timeout 20 "$(bin_path tools/kafka_topics/kafka_topics)" --bootstrap="$1" \
    --topic="$KAFKA_TOPIC" --partitions="$KAFKA_PARTITIONS" \
    --replication_factor="$(kafka_replication)" --min_insync_replicas="$(kafka_min_isr)" \
    >>"$LOG_DIR/kafka_topics.log" 2>&1
}

# Starts NODE's JVM in the background (no wait).
kafka_launch_node() { # NODE
  local node="$1" name dir
  name="$(kafka_node_name "$node")"
  dir="$(kafka_node_dir "$node")"
  kafka_render_config "$node"
  kafka_format "$node"
  rotate_log "$name"
  start_bg "$name" "$dir/server.properties" "$LOG_DIR/$name.log" \
    java "${KAFKA_HEAP[@]}" -XX:+UseG1GC -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true \
    -Dlog4j.configuration="file:$KAFKA_CONFIG_DIR/log4j.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties"
}

# Starts NODE again (after it was killed) and waits until its port accepts.
kafka_restart_node() { # NODE
  local name address
  name="$(kafka_node_name "$1")"
  address="$(kafka_node_address "$1")"
  kafka_launch_node "$1"
  if ! wait_until "$KAFKA_START_SECONDS" "Kafka node $1" "$name" tcp_accepts "$address"; then
    show_log_tail "$LOG_DIR/$name.log"
    die "Kafka node $1 did not listen on $address within ${KAFKA_START_SECONDS}s (log above)"
  fi
}

# Starts the real cluster (KAFKA_NODES nodes) on free ports and waits until
# it serves: every node's port accepts connections and the topic exists.
kafka_start_real() {
  need_bin tools/kafka_topics/kafka_topics
  [[ -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "Kafka jars missing from $KAFKA_LIBS; run ./dev setup"
  : >"$LOG_DIR/kafka_topics.log"
  kafka_reserve_ports
  kafka_start_cluster
}

# Starts every node on the ports kafka_reserve_ports recorded (a restart keeps
# them, so clients find the cluster where it was) and waits until it serves.
kafka_start_cluster() {
  local node bootstrap name
  for ((node = 1; node <= KAFKA_NODES; node++)); do kafka_launch_node "$node"; done
  bootstrap="$(kafka_bootstrap_list)"
  log "starting Kafka $KAFKA_VERSION (KRaft, $KAFKA_NODES node(s)) on $bootstrap"
  # Every wait shares one deadline.
  local started=$SECONDS
  for ((node = 1; node <= KAFKA_NODES; node++)); do
    name="$(kafka_node_name "$node")"
    if ! wait_until $((KAFKA_START_SECONDS - (SECONDS - started))) "Kafka node $node" "$name" \
      tcp_accepts "$(kafka_node_address "$node")"; then
      show_log_tail "$LOG_DIR/$name.log"
      die "Kafka node $node did not serve within ${KAFKA_START_SECONDS}s (log above; ./dev logs $name). If its data is damaged, ./dev down && rm -rf .local/kafka"
    fi
  done
  if ! wait_until $((KAFKA_START_SECONDS - (SECONDS - started))) "Kafka topic $KAFKA_TOPIC" kafka \
    "$KAFKA_TOPIC_PROVISIONER" "$bootstrap"; then
    show_log_tail "$LOG_DIR/kafka.log"
    show_log_tail "$LOG_DIR/kafka_topics.log" 10
    die "Kafka did not create $KAFKA_TOPIC within ${KAFKA_START_SECONDS}s (logs above; ./dev logs kafka). If its data is damaged, ./dev down && rm -rf .local/kafka"
  fi
  KAFKA_BOOTSTRAP="$bootstrap"
}

# Starts librdkafka's mock cluster and reads the address it prints.
kafka_start_mock() {
  local out="$LOCAL/mock_kafka.stdout"
  need_bin tools/mock_kafka/mock_kafka
  rotate_log mock_kafka
  rm -f "$out"
  start_bg mock_kafka "$(bin_path tools/mock_kafka/mock_kafka)" "$out" \
    "$(bin_path tools/mock_kafka/mock_kafka)" --partitions="$KAFKA_PARTITIONS"
  if ! wait_until "$MOCK_START_SECONDS" "mock Kafka" mock_kafka grep -q '^bootstrap=' "$out"; then
    show_log_tail "$LOG_DIR/mock_kafka.log"
    die "mock_kafka printed no 'bootstrap=' line within ${MOCK_START_SECONDS}s (log above)"
  fi
  local line
  line="$(grep -m 1 '^bootstrap=' "$out")"
  KAFKA_BOOTSTRAP="${line#bootstrap=}"
  log "mock Kafka cluster at $KAFKA_BOOTSTRAP"
}

# Uses an existing cluster: only makes sure the topic exists.
kafka_use_external() { # HOST:PORT
  need_bin tools/kafka_topics/kafka_topics
  : >"$LOG_DIR/kafka_topics.log"
  if ! wait_until "$KAFKA_START_SECONDS" "Kafka topic $KAFKA_TOPIC at $1" - \
    "$KAFKA_TOPIC_PROVISIONER" "$1"; then
    show_log_tail "$LOG_DIR/kafka_topics.log" 20
    die "could not create topic $KAFKA_TOPIC on $1 (log above); is the cluster reachable?"
  fi
  KAFKA_BOOTSTRAP="$1"
}

# Stops every node at once (one by one, the last ones would wait for a quorum
# that is already gone), then the mock cluster.
kafka_stop() {
  local file name pids=()
  for file in "$PID_DIR"/kafka.pid "$PID_DIR"/kafka-[0-9]*.pid; do
    [[ -f "$file" ]] || continue
    name="$(basename "$file" .pid)"
    stop_bg "$name" "$KAFKA_STOP_SECONDS" &
    pids+=($!)
  done
  ((${#pids[@]} == 0)) || wait "${pids[@]}" || true
  stop_bg mock_kafka
}
