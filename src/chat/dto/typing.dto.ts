import { AuthorField } from './author.field';

export class TypingDto {
  @AuthorField()
  author!: string;
}
