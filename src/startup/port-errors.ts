/** A startup failure with a message meant for the person running the demo (printed without a stack). */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export interface ListenerRole {
  /** What fails to start, e.g. "HTTP server". */
  role: string;
  port: number;
  /** The environment variable that moves it. */
  variable: string;
}

function errnoCode(error: unknown): string | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) return code;
  }
  return undefined;
}

/** Runs a listen step; a taken or forbidden port becomes a StartupError that says what to do. */
export async function explainPortErrors<T>(listener: ListenerRole, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    const { role, port, variable } = listener;
    const next = port === 65535 ? 0 : port + 1;
    switch (errnoCode(error)) {
      case 'EADDRINUSE':
        throw new StartupError(
          `Port ${port} is already in use, so the ${role} cannot start. Stop the program using it ` +
            `(another copy of this demo? see \`lsof -i :${port}\`) or choose another port: ${variable}=${next} npm start`,
          { cause: error },
        );
      case 'EACCES':
        throw new StartupError(`The ${role} is not allowed to listen on port ${port}. Use a port above 1023: ${variable}=${port < 1024 ? 3000 + port : next} npm start`, { cause: error });
      default:
        throw error;
    }
  }
}
