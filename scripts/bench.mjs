#!/usr/bin/env node
// `npm run bench -- <name>`: runs the compiled benchmark dist/bench/<name>.js (after `npm run build`).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'dist', 'bench');
const names = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.js') && f !== 'harness.js').map((f) => f.slice(0, -3)) : [];
const [name, ...rest] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  console.error(`usage: npm run bench -- <${names.join('|') || 'name'}>   (run npm run build first)`);
  process.exit(2);
}
const r = spawnSync(process.execPath, [path.join(dir, `${name}.js`), ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 1);
