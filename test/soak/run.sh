#!/bin/sh
# The fault trials in their long form (VMIGRATE_SOAK=1); npm test runs the same tests short:
#   - the controller killed at 100 seeded points instead of 20 (or VMIGRATE_KILL_TRIALS)
#   - the source's sshd down for a minute instead of 5 s (or VMIGRATE_SSHD_DOWN_SECONDS)
#   - a connection idle for 5 minutes instead of 20 s (or VMIGRATE_IDLE_SECONDS)
#   - the live cutover with five seeds instead of two, the cutover killed at each journaled
#     point both continued and rolled back
#   - a silent connection, a busy mailbox and a full destination, as in the suite
# Needs what the suite needs (Linux, root, the lab's packages: see README).
set -eu
cd "$(dirname "$0")/../.."
export VMIGRATE_SOAK=1
npm run build
exec npx vitest run --project integration \
  test/integration/resume.test.ts \
  test/integration/sshd-restart.test.ts \
  test/integration/slow-link.test.ts \
  test/integration/silent-link.test.ts \
  test/integration/busy-mailbox.test.ts \
  test/integration/destination-full.test.ts \
  test/integration/cutover-live.test.ts \
  test/integration/cutover-kill.test.ts
