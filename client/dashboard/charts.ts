/** The dashboard's charts: one per PPO diagnostic and coordinator metric, by metric name (shared/metrics.ts). */
import { M } from '../../shared/metrics.ts';

export interface ChartDef {
  metric: string;
  title: string;
  /** Y axis label. */
  yLabel: string;
  /** What the chart shows (the caption's tooltip; docs/DASHBOARD.md says more). */
  help: string;
  digits: number;
  color: string;
  /** Draw the run's solve threshold as a line. */
  threshold?: boolean;
}

export const CHARTS: readonly ChartDef[] = [
  { metric: M.episodicReturn, title: 'Episodic return', yLabel: 'return', digits: 1, color: '#2563eb', threshold: true, help: 'mean return of the episodes that ended in each tick' },
  { metric: M.meanReturn, title: 'Mean return (last 100 episodes)', yLabel: 'return', digits: 1, color: '#1d4ed8', threshold: true, help: 'the solve criterion: mean return of the last solveWindow episodes' },
  { metric: M.episodicLength, title: 'Episode length', yLabel: 'steps', digits: 0, color: '#0891b2', help: 'mean length of the episodes that ended in each tick' },
  { metric: M.policyLoss, title: 'Policy loss', yLabel: 'loss', digits: 4, color: '#9333ea', help: 'clipped PPO surrogate loss, mean over the reported minibatches' },
  { metric: M.valueLoss, title: 'Value loss', yLabel: 'loss', digits: 3, color: '#c026d3', help: 'critic loss: half the mean squared error to the returns' },
  { metric: M.entropy, title: 'Entropy', yLabel: 'nats', digits: 3, color: '#db2777', help: 'entropy of the policy on the rollout\'s observations' },
  { metric: M.approxKl, title: 'Approximate KL', yLabel: 'KL', digits: 4, color: '#e11d48', help: 'approximate KL divergence between the rollout\'s policy and the updated one' },
  { metric: M.clipfrac, title: 'Clip fraction', yLabel: 'fraction', digits: 3, color: '#ea580c', help: 'fraction of samples whose probability ratio left [1 - clip, 1 + clip]' },
  { metric: M.explainedVariance, title: 'Explained variance', yLabel: 'explained var.', digits: 3, color: '#ca8a04', help: '1 - Var(returns - values) / Var(returns): how well the critic predicts the returns' },
  { metric: M.learningRate, title: 'Learning rate', yLabel: 'learning rate', digits: 6, color: '#65a30d', help: 'learning rate of the next full-size step (annealed when annealLr is on; set by an admin)' },
  { metric: M.gradNorm, title: 'Update norm', yLabel: 'L2 norm', digits: 3, color: '#16a34a', help: 'mean L2 norm of the accepted updates, before the global clip' },
  { metric: M.sps, title: 'Throughput', yLabel: 'env steps/s', digits: 0, color: '#059669', help: 'env steps per second of wall time, all workers together' },
  { metric: M.staleness, title: 'Mean staleness', yLabel: 'versions', digits: 2, color: '#7c3aed', help: 'how many versions old the accepted updates were, mean per tick' },
  { metric: M.workers, title: 'Connected workers', yLabel: 'workers', digits: 0, color: '#475569', help: 'worker tabs connected' },
];
