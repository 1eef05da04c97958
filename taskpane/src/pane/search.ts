// The regarding search: a combobox that searches records across types as the user types (crmsync's
// search, or the offline records when crmsync cannot be reached), moved through with the arrow keys, and
// picked with Enter or a click for Track and Set Regarding.

import { ApiError, type CrmRecord } from '../api.ts';
import { paneText as t, readableError } from '../messages.ts';
import { typeLabel } from './item.ts';
import type { PaneContext } from './state.ts';

/** A mounted search. */
export interface Search {
  /** reset empties the search: no text, no pick, no results. */
  reset(): void;
  /** forgetPick drops the pick once a click sent it, leaving the rest. */
  forgetPick(): void;
  /** renderResults shows the results again (after the type names arrived). */
  renderResults(): void;
  destroy(): void;
}

/** mountSearch wires the search box. */
export function mountSearch(ctx: PaneContext): Search {
  const { el, state, deps } = ctx;
  const debounceMs = deps.debounceMs ?? 250;
  let results: CrmRecord[] = [];
  let active = -1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;
  let abort: AbortController | undefined;

  function renderResults(): void {
    const open = results.length > 0;
    el.listbox.replaceChildren(
      ...results.map((r, i) => {
        const opt = document.createElement('div');
        opt.id = `crmsync-option-${i}`;
        opt.className = 'option';
        opt.setAttribute('role', 'option');
        opt.dataset.testid = 'search-result';
        opt.dataset.recordId = r.id;
        opt.dataset.recordType = r.type;
        opt.setAttribute('aria-selected', String(i === active));
        const name = document.createElement('span');
        name.className = 'name';
        name.textContent = r.name;
        const type = document.createElement('span');
        type.className = 'kind';
        type.textContent = typeLabel(ctx, r.type);
        opt.append(name, type);
        // mousedown would blur the input before the click lands.
        opt.addEventListener('mousedown', (e) => e.preventDefault());
        opt.addEventListener('click', () => pick(r));
        return opt;
      }),
    );
    el.listbox.hidden = !open;
    el.input.setAttribute('aria-expanded', String(open));
    if (active >= 0 && open) {
      el.input.setAttribute('aria-activedescendant', `crmsync-option-${active}`);
      el.listbox.children[active]?.scrollIntoView?.({ block: 'nearest' });
    } else {
      el.input.removeAttribute('aria-activedescendant');
    }
  }

  function showOfflineNote(on: boolean): void {
    el.searchOffline.textContent = on ? t.offlineSearch : '';
    el.searchOffline.hidden = !on;
  }

  function clearResults(): void {
    abort?.abort();
    seq++;
    results = [];
    active = -1;
    showOfflineNote(false);
    renderResults();
  }

  function showResults(found: CrmRecord[], status: string): void {
    results = found;
    active = -1;
    el.searchStatus.textContent = status;
    renderResults();
  }

  /**
   * searchOffline searches the offline records, or gives null when there are none to search: no cache, or
   * one holding records fetched for another mailbox than the one open (another user's: never shown).
   */
  async function searchOffline(text: string): Promise<CrmRecord[] | null> {
    const { offline, office } = deps;
    if (!offline) return null;
    try {
      if (!(await offline.holds(office.userEmail()))) return null;
      return await offline.search(text);
    } catch (e) {
      console.debug('crmsync: the offline records cannot be searched', e);
      return null;
    }
  }

  function pick(r: CrmRecord): void {
    state.picked = r;
    el.input.value = r.name;
    el.searchStatus.textContent = t.picked(typeLabel(ctx, r.type).toLowerCase(), r.name);
    clearResults();
    ctx.render();
  }

  function reset(): void {
    clearTimeout(timer);
    el.input.value = '';
    state.picked = null;
    el.searchStatus.textContent = '';
    clearResults();
  }

  async function run(): Promise<void> {
    const text = el.input.value.trim();
    abort?.abort();
    const mine = ++seq;
    showOfflineNote(false);
    if (!text) {
      showResults([], '');
      return;
    }
    const ctrl = new AbortController();
    abort = ctrl;
    try {
      const page = await deps.api.searchRecords(text, { limit: 10, signal: ctrl.signal });
      if (mine !== seq || state.destroyed) return;
      const found = page.items ?? [];
      showResults(found, found.length === 0 ? t.noMatch(text) : t.found(found.length));
    } catch (e) {
      if (mine !== seq || ctrl.signal.aborted || state.destroyed) return;
      if (e instanceof ApiError && e.network) {
        // crmsync cannot be reached: the offline records answer, if there are any.
        const found = await searchOffline(text);
        if (mine !== seq || state.destroyed) return;
        if (found) {
          showResults(found, found.length === 0 ? t.noOfflineMatch(text) : t.found(found.length));
          showOfflineNote(true);
          return;
        }
      }
      results = [];
      renderResults();
      ctx.showError(readableError(e, 'search'));
    }
  }

  el.input.addEventListener('input', () => {
    if (state.picked && el.input.value !== state.picked.name) {
      state.picked = null;
      el.searchStatus.textContent = '';
      ctx.render();
    }
    clearTimeout(timer);
    timer = setTimeout(() => void run(), debounceMs);
  });

  el.input.addEventListener('keydown', (e: KeyboardEvent) => {
    switch (e.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        e.preventDefault();
        if (results.length === 0) return;
        const step = e.key === 'ArrowDown' ? 1 : -1;
        active = active < 0 ? (step > 0 ? 0 : results.length - 1) : (active + step + results.length) % results.length;
        renderResults();
        return;
      }
      case 'Enter': {
        if (results.length === 0) return;
        e.preventDefault();
        pick(results[active >= 0 ? active : 0]);
        return;
      }
      case 'Escape':
        e.preventDefault();
        reset();
        ctx.render();
        return;
    }
  });

  el.input.addEventListener('blur', () => {
    // Let a click on an option land first.
    setTimeout(() => {
      if (!state.destroyed && document.activeElement !== el.input && results.length > 0) {
        results = [];
        active = -1;
        renderResults();
      }
    }, 150);
  });

  return {
    reset,
    forgetPick(): void {
      el.input.value = '';
      state.picked = null;
      el.searchStatus.textContent = '';
    },
    renderResults,
    destroy(): void {
      clearTimeout(timer);
      abort?.abort();
    },
  };
}
