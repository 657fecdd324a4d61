import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // A hang detector, not a speed check: the unit files share two cores with the lab's
          // integration run, and generating the fixture plan twice took 5.1 s there once.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/lab/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // The lab has two cores to share with sshd and tar: files run one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
