#!/usr/bin/env node
// The ewmda command line; the program is dist/ewmda-cli.mjs (npm run build).
import "../dist/ewmda-cli.mjs";
