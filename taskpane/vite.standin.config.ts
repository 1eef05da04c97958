import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

// The local sandbox's Office.js stand-in, built after the pages (npm run build) into
// dist/office-standin.js: one classic script with a fixed name, which the sandbox puts in place of
// office.js's <script> tag in /dev/outlook/taskpane.html and commands.html.
export default defineConfig({
  base: '/taskpane/',
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    lib: {
      entry: resolve(here, 'src/sandbox/office-standin.ts'),
      formats: ['iife'],
      name: 'crmsyncOfficeStandin',
      fileName: () => 'office-standin.js',
    },
  },
});
