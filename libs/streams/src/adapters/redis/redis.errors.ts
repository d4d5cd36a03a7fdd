/** ioredis failures that mean "no usable connection", whatever the client status says at that instant. */
const CONNECTION_FAILURE =
  /Stream isn't writeable|Connection is closed|max retries per request|Command timed out|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|not connected|CLUSTERDOWN|Too many Cluster redirections|Cluster isn't ready|Failed to refresh slots cache/i;

/**
 * A Redis command failed. The message names the operation and the server, and says plainly when Redis is
 * unreachable, instead of surfacing an ioredis internal.
 */
export class RedisAdapterError extends Error {
  constructor(operation: string, target: string, client: { readonly status: string }, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const unavailable = client.status !== 'ready' || CONNECTION_FAILURE.test(reason);
    super(unavailable ? `Redis ${operation} failed: ${target} is unavailable (${reason})` : `Redis ${operation} failed on ${target}: ${reason}`, { cause });
    this.name = 'RedisAdapterError';
  }
}
