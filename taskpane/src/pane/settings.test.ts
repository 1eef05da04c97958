import { describe, expect, it, vi } from 'vitest';
import { ApiError, type MyOptionsInput } from '../api.ts';
import { fakeApi, flush, mailbox, me } from '../testing/fakes.ts';
import { $, destroyPane, root, setup as mountPane, usePane } from '../testing/pane.ts';

usePane();

async function setup(api = fakeApi()) {
  await mountPane({ api });
  return api;
}

async function open() {
  $('settings-button').click();
  await flush();
}

async function submit() {
  $('save-options')
    .closest('form')!
    .dispatchEvent(new Event('submit', { cancelable: true }));
  await flush();
}

function setInterval(v: string) {
  const input = $('interval') as HTMLInputElement;
  input.value = v;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

describe('the Settings view', () => {
  it('opens from the header in place of the item, with the options as they are', async () => {
    await setup();
    expect($('settings').hidden).toBe(true);
    await open();
    expect($('settings').hidden).toBe(false);
    expect(root.querySelector<HTMLElement>('[data-role="main"]')!.hidden).toBe(true);
    expect($('settings-button').getAttribute('aria-expanded')).toBe('true');
    expect(($('interval') as HTMLInputElement).value).toBe('15');
    expect(($('autotrack-responses') as HTMLInputElement).checked).toBe(true);
    // Every option is explained in one line.
    expect(root.querySelectorAll('[name="autoTrack"]')).toHaveLength(5);
    expect($('my-mailbox').textContent).toContain('Last synchronized');
    expect($('app-link').getAttribute('href')).toBe('/app/#/options');
  });

  it('saves the interval and the automatic tracking option', async () => {
    const api = await setup();
    await open();
    setInterval('30');
    ($('autotrack-all') as HTMLInputElement).click();
    await submit();
    expect(api.putOptions).toHaveBeenCalledWith({ syncIntervalMinutes: 30, autoTrack: 'all' });
    expect($('options-status').textContent).toBe('Saved.');
  });

  it('refuses an interval out of bounds before sending it', async () => {
    const api = await setup();
    await open();
    setInterval('0');
    await submit();
    expect(api.putOptions).not.toHaveBeenCalled();
    expect($('interval-error').hidden).toBe(false);
    expect($('interval').getAttribute('aria-invalid')).toBe('true');
  });

  it("shows the API's field error beside its field", async () => {
    const api = fakeApi({
      me: vi.fn(async () => me({ minSyncIntervalMinutes: 10 })),
      putOptions: vi.fn(async () => {
        throw new ApiError({
          status: 422,
          detail: 'the options are not valid',
          errors: [{ field: 'syncIntervalMinutes', message: 'must be from 20' }],
          path: '/me/options',
          method: 'PUT',
        });
      }),
    });
    await setup(api);
    await open();
    expect($('interval').getAttribute('min')).toBe('10');
    setInterval('12');
    await submit();
    expect($('interval-error').textContent).toBe('must be from 20');
  });

  it('keeps what was typed when crmsync cannot be reached, and sends it again', async () => {
    let reachable = false;
    const api = fakeApi({
      putOptions: vi.fn(async (o: MyOptionsInput) => {
        if (!reachable) throw new ApiError({ status: 0, detail: 'crmsync cannot be reached', network: true, path: '/me/options', method: 'PUT' });
        return { syncIntervalMinutes: o.syncIntervalMinutes ?? 15, autoTrack: o.autoTrack ?? 'responses' };
      }),
    });
    await setup(api);
    await open();
    setInterval('45');
    await submit();
    expect($('options-status').textContent).toBe('crmsync cannot be reached');
    expect(($('interval') as HTMLInputElement).value).toBe('45');
    reachable = true;
    await submit();
    expect($('options-status').textContent).toBe('Saved.');
    expect(api.putOptions).toHaveBeenLastCalledWith({ syncIntervalMinutes: 45, autoTrack: 'responses' });
  });

  it('shows the last error of the mailbox, and nothing of it on a server without /me/mailbox', async () => {
    await setup(fakeApi({ myMailbox: vi.fn(async () => mailbox({ lastError: 'consent was revoked' })) }));
    await open();
    expect($('my-mailbox').textContent).toContain('Last error: consent was revoked');
    destroyPane();
    await setup(fakeApi({ myMailbox: vi.fn(async () => Promise.reject(new ApiError({ status: 404, detail: 'no', path: '/me/mailbox', method: 'GET' }))) }));
    await open();
    expect($('my-mailbox').hidden).toBe(true);
  });

  it('goes back to the item', async () => {
    await setup();
    await open();
    $('settings-back').click();
    expect($('settings').hidden).toBe(true);
    expect(root.querySelector<HTMLElement>('[data-role="main"]')!.hidden).toBe(false);
  });
});
