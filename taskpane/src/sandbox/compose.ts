// New message and Reply in the sandbox: mail between the demo users and people outside, sent through the
// demo mailbox (POST /dev/outlook/mail and /dev/outlook/reply), which delivers it as Exchange would and
// tells crmsync through a change notification, so the Inbox shows it tracked moments later.

import { demoUsers, externalSenders } from './protocol.ts';

/** What the compose dialog sends: a new message, or a reply to a message of the user's inbox. */
export type Draft =
  | { kind: 'new'; from: string; fromName: string; to: string[]; subject: string; body: string }
  | { kind: 'reply'; user: string; itemId: string; comment: string };

/** send posts a draft to the sandbox; it rejects with the sandbox's reason when it is refused. */
export async function send(draft: Draft, fetchFn: typeof fetch): Promise<void> {
  const [path, body] =
    draft.kind === 'new'
      ? ['/dev/outlook/mail', { from: draft.from, fromName: draft.fromName, to: draft.to, subject: draft.subject, body: draft.body }]
      : ['/dev/outlook/reply', { user: draft.user, itemId: draft.itemId, comment: draft.comment }];
  const res = await fetchFn(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) {
    let detail = `HTTP ${res.status}`;
    try {
      detail = ((await res.json()) as { detail?: string }).detail ?? detail;
    } catch {
      // not problem+json: the status says enough
    }
    throw new Error(detail);
  }
}

/** recipients reads a To field: addresses separated by commas or semicolons. */
export function recipients(field: string): string[] {
  return field
    .split(/[,;]/)
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

function field(label: string, control: HTMLElement): HTMLLabelElement {
  const l = document.createElement('label');
  l.className = 'compose-field';
  const span = document.createElement('span');
  span.textContent = label;
  l.append(span, control);
  return l;
}

/** The compose dialog: openNew and openReply fill it; onSent runs after a draft was sent. */
export interface Composer {
  openNew(user: string): void;
  openReply(user: string, item: { id: string; subject: string; from: string }): void;
}

/** mountComposer builds the dialog inside dialog (a <dialog> element of the page). */
export function mountComposer(dialog: HTMLDialogElement, fetchFn: typeof fetch, onSent: (what: string) => void): Composer {
  const form = document.createElement('form');
  form.method = 'dialog';
  form.className = 'compose';
  const title = document.createElement('h2');
  const from = document.createElement('select');
  from.dataset.testid = 'compose-from';
  const to = document.createElement('input');
  to.type = 'text';
  to.dataset.testid = 'compose-to';
  to.autocomplete = 'off';
  const subject = document.createElement('input');
  subject.type = 'text';
  subject.dataset.testid = 'compose-subject';
  const body = document.createElement('textarea');
  body.rows = 6;
  body.dataset.testid = 'compose-body';
  const error = document.createElement('p');
  error.className = 'compose-error';
  error.setAttribute('role', 'alert');
  const sendButton = document.createElement('button');
  sendButton.type = 'submit';
  sendButton.className = 'primary';
  sendButton.textContent = 'Send';
  sendButton.dataset.testid = 'compose-send';
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.textContent = 'Cancel';
  cancel.addEventListener('click', () => dialog.close());
  const actions = document.createElement('div');
  actions.className = 'compose-actions';
  actions.append(sendButton, cancel);
  const fromField = field('From', from);
  const toField = field('To', to);
  const subjectField = field('Subject', subject);
  const bodyField = field('Message', body);
  form.append(title, fromField, toField, subjectField, bodyField, error, actions);
  dialog.replaceChildren(form);

  let reply: { user: string; itemId: string } | null = null;

  const senders = [...demoUsers.map((u) => ({ address: u.upn, name: u.name, about: 'a demo user' })), ...externalSenders];
  from.replaceChildren(
    ...senders.map((p) => {
      const o = document.createElement('option');
      o.value = p.address;
      o.textContent = `${p.name} <${p.address}> (${p.about})`;
      return o;
    }),
  );

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const draft: Draft = reply
      ? { kind: 'reply', user: reply.user, itemId: reply.itemId, comment: body.value }
      : {
          kind: 'new',
          from: from.value,
          fromName: senders.find((p) => p.address === from.value)?.name ?? '',
          to: recipients(to.value),
          subject: subject.value,
          body: body.value,
        };
    sendButton.disabled = true;
    error.textContent = '';
    send(draft, fetchFn)
      .then(() => {
        dialog.close();
        onSent(draft.kind === 'new' ? `Sent “${subject.value}”.` : 'Reply sent.');
      })
      .catch((err: unknown) => {
        error.textContent = `Not sent: ${(err as Error).message}`;
      })
      .finally(() => {
        sendButton.disabled = false;
      });
  });

  return {
    openNew(user: string) {
      reply = null;
      title.textContent = 'New message';
      fromField.hidden = false;
      toField.hidden = false;
      subjectField.hidden = false;
      // By default someone outside writes to the signed-in user: mail that automatic tracking may pick.
      from.value = externalSenders[0].address;
      to.value = user;
      subject.value = '';
      body.value = '';
      error.textContent = '';
      dialog.showModal();
      subject.focus();
    },
    openReply(user: string, item: { id: string; subject: string; from: string }) {
      reply = { user, itemId: item.id };
      title.textContent = `Reply to ${item.from}: ${item.subject}`;
      fromField.hidden = true;
      toField.hidden = true;
      subjectField.hidden = true;
      body.value = '';
      error.textContent = '';
      dialog.showModal();
      body.focus();
    },
  };
}
