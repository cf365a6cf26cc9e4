// Signed-in account settings: the display name and bio, change the password (every other sign-in stops) and deactivate
// the account (after a confirmation).

import { ApiError } from './api.js';
import { changePassword, deactivateAccount, updateProfile } from './mod-api.js';

function problem(errorNode, text, input) {
  errorNode.textContent = text;
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

/** The display name and bio, filled from `user`; `onSaved(user)` after a change. */
export function initProfileForm(user, onSaved, root = document) {
  const form = root.getElementById('profile-form');
  const error = root.getElementById('profile-error');
  const done = root.getElementById('profile-done');
  const name = form.elements.display_name;
  const bio = form.elements.bio;
  name.value = user.display_name ?? '';
  bio.value = user.bio ?? '';
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    done.textContent = '';
    for (const input of [name, bio]) input.removeAttribute('aria-invalid');
    const displayName = name.value.trim();
    const length = Array.from(displayName).length;
    if (length < 1 || length > 50) return problem(error, 'Display name: must be 1 to 50 characters.', name);
    if (/[\r\n]/.test(displayName)) return problem(error, 'Display name: must be on one line.', name);
    if (Array.from(bio.value).length > 300) return problem(error, 'Bio: must be at most 300 characters.', bio);
    try {
      const updated = await updateProfile({ display_name: displayName, bio: bio.value.trim() });
      name.value = updated.display_name;
      bio.value = updated.bio ?? '';
      done.textContent = `Profile saved. You appear as ${updated.display_name} (${updated.handle}).`;
      onSaved(updated);
    } catch (e) {
      const field = e instanceof ApiError && e.status === 422 ? (/bio/.test(e.message) ? bio : name) : null;
      problem(error, e instanceof ApiError ? e.message : 'The profile was not saved. Try again.', field);
    }
    return undefined;
  });
}

export function initPasswordForm(root = document) {
  const form = root.getElementById('password-form');
  const error = root.getElementById('password-error');
  const done = root.getElementById('password-done');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    done.textContent = '';
    for (const input of form.querySelectorAll('input')) input.removeAttribute('aria-invalid');
    const current = form.elements.current_password;
    const next = form.elements.new_password;
    if (!current.value) return problem(error, 'Enter your current password.', current);
    const length = Array.from(next.value).length;
    if (length < 10 || length > 128) return problem(error, 'new_password: must be 10 to 128 characters.', next);
    try {
      await changePassword(current.value, next.value);
      form.reset();
      done.textContent = 'Password changed. You stay signed in here; every other sign-in and token of yours has stopped.';
    } catch (e) {
      problem(error, e instanceof ApiError ? e.message : 'The password was not changed. Try again.', e.status === 422 ? current : null);
    }
    return undefined;
  });
}

export function initDeactivateForm(root = document) {
  const form = root.getElementById('deactivate-form');
  const error = root.getElementById('deactivate-error');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const password = form.elements.password;
    const sure = form.elements.sure;
    password.removeAttribute('aria-invalid');
    if (!password.value) return problem(error, 'Enter your password to confirm it is you.', password);
    if (!sure.checked) return problem(error, 'Tick the box to confirm you want to deactivate your account.', sure);
    if (!globalThis.confirm('Deactivate your account now? You will be signed out everywhere and cannot sign in again.')) return undefined;
    try {
      await deactivateAccount(password.value);
      location.assign('/');
    } catch (e) {
      problem(error, e instanceof ApiError ? e.message : 'The account was not deactivated. Try again.', e.status === 422 ? password : null);
    }
    return undefined;
  });
}
