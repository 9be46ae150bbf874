#!/usr/bin/env node
// The package's `tabswarm` command: runs cli/main.ts through tsx's loader, from wherever it is called.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
