#!/usr/bin/env bash
# udp-peers.sh - loopback UDP benchmark: JVS against direct and nginx stream (UDP), in one run.
#
# Measures, on 127.0.0.1 only, datagrams per second through:
#   direct   no LB: the client talks to real server 1 (the physical limit of the box)
#   nginx    nginx stream {} with `listen ... udp reuseport`, upstream of 2 real servers (round robin),
#            worker_processes $THREADS
#   jvs      bin/jvs proxy --udp (lb-netty, epoll), rr over the same 2 real servers, --threads $THREADS
#
# Workloads, each with 64- and 1,200-byte payloads:
#   rr-LEN      request/response, closed loop: 32 client sockets (32 flows) each keep 4 requests in flight;
#               value = replies per second at the client (p50/p99 latency from a timestamp in each request)
#   oneway-LEN  one-way, open loop: 32 client sockets send as fast as sendmmsg goes for WARMUP+DUR seconds;
#               value = datagrams per second that reached the real servers (what the LB delivered)
# Client and real servers are benchmarks/udp/udpload.c (compiled here with gcc; recvmmsg/sendmmsg batches), so
# the load generator costs as little CPU as possible. Each LB is started fresh for every measurement, and the
# measurements are interleaved (ROUNDS rounds of every test through every LB), so that other work on the box
# hits all of them alike. For every measurement the LB's CPU time (utime+stime of its process tree), its peak
# memory, and the CPU used by processes outside this script ("other", % of the box) are recorded.
#
# Usage:
#   mvn -B -q -pl lb-cli -am package -DskipTests      # builds lb-cli/target/jvs.jar
#   benchmarks/udp-peers.sh                                # ~4 minutes
#   ROUNDS=1 TESTS="rr-64" LBS="direct jvs" benchmarks/udp-peers.sh
# Output: $OUT_DIR/results.tsv in the columns of ../shared/bench/peers.sh (its summarize.sh reads it: ratios to
# direct), plus $OUT_DIR/summary.md: per test the mean over rounds of each LB, JVS / nginx and JVS / direct, and
# CPU microseconds per datagram.
#
# Environment (defaults in brackets):
#   LBS [direct nginx jvs]  TESTS [rr-64 rr-1200 oneway-64 oneway-1200]  ROUNDS [3]  DUR [5]  WARMUP [3]
#   THREADS [2] (nginx workers and JVS event loops)   BASE_PORT [24000]: real servers BASE_PORT+1..+4, LBs +100..
#   JVS_JAVA_OPTS [-Xms256m -Xmx256m -XX:+UseSerialGC]   RUN_TAG [udp]   OUT_DIR [benchmarks/results/<date>-RUN_TAG]
#   MAX_TOTAL_S [900]: measurements are skipped once the script has run this long
#
# Safety: every address is 127.0.0.1; every client and server ends by itself (udpload's -d, at most 600 s) and is
# stopped by PID on exit; every loop is bounded by a count.

set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
LBS=${LBS:-"direct nginx jvs"}
TESTS=${TESTS:-"rr-64 rr-1200 oneway-64 oneway-1200"}
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-5}
WARMUP=${WARMUP:-3}
THREADS=${THREADS:-2}
BASE_PORT=${BASE_PORT:-24000}
JVS_JAVA_OPTS=${JVS_JAVA_OPTS:-"-Xms256m -Xmx256m -XX:+UseSerialGC"}
RUN_TAG=${RUN_TAG:-udp}
MAX_TOTAL_S=${MAX_TOTAL_S:-900}
OUT_DIR=${OUT_DIR:-$HERE/results/$(date +%Y%m%d-%H%M%S)-$RUN_TAG}
H=127.0.0.1
ECHO_PORTS=($((BASE_PORT + 1)) $((BASE_PORT + 2)))
SINK_PORTS=($((BASE_PORT + 3)) $((BASE_PORT + 4)))
CLK_TCK=$(getconf CLK_TCK)
JAR="$ROOT/lb-cli/target/jvs.jar"

STARTED=()
LB_PID=""
TARGET_PORT=""

for tool in gcc nginx ss timeout java; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install gcc nginx libnginx-mod-stream iproute2)" >&2; exit 1; }
done
[ -f "$JAR" ] || { echo "missing $JAR: run 'mvn -B -q -pl lb-cli -am package -DskipTests' first" >&2; exit 1; }
NGINX_STREAM_SO=""
for so in /usr/lib/nginx/modules/ngx_stream_module.so /usr/share/nginx/modules/ngx_stream_module.so; do
  [ -f "$so" ] && NGINX_STREAM_SO=$so && break
