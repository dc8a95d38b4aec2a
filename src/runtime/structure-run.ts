import * as z from "zod";

// A structure run as the emulator's `GET /api/structure-runs/{id}` returns it (Griptape Cloud's field names).
// Env var values never leave the process: the wire form names the variables only.

export const STRUCTURE_RUN_STATUSES = [
  "QUEUED",
  "STARTING",
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
  "ERROR",
] as const;

export const StructureRunStatusSchema = z.enum(STRUCTURE_RUN_STATUSES);
export type StructureRunStatus = z.infer<typeof StructureRunStatusSchema>;

const isoZ = z.iso.datetime({ precision: 6 });

/** The run resource on the wire. */
export const StructureRunResourceSchema = z.object({
  /** A dashed uuid4, as Griptape Cloud writes run ids. */
  structure_run_id: z.uuid(),
  /** The structure it runs; null for a run made with `createRun()` without `structureId`. */
  structure_id: z.string().min(1).nullable(),
  status: StructureRunStatusSchema,
  created_at: isoZ,
  updated_at: isoZ,
  /** The `created_at` of the terminal SYSTEM event; null before. */
  completed_at: isoZ.nullable(),
  args: z.array(z.string()),
  /** `output_task_output` of the run's USER `FinishStructureRunEvent` (an artifact); null before it arrives. */
  output: z.record(z.string(), z.unknown()).nullable(),
  /** `status_detail` of the terminal SYSTEM event; null before. */
  status_detail: z.record(z.string(), z.unknown()).nullable(),
  /** Names of the run's env vars, sorted; their values are never returned. */
  env_var_names: z.array(z.string()),
});
export type StructureRunResource = z.infer<typeof StructureRunResourceSchema>;

/** A run as the emulator's owner sees it in-process: the wire form plus the secrets the child process needs. */
export interface StructureRun extends StructureRunResource {
  /** The run's own bearer key (random, 256 bits, base64url), what `GT_CLOUD_API_KEY` is set to. Never sent over HTTP. */
  readonly apiKey: string;
  /** Env vars given at creation, values included. Never sent over HTTP. */
  readonly envVars: Readonly<Record<string, string>>;
}

/** What `createRun()` takes. */
export interface CreateRunOptions {
  structureId?: string;
  args?: string[];
  envVars?: Record<string, string>;
}
