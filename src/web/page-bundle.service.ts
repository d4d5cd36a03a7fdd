import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { build } from 'esbuild';
import { join } from 'node:path';

export const PUBLIC_DIR = join(__dirname, '..', 'public');

/**
 * Bundles the page's TypeScript (`public/app.ts` and the streams client it imports) with esbuild once at
 * startup and keeps it in memory: `npm start` needs no build step and always serves the current source.
 */
@Injectable()
export class PageBundle implements OnModuleInit {
  private readonly logger = new Logger(PageBundle.name);
  private code = '';

  get script(): string {
    return this.code;
  }

  async onModuleInit(): Promise<void> {
    const started = Date.now();
    const result = await build({
      entryPoints: [join(PUBLIC_DIR, 'app.ts')],
      tsconfig: join(PUBLIC_DIR, 'tsconfig.json'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      sourcemap: 'inline',
      write: false,
      logLevel: 'silent',
    });
    this.code = result.outputFiles[0].text;
    this.logger.log(`Page bundled in ${Date.now() - started} ms (${Math.round(this.code.length / 1024)} KiB)`);
  }
}
