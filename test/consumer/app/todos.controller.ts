import { Body, Controller, Get, Post } from '@nestjs/common';
import { StreamsService } from 'nest-realtime-streams';
import { ClientProbe } from './client-probe.js';
import { StreamHooks } from './stream-hooks.js';

@Controller()
export class TodosController {
  constructor(
    private readonly streams: StreamsService,
    private readonly hooks: StreamHooks,
    private readonly probe: ClientProbe,
  ) {}

  @Post('todos')
  async create(@Body() body: { id: string; title: string }): Promise<unknown> {
    const { new_value } = await this.streams.set({ stream_name: 'todos', group_id: 'list', item_id: body.id, data: body });
    return new_value;
  }

  /** What the handlers and the client package saw. */
  @Get('report')
  report(): { changes: string[]; joins: string[]; clientCreated: string[] } {
    return { changes: this.hooks.changes, joins: this.hooks.joins, clientCreated: this.probe.created };
  }
}
