// Bundled by esbuild into the page: the real browser client from npm plus the shared harness.
import { Stream } from '@motiadev/stream-client-browser';
import { createMotiaHarness, type MotiaHarness, type MotiaStream } from './motia-harness';

declare global {
  var motia: MotiaHarness | undefined;
  var startMotia: (url: string) => void;
}

globalThis.startMotia = (url) => {
  globalThis.motia = createMotiaHarness(new Stream(url) as unknown as MotiaStream);
};
