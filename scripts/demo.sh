#!/usr/bin/env bash
# The main job: builds pvedeploy and runs the demo against the embedded Proxmox VE sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh

require_java_and_maven

mvn -B -q -DskipTests package
exec java -jar examples/target/pvedeploy-examples.jar "$@"
