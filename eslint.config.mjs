// typescript-eslint's recommended rules over the TypeScript sources; run by .ci/run.
// A rule is changed here only with its reason beside it; an `eslint-disable` comment in the code
// must give its reason after `--` on the same comment (eslint-comments/require-description).
import js from '@eslint/js';
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'cdktf.out/', '.streamform/', 'src/gen/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  comments.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@eslint-community/eslint-comments/require-description': ['error', { ignore: [] }],
      '@eslint-community/eslint-comments/disable-enable-pair': ['error', { allowWholeFile: true }],
      // unused code is already a compile error (tsconfig: noUnusedLocals, noUnusedParameters)
      '@typescript-eslint/no-unused-vars': 'off',
      // `require.main === module`, and heavy modules loaded on first use
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // tests inspect synthesized JSON and protocol messages whose shape the test itself asserts
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
