import { z } from 'zod';
import type { FieldError } from '@vigil/schema';

/**
 * What people write into the register through Slack or the API. Strict objects, so a misspelt field is an
 * error instead of something silently not recorded.
 */

const required = (what: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? `required: ${what}` : 'must be text';

function text(max: number, what = 'text') {
  return z
    .string({ error: required(what) })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`);
}

/** A link people can open: http or https only, so nothing like `javascript:` ends up in a report. */
export const HttpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2000, 'must be at most 2000 characters');

const Note = text(10_000);
const LongText = text(20_000);

export const FollowUp = z.strictObject({
  title: text(500, 'what needs doing'),
  url: HttpUrl.optional(),
  owner: text(200).optional(),
  done: z.boolean().default(false),
});
export type FollowUp = z.infer<typeof FollowUp>;

export const AcknowledgeFields = z.strictObject({ text: Note.optional() });
export const ContainFields = z.strictObject({ text: Note.optional() });
/** Root cause is optional when resolving (it is often known only later) but recorded when given. */
export const ResolveFields = z.strictObject({
  rootCause: LongText.optional(),
  remediation: LongText.optional(),
  postmortemUrl: HttpUrl.optional(),
  text: Note.optional(),
});
export const CloseFields = ResolveFields;
/** CC7.3 wants a dismissed detection evidenced: the reviewer is the actor, the reason is required. */
export const DismissFields = z.strictObject({
  reason: text(5_000, 'say why this is not an incident'),
  text: Note.optional(),
});
export const CommentFields = z.strictObject({ text: text(10_000, 'the comment') });

export type AcknowledgeFields = z.infer<typeof AcknowledgeFields>;
export type ContainFields = z.infer<typeof ContainFields>;
export type ResolveFields = z.infer<typeof ResolveFields>;
export type CloseFields = z.infer<typeof CloseFields>;
export type DismissFields = z.infer<typeof DismissFields>;
export type CommentFields = z.infer<typeof CommentFields>;

/** Every field any action takes; which of them an action accepts is in `ACTION_FIELDS`. */
export interface ActionFields {
  reason?: string;
  rootCause?: string;
  remediation?: string;
  postmortemUrl?: string;
  text?: string;
}

/** The post-incident record, set or corrected after the fact. `null` clears a text field. */
export const IncidentDetailsPatch = z
  .strictObject({
    rootCause: LongText.nullable().optional(),
    remediation: LongText.nullable().optional(),
    postmortemUrl: HttpUrl.nullable().optional(),
    /** Replaces the list as a whole. */
    followUps: z.array(FollowUp).max(100, 'at most 100 follow-ups').optional(),
    affectedSystems: z
      .array(text(200))
      .max(100, 'at most 100 systems')
      .refine((systems) => new Set(systems).size === systems.length, 'must not repeat a system')
      .optional(),
    dc4Candidate: z.boolean().optional(),
  })
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), {
    message: 'nothing to change: give at least one field',
    // Only for an otherwise valid patch: a misspelt field is the error to report, not an empty patch.
    when: (payload) => payload.issues.length === 0,
  });
/** What a caller passes: `done` of a follow-up may be left out. */
export type IncidentDetailsPatchInput = z.input<typeof IncidentDetailsPatch>;
export type IncidentDetailsPatch = z.infer<typeof IncidentDetailsPatch>;

/** Who did it, as `*_by` columns and the timeline name them: `api:<token name>`, `slack:<user id>`, ... */
export const Actor = text(200, 'who is acting');

/** zod issues as field errors, naming an unknown field by its own path rather than as one issue at the root. */
export function inputErrors(error: z.ZodError, unknownField: string): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...issue.path, key].map(String).join('.'), message: unknownField }))
      : [{ path: issue.path.map(String).join('.') || '(root)', message: issue.message }],
  );
}
