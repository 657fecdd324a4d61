/** Whether ssh2 loaded its native crypto binding (an install with --ignore-scripts drops it). */
import { lateRequire } from '../late-require.js';

export function nativeCryptoLoaded(): boolean {
  try {
    const crypto = lateRequire('ssh2/lib/protocol/crypto.js') as { bindingAvailable?: boolean };
    return crypto.bindingAvailable === true;
  } catch {
    return false;
  }
}
