import * as z from "zod";
import type { FieldIssue } from "../errors.js";

/** Stable `error.code` values of the emulator's error answers. */
export type ApiErrorCode =
  | "invalid_json"
  | "invalid_body"
  | "invalid_query"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "payload_too_large"
  | "request_timeout"
  | "run_ended"
  | "too_many_requests"
  | "internal_error";

/** The body of every error answer: `{"error": {"code", "message", "issues"?}}`. */
export const ApiErrorBodySchema = z.object({
  error: z.object({
    code: z.string().min(1),
    message: z.string(),
    issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })).optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

/** Thrown inside request handlers; the router turns it into an error answer. Not part of the public API. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly issues: readonly FieldIssue[] | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: ApiErrorCode,
    message: string,
    options: { issues?: readonly FieldIssue[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.issues = options.issues;
    this.headers = options.headers ?? {};
  }

  toBody(): ApiErrorBody {
    const issues = this.issues?.map((i) => ({ path: [...i.path], message: i.message }));
    return { error: { code: this.code, message: this.message, ...(issues === undefined ? {} : { issues }) } };
  }
}

/** zod issues as `{path, message}`, paths as plain strings and numbers. */
export function zodIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
    message: issue.message,
  }));
}
