#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { execute } from '@oclif/core';

// Memory before speed in V8's heap sizing: the young generation stays at its first size
// instead of growing to its maximum under a relay's allocation rate (decrypted packets die
// young), and the old one grows in smaller steps. A move of 2,000 small mailboxes peaked at
// 127-129 MB instead of 157-181, for the same CPU (docs/performance.md). V8 reads both when it
// sizes its spaces, so setting them here, before any work, is enough.
setFlagsFromString('--semi-space-growth-factor=1');
setFlagsFromString('--optimize-for-size');

await execute({ dir: import.meta.url });
