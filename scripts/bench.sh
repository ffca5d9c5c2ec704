#!/usr/bin/env bash
# Runs one benchmark harness by name: cluster-resources [guests] [iterations], image-transfer,
# noop-reapply [iterations], secrets. Installs what the chosen harness needs (Debian, root), e.g.:
#   bash scripts/bench.sh cluster-resources 5000 500
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh

require_java_and_maven
case "${1:-}" in
  cluster-resources) require_debian_packages python3-proxmoxer python3-requests ;;
  # a locally built image from a debootstrapped rootfs, shipped to a second dockerd
  image-transfer) require_debian_packages debootstrap docker-compose; require_dockerd ;;
  # the demo stack deployed onto real LXC guests of an in-process sandbox (own subnet 10.99.9.0/24),
  # its images built in the local Docker
  noop-reapply)
    require_debian_packages lxc uidmap debootstrap zstd dnsmasq-base iptables iproute2 \
      openssh-server openssh-client
    require_dockerd ;;
  # jagged against the age CLI
  secrets) require_debian_packages age ;;
esac

mvn -B -q -DskipTests package
exec java -jar benchmarks/target/pvedeploy-benchmarks.jar "$@"
