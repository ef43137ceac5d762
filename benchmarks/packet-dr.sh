#!/usr/bin/env bash
# packet-dr.sh - JVS direct routing against HAProxy on the same director and against no director, in one run,
# in network namespaces (client, director, two real servers on one bridge; names jvsqb<pid>...; all deleted on exit).
#
# Topology (only addresses inside the namespaces this script makes are ever targets):
#   client 10.97.0.1   director 10.97.0.2   r1 10.97.0.11   r2 10.97.0.12      VIP 10.97.0.100
# The director holds the VIP on eth0 with ip_forward=1, as lvs_dr.sh does (JVS mode B); the real servers hold it on lo
# with arp_ignore=1 and arp_announce=2 (lvs_rs.sh) and run nginx (a 16-byte page and a BULK_MB file).
#   jvs      jvs daemon --interface eth0 (the packet data path), jvsadm -A -t VIP:80 -s rr, two -g servers
#   haproxy  HAProxy in the director's namespace, mode tcp, roundrobin over r1:80 and r2:80, on 10.97.0.2:8080
#   direct   the client to r1 itself (the physical limit of the lab)
# Workloads:
#   conn   wrk -t2 -c$CONNS -d$DUR with "Connection: close": every request is a new TCP connection; value = requests/s
#   bulk   one curl download of the BULK_MB file; value = MB/s
# For every measurement the director process's CPU time (utime+stime of its tree, from /proc) is recorded, and for
# JVS the packets it forwarded (InPkts of jvsadm --stats): the summary gives director CPU microseconds per connection
# and per forwarded packet. The goals (issue #14): jvs conn >= 1.0 x haproxy at <= 0.3 x its CPU per connection;
# jvs bulk >= 0.9 x direct; <= 1 us of director CPU per forwarded packet.
#
# Usage (root; needs iproute2, ethtool, nftables, nginx, haproxy, wrk, curl; the JVS jar is built by bin/jvs):
#   benchmarks/packet-dr.sh                             # ~2 minutes
#   ROUNDS=1 DUR=2 BULK_MB=20 benchmarks/packet-dr.sh   # a smoke run
# Output: $OUT_DIR/results.tsv (round lb test value unit director_cpu_s forwarded_packets other_cpu_pct) and
# $OUT_DIR/summary.md.
#
# Environment (defaults in brackets): LBS [direct haproxy jvs]  TESTS [conn bulk]  ROUNDS [3]  DUR [10]
#   CONNS [50]  BULK_MB [200]  RUN_TAG [dr]  OUT_DIR [benchmarks/results/<date>-RUN_TAG]
#
# Safety: every loop is bounded by a count, every client runs under `timeout`, everything started is stopped by PID
# and every namespace deleted on exit.

set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
LBS=${LBS:-direct haproxy jvs}
TESTS=${TESTS:-conn bulk}
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-10}
CONNS=${CONNS:-50}
BULK_MB=${BULK_MB:-200}
RUN_TAG=${RUN_TAG:-dr}
OUT_DIR=${OUT_DIR:-$HERE/results/$(date +%Y%m%d-%H%M%S)-$RUN_TAG}

P=jvsqb$$
VIP=10.97.0.100 CLIENT=10.97.0.1 DIRECTOR=10.97.0.2 R1=10.97.0.11 R2=10.97.0.12
TMP=$(mktemp -d /tmp/$P.XXXX)
chmod 755 "$TMP"                                          # nginx's workers (nobody) read the pages under it
ADMIN=$TMP/admin.sock
PIDS=()

