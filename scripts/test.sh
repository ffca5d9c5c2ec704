#!/usr/bin/env bash
# Runs every test of pvedeploy, unit and integration, on Debian 12 as root.
# It first installs what the tests need and is missing; nothing is skipped for lack of it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh

require_java_and_maven
# The third-party interop test drives the sandbox with Debian's proxmoxer, unchanged.
require_debian_packages python3-proxmoxer python3-requests

mvn -B verify "$@"
