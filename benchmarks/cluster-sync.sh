#!/usr/bin/env bash
# cluster-sync.sh - what connection sync costs the data path: the connection rate through a clustered director
# (jvs daemon --cluster, a FULLNAT service) with the sync roles off (--sync-daemon none) and on (both: every member
# master and backup, as keepalived runs IPVS), measured in one run, and the ratio (issue #15's goal: >= 0.9).
#
# Network namespaces made here (root and iproute2 needed), all names start with jvsxb<pid>-: a bridge "lan" joins a
# client (10.203.0.100), a real server (10.203.0.50:80) and MEMBERS directors (10.203.0.1..); the VIP 10.203.100.1
# is on every director's loopback and the client routes it to director 1, so director 1 carries every connection
# and publishes its entries; the other members apply them (backup) and hold the configuration with it.
# The client is benchmarks' ConnectionRate: CLIENTS threads, each a new TCP connection per request (connect, read
# the server's 3 bytes, close). Each measurement starts the directors afresh; the modes alternate for ROUNDS rounds,
# so other work on the box hits both alike. Reported per measurement: connections/s, every director's CPU
# microseconds per connection (its JVM's utime+stime: director 1 carries the connections, the others apply), and the sync stream's status line of every member (sent, received, lost,
# queue drops, lag). At the end: the mean rate of each mode and sync on / sync off.
#
# Usage:
#   mvn -B -q -pl lb-cli,benchmarks -am package -DskipTests      # lb-cli/target/jvs.jar, benchmarks/target/benchmarks.jar
#   sudo benchmarks/cluster-sync.sh                             # ~2 minutes with the defaults
#   ROUNDS=3 DUR=20 MEMBERS=3 sudo -E benchmarks/cluster-sync.sh # what the figures in benchmarks/README.md use
#
# Environment (defaults in brackets): MEMBERS [2] (2-5)  ROUNDS [2]  DUR [10] seconds measured  WARMUP [10] seconds (the JIT compiles the sync path late: 4-5 s left it in the measurement)
#   CLIENTS [8] client threads  THREADS [1] director event loops  MODES ["none both"]
#   THREAD_CPU [unset]: set, every director's CPU per connection is also printed by thread (where the cost is)
#   JVS_JAVA_OPTS [-Xms256m -Xmx256m -XX:+UseSerialGC] for the directors   JAVA_HOME [the java on PATH]
#
# Safety: addresses only inside the namespaces made here; every process is stopped by PID and every namespace
# deleted on exit (also on failure or Ctrl-C); every wait and every loop is bounded.

set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
MEMBERS=${MEMBERS:-2}
ROUNDS=${ROUNDS:-2}
DUR=${DUR:-10}
WARMUP=${WARMUP:-10}
CLIENTS=${CLIENTS:-8}
THREADS=${THREADS:-1}
MODES=${MODES:-"none both"}
JVS_JAVA_OPTS=${JVS_JAVA_OPTS:-"-Xms256m -Xmx256m -XX:+UseSerialGC"}
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JAR="$ROOT/lb-cli/target/jvs.jar"
BENCH="$ROOT/benchmarks/target/benchmarks.jar"
P="jvsxb$$"
VIP=10.203.100.1
RS=10.203.0.50
CLIENT=10.203.0.100
TMP=$(mktemp -d /tmp/cluster-sync.XXXXXX)
CLK_TCK=$(getconf CLK_TCK)
NAMESPACES=()
PIDS=()

die() { echo "cluster-sync: $*" >&2; exit 1; }

cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
  for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$MEMBERS" -ge 2 ] && [ "$MEMBERS" -le 5 ] || die "MEMBERS: $MEMBERS (expected: 2-5)"
[ -f "$JAR" ] && [ -f "$BENCH" ] || die "build first: mvn -B -q -pl lb-cli,benchmarks -am package -DskipTests"
ip netns add "$P-probe" 2>/dev/null || die "cannot make network namespaces (run as root, with iproute2)"
ip netns del "$P-probe"

ns() { ip netns exec "$P-$1" "${@:2}"; }

