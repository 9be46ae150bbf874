/**
 * `tabswarm workers --url URL --tabs N`: contribute N headless worker tabs from any machine that
 * can reach a coordinator. The tabs run in Chromium (TABSWARM_CHROMIUM, Playwright's own browser
 * or a system one, fleet/fleet.ts) with the flags WebGPU needs; a tab that crashes or is closed is
 * reopened, and one whose page could not be loaded (the coordinator not up yet, or restarting) is
 * loaded again every few seconds; one status line per tab shows what its worker page shows; Ctrl-C
 * or SIGTERM closes the browser and exits 0 (the coordinator forgets the tabs, nothing they sent
 * is lost), a browser that dies exits 1.
 */
import { Command, Option } from 'commander';
import { BACKENDS, type Backend } from '../shared/protocol.ts';
import { ConfigError } from '../shared/config.ts';
import { Fleet, type TabStatus } from '../fleet/fleet.ts';
import { numberArg } from './args.ts';
import { logLevel, makeLog, type Log } from './log.ts';

/** A tab without its worker page this many polls (seconds) in a row loads it again. */
const RELOAD_AFTER_POLLS = 5;

interface Options {
  url: string; tabs: number; token?: string; backend?: Backend | 'auto'; headed: boolean; ignoreCertificateErrors: boolean;
  quiet: boolean; verbose: boolean;
}

export const workersCommand = (onExit: (code: number) => void) => new Command('workers')
  .description('Contribute headless worker tabs to a coordinator, from this machine or any other that reaches it.')
  .requiredOption('--url <url>', 'the coordinator, e.g. https://coordinator.lan:3000 (its /worker.html link works too, token included)')
  .option('--tabs <n>', 'worker tabs to open', numberArg('--tabs', { integer: true, min: 1 }), 1)
  .option('--token <token>', 'the run\'s join token, if it has one')
  .addOption(new Option('--backend <name>', 'force a tfjs backend on every tab (default: each tab picks the fastest)').choices([...BACKENDS, 'auto']))
  .option('--headed', 'show the browser windows', false)
  .option('--ignore-certificate-errors', 'accept the coordinator\'s certificate even if no authority signed it (a --tls-self-signed coordinator)', false)
  .option('--quiet', 'print only errors', false)
  .option('--verbose', 'also print every tab event', false)
  .exitOverride()
  .action(async (o: Options) => onExit(await workers(o)));

/** The coordinator's origin and the token a worker link carries: https://host:3000/worker.html?token=T gives both. */
export function parseWorkerUrl(text: string): { origin: string; token?: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`--url ${text}: not a URL (expected e.g. https://coordinator.lan:3000)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`--url ${text}: must be http:// or https://`);
  return { origin: url.origin, token: url.searchParams.get('token') ?? undefined };
}

/** One tab's line: what its worker page shows, as `tab 0: training | webgpu | version 12 | ...`. */
export function statusLine(index: number, tab: { fields: TabStatus; restarts: number } | null): string {
  if (!tab) return `tab ${index}: reopening`;
  const f = tab.fields;
  const parts = [
    f['worker-state'] ?? 'loading',
    f['worker-backend'] && `backend ${f['worker-backend']}`,
    f['worker-version'] && `version ${f['worker-version']}`,
    f['worker-steps'] && `${f['worker-steps']} env steps`,
    f['worker-sps'] && `${f['worker-sps']} steps/s`,
    f['worker-updates'] && `updates ${f['worker-updates']} (accepted / rejected)`,
    tab.restarts > 0 && `reopened ${tab.restarts}x`,
    f['worker-message'] !== f['worker-state'] && f['worker-message'],
  ];
  return `tab ${index}: ${parts.filter(Boolean).join(' | ')}`;
}

/** Redraws the tabs' lines in place on a terminal, else prints them every few seconds. */
function statusPrinter(log: Log): (lines: string[]) => void {
  const tty = process.stdout.isTTY && log.level !== 'quiet';
  let drawn = 0;
  let printedAt = 0;
  return (lines) => {
    if (tty) {
      const width = process.stdout.columns || 120;
      process.stdout.write(`${drawn ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\x1b[2K${l.slice(0, width - 1)}\n`).join('')}`);
      drawn = lines.length;
    } else if (Date.now() - printedAt >= 5000) {
      printedAt = Date.now();
      for (const l of lines) log.info(l);
    }
  };
}

async function workers(o: Options): Promise<number> {
  const log = makeLog(logLevel(o));
  const { origin, token } = parseWorkerUrl(o.url);
  let stop: ((browserGone: boolean) => void) | null = null;
  const stopped = new Promise<boolean>((resolve) => { stop = resolve; });
  const fleet = new Fleet({
    url: origin,
    workers: o.tabs,
    headless: !o.headed,
    backend: o.backend === 'auto' ? undefined : o.backend,
    token: o.token ?? token,
    plain: true,
    restartTabs: true,
    ownSignals: true,
    chromiumArgs: o.ignoreCertificateErrors ? ['--ignore-certificate-errors'] : [],
    onBrowserClosed: () => stop!(true),
    onLog: (i, line) => (/crashed|closed|reopen/.test(line) ? log.warn : log.debug)(`[tab ${i}] ${line}`),
  });
  process.once('SIGINT', () => stop!(false));
  process.once('SIGTERM', () => stop!(false));
  try {
    await fleet.start();
  } catch (e) {
    await fleet.stop().catch(() => undefined);
    throw e;
  }
  log.info(`tabswarm workers: ${o.tabs} tab${o.tabs > 1 ? 's' : ''} contributing to ${origin} (Ctrl-C to stop)`);
  const print = statusPrinter(log);
  let polling = false;
  // Polls without a worker page in a tab (the coordinator was unreachable: the browser shows its error page).
  const missing: number[] = [];
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    fleet.tabStatus().then((tabs) => {
      print(tabs.map((t, i) => statusLine(i, t)));
      tabs.forEach((t, i) => {
        missing[i] = t && !('worker-state' in t.fields) ? (missing[i] ?? 0) + 1 : 0;
        if (missing[i] >= RELOAD_AFTER_POLLS) {
          missing[i] = 0;
          log.warn(`[tab ${i}] no worker page (is ${origin} reachable?): loading it again`);
          fleet.reload(i).catch(() => undefined);
        }
      });
    }, () => undefined).finally(() => { polling = false; });
  }, 1000);
  const browserGone = await stopped;
  clearInterval(timer);
  if (browserGone) {
    log.error('tabswarm workers: the browser closed (crashed or killed): stopping');
    await fleet.stop().catch(() => undefined);
    return 1;
  }
  const last = await fleet.tabStatus().catch(() => []);
  await fleet.stop();
  log.info(`\ntabswarm workers: stopped; ${last.map((t, i) => statusLine(i, t)).join('\n                  ')}`);
  return 0;
}
