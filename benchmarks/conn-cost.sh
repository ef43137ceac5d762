#!/usr/bin/env bash
# conn-cost.sh - what one proxied TCP connection costs a load balancer on loopback: system calls (strace -c) and
# CPU (utime + stime from /proc), for HAProxy and any number of JVS command lines, measured in turns.
#
# Workload: wrk -t2 -c50 with `Connection: close` against an nginx `return 200` backend on two ports (the peers.sh
# wrk-close row): every request is a new client connection and a new connection to a real server.
#
# Per LB and round: start it, warm up (WARMUP s of the same load), then
#   1. CPU: a DUR-second wrk run, the LB's process CPU before and after -> CPU us per connection, connections/s,
#      and the process's peak resident memory (VmHWM) after it;
#   2. system calls: a STRACE_DUR-second wrk run under `strace -c`, once on the threads whose name starts with
#      THREADS_<lb> (the event loops; empty: the whole process) and once on the whole process -> calls per connection
#      by name. strace slows the LB down; the counts per connection are what it is for, not the rate.
# The box's other load is reported as other_cpu_pct (CPU used by processes outside this script, % of the box).
#
# Usage (from the repository root, after `mvn -B -q -pl lb-cli -am package -DskipTests`):
#   benchmarks/conn-cost.sh                                  # haproxy and jvs (bin/jvs proxy), 3 rounds
#   LBS="haproxy jvs base" CMD_base='java -jar /tmp/old-jvs.jar proxy --listen 127.0.0.1:%PORT% %BACKEND_ARGS%' \
#     THREADS_base=jvs-io benchmarks/conn-cost.sh
#   CMD_<name>: the command of LB <name> (placeholders %PORT% and %BACKEND_ARGS% as in peers.sh); jvs has one.
# Environment: ROUNDS [3], WARMUP [4], DUR [5], STRACE_DUR [3], STRACE [1] (0: CPU and memory only), BASE_PORT [24700], OUT [benchmarks/results/<date>-conn]
# Everything listens on 127.0.0.1; every client runs under timeout; everything started is stopped by PID on exit.
set -u -o pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STRACE=${STRACE:-1}; ROUNDS=${ROUNDS:-3}; WARMUP=${WARMUP:-4}; DUR=${DUR:-5}; STRACE_DUR=${STRACE_DUR:-3}; BASE_PORT=${BASE_PORT:-24700}
LBS=${LBS:-"haproxy jvs"}
OUT=${OUT:-$ROOT/benchmarks/results/$(date +%Y%m%d-%H%M%S)-conn}
CMD_jvs=${CMD_jvs:-"$ROOT/bin/jvs proxy --listen 127.0.0.1:%PORT% %BACKEND_ARGS%"}
THREADS_jvs=${THREADS_jvs:-jvs-io}
THREADS_haproxy=${THREADS_haproxy:-}
H=127.0.0.1; B1=$((BASE_PORT + 11)); B2=$((BASE_PORT + 12)); LBPORT=$((BASE_PORT + 20))
CLK_TCK=$(getconf CLK_TCK)
for t in nginx haproxy wrk strace timeout ss; do command -v $t >/dev/null || { echo "missing $t" >&2; exit 1; }; done
mkdir -p "$OUT"; TMP=$(mktemp -d -t conncost.XXXXXX); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
wait_listen() { local i; for ((i = 0; i < 300; i++)); do ss -Hltn "sport = :$1" | grep -q . && return 0; sleep 0.1; done; return 1; }
ticks() { local s f; s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }; s=${s##*) }; read -r -a f <<<"$s"; echo $((f[11] + f[12])); }
descendants() { ps -e -o pid= -o ppid= | awk -v root="$1" '{ par[$1] = $2 } END { n = 1; q[1] = root
  for (i = 1; i <= n && i < 100000; i++) for (p in par) if (par[p] == q[i]) { q[++n] = p; print p } }'; }
# CPU ticks of this script's whole tree (nginx, the LB, wrk; reaped children included)
tree_ticks() { local t=0 p s f; for p in $$ $(descendants $$); do s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
  s=${s##*) }; read -r -a f <<<"$s"; t=$((t + f[11] + f[12] + f[13] + f[14])); done; echo $t; }
busy() { awk '/^cpu /{ t=0; for (i=2;i<=NF;i++) t+=$i; print t, $5+$6; exit }' /proc/stat; }

mkdir -p "$TMP/http"
cat >"$TMP/http/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $TMP/http/nginx.pid;
error_log $TMP/http/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $TMP/http/body; proxy_temp_path $TMP/http/proxy; fastcgi_temp_path $TMP/http/fcgi;
  uwsgi_temp_path $TMP/http/uwsgi; scgi_temp_path $TMP/http/scgi;
  server { listen $H:$B1 backlog=4096; listen $H:$B2 backlog=4096; location / { default_type text/plain; return 200 "ok\n"; } }
}
EOF
nginx -e "$TMP/http/error.log" -p "$TMP/http" -c "$TMP/http/nginx.conf" >/dev/null 2>&1 & PIDS+=($!)
wait_listen $B1 || { echo "backend did not start" >&2; exit 1; }

start_lb() { # NAME -> LB_PID
  local name=$1 cmd
  if [ "$name" = haproxy ]; then
    printf 'global\n  maxconn 4096\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\nfrontend fe\n  bind %s:%s\n  default_backend be\nbackend be\n  balance roundrobin\n  server s1 %s:%s\n  server s2 %s:%s\n' \
      $H $LBPORT $H $B1 $H $B2 >"$TMP/haproxy.cfg"
    haproxy -db -f "$TMP/haproxy.cfg" >"$OUT/haproxy.log" 2>&1 & LB_PID=$!
  else
    local var="CMD_$name"; cmd=${!var:-}
    [ -n "$cmd" ] || { echo "no CMD_$name" >&2; exit 1; }
    cmd=${cmd//%PORT%/$LBPORT}; cmd=${cmd//%BACKEND_ARGS%/--backend $H:$B1 --backend $H:$B2}
    bash -c "exec $cmd" >"$OUT/$name.log" 2>&1 & LB_PID=$!
  fi
  PIDS+=("$LB_PID")
  wait_listen $LBPORT || { echo "$name did not listen" >&2; exit 1; }
}
stop_lb() { kill "$LB_PID" 2>/dev/null; for ((i = 0; i < 50; i++)); do kill -0 "$LB_PID" 2>/dev/null || break; sleep 0.1; done; kill -9 "$LB_PID" 2>/dev/null; wait "$LB_PID" 2>/dev/null; while ! port_free; do sleep 0.2; done; }
port_free() { ! ss -Hltn "sport = :$LBPORT" | grep -q .; }
run_wrk() { timeout -k 2 $(($1 + 10)) wrk -t2 -c50 -d"$1"s --latency -H 'Connection: close' "http://$H:$LBPORT/" 2>&1; }
requests() { awk '/requests in/ { print $1 }' "$1"; }

# strace_run NAME PREFIX OUTFILE: syscalls per connection, by name, of the threads named PREFIX* (or all)
strace_run() {
  local name=$1 pfx=$2 out=$3 args=() t n
  if [ -n "$pfx" ]; then
    for t in /proc/$LB_PID/task/*; do n=$(cat "$t/comm" 2>/dev/null); [[ "$n" == "$pfx"* ]] && args+=(-p "${t##*/}"); done
  else
    args=(-f -p "$LB_PID")
  fi
  strace -c -o "$TMP/strace" "${args[@]}" 2>/dev/null & local sp=$!
  sleep 0.5
  run_wrk "$STRACE_DUR" >"$TMP/wrk-strace"
  kill -INT $sp; wait $sp 2>/dev/null
  awk -v r="$(requests "$TMP/wrk-strace")" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { c[$NF] = $4; t += $4 }
    END { printf "%.2f", t / r; for (k in c) printf " %s=%.2f", k, c[k] / r; printf "\n" }' "$TMP/strace" >"$out"
}

printf 'round\tlb\tconn_per_s\tcpu_us_per_conn\tp99_ms\tpeak_rss_mb\tloop_syscalls_per_conn\tprocess_syscalls_per_conn\tother_cpu_pct\tloop_syscalls_by_name\n' >"$OUT/results.tsv"
for ((r = 1; r <= ROUNDS; r++)); do
  for lb in $LBS; do
    log "round $r: $lb"
    start_lb "$lb"
    ((WARMUP > 0)) && run_wrk "$WARMUP" >/dev/null
    c0=$(ticks "$LB_PID"); m0=$(tree_ticks); read -r t0 i0 <<<"$(busy)"
    run_wrk "$DUR" >"$TMP/wrk-cpu"
    c1=$(ticks "$LB_PID"); m1=$(tree_ticks); read -r t1 i1 <<<"$(busy)"
    req=$(requests "$TMP/wrk-cpu")
    rate=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$TMP/wrk-cpu")
    p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0; else if (v ~ /s$/) v = v * 1000; print v }' "$TMP/wrk-cpu")
    cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$CLK_TCK" -v n="$req" 'BEGIN { printf "%.1f", 1e6 * (b - a) / hz / n }')
    # other load: the box's busy ticks minus those of this script's tree, in % of the box
    other=$(awk -v t0="$t0" -v t1="$t1" -v i0="$i0" -v i1="$i1" -v m0="$m0" -v m1="$m1" 'BEGIN { d = t1 - t0;
      o = 100 * ((d - (i1 - i0)) - (m1 - m0)) / d; printf "%.0f", o < 0 ? 0 : o }')
    hwm=$(awk '$1 == "VmHWM:" { printf "%.1f", $2 / 1024 }' "/proc/$LB_PID/status")
    if ((STRACE)); then
      strace_run "$lb" "$(v="THREADS_$lb"; echo "${!v:-}")" "$TMP/loop"
      strace_run "$lb" "" "$TMP/all"
    else
      echo "- -" >"$TMP/loop"; echo "-" >"$TMP/all"
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$lb" "$rate" "$cpu" "$p99" "$hwm" "$(cut -d' ' -f1 "$TMP/loop")" \
      "$(cut -d' ' -f1 "$TMP/all")" "$other" "$(cut -d' ' -f2- "$TMP/loop")" >>"$OUT/results.tsv"
    log "$(tail -n 1 "$OUT/results.tsv")"
    stop_lb
  done
done
column -t -s $'\t' "$OUT/results.tsv" | cut -c1-160
echo "results: $OUT/results.tsv" >&2
