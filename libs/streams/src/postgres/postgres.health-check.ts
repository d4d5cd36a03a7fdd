/**
 * What the health indicator asks of StreamsPostgresModule, as a token free of `pg` types: the health entry
 * (`nest-realtime-streams/health`) reaches it, and apps without `pg` compile that entry's declarations.
 * StreamsPostgresModule provides it as StreamsPostgresHealth.
 */
export abstract class PostgresHealthCheck {
  /** Resolves while PostgreSQL and the module's work are healthy; rejects with why not. */
  abstract check(): Promise<void>;
}
