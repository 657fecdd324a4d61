// Writes oclif.manifest.json from the built commands, as `oclif manifest` would: with it the
// CLI imports only the command it runs instead of every command module (about 0.4 s per run).
import { writeFileSync } from 'node:fs';
import process from 'node:process';
import { Config } from '@oclif/core';

const config = await Config.load(process.cwd());
const plugin = config.plugins.get(config.pjson.name);
if (!plugin) throw new Error(`plugin ${config.pjson.name} not found`);
writeFileSync('oclif.manifest.json', `${JSON.stringify(plugin.manifest, null, 2)}\n`);
process.stdout.write(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands\n`);
