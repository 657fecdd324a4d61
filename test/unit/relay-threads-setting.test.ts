/** VMIGRATE_RELAY_THREADS: when the relay's channels run on stream threads. */
import { describe, expect, it } from 'vitest';
import { relayThreadsWanted } from '../../src/remote/stream-thread.js';

describe('relayThreadsWanted', () => {
  it('off unless asked for, whatever the cores', () => {
    expect(relayThreadsWanted(undefined, 16)).toBe(false);
    expect(relayThreadsWanted('', 16)).toBe(false);
    expect(relayThreadsWanted('off', 16)).toBe(false);
    expect(relayThreadsWanted('on', 2)).toBe(true);
  });

  it('auto: from four cores up, where the threads have cores to run on', () => {
    expect(relayThreadsWanted('auto', 3)).toBe(false);
    expect(relayThreadsWanted('auto', 4)).toBe(true);
    expect(relayThreadsWanted(' AUTO ', 8)).toBe(true);
  });

  it('names a value it does not know', () => {
    expect(() => relayThreadsWanted('yes', 8)).toThrow(/VMIGRATE_RELAY_THREADS is "yes": on, off or auto/);
  });
});
