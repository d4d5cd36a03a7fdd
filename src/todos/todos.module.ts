import { Module } from '@nestjs/common';
import { TodoMutations } from './todo.mutations';

@Module({ providers: [TodoMutations] })
export class TodosModule {}
