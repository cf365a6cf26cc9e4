// The account part of every page's header: who is signed in, sign in / sign up / sign out.

import { currentUser, signOut } from './api.js';
import { el, replaceChildren } from './dom.js';

/** The path of this page, to come back to after signing in. */
export function herePath() {
  return `${location.pathname}${location.search}`;
}

export function accountLink(mode, label) {
  const query = new URLSearchParams();
  if (mode === 'signup') query.set('mode', 'signup');
  if (!location.pathname.endsWith('/account.html')) query.set('next', herePath());
  const search = query.toString();
  return el('a', { href: `/account.html${search ? `?${search}` : ''}` }, label);
}

/** Fills the header's account area and resolves to the signed-in user (or null). */
export async function initAccountNav() {
  const nav = document.getElementById('account-nav');
  let user = null;
  try {
    user = await currentUser();
  } catch {
    user = null;
  }
  if (!nav) return user;
  if (user) {
    const button = el('button', { type: 'button', class: 'secondary small' }, 'Sign out');
    button.addEventListener('click', async () => {
      button.setAttribute('aria-disabled', 'true');
      try {
        await signOut();
      } finally {
        location.reload();
      }
    });
    replaceChildren(nav, el('span', { class: 'who' }, el('span', { class: 'who-prefix' }, 'Signed in as '), el('strong', {}, user.handle)), button);
  } else {
    replaceChildren(nav, accountLink('signin', 'Sign in'), accountLink('signup', 'Create an account'));
  }
  return user;
}
