/** vitest global setup for integration tests: a fresh lab with the standard fixture, torn down after. */
import type { TestProject } from 'vitest/node';
import { loadNamedFixture } from './fixtures/index.js';
import type { HostDirs } from './fixtures/load.js';
import type { FixturePlan } from './fixtures/plan.js';
import { readLab, startLab, stopLab, type LabInfo } from './lab.js';
import { withLabRemote } from './connect.js';
import { readDirs } from './fixtures/load.js';
import { standardFixture } from './fixtures/standard.js';

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabInfo;
    /** The standard fixture, loaded on `old` once per run; `new` starts empty. */
    fixture: { plan: FixturePlan; dirs: HostDirs };
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  // Developers may point the tests at a running lab (`npm run lab -- up --fixture standard`).
  const reuse = process.env.VMIGRATE_TEST_LAB;
  if (reuse) {
    const running = readLab(reuse);
    if (!running) throw new Error(`VMIGRATE_TEST_LAB=${reuse}: no such lab is running`);
    project.provide('lab', running);
    const plan = standardFixture(1);
    const old = running.hosts.old.vpopmail;
    if (!old) throw new Error('the old host has no vpopmail');
    const dirs = await withLabRemote(running, 'old', (remote) => readDirs(remote, { vpopmail: old }, plan));
    project.provide('fixture', { plan, dirs });
    return () => undefined;
  }
  const lab = await startLab(`test-${process.pid}`);
  project.provide('lab', lab);
  try {
    project.provide('fixture', await loadNamedFixture(lab, 'standard'));
  } catch (err) {
    stopLab(lab);
    throw err;
  }
  return () => stopLab(lab);
}
