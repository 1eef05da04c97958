// The taskpane's markup and the elements the parts of the pane change. Every word comes from messages.ts.

import { paneText as t } from '../messages.ts';

const markup = `
<main class="pane" aria-busy="false">
  <header class="head">
    <img class="logo" src="/taskpane/icons/icon-32.png" alt="" width="20" height="20">
    <h1>${t.brand}</h1>
    <button type="button" class="head-button" data-testid="settings-button" aria-expanded="false" aria-controls="crmsync-settings">${t.settings}</button>
  </header>
  <section id="crmsync-settings" class="settings" data-testid="settings" aria-label="${t.settings}" hidden></section>
  <div class="main" data-role="main">
  <section class="sync" data-testid="sync" aria-label="${t.synchronization}" hidden>
    <fluent-button appearance="outline" data-testid="sync-now" aria-label="${t.synchronizeNow}">${t.synchronizeNow}</fluent-button>
    <span class="sync-status" data-testid="sync-status" role="status"></span>
  </section>
  <p class="subject" data-role="subject"></p>

  <section class="status" aria-label="${t.tracking}">
    <fluent-badge class="state" data-testid="tracking-state" data-state="untracked" aria-live="polite">${t.notTracked}</fluent-badge>
    <div class="progress" data-role="progress-row" hidden>
      <fluent-progress-ring class="ring" data-role="ring"></fluent-progress-ring>
      <span data-testid="progress" aria-live="polite"></span>
    </div>
    <p class="queued" data-testid="queued" role="status" hidden></p>
    <p class="hint never-track" data-testid="never-track" role="note" hidden></p>
  </section>

  <dl class="facts">
    <dt>${t.regarding}</dt>
    <dd><span data-testid="regarding"></span><span class="kind" data-role="regarding-type"></span><span class="none" data-role="regarding-none">—</span></dd>
    <dt data-role="contact-label" hidden>${t.crmContact}</dt>
    <dd data-role="contact" hidden></dd>
  </dl>

  <div class="error" data-testid="error" role="alert" hidden></div>

  <fluent-divider></fluent-divider>

  <section class="search" aria-label="${t.regardingRecord}">
    <label for="crmsync-search" class="label">${t.searchLabel}</label>
    <p id="crmsync-search-offline" class="hint offline-note" data-testid="search-offline" hidden></p>
    <div class="combobox">
      <input id="crmsync-search" data-testid="search-input" type="text" autocomplete="off" spellcheck="false"
        placeholder="${t.searchPlaceholder}" role="combobox" aria-autocomplete="list"
        aria-expanded="false" aria-controls="crmsync-results" aria-describedby="crmsync-search-offline">
      <div id="crmsync-results" class="listbox" role="listbox" aria-label="${t.searchRecords}" hidden></div>
    </div>
    <p class="hint" data-role="search-status" aria-live="polite"></p>
  </section>

  <section class="actions">
    <fluent-button appearance="accent" data-testid="track-button">${t.track}</fluent-button>
    <fluent-button data-testid="set-regarding-button" disabled>${t.setRegarding}</fluent-button>
    <fluent-button data-testid="untrack-button" disabled>${t.untrack}</fluent-button>
  </section>

  <fluent-divider></fluent-divider>

  <section class="parties-section" aria-label="${t.parties}">
    <h2>${t.parties}</h2>
    <ul class="parties" data-testid="parties"></ul>
    <p class="hint" data-role="parties-hint"></p>
  </section>
  </div>
</main>`;

/** The elements the pane changes. */
export type PaneElements = ReturnType<typeof mountView>;

/** mountView renders the markup into root and finds the elements the pane changes. */
export function mountView(root: HTMLElement) {
  root.innerHTML = markup;
  const q = <T extends Element = HTMLElement>(sel: string): T => {
    const el = root.querySelector<T>(sel);
    if (!el) throw new Error(`taskpane markup lacks ${sel}`);
    return el;
  };
  return {
    pane: q('.pane'),
    main: q('[data-role="main"]'),
    settingsButton: q<HTMLButtonElement>('[data-testid="settings-button"]'),
    settings: q('[data-testid="settings"]'),
    subject: q('[data-role="subject"]'),
    state: q('[data-testid="tracking-state"]'),
    progressRow: q('[data-role="progress-row"]'),
    ring: q('[data-role="ring"]'),
    progress: q('[data-testid="progress"]'),
    queued: q('[data-testid="queued"]'),
    neverTrack: q('[data-testid="never-track"]'),
    searchOffline: q('[data-testid="search-offline"]'),
    regarding: q('[data-testid="regarding"]'),
    regardingType: q('[data-role="regarding-type"]'),
    regardingNone: q('[data-role="regarding-none"]'),
    contactLabel: q('[data-role="contact-label"]'),
    contact: q('[data-role="contact"]'),
    error: q('[data-testid="error"]'),
    input: q<HTMLInputElement>('[data-testid="search-input"]'),
    listbox: q('.listbox'),
    searchStatus: q('[data-role="search-status"]'),
    track: q('[data-testid="track-button"]'),
    setRegarding: q('[data-testid="set-regarding-button"]'),
    untrack: q('[data-testid="untrack-button"]'),
    parties: q('[data-testid="parties"]'),
    partiesHint: q('[data-role="parties-hint"]'),
    sync: q('[data-testid="sync"]'),
    syncNow: q('[data-testid="sync-now"]'),
    syncStatus: q('[data-testid="sync-status"]'),
  };
}

/** setDisabled disables a button (a fluent-button too) and says so to screen readers. */
export function setDisabled(button: HTMLElement, disabled: boolean): void {
  button.toggleAttribute('disabled', disabled);
  button.setAttribute('aria-disabled', String(disabled));
}
