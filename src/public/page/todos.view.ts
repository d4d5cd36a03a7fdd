import { MutationRejectedError } from 'nest-realtime-streams-client';
import { STREAMS, type Todo, TODO_GROUP } from '../../shared/demo-streams';
import type { DemoClient, DemoGroup } from './demo-client';
import { h } from './dom.helpers';
import type { OfflineSwitch } from './offline.switch';

export interface TodoElements {
  list: HTMLOListElement;
  form: HTMLFormElement;
  input: HTMLInputElement;
  pending: HTMLElement;
  offline: HTMLInputElement;
  error: HTMLElement;
}

const ref = (id: string) => ({ streamName: STREAMS.todos, groupId: TODO_GROUP, itemId: id });

/**
 * The shared to-do list: every change is a client mutation (src/todos/todo.mutations.ts), shown at once and
 * marked "saving…" until the server's state includes it. The "offline" switch cuts the page's socket: changes
 * wait in the queue (kept in IndexedDB, so a reload keeps them too) and drain, in order, when it is back.
 */
export class TodosView {
  private readonly list: DemoGroup<'shared-todos'>;

  constructor(
    private readonly client: DemoClient,
    private readonly offline: OfflineSwitch,
    private readonly user: () => string,
    private readonly el: TodoElements,
  ) {
    this.list = client.subscribeGroup(STREAMS.todos, TODO_GROUP);
  }

  mount(): void {
    this.list.on('change', () => this.render());
    this.client.on('mutations', () => this.render());
    this.el.form.addEventListener('submit', (event) => {
      event.preventDefault();
      const title = this.el.input.value.trim();
      if (title === '') return;
      const id = crypto.randomUUID();
      const value: Todo = { id, title, done: false, by: this.user() };
      this.run(this.client.mutate('todo.add', { id, title }, { optimistic: { ...ref(id), ops: [{ type: 'set', path: '', value }] } }));
      this.el.input.value = '';
    });
    this.el.offline.addEventListener('change', () => {
      this.offline.set(this.el.offline.checked);
      if (!this.el.offline.checked) this.client.retry();
    });
    this.render();
  }

  private toggle(todo: Todo): void {
    const done = !todo.done;
    this.run(this.client.mutate('todo.toggle', { id: todo.id, done }, { optimistic: { ...ref(todo.id), ops: [{ type: 'set', path: 'done', value: done }] } }));
  }

  private remove(todo: Todo): void {
    this.run(this.client.mutate('todo.remove', { id: todo.id }, { optimistic: { ...ref(todo.id), delete: true } }));
  }

  /** A refused change is already rolled back in the list; the reason shows under it until the next change. */
  private run(mutation: Promise<unknown>): void {
    this.el.error.textContent = '';
    mutation.catch((error: unknown) => {
      this.el.error.textContent = error instanceof MutationRejectedError ? error.error.message : 'not saved';
    });
  }

  private render(): void {
    const pending = this.client.pendingMutations;
    this.el.pending.textContent = pending === 0 ? 'all saved' : `${pending} change${pending === 1 ? '' : 's'} waiting to sync`;
    this.el.pending.dataset.pending = String(pending > 0);
    const todos = this.list.values;
    this.el.list.replaceChildren(
      ...todos.map((todo) => {
        const box = h('input', { attrs: { type: 'checkbox', 'aria-label': `done: ${todo.title}` } });
        box.checked = todo.done;
        box.addEventListener('change', () => this.toggle(todo));
        const remove = h('button', { className: 'todo-remove', text: '×', attrs: { type: 'button', 'aria-label': `remove ${todo.title}` } });
        remove.addEventListener('click', () => this.remove(todo));
        const saving = this.list.isPending(todo.id);
        return h(
          'li',
          { className: `todo${todo.done ? ' todo-done' : ''}`, attrs: { 'data-id': todo.id } },
          h('label', {}, box, h('span', { className: 'todo-title', text: todo.title })),
          h('span', { className: 'todo-by', text: saving ? 'saving…' : todo.by }),
          remove,
        );
      }),
    );
    if (todos.length === 0) this.el.list.append(h('li', { className: 'empty', text: 'Nothing to do. Add something: every open page sees it at once.' }));
  }
}
