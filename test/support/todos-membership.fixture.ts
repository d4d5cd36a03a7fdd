import { Injectable } from '@nestjs/common';
import { OnStreamJoin, OnStreamLeave } from 'nest-realtime-streams';

/** Counts joins and leaves of the `todos` stream (the React guide's), letting every join through. */
@Injectable()
export class TodosMembership {
  joins = 0;
  leaves = 0;

  @OnStreamJoin({ stream_name: 'todos' })
  join() {
    this.joins++;
    return { unauthorized: false };
  }

  @OnStreamLeave({ stream_name: 'todos' })
  leave() {
    this.leaves++;
  }
}
