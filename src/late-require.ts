/**
 * vmigrate's one `require`: for CommonJS code it reaches into (ssh2's crypto module, to see
 * whether its native binding loaded), and for packages it loads the first time a run needs
 * them instead of as it starts. The SFTP client, the progress bars and the mbox tar writer
 * serve only some runs; loading them up front was a quarter of every start (0.12–0.16 s of
 * 0.5–0.6).
 */
import { createRequire } from 'node:module';

export const lateRequire = createRequire(import.meta.url);
