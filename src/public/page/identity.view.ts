import type { IdentityStore } from './identity.store';

/** The name field in the top bar: commits on Enter or blur, refuses invalid names in place. */
export function mountIdentity(identity: IdentityStore, input: HTMLInputElement): void {
  input.value = identity.current;
  input.addEventListener('change', () => {
    const accepted = identity.change(input.value);
    input.classList.toggle('invalid', !accepted);
    input.title = accepted ? '' : 'Use 1-24 lower-case letters, digits, _ or -';
    if (accepted) input.value = identity.current;
  });
}
