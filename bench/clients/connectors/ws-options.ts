import type { ClientOptions } from 'ws';

/** Client sockets skip UTF-8 validation and compression: the load processes should spend as little CPU as they can. */
export const WS_CLIENT_OPTIONS: ClientOptions = { perMessageDeflate: false, skipUTF8Validation: true };
