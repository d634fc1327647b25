// The token inspector: wires the page to the orgwarden browser module.
import init, { inspect, verify, can, catalog } from '../../pkg/web/orgwarden.js';

const $ = (id) => document.getElementById(id);

function showError(e) {
  $('error').textContent = e.code ? `${e.code}: ${e.message}` : String(e);
  $('error').hidden = false;
}

function rightsCell(names) {
  const td = document.createElement('td');
  for (const n of names) {
    const code = document.createElement('code');
    code.textContent = n;
    td.append(code);
  }
  return td;
}

async function loadJwks(text) {
  const value = text.trim();
  if (!value) return null;
  if (/^https?:\/\//.test(value)) {
    const res = await fetch(value, { headers: { accept: 'application/json' } });
    if (!res.ok) throw Object.assign(new Error(`JWKS URL answered ${res.status}`), { code: 'jwks_fetch_failed' });
    return res.text();
  }
  return value;
}

function renderVerification(view, result) {
  const p = $('verification');
  delete p.dataset.code;
  if (!result) {
    p.dataset.state = 'unverified';
    p.textContent = 'Not verified: give a JWKS to check the signature.';
  } else if (result.ok) {
    p.dataset.state = 'valid';
    p.textContent = `Valid: signed by key ${result.value.kid}, issuer and audience match.`;
  } else {
    p.dataset.state = 'invalid';
    p.dataset.code = result.error.code;
    p.textContent = `Invalid (${result.error.code}): ${result.error.message}`;
  }
  $('expiry').textContent = view.expires_at
    ? `${view.expired ? 'Expired' : 'Expires'} at ${view.expires_at} (${Math.abs(view.expires_in)} s ${view.expired ? 'ago' : 'from now'}).`
    : 'No expiry.';
}

function renderOrganizations(view) {
  const body = $('orgs').querySelector('tbody');
  body.replaceChildren();
  for (const org of view.organizations) {
    const tr = document.createElement('tr');
    tr.dataset.org = org.id;
    for (const text of [org.id, org.role ?? '(explicit rights)']) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    tr.append(rightsCell(org.rights), rightsCell(org.expanded));
    body.append(tr);
  }
  $('admin').textContent = [
    view.admin ? 'Tenant admin: holds every right in the tenant.' : '',
    view.ceiling ? `Credential ceiling: ${view.ceiling.join(', ')}.` : '',
    view.shape_error ?? '',
  ].join(' ').trim();
  const select = $('can-org');
  select.replaceChildren(...view.organizations.map((o) => new Option(o.id, o.id)));
  $('can-answer').textContent = '';
  $('can-answer').dataset.answer = '';
}

async function run(event) {
  event?.preventDefault();
  $('error').hidden = true;
  const token = $('token').value.trim();
  let view;
  try {
    view = inspect(token);
  } catch (e) {
    $('result').hidden = true;
    showError(e);
    return;
  }
  let result = null;
  try {
    const jwks = await loadJwks($('jwks').value);
    if (jwks) {
      const aud = Array.isArray(view.claims.aud) ? view.claims.aud[0] : view.claims.aud;
      const options = { issuer: $('issuer').value.trim() || String(view.claims.iss ?? ''), audience: $('audience').value.trim() || String(aud ?? '') };
      try {
        result = { ok: true, value: await verify(token, jwks, options) };
      } catch (e) {
        result = { ok: false, error: e };
      }
    }
  } catch (e) {
    result = { ok: false, error: e };
  }
  renderVerification(view, result);
  renderOrganizations(view);
  $('header').textContent = JSON.stringify(view.header, null, 2);
  $('claims').textContent = JSON.stringify(view.claims, null, 2);
  $('result').hidden = false;
  document.body.dataset.rendered = String(Number(document.body.dataset.rendered ?? 0) + 1);
}

function ask() {
  const answer = $('can-answer');
  try {
    const yes = can($('token').value.trim(), $('can-org').value, $('can-right').value);
    answer.dataset.answer = yes ? 'yes' : 'no';
    answer.textContent = yes ? 'Yes' : 'No';
  } catch (e) {
    answer.dataset.answer = 'error';
    answer.textContent = `${e.code}: ${e.message}`;
  }
}

await init();
$('can-right').replaceChildren(...catalog().map((r) => new Option(r.name, r.name)));
$('form').addEventListener('submit', run);
$('can-ask').addEventListener('click', ask);
document.body.dataset.ready = 'true';
