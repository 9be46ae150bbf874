/**
 * A fleet of headless Chromium workers driven by Playwright: each worker is a page in its own
 * browser context (its own renderer process) opened at the coordinator's /worker.html.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import type { Backend } from '../shared/protocol.ts';
import { WanRelay, type LinkProfile } from './wanRelay.ts';
import { ChoiceCache } from './choiceCache.ts';

/** Longest wait for the first tab's backend choice before the other tabs open anyway. */
const FIRST_CHOICE_WAIT_MS = 60_000;

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

/**
 * findChromium, else Playwright's own Chromium, downloaded now (`playwright-core install chromium`,
 * into Playwright's cache) when the network allows; else an error saying how to get one.
 */
export async function ensureChromium(say: (line: string) => void): Promise<string> {
  try {
    return findChromium();
  } catch (e) {
    if (process.env.TABSWARM_CHROMIUM) throw e;
  }
  say('tabswarm: no Chromium found: downloading Playwright\'s (playwright-core install chromium)');
  const cli = join(dirname(createRequire(import.meta.url).resolve('playwright-core')), 'cli.js');
  const code = await new Promise<number | null>((resolve) => {
    spawn(process.execPath, [cli, 'install', 'chromium'], { stdio: ['ignore', 'inherit', 'inherit'] }).on('close', resolve).on('error', () => resolve(null));
  });
  if (code === 0) return findChromium();
  throw new Error('no Chromium found, and downloading Playwright\'s failed: install one (`apt-get install chromium` or `npx playwright install chromium`) or set TABSWARM_CHROMIUM to its path');
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
  /**
   * Opens the worker tabs as plain browser tabs that Playwright does not track (`pages` stays
   * empty; console errors and crashes still reach `onLog`). Playwright copies every WebSocket
   * frame of a page it tracks to Node, base64-encoded: about 1 ms more per push round trip and
   * CPU taken from the coordinator's process. A volunteer's browser does none of that, so runs use
   * plain tabs, and tests that drive their pages leave this off.
   */
  plain?: boolean;
  /**
   * Emulated network between each tab and the coordinator (one entry per tab, or one for all;
   * missing = direct). Such a tab talks to the coordinator through its own WanRelay and is opened
   * at http://127.0.0.1:<relay port>, which keeps it a secure context. Needs an http:// url.
   */
  link?: LinkProfile | (LinkProfile | undefined)[];
  /**
   * Lets the caller handle SIGINT and SIGTERM itself (default: Playwright's handlers, which close the
   * browser on either and exit the process on SIGINT). `tabswarm start` ends its run on them and then
   * stops the fleet, so the browser must outlive the signal.
   */
  ownSignals?: boolean;
  /**
   * Further Chromium flags, e.g. `--ignore-certificate-errors` for a coordinator's self-signed
   * certificate, or `--host-resolver-rules=MAP name 127.0.0.1` to reach this machine's coordinator
   * by the name its certificate is for.
   */
  chromiumArgs?: string[];
  /** The run's join token, passed to each tab as ?token=. */
  token?: string;
  /**
   * Reopens a plain tab whose page crashed or was closed (after restartDelayMs), as a volunteer
   * would reload it; `onLog` hears of each restart.
   */
  restartTabs?: boolean;
  restartDelayMs?: number;
  /** Called if the browser goes away (crashed, killed) other than by stop(). */
  onBrowserClosed?: () => void;
  /**
   * A file that carries the tabs' remembered backend choices across launches (choiceCache.ts), so
   * that tabs skip timing backends once this browser on this device has timed them; none when undefined.
   */
  rememberChoices?: string;
}

/** A plain tab: its DevTools target and session, and the replies its commands wait for. */
interface PlainTab {
  index: number;
  url: string;
  targetId: string;
  browserContextId: string;
  sessionId: string;
  nextId: number;
  replies: Map<number, { resolve: (result: unknown) => void; reject: (e: Error) => void }>;
  onLog: (line: string) => void;
  /** Times this tab was reopened after a crash or a close. */
  restarts: number;
  /** What its page showed when last asked. */
  shown: TabStatus;
}

/** A worker page's status fields: each [data-testid] element's text, by its test id (e.g. worker-state). */
export type TabStatus = Record<string, string>;

