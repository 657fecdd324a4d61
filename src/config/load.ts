/**
 * Finding and validating vmigrate configuration files. The project file (`./vmigrate.yaml`) is
 * layered over the user's (`~/.config/vmigrate/config.yaml`): a profile in the project file
 * replaces the user's profile of the same name. `--config` or VMIGRATE_CONFIG names one file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

import { UsageError } from '../errors.js';
import { userConfigDir } from '../paths.js';
import { configSchema, type VmigrateConfig } from './schema.js';

export interface LoadedConfig {
  config: VmigrateConfig;
  files: string[];
}

export function parseConfigText(text: string, file: string): VmigrateConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new UsageError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new UsageError(`${file}: invalid configuration:\n${problems.join('\n')}`, {
      hint: 'see docs/configuration.md for the fields a host profile accepts',
    });
  }
  return parsed.data;
}

function readConfigFile(file: string): VmigrateConfig {
  return parseConfigText(readFileSync(file, 'utf8'), file);
}

export function candidateConfigFiles(cwd = process.cwd()): string[] {
  const user = ['config.yaml', 'config.yml'].map((f) => join(userConfigDir(), f));
  const project = ['vmigrate.yaml', 'vmigrate.yml'].map((f) => join(cwd, f));
  return [...user, ...project];
}

export function loadConfig(explicit?: string, cwd = process.cwd()): LoadedConfig {
  const named = explicit ?? process.env.VMIGRATE_CONFIG;
  if (named) {
    const file = resolve(cwd, named);
    if (!existsSync(file)) throw new UsageError(`configuration file ${file} does not exist`);
    return { config: readConfigFile(file), files: [file] };
  }
  const files = candidateConfigFiles(cwd).filter((f) => existsSync(f));
  const config: VmigrateConfig = { hosts: {} };
  for (const file of files) Object.assign(config.hosts, readConfigFile(file).hosts);
  return { config, files };
}

export type { VmigrateConfig };
