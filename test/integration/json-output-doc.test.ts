/**
 * docs/json-output.md is checked against the real output: every example headed by a command
 * line is run, in order, against the lab (one state store, so `status 1` finds the run the
 * `move` before it made), and the fields it prints must be exactly the fields the example
 * shows, at every depth. A field added to or dropped from a command's output fails here until
 * the document says so.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStateDir, runLabCli } from '../helpers/lab-cli.js';
import { useMailHosts } from '../helpers/vpopmail.js';

const DOC = new URL('../../docs/json-output.md', import.meta.url);

interface Example {
  command: string[];
  kind: 'json' | 'jsonl';
  text: string;
}

/** Each "### `vmigrate …`" heading and the json/jsonl block that follows it. */
function examplesOf(markdown: string): Example[] {
  const out: Example[] = [];
  const re = /^### `vmigrate ([^`]+)`\n[\s\S]*?```(jsonl?)\n([\s\S]*?)```/gm;
  for (const m of markdown.matchAll(re))
    out.push({ command: m[1]!.split(' '), kind: m[2] as 'json' | 'jsonl', text: m[3]! });
  return out;
}

/** Every field path of a value; array elements share one path (`[]`). */
function fieldPaths(v: unknown, at = '', into = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) fieldPaths(x, `${at}[]`, into);
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      into.add(`${at}.${k}`);
      fieldPaths(x, `${at}.${k}`, into);
    }
  return into;
}

/** JSON lines: the field paths of each kind of event. */
function eventPaths(text: string): Record<string, string[]> {
  const by: Record<string, Set<string>> = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const e = JSON.parse(line) as { event: string };
    fieldPaths(e, '', (by[e.event] ??= new Set()));
  }
  return Object.fromEntries(Object.entries(by).map(([k, v]) => [k, [...v].sort()]));
}

describe('docs/json-output.md', () => {
  const hosts = useMailHosts();
  const examples = examplesOf(readFileSync(DOC, 'utf8'));
  const domains = new Set(examples.flatMap((e) => e.command.filter((w) => /^filler\d+\.example$/.test(w))));
  const drop = async () => {
    for (const d of domains)
      await hosts.new.sh(`${hosts.new.home}/bin/vdeldomain -f ${d} >/dev/null 2>&1; true`);
  };
  beforeAll(drop);
  afterAll(drop);

  it('documents the commands, and each example has the fields the command really prints', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
    const state = freshStateDir();
    for (const ex of examples) {
      const r = runLabCli(ex.command, { state });
      const what = `vmigrate ${ex.command.join(' ')}\n${r.stdout}\n${r.stderr}`;
      if (ex.kind === 'json')
        expect([...fieldPaths(JSON.parse(r.stdout))].sort(), what).toEqual(
          [...fieldPaths(JSON.parse(ex.text))].sort(),
        );
      else expect(eventPaths(r.stdout), what).toEqual(eventPaths(ex.text));
    }
  }, 300_000);
});
