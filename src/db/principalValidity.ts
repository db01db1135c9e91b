import type { Pool } from 'pg';

import { isSessionValid } from './sessions';
import { isTokenValid } from './tokenValidity';

/** Whether what authenticated a long request (a session, else a token) still does. */
export async function isStillAuthenticated(pool: Pool, who: { tokenId: string; sessionId?: string }): Promise<boolean> {
  return who.sessionId ? isSessionValid(pool, who.sessionId) : isTokenValid(pool, who.tokenId);
}
