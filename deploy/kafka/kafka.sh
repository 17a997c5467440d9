#!/usr/bin/env bash
# Fetches Apache Kafka's broker jars from Maven Central and runs a real
# single-node KRaft broker (broker + controller in one JVM) on Java 17.
#   deploy/kafka/kafka.sh fetch|start|stop|restart|status
# Safe to call twice: fetch reuses lib/, start returns at once if the broker answers.
# Env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_DATA (data dir),
#      KAFKA_HEAP (-Xmx), KAFKA_VERSION (overrides the pom's version).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
port="${KAFKA_PORT:-9092}"
cport="${KAFKA_CONTROLLER_PORT:-9093}"
data="${KAFKA_DATA:-$here/data}"
lib="$here/lib"
pidfile="$data/broker.pid"
log="$data/broker.log"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

fetch() {
  local stamp="$lib/.complete-${KAFKA_VERSION:-pom}"
  [ -f "$stamp" ] && return 0
  echo "kafka: resolving broker jars from Maven Central" >&2
  rm -rf "$lib" && mkdir -p "$lib"
  local extra=()
  [ -n "${KAFKA_VERSION:-}" ] && extra+=("-Dkafka.version=$KAFKA_VERSION")
  mvn -q -B -f "$here/pom.xml" "${extra[@]}" dependency:copy-dependencies \
    -DoutputDirectory="$lib" -DincludeScope=runtime >&2
  touch "$stamp"
}

write_config() {
  mkdir -p "$data/logs"
  cat >"$data/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data/logs
num.partitions=6
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPS
  cat >"$data/log4j2.properties" <<PROPS
rootLogger.level=WARN
rootLogger.appenderRef.stdout.ref=STDOUT
appender.stdout.type=Console
appender.stdout.name=STDOUT
appender.stdout.layout.type=PatternLayout
appender.stdout.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka
logger.kafka.level=INFO
PROPS
}

java_cmd() {
  java ${KAFKA_HEAP:--Xmx512m -Xms256m} -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$data/log4j2.properties" -cp "$lib/*" "$@"
}

start() {
  if listening; then echo "kafka: already listening on 127.0.0.1:$port" >&2; return 0; fi
  fetch
  write_config
  if [ ! -f "$data/logs/meta.properties" ]; then
    java_cmd kafka.tools.StorageTool format --standalone -t "$(java_cmd kafka.tools.StorageTool random-uuid)" \
      -c "$data/server.properties" >&2
  fi
  # setsid: the broker outlives the shell that started it (tests, CI steps) until `stop`.
  setsid java ${KAFKA_HEAP:--Xmx512m -Xms256m} -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$data/log4j2.properties" -cp "$lib/*" kafka.Kafka "$data/server.properties" \
    >>"$log" 2>&1 < /dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 120); do
    if listening; then echo "kafka: broker up on 127.0.0.1:$port (pid $(cat "$pidfile"))" >&2; return 0; fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "kafka: broker exited; last log lines:" >&2; tail -n 30 "$log" >&2; return 1; fi
    sleep 0.5
  done
  echo "kafka: broker did not listen within 60 s; see $log" >&2
  return 1
}

stop() {
  [ -f "$pidfile" ] || { echo "kafka: not running" >&2; return 0; }
  local pid; pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$pidfile"
  for _ in $(seq 1 20); do listening || break; sleep 0.25; done
  echo "kafka: stopped" >&2
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) if listening; then echo "up"; else echo "down"; exit 1; fi ;;
  reset) stop; rm -rf "$data" ;;
  *) echo "usage: $0 fetch|start|stop|restart|status|reset" >&2; exit 2 ;;
esac
