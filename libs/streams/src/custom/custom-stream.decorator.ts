import { SetMetadata } from '@nestjs/common';
import { CUSTOM_STREAM_METADATA } from '../streams.constants';

/** Marks a provider implementing `CustomStream` as the backing store of `streamName`; found at bootstrap. */
export const CustomStreamProvider = (streamName: string): ClassDecorator => SetMetadata(CUSTOM_STREAM_METADATA, streamName);
