import { AppendMethodMetadata } from './append-metadata';
import { ON_STREAM_CHANGE_METADATA } from '../../streams.constants';

export interface OnStreamChangeOptions {
  /** Required: the stream whose changes run the handler. */
  stream_name: string;
  /** Only this group (absent or `''`: any group). */
  group_id?: string;
  /** Only this item id (absent or `''`: any item, and item-less custom events). */
  item_id?: string;
}

/**
 * Runs the method on every create/update/delete/custom event of the stream matching the filter, with the
 * published frame. The writer never waits for it; a failure is logged and changes nothing.
 */
export function OnStreamChange(options: OnStreamChangeOptions): MethodDecorator {
  return AppendMethodMetadata(ON_STREAM_CHANGE_METADATA, options);
}
