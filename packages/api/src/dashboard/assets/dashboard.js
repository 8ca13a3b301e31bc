/* global document */
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
  defaultAuditPeriod,
  loadPopulation,
  onExport,
  onVerifyChain,
  updateExportLinks,
} from './auditor-view.js';
import { $, setStatus } from './dom.js';
import { closeIncident, showIncident } from './incident-detail.js';
import { chooseMonth, currentMonth, loadSre } from './sre-view.js';

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
  } catch (error) {
    if (!(error instanceof ApiFailure && error.status === 401))
      showSignIn(`Could not load: ${explain(error)}`);
  }
}

function switchView(view) {
  for (const button of document.querySelectorAll('#views button')) {
    button.setAttribute('aria-pressed', String(button.getAttribute('data-view') === view));
  }
  $('sre-view').hidden = view !== 'sre';
  $('auditor-view').hidden = view !== 'auditor';
  if (view === 'auditor') {
    defaultAuditPeriod(currentMonth());
    updateExportLinks();
    void loadPopulation();
  }
}

function onIncidentClick(event) {
  const row = event.target.closest('tr[data-incident]');
  if (row) void showIncident(row.getAttribute('data-incident'));
}

function onIncidentKey(event) {
  if (event.key !== 'Enter' && event.key !== ' ') return;
  const row = event.target.closest('tr[data-incident]');
  if (!row) return;
  event.preventDefault();
  void showIncident(row.getAttribute('data-incident'));
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
  for (const id of ['open-incidents', 'downtime-incidents', 'population']) {
    $(id).addEventListener('click', onIncidentClick);
    $(id).addEventListener('keydown', onIncidentKey);
  }
  $('detail-close').addEventListener('click', closeIncident);
  $('audit-load').addEventListener('click', () => void loadPopulation());
  $('audit-from').addEventListener('change', updateExportLinks);
  $('audit-to').addEventListener('change', updateExportLinks);
  document.querySelector('.exports').addEventListener('click', (event) => void onExport(event));
  $('chain-verify').addEventListener('click', (event) => void onVerifyChain(event));

  if (hasToken()) {
    showApp();
    loadSre().catch((error) => {
      if (!(error instanceof ApiFailure && error.status === 401))
        setStatus(`Could not load: ${explain(error)}`, true);
    });
  } else {
    showSignIn();
  }
}

start();
