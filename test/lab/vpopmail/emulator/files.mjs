// File writing as vpopmail does it: new files take the process umask (077 in nearly every
// tool), vpopmail-owned files are chowned to the domain's uid:gid.
import {
  chownSync,
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import process from 'node:process';

export function chown(path, uid, gid) {
  try {
    chownSync(path, uid, gid);
  } catch (e) {
    // Not root: the file is already ours, as it would be for the vpopmail user itself.
    if (e.code !== 'EPERM') throw e;
  }
}

/**
 * Replace a file with a new inode (so it gets the current umask's mode), owned by uid:gid.
 * `tmp` is the temporary name vpopmail uses where the spec records one (`cdb.tmp` for
 * vpasswd.cdb, spec 4.3). A write that fails (a full disk) removes its temporary file before
 * the error reaches the caller: only a crash leaves one behind.
 */
export function replaceFile(path, data, uid, gid, tmp = `${path}.emu-tmp.${process.pid}`) {
  try {
    writeFileSync(tmp, data);
    if (uid !== undefined) chown(tmp, uid, gid);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function readText(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  }
}

/** vpopmail leaves an empty `<file>.lock` next to each file it locks. */
export function touchLock(path, uid, gid) {
  const lock = `${path}.lock`;
  if (existsSync(lock)) return;
  closeSync(openSync(lock, 'a'));
  if (uid !== undefined) chown(lock, uid, gid);
}

export function removeFile(path) {
  rmSync(path, { force: true });
}

/** Lines of a text file without the final empty one. */
export function readLines(path) {
  const text = readText(path);
  if (text === undefined || text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}
