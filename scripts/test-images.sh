#!/usr/bin/env bash
# Builds a root file system the Docker tests import as an image, once per recipe (cached by its
# content): no image registry is reachable here, so images are made with mmdebstrap from Debian's
# packages (minbase bookworm, as the registry's Debian image is). Prints the tarball's path.
#
#   debian  imported as `debian:bookworm-slim`, the image the Compose fixture's Dockerfiles start
#           FROM, with what they would apt-get already in it (python3, its PostgreSQL driver,
#           PostgreSQL 15): their `RUN … || apt-get install …` lines install nothing, a build
#           needs no network.
#   docker  an image with Docker inside (dockerd, the CLI, docker-compose, make, setpriv): the
#           Tester's image for tests that run the project's stack with Compose.
#   target  a fresh server for the provisioning test (executor/test/provision.test.ts): only what
#           a new cloud VM has that Ansible needs to reach it (an SSH server, python3, sudo,
#           iproute2); provision_server installs everything else with apt.
#   systemd the target's packages with systemd as init (systemd, systemd-sysv, dbus) and Caddy: a server
#           whose PID 1 is systemd, for the role's systemd paths (executor/test/ansible-systemd.test.ts).
#
# Needs root and mmdebstrap (scripts/system-deps.sh installs it).
set -euo pipefail

suite=bookworm
case "${1:-}" in
  debian) packages=python3,python3-psycopg2,postgresql-15 ;;
  docker) packages=docker.io,docker-compose,make,iptables ;;
  target) packages=openssh-server,python3,sudo,iproute2 ;;
  systemd) packages=openssh-server,python3,sudo,iproute2,systemd,systemd-sysv,dbus,caddy ;;
  *) echo "usage: $0 debian|docker|target|systemd" >&2; exit 2 ;;
esac
recipe="v1 $suite minbase $packages no-docs"
cache=${XDG_CACHE_HOME:-$HOME/.cache}/codegen-orchestrator/rootfs
tarball="$cache/$1-$suite-$(printf '%s' "$recipe" | sha256sum | cut -c1-16).tar"

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