for tool in ip ethtool nft nginx haproxy wrk curl; do
  command -v "$tool" >/dev/null || { echo "packet-dr.sh: $tool is missing (apt-get install iproute2 ethtool nftables nginx haproxy wrk curl)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "packet-dr.sh: needs root (network namespaces)" >&2; exit 2; }

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  sleep 1
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
  for ns in c d r1 r2 lan; do ip netns del "$P$ns" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT

in_ns() { local ns=$1; shift; ip netns exec "$P$ns" "$@"; }

# ---- the lab
ip netns add "${P}lan"; in_ns lan ip link set lo up
in_ns lan ip link add br0 type bridge; in_ns lan ip link set br0 up
for h in c:$CLIENT d:$DIRECTOR r1:$R1 r2:$R2; do
  n=${h%%:*} a=${h#*:}
  ip netns add "$P$n"; in_ns "$n" ip link set lo up
  ip -n "$P$n" link add eth0 type veth peer name "b$n" netns "${P}lan"
  in_ns lan ip link set "b$n" master br0 up
  in_ns "$n" ip addr add "$a/24" dev eth0; in_ns "$n" ip link set eth0 up
done
in_ns c ethtool -K eth0 tso off gso off >/dev/null       # no super-frames through the director (docs/packet-path.md)
in_ns d ethtool -K eth0 gro off >/dev/null
in_ns d sysctl -qw net.ipv4.ip_forward=1                  # lvs_dr.sh
in_ns d ip addr add "$VIP/32" dev eth0 label eth0:2
for r in r1 r2; do                                        # lvs_rs.sh
  in_ns "$r" ip addr add "$VIP/32" dev lo label lo:0
  in_ns "$r" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.lo.arp_ignore=1 \
      net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.lo.arp_announce=2
  mkdir -p "$TMP/$r/www"
  printf '%s 0123456789\n' "$r" > "$TMP/$r/www/index.html"
  head -c "$((BULK_MB << 20))" /dev/zero > "$TMP/$r/www/big"
  cat > "$TMP/$r/nginx.conf" <<NGINX
worker_processes 1;
pid $TMP/$r/nginx.pid;
error_log $TMP/$r/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  server { listen 80 reuseport backlog=4096; root $TMP/$r/www; keepalive_timeout 0; }
}
NGINX
  # started by ip netns exec itself (no shell function in between), so $! is the server's own PID
  ip netns exec "$P$r" nginx -c "$TMP/$r/nginx.conf" -g 'daemon off;' & PIDS+=($!)
done
sleep 1
for c in c; do in_ns "$c" curl -s --max-time 5 "http://$R1/" >/dev/null || { echo "packet-dr.sh: r1 does not answer" >&2; exit 1; }; done

cpu_of() { # utime+stime in seconds of a process and its children (reaped ones included)
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15 + $16 + $17) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0
}
tree_cpu() { local total=0 p; for p in $1 $(pgrep -P "$1" 2>/dev/null); do total=$(echo "$total + $(cpu_of "$p")" | bc -l); done; echo "$total"; }
box_busy() { awk '/^cpu /{ print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8 }' /proc/stat; }

LB_PID="" TARGET=""
start_lb() {
  case $1 in
    direct) LB_PID="" TARGET=$R1 ;;
    haproxy)
      cat > "$TMP/haproxy.cfg" <<HAP
global
  maxconn 8000
  nbthread 2
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
listen web
  bind $DIRECTOR:8080
  balance roundrobin
  server r1 $R1:80
  server r2 $R2:80
HAP
      ip netns exec "${P}d" haproxy -f "$TMP/haproxy.cfg" -db >"$TMP/haproxy.log" 2>&1 & LB_PID=$!
      PIDS+=("$LB_PID"); TARGET=$DIRECTOR:8080; sleep 1
      kill -0 "$LB_PID" 2>/dev/null || { echo "packet-dr.sh: haproxy did not start:" >&2; cat "$TMP/haproxy.log" >&2; } ;;
    jvs)
      # ip netns exec, env, bin/jvs and java exec each other: $! is the JVM's PID
      ip netns exec "${P}d" env JVS_JAVA_OPTS="-Xms256m -Xmx256m" "$ROOT/bin/jvs" daemon --interface eth0 \
          --admin "$ADMIN" --threads 1 >"$TMP/jvs.out" 2>"$TMP/jvs.log" & LB_PID=$!; PIDS+=("$LB_PID")
      for _ in $(seq 1 120); do grep -q "admin socket" "$TMP/jvs.out" 2>/dev/null && break; sleep 0.5; done
      JVS_ADMIN=$ADMIN "$ROOT/bin/jvsadm" -A -t "$VIP:80" -s rr
      JVS_ADMIN=$ADMIN "$ROOT/bin/jvsadm" -a -t "$VIP:80" -r "$R1:80" -g -w 1
      JVS_ADMIN=$ADMIN "$ROOT/bin/jvsadm" -a -t "$VIP:80" -r "$R2:80" -g -w 1
      TARGET=$VIP; sleep 1 ;;
  esac
}
stop_lb() { [ -n "$LB_PID" ] && { kill "$LB_PID"; wait "$LB_PID" 2>/dev/null; }; LB_PID=""; }
forwarded() { [ "$1" = jvs ] && JVS_ADMIN=$ADMIN "$ROOT/bin/jvsadm" -L -n --stats --exact -t "$VIP:80" | awk 'NR==3 { print $4 }' || echo 0; }

