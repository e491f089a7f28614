#!/usr/bin/env bash
# The real services of the event-stream tests, on 127.0.0.1 only:
#   - Apache Kafka 4.x, one KRaft node (broker and controller), from Maven Central's artifacts
#     (.ci/kafka/pom.xml), run with the machine's Java;
#   - FerretDB 1.24 with its SQLite backend (a MongoDB-wire server), built from the Go module proxy
#     through the wrapper module .ci/ferretdb (FerretDB's own command panics when built that way);
#   - kcat (Debian package) for the publish benchmark's peer.
#
#   eval "$(bash .ci/services.sh start)"   installs what is missing (cached in ~/.cache/ewmda-ci), starts
#                                         both, waits until they answer, prints the `export` lines
#                                         (EWMDA_KAFKA, EWMDA_MONGO) the tests and the benchmark read
#   bash .ci/services.sh stop              stops both and removes their data
#
# For the fault tests (a private broker they can kill):
#   bash .ci/services.sh kafka-start DIR PORT   start (formatting DIR on first use) a broker on PORT (+1 for its controller)
#   bash .ci/services.sh kafka-kill DIR         SIGKILL it, keeping its data (a crash)
#   bash .ci/services.sh kafka-stop DIR         stop it and remove DIR
#
# Logs go to standard error; standard output carries only the export lines.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${EWMDA_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ewmda-ci}"
STATE="${EWMDA_SERVICES_DIR:-${TMPDIR:-/tmp}/ewmda-services}"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/kafka/pom.xml")"
KAFKA_LIBS="$CACHE/kafka-$KAFKA_VERSION/libs"
KAFKA_PORT="${EWMDA_KAFKA_PORT:-9092}"
MONGO_PORT="${EWMDA_MONGO_PORT:-27017}"
FERRETDB_BIN="$CACHE/bin/ewmda-ferretdb"

