import type { Db } from './catalogRows';

/** An API token as admins see it: never its secret, which only its hash in the database matches. */
export interface ApiToken {
  id: string;
  name: string;
  /** The person the token belongs to (normalised login); one person may hold several tokens. */
  owner: string;
  role: 'viewer' | 'operator' | 'admin';
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  createdBy: string | null;
}

export const tokenColumns = `id, name, owner, role, expires_at as "expiresAt", revoked_at as "revokedAt", created_at as "createdAt",
  created_by as "createdBy"`;

export async function insertToken(
  db: Db,
  token: { name: string; owner: string; role: ApiToken['role']; sha256: Buffer; expiresAt: Date | null; createdBy: string },
): Promise<ApiToken> {
  const { rows } = await db.query<ApiToken>(
    `insert into api_tokens (name, owner, role, token_sha256, expires_at, created_by) values ($1, $2, $3, $4, $5, $6) returning ${tokenColumns}`,
    [token.name, token.owner, token.role, token.sha256, token.expiresAt, token.createdBy],
  );
  return rows[0]!;
}

export async function listTokens(db: Db): Promise<ApiToken[]> {
  const { rows } = await db.query<ApiToken>(`select ${tokenColumns} from api_tokens order by created_at desc, id`);
  return rows;
}

/** Revokes a token for good; revoking it again changes nothing. Returns the token before, if it exists. */
export async function revokeToken(db: Db, id: string): Promise<{ before: ApiToken; after: ApiToken } | undefined> {
  const { rows } = await db.query<ApiToken>(`select ${tokenColumns} from api_tokens where id = $1 for update`, [id]);
  const before = rows[0];
  if (!before) return undefined;
  const updated = await db.query<ApiToken>(
    `update api_tokens set revoked_at = coalesce(revoked_at, now()) where id = $1 returning ${tokenColumns}`,
    [id],
  );
  return { before, after: updated.rows[0]! };
}
