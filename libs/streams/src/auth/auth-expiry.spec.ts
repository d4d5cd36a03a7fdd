import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { AuthExpiry } from './auth-expiry';
import { buildAuthInput } from './auth.runner';

/** An upgrade request as a browser sends it: ~15 headers, a token in the query. */
function upgradeRequest(): IncomingMessage {
  const request = new IncomingMessage(new Socket());
  request.url = '/stream/chat/room-1?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.sig&v=2';
  const headers: [string, string][] = [
    ['Host', 'app.example.com'],
    ['Connection', 'Upgrade'],
    ['Pragma', 'no-cache'],
    ['Cache-Control', 'no-cache'],
    ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'],
    ['Upgrade', 'websocket'],
    ['Origin', 'https://app.example.com'],
    ['Sec-WebSocket-Version', '13'],
    ['Accept-Encoding', 'gzip, deflate, br, zstd'],
    ['Accept-Language', 'en-GB,en;q=0.9,fr;q=0.8'],
    ['Cookie', `session=${'c'.repeat(120)}; theme=dark; __proto__=x`],
    ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
    ['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits'],
    ['Sec-WebSocket-Protocol', 'Authorization, eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.sig'],
  ];
  request.rawHeaders = headers.flat();
  return request;
}

describe('AuthExpiry', () => {
  it('gives a refresh the upgrade input as it was built, maps still without a prototype', () => {
    const input = buildAuthInput(upgradeRequest());
    const expiry = new AuthExpiry(input, Date.now() + 60_000, 0.2, () => undefined);
    const again = expiry.input();
    expiry.stop();
    expect(again).toEqual({ ...input, headers: { ...input.headers }, query_params: { ...input.query_params } });
    expect(Object.getPrototypeOf(again.headers)).toBeNull();
    expect(Object.getPrototypeOf(again.query_params)).toBeNull();
    expect(again.headers.cookie).toContain('__proto__=x');
    // Each refresh gets its own copy: what one auth function call changes, the next does not see.
    again.headers.host = 'changed';
    expect(expiry.input().headers.host).toBe('app.example.com');
  });
});
