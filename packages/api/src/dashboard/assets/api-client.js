/* global document, sessionStorage, fetch, URL, setTimeout, crypto */
// Every request carries the token the person entered, as a Bearer header; the token lives in this tab's
// session storage only.

import { el } from './dom.js';

const TOKEN_KEY = 'vigil.apiToken';

let unauthorized = () => {};

/** What to do when the server refuses the token (sign out, and say why). */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

export const hasToken = () => sessionStorage.getItem(TOKEN_KEY) !== null;
export const saveToken = (token) => sessionStorage.setItem(TOKEN_KEY, token);
export const forgetToken = () => sessionStorage.removeItem(TOKEN_KEY);

export class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(path, accept = 'application/json', init = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) throw new ApiFailure(401, 'unauthorized', 'not signed in');
  const response = await fetch(path, {
    ...init,
    headers: { ...init.headers, authorization: `Bearer ${token}`, accept },
    cache: 'no-store',
    credentials: 'omit',
  });
  if (response.ok) return response;
  let code = 'http_error';
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    code = body?.error?.code ?? code;
    message = body?.error?.message ?? message;
  } catch {
    // Not a JSON error body; the status line says enough.
  }
  if (response.status === 401) unauthorized(`The token was not accepted: ${message}`);
  throw new ApiFailure(response.status, code, message);
}

export const getJson = async (path) => (await api(path)).json();

// getRandomValues, unlike randomUUID, also works on a page served over plain http from another host.
const randomKey = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

/** An action: JSON body, and an Idempotency-Key so that a retried click cannot act twice. */
export async function postJson(path, body) {
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomKey() },
    body: JSON.stringify(body),
  };
  return (await api(path, 'application/json', init)).json();
}

/** Links cannot carry a Bearer header, so a click fetches with it and saves what came back. */
export async function download(href, fallbackName) {
  const response = await api(href, '*/*');
  const blob = await response.blob();
  const disposition = response.headers.get('content-disposition') ?? '';
  const named = /filename="?([^";]+)"?/i.exec(disposition);
  const url = URL.createObjectURL(blob);
  const link = el('a', { href: url, download: named ? named[1] : fallbackName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

export function explain(error) {
  if (error instanceof ApiFailure) return `${error.message} (${error.status})`;
  return error instanceof Error ? error.message : String(error);
}
