import { USER_NAME_PATTERN } from '../../shared/demo-streams';

const STORAGE_KEY = 'nest-realtime-streams-demo:user';

/** USER_NAME_PATTERN in words, for error messages. */
export const NAME_RULE = '1-24 lower-case letters, digits, _ or -';

/**
 * Who this tab is: `?user=name`, else the name stored last time, else a fresh guest name. The name is the
 * chat author and the `notifications` group this tab subscribes to.
 */
export class IdentityStore {
  private name: string;
  /** The last name typed that was refused, until a valid one is accepted: nothing may be sent meanwhile. */
  private refused: string | null = null;
  private readonly listeners = new Set<(name: string) => void>();
  private readonly accepted = new Set<() => void>();

  constructor(
    private readonly storage: Storage,
    search: string,
  ) {
    const candidates = [new URLSearchParams(search).get('user'), storage.getItem(STORAGE_KEY)];
    this.name = candidates.find((name): name is string => name !== null && USER_NAME_PATTERN.test(name)) ?? `guest-${Math.floor(1000 + Math.random() * 9000)}`;
    storage.setItem(STORAGE_KEY, this.name);
  }

  get current(): string {
    return this.name;
  }

  /** The refused name the field still shows, or null when the current name is what the user typed. */
  get rejected(): string | null {
    return this.refused;
  }

  /** Switches to `name` if valid (lower-cased first); returns whether it did. */
  change(name: string): boolean {
    const next = name.trim().toLowerCase();
    if (!USER_NAME_PATTERN.test(next)) {
      this.refused = name;
      return false;
    }
    this.refused = null;
    for (const listener of this.accepted) listener();
    if (next !== this.name) {
      this.name = next;
      this.storage.setItem(STORAGE_KEY, next);
      for (const listener of this.listeners) listener(next);
    }
    return true;
  }

  /** The name became another one. */
  onChange(listener: (name: string) => void): void {
    this.listeners.add(listener);
  }

  /** A typed name was accepted, changed or not (a refused one no longer stands). */
  onAccepted(listener: () => void): void {
    this.accepted.add(listener);
  }
}
