import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';

import { checkConnectedAddress, guardedLookup, isPrivateAddress, RefusedAddressError } from './addressGuard';

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivateAddresses: boolean;
}

/** The receiver's answer: its HTTP status. Redirects are answers too; they are never followed. */
export interface WebhookAnswer {
  status: number;
}

/**
 * One POST: a fresh connection (no agent, so every attempt resolves and is checked again), the
 * guarded lookup, the connected address checked once more, at most `timeoutMs` in all. The
 * answer's body is read and dropped: receivers' text is not stored.
 */
export function postWebhook(request: WebhookRequest): Promise<WebhookAnswer> {
  const url = new URL(request.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new RefusedAddressError(`${url.protocol} URLs are not webhooks; use http or https.`));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!request.allowPrivateAddresses && isIP(host) && isPrivateAddress(host)) {
    return Promise.reject(new RefusedAddressError(`${host} is a loopback, private or link-local address; webhooks may not reach it unless NOTIFY_ALLOW_PRIVATE_ADDRESSES=true.`));
  }
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<WebhookAnswer>((resolve, reject) => {
    const req = transport.request(url, {
      method: 'POST',
      agent: false,
      lookup: guardedLookup(request.allowPrivateAddresses),
      headers: { ...request.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(request.body)) },
    });
    const timer = setTimeout(() => req.destroy(new Error(`The receiver did not answer within ${request.timeoutMs / 1000} s.`)), request.timeoutMs);
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        try {
          checkConnectedAddress(host, socket.remoteAddress, request.allowPrivateAddresses);
        } catch (err) {
          req.destroy(err as Error);
        }
      });
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0 });
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(request.body);
  });
}
