// The web app's download per screen, gzip-compressed as a browser gets it: what the page loads before any
// screen (its entry, the chunks it imports, its CSS), then for each screen what its module adds. Run after
// a build with a manifest: npm run sizes (builds into a temporary folder; dist/ is left alone).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const out = mkdtempSync(join(tmpdir(), 'crmsync-sizes-'));
try {
  execFileSync('npx', ['vite', 'build', '--manifest', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], { stdio: 'inherit' });
  const manifest = JSON.parse(readFileSync(join(out, '.vite/manifest.json'), 'utf8'));
  const gz = (file) => gzipSync(readFileSync(join(out, file)), { level: 9 }).length;
  /** closure is a chunk and everything it imports statically, with their CSS. */
  const closure = (key, seen = new Set()) => {
    if (seen.has(key)) return seen;
    seen.add(key);
    for (const dep of manifest[key].imports ?? []) closure(dep, seen);
    return seen;
  };
  const files = (keys) => {
    const js = new Set();
    const css = new Set();
    for (const k of keys) {
      js.add(manifest[k].file);
      for (const c of manifest[k].css ?? []) css.add(c);
    }
    return { js, css };
  };
  const sum = (set) => [...set].reduce((n, f) => n + gz(f), 0);
  const kb = (n) => (n / 1024).toFixed(1);

  const entry = 'app/index.html';
  const initial = closure(entry);
  const base = files(initial);
  console.log(`| what | JS (gzip, KiB) | CSS (gzip, KiB) |\n|---|---:|---:|`);
  console.log(`| the page before any screen (entry, shell, client, Fluent tokens, MSAL) | ${kb(sum(base.js))} | ${kb(sum(base.css))} |`);
  const screens = (manifest[entry].dynamicImports ?? []).filter((k) => k.includes('/screens/'));
  for (const key of screens.sort()) {
    const added = [...closure(key)].filter((k) => !initial.has(k));
    const f = files(added);
    const name = key.replace(/^src\/app\/screens\//, '').replace(/\.ts$/, '');
    console.log(`| + ${name} | ${kb(sum(f.js))} | ${kb(sum(f.css))} |`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
