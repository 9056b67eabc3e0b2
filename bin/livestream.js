#!/usr/bin/env node
// The built CLI lives in dist/ (npm ci runs the build through "prepare").
import { run } from '../dist/cli/main.js';

run(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err); process.exitCode = 1; },
);
