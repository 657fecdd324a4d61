/** Flags of the commands that move messages (move, sync). */
import { Flags } from '@oclif/core';
import { DEFAULT_CONCURRENCY } from '../migration/transfer.js';

export const transferFlags = {
  concurrency: Flags.integer({
    description:
      'tar streams at once for a domain, big mailboxes cut in slices (more help on high-latency links)',
    default: DEFAULT_CONCURRENCY,
    min: 1,
    max: 64,
  }),
  delete: Flags.boolean({
    description:
      'remove from the destination the messages deleted on the source since vmigrate copied them (never a message vmigrate did not bring)',
  }),
  compress: Flags.boolean({
    description: 'compress the streams (zstd when both hosts have it, else gzip): for slow links only',
  }),
};
