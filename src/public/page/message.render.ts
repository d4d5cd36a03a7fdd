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

export function renderMessage(message: ChatMessage, me: string): HTMLLIElement {
  const mine = message.author === me;
  return h(
    'li',
    { className: mine ? 'message message-mine' : 'message', attrs: { 'data-id': message.id } },
    avatar(message.author),
    h(
      'div',
      { className: 'message-body' },
      h('div', { className: 'message-meta' }, h('strong', { text: mine ? `${message.author} (you)` : message.author }), h('time', { text: timeOf(message.sentAt), attrs: { datetime: message.sentAt } })),
      messageText(message.text, me),
    ),
  );
}
