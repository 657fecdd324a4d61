// vpopmail's error codes (verror) and the 8-bit exit statuses they become (spec 2.3).
import { exit, out } from './io.mjs';

const MESSAGES = new Map([
  [-1, 'Illegal username'],
  [-2, 'Username exists'],
  [-3, 'Unable to chdir to vpopmail directory'],
  [-5, 'Unable to chdir to vpopmail/domains directory'],
  [-6, 'Unable to chdir to vpopmail/domains/domain directory'],
  [-7, "User's directory already exists"],
  [-10, 'User does not exist'],
  [-11, 'Domain does not exist'],
  [-12, 'Invalid domain name'],
  [-13, 'Domain already exists'],
  [-14, 'Could not make domain dir'],
  [-15, 'Could not open qmail default'],
  [-16, 'Can not make domains directory'],
  [-17, 'Could not update file'],
  [-18, 'Crypt failed'],
  [-20, 'bad character'],
  [-22, 'running as invalid uid'],
  [-23, 'no authentication database connection'],
  [-25, 'user name too long'],
  [-26, 'domain name too long'],
  [-27, 'password too long'],
  [-28, 'gecos too long'],
  [-29, 'quota too long'],
  [-30, 'dir too long'],
  [-31, 'clear password too long'],
  [-32, 'alias line too long'],
  [-36, "can't read domain limits"],
  [-37, "can't read users/assign file"],
  [-55, "can't delete catchall account"],
]);

export const E = {
  ILLEGAL_USERNAME: -1,
  USER_DIR_EXISTS: -7,
  NO_USER: -10,
  NO_DOMAIN: -11,
  BAD_DOMAIN: -12,
  DOMAIN_EXISTS: -13,
  BAD_CHAR: -20,
  USER_TOO_LONG: -25,
  DOMAIN_TOO_LONG: -26,
  PASSWD_TOO_LONG: -27,
  GECOS_TOO_LONG: -28,
  QUOTA_TOO_LONG: -29,
  DIR_TOO_LONG: -30,
  CLEAR_TOO_LONG: -31,
  NO_LIMITS: -36,
  NO_AUTH_CONNECTION: -23,
  UPDATE_FAILED: -17,
};

export const verror = (code) => MESSAGES.get(code) ?? 'Unknown error';
export const status = (code) => code & 255;

/** A library failure inside a tool. */
export class VError extends Error {
  constructor(code) {
    super(verror(code));
    this.code = code;
  }
}

/** The common ending of an admin tool: `Error: <verror>` on stdout and the 8-bit status. */
export function die(code, prefix = 'Error: ') {
  out(`${prefix}${verror(code)}`);
  exit(status(code));
}
