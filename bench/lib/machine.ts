import { cpus, totalmem } from 'node:os';

/** The machine the figures were measured on, as printed at the top of docs/benchmarks.md. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: string;
  node: string;
  platform: string;
  date: string;
}

export const describeMachine = (): MachineInfo => {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() || 'unknown',
    cores: list.length,
    memoryGiB: (totalmem() / 1024 ** 3).toFixed(1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
};
