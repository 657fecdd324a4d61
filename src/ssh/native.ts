/** Whether ssh2 loaded its native crypto binding (an install with --ignore-scripts drops it). */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function nativeCryptoLoaded(): boolean {
  try {
    const crypto = require('ssh2/lib/protocol/crypto.js') as { bindingAvailable?: boolean };
    return crypto.bindingAvailable === true;
  } catch {
    return false;
  }
}
