#!/usr/bin/env bash
# Quick lookupd HTTP figures with wrk: registry of BROKERS x TOPICS x CHANNELS, then /lookup,
# /topics and /nodes with 1 and 8 keep-alive connections, and resident memory.
# Usage: lookupd/perf/measure.sh BROKERS TOPICS CHANNELS   (after mvn package)
set -u
cd "$(dirname "$0")/../.."
out=$(mktemp)
java -jar lookupd/target/lookupd.jar --tcp-address=127.0.0.1:0 --http-address=127.0.0.1:0 \
  --broadcast-address=127.0.0.1 --log-level=warn > "$out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q ready "$out" && break; sleep 0.2; done
http=$(grep -o 'http 127.0.0.1:[0-9]*' "$out" | cut -d: -f2)
tcp=$(grep -o 'tcp 127.0.0.1:[0-9]*' "$out" | cut -d: -f2)
load=$(mktemp)
python3 lookupd/perf/load.py "$tcp" "$1" "$2" "$3" > "$load" 2>&1 &
loader=$!
for _ in $(seq 600); do grep -q registered "$load" && break; sleep 0.2; done
cat "$load"
for u in '/lookup?topic=topic5' /topics /nodes; do wrk -t1 -c1 -d2s "http://127.0.0.1:$http$u" > /dev/null; done
for u in '/lookup?topic=topic5' /topics /nodes; do
  c1=$(wrk -t1 -c1 -d4s "http://127.0.0.1:$http$u" | awk '/Requests\/sec/ {print $2}')
  c8=$(wrk -t2 -c8 -d4s "http://127.0.0.1:$http$u" | awk '/Requests\/sec/ {print $2}')
  echo "$u 1conn=$c1 8conn=$c8"
done
echo "rss_kb=$(ps -o rss= -p $pid) loadavg=$(cut -d' ' -f1 /proc/loadavg)"
kill "$loader" "$pid"
wait "$pid" 2>/dev/null
rm -f "$out" "$load"
