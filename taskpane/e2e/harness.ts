// What the end-to-end tests run against: the real crmsync binary in local mode (a temp data dir, a free
// loopback port, no HTTPS), and Debian's Chromium driven by playwright-core. Nothing leaves loopback.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

/** The repository root, where go build runs. */
export const repoRoot = resolve(here, '../..');

/** Where screenshots and the server's log go: taskpane/e2e/output (git-ignored). */
export const outputDir = resolve(here, 'output');

/** The browser: Debian's Chromium package, never one downloaded by Playwright. */
export const chromiumPath = '/usr/bin/chromium';

const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** A running crmsync in local mode. */
export interface Service {
  /** e.g. http://127.0.0.1:41234 */
  base: string;
  dataDir: string;
  binary: string;
  stop(): Promise<void>;
}

/**
 * binary returns the crmsync binary to test: $CRMSYNC_BIN (make e2e passes bin/crmsync, just built), or
 * one built now with go build into dir.
 */
export async function binary(dir: string): Promise<string> {
  const given = process.env.CRMSYNC_BIN;
  if (given) return given;
  const out = join(dir, 'crmsync');
  await run('go', ['build', '-o', out, './server'], { cwd: repoRoot, maxBuffer: 16 << 20 });
  return out;
}

/** The environment of the service: the parent's, without any crmsync setting that would leave local mode. */
function localEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('CRMSYNC_')) env[k] = v;
  }
  return { ...env, ...extra };
}

/**
 * startService runs `crmsync serve` and waits for its banner line "crmsync is listening on http://…";
 * extra adds CRMSYNC_* settings.
 */
export async function startService(bin: string, workDir: string, logPath: string, extra: Record<string, string> = {}): Promise<Service> {
  const dataDir = join(workDir, 'data');
  const child: ChildProcess = spawn(bin, ['serve'], {
    env: localEnv({
      CRMSYNC_DATA_DIR: dataDir,
      CRMSYNC_ADDR: '127.0.0.1:0',
      CRMSYNC_DEV_HTTPS_ADDR: 'off',
      CRMSYNC_LOG_LEVEL: 'warn',
      CRMSYNC_SHUTDOWN_GRACE: '5s',
      ...extra,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  mkdirSync(dirname(logPath), { recursive: true });
  const log = createWriteStream(logPath);
  child.stderr!.pipe(log);
  // Should this process end without stop() (an interrupted run), the service goes with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  // 'close' comes after the last output, which the log still takes.
  const done = new Promise<void>((resolveDone) => child.once('close', () => resolveDone()));

  const banner = new Promise<string>((resolveBase, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`crmsync did not start within 60 s; its output:\n${out}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      log.write(chunk);
      const m = /crmsync is listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveBase(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`crmsync exited (${code}) before listening; see ${logPath}:\n${out}`));
    });
  });
  let base: string;
  try {
    base = await banner;
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }

  return {
    base,
    dataDir,
    binary: bin,
    async stop() {
      if (!exited) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
      process.off('exit', killOnExit);
      log.end();
    },
  };
}

/** devToken mints a token with `crmsync dev-token` for the service's issuer and data dir. */
export async function devToken(svc: Service, user: string): Promise<string> {
  const { stdout } = await run(svc.binary, ['dev-token', '--user', user, '--addr', svc.base.replace(/^http:\/\//, ''), '--data-dir', svc.dataDir], {
    env: localEnv({}),
  });
  return stdout.trim();
}

/** launchBrowser starts headless Chromium with a fresh temporary profile (Playwright makes and removes it). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs, timeout: 60_000 });
}

/** Screenshots numbers a test's screenshots: output/<test>/01-step.png, 02-…. */
export class Screenshots {
  private n = 0;
  readonly dir: string;
  constructor(test: string) {
    this.dir = join(outputDir, test);
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  async take(page: Page, step: string): Promise<string> {
    const path = join(this.dir, `${String(++this.n).padStart(2, '0')}-${step}.png`);
    await page.screenshot({ path });
    return path;
  }
}

/** workDir makes a temp folder for one run: the built binary, the data dir. */
export function workDir(): string {
  return mkdtempSync(join(tmpdir(), 'crmsync-e2e-'));
}

/** eventually polls fn until it returns a value that is not undefined, or fails with what it last saw. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
