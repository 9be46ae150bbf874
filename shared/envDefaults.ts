/**
 * Per-environment hyperparameters, from the RL Baselines3 Zoo's tuned PPO settings (ppo.yml),
 * translated to tabswarm's fields: n_envs and n_steps are per tab; numMinibatches =
 * n_envs * n_steps / batch_size; `normalize: true` turns on both normObs and normReward;
 * use_sde and sde_sample_freq are gsde and sdeSampleFreq (SB3's -1, once per rollout, is 0),
 * ortho_init is orthoInit.
 * Fields not named here come from `baseConfig`.
 */
import type { TrainConfig } from './config.ts';

export const envDefaults: Record<string, Partial<TrainConfig>> = {
  'CartPole-v1': {
    // Zoo: n_envs 8, n_steps 32, batch 256, lr lin_0.001, clip lin_0.2, 1e5 steps. The budget is
    // larger here (the learning rate and the clip anneal over it). Local mode with 16 envs per tab
    // (two minibatches of the zoo's 256): one round trip per 512 env steps, so a tab 100 ms away
    // keeps most of its speed (docs/WAN.md). 10 epochs at twice the zoo's learning rate rather than
    // the zoo's 20: about the same env steps to solve (median 100k over 10 seeds) for half the
    // tabs' compute, 0.48x the training time on 2 tabs here (docs/perf/startup.md). A rollout link
    // sizing stretches keeps its minibatches' size: 100 ms away, 146k env steps to solve against 206k
    // (docs/wan/MINIBATCH-SIZE-QUIET.md). Three pushes in flight, each tab adding its own back onto
    // the params it adopts (rebaseInFlight): 100 ms away 6.0-7.1 s to solve against 7.8-9.6 s with
    // two, within 1.31x of loopback (docs/wan/REBASE.md).
    numEnvs: 16, numSteps: 32, numMinibatches: 2, updateEpochs: 10, gamma: 0.98, gaeLambda: 0.8,
    entCoef: 0, learningRate: 2e-3, annealLr: true, annealClip: true, totalTimesteps: 500_000, updateMode: 'local',
    stretchedMinibatches: 'size', maxPushesInFlight: 3,
  },
  'Acrobot-v1': {
    // Zoo settings, in local mode: 2 tabs solved in 8.6 s median on loopback and 8.9 s 100 ms away,
    // where the per-minibatch protocol took 12.6 s on loopback and did not solve at 100 ms (docs/WAN.md).
    numEnvs: 16, numSteps: 256, numMinibatches: 64, updateEpochs: 4, gamma: 0.99, gaeLambda: 0.94,
    entCoef: 0, normObs: true, normReward: true, totalTimesteps: 1_000_000, updateMode: 'local',
  },
  'MountainCar-v0': {
    numEnvs: 16, numSteps: 16, numMinibatches: 4, updateEpochs: 4, gamma: 0.99, gaeLambda: 0.98,
    entCoef: 0, normObs: true, normReward: true, totalTimesteps: 1_000_000,
  },
  'MountainCarContinuous-v0': {
    // Beyond the zoo: maxPolicyLag 10. With 8-step rollouts and 10 epochs, a second tab's updates
    // drag the policy far from each rollout's; with the bound, 2 of 4 runs on 2 tabs ended above 90
    // in final eval, against 0 of 2 without (docs/LEARNING.md).
    // And 60k env steps, not 20k: a policy that stops reaching the goal early has time to find it
    // again, and enough episodes fit for the 100-episode training mean (docs/LEARNING-MountainCarContinuous.md).
    maxPolicyLag: 10,
    numEnvs: 1, numSteps: 8, numMinibatches: 1, updateEpochs: 10, gamma: 0.9999, gaeLambda: 0.9,
    learningRate: 7.77e-5, entCoef: 0.00429, clipCoef: 0.1, maxGradNorm: 5, vfCoef: 0.19, logStdInit: -3.29,
    gsde: true, sdeSampleFreq: 0, orthoInit: false, normObs: true, normReward: true, totalTimesteps: 60_000,
  },
  'Pendulum-v1': {
    numEnvs: 4, numSteps: 1024, numMinibatches: 64, updateEpochs: 10, gamma: 0.9, gaeLambda: 0.95,
    learningRate: 1e-3, clipCoef: 0.2, entCoef: 0, gsde: true, sdeSampleFreq: 4, totalTimesteps: 100_000, solveThreshold: -200,
  },
  'LunarLander-v3': {
    // Zoo: n_envs 16, n_steps 1024, batch 64, 4 epochs, 1e6 steps. Local mode instead: 256 steps a
    // rollout in 64 minibatches of 64, 8 epochs with the tab's own Adam, deltas stepped at outerLr 2
    // (averaged over the tabs, then doubled) and one on the wire at a time. 4 tabs 100 ms away
    // ended at final evaluations of 238, 227 and 206, 2 tabs on loopback solved at 426k env steps,
    // where the zoo's settings need 1,024 round trips a rollout (docs/WAN.md).
    numEnvs: 16, numSteps: 256, numMinibatches: 64, updateEpochs: 8, gamma: 0.999, gaeLambda: 0.98,
    entCoef: 0.01, totalTimesteps: 1_000_000, updateMode: 'local', outerLr: 2, maxPushesInFlight: 1,
  },
  'LunarLanderContinuous-v3': {
    numEnvs: 16, numSteps: 1024, numMinibatches: 256, updateEpochs: 4, gamma: 0.999, gaeLambda: 0.98,
    entCoef: 0.01, totalTimesteps: 1_000_000,
  },
};
