import type { Server } from 'node:http';
import { type Chromium, describeInChromium, launchChromium, servePage } from '../support/chromium';
import { browserDriver, MOTIA_BROWSER_ENTRY } from './motia-client.drivers';
import { describeMotiaScenarios } from './motia-scenarios';

// The real @motiadev/stream-client-browser from npm (issue 14), bundled by esbuild, in Debian's Chromium.
describeInChromium('Motia browser client in Chromium', () => {
  let browser: Chromium;
  let page: { url: string; server: Server };
  const pageErrors: string[] = [];

  beforeAll(async () => {
    page = await servePage(MOTIA_BROWSER_ENTRY);
    browser = await launchChromium();
  }, 25_000);

  afterEach(() => {
    // A script error in the page (the client included) fails the test that caused it.
    expect(pageErrors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    page?.server.close();
  });

  describeMotiaScenarios('browser', (url) => browserDriver(browser.context, page.url, url, pageErrors));
});
