import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';

import { coerceError, MigratorError } from '../errors';

/** No private key comes near this; anything larger is not one (or is `/dev/zero`-like). */
export const maxKeyFileBytes = 64 * 1024;

// O_NONBLOCK so that opening a FIFO returns at once instead of holding a thread-pool thread
// until a writer appears; O_NOFOLLOW so that the file itself cannot be a symlink; O_NOCTTY so
// that a terminal never becomes ours.
const openFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * The one answer to every problem with a key file. Missing, outside the key directory, a
 * symlink, a FIFO, a device, too big or unreadable all read the same, so that nobody who can
 * edit an environment learns which files exist on the worker.
 */
export function keyFileRefusal(environmentName: string, keyDir: string, cause?: unknown): MigratorError {
  return new MigratorError(
    'SSH_AUTH_FAILED',
    `The private key of environment "${environmentName}" cannot be used: privateKeyPath must name a regular file of at most 64 KiB, ` +
      `not a symlink, inside the key directory SSH_KEY_DIR (${keyDir}), readable by Migrator. An admin must put the key there ` +
      "and set the environment's privateKeyPath to its name relative to SSH_KEY_DIR (or its absolute path inside it).",
    {},
    { cause },
  );
}

/** Where `privateKeyPath` leads once the symlinks of its directories are resolved, if that lies inside `keyDir`. */
async function pathInsideKeyDir(keyDir: string, privateKeyPath: string): Promise<string | null> {
  const realKeyDir = await realpath(keyDir);
  const requested = path.resolve(keyDir, privateKeyPath);
  const file = path.join(await realpath(path.dirname(requested)), path.basename(requested));
  const relative = path.relative(realKeyDir, file);
  const inside = relative !== '' && relative.split(path.sep)[0] !== '..' && !path.isAbsolute(relative);
  return inside ? file : null;
}

/**
 * Reads a private key from inside `keyDir`: the file itself must not be a symlink, and it is
 * checked and read through one descriptor, so what was checked is what is read.
 */
export async function readKeyFile(keyDir: string, privateKeyPath: string, environmentName: string): Promise<Buffer> {
  try {
    const file = await pathInsideKeyDir(keyDir, privateKeyPath);
    if (file === null) throw new Error('outside the key directory');
    const handle = await open(file, openFlags);
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new Error('not a regular file');
      if (stat.size > maxKeyFileBytes) throw new Error('larger than 64 KiB');
      // One byte more than allowed tells a file that grew since fstat from one that did not.
      const buffer = Buffer.alloc(maxKeyFileBytes + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > maxKeyFileBytes) throw new Error('larger than 64 KiB');
      }
      return buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw keyFileRefusal(environmentName, keyDir, coerceError(err));
  }
}
