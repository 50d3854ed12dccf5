import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { request } from '../support/httpClient';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

/**
 * A real browser (headless Chromium from the devDependency @sparticuz/chromium, driven by
 * playwright-core) uses the service end to end through the gateway's page: the live list fed by
 * Server-Sent Events, and the create form.
 */
let dir: string;
let server: ServerProcess;
let base: string;
let browser: Browser;
let page: Page;
const unique = () => Math.random().toString(36).slice(2, 10);

beforeAll(async () => {
  dir = tempDir('browser');
  server = await startServer(dir);
  base = `http://${server.httpAddr}`;
  // Not a skip: without the browser (a broken install, a wrong CHROMIUM_PATH) this suite fails.
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${base}/`);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) removeDir(dir);
});

const rowOf = (email: string) => page.locator('#users tr', { hasText: email });

it('shows the live feed, and a user created from the form appears in the list', async () => {
  await page.waitForSelector('body[data-live="true"]', { timeout: 15_000 });
  const email = `${unique()}@browser.example`;
  await page.fill('input[name=email]', email);
  await page.fill('input[name=name]', 'Grace Hopper');
  await page.selectOption('select[name=plan]', 'USER_PLAN_ENTERPRISE');
  await page.click('button[type=submit]');
  // The row comes from the SSE feed, not from the POST's answer: the page only renders the feed.
  await rowOf(email).waitFor({ timeout: 10_000 });
  expect(await rowOf(email).locator('td').allTextContents()).toEqual([email, 'Grace Hopper', 'ENTERPRISE', '1']);
});

it('shows changes made by other clients as they happen', async () => {
  const email = `${unique()}@elsewhere.example`;
  const created = await request(base, 'POST', '/v1/users', { body: { email, name: 'From curl' } });
  await rowOf(email).waitFor({ timeout: 10_000 });
  await request(base, 'PATCH', `/v1/users/${created.json.id}?updateMask=name`, { body: { name: 'Renamed elsewhere' } });
  await page.locator('#users tr', { hasText: 'Renamed elsewhere' }).waitFor({ timeout: 10_000 });
  await request(base, 'DELETE', `/v1/users/${created.json.id}`);
  await rowOf(email).waitFor({ state: 'detached', timeout: 10_000 });
});

it("shows the gateway's error message when the email is taken", async () => {
  const email = `${unique()}@twice.example`;
  await request(base, 'POST', '/v1/users', { body: { email, name: 'First' } });
  await page.fill('input[name=email]', email);
  await page.fill('input[name=name]', 'Second');
  await page.click('button[type=submit]');
  await page.locator('#error', { hasText: '409' }).waitFor({ timeout: 10_000 });
  expect(await page.textContent('#error')).toMatch(/^409: email ".+" is already taken/);
});
