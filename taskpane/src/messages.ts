// Readable text for what can go wrong, shared by the taskpane and the ribbon commands.

import { ApiError, type TrackRequest } from './api.ts';
import { AuthError } from './auth.ts';
import { OfficeError } from './office.ts';

/** What the user was doing when an error came: it decides what a 404 means. */
export type Operation = 'load' | 'track' | 'setRegarding' | 'untrack' | 'search' | 'watch' | 'sync';

/** The fixed sentences of the known cases. */
export const text = {
  unreachable: 'crmsync cannot be reached',
  signInAgain: 'Sign in again',
  notInMailbox: 'This item is not in your mailbox',
  draft: 'Outlook could not give us this message: it is still a draft — save it first',
  notTracked: 'This item is not tracked',
  stillWorking: 'crmsync is still working on it; open the crmsync pane to follow it',
} as const;

function sentence(s: string): string {
  const t = s.trim();
  return t ? t[0].toUpperCase() + t.slice(1) : t;
}

/** failureText is what a failed click's error says, with the known cases in the taskpane's words. */
export function failureText(error: string | undefined): string {
  const e = error ?? '';
  if (/still a draft/i.test(e)) {
    return text.draft;
  }
  return sentence(e) || 'crmsync could not do it, and did not say why';
}

/** readableError turns any error into one sentence for the user. */
export function readableError(err: unknown, op: Operation): string {
  if (err instanceof ApiError) {
    if (err.network || err.status === 0) {
      return text.unreachable;
    }
    if (err.status === 401) {
      return text.signInAgain;
    }
    if (err.status === 404 && (op === 'track' || op === 'setRegarding')) {
      return text.notInMailbox;
    }
    if (err.status === 404 && op === 'untrack') {
      return text.notTracked;
    }
    if (/still a draft/i.test(err.detail)) {
      return text.draft;
    }
    return sentence(err.message);
  }
  if (err instanceof AuthError || err instanceof OfficeError) {
    return sentence(err.message);
  }
  if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return text.stillWorking;
  }
  if (err instanceof TypeError) {
    return text.unreachable; // fetch's network failure
  }
  if (err instanceof Error && err.message) {
    return sentence(err.message);
  }
  return 'Something went wrong';
}

/** doneText says what a finished click did, for a notification. */
export function doneText(r: TrackRequest): string {
  if (r.action === 'untrack') {
    return 'Untracked from CRM';
  }
  if (r.record) {
    return `Tracked to CRM as the contact ${r.record.name}`;
  }
  const name = r.activity?.regarding?.name;
  return name ? `Tracked to CRM regarding ${name}` : 'Tracked to CRM';
}
