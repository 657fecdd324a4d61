import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of docs/ARCHITECTURE.md, enforced: what each folder must never import. Type-only
 * imports are allowed where a layer renders or passes on another layer's data without using
 * its code (`types`).
 */
const LAYERS = {
  commands: { never: ['ssh', 'remote', 'maildir', 'config', 'log'], types: ['state', 'vpopmail'] },
  'src/cli': { never: ['remote', 'maildir', 'vpopmail', 'config'] },
  'src/ui': { never: ['ssh', 'remote', 'config', 'cli', 'log'], types: ['state', 'hosts', 'migration'] },
  'src/migration': { never: ['ssh', 'cli', 'ui', 'config'] },
  'src/vpopmail': { never: ['migration', 'cli', 'ui', 'state', 'ssh', 'config', 'log'], types: ['hosts'] },
  'src/system': {
    never: ['migration', 'maildir', 'cli', 'ui', 'state', 'ssh', 'config', 'log'],
    types: ['hosts'],
  },
  'src/maildir': { never: ['vpopmail', 'migration', 'hosts', 'cli', 'ui', 'state', 'ssh', 'config'] },
  'src/remote': { never: ['vpopmail', 'maildir', 'migration', 'state', 'hosts', 'cli', 'ui', 'config'] },
  'src/ssh': { never: ['remote', 'vpopmail', 'maildir', 'migration', 'state', 'hosts', 'cli', 'ui'] },
  'src/state': {
    never: ['remote', 'ssh', 'hosts', 'vpopmail', 'maildir', 'migration', 'cli', 'ui', 'config', 'log'],
  },
  'src/hosts': { never: ['vpopmail', 'maildir', 'migration', 'state', 'cli', 'ui'] },
  'src/config': {
    never: ['remote', 'ssh', 'hosts', 'vpopmail', 'maildir', 'migration', 'state', 'cli', 'ui', 'log'],
  },
  'src/log': {
    never: ['remote', 'ssh', 'hosts', 'vpopmail', 'maildir', 'migration', 'state', 'cli', 'ui', 'config'],
  },
};

function layerRule(folder, { never = [], types = [] }) {
  // From commands/ the layers are ../src/<layer>/ (or ../../src/ in a topic); inside src/, ../<layer>/.
  const prefix = folder === 'commands' ? '^(\\.\\./)+src/' : '^\\.\\./';
  const pattern = (layers, allowTypeImports) => ({
    regex: `${prefix}(${layers.join('|')})/`,
    message: `${folder} must not depend on this layer (docs/ARCHITECTURE.md, "Layers")`,
    allowTypeImports,
  });
  const patterns = [
    pattern(never, false),
    ...(types.length > 0 ? [pattern(types, true)] : []),
    {
      regex: '^(\\.\\./)+(test|commands)/',
      message: 'code of the tool never imports the tests or the commands',
    },
  ];
  return {
    files: [`${folder}/**/*.ts`],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/results/', '.lab/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      eqeqeq: ['error', 'always'],
    },
  },
  ...Object.entries(LAYERS).map(([folder, layers]) => layerRule(folder, layers)),
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
