import { Emitter } from './emitter';

describe('Emitter', () => {
  afterEach(() => jest.restoreAllMocks());

  it('calls listeners of the type in order until they unsubscribe', () => {
    const emitter = new Emitter<{ a: number; b: string }>();
    const calls: string[] = [];
    const off = emitter.on('a', (n) => calls.push(`first ${n}`));
    emitter.on('a', (n) => calls.push(`second ${n}`));
    emitter.on('b', (s) => calls.push(`b ${s}`));
    emitter.emit('a', 1);
    off();
    emitter.emit('a', 2);
    expect(calls).toEqual(['first 1', 'second 1', 'second 2']);
  });

  it('a throwing listener does not stop the others; its error surfaces on a later microtask', async () => {
    const emitter = new Emitter<{ a: number }>();
    const reported = new Promise<unknown>((resolve) => {
      jest.spyOn(globalThis, 'queueMicrotask').mockImplementationOnce((task) => {
        try {
          task();
        } catch (error) {
          resolve(error);
        }
      });
    });
    const after = jest.fn();
    emitter.on('a', () => {
      throw new Error('listener bug');
    });
    emitter.on('a', after);
    emitter.emit('a', 1);
    expect(after).toHaveBeenCalledWith(1);
    expect(await reported).toEqual(new Error('listener bug'));
  });
});
