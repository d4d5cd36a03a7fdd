import { CHAT_ROOMS, STREAMS } from '../../shared/demo-streams';
import type { DemoClient, DemoGroup } from './demo-client';
import { h } from './dom.helpers';
import { type IdentityStore, NAME_RULE } from './identity.store';
import { renderMessage } from './message.render';
import { MutationRejectedError } from 'nest-realtime-streams-client';

/** "Typing" ends this long after the last keystroke (or when the message is sent). */
const TYPING_IDLE_MS = 3000;

/** Why the composer shows an error: each clears when its cause is gone. */
type ComposerError = 'name' | 'refused';

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
      this.send();
    });
    this.el.input.addEventListener('input', () => {
      // The server's refusal was about the text: editing it is the fix.
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
    // While the socket is down the presence list is only the last one seen.
    this.client.on('state', () => this.renderPresence());
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
    const subscription = this.subscription;
    list.replaceChildren(...messages.map((message) => renderMessage(message, this.identity.current, subscription?.isPending(message.id) ?? false)));
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

  /**
   * Posts through a client mutation (src/chat/chat.mutations.ts): the message shows at once, marked "sending…"
   * until the server has it; offline it waits in the queue and goes out when the page is live again. A refusal
   * (an empty text, say) takes it back out of the list and says why.
   */
  private send(): void {
    const text = this.el.input.value;
    this.showError(null);
    // A name the page refused must not be replaced silently by the previous one.
    if (this.identity.rejected !== null) {
      this.showError('name', `“${this.identity.rejected}” is not a valid name (${NAME_RULE}); fix it before sending.`);
      return;
    }
    const id = crypto.randomUUID();
    const message = { id, room: this.room, author: this.identity.current, text: text.trim(), sentAt: new Date().toISOString() };
    // Nothing to show for a blank text: the server refuses it and says why.
    const optimistic = message.text === '' ? [] : [{ streamName: STREAMS.chat, groupId: this.room, itemId: id, ops: [{ type: 'set' as const, path: '', value: message }] }];
    this.client.mutate('chat.post', { id, room: this.room, text }, { optimistic }).catch((error: unknown) => {
      this.showError('refused', error instanceof MutationRejectedError ? error.error.message : 'The message was not sent.');
      // The text comes back to be fixed, unless something else was typed meanwhile.
      if (this.el.input.value === '') this.el.input.value = text;
    });
    this.el.input.value = '';
    this.stopTyping();
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
