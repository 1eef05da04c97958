/// <reference types="vitest/config" />
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
// The add-in's icons live with the manifests (addin-manifest/icons); the manifests load them from
// <public URL>/taskpane/icons/, so the build copies them to dist/icons/.
const iconsDir = resolve(here, '../addin-manifest/icons');

function addinIcons(): Plugin {
  return {
    name: 'crmsync-addin-icons',
    apply: 'build',
    buildStart() {
      if (existsSync(iconsDir)) {
        for (const name of readdirSync(iconsDir)) {
          if (name.endsWith('.png')) this.addWatchFile(resolve(iconsDir, name));
        }
      }
    },
    generateBundle() {
      if (!existsSync(iconsDir)) {
        this.warn(`no icons at ${iconsDir}: /taskpane/icons/ will be empty`);
        return;
      }
      for (const name of readdirSync(iconsDir).sort()) {
        if (name.endsWith('.png')) {
          this.emitFile({ type: 'asset', fileName: `icons/${name}`, source: readFileSync(resolve(iconsDir, name)) });
        }
      }
    },
  };
}

export default defineConfig({
  base: '/taskpane/',
  publicDir: false,
  plugins: [addinIcons()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      input: {
        taskpane: resolve(here, 'taskpane.html'),
        commands: resolve(here, 'commands.html'),
        // Office's sign-in dialog and the app registration's https redirect page (authdialog.ts).
        auth: resolve(here, 'auth.html'),
        // The local sandbox page (/dev/outlook); its Office.js stand-in is built by vite.standin.config.ts.
        sandbox: resolve(here, 'sandbox.html'),
        // The web app, served at /app/ (internal/api/app.go); its screens are chunks of their own.
        app: resolve(here, 'app/index.html'),
      },
      output: {
        // MSAL, shared by both pages, under its own name rather than that of the first module using it.
        codeSplitting: { groups: [{ name: (id: string) => (id.includes('/node_modules/@azure/') ? 'msal' : null) }] },
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
  },
});
