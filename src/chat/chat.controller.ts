import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import type { ChatMessage } from '../shared/demo-streams';
import { ChatService } from './chat.service';
import { PostMessageDto } from './dto/post-message.dto';
import { RoomParams } from './dto/room.params';
import { TypingDto } from './dto/typing.dto';

/** REST side of the chat; everything it writes also reaches WebSocket subscribers of the room. */
@Controller('chat/:room')
export class ChatController {
  constructor(private readonly chat: ChatService) {}

  @Post('messages')
  post(@Param() { room }: RoomParams, @Body() body: PostMessageDto): Promise<ChatMessage> {
    return this.chat.post(room, body.author, body.text);
  }

  @Get('messages')
  list(@Param() { room }: RoomParams): Promise<ChatMessage[]> {
    return this.chat.list(room);
  }

  @Post('typing')
  @HttpCode(HttpStatus.NO_CONTENT)
  typing(@Param() { room }: RoomParams, @Body() body: TypingDto): Promise<void> {
    return this.chat.typing(room, body.author);
  }
}
