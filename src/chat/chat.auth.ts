import type { StreamAuthFunction } from 'nest-realtime-streams';
import { USER_NAME_PATTERN } from '../shared/demo-streams';

/** How long a demo "token" is good for; the page's client refreshes it on the same socket before then. */
export const DEMO_TOKEN_TTL_MS = 10 * 60_000;

export interface DemoContext {
  /** Null for an anonymous socket (no name offered): it can watch everything, and is nobody in presence. */
  user: string | null;
}

/**
 * The demo's stand-in for real authentication: the "token" is the user's name (no secret — a real app
 * verifies a signed token here), sent as the sub-protocol pair `['Authorization', name]` on connect and in
 * `refresh` frames after. It expires like a real one, so the page shows live re-authentication at work.
 */
export const demoAuth: StreamAuthFunction<DemoContext> = ({ headers, refresh }) => {
  const offered = refresh ? refresh.token : headers['sec-websocket-protocol']?.split(',')[1]?.trim();
  if (offered === undefined) return { context: { user: null } };
  if (!USER_NAME_PATTERN.test(offered)) return false;
  return { context: { user: offered }, expiresAt: Date.now() + DEMO_TOKEN_TTL_MS };
};
