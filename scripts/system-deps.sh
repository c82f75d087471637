#!/usr/bin/env bash
# Installs the Debian packages the tests use, when missing: python3-jinja2 and python3-yaml are the
# references the Jinja and YAML output is compared with (those tests skip, saying so, without them).
# Needs root and apt-get; elsewhere it says what is missing and carries on.
set -euo pipefail

packages=(python3-jinja2 python3-yaml)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "system-deps: not installing ${missing[*]} (needs root and apt-get); the tests that compare with them will skip" >&2
  exit 0
fi
echo "system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
  { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
