import { asksRefusalClose, refusalCloseReason } from './refusal.close';

describe('refusal close (docs/reference/protocol.md, "Refused connections")', () => {
  it('is asked for by the query parameter refusal=close, alone or among others', () => {
    expect(asksRefusalClose('/?refusal=close')).toBe(true);
    expect(asksRefusalClose('/stream/a/b?token=x&refusal=close&y=1')).toBe(true);
    expect(asksRefusalClose('/')).toBe(false);
    expect(asksRefusalClose('/?refusal=closed')).toBe(false);
    expect(asksRefusalClose('/?xrefusal=close')).toBe(false);
    expect(asksRefusalClose('/refusal=close')).toBe(false);
    expect(asksRefusalClose(undefined)).toBe(false);
  });

  it('the reason is JSON {code, message}, the message shortened with … to fit a close frame (123 bytes)', () => {
    expect(refusalCloseReason({ code: 'forbidden', message: 'banned' })).toBe('{"code":"forbidden","message":"banned"}');
    for (const message of ['x'.repeat(200), 'é'.repeat(200), '😀'.repeat(200), '"\\'.repeat(200), 'a'.repeat(5000)]) {
      const reason = refusalCloseReason({ code: 'unauthorized', message });
      expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
      const parsed = JSON.parse(reason) as { code: string; message: string };
      expect(parsed.code).toBe('unauthorized');
      expect(parsed.message.endsWith('…')).toBe(true);
      expect(message.startsWith(parsed.message.slice(0, -1))).toBe(true);
      expect(Buffer.byteLength(reason)).toBeGreaterThan(100);
    }
  });
});
