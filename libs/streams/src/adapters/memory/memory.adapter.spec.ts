import { describeAdapterContract } from '../../../../../test/shared/adapter-contract';
import { MemoryStreamAdapter } from './memory.adapter';

describeAdapterContract('memory', {
  create: async (history) => new MemoryStreamAdapter(history),
  heldGroups: async (adapter) => (adapter as MemoryStreamAdapter).heldGroups(),
  ordered: true,
});
