// What the web app's end-to-end tests share: the service and the browser for one file, the API as a demo
// user, and a browser context per test that signs in on the app's local sign-in page and fails the test on
// any console error, CSP violation, or request leaving loopback.

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { binary, devToken, eventually, launchBrowser, outputDir, Screenshots, startService, workDir, type Service } from './harness.ts';

export const alice = 'alice@contoso.test';
export const bob = 'bob@contoso.test';

/** A running service and browser for one test file. */
export interface Rig {
  svc: Service;
  browser: Browser;
  tokens: Record<string, string>;
  stop(): Promise<void>;
}

/** startRig starts crmsync in local mode (extra: more CRMSYNC_* settings) and Chromium; the log goes to output/<name>.log. */
export async function startRig(name: string, extra: Record<string, string> = {}): Promise<Rig> {
  const dir = workDir();
  const svc = await startService(await binary(dir), dir, join(outputDir, `${name}.log`), extra);
  const browser = await launchBrowser().catch(async (e: unknown) => {
    await svc.stop();
    throw e;
  });
  const tokens = { [alice]: await devToken(svc, alice), [bob]: await devToken(svc, bob) };
  return {
    svc,
    browser,
    tokens,
    async stop() {
      await browser.close().catch(() => undefined);
      await svc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** call sends a request to the API as a demo user and gives the status and the parsed answer. */
export async function call<T>(rig: Rig, user: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${rig.svc.base}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${rig.tokens[user]}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/** faults switches a failure of the demo mailbox on (POST) or clears them all (DELETE). */
export async function faults(rig: Rig, method: 'POST' | 'DELETE', body?: unknown): Promise<void> {
  const res = await fetch(`${rig.svc.base}/dev/outlook/faults`, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status !== 204) throw new Error(`${method} /dev/outlook/faults: HTTP ${res.status} ${await res.text()}`);
}

/** A browser context of one test, its first page, and what the pages did wrong. */
export interface Session {
  rig: Rig;
  context: BrowserContext;
  page: Page;
  shots: Screenshots;
  /** console errors, page errors and CSP violations, which fail the test */
  errors: string[];
  /** requests that tried to leave loopback, which are refused and fail the test */
  offsite: string[];
  /** expect lets API answers of a status show as the browser's "Failed to load resource" errors. */
  expect(status: number): void;
}

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || url.protocol === 'data:' || url.protocol === 'blob:';
}

/** watch records what a page of the session does wrong. */
export function watch(s: Pick<Session, 'errors'>, page: Page, expected: Set<number>): void {
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const failed = /Failed to load resource: the server responded with a status of (\d+)/.exec(m.text());
    if (failed && expected.has(Number(failed[1]))) return;
    s.errors.push(m.text());
  });
  page.on('pageerror', (e) => s.errors.push(String(e)));
}

/** Options of a session's browser context. */
export interface SessionOptions {
  width?: number;
  height?: number;
  colorScheme?: 'light' | 'dark';
}

/** newSession opens a browser context that refuses requests beyond loopback and reports CSP violations. */
export async function newSession(rig: Rig, test: string, opts: SessionOptions = {}): Promise<Session> {
  const context = await rig.browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 860 },
    colorScheme: opts.colorScheme ?? 'light',
  });
  const offsite: string[] = [];
  await context.route(
    (url) => !isLoopback(url),
    (route) => {
      offsite.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  // A violation is also an event; log it as an error so that it fails the test whatever the console says.
  await context.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`)),
  );
  const page = await context.newPage();
  const expected = new Set<number>();
  const s: Session = { rig, context, page, shots: new Screenshots(test), errors: [], offsite, expect: (status) => expected.add(status) };
  watch(s, page, expected);
  context.on('page', (p) => p !== page && watch(s, p, expected));
  return s;
}

/** signIn opens the app and signs in on the local sign-in page as user. */
export async function signIn(s: Session, user: string, page: Page = s.page): Promise<void> {
  await page.goto(`${s.rig.svc.base}/app/`);
  await page.locator(`[data-testid="signin-user"][data-upn="${user}"]`).click();
  await page.locator('[data-testid="who"]').waitFor();
}

/** open goes to a screen of the app by its hash and waits for it to be shown, loaded. */
export async function open(s: Session, hash: string, screen: string, page: Page = s.page): Promise<Locator> {
  await page.goto(`${s.rig.svc.base}/app/${hash}`);
  return shown(page, screen);
}

/** shown waits for a screen to be shown with nothing loading. */
export async function shown(page: Page, screen: string): Promise<Locator> {
  const root = page.locator(`.screen[data-screen="${screen}"]`);
  await root.waitFor();
  await eventually(`${screen} to load`, async () => ((await root.locator('[data-testid="loading"]').count()) === 0 ? true : undefined));
  return root;
}

/** text is an element's trimmed text. */
export async function text(l: Locator): Promise<string> {
  return ((await l.textContent()) ?? '').trim();
}

/** inSession runs a test in a fresh context; on failure it leaves a screenshot and the browser's errors. */
export async function inSession(rig: Rig, test: string, fn: (s: Session) => Promise<void>, opts: SessionOptions = {}): Promise<void> {
  const s = await newSession(rig, test, opts);
  try {
    await fn(s);
    expect(s.offsite, 'requests beyond loopback').toEqual([]);
    expect(s.errors, 'console errors and CSP violations').toEqual([]);
  } catch (e) {
    await s.shots.take(s.page, 'failure').catch(() => undefined);
    const err = e instanceof Error ? e : new Error(String(e));
    err.message += `\nbrowser console: ${s.errors.join('\n') || '(empty)'}`;
    throw err;
  } finally {
    if (s.errors.length > 0) writeFileSync(join(s.shots.dir, 'console.txt'), s.errors.join('\n') + '\n');
    await s.context.close().catch(() => undefined);
  }
}
