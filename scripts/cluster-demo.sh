#!/usr/bin/env bash
# Beacon quick start: one lookupd and a cluster of 3 brokers on loopback, formed by auto-join.
# Shows a publish on broker 1 reaching a subscriber on broker 3 (raw NATS protocol over bash
# /dev/tcp, no client library), the topic appearing in lookupd's /lookup, and the route mesh.
# Everything it starts is stopped on exit (Ctrl-C included).
#
#   scripts/cluster-demo.sh            builds the distribution archive first if it is missing
#   KEEP=1 scripts/cluster-demo.sh     leaves the cluster running until Ctrl-C
#
# The daemons run from the distribution archive (dist/target/beacon-<version>.tar.gz, unpacked next
# to it, into dist/target/beacon-<version>/, again whenever the archive is rebuilt) through its
# launchers, bin/lookupd and bin/broker, with the JVM flags they pick for this machine. The first
# run's stop takes a few seconds more: each daemon's first stop writes its class data sharing
# archive (lib/*.jsa), which makes every later start faster.
# Environment: DIST (another archive), JAVA_OPTS (passed to the launchers).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)
DIST=${DIST:-dist/target/beacon-$VERSION.tar.gz}
WORK=$(mktemp -d)
LOGS=$WORK/logs
mkdir -p "$LOGS"

pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { printf '\n== %s\n' "$*"; }

if [ ! -f "$DIST" ]; then
  say "building the distribution archive (mvn -q -B -DskipTests package)"
  mvn -q -B -DskipTests package
fi
HOME_DIR=${DIST%.tar.gz}
if [ ! -f "$HOME_DIR/.unpacked" ] || [ "$DIST" -nt "$HOME_DIR/.unpacked" ]; then
  rm -rf "$HOME_DIR"
  mkdir -p "$HOME_DIR"
  tar xzf "$DIST" -C "$HOME_DIR" --strip-components=1
  touch "$HOME_DIR/.unpacked"
fi
say "launchers from $DIST"
"$HOME_DIR/bin/broker" --print-jvm-flags --version 2>&1 | sed 's/^/  /'

# start NAME DAEMON ARGS...: starts bin/DAEMON with ports 0 and waits for its ready line; sets READY.
start() {
  local name=$1 daemon=$2; shift 2
  "$HOME_DIR/bin/$daemon" "$@" >"$LOGS/$name.log" 2>&1 &
  pids+=($!)
  local i
  for i in $(seq 1 300); do
    READY=$(grep -m1 ': ready' "$LOGS/$name.log" || true)
    [ -n "$READY" ] && { echo "$READY"; return 0; }
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$LOGS/$name.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$name did not start" >&2; cat "$LOGS/$name.log" >&2; exit 1
}
# port AFTER: the port following "AFTER <host>:" in $READY.
port() { sed -E "s/.*$1 [^ ]*:([0-9]+).*/\1/" <<<"$READY"; }

say "lookupd"
start lookupd lookupd --tcp-address=127.0.0.1:0 --http-address=127.0.0.1:0 --broadcast-address=127.0.0.1
LOOKUPD_TCP=$(port tcp); LOOKUPD_HTTP=$(port http)
echo "console: http://127.0.0.1:$LOOKUPD_HTTP/console/ (the web console; open it with KEEP=1)"

say "3 brokers, each given only --lookupd-tcp-address=127.0.0.1:$LOOKUPD_TCP"
declare -A CLIENT HTTP
for b in b1 b2 b3; do
  start "$b" broker --listen=127.0.0.1:0 --http=127.0.0.1:0 --cluster=127.0.0.1:0 \
    --lookupd-tcp-address="127.0.0.1:$LOOKUPD_TCP" --broadcast-address=127.0.0.1 --name="$b"
  CLIENT[$b]=$(port 'clients on'); HTTP[$b]=$(port 'monitoring on')
done

say "waiting for the full mesh (every broker routed to the 2 others)"
for i in $(seq 1 100); do
  n=0
  for b in b1 b2 b3; do
    r=$(curl -s "http://127.0.0.1:${HTTP[$b]}/routez" | jq '.num_routes' 2>/dev/null || echo 0)
    [ "$r" = 2 ] && n=$((n + 1))
  done
  [ "$n" = 3 ] && break
  sleep 0.1
done
for b in b1 b2 b3; do
  printf '%s routes to: ' "$b"; curl -s "http://127.0.0.1:${HTTP[$b]}/routez" | jq -c '[.routes[].remote_name]'
done

say "subscriber on b3 (port ${CLIENT[b3]}): SUB orders"
exec 3<>"/dev/tcp/127.0.0.1/${CLIENT[b3]}"
printf 'CONNECT {"verbose":false,"name":"demo-sub"}\r\nSUB orders 1\r\nPING\r\n' >&3
while IFS= read -r -t 5 line <&3; do [[ "$line" == PONG* ]] && break; done

say "b1 learns the interest from its route to b3 (RS+), then a publish on b1 (port ${CLIENT[b1]})"
for i in $(seq 1 100); do
  curl -s "http://127.0.0.1:${HTTP[b1]}/routez?subs=1" | jq -e '[.routes[].subscriptions_list[]?] | index("orders")' >/dev/null && break
  sleep 0.05
done
exec 4<>"/dev/tcp/127.0.0.1/${CLIENT[b1]}"
printf 'CONNECT {"verbose":false,"name":"demo-pub"}\r\nPUB orders 20\r\nhello from broker b1\r\nPING\r\n' >&4
while IFS= read -r -t 5 line <&4; do [[ "$line" == PONG* ]] && break; done

got=""
while IFS= read -r -t 5 line <&3; do
  line=${line%$'\r'}
  if [[ "$line" == MSG* ]]; then
    IFS= read -r -t 5 payload <&3
    got="${payload%$'\r'}"
    echo "b3 subscriber got: $line / $got"
    break
  fi
done
exec 4>&-
[ "$got" = "hello from broker b1" ] || { echo "the message did not arrive" >&2; exit 1; }

say "lookupd: GET /lookup?topic=orders (which brokers have subscribers on 'orders')"
for i in $(seq 1 50); do
  out=$(curl -s "http://127.0.0.1:$LOOKUPD_HTTP/lookup?topic=orders")
  [ "$(jq '.producers | length' <<<"$out" 2>/dev/null)" = 1 ] && break
  sleep 0.1
done
jq -c . <<<"$out"
say "lookupd: GET /nodes"
curl -s "http://127.0.0.1:$LOOKUPD_HTTP/nodes" | jq -c '.producers[] | {broadcast_address, tcp_port, http_port, topics}'
exec 3>&-

if [ "${KEEP:-0}" = 1 ]; then
  say "cluster running (lookupd http :$LOOKUPD_HTTP; brokers ${CLIENT[b1]} ${CLIENT[b2]} ${CLIENT[b3]}); Ctrl-C stops it"
  wait
fi
say "done; stopping everything"
