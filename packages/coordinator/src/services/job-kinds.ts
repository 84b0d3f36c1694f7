// The coordinator's view of the protocol's job types: what a stored job needs of a miner, and its
// canonical output (what its receipt's output_hash hashes and re-executions compare).

import { capabilityBits, jobType, type Capability, type JobKind, type JobOutput, type Requirement } from '@aitbc/protocol';
import type { JobRecord } from '../store/store.ts';

export interface JobNeeds {
  /** The capability bits the job's `requires` column holds. */
  bits: number;
  /** The job type's own capability first, then what the request asks for, each with its field. */
  requirements: Requirement[];
}

/** What a job of `kind` with this canonical request needs of a miner's model. */
export function needsOf(kind: JobKind, prompt: string): JobNeeds {
  const type = jobType(kind);
  const requirements: Requirement[] = [{ capability: type.capability, param: 'model' }, ...type.requirements(type.decode(prompt) as never)];
  return { bits: capabilityBits(requirements.map((requirement) => requirement.capability)), requirements };
}

/** The bits of the job type alone: a job that asks for nothing beyond its type. */
export function baseBits(kind: JobKind): number {
  return capabilityBits([jobType(kind).capability as Capability]);
}

/** The job's output as its job type sees it (text '' before it has one). */
export function jobOutputOf(job: Pick<JobRecord, 'output' | 'outputData'>): JobOutput {
  return { text: job.output ?? '', tool_calls: job.outputData?.tool_calls, embeddings: job.outputData?.embeddings };
}

/** The job's canonical output text, or null before it has one. */
export function canonicalOutput(job: Pick<JobRecord, 'kind' | 'output' | 'outputData'>): string | null {
  if (job.output === null) return null;
  return jobType(job.kind).outputText(jobOutputOf(job));
}
