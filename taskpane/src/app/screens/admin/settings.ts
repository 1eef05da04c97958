// The tenant's synchronization settings (CRM.Admin): the mode (client or server, with what changes for
// users), the default automatic tracking, the minimum interval, tracking sent items and whether Untrack
// deletes. Saved as a merge (PATCH /admin/settings) of what changed. #/admin/settings

import type { AdminSettings, AutoTrack } from '../../../api.ts';
import { autoTrackOptions } from '../../../options.ts';
import { h, replace, uid } from '../../dom.ts';
import { autoTrackText, t } from '../../messages.ts';
import type { Screen, ScreenDeps } from '../../screen.ts';
import { clearFieldErrors, fieldBox, formProblem, load, pageHead, setStatus, statusLine } from '../../ui.ts';

/** diff is what a save sends: the members that differ from the settings read. */
export function diff(before: AdminSettings, now: AdminSettings): Partial<AdminSettings> {
  const out: Partial<AdminSettings> = {};
  for (const k of Object.keys(now) as (keyof AdminSettings)[]) {
    if (now[k] !== before[k]) (out as Record<string, unknown>)[k] = now[k];
  }
  return out;
}

/** mount shows the settings form. */
export function mount(root: HTMLElement, deps: ScreenDeps): Screen {
  let destroyed = false;
  let saved: AdminSettings | undefined;
  let read: () => AdminSettings | undefined = () => saved;

  void load(
    root,
    deps,
    () => deps.api.adminSettings(),
    (s) => {
      if (!destroyed) show(s);
    },
  );

  function show(settings: AdminSettings): void {
    saved = settings;
    const modes = (['client', 'server'] as const).map((m) =>
      h(
        'label',
        { class: 'choice' },
        h('input', { type: 'radio', name: 'syncMode', value: m, checked: settings.syncMode === m, 'data-testid': `mode-${m}` }),
        h('span', null, h('span', { class: 'choice-label' }, t.settings.modeNames[m]), h('span', { class: 'hint' }, t.settings.modes[m])),
      ),
    );
    const autoTrack = h(
      'select',
      { name: 'defaultAutoTrack', 'data-testid': 'default-autotrack' },
      autoTrackOptions.map((o) =>
        h('option', { value: o, selected: settings.defaultAutoTrack === o }, `${autoTrackText[o].label} — ${autoTrackText[o].explains}`),
      ),
    );
    const min = h('input', {
      type: 'number',
      name: 'minSyncIntervalMinutes',
      min: 1,
      max: 1440,
      step: 1,
      value: String(settings.minSyncIntervalMinutes),
      'data-testid': 'min-interval',
    });
    const check = (name: 'trackSentItems' | 'untrackDeletes', label: string, hint: string) => {
      const id = uid(name);
      return h(
        'div',
        { class: 'form-field', 'data-field': name },
        h(
          'label',
          { class: 'choice', for: id },
          h('input', { type: 'checkbox', id, name, checked: settings[name], 'data-testid': name }),
          h('span', null, h('span', { class: 'choice-label' }, label), h('span', { class: 'hint' }, hint)),
        ),
        h('p', { class: 'field-error', role: 'alert', hidden: true }),
      );
    };
    const status = statusLine('settings-status');
    const form = h(
      'form',
      { class: 'card', novalidate: true, 'data-testid': 'settings-form', onsubmit: (e: Event) => (e.preventDefault(), void save()) },
      h(
        'fieldset',
        { class: 'form-field', 'data-field': 'syncMode' },
        h('legend', null, t.settings.syncMode),
        modes,
        h('p', { class: 'field-error', role: 'alert', hidden: true }),
      ),
      fieldBox({ field: 'defaultAutoTrack', label: t.settings.defaultAutoTrack, control: autoTrack, id: uid('autotrack') }),
      fieldBox({ field: 'minSyncIntervalMinutes', label: t.settings.minInterval, control: min, hint: t.settings.minIntervalHint, id: uid('min') }),
      check('trackSentItems', t.settings.trackSent, t.settings.trackSentHint),
      check('untrackDeletes', t.settings.untrackDeletes, t.settings.untrackDeletesHint),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button accent', 'data-testid': 'save-settings' }, t.common.save), status),
    );
    replace(root, pageHead(t.settings.title), form);

    read = () => ({
      syncMode: form.querySelector<HTMLInputElement>('[name="syncMode"]:checked')?.value === 'server' ? 'server' : 'client',
      defaultAutoTrack: autoTrack.value as AutoTrack,
      minSyncIntervalMinutes: Number(min.value),
      trackSentItems: form.querySelector<HTMLInputElement>('[name="trackSentItems"]')!.checked,
      untrackDeletes: form.querySelector<HTMLInputElement>('[name="untrackDeletes"]')!.checked,
    });

    async function save(): Promise<void> {
      if (!saved) return;
      clearFieldErrors(form);
      const now = read()!;
      const patch = diff(saved, now);
      setStatus(status, t.common.saving, 'busy');
      try {
        const answer = await deps.api.patchAdminSettings(patch);
        if (destroyed) return;
        saved = answer;
        setStatus(status, t.common.saved, 'done');
      } catch (e) {
        if (destroyed) return;
        formProblem(form, status, e, (f) => f.replace(/^\//, ''));
      }
    }
  }

  return {
    dirty: () => {
      const now = read();
      return !!saved && !!now && Object.keys(diff(saved, now)).length > 0;
    },
    destroy: () => {
      destroyed = true;
    },
  };
}
