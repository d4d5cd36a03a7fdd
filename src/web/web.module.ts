import { Module } from '@nestjs/common';
import { PageBundle } from './page-bundle.service';
import { PageController } from './page.controller';

@Module({ controllers: [PageController], providers: [PageBundle] })
export class WebModule {}
