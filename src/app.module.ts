import { Module } from '@nestjs/common';
import { StreamsModule } from 'nest-realtime-streams';

@Module({
  imports: [StreamsModule.forRoot({ port: Number(process.env.STREAMS_PORT ?? 3112) })],
})
export class AppModule {}
