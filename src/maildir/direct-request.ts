/**
 * How a direct stream names what it wants of the destination's gatekeeper
 * (migration/direct-grant.ts): `vmigrate-receive <base> <decompressor> <transform>`, the two
 * texts as `\0NNN` octal escapes so that nothing but backslashes and digits travels. Pure.
 */

/** One argument of a stream's request: `-` for empty, else every byte as `\0NNN`. */
export function encodeArg(value: string): string {
  if (value === '') return '-';
  return [...Buffer.from(value)].map((b) => `\\0${b.toString(8).padStart(3, '0')}`).join('');
}

/** What the source's ssh sends for one stream (SSH_ORIGINAL_COMMAND on the destination). */
export function receiveRequest(o: {
  base: string;
  compress: 'gzip' | 'zstd' | undefined;
  transform: string;
}): string {
  return ['vmigrate-receive', encodeArg(o.base), o.compress ?? '-', encodeArg(o.transform)].join(' ');
}

/** Asks the gatekeeper only to say where it sees the source connect from: the grant's check. */
export const HELLO_REQUEST = 'vmigrate-hello';
