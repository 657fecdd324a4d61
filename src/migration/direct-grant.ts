/**
 * The destination's side of the direct data path: one authorized_keys line that lets the run's
 * key (held only by the controller's in-process agent, see src/ssh/ephemeral-agent.ts) do one
 * thing — unpack a tar stream into the domain being moved, with vmigrate's own extractor — and
 * nothing else, from the source's addresses only, until it expires. Pure: the line and how a
 * stream asks for it.
 *
 * The forced command never evaluates what the client sends. The client names its stream as
 * `vmigrate-receive <base> <decompressor> <transform>`, the two paths as `\0NNN` octal escapes
 * (only backslashes and digits travel, so no word splits and no glob or quote can reach a
 * shell); the gatekeeper decodes them with printf %b, and refuses a base outside the domain
 * directory or through `..`, an unknown decompressor, or a transform with other characters
 * than vmigrate's own. The extractor's text and the owner are part of the line itself.
 */
import { quote } from '../remote/quote.js';

/** What names a grant line: `vmigrate-direct <run> <domain>`, its last words. */
export const GRANT_MARKER = /^vmigrate-direct [0-9]+ [a-z0-9.-]+$/;

export function grantMarker(runId: number, domain: string): string {
  const m = `vmigrate-direct ${runId} ${domain}`;
  if (!GRANT_MARKER.test(m)) throw new Error(`not a grant marker: ${m}`);
  return m;
}

export interface GrantInput {
  /** `ssh-ed25519 AAAA…` of the run's key. */
  publicKey: string;
  /** Addresses the source connects from, as sshd's `from=` pattern-list takes them. */
  from: readonly string[];
  /** When sshd stops accepting the key even if the line is left behind. */
  expires: Date;
  /** The domain directory on the destination: every stream unpacks below it. */
  domainDir: string;
  /** uid:gid that own the domain's files there. */
  owner: string;
  /** The extractor (src/maildir/extract-script.sh). */
  extractScript: string;
  /** The login is not root: the extractor runs through `sudo -n`. */
  sudo: boolean;
  /** Names the line, so that it is found and removed: `vmigrate-direct <run> <domain>`. */
  marker: string;
}

const DECOMPRESSORS: Record<string, string> = { '-': '', gzip: 'gzip', zstd: 'zstd -q' };

/** sshd's expiry-time: YYYYMMDDHHMM, in UTC with the Z sshd reads as such. */
function expiryTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}Z`;
}

/** The gatekeeper run as the forced command: checks the request, then runs the extractor. */
export function gatekeeper(g: Pick<GrantInput, 'domainDir' | 'owner' | 'extractScript' | 'sudo'>): string {
  const decompressors = Object.entries(DECOMPRESSORS)
    .map(([name, cmd]) => `${name}) z=${quote(cmd)} ;;`)
    .join(' ');
  return [
    'set -f',
    "IFS=' '",
    'set -- $SSH_ORIGINAL_COMMAND',
    'no() { echo "vmigrate: refused: $1" >&2; exit 126; }',
    // The run's check of its grant: the line works, and from where the destination sees the source.
    '[ "$*" = vmigrate-hello ] && { echo "vmigrate-hello ${SSH_CONNECTION%% *}"; exit 0; }',
    '[ $# -eq 4 ] && [ "$1" = vmigrate-receive ] || no "not a vmigrate stream"',
    // Only backslashes and octal digits, decoded by printf %b; a trailing x keeps a final newline.
    'dec() { case $1 in -) ;; *[!\\\\0-7]*) return 1 ;; *) printf \'%b\' "$1" ;; esac; printf x; }',
    'b=$(dec "$2") || no "base"',
    'b=${b%x}',
    't=$(dec "$4") || no "transform"',
    't=${t%x}',
    `D=${quote(g.domainDir)}`,
    'case $b in "$D" | "$D"/*) ;; *) no "base outside the domain" ;; esac',
    'case $b/ in */../* | */./* | *//*) no "base not plain" ;; esac',
    `case $3 in ${decompressors} *) no "decompressor" ;; esac`,
    // vmigrate's transforms: s,^<place>/,.p/<place>/,S (or .s/) joined by ; (tar-relay.ts).
    // In a pattern `;` must be escaped: the shell reads it before the bracket expression does.
    'case $t in *[!-A-Za-z0-9._/,^\\\\\\;S@+=]*) no "transform" ;; esac',
    // In English whatever sshd's environment says: the controller reads a full disk from its words.
    `exec ${g.sudo ? 'sudo -n ' : ''}env LC_ALL=C sh -c ${quote(g.extractScript)} vmigrate-extract "$b" ${quote(g.owner)} "$z" "$t"`,
  ].join('\n');
}

/** For printf %b: backslashes doubled, newlines as \\n, so that the text is one line. */
function oneLine(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

/** A shell script without its comment lines: the line that carries it stays short. */
export function withoutComments(script: string): string {
  return script
    .split('\n')
    .filter((l) => !/^\s*#/.test(l) && l.trim() !== '')
    .join('\n');
}

/**
 * The authorized_keys line: one line, whatever the scripts hold. The forced command rebuilds
 * the gatekeeper with printf %b and runs it; sshd reads `\"` in an option's value as `"`.
 */
export function grantLine(g: GrantInput): string {
  if (!GRANT_MARKER.test(g.marker) || /[\n\r]/.test(g.publicKey))
    throw new Error('a grant line needs a grant marker and a one-line key');
  const keeper = gatekeeper({ ...g, extractScript: withoutComments(g.extractScript) });
  const command = `exec sh -c "$(printf '%b' ${quote(oneLine(keeper))})"`;
  const options = [
    'restrict',
    `from="${g.from.join(',')}"`,
    `expiry-time="${expiryTime(g.expires)}"`,
    `command="${command.replaceAll('"', '\\"')}"`,
  ];
  return `${options.join(',')} ${g.publicKey} ${g.marker}`;
}
