import { describeAdapterContract } from '../../../../../test/shared/adapter-contract';
import { MemoryStreamAdapter } from './memory.adapter';

describeAdapterContract('memory', { create: async () => new MemoryStreamAdapter(), ordered: true });
