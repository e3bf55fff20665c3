#!/usr/bin/env bash
# Offline validation of the compose stack: Debian's docker-compose (1.29) parses
# compose/docker-compose.yml, resolves its variables and checks it against the Compose schema
# (service_healthy / service_completed_successfully conditions included). No Docker engine needed.
# Exit status: 0 valid, non-zero otherwise. Installs docker-compose with apt when it is missing
# (as root on Debian/Ubuntu), since a fresh machine does not have it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v docker-compose >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "validate.sh: installing docker-compose (apt)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends docker-compose >/dev/null; }
  else
    echo "validate.sh: docker-compose not found (apt-get install docker-compose)" >&2
    exit 2
  fi
fi

cd "$root"
docker-compose -f compose/docker-compose.yml config -q
echo "compose/docker-compose.yml: valid ($(docker-compose version --short 2>/dev/null || echo docker-compose))"
