import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import { StreamsListener } from 'nest-realtime-streams';
import { demoConfig, type DemoConfig } from '../config/demo.config';
import type { PageConfig } from '../shared/demo-streams';
import { PageBundle } from './page-bundle.service';

/** The parts of Express's request used here (typed locally: @types/express is not a dependency). */
interface PageRequest {
  protocol: string;
  hostname: string;
}

/** The page's script and its runtime configuration; `index.html` and CSS are static files. */
@Controller()
export class PageController {
  constructor(
    private readonly bundle: PageBundle,
    private readonly streams: StreamsListener,
    @Inject(demoConfig.KEY) private readonly config: DemoConfig,
  ) {}

  @Get('app.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'no-cache')
  script(): string {
    return this.bundle.script;
  }

  /** Built per request from the host the browser used and the port the listener really bound (it may be 0 in config). */
  @Get('config.json')
  @Header('cache-control', 'no-store')
  pageConfig(@Req() req: PageRequest): PageConfig {
    const scheme = req.protocol === 'https' ? 'wss' : 'ws';
    // Express keeps the brackets of an IPv6 host.
    const path = this.config.streams.attachPath ?? '/';
    return { streamsUrl: this.config.streams.publicUrl ?? `${scheme}://${req.hostname}:${this.streams.address().port}${path}` };
  }
}