const READ_STATUS = `JSON.stringify(Object.fromEntries(Array.from(document.querySelectorAll('[data-testid]'), (e) => [e.dataset.testid, (e.textContent || '').trim()])))`;

/** The parts of a plain tab's DevTools messages that its watcher reads (command replies have an id, events a method). */
interface DevToolsMessage {
  id?: number;
  result?: { result?: { value?: unknown }; exceptionDetails?: { text: string } };
  error?: { message: string };
  method?: string;
  params?: {
    type?: string; // Runtime.consoleAPICalled
    args?: { value?: unknown; description?: string }[];
    exceptionDetails?: { text: string; exception?: { description?: string } }; // Runtime.exceptionThrown
  };
}

export class Fleet {
  readonly pages: Page[] = [];
  private browser: Browser | null = null;
  /** The browser-level DevTools session that opens and watches plain tabs. */
  private cdp: CDPSession | null = null;
  /** The plain tabs by index, and by their DevTools session id. */
  private readonly plainTabs: PlainTab[] = [];
  private readonly plainBySession = new Map<string, PlainTab>();
  private stopping = false;
  /** Per tab, its WAN relay (null = direct to the coordinator). */
  private readonly tabRelays: (WanRelay | null)[] = [];
  private readonly choices: ChoiceCache | null;
  /** Ends start()'s wait for tab 0's backend choice (see start()). */
  private firstChosen: (() => void) | null = null;

  constructor(private readonly opts: FleetOptions) {
    this.choices = opts.rememberChoices ? new ChoiceCache(opts.rememberChoices) : null;
  }

  async start(): Promise<Page[]> {
    this.stopping = false;
    await this.choices?.load();
    this.browser = await chromium.launch({
      executablePath: await ensureChromium((line) => console.error(line)), headless: this.opts.headless ?? true, args: [...CHROMIUM_ARGS, ...(this.opts.chromiumArgs ?? [])],
      ...(this.opts.ownSignals ? { handleSIGINT: false, handleSIGTERM: false } : {}),
    });
    this.browser.on('disconnected', () => { if (!this.stopping) this.opts.onBrowserClosed?.(); });
    for (let i = 0; i < this.opts.workers; i++) {
      // With remembered choices the first tab chooses alone: if it must time the backends, it does so
      // without the other tabs' timing beside it (one GPU process compiles every tab's shaders in turn),
      // and the other tabs then start from its choice.
      const chosen = i === 0 && this.choices && this.opts.workers > 1 ? this.firstChoice() : null;
      await this.open(i);
      await chosen;
    }
    return this.pages;
  }