mkdir -p "$OUT_DIR"
printf 'round\tlb\ttest\tvalue\tunit\tdirector_cpu_s\tforwarded_packets\tother_cpu_pct\n' > "$OUT_DIR/results.tsv"
START=$(date +%s)
for round in $(seq 1 "$ROUNDS"); do
  for lb in $LBS; do
    start_lb "$lb"
    for test in $TESTS; do
      in_ns c curl -s --max-time 5 "http://$TARGET/" >/dev/null       # warm-up, also the neighbour caches
      cpu0=$([ -n "$LB_PID" ] && tree_cpu "$LB_PID" || echo 0); fwd0=$(forwarded "$lb"); read -r b0 t0 < <(box_busy)
      case $test in
        conn)
          out=$(in_ns c timeout $((DUR + 20)) wrk -t2 -c"$CONNS" -d"${DUR}s" -H 'Connection: close' "http://$TARGET/")
          value=$(awk '/Requests\/sec/ { print $2 }' <<<"$out"); unit=req/s
          if grep -q "Non-2xx" <<<"$out"; then echo "packet-dr.sh: $lb answered errors: $out" >&2; value=0; fi ;;
        bulk)
          read -r bps size < <(in_ns c timeout 120 curl -sf -o /dev/null -w '%{speed_download} %{size_download}\n' \
              "http://$TARGET/big")
          [ "${size:-0}" = "$((BULK_MB << 20))" ] || { echo "packet-dr.sh: bulk via $lb got ${size:-0} bytes" >&2; bps=0; }
          value=$(echo "$bps / 1048576" | bc -l); unit=MB/s ;;
      esac
      cpu1=$([ -n "$LB_PID" ] && tree_cpu "$LB_PID" || echo 0); fwd1=$(forwarded "$lb"); read -r b1 t1 < <(box_busy)
      other=$(echo "100 * ($b1 - $b0) / ($t1 - $t0)" | bc -l)
      printf '%s\t%s\t%s\t%.1f\t%s\t%.3f\t%s\t%.0f\n' "$round" "$lb" "$test" "${value:-0}" "$unit" \
          "$(echo "$cpu1 - $cpu0" | bc -l)" "$((fwd1 - fwd0))" "$other" | tee -a "$OUT_DIR/results.tsv"
    done
    stop_lb
    [ $(( $(date +%s) - START )) -lt 1800 ] || break 2
  done
done

# ---- summary: means over rounds; ratios of the same run
awk -F'\t' -v dur="$DUR" 'NR > 1 { k = $2 "\t" $3; n[k]++; v[k] += $4; c[k] += $6; f[k] += $7; u[k] = $5 }
  END {
    print "| lb | test | value | unit | director CPU s | CPU us per connection (conn) | CPU us per forwarded packet |"
    print "|---|---|---|---|---|---|---|"
    for (k in n) { split(k, p, "\t"); val = v[k] / n[k]; cpu = c[k] / n[k]
      per = (p[2] == "conn" && val > 0) ? sprintf("%.1f", 1e6 * cpu / (val * dur)) : "-"
      ppk = (f[k] > 0) ? sprintf("%.2f", 1e6 * c[k] / f[k]) : "-"
      printf "| %s | %s | %.1f | %s | %.3f | %s | %s |\n", p[1], p[2], val, u[k], cpu, per, ppk }
  }' "$OUT_DIR/results.tsv" > "$OUT_DIR/summary.md"
cat "$OUT_DIR/summary.md"
echo "results in $OUT_DIR" >&2
