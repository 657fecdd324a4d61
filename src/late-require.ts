/**
 * A CommonJS package loaded the first time a run needs it instead of as vmigrate starts: the
 * SFTP client, the progress bars and the mbox tar writer serve only some runs, and loading
 * them up front was a quarter of every start (0.12–0.16 s of 0.5–0.6).
 */
import { createRequire } from 'node:module';

export const lateRequire = createRequire(import.meta.url);
