import { applyDecorators } from '@nestjs/common';
import { IsString, Matches } from 'class-validator';
import { USER_NAME_PATTERN } from '../../shared/demo-streams';
import { Trim } from './trim.transform';

/** A user name: 1-24 lower-case letters, digits, `_` or `-` (it doubles as a notification group id). */
export const AuthorField = () =>
  applyDecorators(Trim(), IsString(), Matches(USER_NAME_PATTERN, { message: 'author must be 1-24 lower-case letters, digits, _ or -' }));
