#!/usr/bin/env node
// The `productpage` sample program: nothing but a call to runSampleProgram().
import { runSampleProgram } from '../main.js';

process.exitCode = await runSampleProgram('productpage', process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr });
