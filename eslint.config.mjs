// ESLint (typescript-eslint) for the whole repository, and the package graph
// as rules: `make test` runs it, so a wrong arrow between packages fails CI
// with a message naming the rule. docs/ARCHITECTURE.md draws the same graph.
import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Which packages each package may import (by name only): package-graph.json, also checked against package.json by a test. */
const { '//': _about, ...GRAPH } = JSON.parse(readFileSync(new URL('./package-graph.json', import.meta.url), 'utf8'));

/** Another package's insides are never imported: only its name, which its exports map resolves. */
const NO_INTERNALS = {
  regex: '^@cpsbackup/[a-z-]+/(dist|src)(/|$)',
  message: 'import another package by its name only (its package.json exports), never its dist/ or src/',
};

/** The no-restricted-imports rule for code that may import `allowed` (and itself). */
function onlyPackages(pkg, allowed) {
  const ok = [pkg, ...allowed];
  return [
    'error',
    {
      patterns: [
        NO_INTERNALS,
        {
          regex: `^@cpsbackup/(?!(${ok.join('|')})(/|$))`,
          message: `package ${pkg} may import only ${allowed.length ? allowed.map((p) => '@cpsbackup/' + p).join(', ') : 'no other @cpsbackup package'} (package-graph.json)`,
        },
      ],
    },
  ];
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'packages/protocol/src/generated/**', 'var/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      'no-restricted-imports': ['error', { patterns: [NO_INTERNALS] }],
    },
  },
  ...Object.entries(GRAPH).flatMap(([pkg, allowed]) => [
    { files: [`packages/${pkg}/src/**/*.ts`], rules: { 'no-restricted-imports': onlyPackages(pkg, allowed) } },
    // A package's tests may also use the test kit.
    { files: [`packages/${pkg}/src/**/*.test.ts`], rules: { 'no-restricted-imports': onlyPackages(pkg, [...allowed, 'testkit']) } },
  ]),
  // The store reads and publishes through an asynchronous backend: a promise nobody awaits is a failure nobody sees.
  {
    files: ['packages/*/src/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { project: ['./tsconfig.test.json'], tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-floating-promises': 'error', '@typescript-eslint/await-thenable': 'error' },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { module: 'writable', require: 'readonly', process: 'readonly', __dirname: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
