/**
 * Lab networking: one bridge in the root namespace, and per host a network namespace joined
 * to it by a veth pair. Every address is on that bridge; nothing leaves the machine.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function bridgeName(id: number): string {
  return `vml${id}`;
}

export function netnsName(id: number, host: string): string {
  return `vml${id}-${host}`;
}

export function subnet(id: number): string {
  return `10.213.${id}`;
}

/** The first id whose bridge does not exist yet. */
export function freeLabId(): number {
  for (let id = 1; id < 250; id++) {
    if (!existsSync(`/sys/class/net/${bridgeName(id)}`) && !existsSync(`/run/netns/${netnsName(id, 'old')}`))
      return id;
  }
  throw new Error('no free lab network id (1-249 all in use)');
}

export function createBridge(id: number): void {
  const br = bridgeName(id);
  sh('ip', ['link', 'add', br, 'type', 'bridge']);
  sh('ip', ['addr', 'add', `${subnet(id)}.1/24`, 'dev', br]);
  sh('ip', ['link', 'set', br, 'up']);
}

export function createHostNetns(id: number, host: string, octet: number): string {
  const ns = netnsName(id, host);
  // Named by the address, not the host: interface names stop at 15 characters, and old and
  // oldsql would share a prefix.
  const veth = `${bridgeName(id)}h${octet}`;
  sh('ip', ['netns', 'add', ns]);
  sh('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  sh('ip', ['link', 'set', veth, 'master', bridgeName(id), 'up']);
  sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  sh('ip', ['-n', ns, 'addr', 'add', `${subnet(id)}.${octet}/24`, 'dev', 'eth0']);
  sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
  sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', `${subnet(id)}.1`]);
  return `${subnet(id)}.${octet}`;
}

export function netnsPids(ns: string): number[] {
  try {
    return sh('ip', ['netns', 'pids', ns])
      .split('\n')
      .filter((l) => /^\d+$/.test(l.trim()))
      .map(Number);
  } catch {
    return [];
  }
}

export function deleteNetns(ns: string): void {
  try {
    sh('ip', ['netns', 'del', ns]);
  } catch {
    // already gone
  }
}

export function deleteBridge(id: number): void {
  try {
    sh('ip', ['link', 'del', bridgeName(id)]);
  } catch {
    // already gone
  }
}
