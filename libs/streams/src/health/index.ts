/** `nest-realtime-streams/health`: the terminus indicator, kept apart so @nestjs/terminus stays optional. */
import './terminus-peer.check';
export { StreamsHealthIndicator } from './streams-health.indicator';
export { StreamsHealthModule } from './streams-health.module';
