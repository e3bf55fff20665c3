#!/usr/bin/env bash
# Generates the development Besu QBFT network for compose/docker-compose.yml:
#   validator{1..4}/key, key.pub, address   node keys (the node address is the validator address)
#   genesis.json                            QBFT genesis (extraData = RLP of the 4 validators, 10 prefunded dev accounts)
#   static-nodes.json, config.toml          enode URLs / shared Besu options the compose file mounts
#   network.json                            summary (chain id, validators, enodes, prefunded accounts)
#
# Re-runnable: keys are derived from a seed, so a plain re-run rewrites identical files (they are
# committed: this is a dev network whose keys are public). All arguments go to generate.mjs:
#   compose/besu/generate.sh                       # regenerate the committed network
#   compose/besu/generate.sh --random              # fresh random keys
#   compose/besu/generate.sh --block-period 1 --request-timeout 2
#   compose/besu/generate.sh --self-test           # only check the RLP/key code against known vectors
# After changing keys, block period or chain id, recreate the chain: docker compose down -v (wipes ALL volumes).
# Needs node >= 20.19 and npm (the pinned @noble packages are installed into compose/besu/node_modules).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

command -v node >/dev/null || { echo "generate.sh: node (>= 20.19) is required" >&2; exit 1; }
if [ ! -f node_modules/@noble/curves/package.json ] || [ ! -f node_modules/@noble/hashes/package.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node generate.mjs "$@"
