/**
 * Domain and user names checked at the boundary, before anything reaches a server. The rules
 * are vpopmail's, narrowed to what is safe to handle: no shell metacharacters in user names,
 * IDN only as punycode (a Unicode name is converted and the error says to what).
 */
import { domainToASCII } from 'node:url';
import { UsageError } from '../errors.js';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function validateDomain(input: string): string {
  const name = input.trim().toLowerCase().replace(/\.$/, '');
  // Before any IDN hint: the URL standard drops TABs and newlines, so domainToASCII would turn
  // "exa\nmple.com" into an unrelated real name and suggest it.
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f-\u009f]/.exec(name);
  if (control)
    throw new UsageError(
      `${JSON.stringify(input)} is not a valid domain name: it contains a control character (${JSON.stringify(control[0])})`,
    );
  if (/[^\x20-\x7e]/.test(name)) {
    const ascii = domainToASCII(name);
    throw new UsageError(
      ascii
        ? `"${input}" is an internationalised name; vpopmail stores it as punycode: use "${ascii}"`
        : `"${input}" is not a valid domain name`,
    );
  }
  const labels = name.split('.');
  if (name.length > 96 || labels.length < 2 || !labels.every((l) => LABEL.test(l)))
    throw new UsageError(
      `"${input}" is not a valid domain name (letters, digits, hyphens and dots, at least one dot, at most 96 characters)`,
    );
  return name;
}

/** vpopmail's own name rule is wider; these are the names vmigrate will carry across. */
const USER = /^[a-z0-9][a-z0-9._+=-]{1,31}$/;

export function validateUser(input: string): string {
  const name = input.toLowerCase();
  if (!USER.test(name) || name.length > 32)
    throw new UsageError(
      `"${input}" is not a user name vmigrate can handle (2-32 of a-z 0-9 . _ + = -, starting with a letter or digit)`,
    );
  return name;
}
