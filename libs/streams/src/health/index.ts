/** `nest-realtime-streams/health`: the terminus indicator, kept apart so @nestjs/terminus stays optional. */
export { StreamsHealthIndicator } from './streams-health.indicator';
