#!/usr/bin/env bash
# Runs one benchmark harness by name, e.g.: bash scripts/bench.sh cluster-resources 5000 100
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh

require_java_and_maven
require_debian_packages python3-proxmoxer python3-requests
# The secrets harness compares jagged with the age CLI.
require_debian_packages age

mvn -B -q -DskipTests package
exec java -jar benchmarks/target/pvedeploy-benchmarks.jar "$@"
