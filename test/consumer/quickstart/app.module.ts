// src/app.module.ts of an existing app (as `nest new` made it before 12.6): the README's install steps edit it.
import { Module } from '@nestjs/common';

@Module({
  imports: [],
  controllers: [],
  providers: [],
})
export class AppModule {}
