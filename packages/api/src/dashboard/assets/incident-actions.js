/* global document */
// What a responder can do from an incident's view: acknowledge, resolve with a root cause, dismiss with a
// reason. Each goes through the same API routes as any client (POST /v1/incidents/<id>/<action>), so the
// timeline records it as `api:<token name>`, like Slack clicks and API calls, and the server checks the
// token's role again.

import { ApiFailure, explain, getJson, postJson } from './api-client.js';
import { $ } from './dom.js';

/** Which actions an incident in each status can take (the server's lifecycle decides; this only offers). */
const OFFERED = {
  open: ['ack', 'resolve', 'dismiss'],
  acknowledged: ['resolve', 'dismiss'],
  contained: ['resolve'],
};

const DONE = { ack: 'acknowledged', resolve: 'resolved', dismiss: 'dismissed' };

/** The token holder (GET /v1/token), asked once per sign-in. */
let holder = null;

export function forgetHolder() {
  holder = null;
}

async function tokenHolder() {
  if (!holder) holder = await getJson('/v1/token');
  return holder;
}

let current = null;
let reload = async () => {};

export async function renderActions(incident, onChange) {
  current = incident;
  reload = onChange;
  closeForms();
  const who = await tokenHolder();
  const offered = who.may.act ? (OFFERED[incident.status] ?? []) : [];
  for (const button of document.querySelectorAll('#action-buttons button[data-action]')) {
    button.hidden = !offered.includes(button.getAttribute('data-action'));
  }
  $('actions-note').textContent = !who.may.act
    ? `Your token (${who.name}, role ${who.role}) can read this incident. Acknowledging, resolving or ` +
      'dismissing needs a responder or admin token.'
    : offered.length === 0
      ? `INC-${incident.seq} is ${incident.status}: nothing to acknowledge, resolve or dismiss.`
      : `Recorded in the timeline as api:${who.name}.`;
}

function closeForms() {
  $('resolve-form').hidden = true;
  $('dismiss-form').hidden = true;
  $('action-buttons').hidden = false;
}

function openForm(id, field) {
  $('action-buttons').hidden = true;
  $(id).hidden = false;
  $(field).value = '';
  $(field).focus();
}

async function act(action, body) {
  const incident = current;
  if (!incident) return;
  const result = $('action-result');
  result.classList.remove('error');
  result.textContent = 'Sending…';
  try {
    const answer = await postJson(`/v1/incidents/${encodeURIComponent(incident.id)}/${action}`, body);
    await reload();
    result.textContent = `INC-${answer.incident.seq} ${DONE[action]}.`;
  } catch (error) {
    result.classList.add('error');
    result.textContent =
      error instanceof ApiFailure && error.status === 403
        ? `Refused: your token's role may not do this (${error.message}).`
        : `Not done: ${explain(error)}`;
  }
}

function onButton(event) {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const action = button.getAttribute('data-action');
  if (action === 'ack') void act('ack', {});
  else if (action === 'resolve') openForm('resolve-form', 'resolve-root-cause');
  else if (action === 'dismiss') openForm('dismiss-form', 'dismiss-reason');
}

function onResolve(event) {
  event.preventDefault();
  const rootCause = $('resolve-root-cause').value.trim();
  const remediation = $('resolve-remediation').value.trim();
  if (!rootCause) return;
  void act('resolve', remediation ? { rootCause, remediation } : { rootCause });
}

function onDismiss(event) {
  event.preventDefault();
  const reason = $('dismiss-reason').value.trim();
  if (!reason) return;
  void act('dismiss', { reason });
}

export function setupActions() {
  $('action-buttons').addEventListener('click', onButton);
  $('resolve-form').addEventListener('submit', onResolve);
  $('dismiss-form').addEventListener('submit', onDismiss);
  for (const cancel of document.querySelectorAll('#incident-actions [data-cancel]')) {
    cancel.addEventListener('click', closeForms);
  }
}
