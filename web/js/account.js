// Sign in and sign up. On success, go back where the person came from (`?next=`), or home.

import { ApiError, signIn, signUp } from './api.js';
import { initDeactivateForm, initPasswordForm, initProfileForm } from './account-settings.js';
import { initAccountNav } from './nav.js';
import { TokensSection } from './tokens.js';
import { safeNext } from './text.js';

const params = new URLSearchParams(location.search);
const next = safeNext(params.get('next')) ?? '/';

function fieldOf(form, error) {
  const name = /^(\w+):/.exec(error)?.[1];
  return name ? form.querySelector(`[name="${name}"]`) : null;
}

function fail(form, errorNode, text, input) {
  for (const field of form.querySelectorAll('input')) field.removeAttribute('aria-invalid');
  errorNode.textContent = text;
  const target = input ?? fieldOf(form, text);
  if (target) {
    target.setAttribute('aria-invalid', 'true');
    target.focus();
  }
}

function wire(formId, errorId, check, submit) {
  const form = document.getElementById(formId);
  const errorNode = document.getElementById(errorId);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errorNode.textContent = '';
    const data = Object.fromEntries(new FormData(form));
    const problem = check(data, form);
    if (problem) {
      fail(form, errorNode, problem.text, problem.input);
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    button.setAttribute('aria-disabled', 'true');
    try {
      await submit(data);
      location.assign(next);
    } catch (error) {
      fail(form, errorNode, error instanceof ApiError ? error.message : 'Something went wrong. Try again.');
      button.removeAttribute('aria-disabled');
    }
  });
}

wire(
  'signin-form',
  'signin-error',
  (data, form) => {
    if (!data.handle.trim()) return { text: 'Enter your handle.', input: form.elements.handle };
    if (!data.password) return { text: 'Enter your password.', input: form.elements.password };
    return null;
  },
  (data) => signIn(data.handle.trim(), data.password),
);

wire(
  'signup-form',
  'signup-error',
  (data, form) => {
    if (!/^@?[A-Za-z0-9_]{1,30}$/.test(data.handle.trim())) {
      return { text: 'handle: use 1 to 30 letters, digits or underscores.', input: form.elements.handle };
    }
    if (!data.display_name.trim()) return { text: 'display_name: enter the name to show.', input: form.elements.display_name };
    const length = Array.from(data.password).length;
    if (length < 10 || length > 128) {
      return { text: 'password: must be 10 to 128 characters.', input: form.elements.password };
    }
    return null;
  },
  (data) => signUp(data.handle.trim(), data.display_name.trim(), data.password),
);

for (const box of document.querySelectorAll('input[data-reveal]')) {
  box.addEventListener('change', () => {
    document.getElementById(box.dataset.reveal).type = box.checked ? 'text' : 'password';
  });
}

if (params.get('mode') === 'signup') document.getElementById('signup-handle').focus();

initAccountNav().then((user) => {
  if (user) {
    const note = document.getElementById('signed-in');
    const signedInAs = (u) => {
      note.textContent = `You are signed in as ${u.display_name} (${u.handle}). Signing in again switches account.`;
    };
    signedInAs(user);
    note.hidden = false;
    document.getElementById('settings').hidden = false;
    const tokens = new TokensSection();
    tokens.load();
    initProfileForm(user, signedInAs);
    initPasswordForm();
    initDeactivateForm();
  }
});
