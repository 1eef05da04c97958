import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api.ts';
import { h } from './dom.ts';
import { fieldBox, problemKind, problemText, problemView, showFieldErrors } from './ui.ts';

const err = (status: number, detail = 'd', errors: { field: string; message: string }[] = [], network = false) =>
  new ApiError({ status, detail, errors, network, path: '/x', method: 'GET', requestId: 'r-9' });

describe('problems', () => {
  it.each([
    [err(401), 'signin'],
    [err(403), 'forbidden'],
    [err(404), 'notFound'],
    [err(409), 'conflict'],
    [err(400), 'invalid'], // a body that is not JSON: urn:crmsync:problem:invalid-json
    [err(422), 'invalid'],
    [err(0, '', [], true), 'unreachable'],
    [new TypeError('Failed to fetch'), 'unreachable'],
    [err(500), 'other'],
  ])('sorts %s as %s', (e, kind) => expect(problemKind(e)).toBe(kind));

  it('says which role a 403 needs, and quotes the request id of a 500', () => {
    expect(problemText(err(403, 'this needs the CRM.Admin role'))).toBe('You cannot open this: this needs the CRM.Admin role.');
    expect(problemText(err(500, 'something went wrong on our side'))).toBe('Something went wrong on our side (request r-9)');
    expect(problemText(err(400, 'the body is not JSON'))).toBe('The body is not JSON');
  });

  it('offers sign-in after a 401 and retry after a network failure, not after a 403', () => {
    const signIn = vi.fn();
    const retry = vi.fn();
    problemView(err(401), { signIn }, retry).querySelector('button')!.click();
    expect(signIn).toHaveBeenCalled();
    problemView(err(0, '', [], true), { signIn }, retry)
      .querySelector('button')!
      .click();
    expect(retry).toHaveBeenCalled();
    expect(problemView(err(403), { signIn }, retry).querySelector('button')).toBeNull();
  });

  it('puts field errors beside their fields, and gives back those no field takes', () => {
    const form = h('form', null, fieldBox({ field: 'email', label: 'Email', control: h('input', { name: 'email' }), id: 'e' }));
    document.body.append(form);
    const rest = showFieldErrors(
      form,
      err(422, 'bad', [
        { field: 'fields.email', message: 'must be an email' },
        { field: 'shoeSize', message: 'no such field' },
      ]),
      (f) => f.replace(/^fields\./, ''),
    );
    expect(form.querySelector('.field-error')!.textContent).toBe('must be an email');
    expect(document.activeElement).toBe(form.querySelector('input'));
    expect(rest).toEqual(['shoeSize: no such field']);
    form.remove();
  });
});
