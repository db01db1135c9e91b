import type { Pool } from 'pg';

import { recordAudit } from './audit';
import { getEnvironment, pinHostKey } from './environments';
import { withTransaction } from './pool';

/** What a first-use pin found: it recorded the key, or another was pinned already (`null`: the environment is gone). */
export type FirstUsePin = { pinnedNow: true } | { pinnedNow: false; pinnedFingerprint: string | null };

/**
 * Pins `fingerprint` on an environment that has no host key, audited with `actor` in the same
 * transaction. The update is conditional (`host_key_fingerprint is null`), so of two checks
 * that both saw no key, exactly one records it; the other waits for the first's commit and
 * then reads the key it pinned.
 */
export async function pinHostKeyOnFirstUse(pool: Pool, environmentId: string, fingerprint: string, actor: string): Promise<FirstUsePin> {
  return withTransaction(pool, async (client) => {
    if (await pinHostKey(client, environmentId, fingerprint)) {
      await recordAudit(client, {
        actor,
        action: 'pin_host_key',
        entityType: 'environment',
        entityId: environmentId,
        before: { hostKeyFingerprint: null },
        after: { hostKeyFingerprint: fingerprint },
      });
      return { pinnedNow: true };
    }
    const current = await getEnvironment(client, environmentId);
    return { pinnedNow: false, pinnedFingerprint: current?.hostKeyFingerprint ?? null };
  });
}
