import type { NestExpressApplication } from '@nestjs/platform-express';
import { PUBLIC_DIR } from './web/page-bundle.service';

/** What the app needs beyond its modules; shared by main.ts and the tests that boot the app in-process. */
export function configureDemoApp(app: NestExpressApplication): NestExpressApplication {
  app.useStaticAssets(PUBLIC_DIR, { index: 'index.html' });
  return app;
}
