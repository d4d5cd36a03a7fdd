import { Body, Controller, Get, Injectable, Logger, Module, Param, Post } from '@nestjs/common';
import { OnStreamChange, type StreamChangeFrame, StreamsModule, StreamsService } from 'nest-realtime-streams';

interface ChatMessage {
  id: string;
  author: string;
  text: string;
}

@Controller('rooms/:room/messages')
export class ChatController {
  constructor(private readonly streams: StreamsService) {}

  @Post()
  async post(@Param('room') room: string, @Body() body: { author: string; text: string }): Promise<ChatMessage> {
    const message: ChatMessage = { id: `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`, ...body };
    // Stored, then pushed to every client subscribed to this room (or to this message).
    const { new_value } = await this.streams.set<ChatMessage>({ stream_name: 'chat', group_id: room, item_id: message.id, data: message });
    return new_value;
  }

  @Get()
  list(@Param('room') room: string): Promise<ChatMessage[]> {
    return this.streams.list<ChatMessage>({ stream_name: 'chat', group_id: room });
  }
}

@Injectable()
export class ChatNotifier {
  private readonly logger = new Logger(ChatNotifier.name);
  readonly seen: string[] = [];

  // Runs after every change in the `chat` stream, without slowing down the writer.
  @OnStreamChange({ stream_name: 'chat' })
  onChat(frame: StreamChangeFrame): void {
    this.seen.push(`${frame.event.type} ${frame.groupId}/${frame.id}`);
    this.logger.log(`chat ${frame.event.type} in ${frame.groupId}`);
  }
}

@Module({
  imports: [StreamsModule.forRoot({ port: 3112 })],
  controllers: [ChatController],
  providers: [ChatNotifier],
})
export class ChatModule {}
