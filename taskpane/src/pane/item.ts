// The open item: reading it and its tracking, and showing its state, what it is regarding and who its
// parties resolved to.

import { isOpen, type Party, type TrackRequest } from '../api.ts';
import { label, paneText as t, readableError } from '../messages.ts';
import type { Action, PaneContext } from './state.ts';
import { setDisabled } from './view.ts';

/** typeLabel is a record type's name as the tenant names it. */
export function typeLabel(ctx: PaneContext, type: string): string {
  return ctx.state.typeLabels.get(type) ?? label(type);
}

function stateText(ctx: PaneContext): string {
  const { pending, tracking } = ctx.state;
  if (pending) {
    return pending.action === 'untrack' ? t.untrackingBusy : t.trackingBusy;
  }
  return tracking?.tracked ? t.tracked : t.notTracked;
}

/** renderItem shows the item's state, regarding, contact, parties and which clicks are possible. */
export function renderItem(ctx: PaneContext): void {
  const { el, state } = ctx;
  const { item, tracking, pending, progress } = state;
  const busy = pending !== null || state.loading;
  el.pane.setAttribute('aria-busy', String(busy));
  el.subject.textContent = item ? item.subject || t.noSubject : t.noItem;

  el.state.textContent = stateText(ctx);
  el.state.dataset.state = pending ? 'pending' : tracking?.tracked ? 'tracked' : 'untracked';
  el.state.setAttribute('appearance', tracking?.tracked && !pending ? 'accent' : 'neutral');

  el.progress.textContent = progress;
  el.progressRow.hidden = progress === '';
  el.ring.hidden = !(pending && (progress === 'queued' || progress === 'processing' || progress === ''));
  el.queued.textContent = state.queuedHere ? t.queued : '';
  el.queued.hidden = !state.queuedHere;
  const neverTrack = state.neverTrack && !tracking?.tracked && item?.from !== undefined;
  el.neverTrack.textContent = neverTrack && item?.from ? t.neverTrack(item.from) : '';
  el.neverTrack.hidden = !neverTrack;

  const regarding = tracking?.tracked ? (tracking.activity?.regarding ?? null) : null;
  el.regarding.textContent = regarding?.name ?? '';
  el.regardingType.textContent = regarding ? typeLabel(ctx, regarding.type) : '';
  el.regardingNone.hidden = regarding !== null;
  const contact = tracking?.tracked ? tracking.record : null;
  el.contactLabel.hidden = el.contact.hidden = !contact;
  el.contact.textContent = contact?.name ?? '';

  renderParties(ctx);

  const tracked = tracking?.tracked === true;
  setDisabled(el.track, !item || busy || tracked);
  setDisabled(el.setRegarding, !item || busy || !state.picked || item.itemType === 'contact');
  setDisabled(el.untrack, !item || busy || !tracked);
  el.input.disabled = item?.itemType === 'contact';
}

function partyRow(ctx: PaneContext, p: Party): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.testid = 'party';
  li.className = 'party';
  const who = document.createElement('span');
  who.className = 'who';
  const role = document.createElement('span');
  role.className = 'role';
  role.textContent = t.roles[p.role] ?? label(p.role);
  const address = document.createElement('span');
  address.className = 'address';
  address.textContent = p.name && p.name !== p.address ? `${p.name} <${p.address}>` : p.address;
  who.append(role, address);
  const arrow = document.createElement('span');
  arrow.className = 'arrow';
  arrow.setAttribute('aria-hidden', 'true');
  arrow.textContent = '→';
  const rec = document.createElement('span');
  rec.className = 'record';
  if (p.record) {
    li.dataset.recordType = p.record.type;
    li.dataset.recordId = p.record.id;
    const name = ctx.state.recordNames.get(`${p.record.type}/${p.record.id}`);
    rec.textContent = name ? `${typeLabel(ctx, p.record.type)}: ${name}` : typeLabel(ctx, p.record.type);
  } else {
    rec.classList.add('missing');
    rec.textContent = t.notInCrm;
  }
  li.append(who, arrow, rec);
  return li;
}