done

mkdir -p "$OUT_DIR/configs" "$OUT_DIR/logs"
TMP=$(mktemp -d -t udp-peers.XXXXXX)
RES="$OUT_DIR/results.tsv"
printf 'run\tlb\ttest\tvalue\tunit\tp50_ms\tp99_ms\terrors\tlb_cpu_s\twall_s\tlb_rss_kb\tbox_busy_pct\tbox_steal_pct\tlb_procs_threads\tother_cpu_pct\n' >"$RES"

log() { printf '[%s %4ss] %s\n' "$(date +%T)" "$SECONDS" "$*" >&2; }

# ---------------------------------------------------------------- processes
descendants() {
  ps -e -o pid= -o ppid= | awk -v root="$1" '
    { par[$1] = $2 }
    END { n = 1; q[1] = root
          for (i = 1; i <= n && i < 100000; i++)
            for (p in par) if (par[p] == q[i]) { q[++n] = p; print p } }'
}

start_bg() { # NAME CMD... : run CMD in the background, log to logs/NAME.log; sets LAST_PID
  local name=$1; shift
  "$@" >>"$OUT_DIR/logs/$name.log" 2>&1 </dev/null &
  LAST_PID=$!
  STARTED+=("$LAST_PID")
  echo "$name: $*" | sed "s|$TMP|\$TMP|g" >>"$OUT_DIR/commands.txt"
}

stop_pid() {
  local pid=$1 kids i
  [ -n "$pid" ] || return 0
  kids=$(descendants "$pid")
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  for k in $kids; do kill -0 "$k" 2>/dev/null && kill -TERM "$k" 2>/dev/null; done
  return 0
}

