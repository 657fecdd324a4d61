// `npm run lint:docker`: the container lab's files checked without a Docker engine. Each
// Dockerfile is parsed and validated by dockerfile-utils (the Docker language server's
// validator), then held to a few of hadolint's rules and to the repository itself: every
// COPY source must exist, every entrypoint script must be executable. The compose file goes
// through dclint, and each service's Dockerfile must exist.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { DockerfileParser } from 'dockerfile-ast';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { parse as parseYaml } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOCKER = join(ROOT, 'docker');
const problems = [];

function dockerfiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? dockerfiles(join(dir, e.name)) : e.name === 'Dockerfile' ? [join(dir, e.name)] : [],
  );
}

const strict = Object.fromEntries(
  [
    'deprecatedMaintainer',
    'directiveCasing',
    'emptyContinuationLine',
    'instructionCasing',
    'instructionCmdMultiple',
    'instructionEntrypointMultiple',
    'instructionHealthcheckMultiple',
    'instructionJSONInSingleQuotes',
    'instructionWorkdirRelative',
  ].map((k) => [k, ValidationSeverity.ERROR]),
);

function lintDockerfile(file) {
  const rel = file.slice(ROOT.length + 1);
  const text = readFileSync(file, 'utf8');
  const say = (line, msg) => problems.push(`${rel}:${line + 1}: ${msg}`);
  for (const d of validate(text, strict)) say(d.range.start.line, d.message);

  const df = DockerfileParser.parse(text);
  const hasPipefail = df
    .getInstructions()
    .some((i) => i.getKeyword() === 'SHELL' && /pipefail/.test(i.getTextContent()));
  for (const ins of df.getInstructions()) {
    const line = ins.getRange().start.line;
    const body = ins.getTextContent();
    const kw = ins.getKeyword();
    if (kw === 'RUN') {
      if (/apt-get install/.test(body) && !/--no-install-recommends/.test(body))
        say(line, 'DL3015: apt-get install without --no-install-recommends');
      if (/apt-get install/.test(body) && !/rm -rf \/var\/lib\/apt\/lists/.test(body))
        say(line, 'DL3009: apt lists left in the layer');
      if (/apt-get install/.test(body)) {
        const pkgs = body
          .split(/apt-get install/)[1]
          .split(/&&|\n/)[0]
          .split(/\s+/)
          .filter((w) => w && !w.startsWith('-') && w !== '\\');
        for (const p of pkgs) if (!p.includes('=')) say(line, `DL3008: pin the version of ${p}`);
      }
      if (/\|/.test(body.replace(/\|\|/g, '')) && !hasPipefail)
        say(line, 'DL4006: a RUN with a pipe needs SHELL ["/bin/bash", "-o", "pipefail", "-c"]');
      if (/\bsudo\b/.test(body)) say(line, 'DL3004: do not use sudo');
    }
    if (kw === 'ADD') say(line, 'DL3020: use COPY, not ADD');
    if (kw === 'FROM' && /:latest\b|^FROM\s+[^:\s]+\s*$/.test(body))
      say(line, 'DL3006/DL3007: pin the base image tag');
    if (kw === 'COPY') {
      const args = ins.getArguments().map((a) => a.getValue());
      for (const src of args.slice(0, -1).filter((a) => !a.startsWith('--')))
        if (!existsSync(join(ROOT, src))) say(line, `COPY source ${src} does not exist`);
    }
    if (kw === 'ENTRYPOINT') {
      const m = /\["([^"]+)"/.exec(body);
      const script = m?.[1];
      const inRepo = script?.startsWith('/opt/vmigrate/') ? script.slice('/opt/vmigrate/'.length) : undefined;
      const local =
        inRepo ??
        (script === '/usr/local/bin/lab-entrypoint' ? join(dirname(rel), 'entrypoint.sh') : undefined);
      if (local) {
        try {
          accessSync(join(ROOT, local), constants.X_OK);
        } catch {
          say(line, `entrypoint ${local} is missing or not executable`);
        }
      }
    }
  }
}

function lintCompose(file) {
  const rel = file.slice(ROOT.length + 1);
  try {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'dclint'), [file, '--max-warnings', '0'], {
      stdio: 'pipe',
      env: { ...process.env, VMIGRATE_LAB_KEY: 'ssh-ed25519 AAAA lint' },
    });
  } catch (err) {
    problems.push(`${rel}: dclint:\n${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}`);
  }
  const compose = parseYaml(readFileSync(file, 'utf8'));
  for (const [name, svc] of Object.entries(compose.services ?? {})) {
    const ctx = resolve(dirname(file), svc.build?.context ?? '.');
    const dockerfile = join(ctx, svc.build?.dockerfile ?? 'Dockerfile');
    if (!existsSync(dockerfile) || !statSync(dockerfile).isFile())
      problems.push(`${rel}: service ${name} builds ${dockerfile}, which does not exist`);
  }
}

const files = dockerfiles(DOCKER);
files.forEach(lintDockerfile);
lintCompose(join(DOCKER, 'compose.yaml'));
if (problems.length > 0) {
  process.stderr.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`docker: ${files.length} Dockerfiles and compose.yaml pass\n`);
