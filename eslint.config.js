// Lint: typescript-eslint's recommended rules plus the layering rules of ARCHITECTURE.md:
// only src-main/app, src-main/ipc and src-main/preload may import electron; src-main/shared and
// the renderer are runtime-neutral (no node:*, no electron) and the renderer sees only shared.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['node:*', 'fs', 'path', 'os', 'net', 'tls', 'crypto', 'child_process', 'stream', 'events', 'http', 'https', 'dns', 'util', 'buffer'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/app/**', 'src-main/ipc/**', 'src-main/preload/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'The engine runs under plain Node: Electron belongs in src-main/app, src-main/ipc or src-main/preload.' }] },
      ],
    },
  },
  {
    files: ['src-main/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'src-main/shared is runtime-neutral.' }],
          patterns: [
            { group: NODE_BUILTINS, message: 'src-main/shared is runtime-neutral: no Node built-ins.' },
            { group: ['../*', '!../shared', '!../model', '!../schemas', '!../ipc', '../../*'], message: 'src-main/shared depends on nothing outside shared.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer talks to main only through window.api.' }],
          patterns: [
            { group: NODE_BUILTINS, message: 'The renderer runs in a browser: no Node built-ins.' },
            { regex: '^(\\.\\./)+src-main/(?!shared/)', message: 'The renderer may import only src-main/shared.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly' } },
  },
);
