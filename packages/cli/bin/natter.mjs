#!/usr/bin/env node
// The `natter` command: its TypeScript runs through tsx (a dependency of the repository), as the server does.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
