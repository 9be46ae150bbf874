/** Running the `tabswarm` command as a user does, for the e2e specs: a real process through the package's bin. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';

export type TabswarmProcess = { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> };

/** Runs `tabswarm ARGS` through the package's bin; `start` serves the client `npm run build` made. */
export function tabswarm(args: string[]): Promise<{ code: number | null; out: string }> {
  return tabswarmProcess(args).done;
}

/** tabswarm's variant that also hands back the process, so a test can signal it mid-run. */
export function tabswarmProcess(args: string[]): TabswarmProcess {
  const argv = args[0] === 'start' ? ['start', '--no-build', ...args.slice(1)] : args;
  const child = spawn('node', ['bin/tabswarm.js', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  outputs.set(child, () => out);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, out }));
  });
  return { child, done };
}

const outputs = new WeakMap<ChildProcess, () => string>();
/** What a tabswarmProcess has printed so far. */
export function outputSoFar(p: { child: ChildProcess }): string {
  return outputs.get(p.child)!();
}

/** The lines of a JSON-lines file so far (none while it does not exist). */
export async function jsonLines(path: string): Promise<unknown[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
}

/** Polls until `ready` holds; fails at once (with the output) if the process ends first. */
export async function until(p: TabswarmProcess, ready: () => Promise<boolean>): Promise<void> {
  let ended = false;
  void p.done.then(() => { ended = true; });
  while (!(await ready())) {
    if (ended) throw new Error(`tabswarm ended before the test saw what it waits for:\n${(await p.done).out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The processes under process `root` (its children, theirs, ...): pid and command line. */
export function descendants(root: number): { pid: number; args: string }[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).trim().split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l)!).map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] }));
  const under = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const r of rows) if (under.has(r.ppid) && !under.has(r.pid)) { under.add(r.pid); grew = true; }
  }
  return rows.filter((r) => r.pid !== root && under.has(r.pid));
}

/** The pids of the Chromium renderer processes under process `root`. */
export function renderersUnder(root: number): number[] {
  return descendants(root).filter((r) => r.args.includes('--type=renderer')).map((r) => r.pid);
}

/** Whether process `pid` still runs. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A port free right now. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}
