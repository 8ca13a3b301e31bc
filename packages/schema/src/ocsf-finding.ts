import { z } from 'zod';

/**
 * OCSF 1.3.0 findings Vigil publishes on `vigil.findings.ocsf`: an Incident Finding (class 2005) per change
 * of an incident, a Detection Finding (class 2004) per detection. Only what Vigil fills in is modelled;
 * every attribute the OCSF 1.3.0 class marks required is required here, with its enumerations.
 * SOC 2 criteria have no place in these classes (OCSF keeps `compliance` for Compliance Finding 2003);
 * they go in `unmapped.compliance`, shaped like OCSF's compliance object, as Prowler does.
 */
export const OCSF_VERSION = '1.3.0' as const;

const EpochMs = z.number().int().nonnegative();
const SeverityId = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5), z.literal(6)]);

const Product = z.object({ name: z.string().min(1), vendor_name: z.string().min(1), version: z.string().optional() });
const Metadata = z.object({
  version: z.literal(OCSF_VERSION),
  product: Product,
  /** The finding's own id: `<incident or detection id>:<timeline entry id>`; consumers deduplicate on it. */
  uid: z.string().min(1),
  log_name: z.string().optional(),
});
const Analytic = z.object({ uid: z.string().min(1), name: z.string().min(1), type_id: z.literal(1), type: z.literal('Rule') });
const FindingInfo = z.object({
  uid: z.string().min(1),
  title: z.string().min(1),
  desc: z.string().optional(),
  created_time: EpochMs.optional(),
  first_seen_time: EpochMs.optional(),
  last_seen_time: EpochMs.optional(),
  modified_time: EpochMs.optional(),
  types: z.array(z.string()).optional(),
  analytic: Analytic.optional(),
  related_events: z.array(z.object({ uid: z.string().min(1) })).optional(),
  related_events_count: z.number().int().nonnegative().optional(),
});
const Unmapped = z.object({
  compliance: z.object({ standards: z.array(z.string()).min(1), requirements: z.array(z.string()).min(1) }),
  vigil: z.record(z.string(), z.unknown()),
});
const Base = {
  category_uid: z.literal(2),
  category_name: z.literal('Findings'),
  severity_id: SeverityId,
  severity: z.string().min(1),
  time: EpochMs,
  message: z.string().optional(),
  metadata: Metadata,
  unmapped: Unmapped,
};

export const IncidentFinding = z.object({
  ...Base,
  class_uid: z.literal(2005),
  class_name: z.literal('Incident Finding'),
  activity_id: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  activity_name: z.enum(['Create', 'Update', 'Close']),
  type_uid: z.union([z.literal(200501), z.literal(200502), z.literal(200503)]),
  type_name: z.string().min(1),
  status_id: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]),
  status: z.enum(['New', 'In Progress', 'On Hold', 'Resolved', 'Closed']),
  finding_info_list: z.array(FindingInfo).min(1),
  desc: z.string().optional(),
  assignee_group: z.object({ name: z.string().min(1) }),
  start_time: EpochMs.optional(),
  end_time: EpochMs.optional(),
  comment: z.string().optional(),
});
export type IncidentFinding = z.infer<typeof IncidentFinding>;

export const DetectionFinding = z.object({
  ...Base,
  class_uid: z.literal(2004),
  class_name: z.literal('Detection Finding'),
  activity_id: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  activity_name: z.enum(['Create', 'Update', 'Close']),
  type_uid: z.union([z.literal(200401), z.literal(200402), z.literal(200403)]),
  type_name: z.string().min(1),
  status_id: z.union([z.literal(1), z.literal(4)]).optional(),
  status: z.enum(['New', 'Resolved']).optional(),
  finding_info: FindingInfo,
  is_alert: z.boolean().optional(),
  resources: z.array(z.object({ uid: z.string().min(1), type: z.string().min(1) })).optional(),
});
export type DetectionFinding = z.infer<typeof DetectionFinding>;

export const OcsfFinding = z.union([IncidentFinding, DetectionFinding]);
export type OcsfFinding = z.infer<typeof OcsfFinding>;
