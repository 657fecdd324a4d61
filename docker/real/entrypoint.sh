#!/bin/sh
# Starts the real-software host: host keys, the operator's public key for root, qmail's
# delivery (qmail-start with vpopmail's vdelivermail behind each domain), then sshd.
set -eu
ssh-keygen -A >/dev/null
/usr/local/bin/authorize-root-key
env - PATH=/var/qmail/bin:/usr/local/bin:/usr/bin:/bin qmail-start ./Maildir/ splogger qmail &
exec /usr/sbin/sshd -D -e -o PermitRootLogin=prohibit-password -o PasswordAuthentication=no
