import { defineWeftConfig } from '../../vitest.shared.mjs';

export default defineWeftConfig({ include: ['src/**/*.test.ts', 'web/src/**/*.test.ts', 'web/src/**/*.test.tsx'] });
