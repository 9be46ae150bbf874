/**
 * `tabswarm export <run-or-checkpoint> --out DIR`: writes a checkpoint's policy (the actor) as a
 * TensorFlow.js LayersModel (`model.json` + `weights.bin`, what `model.save('file://DIR')` writes),
 * which `tf.loadLayersModel` loads in a browser or Node, plus `tabswarm-policy.json`: how to
 * normalize observations before the model and how to turn its output into an action, the same
 * deterministic choice `tabswarm eval` makes (shared/ppo/evaluate.ts). Exit code 2 for a bad flag or file.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import type * as Tf from '@tensorflow/tfjs-core';
import type * as Tfl from '@tensorflow/tfjs-layers';
import type { TrainConfig } from '../shared/config.ts';
import type { ActionSpace } from '../shared/envs/types.ts';
import { layersPerHead, type ParamSpec } from '../shared/ppo/params.ts';
import { modelFor } from '../shared/ppo/modelSpec.ts';
import { NORM_EPSILON, RunningMeanStd } from '../shared/ppo/runningStats.ts';
import { CheckpointError, loadCheckpoint } from '../server/checkpoint/checkpoint.ts';
import { checkpointRunState } from '../server/checkpoint/runState.ts';
import { importEnvModules } from './args.ts';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const POLICY_FILE = 'tabswarm-policy.json';
/**
 * TensorFlow.js, loaded on first export only: the other commands (the coordinator among them) run
 * without it, as they hold parameters as flat arrays.
 */
async function loadTf(): Promise<{ tf: typeof Tf; tfl: typeof Tfl }> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const tfl = await import('@tensorflow/tfjs-layers');
  await tf.setBackend('cpu');
  return { tf, tfl };
}


/** The contents of tabswarm-policy.json. */
export interface PolicySidecar {
  format: 'tabswarm-policy';
  formatVersion: 1;
  tabswarmVersion: string;
  envId: string;
  /** Where the policy came from: the checkpoint's parameter version and env steps. */
  checkpoint: { version: number; envSteps: number; savedAt: string | null };
  model: string;
  observation: {
    size: number;
    /** null: the run trained on raw observations, feed them as they are. */
    normalization: null | {
      mean: number[];
      var: number[];
      epsilon: number;
      clipObs: number;
      formula: string;
    };
  };
  actionSpace: { type: 'discrete'; n: number } | { type: 'box'; low: number[]; high: number[] };
  action:
    | { output: 'logits'; size: number; choose: 'argmax'; description: string }
    | { output: 'mean'; size: number; choose: 'clip'; low: number[]; high: number[]; gsde: boolean; description: string };
}

const { version: tabswarmVersion } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const exportCommand = () => new Command('export')
  .description('Export a checkpoint\'s policy as a TensorFlow.js LayersModel (model.json, weights.bin, tabswarm-policy.json).')
  .argument('<run-or-checkpoint>', 'a run folder holding checkpoint.ckpt, or a checkpoint file')
  .requiredOption('--out <dir>', 'folder to write the model into (created if needed)')
  .option('--env-module <file>', 'a file that registers the run\'s custom environment (repeatable)', (f: string, all: string[]) => [...all, f], [] as string[])
  .exitOverride()
  .action(async (source: string, o: { out: string; envModule: string[] }) => {
    await importEnvModules(o.envModule);
    // Prod mode silences tfjs's advice to install tfjs-node, which an export of a small MLP does not need.
    (await loadTf()).tf.enableProdMode();
    const { files, sidecar } = await exportPolicy(source, o.out);
    console.log(`${sidecar.envId}: exported the policy of version ${sidecar.checkpoint.version} to ${files.join(', ')}`);
  });

/** The checkpoint a run folder or file argument names; a run folder holds checkpoint.ckpt. */
export async function checkpointPath(source: string): Promise<string> {
  let isDir: boolean;
  try {
    isDir = (await stat(source)).isDirectory();
  } catch (e) {
    throw new CheckpointError(`${source}: no such run folder or checkpoint file`, { cause: e });
  }
  return isDir ? join(source, 'checkpoint.ckpt') : source;
}

