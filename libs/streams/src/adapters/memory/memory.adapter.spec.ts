import { describeAdapterContract } from '../../../../../test/shared/adapter-contract';
import { MemoryStreamAdapter } from './memory.adapter';

describeAdapterContract('memory', {
  create: async (history, idempotency, expiry) => new MemoryStreamAdapter(history, idempotency, expiry),
  heldGroups: async (adapter) => (adapter as MemoryStreamAdapter).heldGroups(),
  ordered: true,
  keysBoundedInTotal: true,
});
