import { defineWeftConfig } from '../../vitest.shared.mjs';

export default defineWeftConfig();
