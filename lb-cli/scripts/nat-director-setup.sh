#!/usr/bin/env bash
# nat-director-setup.sh - the director's routing for JVS NAT forwarding (ipvsadm -m, "Masq").
#
# In NAT mode JVS connects to the real server FROM THE CLIENT'S ADDRESS (a socket with IP_TRANSPARENT), so the
# server sees the real client. The server answers the client's address; its route back must go through the
# director (make the director its default gateway, or route the client networks via the director). This script
# makes the director's kernel hand those answers to the JVS socket instead of forwarding them:
#
#   1. a socket match: a packet that belongs to a transparent socket gets firewall mark MARK
#        nft:      table inet jvs_nat { chain prerouting { type filter hook prerouting priority mangle;
#                    meta l4proto { tcp, udp } socket transparent 1 meta mark set MARK accept } }
#        iptables: -t mangle -A PREROUTING -p tcp -m socket --transparent -j MARK --set-mark MARK  (and -p udp)
#   2. policy routing: packets with mark MARK are looked up in table TABLE, which delivers everything locally
#        ip rule add fwmark MARK lookup TABLE;  ip route add local 0.0.0.0/0 dev lo table TABLE  (and -6)
#
# The JVS process needs CAP_NET_ADMIN (for IP_TRANSPARENT) and the epoll or io_uring transport.
#
# usage: nat-director-setup.sh up|down|status [--mark N] [--table N] [--netns NAME] [--backend nft|iptables]
#   up      install the rules (idempotent: an existing setup is replaced)
#   down    remove them (missing pieces are ignored)
#   status  print them
#   --mark N       firewall mark, default 0x4a56 ("JV")
#   --table N      routing table, default 4242
#   --netns NAME   run inside network namespace NAME (ip netns exec)
#   --backend B    nft (default when nft is installed) or iptables
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

action=${1:-}
[ -n "$action" ] || usage
shift
MARK=0x4a56
TABLE=4242
NETNS=""
BACKEND=""
while [ $# -gt 0 ]; do
  case "$1" in
    --mark) MARK=${2:?--mark: missing value}; shift 2 ;;
    --table) TABLE=${2:?--table: missing value}; shift 2 ;;
    --netns) NETNS=${2:?--netns: missing value}; shift 2 ;;
    --backend) BACKEND=${2:?--backend: missing value}; shift 2 ;;
    *) echo "nat-director-setup.sh: unknown option '$1'" >&2; usage ;;
  esac
done
if [ -z "$BACKEND" ]; then
  if command -v nft >/dev/null; then BACKEND=nft
  elif command -v iptables >/dev/null; then BACKEND=iptables
  else echo "nat-director-setup.sh: neither nft (nftables) nor iptables is installed" >&2; exit 1; fi
fi
case "$BACKEND" in nft|iptables) ;; *) echo "--backend: $BACKEND (expected: nft or iptables)" >&2; exit 2 ;; esac

# run CMD...: in the namespace if one was given
run() { if [ -n "$NETNS" ]; then ip netns exec "$NETNS" "$@"; else "$@"; fi; }
quiet() { run "$@" >/dev/null 2>&1 || true; }
have_ip6() { [ -e /proc/net/if_inet6 ] && run ip -6 route show >/dev/null 2>&1; }

down() {
  if [ "$BACKEND" = nft ]; then
    quiet nft delete table inet jvs_nat
  else
    local p
    for p in tcp udp; do
      quiet iptables -t mangle -D PREROUTING -p "$p" -m socket --transparent -j MARK --set-mark "$MARK"
      quiet ip6tables -t mangle -D PREROUTING -p "$p" -m socket --transparent -j MARK --set-mark "$MARK"
    done
  fi
  local i
  for i in 1 2 3 4 5 6 7 8; do run ip rule del fwmark "$MARK" lookup "$TABLE" 2>/dev/null || break; done
  for i in 1 2 3 4 5 6 7 8; do run ip -6 rule del fwmark "$MARK" lookup "$TABLE" 2>/dev/null || break; done
  quiet ip route flush table "$TABLE"
  quiet ip -6 route flush table "$TABLE"
}

up() {
  down
  if [ "$BACKEND" = nft ]; then
    run nft -f - <<NFT
table inet jvs_nat {
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    meta l4proto { tcp, udp } socket transparent 1 meta mark set $MARK accept
  }
}
NFT
  else
    local p
    for p in tcp udp; do
      run iptables -t mangle -A PREROUTING -p "$p" -m socket --transparent -j MARK --set-mark "$MARK"
      if have_ip6 && command -v ip6tables >/dev/null; then
        run ip6tables -t mangle -A PREROUTING -p "$p" -m socket --transparent -j MARK --set-mark "$MARK"
      fi
    done
  fi
  run ip rule add fwmark "$MARK" lookup "$TABLE"
  run ip route add local 0.0.0.0/0 dev lo table "$TABLE"
  if have_ip6; then
    run ip -6 rule add fwmark "$MARK" lookup "$TABLE"
    run ip -6 route add local ::/0 dev lo table "$TABLE"
  fi
}

status() {
  if [ "$BACKEND" = nft ]; then run nft list table inet jvs_nat 2>/dev/null || echo "(no nft table jvs_nat)"
  else run iptables -t mangle -S PREROUTING | grep -e '--transparent' || echo "(no iptables socket rule)"; fi
  run ip rule show | grep "lookup $TABLE" || echo "(no ip rule for table $TABLE)"
  run ip route show table "$TABLE" 2>/dev/null || true
  if have_ip6; then
    run ip -6 rule show | grep "lookup $TABLE" || true
    run ip -6 route show table "$TABLE" 2>/dev/null || true
  fi
}

case "$action" in
  up) up; echo "nat-director-setup.sh: up (mark $MARK, table $TABLE, $BACKEND${NETNS:+, netns $NETNS})" ;;
  down) down; echo "nat-director-setup.sh: down${NETNS:+ (netns $NETNS)}" ;;
  status) status ;;
  -h|--help|help) usage ;;
  *) echo "nat-director-setup.sh: unknown action '$action'" >&2; usage ;;
esac