cleanup() {
  local i
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do stop_pid "${STARTED[$i]}"; done
  STARTED=()
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

udp_bound() { ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }

wait_bound() { # PORT TIMEOUT_S PID
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    udp_bound "$1" && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

tree_cpu_ticks() {
  local t=0 p s f
  for p in "$1" $(descendants "$1"); do
    s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    s=${s##*) }
    read -r -a f <<<"$s"
    t=$((t + f[11] + f[12] + f[13] + f[14]))
  done
  echo "$t"
}

tree_pss_kb() {
  local sum=0 p v
  for p in "$1" $(descendants "$1"); do
    v=$(awk '$1 == "Pss:" { print $2; exit }' "/proc/$p/smaps_rollup" 2>/dev/null)
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}

tree_tasks() {
  local p n=0 t=0
  for p in "$1" $(descendants "$1"); do
    [ -d "/proc/$p/task" ] || continue
    n=$((n + 1)); t=$((t + $(ls "/proc/$p/task" | wc -l)))
  done
  echo "$n:$t"
}

cpu_stat() { awk '/^cpu /{ t=0; for (i=2;i<=NF;i++) t+=$i; print t, $5+$6, $9; exit }' /proc/stat; }

# ---------------------------------------------------------------- real servers and LBs
start_servers() {
  local p
  for p in "${ECHO_PORTS[@]}" "${SINK_PORTS[@]}"; do
    udp_bound "$p" && { echo "UDP port $p on $H is in use; set BASE_PORT" >&2; exit 1; }
  done
  start_bg echo "$TMP/udpload" echo -p "${ECHO_PORTS[0]},${ECHO_PORTS[1]}" -d 600
  ECHO_PID=$LAST_PID
  start_bg sink "$TMP/udpload" sink -p "${SINK_PORTS[0]},${SINK_PORTS[1]}" -d 600
  SINK_PID=$LAST_PID
  for p in "${ECHO_PORTS[@]}" "${SINK_PORTS[@]}"; do
    wait_bound "$p" 5 "$ECHO_PID" || { echo "real server on port $p did not start" >&2; exit 1; }
  done
}

lb_direct() { LB_PID=""; TARGET_PORT=$2; }

lb_nginx() { # PORT BACKEND_PORT...
  local port=$1 b d="$TMP/nginx-$1"; shift
  mkdir -p "$d"
  {
    [ -n "$NGINX_STREAM_SO" ] && echo "load_module $NGINX_STREAM_SO;"
    echo "worker_processes $THREADS;"
    echo "daemon off;"
    echo "pid $d/nginx.pid;"
    echo "error_log $d/error.log warn;"
    echo "events { worker_connections 10240; }"
    echo "stream {"
    echo "  upstream be {"
    for b in "$@"; do echo "    server $H:$b;"; done
    echo "  }"
    echo "  server { listen $H:$port udp reuseport; proxy_pass be; proxy_timeout 60s; }"
    echo "}"
  } >"$d/nginx.conf"
  sed "s|$TMP|\$TMP|g" "$d/nginx.conf" >"$OUT_DIR/configs/nginx-udp-$port.conf"
  start_bg nginx nginx -e "$d/error.log" -p "$d" -c "$d/nginx.conf"
  LB_PID=$LAST_PID; TARGET_PORT=$port
}

lb_jvs() { # PORT BACKEND_PORT...
  local port=$1 b args=(); shift
  for b in "$@"; do args+=(--backend "$H:$b"); done
  # shellcheck disable=SC2086
  start_bg jvs java $JVS_JAVA_OPTS -jar "$JAR" proxy --udp --listen "$H:$port" "${args[@]}" --scheduler rr \
    --threads "$THREADS" --transport epoll
  LB_PID=$LAST_PID; TARGET_PORT=$port
}

start_lb() { # NAME PORT BACKEND_PORT...
  local name=$1
  "lb_$name" "${@:2}" || return 1
  if [ -n "$LB_PID" ]; then
    wait_bound "$TARGET_PORT" 30 "$LB_PID" || { log "$name did not bind UDP $TARGET_PORT"; return 1; }
  fi
}

stop_lb() { stop_pid "$LB_PID"; LB_PID=""; }

# ---------------------------------------------------------------- measuring
sink_count() { # the datagrams both sinks have received so far (their log prints "MS COUNT BYTES" every 100 ms)
  awk 'NF == 3 { last = $2 } END { print last + 0 }' "$OUT_DIR/logs/sink.log"
}

# measure LB TEST : one measurement through the running LB ($TARGET_PORT); appends a row to results.tsv
measure() {
  local lb=$1 test=$2 kind=${2%-*} len=${2##*-} out="$OUT_DIR/logs/$1-$2-$ROUND.out"
  local c0=0 c1=0 m0 m1 s0 s1 t0 t1 v="ERR" p50="-" p99="-" err="-" unit
  if [ -n "$LB_PID" ]; then c0=$(tree_cpu_ticks "$LB_PID"); fi
  m0=$(tree_cpu_ticks $$)
  read -r -a s0 <<<"$(cpu_stat)"
  t0=$(date +%s.%N)
  if [ "$kind" = rr ]; then
    unit=replies/s
    timeout -k 2 $((WARMUP + DUR + 20)) "$TMP/udpload" rr -t "$TARGET_PORT" -s 32 -w 4 -l "$len" -d "$DUR" \
      -W "$WARMUP" >"$out" 2>&1
    read -r v p50 p99 err <<<"$(awk '$1 == "replies" { printf "%s %.3f %.3f %s\n", $4, $6 / 1000, $8 / 1000, $10 + $12 }' "$out")"
  else
    unit=datagrams/s
    local a b
    timeout -k 2 $((WARMUP + DUR + 20)) "$TMP/udpload" flood -t "$TARGET_PORT" -s 32 -l "$len" -d $((WARMUP + DUR)) \
      >"$out" 2>&1 &
    local fp=$!
    sleep "$WARMUP"; a=$(sink_count); sleep "$DUR"; b=$(sink_count)
    wait "$fp"
    v=$(awk -v a="$a" -v b="$b" -v d="$DUR" 'BEGIN { printf "%.0f", (b - a) / d }')
    err=$(awk '$1 == "sent" { print $2 }' "$out")   # datagrams the client sent, for the record
  fi
  t1=$(date +%s.%N)
  read -r -a s1 <<<"$(cpu_stat)"
  m1=$(tree_cpu_ticks $$)
  local cpu="-" rss="-" pt="-"
  if [ -n "$LB_PID" ]; then
    c1=$(tree_cpu_ticks "$LB_PID")
    cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / hz }')
    rss=$(tree_pss_kb "$LB_PID")
    pt=$(tree_tasks "$LB_PID")
  fi
  local busy steal other wall
  read -r busy steal other <<<"$(awk -v t0="${s0[0]}" -v i0="${s0[1]}" -v st0="${s0[2]}" \
      -v t1="${s1[0]}" -v i1="${s1[1]}" -v st1="${s1[2]}" -v m0="$m0" -v m1="$m1" 'BEGIN {
      d = t1 - t0; if (d <= 0) d = 1; b = d - (i1 - i0) - (st1 - st0); o = 100 * (b - (m1 - m0)) / d
      printf "%.0f %.1f %.0f", 100 * b / d, 100 * (st1 - st0) / d, (o < 0 ? 0 : o) }')"
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$RUN_TAG-$ROUND" "$lb" "$test" "${v:-ERR}" \
    "$unit" "${p50:--}" "${p99:--}" "${err:--}" "$cpu" "$wall" "$rss" "$busy" "$steal" "$pt" "$other" >>"$RES"
  log "$(printf 'round %s %-7s %-12s %10s %-11s p50=%sms p99=%sms lb_cpu=%ss mem=%skB other=%s%%' "$ROUND" "$lb" "$test" \
    "${v:-ERR}" "$unit" "${p50:--}" "${p99:--}" "$cpu" "$rss" "$other")"
}

summarize() { # mean per LB and test over the rounds; JVS / nginx and JVS / direct; LB CPU us per datagram
  awk -F'\t' '
    NR == 1 || $4 == "ERR" { next }
    { k = $3 SUBSEP $2; n[k]++; v[k] += $4; o[k] += $15
      if ($9 != "-" && $4 > 0) { cpu[k] += 1e6 * $9 / ($4 * $10); nc[k]++ }
      if (!($3 in seen)) { seen[$3] = 1; tests[++nt] = $3 } }
    END {
      printf "| test | direct | nginx | JVS | JVS / nginx | JVS / direct | CPU us per datagram, nginx / JVS | other CPU %% |\n"
      printf "|---|---|---|---|---|---|---|---|\n"
      for (i = 1; i <= nt; i++) {
        t = tests[i]; d = t SUBSEP "direct"; g = t SUBSEP "nginx"; j = t SUBSEP "jvs"
        md = n[d] ? v[d] / n[d] : 0; mg = n[g] ? v[g] / n[g] : 0; mj = n[j] ? v[j] / n[j] : 0
        printf "| %s | %.0f | %.0f | %.0f | %s | %s | %s / %s | %.0f |\n", t, md, mg, mj,
          (mg > 0 ? sprintf("%.2f", mj / mg) : "-"), (md > 0 ? sprintf("%.2f", mj / md) : "-"),
          (nc[g] ? sprintf("%.2f", cpu[g] / nc[g]) : "-"), (nc[j] ? sprintf("%.2f", cpu[j] / nc[j]) : "-"),
          (n[d] + n[g] + n[j] ? (o[d] + o[g] + o[j]) / (n[d] + n[g] + n[j]) : 0)
      }
    }' "$RES"
}

# ---------------------------------------------------------------- main
gcc -O2 -Wall -o "$TMP/udpload" "$HERE/udp/udpload.c" || exit 1
{
  echo "date: $(date -u +%FT%TZ)"
  echo "kernel: $(uname -r)"
  echo "cpus: $(nproc) x $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "nginx: $(nginx -v 2>&1)"
  echo "java: $(java -version 2>&1 | head -n 1)"
  echo "JVS_JAVA_OPTS: $JVS_JAVA_OPTS"
  for s in net.core.rmem_max net.core.wmem_max net.core.rmem_default; do echo "$s = $(sysctl -n "$s" 2>/dev/null)"; done
  echo "LBS=$LBS TESTS=$TESTS ROUNDS=$ROUNDS DUR=$DUR WARMUP=$WARMUP THREADS=$THREADS"
  echo "loadavg at start: $(cat /proc/loadavg)"
  echo "top processes by lifetime %CPU at start (other sessions' work adds noise):"
  ps -eo pcpu=,comm= --sort=-pcpu | head -n 5 | sed 's/^/  /'
} >"$OUT_DIR/env.txt"

log "results -> $OUT_DIR"
start_servers
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  ti=0
  for t in $TESTS; do
    li=0
    for lb in $LBS; do
      if ((SECONDS > MAX_TOTAL_S)); then log "time budget spent, skipping $lb $t"; continue; fi
      port=$((BASE_PORT + 100 + li * 10 + ti))
      if [ "${t%-*}" = rr ]; then backends=("${ECHO_PORTS[@]}"); else backends=("${SINK_PORTS[@]}"); fi
      if start_lb "$lb" "$port" "${backends[@]}"; then
        measure "$lb" "$t"
      else
        log "$lb did not start for $t (see $OUT_DIR/logs)"
      fi
      stop_lb
      li=$((li + 1))
    done
    ti=$((ti + 1))
  done
done
echo "loadavg at end: $(cat /proc/loadavg)" >>"$OUT_DIR/env.txt"
echo "script wall time: ${SECONDS}s" >>"$OUT_DIR/env.txt"
summarize | tee "$OUT_DIR/summary.md"
log "done in ${SECONDS}s"
