import { loadNodeClient, nodeDriver } from './motia-client.drivers';
import type { MotiaStream } from './motia-harness';
import { describeMotiaScenarios } from './motia-scenarios';

// The real @motiadev/stream-client-node from npm (issue 14), unchanged, over loopback.
let Stream: new (url: string) => MotiaStream;

beforeAll(async () => {
  Stream = await loadNodeClient();
});

describeMotiaScenarios('Node', async (url) => nodeDriver(Stream, url));
