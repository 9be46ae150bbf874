/**
 * The worker pages' remembered backend choices (client/worker/remembered.ts), kept in a file so
 * that the headless tabs of `tabswarm start` skip timing backends from the second launch on. Each
 * fleet launch starts a fresh browser profile, so the fleet carries the choices across: it writes
 * every choice a tab announces on its console (CHOICE_LOG) to the file, and seeds each new tab's
 * localStorage with the file's choices before the page runs. A choice's key names the browser,
 * device and model shape it was measured for, so a choice from another browser or device is never
 * used. Delete the file (or open a page with ?retime=1) to measure again.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CHOICE_KEY_PREFIX, CHOICE_LOG, parseRemembered } from '../client/worker/remembered.ts';

/** Where `tabswarm start` keeps them: $XDG_CACHE_HOME/tabswarm, else ~/.cache/tabswarm. */
export function defaultChoiceFile(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tabswarm', 'backend-choices.json');
}

export class ChoiceCache {
  private entries: Record<string, string> = {};
  private saving: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  /** Reads the file; a missing or unreadable file, or an entry that is not a choice, is skipped. */
  async load(): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.file, 'utf8'));
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    for (const [key, value] of Object.entries(parsed)) {
      if (key.startsWith(CHOICE_KEY_PREFIX) && typeof value === 'string' && parseRemembered(value)) this.entries[key] = value;
    }
  }

  /**
   * JavaScript for a new tab's document start: stores the known choices in its localStorage
   * (leaving any it already has).
   */
  seedScript(): string {
    return `(() => { try { const e = ${JSON.stringify(this.entries)}; for (const k in e) if (localStorage.getItem(k) === null) localStorage.setItem(k, e[k]); } catch {} })();`;
  }

  /**
   * Takes one console line of a tab (its arguments' values): when it announces a choice, keeps it
   * and rewrites the file. True when it was one.
   */
  take(args: unknown[], onError: (e: unknown) => void): boolean {
    const [text, key, value] = args;
    if (text !== CHOICE_LOG || typeof key !== 'string' || !key.startsWith(CHOICE_KEY_PREFIX) || typeof value !== 'string' || !parseRemembered(value)) return false;
    if (this.entries[key] === value) return true;
    this.entries[key] = value;
    const body = JSON.stringify(this.entries, null, 1);
    this.saving = this.saving.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      // Whole or not at all: a concurrent reader never sees half a file.
      await writeFile(`${this.file}.tmp`, body);
      await rename(`${this.file}.tmp`, this.file);
    }).catch(onError);
    return true;
  }

  /** Resolves when what was taken is on disk. */
  flushed(): Promise<void> {
    return this.saving;
  }
}
