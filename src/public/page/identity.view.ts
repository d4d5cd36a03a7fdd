import { type IdentityStore, NAME_RULE } from './identity.store';

/**
 * The name field in the top bar: commits on Enter or blur. A refused name stays in the field, outlined, with
 * the reason spelled out beside it (and the chat refuses to send until it is fixed).
 */
export function mountIdentity(identity: IdentityStore, input: HTMLInputElement, error: HTMLElement): void {
  input.value = identity.current;
  input.addEventListener('change', () => {
    const accepted = identity.change(input.value);
    input.classList.toggle('invalid', !accepted);
    input.setAttribute('aria-invalid', String(!accepted));
    error.textContent = accepted ? '' : `Not a valid name: use ${NAME_RULE}.`;
    if (accepted) input.value = identity.current;
  });
}
