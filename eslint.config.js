// ESLint flat config (eslint 10, typescript-eslint 8). `npm run lint` = `eslint .`
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// The `globals` package is not a dependency: the Node globals plain .js/.mjs files use.
const nodeGlobals = Object.fromEntries(
  [
    'process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder',
    'AbortController', 'AbortSignal', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval',
    'setImmediate', 'clearImmediate', 'queueMicrotask', 'structuredClone', 'fetch', 'performance',
    'globalThis', '__dirname', '__filename', 'require', 'module', 'exports',
  ].map((g) => [g, 'readonly']),
);

const TS_FILES = ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts'];

const unusedVars = [
  'error',
  {
    args: 'after-used',
    argsIgnorePattern: '^_',
    varsIgnorePattern: '^_',
    caughtErrors: 'none',
    destructuredArrayIgnorePattern: '^_',
    ignoreRestSiblings: true,
  },
];

// --- import boundaries (DESIGN.md "Layout") -------------------------------------------------
const electronOnly = {
  name: 'electron',
  message: "Only src/main/electron/** may import 'electron'; core modules stay runnable headless under Node.",
};
const sharedMessage =
  'src/shared is pure TypeScript: no Node built-ins, DOM frameworks or electron (DESIGN.md "Layout").';
// builtinModules lists sub-paths too (fs/promises, path/posix, …); node:-only ones match 'node:*'
const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('node:'));

export default defineConfig([
  globalIgnores([
    '**/node_modules/',
    'dist/',
    'out/',
    'coverage/',
    'release/',
    'bench/results/',
    '.test-tmp/',
  ]),

  // every JS/TS file
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 'latest', sourceType: 'module', globals: nodeGlobals },
    linterOptions: { reportUnusedDisableDirectives: 'warn' },
    rules: {
      'no-unused-vars': unusedVars,
      // eslint 10 additions to "recommended" that flag ordinary defensive code: warn, don't fail
      'no-useless-assignment': 'warn',
      'preserve-caught-error': 'warn',
    },
  },

  // TypeScript: typescript-eslint's recommended (syntax-only, no type information needed)
  {
    files: TS_FILES,
    extends: [tseslint.configs.recommended],
    rules: {
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': unusedVars,
      '@typescript-eslint/no-explicit-any': 'warn',
      '@typescript-eslint/no-empty-function': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-expect-error': 'allow-with-description' }],
    },
  },

  // (a) electron only under src/main/electron/**
  {
    files: ['src/**'],
    ignores: ['src/main/electron/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [electronOnly], patterns: [{ group: ['electron/*'], message: electronOnly.message }] },
      ],
    },
  },

  // (b) src/shared/** imports nothing from Node, React or electron
  // (a later object replaces the rule's options, so this list repeats electron)
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...['electron', 'react', 'react-dom', ...nodeBuiltins].map((name) => ({ name, message: sharedMessage })),
          ],
          patterns: [
            {
              group: ['node:*', 'electron/*', 'react/*', 'react-dom/*'],
              message: sharedMessage,
            },
          ],
        },
      ],
    },
  },

  // (c) src/renderer/** runs in a browser page: it imports only src/shared (file by file, not the
  // index, which would bundle the DHT record code), react, react-dom, zustand and its own files.
  // Its unit tests may also import vitest.
  ...[
    { files: ['src/renderer/**'], ignores: ['src/renderer/**/*.test.ts'], allowed: 'react|react-dom|zustand' },
    { files: ['src/renderer/**/*.test.ts'], allowed: 'react|react-dom|zustand|vitest' },
  ].map(({ allowed, ...scope }) => ({
    ...scope,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnly],
          patterns: [
            {
              regex: `^(?!(${allowed})(/|$)|\\.{1,2}/)`,
              message: 'src/renderer may import only react, react-dom, zustand, src/shared and its own files (no Node built-ins, no electron).',
            },
            {
              regex: '^(\\.\\./)+(main|test|e2e)(/|$)',
              message: 'src/renderer talks to the peer only through src/shared/api (a transport), never src/main.',
            },
            {
              regex: '(^|/)shared(/index(\\.js)?)?$',
              message: 'Import the src/shared file you need (api.js, sharing.js, …): the index pulls record and crypto code into the bundle.',
            },
          ],
        },
      ],
    },
  })),
]);
