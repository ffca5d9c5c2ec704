#!/usr/bin/env bash
# The main job: deploys the demo stack (PostgreSQL, Redis, a backend, an nginx frontend) into an
# unprivileged LXC guest on the embedded Proxmox VE sandbox. Run it again: "No changes."
# Subcommands and flags: bash scripts/demo.sh --help (plan, apply, status, down, destroy; --guest vm).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh

require_java_and_maven
# The sandbox's real guests: LXC containers from a debootstrapped Debian template on a bridge of
# their own (dnsmasq for DHCP/DNS, iptables for NAT), reached through the node's sshd (pct exec).
require_debian_packages lxc uidmap debootstrap zstd dnsmasq-base iptables iproute2 qemu-guest-agent \
  openssh-client openssh-server
# The demo's images are built here, from Debian packages, by the local Docker engine.
require_dockerd

jar=examples/target/pvedeploy-examples.jar
if [ ! -f "$jar" ] || [ -n "$(find . -path ./.git -prune -o \( -name '*.java' -o -name pom.xml -o -path '*/src/main/resources/*' \) -newer "$jar" -print -quit)" ]; then
  mvn -B -q -DskipTests package
fi
exec java -jar "$jar" "$@"
