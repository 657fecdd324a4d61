/** vitest global setup for integration tests: a fresh lab for the run, torn down after. */
import type { TestProject } from 'vitest/node';
import { startLab, stopLab, type LabInfo } from './lab.js';

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const lab = await startLab(`test-${process.pid}`);
  project.provide('lab', lab);
  return () => stopLab(lab);
}
