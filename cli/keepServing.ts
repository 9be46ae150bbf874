/**
 * After a run, `tabswarm start` keeps serving the dashboard while someone is watching it: with
 * `--serve` until interrupted, else while a dashboard is connected (a reload's reconnect within
 * `graceMs` counts as still watching). Either way Ctrl-C ends it. (A run ended by Ctrl-C or
 * SIGTERM quits at once unless --serve: start does not call this then.)
 */
import type { Coordinator } from '../server/coordinator.ts';

export async function keepServing(coordinator: Coordinator, origin: string, serve: boolean, graceMs = 10_000): Promise<void> {
  if (!serve && coordinator.dashboards === 0) return;
  console.log(serve
    ? `serving the dashboard at ${origin}/ until interrupted (Ctrl-C to quit)`
    : `a dashboard is open: serving ${origin}/ until it closes (Ctrl-C to quit now; --serve keeps serving after a run)`);
  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | null = null;
    const done = () => {
      if (timer) clearTimeout(timer);
      coordinator.off('dashboards', watch);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    const watch = (n: number) => {
      if (timer) clearTimeout(timer);
      timer = !serve && n === 0 ? setTimeout(done, graceMs) : null;
    };
    coordinator.on('dashboards', watch);
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    watch(coordinator.dashboards);
  });
}
