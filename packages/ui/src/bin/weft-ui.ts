#!/usr/bin/env node
// The `weft-ui` executable: nothing but a call to main().
import { main } from '../main.js';

process.exitCode = await main(process.argv.slice(2));
