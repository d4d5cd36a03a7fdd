#!/usr/bin/env node
// Runs the demo app from TypeScript source (swc, with decorator metadata and the tsconfig path alias).
require('@swc-node/register');
require('../src/main.ts');
