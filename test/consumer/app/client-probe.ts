import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { StreamsClient } from 'nest-realtime-streams-client';
import WebSocket from 'ws';

interface Todo {
  id: string;
  title: string;
}

/** The typed client package, used from inside the app (Node 20 needs `ws` handed to it). */
@Injectable()
export class ClientProbe implements OnApplicationShutdown {
  readonly created: string[] = [];
  private client: StreamsClient<{ todos: { item: Todo } }> | null = null;

  start(url: string): void {
    this.client = new StreamsClient<{ todos: { item: Todo } }>({ url, WebSocket });
    this.client.subscribeGroup('todos', 'list').on('change', (change) => {
      if (change.type === 'create') this.created.push(change.value.title);
    });
  }

  onApplicationShutdown(): void {
    this.client?.close();
  }
}
