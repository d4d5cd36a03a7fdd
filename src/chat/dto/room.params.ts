import { Matches } from 'class-validator';
import { ROOM_PATTERN } from '../../shared/demo-streams';

export class RoomParams {
  @Matches(ROOM_PATTERN, { message: 'room must be 1-32 lower-case letters, digits or dashes' })
  room!: string;
}
