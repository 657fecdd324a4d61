// D. J. Bernstein's constant database: the format of vpasswd.cdb, users/cdb and
// morercpthosts.cdb. Written in full each time, as cdbmake does.
import { Buffer } from 'node:buffer';

function hash(key) {
  let h = 5381;
  for (const byte of key) h = ((((h << 5) >>> 0) + h) ^ byte) >>> 0;
  return h;
}

/** @param {Array<[Buffer|string, Buffer|string]>} records in file order */
export function buildCdb(records) {
  const parts = [];
  const entries = [];
  let pos = 2048;
  for (const [k, d] of records) {
    const key = Buffer.from(k);
    const data = Buffer.from(d);
    const head = Buffer.alloc(8);
    head.writeUInt32LE(key.length, 0);
    head.writeUInt32LE(data.length, 4);
    parts.push(head, key, data);
    entries.push({ h: hash(key), pos });
    pos += 8 + key.length + data.length;
  }
  const header = Buffer.alloc(2048);
  const tables = [];
  for (let t = 0; t < 256; t++) {
    const mine = entries.filter((e) => (e.h & 255) === t);
    const slots = mine.length * 2;
    header.writeUInt32LE(pos, t * 8);
    header.writeUInt32LE(slots, t * 8 + 4);
    if (slots === 0) continue;
    const table = Buffer.alloc(slots * 8);
    const used = new Array(slots).fill(false);
    for (const e of mine) {
      let slot = (e.h >>> 8) % slots;
      while (used[slot]) slot = (slot + 1) % slots;
      used[slot] = true;
      table.writeUInt32LE(e.h, slot * 8);
      table.writeUInt32LE(e.pos, slot * 8 + 4);
    }
    tables.push(table);
    pos += table.length;
  }
  return Buffer.concat([header, ...parts, ...tables]);
}

/** Every value stored under `key`, in order. */
export function cdbGetAll(buf, k) {
  const key = Buffer.from(k);
  const h = hash(key);
  const t = h & 255;
  const tpos = buf.readUInt32LE(t * 8);
  const slots = buf.readUInt32LE(t * 8 + 4);
  const found = [];
  if (slots === 0) return found;
  let slot = (h >>> 8) % slots;
  for (let i = 0; i < slots; i++) {
    const eh = buf.readUInt32LE(tpos + slot * 8);
    const epos = buf.readUInt32LE(tpos + slot * 8 + 4);
    if (epos === 0) break;
    if (eh === h) {
      const klen = buf.readUInt32LE(epos);
      const dlen = buf.readUInt32LE(epos + 4);
      if (klen === key.length && buf.subarray(epos + 8, epos + 8 + klen).equals(key))
        found.push(buf.subarray(epos + 8 + klen, epos + 8 + klen + dlen));
    }
    slot = (slot + 1) % slots;
  }
  return found;
}

export function cdbGet(buf, key) {
  return cdbGetAll(buf, key)[0];
}
