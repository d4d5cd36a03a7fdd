/** How long "… is typing" stays up after the last typing event of someone. */
const TYPING_TTL_MS = 3000;

/** Who is typing right now, from `typing` custom events that each expire on their own. */
export class TypingTracker {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly onChange: (authors: string[]) => void) {}

  typing(author: string): void {
    clearTimeout(this.timers.get(author));
    this.timers.set(author, setTimeout(() => this.stopped(author), TYPING_TTL_MS));
    this.onChange(this.authors);
  }

  stopped(author: string): void {
    clearTimeout(this.timers.get(author));
    if (this.timers.delete(author)) this.onChange(this.authors);
  }

  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.onChange([]);
  }

  private get authors(): string[] {
    return [...this.timers.keys()];
  }
}
