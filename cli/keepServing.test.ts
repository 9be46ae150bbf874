/** After a run, the coordinator keeps serving while a dashboard is open: a real coordinator on port 0 and a real dashboard socket. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { io } from 'socket.io-client';
import { Coordinator } from '../server/coordinator.ts';
import { defaultConfig } from '../shared/config.ts';
import { DASHBOARD_NAMESPACE } from '../shared/protocol.ts';
import { keepServing } from './keepServing.ts';

let coordinator: Coordinator;
afterEach(async () => { await coordinator.stop(); vi.restoreAllMocks(); });

const settled = (p: Promise<void>) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 50))]);

describe('keepServing', () => {
  it('returns at once when no dashboard is open and --serve is not given', async () => {
    coordinator = new Coordinator({ config: defaultConfig, port: 0 });
    await coordinator.start();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await keepServing(coordinator, 'http://x', false);
    expect(log).not.toHaveBeenCalled();
  });

  it('serves while a dashboard is open, says how to quit, and returns once it has closed for the grace period', async () => {
    coordinator = new Coordinator({ config: defaultConfig, port: 0 });
    const port = await coordinator.start();
    const dash = io(`http://127.0.0.1:${port}${DASHBOARD_NAMESPACE}`, { transports: ['websocket'], reconnection: false });
    await new Promise((r) => dash.once('snapshot', r));
    coordinator.endRun();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const serving = keepServing(coordinator, 'http://x', false, 100);
    expect(await settled(serving)).toBe(false);
    expect(log.mock.calls[0][0]).toMatch(/a dashboard is open: serving http:\/\/x\/ until it closes \(Ctrl-C to quit now/);
    dash.disconnect();
    await serving;
    expect(coordinator.dashboards).toBe(0);
  });

  it('with --serve keeps serving with no dashboard open, until Ctrl-C', async () => {
    coordinator = new Coordinator({ config: defaultConfig, port: 0 });
    await coordinator.start();
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const serving = keepServing(coordinator, 'http://x', true, 10);
    expect(await settled(serving)).toBe(false);
    process.emit('SIGINT');
    await serving;
  });
});
