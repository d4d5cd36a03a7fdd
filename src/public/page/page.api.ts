import type { PageConfig } from '../../shared/demo-streams';

/** A refused request; `messages` are the server's validation messages, one per problem. */
export class ApiError extends Error {
  constructor(readonly messages: string[]) {
    super(messages.join('; '));
  }
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    const payload = (await response.json().catch(() => ({}))) as { message?: string | string[] };
    throw new ApiError([payload.message ?? `${response.status} ${response.statusText}`].flat());
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export const fetchPageConfig = () => request<PageConfig>('GET', '/config.json');
