#!/bin/sh
# Installs $AUTHORIZED_KEYS (the operator's public key) as root's only authorized key.
set -eu
if [ -n "${AUTHORIZED_KEYS:-}" ]; then
  mkdir -p /root/.ssh
  chmod 700 /root/.ssh
  printf '%s\n' "$AUTHORIZED_KEYS" >/root/.ssh/authorized_keys
  chmod 600 /root/.ssh/authorized_keys
fi
