#!/usr/bin/env -S node --no-concurrent-recompilation
import { setFlagsFromString } from 'node:v8';
import { execute } from '@oclif/core';

// The young generation stays at its first size instead of growing to its maximum under the
// allocation rate of a relay (decrypted packets die young): 20-30 MB less resident memory for
// the same CPU (docs/performance.md). V8 reads this flag each time it would grow the space.
setFlagsFromString('--semi-space-growth-factor=1');
// The shebang's flag is one V8 reads only as it starts: hot functions are optimised on the
// main thread instead of a background thread with a malloc arena of its own. A move of 2,000
// small mailboxes peaked at 116-123 MiB in five runs with it, 124-133 without, for the same
// CPU (docs/performance.md). `node bin/run.js` runs without it.

await execute({ dir: import.meta.url });
