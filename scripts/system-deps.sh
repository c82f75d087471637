#!/usr/bin/env bash
# Installs the Debian packages the tests use, when missing: python3 runs the python-service
# template's own tests; python3-jinja2 and python3-yaml are the references the Jinja and YAML
# output is compared with (those tests skip, saying so, without them);
# docker.io is the engine the container runner's tests start (they fail, saying so, without it),
# docker-compose the Compose deploys' (Compose v1 on Debian 12), mmdebstrap the maker of the image
# their Dockerfiles start from and of the provisioning test's server (scripts/test-images.sh),
# slirp4netns that server's network (user-mode: the host's firewall and routes untouched), and
# busybox-static the one binary their test image is made of; ansible-core and openssh-server run
# the playbooks of ansible/ against an sshd on 127.0.0.1 (those tests fail, saying so, without them),
# ansible-lint checks those playbooks and roles (its test fails, saying so, without it),
# and caddy is the reverse proxy those playbooks put in front of services (the HTTPS tests skip,
# saying so, without it; its Debian service is not started: the tests run their own);
# chromium is the browser the web console's tests drive headless through playwright-core, which
# downloads none of its own (they fail, saying so, without it), with fonts-noto-color-emoji so the
# chat's emoji show in its screenshots.
# Needs root and apt-get; elsewhere it says what is missing and carries on.
set -euo pipefail

packages=(python3 python3-jinja2 python3-yaml busybox-static docker-compose mmdebstrap slirp4netns ansible-core ansible-lint openssh-server caddy chromium fonts-noto-color-emoji)
# A host with another Docker build (docker-ce, moby-engine) keeps it: docker.io would conflict.
command -v dockerd >/dev/null || packages+=(docker.io)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "system-deps: not installing ${missing[*]} (needs root and apt-get); the tests that compare with them will skip, the Docker, Ansible and browser ones fail" >&2
  exit 0
fi
echo "system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Another apt run (an unattended upgrade, a second test run) may hold the lock: wait for it.
apt_get() { apt-get -o DPkg::Lock::Timeout=300 "$@"; }
apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
  { apt_get update -qq >/dev/null && apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
