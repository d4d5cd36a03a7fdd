import { type ChatMessage, MENTION_PATTERN } from '../../shared/demo-streams';
import { h } from './dom.helpers';
import { hueOf, timeOf } from './format.helpers';

/** Message text with `@mentions` as chips (the one addressed to `me` stands out). */
function messageText(text: string, me: string): HTMLElement {
  // With a capture group, split puts the mentioned names at the odd indexes.
  const parts = text.split(MENTION_PATTERN).map((part, i) =>
    i % 2 === 0 ? part : h('span', { className: part.toLowerCase() === me ? 'mention mention-me' : 'mention', text: `@${part}` }),
  );
  return h('p', { className: 'message-text' }, ...parts);
}

export function avatar(name: string): HTMLElement {
  const avatarEl = h('span', { className: 'avatar', text: name.slice(0, 1).toUpperCase(), attrs: { 'aria-hidden': 'true' } });
  avatarEl.style.setProperty('--hue', String(hueOf(name)));
  return avatarEl;
}

/** A message; `pending`: this page's own, not on the server yet (shown "sending…"). */
export function renderMessage(message: ChatMessage, me: string, pending = false): HTMLLIElement {
  const mine = message.author === me;
  return h(
    'li',
    { className: `message${mine ? ' message-mine' : ''}${pending ? ' message-pending' : ''}`, attrs: { 'data-id': message.id } },
    avatar(message.author),
    h(
      'div',
      { className: 'message-body' },
      h('div', { className: 'message-meta' }, h('strong', { text: mine ? `${message.author} (you)` : message.author }), h('time', { text: pending ? 'sending…' : timeOf(message.sentAt), attrs: { datetime: message.sentAt } })),
      messageText(message.text, me),
    ),
  );
}
