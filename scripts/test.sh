#!/usr/bin/env bash
# Runs every test of pvedeploy, unit and integration, on Debian 12 as root.
# It first installs what the tests need and is missing; nothing is skipped for lack of it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh

require_java_and_maven
# The third-party interop test drives the sandbox with Debian's proxmoxer, unchanged.
require_debian_packages python3-proxmoxer python3-requests
# NodeShell's tests talk to a real sshd on loopback through the system OpenSSH client.
require_debian_packages openssh-client openssh-server
# The sandbox's real guests: LXC containers from a debootstrapped Debian template on a bridge
# of its own (dnsmasq for DHCP/DNS, iptables for NAT), and QEMU guests' real guest agent.
require_debian_packages lxc uidmap debootstrap zstd dnsmasq-base iptables iproute2 qemu-guest-agent
# secrets' interop tests decrypt with the real age CLI and encrypt with it.
require_debian_packages age
# docker-guest's integration tests use a real Docker engine with Compose v1 on this machine.
require_dockerd

mvn -B verify "$@"
