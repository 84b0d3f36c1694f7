// @aitbc/miner: the miner daemon, its model-server backends, GPU detection and the doctor.
export { MinerDaemon, type MinerOptions, type MinerEvent } from './daemon.ts';
export { detectGpu, parseNvidiaSmi, type GpuFacts } from './gpu.ts';
export { runDoctor, type DoctorCheck } from './doctor.ts';
export * from './backends/index.ts';