/** renderParties lists the parties of a tracked item and the records they resolved to. */
export function renderParties(ctx: PaneContext): void {
  const { tracking } = ctx.state;
  const parties: Party[] = (tracking?.tracked && tracking.activity?.parties) || [];
  ctx.el.parties.replaceChildren(...parties.map((p) => partyRow(ctx, p)));
  ctx.el.partiesHint.textContent = parties.length > 0 ? '' : tracking?.tracked ? t.noParties : t.partiesLater;
}

/** lookUpPartyNames reads the names of the records parties resolved to, once each, best effort. */
export function lookUpPartyNames(ctx: PaneContext): void {
  const { state, deps } = ctx;
  const g = state.gen;
  for (const p of state.tracking?.activity?.parties ?? []) {
    const key = p.record ? `${p.record.type}/${p.record.id}` : '';
    if (!p.record || state.recordNames.has(key)) continue;
    state.recordNames.set(key, '');
    deps.api.getRecord(p.record.type, p.record.id).then(
      (r) => {
        state.recordNames.set(key, r.name);
        if (!ctx.stale(g)) renderParties(ctx);
      },
      () => undefined,
    );
  }
}

/** What loading an item needs from the other parts of the pane. */
export interface ItemHooks {
  /** resetSearch empties the regarding search. */
  resetSearch(): void;
  /** abortFollow stops following the previous item's click. */
  abortFollow(): void;
  /** followInBackground follows a click that was already being worked when the item was shown. */
  followInBackground(g: number, action: Action, first: TrackRequest): void;
}

/** loadItem reads the open item again and shows it (what an item change does). */
export async function loadItem(ctx: PaneContext, hooks: ItemHooks): Promise<void> {
  const { state, deps } = ctx;
  const g = ++state.gen;
  hooks.abortFollow();
  hooks.resetSearch();
  state.pending = null;
  state.progress = '';
  state.queuedHere = false;
  state.neverTrack = false;
  state.tracking = null;
  state.item = null;
  state.loading = true;
  ctx.showError('');
  ctx.render();
  try {
    const current = await deps.office.currentItem();
    if (ctx.stale(g)) return;
    state.item = current;
    if (current?.itemId && deps.offline) {
      // A click kept from before: say so until it is sent.
      deps.offline.queued(current.itemId).then(
        (q) => {
          if (ctx.stale(g) || q.length === 0 || state.pending) return;
          state.queuedHere = true;
          ctx.render();
        },
        () => undefined,
      );
    }
    if (current?.itemId) {
      const tracking = await deps.api.itemTracking(current.itemId);
      if (ctx.stale(g)) return;
      state.tracking = tracking;
      lookUpPartyNames(ctx);
      if (!tracking.tracked && current.itemType === 'message' && current.from) {
        // Before a click tracks it anyway, say that automatic tracking never would; best effort.
        deps.api.neverTrackCheck(current.from).then(
          (c) => {
            if (ctx.stale(g) || !c.neverTrack) return;
            state.neverTrack = true;
            ctx.render();
          },
          () => undefined,
        );
      }
      if (tracking.pending && isOpen(tracking.pending)) {
        // A click from the ribbon (or before the pane was opened) is still being worked: follow it.
        const p = tracking.pending;
        const action: Action = p.action === 'untrack' ? 'untrack' : p.action === 'set_regarding' ? 'setRegarding' : 'track';
        state.pending = { action, state: p.state };
        // Followed in the background: the item is shown now.
        hooks.followInBackground(g, action, p);
      }
    }
  } catch (e) {
    if (ctx.stale(g) || (e as Error)?.name === 'AbortError') return;
    state.pending = null;
    ctx.showError(readableError(e, 'load'));
  } finally {
    if (!ctx.stale(g)) {
      state.loading = false;
      ctx.render();
    }
  }
}
