/** Whether the process that recorded a run or a lock may still be running. */
import { hostname } from 'node:os';

/** Whether a process of this machine is alive (EPERM: alive, someone else's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the controller that recorded `pid` on `controller` may still be running. */
export function controllerAlive(pid: number | undefined, controller: string | undefined): boolean {
  if (pid === undefined) return false;
  // Another machine's process cannot be checked from here: assume it lives.
  if (controller !== undefined && controller !== hostname()) return true;
  return processAlive(pid);
}