  /** Resolves when tab 0 says which backend it uses or fails, or after FIRST_CHOICE_WAIT_MS. */
  private firstChoice(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.firstChosen = null;
        resolve();
      };
      const timer = setTimeout(done, FIRST_CHOICE_WAIT_MS);
      this.firstChosen = done;
    });
  }

  /** Opens worker tab `i`. */
  private async open(i: number): Promise<void> {
    const b = Array.isArray(this.opts.backend) ? this.opts.backend[i] : this.opts.backend;
    const query = new URLSearchParams();
    if (b) query.set('backend', b);
    const delay = this.opts.delays?.[i] ?? 0;
    if (delay > 0) query.set('delay', String(delay));
    if (this.opts.token) query.set('token', this.opts.token);
    const path = `/worker.html${query.size ? `?${query}` : ''}`;
    const onLog = (line: string) => {
      if (i === 0 && /^(tabswarm: backend |page error|page crashed|console error)/.test(line)) this.firstChosen?.();
      this.opts.onLog?.(i, line);
    };
    const origin = await this.relayOrigin(i);
    if (this.opts.plain) await this.plainTab(i, origin + path, onLog);
    else this.pages.push(await this.page(path, onLog, origin));
  }

  /** Starts tab `i`'s relay when it has a link, and returns the origin the tab should open. */
  private async relayOrigin(i: number): Promise<string> {
    const link = Array.isArray(this.opts.link) ? this.opts.link[i] : this.opts.link;
    if (!link) {
      this.tabRelays[i] = null;
      return this.opts.url;
    }
    const url = new URL(this.opts.url);
    // The relay passes bytes through as they are; it cannot stand in front of TLS under another origin.
    if (url.protocol !== 'http:') throw new Error(`fleet: a tab link needs an http:// coordinator url, got ${this.opts.url}`);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const relay = new WanRelay({ target: { host, port: Number(url.port || 80) }, link, seed: i + 1 });
    this.tabRelays[i] = relay;
    return `http://127.0.0.1:${await relay.start()}`;
  }

  /** Per tab, its WAN relay (null where the tab has no link), e.g. to read the bytes it carried. */
  relays(): (WanRelay | null)[] {
    return [...this.tabRelays];
  }

  /**
   * Opens a page in a browser context made through DevTools, which Playwright leaves alone, and
   * watches it through its own session with only the Runtime and Inspector domains on (no network events), and
   * the Page domain where it seeds remembered backend choices (a few events while the page loads).
   */
  private async plainTab(index: number, url: string, onLog: (line: string) => void, restarts = 0): Promise<void> {
    const cdp = this.cdp ??= await this.watchPlainTabs();
    const { browserContextId } = await cdp.send('Target.createBrowserContext');
    const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank', browserContextId });
    // Not flattened: the session's messages then travel inside this browser-level session's.
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: false });
    const tab: PlainTab = { index, url, targetId, browserContextId, sessionId, nextId: 0, replies: new Map(), onLog, restarts, shown: {} };
    this.plainTabs[index] = tab;
    this.plainBySession.set(sessionId, tab);
    await this.send(tab, 'Runtime.enable');
    await this.send(tab, 'Inspector.enable');
    if (this.choices) {
      await this.send(tab, 'Page.enable');
      // Before the navigation, so that the page's first script finds the choices.
      await this.send(tab, 'Page.addScriptToEvaluateOnNewDocument', { source: this.choices.seedScript() });
    }
    await this.send(tab, 'Page.navigate', { url });
  }

  /** Sends a DevTools command to a plain tab and waits for its reply. */
  private async send(tab: PlainTab, method: string, params: object = {}): Promise<DevToolsMessage['result']> {
    const id = ++tab.nextId;
    const reply = new Promise<unknown>((resolve, reject) => tab.replies.set(id, { resolve, reject }));
    // Awaited together: a tab lost while the message is being sent rejects its reply, which then
    // already has a handler (alone, that rejection was unhandled and ended the process).
    const [, result] = await Promise.all([
      this.cdp!.send('Target.sendMessageToTarget', { sessionId: tab.sessionId, message: JSON.stringify({ id, method, params }) }),
      reply,
    ]);
    return result as DevToolsMessage['result'];
  }

  /**
   * Each tab's status as its worker page shows it (the page's [data-testid] fields, see TabStatus),
   * with how often the fleet reopened it; null for a tab being reopened. Plain tabs only.
   */
  async tabStatus(): Promise<({ fields: TabStatus; restarts: number } | null)[]> {
    return Promise.all(this.plainTabs.map(async (tab) => {
      if (!tab || this.plainBySession.get(tab.sessionId) !== tab) return null;
      const answer = this.send(tab, 'Runtime.evaluate', { expression: READ_STATUS, returnByValue: true })
        .then((r) => { tab.shown = JSON.parse(String(r?.result?.value ?? '{}')) as TabStatus; }, () => undefined);
      // A busy or hung renderer may not reply soon: its last answer stands meanwhile.
      await Promise.race([answer, new Promise<void>((r) => setTimeout(r, 2000).unref())]);
      return { fields: tab.shown, restarts: tab.restarts };
    }));
  }

  /** Opens plain tab `i`'s worker page again (e.g. after the coordinator could not be reached). */
  async reload(i: number): Promise<void> {
    const tab = this.plainTabs[i];
    if (tab && this.plainBySession.get(tab.sessionId) === tab) await this.send(tab, 'Page.navigate', { url: tab.url });
  }

  /** A plain tab crashed or was closed: forgets it and, with restartTabs, reopens it after a pause. */
  private lost(tab: PlainTab, what: string): void {
    if (this.stopping || this.plainBySession.get(tab.sessionId) !== tab) return;
    this.plainBySession.delete(tab.sessionId);
    for (const r of tab.replies.values()) r.reject(new Error(`tab ${what}`));
    tab.replies.clear();
    tab.onLog(what === 'crashed' ? 'page crashed' : 'page closed');
    // The crashed target and its context are left behind: close them (a closed one is gone already).
    void this.cdp?.send('Target.closeTarget', { targetId: tab.targetId }).catch(() => undefined)
      .then(() => this.cdp?.send('Target.disposeBrowserContext', { browserContextId: tab.browserContextId }).catch(() => undefined));
    if (!this.opts.restartTabs) return;
    setTimeout(() => {
      if (this.stopping) return;
      tab.onLog(`reopening the tab (restart ${tab.restarts + 1})`);
      this.plainTab(tab.index, tab.url, tab.onLog, tab.restarts + 1).catch((e: unknown) => {
        if (!this.stopping) tab.onLog(`cannot reopen the tab: ${e instanceof Error ? e.message : String(e)}`);
      });
    }, this.opts.restartDelayMs ?? 1000).unref();
  }

  private async watchPlainTabs(): Promise<CDPSession> {
    const cdp = await this.browser!.newBrowserCDPSession();
    cdp.on('Target.detachedFromTarget', ({ sessionId }) => {
      const tab = this.plainBySession.get(sessionId);
      if (tab) this.lost(tab, 'closed');
    });
    cdp.on('Target.receivedMessageFromTarget', ({ sessionId, message }) => {
      const tab = this.plainBySession.get(sessionId);
      if (!tab) return;
      const { id, result, error, method, params } = JSON.parse(message) as DevToolsMessage;
      if (id !== undefined) {
        const waiting = tab.replies.get(id);
        tab.replies.delete(id);
        if (error) waiting?.reject(new Error(error.message));
        else waiting?.resolve(result);
      } else if (method === 'Runtime.consoleAPICalled' && params?.type === 'info') {
        this.info((params.args ?? []).map((a) => a.value), tab.onLog);
      } else if (method === 'Runtime.consoleAPICalled' && params?.type === 'error') {
        tab.onLog(`console error: ${(params.args ?? []).map((a) => a.description ?? String(a.value)).join(' ')}`);
      } else if (method === 'Runtime.exceptionThrown' && params?.exceptionDetails) {
        tab.onLog(`page error: ${params.exceptionDetails.exception?.description ?? params.exceptionDetails.text}`);
      } else if (method === 'Inspector.targetCrashed') {
        this.lost(tab, 'crashed');
      }
    });
    return cdp;
  }

  /**
   * A tab's console.info line: a backend choice to remember, or a line of the worker page's own
   * ("tabswarm: ..." alone, e.g. that it times backends) for the log.
   */
  private info(args: unknown[], onLog: (line: string) => void): void {
    if (this.choices?.take(args, (e) => onLog(`cannot save backend choices: ${String(e)}`))) return;
    if (args.length === 1 && typeof args[0] === 'string' && args[0].startsWith('tabswarm: ')) onLog(args[0]);
  }

  /**
   * Opens any page of the coordinator in a fresh browser context (its own renderer process);
   * `origin` is the coordinator's url or a relay's in front of it.
   */
  async page(path: string, onLog?: (line: string) => void, origin = this.opts.url): Promise<Page> {
    if (!this.browser) throw new Error('fleet not started');
    const context = await this.browser.newContext();
    if (this.choices) await context.addInitScript(this.choices.seedScript());
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') onLog?.(`console error: ${m.text()}`);
      if (m.type() === 'info') void Promise.all(m.args().map((a) => a.jsonValue())).then((args) => this.info(args, (line) => onLog?.(line)), () => {});
    });
    page.on('pageerror', (e) => onLog?.(`page error: ${e.message}`));
    page.on('crash', () => onLog?.('page crashed'));
    await page.goto(origin + path);
    return page;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.choices?.flushed();
    await this.browser?.close();
    this.browser = null;
    this.cdp = null;
    this.plainBySession.clear();
    this.plainTabs.length = 0;
    await Promise.all(this.tabRelays.map((r) => r?.stop()));
    this.tabRelays.length = 0;
  }
}
