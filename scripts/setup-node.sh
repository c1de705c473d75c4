#!/usr/bin/env bash
# Installs the Node example service's dependency (prom-client, from npm)
# for the tests that load a real Node service; without node or npm, or
# without the registry, it says so and those tests skip.
set -u
cd "$(dirname "$0")/../agents/node/example"
command -v npm > /dev/null || { echo "setup-node: no npm: the Node tests will skip"; exit 0; }
[ -d node_modules/prom-client ] && exit 0
timeout 300 npm install --no-audit --no-fund --loglevel=error || echo "setup-node: npm install failed: the Node tests will skip"
