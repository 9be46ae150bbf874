/**
 * A fleet of headless Chromium workers driven by Playwright: each worker is a page in its own
 * browser context (its own renderer process) opened at the coordinator's /worker.html.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright';
import type { Backend } from '../shared/protocol.ts';

/** Flags that work as root on a machine without network access; WebGPU needs the unsafe flag. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/** TABSWARM_CHROMIUM, else Playwright's own browser if installed, else a system Chromium. */
export function findChromium(): string {
  const explicit = process.env.TABSWARM_CHROMIUM;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`TABSWARM_CHROMIUM=${explicit} does not exist`);
    return explicit;
  }
  const candidates = [chromium.executablePath(), '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
  const found = candidates.find((p) => p && existsSync(p));
  if (!found) {
    throw new Error('no Chromium found: install one (`apt-get install chromium` or `npx playwright install chromium`) or set TABSWARM_CHROMIUM to its path');
  }
  return found;
}

export interface FleetOptions {
  /** Coordinator origin, e.g. http://localhost:3000 (localhost keeps WebGPU's secure context). */
  url: string;
  workers: number;
  /** Forces every tab's backend; per-tab choice when undefined (or a list, one per tab). */
  backend?: Backend | (Backend | undefined)[];
  /** Simulated slow devices: extra ms per full-size gradient, one entry per tab (missing = 0). */
  delays?: number[];
  headless?: boolean;
  /** Called with each page's console errors and crashes. */
  onLog?: (worker: number, line: string) => void;
}

export class Fleet {
  readonly pages: Page[] = [];
  private browser: Browser | null = null;

  constructor(private readonly opts: FleetOptions) {}

  async start(): Promise<Page[]> {
    this.browser = await chromium.launch({ executablePath: findChromium(), headless: this.opts.headless ?? true, args: CHROMIUM_ARGS });
    for (let i = 0; i < this.opts.workers; i++) await this.open();
    return this.pages;
  }

  /** Opens one more worker tab. */
  async open(backend?: Backend): Promise<Page> {
    const i = this.pages.length;
    const b = backend ?? (Array.isArray(this.opts.backend) ? this.opts.backend[i] : this.opts.backend);
    const query = new URLSearchParams();
    if (b) query.set('backend', b);
    const delay = this.opts.delays?.[i] ?? 0;
    if (delay > 0) query.set('delay', String(delay));
    const page = await this.page(`/worker.html${query.size ? `?${query}` : ''}`, (line) => this.opts.onLog?.(i, line));
    this.pages.push(page);
    return page;
  }

  /** Opens any page of the coordinator in a fresh browser context (its own renderer process). */
  async page(path: string, onLog?: (line: string) => void): Promise<Page> {
    if (!this.browser) throw new Error('fleet not started');
    const context = await this.browser.newContext();
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') onLog?.(`console error: ${m.text()}`); });
    page.on('pageerror', (e) => onLog?.(`page error: ${e.message}`));
    page.on('crash', () => onLog?.('page crashed'));
    await page.goto(this.opts.url + path);
    return page;
  }

  async stop(): Promise<void> {
    await this.browser?.close();
    this.browser = null;
  }
}
