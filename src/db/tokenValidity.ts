import type { Pool } from 'pg';

/** Whether a token still authenticates: not revoked and not expired (the rule `authenticate` applies). */
export async function isTokenValid(pool: Pool, tokenId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    'select 1 from api_tokens where id = $1 and revoked_at is null and (expires_at is null or expires_at > now())',
    [tokenId],
  );
  return rowCount === 1;
}
