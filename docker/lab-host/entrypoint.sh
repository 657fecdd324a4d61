#!/bin/sh
# Starts a container lab host: host keys, the operator's public key for root, the emulated
# qmail-send (SMTP on port 25), then sshd in the foreground.
set -eu
ssh-keygen -A >/dev/null
/opt/vmigrate/docker/authorize-root-key.sh
/var/qmail/bin/qmail-send >>/var/qmail/emulator/qmail-send.log 2>&1 </dev/null &
exec /usr/sbin/sshd -D -e -o PermitRootLogin=prohibit-password -o PasswordAuthentication=no
