import { describe, expect, it } from 'vitest';
import { recipients, send } from './compose.ts';

describe('compose', () => {
  it('reads recipients separated by commas or semicolons', () => {
    expect(recipients(' alice@contoso.test; bob@contoso.test ,, dana@fabrikam.test ')).toEqual([
      'alice@contoso.test',
      'bob@contoso.test',
      'dana@fabrikam.test',
    ]);
    expect(recipients('')).toEqual([]);
  });

  it('posts a new message and a reply to the sandbox', async () => {
    const calls: { url: string; body: unknown }[] = [];
    const fake = (async (url: string, init?: RequestInit) => {
      calls.push({ url, body: JSON.parse(String(init?.body)) });
      return new Response(null, { status: 202 });
    }) as typeof fetch;
    await send({ kind: 'new', from: 'dana@fabrikam.test', fromName: 'Dana', to: ['alice@contoso.test'], subject: 'Order', body: 'Ten' }, fake);
    await send({ kind: 'reply', user: 'alice@contoso.test', itemId: 'm1', comment: 'Yes' }, fake);
    expect(calls).toEqual([
      { url: '/dev/outlook/mail', body: { from: 'dana@fabrikam.test', fromName: 'Dana', to: ['alice@contoso.test'], subject: 'Order', body: 'Ten' } },
      { url: '/dev/outlook/reply', body: { user: 'alice@contoso.test', itemId: 'm1', comment: 'Yes' } },
    ]);
  });

  it('rejects with the reason the sandbox gives', async () => {
    const refuse = (async () =>
      new Response(JSON.stringify({ detail: '"bob" is not an email address' }), {
        status: 400,
        headers: { 'Content-Type': 'application/problem+json' },
      })) as typeof fetch;
    await expect(send({ kind: 'new', from: 'alice@contoso.test', fromName: '', to: ['bob'], subject: '', body: '' }, refuse)).rejects.toThrow(
      '"bob" is not an email address',
    );
  });
});
