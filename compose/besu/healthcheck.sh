#!/bin/bash
# Docker healthcheck for a Besu validator (mounted read-only at /besu/healthcheck.sh).
#
# The hyperledger/besu image has bash but no curl or wget, so this speaks HTTP/1.1 over bash's
# /dev/tcp. Healthy means all of:
#   1. GET /readiness?minPeers=N answers 200  (JSON-RPC up, >= N peers, not syncing);
#      with 4 validators, N=2 means this node plus two peers = the QBFT quorum of 3;
#   2. eth_blockNumber > 0                    (the network has actually produced a block: a QBFT node
#                                              can serve RPC and have peers yet never reach quorum).
# Usage: healthcheck.sh [MIN_PEERS]   (default 2; the port can be overridden with BESU_HEALTH_PORT)
set -u
export LC_ALL=C
min_peers="${1:-2}"
port="${BESU_HEALTH_PORT:-8545}"

# request METHOD PATH [JSON-BODY] -> prints the whole HTTP response
request() {
  local method="$1" path="$2" body="${3:-}"
  exec 3<>"/dev/tcp/127.0.0.1/${port}" || return 1
  if [ -n "$body" ]; then
    printf '%s %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
      "$method" "$path" "${#body}" "$body" >&3
  else
    printf '%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$method" "$path" >&3
  fi
  cat <&3
  exec 3<&- 3>&-
}

ready="$(request GET "/readiness?minPeers=${min_peers}")" || { echo "rpc not reachable"; exit 1; }
status_line="${ready%%$'\r'*}"
case "$status_line" in
  "HTTP/1."?" 200"*) ;;
  *) echo "not ready: ${status_line:-no answer}"; exit 1 ;;
esac

head="$(request POST / '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}')" || { echo "rpc not reachable"; exit 1; }
if [[ "$head" =~ \"result\"[[:space:]]*:[[:space:]]*\"0x([0-9a-fA-F]+)\" ]]; then
  block=$((16#${BASH_REMATCH[1]}))
  if [ "$block" -gt 0 ]; then
    echo "ready, block ${block}"
    exit 0
  fi
  echo "no block produced yet"
  exit 1
fi
echo "unexpected eth_blockNumber answer"
exit 1
