import { assertPeerInstalled } from '../errors/missing-peer.error';

// Imported first by the postgres entry, so a missing pg fails with what to install, not a require stack.
assertPeerInstalled('pg', 'nest-realtime-streams/postgres');
