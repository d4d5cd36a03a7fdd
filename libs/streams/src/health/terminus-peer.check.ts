import { assertPeerInstalled } from '../errors/missing-peer.error';

// Imported first by the health entry, so a missing terminus fails with what to install, not a require stack.
assertPeerInstalled('@nestjs/terminus', 'nest-realtime-streams/health');
