#!/usr/bin/env node
// The `weftctl` executable: nothing but a call to run().
import { run } from '../program.js';

process.exitCode = await run(process.argv.slice(2), { out: process.stdout, err: process.stderr, stdin: process.stdin });
