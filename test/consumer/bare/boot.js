// Boots StreamsModule with the adapter named on the command line, as an app's main file would, then closes.
// Run by test/consumer/consumer-apps.e2e-spec.ts in an app that installed no optional peer.
require('reflect-metadata');
const { NestFactory } = require('@nestjs/core');
const { StreamsModule } = require('nest-realtime-streams');

const [type, path] = process.argv.slice(2);
const adapter = type === 'file' ? { type, path } : type === 'redis' ? { type, url: 'redis://127.0.0.1:6379' } : { type: 'memory' };

async function bootstrap() {
  const app = await NestFactory.createApplicationContext(StreamsModule.forRoot({ port: 0, host: '127.0.0.1', adapter }));
  await app.close();
  console.log('BOOTED');
}

bootstrap();
