import { IsNotEmpty, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { MESSAGE_MAX_LENGTH, ROOM_PATTERN } from '../../shared/demo-streams';
import { Trim } from './trim.transform';

/** Args of the `chat.post` mutation: the author is the connection's user, not an argument. */
export class ChatPostDto {
  /** Made by the page, so its optimistic copy and the stored message are one item. */
  @IsUUID()
  id!: string;

  @Matches(ROOM_PATTERN, { message: 'room must be 1-32 lower-case letters, digits or dashes' })
  room!: string;

  @Trim()
  @IsString()
  @IsNotEmpty({ message: 'text must not be empty' })
  @MaxLength(MESSAGE_MAX_LENGTH)
  text!: string;
}
