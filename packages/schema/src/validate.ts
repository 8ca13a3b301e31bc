import type { z } from 'zod';

export interface FieldError {
  path: string;
  message: string;
}

/** zod issues as `path: message` pairs a user can act on; root-level issues get the path `(root)`. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.'),
    message: issue.message,
  }));
}
