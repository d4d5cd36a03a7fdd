import { explainPortErrors, StartupError } from './port-errors';

const errno = (code: string) => Object.assign(new Error(`listen ${code}`), { code });
const http = { role: 'HTTP server', port: 3000, variable: 'PORT' };

describe('explainPortErrors', () => {
  it('passes a successful result through', async () => {
    await expect(explainPortErrors(http, async () => 'ok')).resolves.toBe('ok');
  });

  it('turns a taken port into a message naming the port, the server and the variable to change', async () => {
    const failure = explainPortErrors(http, () => Promise.reject(errno('EADDRINUSE')));
    await expect(failure).rejects.toBeInstanceOf(StartupError);
    await expect(failure).rejects.toThrow(
      'Port 3000 is already in use, so the HTTP server cannot start. Stop the program using it (another copy of this demo? see `lsof -i :3000`) or choose another port: PORT=3001 npm start',
    );
  });

  it('finds the errno code in the cause chain (the streams listener wraps it)', async () => {
    const wrapped = new Error('Streams listener could not bind 0.0.0.0:3112: EADDRINUSE', { cause: errno('EADDRINUSE') });
    await expect(explainPortErrors({ role: 'streams listener', port: 3112, variable: 'STREAMS_PORT' }, () => Promise.reject(wrapped))).rejects.toThrow(
      /Port 3112 is already in use, so the streams listener cannot start.*STREAMS_PORT=3113 npm start/,
    );
  });

  it('explains a privileged port, and rethrows anything else unchanged', async () => {
    await expect(explainPortErrors({ ...http, port: 80 }, () => Promise.reject(errno('EACCES')))).rejects.toThrow('The HTTP server is not allowed to listen on port 80. Use a port above 1023: PORT=3080 npm start');
    const other = new Error('boom');
    await expect(explainPortErrors(http, () => Promise.reject(other))).rejects.toBe(other);
  });
});
