import { Injectable } from '@nestjs/common';
import { OnStreamChange, OnStreamJoin, type StreamChangeFrame, type StreamSubscriptionPayload } from 'nest-realtime-streams';

/** Records what the decorated handlers saw, for the report. */
@Injectable()
export class StreamHooks {
  readonly changes: string[] = [];
  readonly joins: string[] = [];

  @OnStreamChange({ stream_name: 'todos' })
  onTodo(frame: StreamChangeFrame): void {
    this.changes.push(`${frame.event.type} ${frame.groupId}/${frame.id}`);
  }

  @OnStreamJoin({ stream_name: 'todos' })
  onJoin(payload: StreamSubscriptionPayload): void {
    this.joins.push(`${payload.stream_name}/${payload.group_id}`);
  }
}
