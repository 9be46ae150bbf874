/**
 * How much the command-line tools say: `--quiet` only errors and the outcome, the default also the
 * addresses, progress and tab errors, `--verbose` also what each step does (checkpoints saved,
 * certificates, every status change of a tab).
 */
export type LogLevel = 'quiet' | 'normal' | 'verbose';

export interface Log {
  readonly level: LogLevel;
  /** Always: errors and the run's outcome. */
  error(line: string): void;
  result(line: string): void;
  /** Not with --quiet: addresses, progress, warnings. */
  info(line: string): void;
  warn(line: string): void;
  /** Only with --verbose. */
  debug(line: string): void;
}

/** The level the --quiet / --verbose flags ask for (asking for both is a usage error the caller reports). */
export function logLevel(o: { quiet?: boolean; verbose?: boolean }): LogLevel {
  if (o.quiet && o.verbose) throw new Error('--quiet and --verbose exclude each other');
  return o.quiet ? 'quiet' : o.verbose ? 'verbose' : 'normal';
}

export function makeLog(level: LogLevel): Log {
  const quiet = level === 'quiet';
  return {
    level,
    error: (line) => console.error(line),
    result: (line) => console.log(line),
    info: (line) => { if (!quiet) console.log(line); },
    warn: (line) => { if (!quiet) console.error(line); },
    debug: (line) => { if (level === 'verbose') console.error(line); },
  };
}
