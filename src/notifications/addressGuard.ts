import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Addresses a webhook may not reach unless NOTIFY_ALLOW_PRIVATE_ADDRESSES is on: unspecified,
 * loopback, private, shared (CGNAT), link-local (cloud metadata lives there), benchmarking,
 * multicast and reserved ranges. IPv4 inside IPv6 (mapped, NAT64) is judged by its IPv4 address.
 */
const refused = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  refused.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  refused.addSubnet(net, prefix, 'ipv6');
}

function embeddedIpv4(address: string): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address) ?? /^64:ff9b::(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return null;
  const high = parseInt(hex[1]!, 16);
  const low = parseInt(hex[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** True for an address a webhook must not reach by default; also for anything that is not an IP address. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return refused.check(bare, 'ipv4');
  if (family !== 6) return true;
  const v4 = embeddedIpv4(bare);
  return v4 !== null ? refused.check(v4, 'ipv4') : refused.check(bare, 'ipv6');
}

/** A webhook went for an address it may not reach. Not worth a retry. */
export class RefusedAddressError extends Error {
  override readonly name = 'RefusedAddressError';
  readonly code = 'NOTIFY_ADDRESS_REFUSED';
}

function refusal(host: string, address: string): RefusedAddressError {
  return new RefusedAddressError(
    `${host} resolves to ${address}, a loopback, private or link-local address; webhooks may not reach it unless NOTIFY_ALLOW_PRIVATE_ADDRESSES=true.`,
  );
}

/**
 * A `lookup` for `http.request` that resolves as usual and refuses when any address found is
 * one a webhook may not reach, so DNS cannot point a checked name elsewhere at connect time.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const bad = allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(refusal(hostname, bad.address), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address.`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/** Refuses the address a socket actually connected to; the last word, whatever resolved it. */
export function checkConnectedAddress(host: string, remoteAddress: string | undefined, allowPrivate: boolean): void {
  if (allowPrivate) return;
  if (!remoteAddress || isPrivateAddress(remoteAddress)) throw refusal(host, remoteAddress ?? 'an unknown address');
}

/**
 * What is wrong with a webhook URL at creation, or null: http(s) only, no credentials in it,
 * and (unless allowed) no literal private address and no name that resolves to one now.
 */
export async function problemWithUrl(raw: string, allowPrivate: boolean): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not carry a user name or password; the signature authenticates Migrator';
  if (allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isPrivateAddress(host) ? `points at ${host}, a loopback, private or link-local address` : null;
  const found = await new Promise<LookupAddress[] | null>((resolve) => {
    dnsLookup(host, { all: true }, (err, addresses) => resolve(err ? null : addresses));
  });
  // A name that does not resolve yet is checked again when a delivery connects.
  if (!found) return null;
  const bad = found.find((a) => isPrivateAddress(a.address));
  return bad ? `resolves to ${bad.address}, a loopback, private or link-local address` : null;
}
