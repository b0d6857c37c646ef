import { defineWeftConfig } from '../vitest.shared.mjs';

// e2e scenarios start real processes: run files one at a time on a two-core machine.
export default defineWeftConfig({ fileParallelism: false, testTimeout: 300_000 });
