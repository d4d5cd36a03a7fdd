import { type CanActivate, type ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { OnStreamMutation, StreamsService, type StreamMutationPayload } from 'nest-realtime-streams';

export const TODOS = { stream_name: 'todos', group_id: 'list' } as const;

export class AddTodoDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  id!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title!: string;
}

export class ToggleTodoDto {
  @IsString()
  id!: string;

  @IsOptional()
  @IsBoolean()
  done?: boolean;
}

export class RenameTodoDto {
  @IsString()
  id!: string;

  @IsString()
  title!: string;

  /** The version the client saw: a stale one is a conflict. */
  @IsString()
  version!: string;
}

/** Admins only: reads the connection's context from the mutation's ExecutionContext. */
@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { context: user } = context.switchToWs().getClient<StreamMutationPayload<unknown, { role?: string } | null>>();
    return user?.role === 'admin';
  }
}

/** The mutations of a shared to-do list, counting how many times each (client, mutation) ran. */
@Injectable()
export class TodoMutations {
  readonly applied = new Map<string, number>();

  constructor(private readonly streams: StreamsService) {}

  private count(p: StreamMutationPayload): void {
    const key = `${p.client_id}#${p.mutation_id}`;
    this.applied.set(key, (this.applied.get(key) ?? 0) + 1);
  }

  @OnStreamMutation('todo.add', { args: AddTodoDto })
  async add(p: StreamMutationPayload<AddTodoDto>): Promise<{ created: boolean }> {
    this.count(p);
    if (!(p.args instanceof AddTodoDto)) throw new Error('args were not transformed into the DTO');
    await this.streams.set({ ...TODOS, item_id: p.args.id, data: { id: p.args.id, title: p.args.title, done: false } });
    return { created: true };
  }

  @OnStreamMutation('todo.toggle', { args: ToggleTodoDto })
  async toggle(p: StreamMutationPayload<ToggleTodoDto>): Promise<void> {
    this.count(p);
    const current = await this.streams.get<{ done: boolean }>({ ...TODOS, item_id: p.args.id });
    // A to-do deleted meanwhile: nothing to toggle, and nothing is recreated.
    if (current === null) return;
    await this.streams.update({ ...TODOS, item_id: p.args.id, ops: [{ type: 'set', path: 'done', value: p.args.done ?? !current.done }] });
  }

  @OnStreamMutation('todo.rename', { args: RenameTodoDto })
  async rename(p: StreamMutationPayload<RenameTodoDto>): Promise<void> {
    this.count(p);
    await this.streams.update({ ...TODOS, item_id: p.args.id, ops: [{ type: 'set', path: 'title', value: p.args.title }], if_version: p.args.version });
  }

  @OnStreamMutation('todo.remove', { args: ToggleTodoDto })
  async remove(p: StreamMutationPayload<ToggleTodoDto>): Promise<void> {
    this.count(p);
    await this.streams.delete({ ...TODOS, item_id: p.args.id });
  }

  @OnStreamMutation('todo.noop')
  noop(p: StreamMutationPayload): { seen: unknown } {
    this.count(p);
    return { seen: p.args };
  }

  @OnStreamMutation('todo.explode')
  explode(p: StreamMutationPayload): never {
    this.count(p);
    throw new Error('database password is hunter2');
  }

  @UseGuards(AdminGuard)
  @OnStreamMutation('todo.clear')
  async clear(p: StreamMutationPayload): Promise<void> {
    this.count(p);
    for (const item of await this.streams.list<{ id: string }>(TODOS)) await this.streams.delete({ ...TODOS, item_id: item.id });
  }
}

/** Upgrades carry `?role=...`; the context is `{ role }`. */
export const roleAuth = ({ query_params }: { query_params: Record<string, string[]> }) => ({ context: { role: query_params.role?.[0] ?? 'user' } });
