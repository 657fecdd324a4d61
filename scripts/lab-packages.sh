#!/usr/bin/env bash
# Installs the Debian packages the lab needs, where they are missing (for `npm run demo` and
# `npm run bench`; .ci/run installs the same list outright). The servers vmigrate migrates need
# none of this: it is only for the local test lab.
set -euo pipefail

# Programs the lab and the tests use, by the Debian package that provides each.
declare -A needs=(
  [/usr/sbin/sshd]=openssh-server
  [/usr/bin/ssh]=openssh-client
  [/usr/bin/ssh-keygen]=openssh-client
  [/usr/sbin/ip]=iproute2
  [/usr/bin/unshare]=util-linux
  [/usr/bin/nsenter]=util-linux
  [/usr/bin/ps]=procps
  [/usr/bin/pgrep]=procps
  [/usr/bin/cdb]=tinycdb
  [/usr/bin/sudo]=sudo
  # oldsql and newsql: vpopmail on its MySQL backend, each with a MariaDB server of its own
  [/usr/sbin/mariadbd]=mariadb-server
  [/usr/bin/mariadb-install-db]=mariadb-server
  [/usr/bin/mysql]=mariadb-client
  # for the benchmark's baselines only
  [/usr/bin/rsync]=rsync
  [/usr/bin/time]=time
)
missing=()
for path in "${!needs[@]}"; do
  [ -x "$path" ] || missing+=("${needs[$path]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "the lab needs these packages: $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')" >&2
    echo "install them as root (Debian/Ubuntu: apt-get install ...), then run again" >&2
    exit 1
  fi
  echo "installing the lab's packages: $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2046
  apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
fi
# sshd's privilege-separation directory, normally made by its service unit.
mkdir -p /run/sshd
