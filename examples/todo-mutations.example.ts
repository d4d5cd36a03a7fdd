import { type CanActivate, type ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { IsBoolean, IsString, MaxLength, MinLength } from 'class-validator';
import { OnStreamMutation, StreamsService, type StreamMutationPayload } from 'nest-realtime-streams';
import type { StreamsClient } from 'nest-realtime-streams-client';

export interface Todo {
  id: string;
  title: string;
  done: boolean;
}
export interface TodoStreams {
  todos: { item: Todo };
}
/** What the app's `authFunction` returns as the connection's context. */
export interface User {
  name: string;
  lists: string[];
}

export class AddTodo {
  @IsString()
  list!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(64)
  id!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title!: string;
}

export class ToggleTodo {
  @IsString()
  list!: string;

  @IsString()
  id!: string;

  @IsBoolean()
  done!: boolean;
}

/** Only members of a list may change it: the guard reads the connection's context and the (validated) args. */
@Injectable()
export class ListMemberGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { context: user, args } = context.switchToWs().getClient<StreamMutationPayload<{ list: string }, User>>();
    return user.lists.includes(args.list);
  }
}

/** The server side: one decorated method per mutation; each writes through StreamsService. */
@Injectable()
export class TodoMutations {
  constructor(private readonly streams: StreamsService) {}

  @UseGuards(ListMemberGuard)
  @OnStreamMutation('todo.add', { args: AddTodo })
  async add({ args }: StreamMutationPayload<AddTodo, User>): Promise<void> {
    const data: Todo = { id: args.id, title: args.title, done: false };
    await this.streams.set({ stream_name: 'todos', group_id: args.list, item_id: args.id, data });
  }

  @UseGuards(ListMemberGuard)
  @OnStreamMutation('todo.toggle', { args: ToggleTodo })
  async toggle({ args }: StreamMutationPayload<ToggleTodo, User>): Promise<void> {
    // `if_exists`: a to-do someone deleted meanwhile is not brought back; the mutation is rejected with `conflict`.
    const ops = [{ type: 'set' as const, path: 'done', value: args.done }];
    await this.streams.update({ stream_name: 'todos', group_id: args.list, item_id: args.id, ops, if_exists: true });
  }
}

/** The client side: the list shows the change at once; the server's answer settles or rolls it back. */
export function addTodo(client: StreamsClient<TodoStreams>, list: string, id: string, title: string) {
  const optimistic = { streamName: 'todos', groupId: list, itemId: id, ops: [{ type: 'set' as const, path: '', value: { id, title, done: false } }] };
  return client.mutate('todo.add', { list, id, title }, { optimistic });
}

export function toggleTodo(client: StreamsClient<TodoStreams>, list: string, id: string, done: boolean) {
  const optimistic = { streamName: 'todos', groupId: list, itemId: id, ops: [{ type: 'set' as const, path: 'done', value: done }] };
  return client.mutate('todo.toggle', { list, id, done }, { optimistic });
}
