// The personal options form — synchronization interval and automatic email tracking — shared by the
// taskpane's Settings view and the web app's Personal options. It saves with PUT /me/options, shows the
// API's field errors beside their fields, and keeps what was typed when the save fails.

import { ApiError, type ApiClient, type AutoTrack, type Me, type MyOptions } from './api.ts';
import { autoTrackText, paneText as t, readableError } from './messages.ts';
import './forms.css';

/** The automatic tracking options, narrowest first, as the API names them. */
export const autoTrackOptions = ['none', 'responses', 'leads_contacts_accounts', 'email_enabled_records', 'all'] as const;

/** The longest interval the API allows. */
export const maxIntervalMinutes = 1440;

/** What the form needs. */
export interface OptionsFormDeps {
  api: Pick<ApiClient, 'putOptions'>;
  me: Me;
  /** called with the options that now apply, after a save */
  onSaved?(options: MyOptions): void;
  /** called when the user changes a value, and with false once saved */
  onDirty?(dirty: boolean): void;
  /** a prefix for element ids, unique on the page */
  idPrefix?: string;
}

/** A mounted options form. */
export interface OptionsForm {
  /** save sends the form; resolves true when the server took it. */
  save(): Promise<boolean>;
  dirty(): boolean;
}

/** mountOptionsForm renders the form into root. */
export function mountOptionsForm(root: HTMLElement, deps: OptionsFormDeps): OptionsForm {
  const id = deps.idPrefix ?? 'options';
  const min = Math.max(1, deps.me.minSyncIntervalMinutes ?? 1);
  let saved: MyOptions = { ...deps.me.options };
  root.innerHTML = '';
  const form = document.createElement('form');
  form.className = 'options-form';
  form.noValidate = true;
  form.dataset.testid = 'options-form';
  form.innerHTML = `
    <div class="form-field" data-field="syncIntervalMinutes">
      <label for="${id}-interval">${t.interval}</label>
      <input id="${id}-interval" name="syncIntervalMinutes" data-testid="interval" type="number" inputmode="numeric"
        min="${min}" max="${maxIntervalMinutes}" step="1" required aria-describedby="${id}-interval-hint ${id}-interval-error">
      <p class="hint" id="${id}-interval-hint">${t.intervalHint(min, maxIntervalMinutes)}</p>
      <p class="field-error" id="${id}-interval-error" data-testid="interval-error" role="alert" hidden></p>
    </div>
    <fieldset class="form-field" data-field="autoTrack" aria-describedby="${id}-autotrack-error">
      <legend>${t.autoTrack}</legend>
      ${autoTrackOptions
        .map(
          (o) => `
      <label class="choice">
        <input type="radio" name="autoTrack" value="${o}" data-testid="autotrack-${o}" aria-describedby="${id}-at-${o}">
        <span><span class="choice-label">${autoTrackText[o].label}</span>
        <span class="hint" id="${id}-at-${o}">${autoTrackText[o].explains}</span></span>
      </label>`,
        )
        .join('')}
      <p class="field-error" id="${id}-autotrack-error" data-testid="autotrack-error" role="alert" hidden></p>
    </fieldset>
    <div class="form-actions">
      <button type="submit" class="button accent" data-testid="save-options">${t.save}</button>
      <span class="form-status" data-testid="options-status" role="status"></span>
    </div>`;
  root.append(form);
  const interval = form.querySelector<HTMLInputElement>('[name="syncIntervalMinutes"]')!;
  const status = form.querySelector<HTMLElement>('[data-testid="options-status"]')!;
  const saveButton = form.querySelector<HTMLButtonElement>('[data-testid="save-options"]')!;

  function show(o: MyOptions): void {
    interval.value = String(o.syncIntervalMinutes);
    for (const r of form.querySelectorAll<HTMLInputElement>('[name="autoTrack"]')) r.checked = r.value === o.autoTrack;
  }

  function values(): MyOptions {
    const checked = form.querySelector<HTMLInputElement>('[name="autoTrack"]:checked');
    return { syncIntervalMinutes: Number(interval.value), autoTrack: (checked?.value as AutoTrack | undefined) ?? saved.autoTrack };
  }

  function fieldError(field: string, message: string): void {
    const box = form.querySelector<HTMLElement>(`[data-field="${field}"] .field-error`);
    if (!box) return;
    box.textContent = message;
    box.hidden = message === '';
    const input = field === 'syncIntervalMinutes' ? interval : null;
    input?.setAttribute('aria-invalid', String(message !== ''));
  }

  function dirty(): boolean {
    const v = values();
    return v.syncIntervalMinutes !== saved.syncIntervalMinutes || v.autoTrack !== saved.autoTrack;
  }

  async function save(): Promise<boolean> {
    fieldError('syncIntervalMinutes', '');
    fieldError('autoTrack', '');
    const v = values();
    if (!Number.isInteger(v.syncIntervalMinutes) || v.syncIntervalMinutes < min || v.syncIntervalMinutes > maxIntervalMinutes) {
      fieldError('syncIntervalMinutes', t.intervalHint(min, maxIntervalMinutes));
      interval.focus();
      return false;
    }
    saveButton.disabled = true;
    status.textContent = t.saving;
    status.dataset.state = 'busy';
    try {
      saved = await deps.api.putOptions(v);
      show(saved);
      status.textContent = t.saved;
      status.dataset.state = 'saved';
      deps.onDirty?.(false);
      deps.onSaved?.(saved);
      return true;
    } catch (e) {
      // What was typed stays; the button sends it again.
      if (e instanceof ApiError && e.errors.length > 0) {
        for (const fe of e.errors) fieldError(fe.field.replace(/^\//, ''), fe.message);
      }
      status.textContent = readableError(e, 'save');
      status.dataset.state = 'error';
      return false;
    } finally {
      saveButton.disabled = false;
    }
  }

  form.addEventListener('input', () => {
    status.textContent = '';
    delete status.dataset.state;
    deps.onDirty?.(dirty());
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void save();
  });
  show(saved);
  return { save, dirty };
}
