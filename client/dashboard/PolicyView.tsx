import { useEffect, useRef, useState } from 'react';
import type { TrainConfig } from '../../shared/config.ts';
import type { PolicyWire } from '../../shared/protocol.ts';
import { renderEnv, renderableEnvIds } from '../../shared/envs/render.ts';
import { PolicyPlayer } from './policyPlayer.ts';
import { formatNumber } from './format.ts';

/** Seconds between fetches of the current params while the run trains. */
const REFRESH_S = 5;
const FPS = 30;
const WIDTH = 480;
const HEIGHT = 320;

interface Info {
  version: number | null;
  episodes: number;
  lastReturn: number | null;
  error: string | null;
}

/** The current policy playing its env, in this page: params fetched every few seconds, actions computed here. */
export function PolicyView({ config, finished }: { config: TrainConfig; finished: boolean }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [info, setInfo] = useState<Info>({ version: null, episodes: 0, lastReturn: null, error: null });
  const renderable = renderableEnvIds().includes(config.envId);

  useEffect(() => {
    if (!renderable) return;
    const player = new PolicyPlayer(config);
    let error: string | null = null;
    const load = async () => {
      try {
        const res = await fetch('/api/policy');
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        player.setPolicy((await res.json()) as PolicyWire);
        error = null;
      } catch (e) {
        error = `cannot load the policy: ${e instanceof Error ? e.message : String(e)}`;
      }
    };
    void load();
    // Once the run is over its params no longer change: one fetch is enough. A hidden page fetches nothing.
    const refresh = finished ? null : setInterval(() => { if (!document.hidden) void load(); }, REFRESH_S * 1000);
    let frames = 0;
    const frame = setInterval(() => {
      const c = canvas.current;
      const ctx = c?.getContext('2d');
      if (!c || !ctx || !player.step()) return;
      renderEnv(config.envId, player.env.getState(), ctx, WIDTH, HEIGHT);
      c.dataset.frames = String(++frames);
      if (frames % 10 === 0) setInfo({ version: player.version, episodes: player.episodes, lastReturn: player.lastReturn, error });
    }, 1000 / FPS);
    return () => {
      if (refresh) clearInterval(refresh);
      clearInterval(frame);
    };
  }, [config, renderable, finished]);

  return (
    <section className="panel policy" aria-label="current policy playing" data-testid="policy-view" data-version={info.version ?? ''}>
      <h2>Current policy <span className="muted">deterministic, in this page</span></h2>
      {renderable ? (
        <>
          <canvas ref={canvas} width={WIDTH} height={HEIGHT} className="policy__canvas" data-testid="policy-canvas" data-frames="0" />
          <p className="policy__info muted">
            {info.version === null ? 'loading the policy…' : `params version ${info.version} · episode ${info.episodes + 1} · last return ${formatNumber(info.lastReturn, 1)}`}
            {` · new params every ${REFRESH_S} s, from the next episode`}
          </p>
          {info.error && <p className="policy__error" role="alert">{info.error}</p>}
        </>
      ) : (
        <p className="muted">No renderer for {config.envId}: the live view draws {renderableEnvIds().join(', ')}.</p>
      )}
    </section>
  );
}
