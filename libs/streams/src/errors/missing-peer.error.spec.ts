import { assertPeerInstalled, StreamsMissingPeerError } from './missing-peer.error';

describe('optional peers', () => {
  it('a missing optional peer fails with one line naming the package and the install command', () => {
    const check = () => assertPeerInstalled('nest-realtime-streams-absent-peer', 'The file adapter');
    expect(check).toThrow(StreamsMissingPeerError);
    expect(check).toThrow(/^The file adapter needs the "nest-realtime-streams-absent-peer" package: npm install nest-realtime-streams-absent-peer$/);
  });

  it('an installed peer passes', () => {
    expect(() => assertPeerInstalled('lmdb', 'The file adapter')).not.toThrow();
  });
});
