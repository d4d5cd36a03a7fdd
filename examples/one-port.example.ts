import { Body, Controller, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StreamsListener, StreamsModule, StreamsService } from 'nest-realtime-streams';

@Controller('games/:game/score')
export class ScoreController {
  constructor(private readonly streams: StreamsService) {}

  @Post()
  async score(@Param('game') game: string, @Body() body: { team: string; points: number }) {
    const { new_value } = await this.streams.set({ stream_name: 'scores', group_id: game, item_id: body.team, data: { id: body.team, points: body.points } });
    return new_value;
  }
}

@Module({
  // The listener shares the app's HTTP(S) server, port and TLS: clients connect to ws(s)://<app>/streams.
  imports: [StreamsModule.forRoot({ attach: { path: '/streams' } })],
  controllers: [ScoreController],
})
export class AppModule {}

export async function bootstrap(port: number | string = process.env.PORT ?? 3000) {
  const app = await NestFactory.create(AppModule);
  await app.listen(port);
  // Known once the app listens: the app's own address.
  console.log(`HTTP and streams on port ${app.get(StreamsListener).address().port}`);
  return app;
}
