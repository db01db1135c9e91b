import type { Db } from './catalogRows';

/** An environment as the API shows it. Credentials are references (paths, env var names), never secrets. */
export interface Environment {
  id: string;
  name: string;
  host: string;
  port: number;
  username: string;
  privateKeyPath: string | null;
  passphraseEnv: string | null;
  useAgent: boolean;
  hostKeyFingerprint: string | null;
  nodePath: string | null;
  shellInit: string | null;
  production: boolean;
  maxConcurrency: number;
  approvalTimeoutSeconds: number;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewEnvironment = Omit<Environment, 'id' | 'archivedAt' | 'createdAt' | 'updatedAt'>;

export const environmentColumns = `id, name, host, port, username, private_key_path as "privateKeyPath", passphrase_env as "passphraseEnv",
  use_agent as "useAgent", host_key_fingerprint as "hostKeyFingerprint", node_path as "nodePath", shell_init as "shellInit",
  production, max_concurrency as "maxConcurrency", approval_timeout_seconds as "approvalTimeoutSeconds",
  archived_at as "archivedAt", created_at as "createdAt", updated_at as "updatedAt"`;
const columns = environmentColumns;

export async function insertEnvironment(db: Db, env: NewEnvironment): Promise<Environment> {
  const { rows } = await db.query<Environment>(
    `insert into environments (name, host, port, username, private_key_path, passphrase_env, use_agent,
       host_key_fingerprint, node_path, shell_init, production, max_concurrency, approval_timeout_seconds)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning ${columns}`,
    [env.name, env.host, env.port, env.username, env.privateKeyPath, env.passphraseEnv, env.useAgent,
      env.hostKeyFingerprint, env.nodePath, env.shellInit, env.production, env.maxConcurrency, env.approvalTimeoutSeconds],
  );
  return rows[0]!;
}

export async function listEnvironments(db: Db, includeArchived = false): Promise<Environment[]> {
  const { rows } = await db.query<Environment>(
    `select ${columns} from environments where $1::boolean or archived_at is null order by name`,
    [includeArchived],
  );
  return rows;
}

export async function getEnvironment(pool: Db, id: string): Promise<Environment | undefined> {
  const { rows } = await pool.query<Environment>(`select ${columns} from environments where id = $1`, [id]);
  return rows[0];
}


/**
 * Records the host key an admin's first check saw. Never replaces a pinned key: when another
 * check pinned one first, nothing changes and this returns false.
 */
export async function pinHostKey(db: Db, id: string, fingerprint: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `update environments set host_key_fingerprint = $2, updated_at = now() where id = $1 and host_key_fingerprint is null`,
    [id, fingerprint],
  );
  return (rowCount ?? 0) > 0;
}
