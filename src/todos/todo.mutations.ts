import { ForbiddenException, Injectable, UseGuards } from '@nestjs/common';
import { OnStreamMutation, StreamsConflictError, StreamsService, type StreamMutationPayload } from 'nest-realtime-streams';
import type { DemoContext } from '../chat/chat.auth';
import { STREAMS, type Todo, TODO_GROUP, TODO_LIMIT } from '../shared/demo-streams';
import { AddTodoDto, RemoveTodoDto, ToggleTodoDto } from './dto/todo.dto';
import { NamedUserGuard } from '../common/named-user.guard';

const todo = (id: string) => ({ stream_name: STREAMS.todos, group_id: TODO_GROUP, item_id: id });

/**
 * The shared to-do list, written only through client mutations (docs/guides/mutations.md): the page shows each
 * change at once and the server applies it exactly once, also after the page was offline.
 */
@Injectable()
@UseGuards(NamedUserGuard)
export class TodoMutations {
  constructor(private readonly streams: StreamsService) {}

  @OnStreamMutation('todo.add', { args: AddTodoDto })
  async add({ args, context }: StreamMutationPayload<AddTodoDto, DemoContext>): Promise<void> {
    const count = (await this.streams.list({ stream_name: STREAMS.todos, group_id: TODO_GROUP })).length;
    if (count >= TODO_LIMIT) throw new ForbiddenException(`the list holds ${TODO_LIMIT} to-dos; remove one first`);
    const data: Todo = { id: args.id, title: args.title, done: false, by: context.user! };
    await this.streams.set({ ...todo(args.id), data, if_absent: true });
  }

  @OnStreamMutation('todo.toggle', { args: ToggleTodoDto })
  async toggle({ args }: StreamMutationPayload<ToggleTodoDto>): Promise<void> {
    // Removed meanwhile by someone else: nothing to toggle, and nothing is brought back.
    await this.streams.update({ ...todo(args.id), ops: [{ type: 'set', path: 'done', value: args.done }], if_exists: true }).catch(ignoreMissing);
  }

  @OnStreamMutation('todo.remove', { args: RemoveTodoDto })
  async remove({ args }: StreamMutationPayload<RemoveTodoDto>): Promise<void> {
    await this.streams.delete(todo(args.id));
  }
}

function ignoreMissing(error: unknown): void {
  if (!(error instanceof StreamsConflictError && error.code === 'missing')) throw error;
}
