// The parts every screen uses: its heading, the loading, empty and problem states, field errors beside
// their fields, and a status line.

import { ApiError } from '../api.ts';
import { h, replace, type Child } from './dom.ts';
import { t } from './messages.ts';
import type { ScreenDeps } from './screen.ts';

/** pageHead is a screen's heading, with its actions on the right. The shell focuses the h1. */
export function pageHead(title: string, ...actions: Child[]): HTMLElement {
  return h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, title), actions.length ? h('div', { class: 'page-actions' }, ...actions) : null);
}

/** loadingView says something is being read. */
export function loadingView(text: string = t.common.loading): HTMLElement {
  return h(
    'div',
    { class: 'state loading', role: 'status', 'data-testid': 'loading' },
    h('fluent-progress-ring', { 'aria-hidden': 'true' }),
    h('span', null, text),
  );
}

/** emptyView says a list has nothing, and what could be done. */
export function emptyView(text: string, ...actions: Child[]): HTMLElement {
  return h('div', { class: 'state empty', 'data-testid': 'empty' }, h('p', null, text), ...actions);
}

/** problemKind sorts an error into what the user can do about it. */
export function problemKind(err: unknown): 'signin' | 'forbidden' | 'unreachable' | 'notFound' | 'conflict' | 'invalid' | 'other' {
  if (!(err instanceof ApiError)) return err instanceof TypeError ? 'unreachable' : 'other';
  if (err.network || err.status === 0) return 'unreachable';
  switch (err.status) {
    case 401:
      return 'signin';
    case 403:
      return 'forbidden';
    case 404:
      return 'notFound';
    case 409:
      return 'conflict';
    case 400:
    case 422:
      return 'invalid';
  }
  return 'other';
}

/** problemText is one sentence for an error, in the app's words where the case is known. */
export function problemText(err: unknown): string {
  const kind = problemKind(err);
  const detail = err instanceof ApiError ? err.detail : err instanceof Error ? err.message : '';
  switch (kind) {
    case 'signin':
      return t.common.signedOut;
    case 'forbidden':
      return t.common.forbidden(detail);
    case 'unreachable':
      return t.common.unreachable;
  }
  const sentence = detail ? detail[0].toUpperCase() + detail.slice(1) : t.common.somethingWrong;
  const id = err instanceof ApiError && err.requestId && kind === 'other' ? ` ${t.common.requestId(err.requestId)}` : '';
  return sentence + id;
}

/**
 * problemView shows an error with what can be done: sign in again after a 401, try again when crmsync
 * could not be reached (retry), or read which role a 403 needs.
 */
export function problemView(err: unknown, deps: Pick<ScreenDeps, 'signIn'>, retry?: () => void): HTMLElement {
  const kind = problemKind(err);
  const box = h('div', { class: `state problem ${kind}`, role: 'alert', 'data-testid': 'problem', 'data-kind': kind }, h('p', null, problemText(err)));
  if (kind === 'signin') {
    box.append(h('button', { type: 'button', class: 'button accent', onclick: () => deps.signIn() }, t.common.signInAgain));
  } else if (retry && kind !== 'forbidden' && kind !== 'notFound') {
    box.append(h('button', { type: 'button', class: 'button', 'data-testid': 'retry', onclick: retry }, t.common.retry));
  }
  return box;
}

/**
 * load shows loadingView in root, runs read, and hands its answer to show; on failure it shows the
 * problem with a Retry that runs it again. It resolves when shown, or when the problem is.
 */
export async function load<T>(root: HTMLElement, deps: Pick<ScreenDeps, 'signIn'>, read: () => Promise<T>, show: (value: T) => void): Promise<void> {
  replace(root, loadingView());
  let value: T;
  try {
    value = await read();
  } catch (e) {
    replace(
      root,
      problemView(e, deps, () => void load(root, deps, read, show)),
    );
    return;
  }
  show(value);
}

/** fieldBox is a form field: its label, the control, a hint and the place its error shows. */
export function fieldBox(opts: { field: string; label: string; control: HTMLElement; hint?: string; id: string }): HTMLElement {
  const { field, control, id } = opts;
  control.id = id;
  const described = [opts.hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  return h(
    'div',
    { class: 'form-field', 'data-field': field },
    h('label', { for: id }, opts.label),
    control,
    opts.hint ? h('p', { class: 'hint', id: `${id}-hint` }, opts.hint) : null,
    h('p', { class: 'field-error', id: `${id}-error`, 'data-testid': `error-${field}`, role: 'alert', hidden: true }),
  );
}

/** clearFieldErrors hides every field error of a form. */
export function clearFieldErrors(form: HTMLElement): void {
  for (const box of form.querySelectorAll<HTMLElement>('.field-error')) {
    box.textContent = '';
    box.hidden = true;
  }
  for (const c of form.querySelectorAll('[aria-invalid="true"]')) c.removeAttribute('aria-invalid');
}

/**
 * showFieldErrors puts each error of a problem beside its field (errors[].field matched to a
 * data-field, after toField maps it), focusing the first; it returns the errors no field took.
 */
export function showFieldErrors(form: HTMLElement, err: unknown, toField: (field: string) => string = (f) => f): string[] {
  clearFieldErrors(form);
  if (!(err instanceof ApiError)) return [];
  const rest: string[] = [];
  let first: HTMLElement | null = null;
  for (const fe of err.errors) {
    const name = toField(fe.field);
    const holder = form.querySelector<HTMLElement>(`[data-field="${name.replace(/["\\]/g, '\\$&')}"]`);
    const box = holder?.querySelector<HTMLElement>(':scope > .field-error, :scope .field-error');
    if (!holder || !box) {
      rest.push(`${fe.field}: ${fe.message}`);
      continue;
    }
    box.textContent = box.textContent ? `${box.textContent} ${fe.message}` : fe.message;
    box.hidden = false;
    const control = holder.querySelector<HTMLElement>('input, select, textarea');
    control?.setAttribute('aria-invalid', 'true');
    first ??= control;
  }
  first?.focus();
  return rest;
}

/**
 * formProblem shows why a form's save failed: each field error beside its field, and in the status line
 * the errors no field took, or else the problem in a sentence.
 */
export function formProblem(form: HTMLElement, status: HTMLElement, err: unknown, toField?: (field: string) => string): void {
  const rest = showFieldErrors(form, err, toField);
  setStatus(status, rest.length ? t.common.fieldsNotShown(rest.join('; ')) : problemText(err), 'error');
}

/** statusLine is where a form says what became of its last action. */
export function statusLine(testid = 'status'): HTMLElement {
  return h('p', { class: 'form-status', role: 'status', 'data-testid': testid });
}

/** setStatus shows a message in a status line: busy, done, or error. */
export function setStatus(el: HTMLElement, message: string, state: 'busy' | 'done' | 'error' | '' = ''): void {
  el.textContent = message;
  if (state) el.dataset.state = state;
  else delete el.dataset.state;
}
