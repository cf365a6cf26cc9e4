// API tokens on the account page: create one with scopes (its secret shown once, never
// stored by the page), list them, revoke them.

import { ApiError } from './api.js';
import { el, replaceChildren } from './dom.js';
import { createToken, listTokens, revokeToken } from './mod-api.js';
import { formatDateTime } from './time.js';

const SCOPE_NAMES = { read: 'read', post: 'post', moderate: 'moderate' };

export class TokensSection {
  constructor(root = document) {
    this.form = root.getElementById('token-form');
    this.error = root.getElementById('token-error');
    this.name = root.getElementById('token-name');
    this.days = root.getElementById('token-days');
    this.secretBox = root.getElementById('token-secret');
    this.secretValue = root.getElementById('token-secret-value');
    this.copyStatus = root.getElementById('token-copy-status');
    this.list = root.getElementById('tokens-list');
    this.empty = root.getElementById('tokens-empty');
    this.status = root.getElementById('tokens-status');
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.create();
    });
    root.getElementById('token-copy').addEventListener('click', () => this.copy());
    root.getElementById('token-secret-done').addEventListener('click', () => {
      this.hideSecret();
      this.name.focus();
    });
  }

  async load() {
    try {
      this.render(await listTokens());
    } catch (e) {
      this.status.textContent = `Your tokens could not be loaded: ${e.message}`;
    }
  }

  render(tokens) {
    this.empty.hidden = tokens.length > 0;
    replaceChildren(this.list, tokens.map((t) => this.item(t)));
  }

  item(token) {
    const revoke = el('button', { type: 'button', class: 'secondary small' },
      'Revoke', el('span', { class: 'visually-hidden' }, ` token ${token.name}`));
    revoke.addEventListener('click', () => this.revoke(token));
    const when = (iso) => el('time', { datetime: iso }, formatDateTime(iso));
    return el('li', { class: 'token-item', 'data-token-id': token.id },
      el('p', { class: 'token-name' }, el('strong', {}, token.name), ' ',
        el('span', { class: 'hint' }, `(${token.scopes.map((s) => SCOPE_NAMES[s] ?? s).join(', ')})`)),
      el('p', { class: 'hint' },
        'Created ', when(token.created_at), '. ',
        token.last_used_at ? ['Last used ', when(token.last_used_at), '. '] : 'Never used. ',
        token.expires_at ? ['Expires ', when(token.expires_at), '.'] : 'Does not expire.'),
      revoke);
  }

  async create() {
    this.error.textContent = '';
    this.name.removeAttribute('aria-invalid');
    this.days.removeAttribute('aria-invalid');
    const name = this.name.value.trim();
    if (!name) return this.fail('Give the token a name.', this.name);
    const body = { name, scopes: ['read', ...[...this.form.querySelectorAll('input[name="scope"]:checked')].map((b) => b.value)] };
    if (this.days.value.trim()) {
      const days = Number(this.days.value);
      if (!Number.isInteger(days) || days < 1) return this.fail('Expiry: enter a whole number of days, or leave it empty.', this.days);
      body.expires_in_days = days;
    }
    try {
      const created = await createToken(body);
      this.showSecret(created.secret);
      this.form.reset();
      this.load();
    } catch (e) {
      this.fail(e instanceof ApiError ? e.message : 'The token was not created. Try again.');
    }
    return undefined;
  }

  fail(text, input) {
    this.error.textContent = text;
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  }

  showSecret(secret) {
    this.secretValue.value = secret;
    this.copyStatus.textContent = '';
    this.secretBox.hidden = false;
    // Focused and selected: ready to copy, and a screen reader reads the label and the secret.
    this.secretValue.focus();
    this.secretValue.select();
  }

  /** The secret leaves the page for good: it is never shown again. */
  hideSecret() {
    this.secretValue.value = '';
    this.secretBox.hidden = true;
  }

  async copy() {
    try {
      await navigator.clipboard.writeText(this.secretValue.value);
      this.copyStatus.textContent = 'Copied.';
    } catch {
      this.secretValue.select();
      this.copyStatus.textContent = 'Copying is not allowed here: the token is selected, copy it with your keyboard.';
    }
  }

  async revoke(token) {
    if (!globalThis.confirm(`Revoke the token "${token.name}"? Tools using it stop working at once.`)) return;
    this.status.textContent = '';
    try {
      await revokeToken(token.id);
      this.status.textContent = `Revoked "${token.name}".`;
      await this.load();
      this.name.focus();
    } catch (e) {
      this.status.textContent = `Not revoked: ${e.message}`;
    }
  }
}
