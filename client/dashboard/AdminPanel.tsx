import { useState, type FormEvent } from 'react';
import type { AdminAction, AdminReply } from '../../shared/admin.ts';
import { runIsOver, type RunStatus } from '../../shared/protocol.ts';

const TOKEN_KEY = 'tabswarm-admin-token';

/** The admin token: `?admin=` in the page's address (then taken out of it, so it is not shared with the link), else what this tab was given before. */
function initialToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('admin');
  if (fromUrl !== null) {
    url.searchParams.delete('admin');
    window.history.replaceState(null, '', url);
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

interface Props {
  status: RunStatus;
  send: (action: AdminAction, token: string | undefined) => Promise<AdminReply>;
}

/** Pause, resume, stop, checkpoint now, learning rate and staleness bound: read-only until the admin token is given when the coordinator has one. */
export function AdminPanel({ status, send }: Props) {
  const { controls } = status;
  const [token, setToken] = useState(initialToken);
  const [reply, setReply] = useState<AdminReply | null>(null);
  const [busy, setBusy] = useState(false);
  const [lr, setLr] = useState(String(controls.learningRate));
  const [staleness, setStaleness] = useState(String(controls.maxStaleness));
  const over = runIsOver(status.state);
  const readOnly = controls.adminTokenRequired && token === '';
  const disabled = busy || over || readOnly;

  const act = async (action: AdminAction) => {
    setBusy(true);
    try {
      setReply(await send(action, controls.adminTokenRequired ? token : undefined));
    } catch (e) {
      setReply({ ok: false, refused: false, error: `no answer from the coordinator (${e instanceof Error ? e.message : String(e)})` });
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent, action: AdminAction) => {
    e.preventDefault();
    void act(action);
  };

  return (
    <section className="panel admin" aria-label="admin controls" data-testid="admin">
      <h2>Run controls</h2>
      {controls.adminTokenRequired ? (
        <label className="admin__token">
          admin token
          <input
            type="password" autoComplete="off" value={token} data-testid="admin-token"
            onChange={(e) => { setToken(e.target.value); sessionStorage.setItem(TOKEN_KEY, e.target.value); }}
          />
        </label>
      ) : (
        <p className="admin__note warn" data-testid="admin-open">No admin token is set: anyone who can open this page can control the run (start with --admin-token to restrict it).</p>
      )}
      {readOnly && <p className="admin__note muted" data-testid="read-only">Read-only: enter the admin token to control the run.</p>}
      {over && <p className="admin__note muted">The run is over: there is nothing left to control.</p>}
      <div className="admin__buttons">
        {controls.paused
          ? <button type="button" disabled={disabled} onClick={() => void act({ type: 'resume' })} data-testid="admin-resume">Resume</button>
          : <button type="button" disabled={disabled} onClick={() => void act({ type: 'pause' })} data-testid="admin-pause">Pause</button>}
        <button type="button" disabled={disabled} onClick={() => void act({ type: 'checkpoint' })} data-testid="admin-checkpoint">Checkpoint now</button>
        <button
          type="button" className="danger" disabled={disabled} data-testid="admin-stop"
          onClick={() => { if (window.confirm('Stop the run now? The workers are told and the final checkpoint is written.')) void act({ type: 'stop' }); }}
        >
          Stop run
        </button>
      </div>
      <form className="admin__setting" onSubmit={(e) => submit(e, { type: 'learningRate', value: Number(lr) })}>
        <label>
          learning rate <span className="muted mono">now {controls.learningRate}</span>
          <input type="number" step="any" min={0} value={lr} onChange={(e) => setLr(e.target.value)} data-testid="admin-lr" />
        </label>
        <button type="submit" disabled={disabled || lr === ''}>Set</button>
      </form>
      <form className="admin__setting" onSubmit={(e) => submit(e, { type: 'maxStaleness', value: Number(staleness) })}>
        <label>
          staleness bound <span className="muted mono">now {controls.maxStaleness}</span>
          <input type="number" step={1} min={0} value={staleness} onChange={(e) => setStaleness(e.target.value)} data-testid="admin-staleness" />
        </label>
        <button type="submit" disabled={disabled || staleness === ''}>Set</button>
      </form>
      {reply && (
        <p
          className={`admin__reply ${reply.ok ? 'admin__reply--ok' : 'admin__reply--refused'}`} role={reply.ok ? 'status' : 'alert'}
          data-testid="admin-reply" data-ok={reply.ok}
        >
          {reply.ok ? reply.message : reply.refused ? `Refused: ${reply.error.replace(/^refused: /, '')}` : `Not done: ${reply.error}`}
        </p>
      )}
    </section>
  );
}
