// Lint for the whole workspace. Package boundaries come from nx tags (see each package.json
// "nx.tags"): the proxy and the control plane never import each other; everything may use
// @weft/shared; only the CLI and e2e may reach into other components.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.test-results/**', '**/*.gen.ts', '**/.nx/**', 'packages/proxy/bench/.ab/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mjs', '**/*.js'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: ['../../vitest.shared.mjs', '../vitest.shared.mjs'],
          depConstraints: [
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:control-plane', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:proxy', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:webhook', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:ui', onlyDependOnLibsWithTags: ['scope:shared'] },
            {
              sourceTag: 'scope:cli',
              onlyDependOnLibsWithTags: ['scope:shared', 'scope:control-plane', 'scope:proxy', 'scope:webhook', 'scope:ui'],
            },
            { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@weft/*/src/*', '@weft/*/dist/*', '../../*/src/*'], message: 'Import another package only through its package.json exports.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', 'scripts/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
