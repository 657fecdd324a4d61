/** What the listing command (src/maildir/listing.ts) prints for these entries of these user directories. */
import type { MaildirEntry } from '../../src/maildir/listing.js';

export function listingRecords(byDir: Record<string, readonly MaildirEntry[]>): string {
  return Object.entries(byDir)
    .flatMap(([dir, entries]) =>
      entries.map(
        (e) =>
          `${dir}/Maildir\0${e.type} ${e.mode.slice(1)} ${e.size} 1.0 ${e.path === 'Maildir' ? 'Maildir/' : e.path}\0`,
      ),
    )
    .join('');
}
