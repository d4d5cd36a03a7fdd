import fc from 'fast-check';
import type { IncomingMessage } from 'node:http';
import { buildAuthInput } from './auth.runner';

/** A request as Node's parser gives it: `rawHeaders` lists every header line, names as the client sent them. */
const request = (url: string, headers: Record<string, string | string[]>): IncomingMessage => {
  const rawHeaders = Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).flatMap((v) => [name, v]));
  return { url, rawHeaders, socket: { remoteAddress: '127.0.0.1', remotePort: 5555 } } as unknown as IncomingMessage;
};

describe('buildAuthInput (SPEC §4.2 auth input)', () => {
  it('builds iii’s shape: lower-case headers, raw query values as arrays, path, addr', () => {
    const input = buildAuthInput(request('/stream/a/b?a=1&a=2&c=&d&=skip&e=x=y&f=%20', { 'X-Token': 't', cookie: ['a', 'b'] }));
    expect(input).toEqual({
      headers: { 'x-token': 't', cookie: 'b' },
      path: '/stream/a/b',
      query_params: { a: ['1', '2'], c: [''], d: [''], e: ['x=y'], f: ['%20'] },
      addr: '127.0.0.1:5555',
    });
  });

  it('a repeated header keeps its last value, not a joined list (iii’s header map); values iii cannot read are dropped', () => {
    const input = buildAuthInput(
      request('/', { authorization: ['Bearer first', 'Bearer last'], 'x-id': ['1', '2'], 'x-bin': ['ok', 'caf\u00e9'], 'x-ctl': 'a\u0001b', 'x-empty': '' }),
    );
    expect(input.headers).toEqual({ authorization: 'Bearer last', 'x-id': '2', 'x-bin': 'ok', 'x-empty': '' });
  });

  it('a query key named __proto__ or constructor is plain data, not a prototype', () => {
    const input = buildAuthInput(request('/?__proto__=x&constructor=y&toString=z', {}));
    expect(input.query_params.__proto__).toEqual(['x']);
    expect(input.query_params.constructor).toEqual(['y']);
    expect(input.query_params.toString).toEqual(['z']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('never throws and never pollutes a prototype, whatever the URL and headers (fuzz)', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty'));
    fc.assert(
      fc.property(fc.string(), fc.array(fc.tuple(key, fc.string())), fc.dictionary(key, fc.oneof(fc.string(), fc.array(fc.string()))), (path, pairs, headers) => {
        const url = `/${path}?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`;
        const input = buildAuthInput(request(url, headers));
        for (const values of Object.values(input.query_params)) expect(values.every((v) => typeof v === 'string')).toBe(true);
        expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
        return typeof input.path === 'string';
      }),
      { numRuns: 1000 },
    );
    expect(({} as Record<string, unknown>).length).toBeUndefined();
  });
});
