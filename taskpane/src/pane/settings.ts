// The taskpane's compact Settings view, behind the header's Settings button: the synchronization interval
// and automatic tracking (the shared options form), the mailbox's last synchronization and error, and a
// link to the web app for everything else.

import type { Mailbox, Me } from '../api.ts';
import { paneText as t, readableError } from '../messages.ts';
import { mountOptionsForm } from '../options.ts';
import type { PaneContext } from './state.ts';

/** The Settings view of a mounted pane. */
export interface Settings {
  /** toggle opens or closes the view. */
  toggle(open?: boolean): void;
}

function when(rfc3339: string | null): string {
  if (!rfc3339) return '';
  const d = new Date(rfc3339);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString();
}

/** mountSettings wires the header's Settings button; onSaved hears of new options. */
export function mountSettings(ctx: PaneContext, onSaved: (me: Me) => void): Settings {
  const { el, state, deps } = ctx;
  const appUrl = deps.appUrl ?? '/app/';

  async function render(): Promise<void> {
    el.settings.innerHTML = `
      <h2>${t.settings}</h2>
      <div data-role="options"></div>
      <section class="mailbox-health" data-testid="my-mailbox" aria-label="${t.mailbox}" hidden></section>
      <p><a href="${appUrl}#/options" target="_blank" rel="noopener" data-testid="app-link">${t.moreSettings}</a></p>
      <button type="button" class="head-button" data-testid="settings-back">${t.back}</button>`;
    el.settings.querySelector('[data-testid="settings-back"]')!.addEventListener('click', () => toggle(false));
    const holder = el.settings.querySelector<HTMLElement>('[data-role="options"]')!;
    holder.textContent = t.loading;
    let me = state.caller;
    if (!me) {
      try {
        me = await deps.api.me();
      } catch (e) {
        holder.textContent = t.optionsUnreadable(readableError(e, 'load'));
        return;
      }
    }
    if (el.settings.hidden || state.destroyed) return;
    mountOptionsForm(holder, {
      api: deps.api,
      me,
      idPrefix: 'pane-options',
      onSaved: (options) => {
        const caller = { ...(state.caller ?? me), options };
        state.caller = caller;
        onSaved(caller);
      },
    });
    showMailbox();
  }

  function showMailbox(): void {
    const box = el.settings.querySelector<HTMLElement>('[data-testid="my-mailbox"]')!;
    deps.api.myMailbox().then(
      (m: Mailbox) => {
        const lines = [m.lastSyncAt ? t.lastSync(when(m.lastSyncAt)) : t.neverSynced];
        if (m.lastError) lines.push(t.lastError(m.lastError));
        box.replaceChildren(
          ...lines.map((line) => {
            const p = document.createElement('p');
            p.className = 'hint';
            p.textContent = line;
            return p;
          }),
        );
        box.hidden = false;
      },
      () => undefined, // an older server has no /me/mailbox: the view shows the options only
    );
  }

  function toggle(open = el.settings.hidden): void {
    el.settings.hidden = !open;
    el.main.hidden = open;
    el.settingsButton.setAttribute('aria-expanded', String(open));
    if (open) {
      void render().then(() => el.settings.querySelector<HTMLElement>('input')?.focus());
    } else {
      el.settings.replaceChildren();
      el.settingsButton.focus();
    }
  }

  el.settingsButton.addEventListener('click', () => toggle());
  return { toggle };
}
