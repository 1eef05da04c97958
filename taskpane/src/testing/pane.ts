// The taskpane's test harness: a root element per test, the pane mounted over a fake Office and a fake
// API, and short ways to reach and drive its elements.

import { afterEach, beforeEach, vi } from 'vitest';
import { officeAdapter } from '../office.ts';
import type { OfflineCache } from '../offline.ts';
import { mountTaskpane, type Taskpane } from '../taskpane.ts';
import { fakeApi, flush, installFakeOffice, removeFakeOffice, type FakeItemInit } from './fakes.ts';

/** The element the pane of the running test is mounted in. */
export let root: HTMLElement;
let pane: Taskpane | undefined;

/** usePane gives every test of the file a fresh root, and removes the pane, Office and fake timers after it. */
export function usePane(): void {
  beforeEach(() => {
    root = document.createElement('div');
    document.body.append(root);
  });
  afterEach(() => {
    pane?.destroy();
    pane = undefined;
    root.remove();
    removeFakeOffice();
    vi.useRealTimers();
  });
}

/** forgetPane is for a test that destroyed the pane itself. */
export function forgetPane(): void {
  pane = undefined;
}

/** destroyPane removes the pane of the test, for one that mounts another. */
export function destroyPane(): void {
  pane?.destroy();
  pane = undefined;
}

/** setup mounts the pane over a fake Office with the given item, and loads it. */
export async function setup(opts: { item?: FakeItemInit | null; api?: ReturnType<typeof fakeApi>; offline?: OfflineCache; debounceMs?: number } = {}) {
  const fake = installFakeOffice(opts.item === undefined ? {} : opts.item);
  const api = opts.api ?? fakeApi();
  const mounted = mountTaskpane(root, { api, office: officeAdapter, offline: opts.offline, debounceMs: opts.debounceMs });
  pane = mounted;
  await officeAdapter.onItemChanged(() => void mounted.load());
  await mounted.load();
  await flush();
  return { fake, api, pane: mounted };
}

export const $ = (id: string) => root.querySelector<HTMLElement>(`[data-testid="${id}"]`)!;
export const $$ = (id: string) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
export const text = (id: string) => $(id).textContent ?? '';
export const disabled = (id: string) => $(id).hasAttribute('disabled');
export const input = () => $('search-input') as HTMLInputElement;

/** type puts value in the search box as typing would. */
export function type(value: string) {
  input().value = value;
  input().dispatchEvent(new Event('input', { bubbles: true }));
}

/** key presses k in the search box. */
export function key(k: string) {
  const e = new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true });
  input().dispatchEvent(e);
  return e;
}
