#!/usr/bin/env node
// The operator tool (`npx ratchet verify`, `npx ratchet export device pump-1 > f.jsonl`): the
// built CLI, run directly so that nothing but its own output reaches stdout. A committed file
// rather than dist/cli/main.js itself, so that the link npm makes at install time points at an
// executable file before the build has run.
import '../dist/cli/main.js';
