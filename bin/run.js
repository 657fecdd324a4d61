#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { execute } from '@oclif/core';

// The young generation stays at its first size instead of growing to its maximum under the
// allocation rate of a relay (decrypted packets die young): 20-30 MB less resident memory for
// the same CPU (docs/performance.md). V8 reads this flag each time it would grow the space.
setFlagsFromString('--semi-space-growth-factor=1');

await execute({ dir: import.meta.url });
