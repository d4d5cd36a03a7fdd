import { CHAT_ROOMS, STREAMS } from '../../shared/demo-streams';
import type { DemoClient, DemoGroup } from './demo-client';
import { h } from './dom.helpers';
import { type IdentityStore, NAME_RULE } from './identity.store';
import { renderMessage } from './message.render';
import { ApiError, postMessage } from './page.api';

/** "Typing" ends this long after the last keystroke (or when the message is sent). */
const TYPING_IDLE_MS = 3000;

/** Why the composer shows an error: each clears when its cause is gone. */
type ComposerError = 'name' | 'unreachable' | 'refused';

/** What each member's client puts in its presence state. */
interface ChatPresenceState {
  typing?: boolean;
}

export interface ChatElements {
  rooms: HTMLElement;
  messages: HTMLOListElement;
  typing: HTMLElement;
  online: HTMLElement;
  form: HTMLFormElement;
  input: HTMLInputElement;
  error: HTMLElement;
}

/**
 * The chat card: one group subscription per open room, with presence: messages are its mirror, who is
 * online its presence members, and who is typing their presence state (`{ typing }`, set by each page).
 * Posting goes through the REST API, and the message comes back over the stream like everyone's.
 */
export class ChatView {
  private room: string = CHAT_ROOMS[0];
  private subscription: DemoGroup<'chat-messages'> | null = null;
  /** Set while this page says it is typing; the timer ends it after TYPING_IDLE_MS without a keystroke. */
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private errorCause: ComposerError | null = null;

  constructor(
    private readonly client: DemoClient,
    private readonly identity: IdentityStore,
    private readonly el: ChatElements,
  ) {}

  mount(): void {
    this.el.rooms.replaceChildren(
      ...CHAT_ROOMS.map((room) => {
        const tab = h('button', { className: 'room', text: `#${room}`, attrs: { type: 'button', role: 'tab', 'data-room': room } });
        tab.addEventListener('click', () => this.open(room));
        return tab;
      }),
    );
    this.el.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.send();
    });
    this.el.input.addEventListener('input', () => {
      // The API's refusal was about the text: editing it is the fix.
      if (this.errorCause === 'refused') this.showError(null);
      this.announceTyping();
    });
    this.identity.onChange(() => {
      this.renderMessages();
      this.renderPresence();
    });
    this.identity.onAccepted(() => {
      if (this.errorCause === 'name') this.showError(null);
    });
    // While the socket is down the presence list is only the last one seen, and a failed send may work again.
    this.client.on('state', (state) => {
      this.renderPresence();
      if (state === 'open' && this.errorCause === 'unreachable') this.showError(null);
    });
    this.open(this.room);
  }

  private open(room: string): void {
    this.subscription?.close();
    this.stopTyping();
    this.room = room;
    for (const tab of this.el.rooms.querySelectorAll<HTMLElement>('[data-room]')) tab.setAttribute('aria-selected', String(tab.dataset.room === room));
    this.el.input.placeholder = `Message #${room} (mention someone with @name)`;
    const subscription = this.client.subscribeGroup(STREAMS.chat, room, { presence: true });
    subscription.on('change', () => this.renderMessages());
    subscription.on('presence', () => this.renderPresence());
    this.subscription = subscription;
    this.renderMessages();
    this.renderPresence();
  }

  private renderMessages(): void {
    const list = this.el.messages;
    const messages = [...(this.subscription?.values ?? [])].sort((a, b) => a.sentAt.localeCompare(b.sentAt));
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren(...messages.map((message) => renderMessage(message, this.identity.current)));
    if (messages.length === 0) list.append(h('li', { className: 'empty', text: `No messages in #${this.room} yet. Say hello!` }));
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  /** Who is online (this page's own name first) and who of the others is typing. */
  private renderPresence(): void {
    const members = [...(this.subscription?.presence?.members?.values() ?? [])];
    const me = this.identity.current;
    const names = members.map((m) => m.key).sort((a, b) => Number(b === me) - Number(a === me) || a.localeCompare(b));
    const live = this.client.state === 'open';
    this.el.online.toggleAttribute('data-stale', !live);
    this.el.online.replaceChildren(
      h('span', { className: 'online-label', text: live ? `${names.length} online` : `offline · last seen` }),
      ...names.map((name) => h('span', { className: name === me ? 'online-name me' : 'online-name', text: name, attrs: { 'data-user': name } })),
    );
    const typing = members.filter((m) => m.key !== me && (m.state as ChatPresenceState | null)?.typing === true).map((m) => m.key);
    this.renderTyping(typing.sort());
  }

  private renderTyping(authors: string[]): void {
    this.el.typing.textContent =
      authors.length === 0 ? '' : authors.length === 1 ? `${authors[0]} is typing…` : `${authors.slice(0, -1).join(', ')} and ${authors.at(-1)} are typing…`;
  }

  private async send(): Promise<void> {
    const text = this.el.input.value;
    this.showError(null);
    // A name the page refused must not be replaced silently by the previous one.
    if (this.identity.rejected !== null) {
      this.showError('name', `“${this.identity.rejected}” is not a valid name (${NAME_RULE}); fix it before sending.`);
      return;
    }
    try {
      await postMessage(this.room, this.identity.current, text);
      this.el.input.value = '';
      this.stopTyping();
    } catch (error) {
      if (error instanceof ApiError) this.showError('refused', error.messages.join(' · '));
      else this.showError('unreachable', 'Could not send the message; is the server running?');
    }
  }

  private showError(cause: ComposerError | null, text = ''): void {
    this.errorCause = cause;
    this.el.error.textContent = text;
  }

  /** Typing starts with a keystroke (one presence update) and ends after a pause, on send, or on an emptied field. */
  private announceTyping(): void {
    if (this.el.input.value.trim() === '') return this.stopTyping();
    if (this.typingTimer === null) this.subscription?.setPresence({ typing: true } satisfies ChatPresenceState);
    else clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  private stopTyping(): void {
    if (this.typingTimer === null) return;
    clearTimeout(this.typingTimer);
    this.typingTimer = null;
    this.subscription?.setPresence({ typing: false } satisfies ChatPresenceState);
  }
}
