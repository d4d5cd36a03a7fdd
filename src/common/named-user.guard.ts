import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { StreamMutationPayload } from 'nest-realtime-streams';
import type { DemoContext } from '../chat/chat.auth';

/** Only a socket with a name may run a mutation (an anonymous one watches): read from the mutation's connection context. */
@Injectable()
export class NamedUserGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToWs().getClient<StreamMutationPayload<unknown, DemoContext | null>>().context?.user != null;
  }
}
