/**
 * A CommonJS package loaded the first time a run needs it instead of as vmigrate starts:
 * loading every package before the command begins was half of a start of 0.65 s, and the
 * SFTP client, the progress bars and the mbox tar writer serve only some runs.
 */
import { createRequire } from 'node:module';

export const lateRequire = createRequire(import.meta.url);
