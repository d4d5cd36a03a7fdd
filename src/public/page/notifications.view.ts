import { STREAMS } from '../../shared/demo-streams';
import type { DemoClient, DemoGroup } from './demo-client';
import { h } from './dom.helpers';
import { timeOf } from './format.helpers';
import type { IdentityStore } from './identity.store';
import { avatar } from './message.render';

export interface NotificationElements {
  list: HTMLOListElement;
  count: HTMLElement;
  tag: HTMLElement;
}

/** The notifications card: a subscription to the `notifications` group named after the current user. */
export class NotificationsView {
  private subscription: DemoGroup<'notifications'> | null = null;

  constructor(
    private readonly client: DemoClient,
    private readonly identity: IdentityStore,
    private readonly el: NotificationElements,
  ) {}

  mount(): void {
    this.identity.onChange(() => this.follow());
    this.follow();
  }

  private follow(): void {
    this.subscription?.close();
    const user = this.identity.current;
    this.el.tag.textContent = `${STREAMS.notifications} / ${user}`;
    this.subscription = this.client.subscribeGroup(STREAMS.notifications, user);
    this.subscription.on('change', () => this.render());
    this.render();
  }

  private render(): void {
    const notifications = [...(this.subscription?.values ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    this.el.count.textContent = String(notifications.length);
    this.el.count.hidden = notifications.length === 0;
    this.el.list.replaceChildren(
      ...notifications.map((n) =>
        h(
          'li',
          { className: 'notification' },
          avatar(n.from),
          h(
            'div',
            { className: 'notification-body' },
            h('p', {}, h('strong', { text: n.from }), ` mentioned you in `, h('strong', { text: `#${n.room}` })),
            h('p', { className: 'notification-text', text: n.text }),
            h('time', { text: timeOf(n.createdAt), attrs: { datetime: n.createdAt } }),
          ),
        ),
      ),
    );
    if (notifications.length === 0) {
      this.el.list.append(h('li', { className: 'empty', text: `Nobody has mentioned you yet. Ask someone to write @${this.identity.current} in the chat.` }));
    }
  }
}
