/**
 * The `tabswarm` command: `start` (a training run: coordinator, dashboard, headless tabs), `eval`
 * (play a checkpoint's policy), `export` (the policy as a TensorFlow.js LayersModel) and `workers`
 * (headless tabs contributing to a coordinator, on any machine). Exit codes: 0 done (a run solved), 1 a run not solved,
 * 2 bad flags, files or config.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { startCommand } from './start.ts';
import { evalCommand } from './eval.ts';
import { exportCommand } from './export.ts';
import { workersCommand } from './workers.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

let exitCode = 0;
const program = new Command()
  .name('tabswarm')
  .description('Train PPO agents on volunteered browser tabs.')
  .version(version)
  .exitOverride()
  .addCommand(startCommand((code) => { exitCode = code; }))
  .addCommand(evalCommand())
  .addCommand(exportCommand())
  .addCommand(workersCommand((code) => { exitCode = code; }));

program.parseAsync().then(
  () => process.exit(exitCode),
  (e: unknown) => {
    if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2); // commander has printed the message
    console.error(`tabswarm: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  },
);
