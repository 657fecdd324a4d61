import { describe, expect, it } from 'vitest';
import { chunkLimitsFor, DIRECT_SLICES, planChunks } from '../../src/maildir/chunks.js';

const members = [
  'Maildir/.Sent',
  'Maildir/.Sent/cur',
  'Maildir/.Sent/cur/1.a:2,S',
  'Maildir/.Sent/cur/2.a:2,S',
  'Maildir/cur/3.a:2,S',
  'Maildir/cur/4.a:2,S',
  'Maildir/cur/5.a:2,S',
  'Maildir/courierimapuiddb',
];
const sizes: Record<string, number> = {
  'Maildir/.Sent/cur/1.a:2,S': 600,
  'Maildir/.Sent/cur/2.a:2,S': 500,
  'Maildir/cur/3.a:2,S': 100,
  'Maildir/cur/4.a:2,S': 2000,
  'Maildir/cur/5.a:2,S': 100,
  'Maildir/courierimapuiddb': 10,
};
const isDir = (p: string) => !(p in sizes);
const sizeOf = (p: string) => sizes[p] ?? 0;

describe('planChunks', () => {
  it('keeps directories apart and slices the files in order, by bytes and by count', () => {
    const plan = planChunks(members, isDir, sizeOf, { maxBytes: 1000, maxFiles: 10 });
    expect(plan.dirs).toEqual(['Maildir/.Sent', 'Maildir/.Sent/cur']);
    expect(plan.chunks).toEqual([
      ['Maildir/.Sent/cur/1.a:2,S'],
      ['Maildir/.Sent/cur/2.a:2,S', 'Maildir/cur/3.a:2,S'],
      // A file bigger than a slice is a slice of its own.
      ['Maildir/cur/4.a:2,S'],
      ['Maildir/cur/5.a:2,S', 'Maildir/courierimapuiddb'],
    ]);
    expect(
      planChunks(members, isDir, sizeOf, { maxBytes: Infinity, maxFiles: 2 }).chunks.map((c) => c.length),
    ).toEqual([2, 2, 2]);
  });

  it('makes one slice when there are no limits, and none when only directories are copied', () => {
    expect(
      planChunks(members, isDir, sizeOf, { maxBytes: Infinity, maxFiles: Infinity }).chunks,
    ).toHaveLength(1);
    expect(
      planChunks(['Maildir/.Sent', 'Maildir/.Sent/cur'], isDir, sizeOf, { maxBytes: 1, maxFiles: 1 }),
    ).toEqual({
      dirs: ['Maildir/.Sent', 'Maildir/.Sent/cur'],
      chunks: [],
    });
  });
});

describe('chunkLimitsFor', () => {
  it('aims at three slices per stream, within 4–64 MiB and 500–5000 files', () => {
    expect(chunkLimitsFor({ bytes: 600e6, files: 30000 }, 8)).toEqual({
      maxBytes: 25_000_000,
      maxFiles: 1250,
    });
    expect(chunkLimitsFor({ bytes: 1e6, files: 10 }, 8)).toEqual({
      maxBytes: 4 * 1024 * 1024,
      maxFiles: 500,
    });
    expect(chunkLimitsFor({ bytes: 1e12, files: 1e7 }, 8)).toEqual({
      maxBytes: 64 * 1024 * 1024,
      maxFiles: 5000,
    });
  });
  it('aims at one larger slice per stream on the direct path, up to 256 MiB and 20000 files', () => {
    expect(chunkLimitsFor({ bytes: 745e6, files: 6091 }, 8, DIRECT_SLICES)).toEqual({
      maxBytes: 93_125_000,
      maxFiles: 761,
    });
    expect(chunkLimitsFor({ bytes: 1e12, files: 1e7 }, 8, DIRECT_SLICES)).toEqual({
      maxBytes: 256 * 1024 * 1024,
      maxFiles: 20000,
    });
  });
});
