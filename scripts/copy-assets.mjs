// Copies the non-TypeScript files that src/ reads at run time (shell scripts) into dist/.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.sh')) cpSync(path, join('dist', path));
  }
}
walk('src');
