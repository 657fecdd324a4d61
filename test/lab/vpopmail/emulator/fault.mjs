// A lab knob, not vpopmail: make the Nth call of one program fail as vpopmail fails when it
// cannot write its files (`Error: Could not update file`, exit 239), to test what a migration
// does when a vpopmail command fails half-way through. The test writes
// <qmail>/emulator/fault.json: { "program": "vadduser", "after": 4, "times": 1 } fails the
// 5th call of vadduser from then on (and `times` calls in all); each call counted is written
// back as "seen". Writers are counted under the host lock (one at a time); a reader named in
// the knob is counted too, unlocked (a test names one it calls once at a time).
// "action": "kill-session" instead kills the command's whole session (its process group, as
// the OOM killer or an operator's kill would take a script and its children): a script that
// dies half-way, whatever it printed so far kept.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { emulatorState } from './config.mjs';

/** The exit status to fail this call with, or undefined to run it. */
export function injectedFault(name) {
  const file = emulatorState('fault.json');
  if (!existsSync(file)) return undefined;
  const knob = JSON.parse(readFileSync(file, 'utf8'));
  if (knob.program !== name) return undefined;
  knob.seen = (knob.seen ?? 0) + 1;
  const fail = knob.seen > (knob.after ?? 0) && (knob.failed ?? 0) < (knob.times ?? 1);
  if (fail) knob.failed = (knob.failed ?? 0) + 1;
  writeFileSync(file, JSON.stringify(knob));
  if (!fail) return undefined;
  if (knob.action === 'kill-session') {
    const group = Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ')[2]);
    process.kill(-group, 'SIGKILL');
  }
  process.stdout.write('Error: Could not update file\n');
  return 239;
}
