// src/app.module.ts
import { Body, Controller, Module, Post } from '@nestjs/common';
import { StreamsModule, StreamsService } from 'nest-realtime-streams';

@Controller('todos')
export class TodosController {
  constructor(private readonly streams: StreamsService) {}

  @Post()
  add(@Body() todo: { id: string; title: string }) {
    // Stored, then pushed to every client subscribed to todos/list.
    return this.streams.set({ stream_name: 'todos', group_id: 'list', item_id: todo.id, data: todo });
  }
}

@Module({
  imports: [StreamsModule.forRoot({ port: 3112 })],
  controllers: [TodosController],
})
export class AppModule {}
