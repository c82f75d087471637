#!/usr/bin/env bash
# Builds the root file system the Compose tests import as their `debian:bookworm-slim` image, once
# per content: no image registry is reachable here, so the image a third-party Dockerfile starts
# FROM is made with mmdebstrap from Debian's packages (minbase bookworm, as the registry's image is),
# with the packages the fixture's Dockerfiles would apt-get already in it (python3, its PostgreSQL
# driver, PostgreSQL 15): their `RUN … || apt-get install …` lines then install nothing, and a build
# needs no network. Prints the tarball's path. Needs root and mmdebstrap (scripts/system-deps.sh).
set -euo pipefail

suite=bookworm
packages=python3,python3-psycopg2,postgresql-15
recipe="v1 $suite minbase $packages no-docs"
cache=${XDG_CACHE_HOME:-$HOME/.cache}/codegen-orchestrator/rootfs
tarball="$cache/debian-$suite-$(printf '%s' "$recipe" | sha256sum | cut -c1-16).tar"

if [ ! -s "$tarball" ]; then
  command -v mmdebstrap >/dev/null || { echo "test-images: mmdebstrap is missing (bash scripts/system-deps.sh installs it)" >&2; exit 1; }
  mkdir -p "$cache"
  echo "test-images: building $tarball (once)" >&2
  partial="$cache/partial-$$.tar"
  trap 'rm -f "$partial"' EXIT
  mmdebstrap --quiet --format=tar --variant=minbase --include="$packages" \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$suite" "$partial" >&2
  mv "$partial" "$tarball"
fi
echo "$tarball"