log() { echo "services: $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Waits up to $2 seconds for $1 (a command) to succeed.
wait_for() {
  local what="$1" seconds="$2" i
  for ((i = 0; i < seconds * 5; i++)); do
    if eval "$what"; then return 0; fi
    sleep 0.2
  done
  return 1
}

# Debian packages, when missing and this runs as root on a Debian-like system (CI); otherwise a message.
apt_install() {
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    log "missing: $* (install them, or run as root on Debian so this script can)"; return 1
  fi
  log "installing Debian packages: $*"
  if [[ -z "${APT_UPDATED:-}" ]]; then apt-get update -qq >&2; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# Java 17 or newer (Kafka 4 needs 17).
need_java() {
  local major
  if ! command -v java >/dev/null; then apt_install default-jre-headless; fi
  major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
  if [[ -z "$major" || "$major" -lt 17 ]]; then log "Java 17 or newer is needed (found ${major:-none})"; return 1; fi
}

# A Go of 1.21 or newer (it fetches the go.mod's toolchain through the proxy itself); otherwise the Go
# toolchain of the go.mod's version from the Go module proxy (golang.org/toolchain), kept in the cache.
GO_TOOLCHAIN_VERSION="${EWMDA_GO_TOOLCHAIN:-1.24.11}"
GO=go
need_go() {
  local v arch dir zip
  if command -v go >/dev/null; then
    v="$(go env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9]*\).*/\1/p')"
    if [[ -n "$v" && "$v" -ge 21 ]]; then GO=go; return 0; fi
  fi
  case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; *) log "no Go toolchain for $(uname -m)"; return 1 ;; esac
  dir="$CACHE/go-toolchain/go$GO_TOOLCHAIN_VERSION.linux-$arch"
  if [[ ! -x "$dir/bin/go" ]]; then
    command -v curl >/dev/null || apt_install curl ca-certificates
    command -v unzip >/dev/null || apt_install unzip
    log "downloading Go $GO_TOOLCHAIN_VERSION from the Go module proxy (golang.org/toolchain)"
    zip="$CACHE/go-toolchain/toolchain.zip"
    mkdir -p "$CACHE/go-toolchain" && rm -rf "$dir.tmp"
    curl -fsSL -o "$zip" "${GOPROXY_URL:-https://proxy.golang.org}/golang.org/toolchain/@v/v0.0.1-go$GO_TOOLCHAIN_VERSION.linux-$arch.zip"
    unzip -q "$zip" -d "$dir.tmp"
    rm -rf "$dir" && mv "$dir.tmp/golang.org/toolchain@v0.0.1-go$GO_TOOLCHAIN_VERSION.linux-$arch" "$dir"
    rm -rf "$dir.tmp" "$zip"
    chmod +x "$dir/bin/"* "$dir/pkg/tool/"*/* 2>/dev/null || true
  fi
  GO="$dir/bin/go"
}

install_kafka() {
  if [[ -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]]; then return 0; fi
  command -v mvn >/dev/null || apt_install maven
  log "downloading Apache Kafka $KAFKA_VERSION and its runtime dependencies from Maven Central"
  rm -rf "$KAFKA_LIBS.tmp"
  mvn -q -B -f "$HERE/kafka/pom.xml" -Dmaven.repo.local="$CACHE/m2" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS.tmp" >&2
  rm -rf "$KAFKA_LIBS" && mv "$KAFKA_LIBS.tmp" "$KAFKA_LIBS"
}

install_ferretdb() {
  local stamp="$CACHE/bin/ewmda-ferretdb.sum" sum
  sum="$(cat "$HERE/ferretdb/go.mod" "$HERE/ferretdb/go.sum" "$HERE/ferretdb/main.go" | sha256sum | cut -c1-64)"
  if [[ -x "$FERRETDB_BIN" && -f "$stamp" && "$(cat "$stamp")" == "$sum" ]]; then return 0; fi
  need_go
  log "building FerretDB (SQLite backend) from the Go module proxy"
  mkdir -p "$CACHE/bin"
  (cd "$HERE/ferretdb" && GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0 \
    "$GO" build -o "$FERRETDB_BIN.tmp" . >&2)
  mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  echo "$sum" > "$stamp"
}

install_kcat() {
  if command -v kcat >/dev/null; then return 0; fi
  log "installing kcat (Debian package) for the benchmark"
  if ! apt_install kcat; then
    log "kcat could not be installed: the benchmark will skip its peer figures"
  fi
}

# kafka_start DIR PORT: one KRaft node (broker + controller on PORT+1), formatting DIR on first use.
kafka_start() {
  local dir="$1" port="$2" cport=$(( $2 + 1 ))
  need_java
  install_kafka
  mkdir -p "$dir"
  if port_open "$port"; then log "port $port is already in use"; return 1; fi
  if [[ ! -f "$dir/server.properties" ]]; then
    cat > "$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
EOF
    cat > "$dir/log4j2.yaml" <<'EOF'
Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka.server.KafkaRaftServer
        level: INFO
EOF
    local id
    id="$(java -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool random-uuid 2>/dev/null)"
    java -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format -t "$id" -c "$dir/server.properties" >&2
  fi
  : > "$dir/kafka.log"
  # setsid: the broker outlives this script and gets no terminal signals meant for it.
  setsid java -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$dir/log4j2.yaml" -cp "$KAFKA_LIBS/*" \
    kafka.Kafka "$dir/server.properties" >> "$dir/kafka.log" 2>&1 < /dev/null &
  echo $! > "$dir/pid"
  if ! wait_for "grep -q 'Kafka Server started' '$dir/kafka.log' && port_open $port" 90; then
    log "Kafka did not start on 127.0.0.1:$port; its log:"; tail -30 "$dir/kafka.log" >&2; return 1
  fi
  log "Kafka $KAFKA_VERSION answers on 127.0.0.1:$port (pid $(cat "$dir/pid"))"
}

# Ends the process whose id is in DIR/pid (with SIGNAL), and waits until it is gone.
stop_pid() {
  local dir="$1" signal="$2" pid
  [[ -f "$dir/pid" ]] || return 0
  pid="$(cat "$dir/pid")"
  kill "-$signal" "$pid" 2>/dev/null || true
  wait_for "! kill -0 $pid 2>/dev/null" 30 || { kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; }
  rm -f "$dir/pid"
}

ferretdb_start() {
  local dir="$1" port="$2"
  install_ferretdb
  mkdir -p "$dir"
  if port_open "$port"; then log "port $port is already in use"; return 1; fi
  setsid "$FERRETDB_BIN" --listen-addr "127.0.0.1:$port" --sqlite-dir "$dir/data" > "$dir/ferretdb.log" 2>&1 < /dev/null &
  echo $! > "$dir/pid"
  if ! wait_for "port_open $port" 30; then
    log "FerretDB did not start on 127.0.0.1:$port; its log:"; tail -30 "$dir/ferretdb.log" >&2; return 1
  fi
  log "FerretDB answers on 127.0.0.1:$port (pid $(cat "$dir/pid"))"
}

start() {
  # What a previous run left (not stopped): stop it and start from empty data.
  if [[ -d "$STATE" ]]; then
    log "stopping what a previous run left in $STATE"
    stop_pid "$STATE/kafka" TERM
    stop_pid "$STATE/ferretdb" TERM
    rm -rf "$STATE"
  fi
  mkdir -p "$STATE" "$CACHE"
  install_kcat
  install_kafka
  install_ferretdb
  kafka_start "$STATE/kafka" "$KAFKA_PORT"
  ferretdb_start "$STATE/ferretdb" "$MONGO_PORT"
  {
    echo "export EWMDA_KAFKA=127.0.0.1:$KAFKA_PORT"
    echo "export EWMDA_MONGO=mongodb://127.0.0.1:$MONGO_PORT"
  } | tee "$STATE/env"
}

stop() {
  stop_pid "$STATE/kafka" TERM
  stop_pid "$STATE/ferretdb" TERM
  rm -rf "$STATE"
  log "stopped; data removed"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  kafka-start) kafka_start "${2:?DIR}" "${3:?PORT}" ;;
  kafka-kill) stop_pid "${2:?DIR}" KILL ;;
  kafka-stop) stop_pid "${2:?DIR}" TERM; rm -rf "${2:?DIR}" ;;
  *) echo "usage: $0 start|stop|kafka-start DIR PORT|kafka-kill DIR|kafka-stop DIR" >&2; exit 2 ;;
esac