# ---- the lab
for n in lan c rs $(seq -f 'd%g' 1 "$MEMBERS"); do
  ip netns add "$P-$n" || die "ip netns add $P-$n"
  NAMESPACES+=("$P-$n")
  ip -n "$P-$n" link set lo up
done
ip -n "$P-lan" link add br0 type bridge && ip -n "$P-lan" link set br0 up
attach() { # namespace, address
  ip link add e0 netns "$P-$1" type veth peer name "$1" netns "$P-lan" || die "veth for $1"
  ip -n "$P-lan" link set "$1" master br0 up
  ip -n "$P-$1" addr add "$2/24" dev e0 && ip -n "$P-$1" link set e0 up
}
attach c "$CLIENT"
attach rs "$RS"
for i in $(seq 1 "$MEMBERS"); do
  attach "d$i" "10.203.0.$i"
  ip -n "$P-d$i" addr add "$VIP/32" dev lo
  ns "d$i" sysctl -qw net.ipv4.ip_local_port_range="1024 65000" net.ipv4.tcp_tw_reuse=1
done
ip -n "$P-c" route add "$VIP/32" via 10.203.0.1
ns c sysctl -qw net.ipv4.ip_local_port_range="1024 65000" net.ipv4.tcp_tw_reuse=1

# ip netns exec execs the command, so $! is the JVM's PID (a shell function in the background would not be)
ip netns exec "$P-rs" "$JAVA" -Xmx256m -cp "$BENCH" io.jvs.bench.cluster.ConnectionRate server "$RS" 80 4 3600 \
  >"$TMP/rs.out" 2>"$TMP/rs.log" &
PIDS+=($!)
disown $!
for _ in $(seq 1 300); do grep -q ready "$TMP/rs.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$TMP/rs.out" || die "the real server did not start: $(cat "$TMP/rs.log")"

jvsadm() { # director, args...
  JVS_ADMIN="$TMP/d$1.sock" "$JAVA" -cp "$JAR" io.jvs.cli.jvsadm.Jvsadm "${@:2}"
}

status_line() { # director: its sync stream line from /status.json
  ns "d$1" bash -c 'exec 3<>/dev/tcp/127.0.0.1/9100; printf "GET /status.json HTTP/1.0\r\n\r\n" >&3; cat <&3' \
    2>/dev/null | grep -o '"sync stream: [^"]*"' | head -1
}

thread_ticks() { # pid: "name ticks" per thread, names with their digits folded (jvs-io-1-1 -> jvs-io-N-N)
  for t in /proc/"$1"/task/*/stat; do
    awk '{ n = $0; sub(/^[0-9]+ \(/, "", n); sub(/\) .*/, "", n); gsub(/[0-9]+/, "N", n);
           sub(/^.*\) /, ""); split($0, f, " "); gsub(/ /, "_", n); print n, f[12] + f[13] }' "$t" 2>/dev/null
  done | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }' | sort
}

