// `npm run lint` (in `npm test`, with --max-warnings 0): typescript-eslint's recommended rules on
// every TypeScript file, eslint's on the plain Node scripts.
import js from '@eslint/js';
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'proto/generated/', 'coverage/', 'data/', '.tmp/', '.serverless/'] },
  // A disable that no longer silences anything fails, so none outlives its reason.
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      // As tsc's noUnused* checks have it: a leading `_` marks a name unused on purpose (an
      // interface's parameter, a counted row, the field `{ dropped: _d, ...kept }` leaves out).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs', globals: globals.node } },
  // A rule may be switched off for one line only, naming the rule and saying why after `--`.
  comments.recommended,
  {
    rules: {
      '@eslint-community/eslint-comments/require-description': 'error',
      '@eslint-community/eslint-comments/no-use': ['error', { allow: ['eslint-disable-line', 'eslint-disable-next-line'] }],
    },
  },
);
