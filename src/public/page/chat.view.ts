import { CHAT_ROOMS, STREAMS } from '../../shared/demo-streams';
import type { DemoClient, DemoGroup } from './demo-client';
import { h } from './dom.helpers';
import type { IdentityStore } from './identity.store';
import { renderMessage } from './message.render';
import { ApiError, postMessage, postTyping } from './page.api';
import { TypingTracker } from './typing.tracker';

/** At most one typing event per this interval while someone types. */
const TYPING_THROTTLE_MS = 1500;

export interface ChatElements {
  rooms: HTMLElement;
  messages: HTMLOListElement;
  typing: HTMLElement;
  form: HTMLFormElement;
  input: HTMLInputElement;
  error: HTMLElement;
}

/**
 * The chat card: one group subscription per open room (messages are its mirror, `typing` its custom
 * event); posting goes through the REST API, and the message comes back over the stream like everyone's.
 */
export class ChatView {
  private room: string = CHAT_ROOMS[0];
  private subscription: DemoGroup<'chat-messages'> | null = null;
  private readonly typing: TypingTracker;
  private lastTypingSent = 0;

  constructor(
    private readonly client: DemoClient,
    private readonly identity: IdentityStore,
    private readonly el: ChatElements,
  ) {
    this.typing = new TypingTracker((authors) => this.renderTyping(authors));
  }

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
    this.el.input.addEventListener('input', () => this.announceTyping());
    this.identity.onChange(() => this.renderMessages());
    this.open(this.room);
  }

  private open(room: string): void {
    this.subscription?.close();
    this.typing.clear();
    this.room = room;
    for (const tab of this.el.rooms.querySelectorAll<HTMLElement>('[data-room]')) tab.setAttribute('aria-selected', String(tab.dataset.room === room));
    this.el.input.placeholder = `Message #${room} (mention someone with @name)`;
    const subscription = this.client.subscribeGroup(STREAMS.chat, room);
    subscription.on('change', (change) => {
      if (change.type === 'create') this.typing.stopped(change.value.author);
      this.renderMessages();
    });
    subscription.onEvent('typing', ({ author }) => {
      if (author !== this.identity.current) this.typing.typing(author);
    });
    this.subscription = subscription;
    this.renderMessages();
  }

  private renderMessages(): void {
    const list = this.el.messages;
    const messages = [...(this.subscription?.values ?? [])].sort((a, b) => a.sentAt.localeCompare(b.sentAt));
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren(...messages.map((message) => renderMessage(message, this.identity.current)));
    if (messages.length === 0) list.append(h('li', { className: 'empty', text: `No messages in #${this.room} yet. Say hello!` }));
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  private renderTyping(authors: string[]): void {
    this.el.typing.textContent =
      authors.length === 0 ? '' : authors.length === 1 ? `${authors[0]} is typing…` : `${authors.slice(0, -1).join(', ')} and ${authors.at(-1)} are typing…`;
  }

  private async send(): Promise<void> {
    const text = this.el.input.value;
    this.el.error.textContent = '';
    try {
      await postMessage(this.room, this.identity.current, text);
      this.el.input.value = '';
      this.lastTypingSent = 0;
    } catch (error) {
      this.el.error.textContent = error instanceof ApiError ? error.messages.join(' · ') : 'Could not send the message; is the server running?';
    }
  }

  private announceTyping(): void {
    const now = Date.now();
    if (this.el.input.value.trim() === '' || now - this.lastTypingSent < TYPING_THROTTLE_MS) return;
    this.lastTypingSent = now;
    // Best effort: a lost typing indicator is not worth an error message.
    postTyping(this.room, this.identity.current).catch(() => undefined);
  }
}