cpu_ticks() { # pid: utime+stime in clock ticks
  awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

DIRECTOR_PIDS=()
start_directors() { # sync mode
  DIRECTOR_PIDS=()
  rm -rf "$TMP"/raft-* "$TMP"/d*.sock*
  for i in $(seq 1 "$MEMBERS"); do
    peers=""
    for j in $(seq 1 "$MEMBERS"); do [ "$j" = "$i" ] || peers="$peers${peers:+,}10.203.0.$j:7800"; done
    # shellcheck disable=SC2086
    ip netns exec "$P-d$i" "$JAVA" $JVS_JAVA_OPTS -jar "$JAR" daemon --cluster bench --cluster-bind "10.203.0.$i:7800" \
      --cluster-peers "$peers" --admin "$TMP/d$i.sock" --http 127.0.0.1:9100 --threads "$THREADS" \
      --sync-daemon "$1" >"$TMP/d$i.out" 2>"$TMP/d$i.log" &
    DIRECTOR_PIDS+=($!)
    PIDS+=($!)
    disown $!
  done
  for i in $(seq 1 "$MEMBERS"); do
    for _ in $(seq 1 1200); do grep -q "admin socket" "$TMP/d$i.out" 2>/dev/null && break; sleep 0.1; done
    grep -q "admin socket" "$TMP/d$i.out" || die "director $i did not start: $(tail -5 "$TMP/d$i.log")"
  done
  jvsadm 1 -A -t "$VIP:80" -s rr || die "jvsadm -A failed"
  jvsadm 2 -a -t "$VIP:80" -r "$RS:80" --fullnat || die "jvsadm -a failed"
}

stop_directors() {
  for pid in "${DIRECTOR_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${DIRECTOR_PIDS[@]}"; do
    for _ in $(seq 1 250); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
}

client() { # seconds
  ns c "$JAVA" -Xmx256m -cp "$BENCH" io.jvs.bench.cluster.ConnectionRate client "$VIP" 80 "$CLIENTS" "$1"
}

declare -A SUM COUNT
echo "cluster-sync: $MEMBERS members, $CLIENTS client threads, $THREADS event loop(s), ${WARMUP}s warm-up +" \
  "${DUR}s per measurement, $ROUNDS rounds; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
  for mode in $MODES; do
    start_directors "$mode"
    client "$WARMUP" >/dev/null
    declare -a before=() after=()
    for i in $(seq 1 "$MEMBERS"); do
      before[i]=$(cpu_ticks "${DIRECTOR_PIDS[i-1]}")
      [ -n "${THREAD_CPU:-}" ] && thread_ticks "${DIRECTOR_PIDS[i-1]}" >"$TMP/threads.$i.before"
    done
    line=$(client "$DUR")
    for i in $(seq 1 "$MEMBERS"); do
      after[i]=$(cpu_ticks "${DIRECTOR_PIDS[i-1]}")
      [ -n "${THREAD_CPU:-}" ] && thread_ticks "${DIRECTOR_PIDS[i-1]}" >"$TMP/threads.$i.after"
    done
    conns=$(echo "$line" | awk '{print $2}')
    rate=$(echo "$line" | sed -E 's/.*rate ([0-9.]+).*/\1/')
    per_conn() { awk -v t="$1" -v hz="$CLK_TCK" -v n="$conns" 'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }'; }
    cpus=""
    for i in $(seq 1 "$MEMBERS"); do cpus="$cpus d$i $(per_conn $((after[i] - before[i])))"; done
    printf 'round %d sync %-4s %s; us CPU per connection:%s\n' "$round" "$mode" "$line" "$cpus"
    if [ "$mode" != none ]; then
      for i in $(seq 1 "$MEMBERS"); do echo "  d$i $(status_line "$i")"; done
    fi
    if [ -n "${THREAD_CPU:-}" ]; then # every director's CPU by thread during the measurement, us per connection
      for i in $(seq 1 "$MEMBERS"); do
        echo "  d$i by thread:"
        join -a 2 -e 0 -o 0,1.2,2.2 "$TMP/threads.$i.before" "$TMP/threads.$i.after" | awk -v hz="$CLK_TCK" -v n="$conns" \
          '{ d = ($3 - $2) / hz * 1e6 / (n > 0 ? n : 1); if (d >= 1) printf "    %-40s %6.1f us/connection\n", $1, d }' \
          | sort -k2 -nr
      done
    fi
    SUM[$mode]=$(awk -v a="${SUM[$mode]:-0}" -v b="$rate" 'BEGIN { print a + b }')
    COUNT[$mode]=$(( ${COUNT[$mode]:-0} + 1 ))
    stop_directors
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in $MODES; do
  printf 'sync %-4s mean %.0f connections/s\n' "$mode" "$(awk -v s="${SUM[$mode]}" -v c="${COUNT[$mode]}" 'BEGIN { print s / c }')"
done
if [ -n "${SUM[none]:-}" ] && [ -n "${SUM[both]:-}" ]; then
  awk -v on="${SUM[both]}" -v onc="${COUNT[both]}" -v off="${SUM[none]}" -v offc="${COUNT[none]}" \
    'BEGIN { printf "sync on / sync off: %.3f (goal >= 0.9)\n", (on / onc) / (off / offc) }'
fi
