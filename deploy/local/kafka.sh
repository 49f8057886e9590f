# shellcheck shell=bash
# Kafka for the local stack, in one of three modes:
#   real       Apache Kafka (KRaft, one combined broker+controller node) from
#              the Maven jars cached by `./dev setup`, state in .local/kafka.
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

# Renders server.properties for the given ports.
kafka_render_config() { # PORT CONTROLLER_PORT
  local template
  template="$(<"$KAFKA_CONFIG_DIR/server.properties.template")"
  template="${template//@PORT@/$1}"
  template="${template//@CONTROLLER_PORT@/$2}"
  template="${template//@DATA_DIR@/$KAFKA_DIR/data}"
  mkdir -p "$KAFKA_DIR"
  printf '%s\n' "$template" >"$KAFKA_DIR/server.properties"
}

# Formats the storage once; a formatted data directory is reused.
kafka_format() {
  [[ -f "$KAFKA_DIR/data/meta.properties" ]] && return 0
  local cluster_id
  cluster_id="$(kafka_java kafka.tools.StorageTool random-uuid)" ||
    die "kafka StorageTool random-uuid failed"
  log "formatting Kafka storage (cluster id $cluster_id)"
  kafka_java kafka.tools.StorageTool format -t "$cluster_id" \
    -c "$KAFKA_DIR/server.properties" >"$LOG_DIR/kafka-format.log" 2>&1 || {
    show_log_tail "$LOG_DIR/kafka-format.log"
    die "formatting Kafka storage failed (log above)"
  }
}

# Removes the broker's data so the next start begins with no topics.
kafka_wipe_data() {
  rm -rf "$KAFKA_DIR/data"
}

# create_topic BOOTSTRAP: creates ingest.tasks if missing (idempotent).
create_topic() {
  timeout 20 "$(bin_path tools/kafka_topics/kafka_topics)" --bootstrap="$1" \
    --topic="$KAFKA_TOPIC" --partitions="$KAFKA_PARTITIONS" --replication_factor=1 \
    >>"$LOG_DIR/kafka_topics.log" 2>&1
}

# Starts the real broker and waits until it serves: its port accepts
# connections and the topic exists.
kafka_start_real() {
  local port cport bootstrap
  need_bin tools/kafka_topics/kafka_topics
  [[ -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "Kafka jars missing from $KAFKA_LIBS; run ./dev setup"
  port="$(port_for kafka)"
  cport="$(port_for kafka-controller)"
  bootstrap="127.0.0.1:$port"
  kafka_render_config "$port" "$cport"
  kafka_format
  rotate_log kafka
  : >"$LOG_DIR/kafka_topics.log"
  start_bg kafka "$KAFKA_DIR/server.properties" "$LOG_DIR/kafka.log" \
    java "${KAFKA_HEAP[@]}" -XX:+UseG1GC -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true \
    -Dlog4j.configuration="file:$KAFKA_CONFIG_DIR/log4j.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_DIR/server.properties"
  log "starting Kafka $KAFKA_VERSION (KRaft) on $bootstrap"
  # Both waits share one deadline.
  local started=$SECONDS
  if ! wait_until "$KAFKA_START_SECONDS" "Kafka port" kafka tcp_accepts "$bootstrap" ||
    ! wait_until $((KAFKA_START_SECONDS - (SECONDS - started))) "Kafka topic $KAFKA_TOPIC" kafka \
      create_topic "$bootstrap"; then
    show_log_tail "$LOG_DIR/kafka.log"
    show_log_tail "$LOG_DIR/kafka_topics.log" 10
    die "Kafka did not serve within ${KAFKA_START_SECONDS}s (logs above; ./dev logs kafka). If its data is damaged, ./dev down && rm -rf .local/kafka"
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
  if ! wait_until "$KAFKA_START_SECONDS" "Kafka topic $KAFKA_TOPIC at $1" - create_topic "$1"; then
    show_log_tail "$LOG_DIR/kafka_topics.log" 20
    die "could not create topic $KAFKA_TOPIC on $1 (log above); is the cluster reachable?"
  fi
  KAFKA_BOOTSTRAP="$1"
}

kafka_stop() {
  stop_bg kafka "$KAFKA_STOP_SECONDS"
  stop_bg mock_kafka
}
