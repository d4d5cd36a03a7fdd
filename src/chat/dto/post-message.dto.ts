import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { MESSAGE_MAX_LENGTH } from '../../shared/demo-streams';
import { AuthorField } from './author.field';
import { Trim } from './trim.transform';

export class PostMessageDto {
  @AuthorField()
  author!: string;

  @Trim()
  @IsString()
  @IsNotEmpty({ message: 'text must not be empty' })
  @MaxLength(MESSAGE_MAX_LENGTH)
  text!: string;
}
