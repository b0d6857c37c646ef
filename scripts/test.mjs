#!/usr/bin/env node
// The one test command (`npm test`): build (with the import-cycle check), generated-code
// freshness, lint (package boundaries), typecheck, then every package's vitest suite, all through
// nx. Ends with one line totalling every check and test: `N passed, N failed[, N skipped]`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nxBin = join(root, 'node_modules', '.bin', 'nx');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: process.env.FORCE_COLOR ?? '0' };
const CHECK_TARGETS = ['build', 'gen:check', 'lint', 'typecheck'];

/** Projects that define `target`, from nx's project graph. */
function projectsWith(target) {
  const r = spawnSync(nxBin, ['show', 'projects', '--with-target', target, '--json'], { cwd: root, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nx show projects failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Runs nx, streaming its output, and resolves to { code, output }. */
function runNx(args) {
  return new Promise((resolve) => {
    const child = spawn(nxBin, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const tee = (stream) => (chunk) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', tee(process.stdout));
    child.stderr.on('data', tee(process.stderr));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** The `project:target` tasks nx lists under "Failed tasks:". */
function failedTasks(output) {
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  const section = plain.split('Failed tasks:')[1] ?? '';
  return new Set([...section.matchAll(/^\s*-\s+(\S+:\S+)/gm)].map((m) => m[1]));
}

const totals = { passed: 0, failed: 0, skipped: 0 };

// 1. Checks: each project × target is one check.
const tasks = CHECK_TARGETS.flatMap((t) => projectsWith(t).map((p) => `${p}:${t}`));
const checks = await runNx(['run-many', '-t', ...CHECK_TARGETS, '--nxBail=false', '--outputStyle=static']);
const failedChecks = failedTasks(checks.output);
if (checks.code !== 0 && failedChecks.size === 0) failedChecks.add('nx:run-many (see output above)');
for (const t of tasks) {
  if (failedChecks.has(t)) totals.failed++;
  else totals.passed++;
}
for (const t of failedChecks) if (!tasks.includes(t)) totals.failed++;

// 2. Tests: every project's vitest suite writes .test-results/vitest.json.
const testProjects = projectsWith('test');
const roots = new Map();
for (const p of testProjects) {
  const r = spawnSync(nxBin, ['show', 'project', p, '--json'], { cwd: root, env, encoding: 'utf8' });
  roots.set(p, JSON.parse(r.stdout).root);
}
for (const dir of roots.values()) rmSync(join(root, dir, '.test-results'), { recursive: true, force: true });
const tests = await runNx(['run-many', '-t', 'test', '--nxBail=false', '--outputStyle=static', '--parallel=1']);
const lines = [];
for (const [project, dir] of roots) {
  const file = join(root, dir, '.test-results', 'vitest.json');
  if (!existsSync(file)) {
    totals.failed++;
    lines.push(`${project}: no results (the suite did not run to completion)`);
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A test file that fails to load counts as a failure even though it has no test results.
  const brokenFiles = (r.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
  totals.passed += r.numPassedTests ?? 0;
  totals.failed += (r.numFailedTests ?? 0) + brokenFiles;
  totals.skipped += skipped;
  lines.push(`${project}: ${r.numPassedTests} passed, ${(r.numFailedTests ?? 0) + brokenFiles} failed${skipped ? `, ${skipped} skipped` : ''}`);
}
if (tests.code !== 0 && totals.failed === 0) totals.failed++;

console.log('\nSummary');
console.log(`checks (build incl. import cycles, gen:check, lint, typecheck): ${tasks.length - [...failedChecks].filter((t) => tasks.includes(t)).length}/${tasks.length} passed${failedChecks.size ? ` — failed: ${[...failedChecks].join(', ')}` : ''}`);
for (const l of lines) console.log(l);
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exitCode = totals.failed > 0 || checks.code !== 0 || tests.code !== 0 ? 1 : 0;
