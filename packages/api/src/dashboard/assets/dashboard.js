/* global document, history, location, window */
// The Vigil dashboard: plain DOM modules, no framework, no build step, nothing loaded from elsewhere.

import {
  ApiFailure,
  explain,
  forgetToken,
  hasToken,
  onUnauthorized,
  saveToken,
  download,
} from './api-client.js';
import {
  auditPeriod,
  defaultAuditPeriod,
  loadPopulation,
  onExport,
  onVerifyChain,
  updateExportLinks,
} from './auditor-view.js';
import { loadCuecReport } from './cuec-view.js';
import { $, setStatus } from './dom.js';
import { forgetHolder, setupActions } from './incident-actions.js';
import { incidentIdOf, incidentPath, showIncident } from './incident-detail.js';
import { chooseMonth, currentMonth, loadSre } from './sre-view.js';

const TITLE = document.title;
/** The list view (SRE or Auditor) shown whenever the address is not an incident's. */
let view = 'sre';

function showSignIn(message = '') {
  $('app').hidden = true;
  $('views').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message;
  $('token').focus();
}

function showApp() {
  $('sign-in').hidden = true;
  $('app').hidden = false;
  $('views').hidden = false;
  $('sign-out').hidden = false;
}

function signOut(message = '') {
  forgetToken();
  forgetHolder();
  showSignIn(message);
}

async function signIn(event) {
  event.preventDefault();
  const input = $('token');
  const token = input.value.trim();
  if (!token) return;
  saveToken(token);
  input.value = '';
  $('sign-in-error').textContent = '';
  try {
    await loadSre();
    showApp();
    render(false);
  } catch (error) {
    if (!(error instanceof ApiFailure && error.status === 401))
      showSignIn(`Could not load: ${explain(error)}`);
  }
}

async function loadView() {
  if (view === 'sre') {
    await loadSre();
    return;
  }
  defaultAuditPeriod(currentMonth());
  updateExportLinks();
  await loadPopulation();
}

/**
 * Shows what the address says: an incident's own view at /dashboard/incidents/<id>, else the list view
 * chosen. The status line belongs to the view shown, so it is cleared on every change of view.
 */
function render(reload = true) {
  const incidentId = incidentIdOf(location.pathname);
  for (const button of document.querySelectorAll('#views button')) {
    button.setAttribute('aria-pressed', String(!incidentId && button.getAttribute('data-view') === view));
  }
  $('sre-view').hidden = incidentId !== null || view !== 'sre';
  $('auditor-view').hidden = incidentId !== null || view !== 'auditor';
  $('incident-view').hidden = incidentId === null;
  setStatus('');
  if (incidentId) {
    void showIncident(incidentId);
    return;
  }
  document.title = TITLE;
  if (!reload) return;
  loadView().catch((error) => {
    if (!(error instanceof ApiFailure && error.status === 401))
      setStatus(`Could not load: ${explain(error)}`, true);
  });
}

function switchView(next) {
  view = next;
  if (incidentIdOf(location.pathname)) history.pushState({}, '', '/dashboard');
  render();
}

function openIncident(id) {
  history.pushState({ incident: id, fromList: true }, '', incidentPath(id));
  render();
  window.scrollTo(0, 0);
}

/** Back to the list: the browser's own back when the list is where the person came from. */
function leaveIncident() {
  if (history.state?.fromList) {
    history.back();
    return;
  }
  history.pushState({}, '', '/dashboard');
  render();
}

function onIncidentClick(event) {
  const row = event.target.closest('tr[data-incident]');
  if (row) openIncident(row.getAttribute('data-incident'));
}

function onIncidentKey(event) {
  if (event.key !== 'Enter' && event.key !== ' ') return;
  const row = event.target.closest('tr[data-incident]');
  if (!row) return;
  event.preventDefault();
  openIncident(row.getAttribute('data-incident'));
}

function start() {
  onUnauthorized(signOut);
  $('token-form').addEventListener('submit', (event) => void signIn(event));
  $('sign-out').addEventListener('click', () => signOut('Signed out.'));
  $('month').addEventListener('change', () => {
    if (!$('month').value) return;
    chooseMonth($('month').value);
    loadSre().catch((error) => setStatus(`Could not load: ${explain(error)}`, true));
  });
  $('report-html').addEventListener('click', (event) => {
    event.preventDefault();
    download($('report-html').href, `vigil-availability-${currentMonth()}.html`).catch((error) =>
      setStatus(`Could not download the report: ${explain(error)}`, true),
    );
  });
  for (const button of document.querySelectorAll('#views button')) {
    button.addEventListener('click', () => switchView(button.getAttribute('data-view')));
  }
  for (const id of ['open-incidents', 'downtime-incidents', 'population', 'cuec-exceptions']) {
    $(id).addEventListener('click', onIncidentClick);
    $(id).addEventListener('keydown', onIncidentKey);
  }
  $('detail-back').addEventListener('click', leaveIncident);
  window.addEventListener('popstate', () => render());
  setupActions();
  $('audit-load').addEventListener('click', () => void loadPopulation());
  $('cuec-load').addEventListener('click', () => {
    let period;
    try {
      period = auditPeriod();
    } catch (error) {
      $('cuec-note').textContent = explain(error);
      return;
    }
    void loadCuecReport(period);
  });
  $('audit-from').addEventListener('change', updateExportLinks);
  $('audit-to').addEventListener('change', updateExportLinks);
  document.querySelector('.exports').addEventListener('click', (event) => void onExport(event));
  $('chain-verify').addEventListener('click', (event) => void onVerifyChain(event));

  if (hasToken()) {
    showApp();
    render();
  } else {
    showSignIn();
  }
}

start();