/** Writes the policy of `source` (a run folder or checkpoint file) into `outDir`; returns the files written and the sidecar. */
export async function exportPolicy(source: string, outDir: string): Promise<{ files: string[]; sidecar: PolicySidecar }> {
  const ck = await loadCheckpoint(await checkpointPath(source));
  const { spec, head, layout, numParams } = modelFor(ck.config);
  if (ck.params.length !== numParams) {
    throw new CheckpointError(`${source}: ${ck.envId}'s model has ${numParams} params, the checkpoint holds ${ck.params.length}`);
  }
  const sidecar: PolicySidecar = {
    format: 'tabswarm-policy',
    formatVersion: 1,
    tabswarmVersion,
    envId: ck.envId,
    checkpoint: { version: ck.version, envSteps: ck.envSteps, savedAt: ck.savedAt ?? null },
    model: MODEL_FILE,
    observation: { size: spec.obsDim, normalization: normalization(ck.config, spec.obsDim, checkpointRunState(ck).norm.obs) },
    actionSpace: actionSpace(spec.actionSpace),
    action: head.type === 'categorical'
      ? {
        output: 'logits', size: head.numActions, choose: 'argmax',
        description: 'The model outputs one logit per action; the action is the index of the largest (the first on a tie).',
      }
      : {
        output: 'mean', size: head.actionDim, choose: 'clip', low: head.low, high: head.high, gsde: ck.config.gsde,
        description: 'The model outputs the Gaussian policy\'s mean; the action is the mean clipped to [low, high] element-wise'
          + (ck.config.gsde ? ' (the run explored with gSDE, whose noise has mean 0: the deterministic action is still the mean).' : '.'),
      },
  };

  const { tf, tfl } = await loadTf();
  const model = actorModel(tf, tfl, ck.params, layout, spec.obsDim);
  await mkdir(outDir, { recursive: true });
  const files = [join(outDir, MODEL_FILE), join(outDir, WEIGHTS_FILE), join(outDir, POLICY_FILE)];
  try {
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      // The files tfjs-node's file:// handler writes: model.json names its weights file in weightsManifest.
      const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      await writeFile(files[1], new Uint8Array(weightData));
      const modelJson: Tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology!,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs! }],
      };
      await writeFile(files[0], JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }));
  } finally {
    model.dispose();
  }
  await writeFile(files[2], `${JSON.stringify(sidecar, null, 2)}\n`);
  return { files, sidecar };
}

/**
 * The actor as a tf.sequential: the tanh MLP of forwardPlain, one dense layer per actor.i.w/b.
 * tabswarm stores a weight as [in, out] row-major (h @ w + b), the layout of a tfjs dense kernel
 * [inputDim, units], so the values go in unchanged.
 */
function actorModel(tf: typeof Tf, tfl: typeof Tfl, flat: Float32Array, layout: ParamSpec[], obsDim: number): Tfl.Sequential {
  const nLayers = layersPerHead(layout);
  const model = tfl.sequential({ name: 'tabswarm_policy' });
  const weights: Tf.Tensor[] = [];
  for (let i = 0; i < nLayers; i++) {
    const w = layout[2 * i];
    const b = layout[2 * i + 1];
    if (w.name !== `actor.${i}.w` || b.name !== `actor.${i}.b`) throw new Error(`unexpected layout: ${w.name}, ${b.name} at actor layer ${i}`);
    model.add(tfl.layers.dense({
      name: `actor_${i}`,
      units: w.shape[1],
      activation: i + 1 < nLayers ? 'tanh' : 'linear',
      ...(i === 0 ? { inputShape: [obsDim] } : {}),
    }));
    weights.push(
      tf.tensor2d(flat.slice(w.offset, w.offset + w.size), [w.shape[0], w.shape[1]]),
      tf.tensor1d(flat.slice(b.offset, b.offset + b.size)),
    );
  }
  try {
    model.setWeights(weights);
  } finally {
    tf.dispose(weights);
  }
  return model;
}

/** The sidecar's observation normalization: null when the run did not normalize observations. */
function normalization(config: TrainConfig, obsDim: number, stats: Float64Array | undefined): PolicySidecar['observation']['normalization'] {
  if (!config.normObs) return null;
  if (!stats) throw new CheckpointError('the run normalized observations, but the checkpoint holds no observation statistics');
  let rms: RunningMeanStd;
  try {
    rms = RunningMeanStd.fromArray(obsDim, stats);
  } catch (e) {
    throw new CheckpointError(`the checkpoint's observation statistics are invalid: ${(e as Error).message}`);
  }
  return {
    mean: Array.from(rms.mean),
    var: Array.from(rms.var),
    epsilon: NORM_EPSILON,
    clipObs: config.clipObs,
    formula: 'min(clipObs, max(-clipObs, (obs - mean) / sqrt(var + epsilon))), element-wise',
  };
}

function actionSpace(space: ActionSpace): PolicySidecar['actionSpace'] {
  return space.type === 'discrete' ? { type: 'discrete', n: space.n } : { type: 'box', low: [...space.low], high: [...space.high] };
}
