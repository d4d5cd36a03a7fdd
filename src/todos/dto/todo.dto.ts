import { IsBoolean, IsNotEmpty, IsString, IsUUID, MaxLength } from 'class-validator';
import { TODO_TITLE_MAX_LENGTH } from '../../shared/demo-streams';
import { Trim } from '../../chat/dto/trim.transform';

export class AddTodoDto {
  @IsUUID()
  id!: string;

  @Trim()
  @IsString()
  @IsNotEmpty({ message: 'title must not be empty' })
  @MaxLength(TODO_TITLE_MAX_LENGTH)
  title!: string;
}

export class ToggleTodoDto {
  @IsUUID()
  id!: string;

  @IsBoolean()
  done!: boolean;
}

export class RemoveTodoDto {
  @IsUUID()
  id!: string;
}
